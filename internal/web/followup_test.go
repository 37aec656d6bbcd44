package web_test

import (
	"context"
	csvpkg "encoding/csv"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

var keyRE = regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`)

// TestFollowUpForms (issue 16, item 10): a follow-up taken and worked
// through the person page's form is entered in the ledger as typed (the
// assignee left blank is the user who takes it; the date typed day first in
// Khmer digits), shown on the person page and in the queue ("my
// follow-ups", the export); bad input stores nothing and the form comes
// back filled with the message on its field; users who may not work the
// follow-up are refused.
func TestFollowUpForms(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), 200)
	ctx := context.Background()
	root := auth.System("setup", "test")
	pv, err := f.srv.Registry().Person(ctx, root, f.person)
	if err != nil {
		t.Fatal(err)
	}
	date := pv.AsOf // the register's date: the demo is an archive
	// The follow-up concerns a rule that holds for the person (else it
	// would show as closed, the rule no longer holding).
	rule := ""
	for _, fr := range pv.Screening.Fired {
		if fr.Kind != "priority" {
			rule = fr.Rule
			break
		}
	}
	if rule == "" {
		t.Fatalf("no rule of law holds for %s: %+v", f.person, pv.Screening)
	}
	legal := f.login("legal")
	form := "/staff/persons/" + url.PathEscape(f.person) + "/record/follow_up"
	page := legal.get(form + "?action=take")
	key := keyRE.FindStringSubmatch(page.body)
	if page.code != 200 || key == nil || !strings.Contains(page.body, `<option value="take" selected>`) {
		t.Fatalf("the form: %d, key %v\n%.2000s", page.code, key, page.body)
	}
	khmerDate := strings.NewReplacer("0", "០", "1", "១", "2", "២", "3", "៣", "4", "៤", "5", "៥", "6", "៦", "7", "៧", "8", "៨", "9", "៩").Replace(date.DayFirst())
	res := legal.post(form, url.Values{"idempotency_key": {key[1]}, "date": {khmerDate}, "action": {"take"}, "assignee": {""},
		"rule": {rule}, "note": {"family asked for help"}})
	if res.code != 303 {
		t.Fatalf("taking the follow-up: %d\n%.2000s", res.code, res.body)
	}
	pv, err = f.srv.Registry().Person(ctx, root, f.person)
	if err != nil {
		t.Fatal(err)
	}
	last := pv.Timeline[len(pv.Timeline)-1]
	want := &domain.FollowUpData{Action: domain.FollowTake, Assignee: "legal", Rule: rule, Note: "family asked for help"}
	if last.Kind != domain.KFollowUp || last.Date != date || last.RecordedBy != "legal" || !reflect.DeepEqual(last.Data, want) {
		t.Fatalf("stored step: %s %s by %s %+v, want follow_up %s by legal %+v", last.Kind, last.Date, last.RecordedBy, last.Data, date, want)
	}
	person := legal.get("/staff/persons/" + url.PathEscape(f.person))
	for _, s := range []string{`data-state="assigned"`, "assigned to legal", "family asked for help", "Taken (assigned)", "What was done"} {
		if !strings.Contains(person.body, s) {
			t.Errorf("the person page lacks %q", s)
		}
	}
	km := legal.get("/staff/persons/" + url.PathEscape(f.person) + "?lang=km")
	if !strings.Contains(km.body, "បានប្រគល់") || !strings.Contains(km.body, "ប្រគល់ឱ្យ legal") {
		t.Errorf("the Khmer person page lacks the follow-up's state")
	}

	// Bad input: nothing stored, the form back with what was typed and the
	// message on the field.
	head, err := f.db.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what   string
		values url.Values
		field  string
	}{
		{"a snooze ending before the step", url.Values{"action": {"snoozed"}, "until": {date.AddDays(-1).DayFirst()}, "note": {"waiting for the judge"}}, "until"},
		{"a snooze ending on the step's date", url.Values{"action": {"snoozed"}, "until": {date.DayFirst()}, "note": {"waiting for the judge"}}, "until"},
		{"an impossible snooze date", url.Values{"action": {"snoozed"}, "until": {"31/02/2021"}, "note": {"waiting for the judge"}}, "until"},
		{"other with no text", url.Values{"action": {"not_pursued"}, "reason": {"other"}, "rule": {"LB-01"}}, "note"},
		{"not pursued with no reason", url.Values{"action": {"not_pursued"}, "note": {"waiting for the judge"}}, "reason"},
		{"a reason with a petition", url.Values{"action": {"petition_filed"}, "reason": {"court_refused"}, "note": {"waiting for the judge"}}, "reason"},
		{"an assignee who may not work it", url.Values{"action": {"take"}, "assignee": {"monitor"}, "note": {"waiting for the judge"}}, "assignee"},
	} {
		v := c.values
		v.Set("idempotency_key", keyRE.FindStringSubmatch(legal.get(form).body)[1])
		v.Set("date", date.DayFirst())
		res := legal.post(form, v)
		if res.code != 400 {
			t.Errorf("%s: %d, want 400", c.what, res.code)
			continue
		}
		if !regexp.MustCompile(`<label class="invalid"><span class="lbl">[^<]*` + regexp.QuoteMeta(fieldLabelEN[c.field])).MatchString(res.body) {
			t.Errorf("%s: no message on %s\n%.3000s", c.what, c.field, res.body)
		}
		for k, vs := range v {
			if k != "idempotency_key" && vs[0] != "" && !strings.Contains(res.body, vs[0]) {
				t.Errorf("%s: %s=%q is not in the form sent back", c.what, k, vs[0])
			}
		}
	}
	if after, err := f.db.Head(ctx); err != nil || after != head {
		t.Errorf("refused steps were stored: head %d, was %d (%v)", after.Seq, head.Seq, err)
	}

	// Who may not work it: a monitor, a registrar of another facility.
	if res := f.login("monitor").post(form, url.Values{"date": {date.DayFirst()}, "action": {"petition_filed"}}); res.code != 403 {
		t.Errorf("a monitor recording a step: %d, want 403", res.code)
	}
	other := "/staff/persons/" + url.PathEscape(f.other) + "/record/follow_up"
	if res := f.login("registrar").post(other, url.Values{"date": {date.DayFirst()}, "action": {"take"}}); res.code != 403 {
		t.Errorf("CC1's registrar taking the follow-up of someone held in PP-PNH: %d, want 403", res.code)
	}
	if after, _ := f.db.Head(ctx); after != head {
		t.Errorf("refused steps were stored")
	}

	// The queue: in the legal officer's follow-ups, counted, exported.
	q := legal.get("/staff/queue?mine=1")
	if !strings.Contains(q.body, `href="/staff/persons/`+url.PathEscape(f.person)+`"`) || !strings.Contains(q.body, `data-state="assigned"`) ||
		!strings.Contains(q.body, "1 people") {
		t.Errorf("the legal officer's follow-ups do not list %s alone\n%.500s", f.person, q.body[strings.Index(q.body, `id="queue-total"`):])
	}
	if q := f.login("registrar").get("/staff/queue?mine=1"); !strings.Contains(q.body, `id="queue-total">0 people`) {
		t.Errorf("the registrar's follow-ups are not empty")
	}
	if !strings.Contains(legal.get("/staff/queue").body, `id="facet-follow_up"`) {
		t.Errorf("the queue has no follow-up counts")
	}
	csv := legal.get("/staff/queue/export.csv?mine=1")
	recs, err := csvpkg.NewReader(strings.NewReader(strings.TrimPrefix(csv.body, "\ufeff"))).ReadAll()
	wantHead := []string{"follow_up_state", "follow_up_assignee", "follow_up_reason", "follow_up_until", "follow_up_rule", "follow_up_last_step"}
	wantRow := []string{"assigned", "legal", "", "", rule, date.String()}
	if err != nil || len(recs) != 2 || !reflect.DeepEqual(recs[0][len(recs[0])-6:], wantHead) || !reflect.DeepEqual(recs[1][len(recs[1])-6:], wantRow) ||
		recs[1][2] != f.person {
		t.Errorf("the export of the legal officer's follow-ups (%v):\n%s", err, csv.body)
	}
}

// fieldLabelEN are the English labels of the follow-up form's fields.
var fieldLabelEN = map[string]string{"until": "Snoozed until", "note": "Note", "reason": "Reason", "assignee": "Assigned to"}
