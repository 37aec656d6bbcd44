package domain_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
)

// TestFollowUpEvent: a follow-up step decodes from its interchange line and
// keeps to its rules (each action its own fields, a snooze ending after the
// step, "other" with a note), each refusal naming the field.
func TestFollowUpEvent(t *testing.T) {
	recorded := time.Date(2021, 2, 1, 9, 0, 0, 0, time.UTC)
	ev, err := domain.DecodeEvent([]byte(`{"kind":"follow_up","date":"2021-01-06","person":"P1","data":{"action":"snoozed","rule":"LB-01","until":"2021-01-20","note":"court file"}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := &domain.FollowUpData{Action: domain.FollowSnoozed, Rule: "LB-01", Until: domain.MustDate("2021-01-20"), Note: "court file"}
	if !reflect.DeepEqual(ev.Data, want) {
		t.Fatalf("decoded %+v, want %+v", ev.Data, want)
	}
	if err := ev.Validate(recorded); err != nil {
		t.Fatalf("a valid snooze: %v", err)
	}
	for _, c := range []struct{ line, field string }{
		{`{"kind":"follow_up","date":"2021-01-06","person":"P1","data":{"action":"snoozed","until":"2021-01-06"}}`, "data.until"},
		{`{"kind":"follow_up","date":"2021-01-06","person":"P1","data":{"action":"snoozed"}}`, "data.until"},
		{`{"kind":"follow_up","date":"2021-01-06","person":"P1","data":{"action":"take","until":"2021-01-09","assignee":"a"}}`, "data.until"},
		{`{"kind":"follow_up","date":"2021-01-06","person":"P1","data":{"action":"take"}}`, "data.assignee"},
		{`{"kind":"follow_up","date":"2021-01-06","person":"P1","data":{"action":"petition_filed","assignee":"a"}}`, "data.assignee"},
		{`{"kind":"follow_up","date":"2021-01-06","person":"P1","data":{"action":"not_pursued","reason":"other"}}`, "data.note"},
		{`{"kind":"follow_up","date":"2021-01-06","person":"P1","data":{"action":"not_pursued","reason":"tired"}}`, "data.reason"},
		{`{"kind":"follow_up","date":"2021-01-06","person":"P1","data":{"action":"released","reason":"court_refused"}}`, "data.reason"},
		{`{"kind":"follow_up","date":"2021-01-06","person":"P1","data":{"action":"forgotten"}}`, "data.action"},
		{`{"kind":"follow_up","date":"2021-01-06","person":"P1","facility":"CC1","data":{"action":"released"}}`, "facility"},
		{`{"kind":"follow_up","date":"2021-01-06","data":{"action":"released"}}`, "person"},
		{`{"kind":"follow_up","date":"2021-03-06","person":"P1","data":{"action":"released"}}`, "date"},
	} {
		ev, err := domain.DecodeEvent([]byte(c.line))
		if err == nil {
			err = ev.Validate(recorded)
		}
		if f, _, ok := domain.FieldOf(err); !ok || f != c.field {
			t.Errorf("%s: got %v, want invalid %s", c.line, err, c.field)
		}
	}
	// Not custody: folded into a file, a step changes nothing, not even the
	// date of the person's last event.
	reg := &domain.Event{Seq: 1, Kind: domain.KPerson, Date: domain.MustDate("2021-01-05"), Person: "P1",
		Data: &domain.PersonData{Name: "A", Sex: domain.Male, DOBBasis: domain.DOBUnknown}}
	step := &domain.Event{Seq: 2, Kind: domain.KFollowUp, Date: domain.MustDate("2021-01-09"), Person: "P1", Data: want}
	f, err := domain.Project("P1", []*domain.Event{reg, step}, nil, domain.NoDate)
	if err != nil || f.State.LastDate != domain.MustDate("2021-01-05") {
		t.Errorf("a file with a step: last date %s (%v), want 2021-01-05", f.State.LastDate, err)
	}
}
