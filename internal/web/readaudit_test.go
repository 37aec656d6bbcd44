package web_test

import (
	"context"
	"encoding/csv"
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
		if a := c.Audit.Action; err == nil && d.fail.Load() && (a == auth.ActPersonRead || a == auth.ActPersonHealthRead || a == auth.ActChecksExport) {
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

// TestChecksExportAudited: the data-to-check export names people, so it is
// entered in the audit trail like the opening of a file: who, when, the
// facility asked for and the people listed; when the entry cannot be
// written the export is not given (503, saying why).
func TestChecksExportAudited(t *testing.T) {
	var fail atomic.Bool
	f := newFixtureOn(t, dbtest.SQLiteDSN(t), 300, func(db *sqldb.DB) servedDB { return unrecordedReads{db, &fail} })
	// A person of CC1 whose detention order has no expiry (DQ-03).
	evs := `{"events":[{"kind":"person","date":"2020-06-01","person":"DQ-TEST","data":{"name":"Data Check","sex":"F","dob":"1990-02-03","dob_basis":"document"}},` +
		`{"kind":"admission","date":"2020-06-01","person":"DQ-TEST","facility":"CC1","data":{"status":"pretrial",` +
		`"order":{"kind":"detention_order","authority":"Investigating judge","reference":"DO-9","issued":"2020-06-01"},` +
		`"case":{"id":"C-DQ","procedure":"ordinary","charges":[{"offence":"theft","class":"misdemeanour","min_months":6,"max_months":36}]}}}]}`
	if res := f.login("admin").do("POST", "/api/v1/events", strings.NewReader(evs), "application/json"); res.code != 201 {
		t.Fatalf("recording the test person: %d %s", res.code, res.body)
	}
	reg := f.login("registrar")
	res := reg.get("/staff/queue/checks.csv")
	if res.code != 200 {
		t.Fatalf("export: %d %s", res.code, res.body)
	}
	rows, err := csv.NewReader(strings.NewReader(res.body)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("export: %v %v", err, rows)
	}
	listed := map[string]bool{}
	for _, r := range rows[1:] {
		listed[r[5]] = true
	}
	trail := reg.get("/api/v1/users/registrar/audit")
	var body struct {
		Entries []struct {
			Action, Actor, Subject string
			Detail                 json.RawMessage
		}
	}
	if trail.code != 200 || json.Unmarshal([]byte(trail.body), &body) != nil {
		t.Fatalf("the registrar's trail: %d %s", trail.code, trail.body)
	}
	found := false
	if !listed["DQ-TEST"] {
		t.Errorf("the export does not list DQ-TEST: %v", rows)
	}
	for _, e := range body.Entries {
		if e.Action != auth.ActChecksExport {
			continue
		}
		found = true
		var d struct {
			AsOf    string `json:"as_of"`
			Rows    int
			Persons []string
		}
		if err := json.Unmarshal(e.Detail, &d); err != nil || e.Actor != "registrar" || d.Rows != len(rows)-1 || len(d.Persons) != len(listed) || d.AsOf != rows[1][0] {
			t.Errorf("the entry of the export: %+v %s (%v), want %d rows, %d people", e, e.Detail, err, len(rows)-1, len(listed))
		}
		for _, p := range d.Persons {
			if !listed[p] {
				t.Errorf("the entry lists %s, who is not in the export", p)
			}
		}
	}
	if !found {
		t.Errorf("no %s entry in the registrar's trail: %.1000s", auth.ActChecksExport, trail.body)
	}
	fail.Store(true)
	for _, lang := range []string{"en", "km"} {
		res := reg.get("/staff/queue/checks.csv?lang=" + lang)
		want := map[string]string{"en": "could not be entered in the audit trail", "km": "កំណត់ត្រាសវនកម្ម"}[lang]
		if res.code != 503 || strings.Contains(res.body, "as_of,ledger_head") || !strings.Contains(res.body, want) {
			t.Errorf("export with the trail failing (%s): %d\n%.400s", lang, res.code, res.body)
		}
	}
}
