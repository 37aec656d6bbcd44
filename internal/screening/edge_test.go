package screening

import (
	"slices"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/rules"
)

func fires(r Result, id string) bool { return slices.Contains(firedIDs(r), id) }

// child is held untried on a misdemeanour since 2020-01-10, with no offence
// date and no arrest time, so that the rules read the age at the admission
// as the most the child can have been at the act.
func child(dob string) *person {
	p := newPerson(dob, domain.Male)
	p.pretrial("2020-01-10", domain.Misdemeanor, 36, detention("2020-01-10", "2020-12-31"))
	return p
}

func TestBirthdays(t *testing.T) {
	pack := builtin(t)
	// 16th birthday on 2020-03-20, in custody: the act was at 15 at the
	// latest (admitted 2020-01-10), so the misdemeanour limit stays 2
	// months (to 2020-03-10) after the birthday, where the age on the day
	// would have given 4.
	p := child("2004-03-20")
	if r := p.screen(t, pack, "2020-03-10", 0); fires(r, "LB-07") {
		t.Errorf("aged 15, 60 days untried: LB-07 should not fire yet; fired %v", firedIDs(r))
	}
	for _, d := range []string{"2020-03-11", "2020-03-19", "2020-03-20", "2020-04-15"} {
		if r := p.screen(t, pack, d, 0); !fires(r, "LB-07") {
			t.Errorf("as of %s, at most 15 at the act and untried since 2020-01-10: LB-07 should fire; fired %v", d, firedIDs(r))
		}
	}
	// 18th birthday on 2020-04-01: a child (PR-04, on the age of the day)
	// the day before, not on it; at most 17 at the act, so LB-07's limit
	// for 16-18 (4 months, to 2020-05-10) still applies after it.
	p = child("2002-04-01")
	if r := p.screen(t, pack, "2020-03-31", 0); !fires(r, "PR-04") {
		t.Errorf("aged 17, 81 days untried: PR-04 should fire; fired %v", firedIDs(r))
	}
	if r := p.screen(t, pack, "2020-04-01", 0); fires(r, "PR-04") || fires(r, "LB-07") {
		t.Errorf("aged 18, 82 days untried: PR-04 and LB-07 should not fire; fired %v", firedIDs(r))
	}
	if r := p.screen(t, pack, "2020-05-10", 0); fires(r, "LB-07") {
		t.Errorf("aged 18, the limit of 4 months runs to 2020-05-10: LB-07 should not fire; fired %v", firedIDs(r))
	}
	if r := p.screen(t, pack, "2020-05-11", 0); !fires(r, "LB-07") {
		t.Errorf("aged 18, at most 17 at the act, 122 days untried: LB-07 should fire; fired %v", firedIDs(r))
	}
}

func TestLeapDayBirth(t *testing.T) {
	pack := builtin(t)
	age := func(p *person, asOf string) int {
		f, _ := domain.Project(p.id, p.evs, testKinds, domain.MustDate(asOf))
		var v rules.Values
		Facts(f, testKinds, domain.MustDate(asOf), &v)
		return int(v.Get(rules.FAge).(int64))
	}
	// Born 29 February 2004: 16 on 29 February 2020 (a leap year), 18 on
	// 1 March 2022 (a common year).
	p := newPerson("2004-02-29", domain.Male)
	p.pretrial("2020-01-10", domain.Felony, 120, detention("2020-01-10", "2020-07-10"))
	for _, c := range []struct {
		asOf string
		age  int
	}{{"2020-02-28", 15}, {"2020-02-29", 16}, {"2022-02-28", 17}, {"2022-03-01", 18}} {
		r := p.screen(t, pack, c.asOf, 0)
		if got := age(p, c.asOf); got != c.age {
			t.Errorf("as of %s: age %d, want %d", c.asOf, got, c.age)
		}
		if fires(r, "PR-04") != (c.age < 18) {
			t.Errorf("as of %s: PR-04 fired %v at age %d", c.asOf, fires(r, "PR-04"), c.age)
		}
	}
}

func TestCorrectionChangesTheResult(t *testing.T) {
	pack := builtin(t)
	p := newPerson("1980-05-05", domain.Male)
	ad := &domain.AdmissionData{Status: domain.StatusPretrial, Order: detention("2020-01-15", "2020-12-31"),
		Case: &domain.Case{ID: "C1", Procedure: domain.ProcOrdinary, Charges: []domain.Charge{{Offence: "x", Class: domain.Misdemeanor, MinMonths: 1, MaxMonths: 36}}}}
	seq := p.admit("2020-01-15", "P1", ad)
	if r := p.screen(t, pack, "2020-05-16", 0); !fires(r, "LB-05") {
		t.Fatalf("admitted 2020-01-15: LB-05 should fire on 2020-05-16; fired %v", firedIDs(r))
	}
	// The admission was in fact on 2020-02-01: 4 months run to 2020-06-01.
	p.add(domain.KCorrection, "2020-05-16", "", &domain.CorrectionData{Target: seq, TargetKind: domain.KAdmission,
		Reason: "wrong date", Date: domain.MustDate("2020-02-01"), Facility: "P1", Data: ad})
	if r := p.screen(t, pack, "2020-05-16", 0); fires(r, "LB-05") {
		t.Fatalf("after the correction LB-05 should not fire; fired %v", firedIDs(r))
	}
	if r := p.screen(t, pack, "2020-06-02", 0); !fires(r, "LB-05") {
		t.Fatalf("after the correction LB-05 should fire on 2020-06-02; fired %v", firedIDs(r))
	}
}

func TestWithin(t *testing.T) {
	pack := builtin(t)
	p := newPerson("1980-05-05", domain.Male)
	p.pretrial("2020-01-15", domain.Misdemeanor, 36, detention("2020-01-15", "2020-12-31"))
	r := p.screen(t, pack, "2020-05-01", 30)
	var got *Fired
	for i := range r.Upcoming {
		if r.Upcoming[i].Rule == "LB-05" {
			got = &r.Upcoming[i]
		}
	}
	if got == nil || got.Date != domain.MustDate("2020-05-16") {
		t.Fatalf("LB-05 should be upcoming on 2020-05-16; upcoming %+v", r.Upcoming)
	}
	if r := p.screen(t, pack, "2020-05-01", 14); len(r.Upcoming) != 0 {
		t.Fatalf("nothing is due within 14 days; upcoming %+v", r.Upcoming)
	}
}

// TestMissingDataIsUndecided: with no date of birth the age rules are
// undecided, naming the fact; with no order LB-01 fires and the rules that
// read the order are not silently passed.
func TestMissingDataIsUndecided(t *testing.T) {
	pack := builtin(t)
	p := newPerson("", domain.Male)
	p.pretrial("2020-01-10", domain.Felony, 120, nil)
	r := p.screen(t, pack, "2020-03-01", 0)
	for _, c := range []struct{ rule, fact string }{{"LB-06", "age"}, {"LB-06", "age_at_offence_max"},
		{"LB-07", "age_at_offence_max"}, {"PR-01", "age"}, {"PR-04", "age"}} {
		u := undecided(r, c.rule)
		if u == nil || !slices.Contains(u.Unknown, c.fact) {
			t.Errorf("%s: want undecided for want of %s, got %+v (fired %v)", c.rule, c.fact, u, firedIDs(r))
		}
	}
	if !fires(r, "LB-01") {
		t.Errorf("no order: LB-01 should fire; fired %v", firedIDs(r))
	}
	// Past 18 months a felony detainee is unlawfully held at any age.
	if r := p.screen(t, pack, "2021-07-11", 0); !fires(r, "LB-04") {
		t.Errorf("18 months with no date of birth: LB-04 should fire; fired %v undecided %+v", firedIDs(r), r.Undecided)
	}
	// A drug-centre placement with no order at all: LB-10, the rule of
	// drug centres, says so; LB-01 does not say it a second time.
	q := newPerson("1990-01-01", domain.Male)
	q.admit("2020-01-01", "DC", &domain.AdmissionData{Status: domain.StatusDrugCentre})
	if r := q.screen(t, pack, "2020-01-02", 0); !fires(r, "LB-10") || fires(r, "LB-01") || undecided(r, "LB-01") != nil {
		t.Errorf("drug centre with no order: LB-10 alone should fire; fired %v", firedIDs(r))
	}
}

func TestMoreSides(t *testing.T) {
	pack := builtin(t)
	// Convicted at first instance, the appeal pending: a suspended
	// sentence is open on review (EL-05).
	sentenced := func(months int, prior bool) *person {
		p := newPerson("1980-05-05", domain.Male)
		p.admit("2019-01-01", "P1", &domain.AdmissionData{Status: domain.StatusPretrial, Order: detention("2019-01-01", "2019-07-01"), PriorPrison5y: prior,
			Case: &domain.Case{ID: "C1", Procedure: domain.ProcOrdinary, Charges: []domain.Charge{{Offence: "x", Class: domain.Felony, MaxMonths: 120, Violent: true}}}})
		p.add(domain.KVerdict, "2019-06-01", "", &domain.VerdictData{Case: "C1", Outcome: domain.OutcomeConvicted, Final: false,
			Sentence: &domain.Sentence{Months: months, Start: domain.MustDate("2019-06-01")}})
		return p
	}
	if r := sentenced(60, false).screen(t, pack, "2019-07-01", 0); !fires(r, "EL-05") {
		t.Errorf("60 months: EL-05 should fire")
	}
	if r := sentenced(61, false).screen(t, pack, "2019-07-01", 0); fires(r, "EL-05") {
		t.Errorf("61 months: EL-05 should not fire")
	}
	if r := sentenced(12, true).screen(t, pack, "2019-07-01", 0); fires(r, "EL-05") {
		t.Errorf("prior prison: EL-05 should not fire")
	}
	// PR-05: a violent felony is not a minor offence.
	if r := sentenced(12, false).screen(t, pack, "2019-07-01", 0); fires(r, "PR-05") {
		t.Errorf("violent felony: PR-05 should not fire")
	}
	// LB-02 to the minute: arrested 2020-03-01 at 10:00, 48 hours are up at
	// 10:00 on 3 March, so the end of 2 March (38 hours) is lawful.
	p := newPerson("1980-05-05", domain.Male)
	p.admit("2020-03-01", "PC", &domain.AdmissionData{Status: domain.StatusPolice, ArrestedAt: "2020-03-01T10:00"})
	if r := p.screen(t, pack, "2020-03-02", 0); fires(r, "LB-02") {
		t.Errorf("38 hours: LB-02 should not fire")
	}
	if r := p.screen(t, pack, "2020-03-03", 0); !fires(r, "LB-02") {
		t.Errorf("62 hours: LB-02 should fire")
	}
	// Arrested at 23:30 on 1 March: at the end of 3 March 48 h 30 min have
	// passed, which is over 48 hours; at the end of 2 March, 24 h 30 min.
	h := newPerson("1980-05-05", domain.Male)
	h.admit("2020-03-01", "PC", &domain.AdmissionData{Status: domain.StatusPolice, ArrestedAt: "2020-03-01T23:30"})
	if r := h.screen(t, pack, "2020-03-02", 0); fires(r, "LB-02") {
		t.Errorf("24 h 30 min: LB-02 should not fire")
	}
	if r := h.screen(t, pack, "2020-03-03", 0); !fires(r, "LB-02") {
		t.Errorf("48 h 30 min: LB-02 should fire")
	}
	// Without an arrest time the hours are unknown: undecided, not passed.
	q := newPerson("1980-05-05", domain.Male)
	q.admit("2020-03-01", "PC", &domain.AdmissionData{Status: domain.StatusPolice})
	if u := undecided(q.screen(t, pack, "2020-03-05", 0), "LB-02"); u == nil || !slices.Contains(u.Unknown, "hours_since_arrest") {
		t.Errorf("no arrest time: LB-02 should be undecided, got %+v", u)
	}
}
