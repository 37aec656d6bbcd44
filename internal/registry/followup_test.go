package registry_test

import (
	"errors"
	"testing"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/registry"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// followUp is a step of id's follow-up on date.
func followUp(id, date string, d domain.FollowUpData) *domain.Event {
	return &domain.Event{Kind: domain.KFollowUp, Date: day(date), Person: id, Data: &d}
}

// charged admits id into fac on date, pre-trial on a felony case with no
// order on file: LB-01 (held with no valid title of detention, unlawful)
// holds for them from the first day.
func charged(id, date, fac string) []*domain.Event {
	evs := registration(id, date, fac)
	evs[1].Data.(*domain.AdmissionData).Case = &domain.Case{ID: "C-" + id, Procedure: domain.Procedure("ordinary"),
		Charges: []domain.Charge{{Offence: "robbery", Class: domain.OffenceClass("felony"), MinMonths: 24, MaxMonths: 60}}}
	return evs
}

// detentionOrder is a detention order of date valid six months: with it,
// LB-01 no longer holds.
func detentionOrder(id, date string) *domain.Event {
	return &domain.Event{Kind: domain.KOrder, Date: day(date), Person: id, Data: &domain.OrderData{Order: domain.Order{
		Kind: domain.OrderDetention, Authority: "investigating judge", Reference: "DO-" + id, Issued: day(date),
		Expires: day(date).AddMonths(6)}}}
}

func (a *access) followUpOf(id string) *registry.FollowUp {
	a.t.Helper()
	v, err := a.reg.Person(a.ctx, a.admin, id)
	if err != nil {
		a.t.Fatal(err)
	}
	return v.FollowUp
}

// queueRow is id's row of the queue the principal sees with q, or nil.
func (a *access) queueRow(p *auth.Principal, q registry.QueueQuery, id string) (*registry.Queue, *registry.QueueRow) {
	a.t.Helper()
	res, err := a.reg.Queue(a.ctx, p, q)
	if err != nil {
		a.t.Fatalf("queue %+v: %v", q, err)
	}
	for i := range res.Persons {
		if res.Persons[i].Person == id {
			return res, &res.Persons[i]
		}
	}
	return res, nil
}

func facetCount(fs []registry.Facet, v string) int {
	for _, f := range fs {
		if f.Value == v {
			return f.People
		}
	}
	return 0
}

// TestFollowUpReleased: taken, a petition filed, then the person released:
// the follow-up shows as taken by its assignee, then petition filed, then
// closed because the person was released (with no step saying so), and the
// queue lists them among the closed and in "my follow-ups" only.
func TestFollowUpReleased(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			a := newAccess(t, be.DSN(t))
			const id = "F-1"
			a.ok(a.cc1, charged(id, "2021-01-05", "CC1")...)
			// Taken with no assignee named: the registrar who takes it.
			a.ok(a.cc1, followUp(id, "2021-01-06", domain.FollowUpData{Action: domain.FollowTake, Rule: "LB-01"}))
			fu := a.followUpOf(id)
			if fu == nil || fu.State != registry.FollowAssigned || fu.Assignee != "r1" || fu.Rule != "LB-01" || fu.Steps != 1 {
				t.Fatalf("after take: %+v, want assigned to r1 for LB-01, 1 step", fu)
			}
			q := registry.QueueQuery{Mine: true}
			res, row := a.queueRow(a.cc1, q, id)
			if row == nil || row.FollowUp.State != registry.FollowAssigned || res.Total != 1 {
				t.Fatalf("r1's follow-ups: %d rows, row %+v", res.Total, row)
			}
			if res, row := a.queueRow(a.cc1b, q, id); row != nil || res.Total != 0 {
				t.Errorf("r1b's follow-ups list r1's: %d rows", res.Total)
			}
			a.ok(a.cc1, followUp(id, "2021-01-08", domain.FollowUpData{Action: domain.FollowPetition, Note: "to the investigating judge"}))
			if fu := a.followUpOf(id); fu.State != registry.FollowPetition || fu.Assignee != "r1" || fu.Note != "to the investigating judge" || fu.Steps != 2 {
				t.Fatalf("after the petition: %+v", fu)
			}
			res, _ = a.queueRow(a.cc1, registry.QueueQuery{}, id)
			if got := facetCount(res.Facets.FollowUp, "petition_filed"); got != 1 {
				t.Errorf("facet petition_filed = %d, want 1 (%+v)", got, res.Facets.FollowUp)
			}
			a.ok(a.cc1, &domain.Event{Kind: domain.KRelease, Date: day("2021-01-12"), Person: id, Data: &domain.ReleaseData{Mechanism: domain.MechBail}})
			fu = a.followUpOf(id)
			if fu.State != registry.FollowClosed || fu.Reason != registry.ClosedReleased || fu.Assignee != "r1" {
				t.Fatalf("after the release: %+v, want closed, released", fu)
			}
			// No longer held: not in the queue, but among the closed
			// follow-ups and in r1's.
			if _, row := a.queueRow(a.cc1, registry.QueueQuery{}, id); row != nil {
				t.Errorf("released person in the queue: %+v", row)
			}
			res, row = a.queueRow(a.cc1, registry.QueueQuery{FollowUp: registry.FollowClosed}, id)
			if row == nil || row.FollowUp.Reason != registry.ClosedReleased || res.Total != 1 || facetCount(res.Facets.FollowUp, "closed") != 1 {
				t.Errorf("closed follow-ups: %d rows, row %+v, facets %+v", res.Total, row, res.Facets.FollowUp)
			}
			if _, row := a.queueRow(a.cc1, q, id); row == nil {
				t.Errorf("r1's follow-ups leave out the closed one")
			}
			// A registrar of another facility does not see it.
			if res, row := a.queueRow(a.cc2, registry.QueueQuery{FollowUp: registry.FollowClosed}, id); row != nil || res.Total != 0 {
				t.Errorf("CC2's registrar sees CC1's closed follow-up")
			}
		})
	}
}

// TestFollowUpRuleGone: taken for LB-01 (no order on file); the order is
// recorded, and no unlawful rule holds any more: closed, "rule no longer
// holds", though the person is still held.
func TestFollowUpRuleGone(t *testing.T) {
	a := newAccess(t, dbtest.SQLiteDSN(t))
	const id = "F-2"
	a.ok(a.cc1, charged(id, "2021-01-05", "CC1")...)
	res, row := a.queueRow(a.cc1, registry.QueueQuery{}, id)
	if row == nil || !row.Unlawful || row.FollowUp.State != registry.FollowOpen || row.FollowUp.Steps != 0 {
		t.Fatalf("before any step: row %+v", row)
	}
	if got := facetCount(res.Facets.FollowUp, "open"); got != 1 {
		t.Errorf("facet open = %d, want 1", got)
	}
	if fu := a.followUpOf(id); fu != nil {
		t.Errorf("follow-up before any step: %+v", fu)
	}
	legal := &auth.Principal{User: "l1", Role: auth.Legal, Via: "test"}
	a.ok(legal, followUp(id, "2021-01-06", domain.FollowUpData{Action: domain.FollowTake, Rule: "LB-01"}))
	a.ok(legal, followUp(id, "2021-01-07", domain.FollowUpData{Action: domain.FollowHearing}))
	if fu := a.followUpOf(id); fu.State != registry.FollowHearing || fu.Assignee != "l1" {
		t.Fatalf("after the request: %+v", fu)
	}
	a.ok(a.cc1, detentionOrder(id, "2021-01-09"))
	fu := a.followUpOf(id)
	if fu.State != registry.FollowClosed || fu.Reason != registry.ClosedRuleGone {
		t.Fatalf("after the order: %+v, want closed, rule no longer holds", fu)
	}
	_, row = a.queueRow(a.cc1, registry.QueueQuery{FollowUp: registry.FollowClosed}, id)
	if row == nil || row.Unlawful || row.FollowUp.Reason != registry.ClosedRuleGone {
		t.Errorf("closed row: %+v", row)
	}
	// A custody event dated before the last step is not late: the steps
	// are not custody.
	a.ok(a.cc1, &domain.Event{Kind: domain.KHearing, Date: day("2021-01-09"), Person: id, Data: &domain.HearingData{Case: "C-" + id}})
}

// TestFollowUpSnooze: snoozed until a date, the follow-up is snoozed the
// day before and back as it was (assigned) on that date; a snooze not after
// the step's date, "other" without a note, and a field that belongs to
// another action are refused, naming the field, and nothing is stored.
func TestFollowUpSnooze(t *testing.T) {
	a := newAccess(t, dbtest.SQLiteDSN(t))
	const id = "F-3"
	a.ok(a.cc1, charged(id, "2021-01-05", "CC1")...)
	a.ok(a.cc1, followUp(id, "2021-01-06", domain.FollowUpData{Action: domain.FollowTake}))
	a.ok(a.cc1, followUp(id, "2021-01-06", domain.FollowUpData{Action: domain.FollowSnoozed, Until: day("2021-01-20")}))
	// The register's date is its latest entry (an archive): move it with
	// entries of other people.
	a.ok(a.cc1, registration("X-1", "2021-01-19", "CC1")...)
	if fu := a.followUpOf(id); fu.State != registry.FollowSnoozed || fu.Until != day("2021-01-20") {
		t.Fatalf("on 2021-01-19: %+v, want snoozed until 2021-01-20", fu)
	}
	_, row := a.queueRow(a.cc1, registry.QueueQuery{FollowUp: registry.FollowSnoozed}, id)
	if row == nil {
		t.Errorf("snoozed follow-up not listed as snoozed")
	}
	a.ok(a.cc1, registration("X-2", "2021-01-20", "CC1")...)
	if fu := a.followUpOf(id); fu.State != registry.FollowAssigned || fu.Until != domain.NoDate || fu.Assignee != "r1" {
		t.Fatalf("on 2021-01-20: %+v, want assigned to r1 again", fu)
	}
	// An earlier date asked of the queue: snoozed then.
	_, row = a.queueRow(a.cc1, registry.QueueQuery{AsOf: day("2021-01-10")}, id)
	if row == nil || row.FollowUp.State != registry.FollowSnoozed {
		t.Errorf("queue of 2021-01-10: %+v, want snoozed", row)
	}

	head, err := a.db.Head(a.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what  string
		d     domain.FollowUpData
		field string
	}{
		{"snoozed until the step's date", domain.FollowUpData{Action: domain.FollowSnoozed, Until: day("2021-01-20")}, "events[0].data.until"},
		{"snoozed until the past", domain.FollowUpData{Action: domain.FollowSnoozed, Until: day("2021-01-01")}, "events[0].data.until"},
		{"snoozed with no date", domain.FollowUpData{Action: domain.FollowSnoozed}, "events[0].data.until"},
		{"other with no note", domain.FollowUpData{Action: domain.FollowNotPursued, Reason: domain.ReasonOther}, "events[0].data.note"},
		{"not pursued with no reason", domain.FollowUpData{Action: domain.FollowNotPursued}, "events[0].data.reason"},
		{"an unknown reason", domain.FollowUpData{Action: domain.FollowNotPursued, Reason: "bored"}, "events[0].data.reason"},
		{"a reason with a petition", domain.FollowUpData{Action: domain.FollowPetition, Reason: domain.ReasonDeclined}, "events[0].data.reason"},
		{"an unknown action", domain.FollowUpData{Action: "ignored"}, "events[0].data.action"},
		{"a rule not in the pack", domain.FollowUpData{Action: domain.FollowPetition, Rule: "LB-99"}, "events[0].data.rule"},
		{"assigned to no such user", domain.FollowUpData{Action: domain.FollowTake, Assignee: "nobody"}, "events[0].data.assignee"},
	} {
		_, err := a.record(a.cc1, followUp(id, "2021-01-20", c.d))
		if f, _, ok := domain.FieldOf(err); !ok || f != c.field {
			t.Errorf("%s: got %v, want invalid %s", c.what, err, c.field)
		}
	}
	if after, err := a.db.Head(a.ctx); err != nil || after != head {
		t.Errorf("refused steps were stored: head %d, was %d (%v)", after.Seq, head.Seq, err)
	}
	a.ok(a.cc1, followUp(id, "2021-01-20", domain.FollowUpData{Action: domain.FollowNotPursued, Reason: domain.ReasonOther, Note: "family hired a lawyer"}))
	if fu := a.followUpOf(id); fu.State != registry.FollowNotPursued || fu.Reason != "other" || fu.Note != "family hired a lawyer" {
		t.Errorf("not pursued: %+v", fu)
	}
}

// TestFollowUpPermissions: a legal officer anywhere and a registrar of the
// person's facility may work a follow-up; a registrar of another facility
// and a monitor may not; a follow-up is assigned only to an active user who
// may work it there.
func TestFollowUpPermissions(t *testing.T) {
	a := newAccess(t, dbtest.SQLiteDSN(t))
	au := auth.New(a.db, auth.WithArgon2(auth.Argon2Params{Time: 1, Memory: 64, Threads: 1}))
	for _, u := range []auth.NewUser{
		{Name: "lawyer", Password: "a long enough password 1", Role: auth.Legal},
		{Name: "reg1", Password: "a long enough password 2", Role: auth.Registrar, Facilities: []string{"CC1"}},
		{Name: "reg2", Password: "a long enough password 3", Role: auth.Registrar, Facilities: []string{"CC2"}},
		{Name: "mon1", Password: "a long enough password 4", Role: auth.Monitor, Facilities: []string{"CC1"}},
		{Name: "gone", Password: "a long enough password 5", Role: auth.Legal},
	} {
		if err := au.AddUser(a.ctx, a.admin, u); err != nil {
			t.Fatalf("adding %s: %v", u.Name, err)
		}
	}
	if err := au.SetDisabled(a.ctx, a.admin, "gone", true); err != nil {
		t.Fatal(err)
	}
	const id = "F-4"
	a.ok(a.cc1, charged(id, "2021-01-05", "CC1")...)
	head, _ := a.db.Head(a.ctx)
	take := func(assignee string) *domain.Event {
		return followUp(id, "2021-01-06", domain.FollowUpData{Action: domain.FollowTake, Assignee: assignee})
	}
	for _, p := range []*auth.Principal{a.cc2, a.mon} {
		if _, err := a.record(p, take("")); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("%s taking a follow-up of CC1: %v, want forbidden", p.User, err)
		}
		// Asking about accounts is for those who may write the step.
		if _, err := a.record(p, take("nobody")); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("%s assigning a follow-up of CC1: %v, want forbidden", p.User, err)
		}
	}
	for _, who := range []string{"reg2", "mon1", "gone", "nobody"} {
		_, err := a.record(a.cc1, take(who))
		if f, _, ok := domain.FieldOf(err); !ok || f != "events[0].data.assignee" {
			t.Errorf("assigning to %s: %v, want invalid events[0].data.assignee", who, err)
		}
	}
	if after, _ := a.db.Head(a.ctx); after != head {
		t.Fatalf("refused steps were stored")
	}
	a.ok(a.cc1, take("lawyer"))
	if fu := a.followUpOf(id); fu.Assignee != "lawyer" || fu.LastBy != "r1" {
		t.Errorf("assigned by r1 to lawyer: %+v", fu)
	}
	legal := &auth.Principal{User: "lawyer", Role: auth.Legal, Via: "test"}
	a.ok(legal, take("reg1"))
	if fu := a.followUpOf(id); fu.Assignee != "reg1" || fu.LastBy != "lawyer" {
		t.Errorf("assigned by lawyer to reg1: %+v", fu)
	}
	// A person of no facility's, and no person at all.
	if _, err := a.record(a.cc1, followUp("NOBODY", "2021-01-06", domain.FollowUpData{Action: domain.FollowPetition})); domain.ErrorCode(err) != domain.ErrInvalid {
		t.Errorf("a follow-up of no one: %v", err)
	}
}
