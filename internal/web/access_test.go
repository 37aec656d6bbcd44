package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestAccessThroughHTTP: the attacks of issue 14 (items 1, 2 and 10)
// through the API and the forms. A registrar of CC1 cannot write to the file
// of someone released from another facility by naming CC1, nor read it;
// re-admitting them into CC1 opens only the identity and the current
// custody; and every opening of a file, through a page or the API, is in
// the audit trail an administrator reads on the person's page.
func TestAccessThroughHTTP(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	ctx := context.Background()
	reg, admin := f.login("registrar"), f.login("admin")

	// Someone released from a facility other than CC1, with their release.
	var who store.Person
	for off := 0; who.ID == "" && off < 5000; off += 200 {
		ps, err := f.db.SearchPersons(ctx, store.PersonQuery{Limit: 200, Offset: off})
		if err != nil || len(ps) == 0 {
			t.Fatalf("no one released from outside CC1: %v", err)
		}
		for _, p := range ps {
			if !p.InCustody && p.ExitKind == domain.KRelease && p.Facility != "CC1" && p.Facility != "" {
				who = p
				break
			}
		}
	}
	stored, err := f.db.PersonEvents(ctx, []string{who.ID})
	if err != nil {
		t.Fatal(err)
	}
	var release int64
	for _, e := range stored[who.ID] {
		if e.Kind == domain.KRelease {
			release = e.Seq
		}
	}
	head := func() int64 { h, _ := f.db.Head(ctx); return h.Seq }
	before := head()
	post := func(c *client, ev string) (int, string) {
		res := c.do("POST", "/api/v1/events", strings.NewReader(`{"events":[`+ev+`]}`), "application/json")
		var e struct{ Code, Field string }
		json.Unmarshal([]byte(res.body), &e)
		return res.code, e.Field
	}
	date := who.ExitDate.AddDays(1).String()
	for _, c := range []struct {
		name, ev, field string
		code            int
	}{
		{"rename naming CC1", fmt.Sprintf(`{"kind":"person","date":%q,"person":%q,"facility":"CC1","data":{"name":"Renamed","sex":"M","dob_basis":"unknown"}}`, date, who.ID), "events[0].facility", 400},
		{"rename", fmt.Sprintf(`{"kind":"person","date":%q,"person":%q,"data":{"name":"Renamed","sex":"M","dob_basis":"unknown"}}`, date, who.ID), "", 403},
		{"void the release naming CC1", fmt.Sprintf(`{"kind":"correction","date":%q,"person":%q,"facility":"CC1","data":{"target":%d,"target_kind":"release","reason":"x","void":true}}`, date, who.ID, release), "events[0].facility", 400},
		{"void the release", fmt.Sprintf(`{"kind":"correction","date":%q,"person":%q,"data":{"target":%d,"target_kind":"release","reason":"x","void":true}}`, date, who.ID, release), "", 403},
	} {
		if code, field := post(reg, c.ev); code != c.code || field != c.field {
			t.Errorf("%s: %d %q, want %d %q", c.name, code, field, c.code, c.field)
		}
	}
	if res := reg.post("/staff/persons/"+url.PathEscape(who.ID)+"/record/correction", url.Values{"target": {fmt.Sprint(release)}, "reason": {"x"}, "void": {"1"}}); res.code != 403 {
		t.Errorf("the correction form: %d", res.code)
	}
	if res := reg.get("/api/v1/persons/" + url.PathEscape(who.ID)); res.code != 403 {
		t.Errorf("reading the file: %d", res.code)
	}
	if h := head(); h != before {
		t.Fatalf("the refused writes entered %d events", h-before)
	}

	// Re-admitted into CC1: the registrar sees the identity and this
	// custody, none of the earlier custody's events.
	if code, field := post(reg, fmt.Sprintf(`{"kind":"admission","date":%q,"person":%q,"facility":"CC1","data":{"status":"pretrial"}}`, date, who.ID)); code != 201 {
		t.Fatalf("re-admission into CC1: %d %q", code, field)
	}
	res := reg.get("/api/v1/persons/" + url.PathEscape(who.ID))
	var v struct {
		Identity struct{ Name string }
		Timeline []struct {
			Seq      int64
			Kind     string
			Facility string
		}
		Withheld int
	}
	if res.code != 200 || json.Unmarshal([]byte(res.body), &v) != nil {
		t.Fatalf("reading the file after re-admission: %d %s", res.code, res.body)
	}
	if v.Identity.Name != who.Name || v.Withheld == 0 {
		t.Errorf("identity %q (want %q), withheld %d", v.Identity.Name, who.Name, v.Withheld)
	}
	for _, e := range v.Timeline {
		if e.Kind != "person" && e.Seq <= before {
			t.Errorf("the registrar of CC1 sees event %d (%s, %s) of the earlier custody", e.Seq, e.Kind, e.Facility)
		}
	}
	page := reg.get("/staff/persons/" + url.PathEscape(who.ID))
	if page.code != 200 || !strings.Contains(page.body, `id="withheld"`) || strings.Contains(page.body, fmt.Sprintf(`id="ev%d"`, release)) {
		t.Errorf("the person page of the registrar: %d", page.code)
	}
	if strings.Contains(page.body, `id="person-audit"`) {
		t.Error("the registrar sees who else opened the file")
	}

	// The administrator sees on the person page who opened it, through the
	// API and the page, in both languages.
	for lang, want := range map[string]string{"en": "opened the file", "km": "បានបើកសំណុំឯកសារ"} {
		page = admin.get("/staff/persons/" + url.PathEscape(who.ID) + "?lang=" + lang)
		i := strings.Index(page.body, `id="person-audit"`)
		if i < 0 {
			t.Fatalf("no audit list on the administrator's person page (%s)", lang)
		}
		list := page.body[i:]
		if n := strings.Count(list, `data-action="person.read">`+want); n < 2 || !strings.Contains(list, `<a href="/staff/users/registrar">registrar</a> (api `) ||
			!strings.Contains(list, `<a href="/staff/users/registrar">registrar</a> (web `) {
			t.Errorf("the audit list (%s) shows %d reads:\n%.3000s", lang, n, list)
		}
	}
}
