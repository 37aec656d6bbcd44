package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// unrecordedReads is the register with an audit trail that cannot take the
// entry of a read (a full disk, a lost connection) while fail is set; every
// other change goes through.
type unrecordedReads struct {
	*sqldb.DB
	fail *atomic.Bool
}

func (d unrecordedReads) ApplyAccount(ctx context.Context, build func(context.Context, store.AccountReader) (store.AccountChange, error)) (store.AuditEntry, error) {
	return d.DB.ApplyAccount(ctx, func(ctx context.Context, r store.AccountReader) (store.AccountChange, error) {
		c, err := build(ctx, r)
		if a := c.Audit.Action; err == nil && d.fail.Load() && (a == auth.ActPersonRead || a == auth.ActPersonHealthRead) {
			return c, errors.New("writing the audit entry: disk I/O error")
		}
		return c, err
	})
}

// TestReadAuditFailsClosed: when the audit entry of a read cannot be
// written, the personal file is not shown, by the person page, an event
// form, a refused form shown again, or the API: the answer is 503 with a
// message saying why, in the reader's language, and nothing of the file
// (Mandela Rule 6; issue 14, item 10). Once the trail takes entries again,
// the same requests show the file.
func TestReadAuditFailsClosed(t *testing.T) {
	var fail atomic.Bool
	f := newFixtureOn(t, dbtest.SQLiteDSN(t), 300, func(db *sqldb.DB) servedDB { return unrecordedReads{db, &fail} })
	ps, err := f.db.Persons(context.Background(), []string{f.person})
	if err != nil || ps[f.person].Name == "" {
		t.Fatalf("the person: %v %v", ps, err)
	}
	name := ps[f.person].Name
	reg := f.login("registrar")
	pages := []string{"/staff/persons/" + f.person, "/staff/persons/" + f.person + "/record/hearing"}
	// A hearing without a date is refused, and the form would be shown
	// again with the file.
	badHearing := url.Values{"date": {""}, "court": {"Phnom Penh Municipal Court"}}

	fail.Store(true)
	for _, p := range pages {
		res := reg.get(p)
		if res.code != 503 || strings.Contains(res.body, name) || !strings.Contains(res.body, "could not be entered in the audit trail") {
			t.Errorf("%s with the trail failing: %d, shows the name %v\n%.400s", p, res.code, strings.Contains(res.body, name), res.body)
		}
	}
	if res := reg.get("/staff/persons/" + f.person + "?lang=km"); res.code != 503 || !strings.Contains(res.body, "កំណត់ត្រាសវនកម្ម") {
		t.Errorf("in Khmer: %d\n%.400s", res.code, res.body)
	}
	res := reg.post("/staff/persons/"+f.person+"/record/hearing", badHearing)
	if res.code != 503 || strings.Contains(res.body, name) {
		t.Errorf("a refused form with the trail failing: %d, shows the name %v", res.code, strings.Contains(res.body, name))
	}
	res = reg.get("/api/v1/persons/" + f.person)
	var e struct{ Code, Message string }
	if res.code != 503 || json.Unmarshal([]byte(res.body), &e) != nil || e.Code != "unavailable" || strings.Contains(res.body, name) {
		t.Errorf("the API with the trail failing: %d %s", res.code, res.body)
	}
	checkOpenAPI(t, openAPIRouter(t), "GET", "/api/v1/persons/{id}", res.code, res.header, []byte(res.body))

	fail.Store(false)
	for _, p := range append(pages, "/api/v1/persons/"+f.person) {
		if res := reg.get(p); res.code != 200 || !strings.Contains(res.body, name) {
			t.Errorf("%s with the trail working: %d, shows the name %v", p, res.code, strings.Contains(res.body, name))
		}
	}
}
