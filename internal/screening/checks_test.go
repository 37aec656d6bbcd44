package screening

import (
	"slices"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
)

func checkIDs(r Result) []string {
	var out []string
	for _, c := range r.Checks {
		out = append(out, c.Rule)
	}
	return out
}

func checkReason(r Result, id string) string {
	for _, c := range r.Checks {
		if c.Rule == id {
			return c.Reason
		}
	}
	return ""
}

// TestDataCheckBoundaries: each data check of the Cambodia pack is quiet on
// one side of its boundary and lists the person on the other, with the
// dates and numbers in its reason; a data check never makes anyone held
// unlawfully.
func TestDataCheckBoundaries(t *testing.T) {
	pack := builtin(t)
	felony := func(p *person, order *domain.Order) {
		p.pretrial("2020-01-10", domain.Felony, 120, order)
	}
	// A woman pregnant on admission, due on 2020-03-01: 60 days past it on
	// 2020-04-30, 61 on 2020-05-01.
	pregnant := func(due string) func() *person {
		return func() *person {
			p := newPerson("1990-05-05", domain.Female)
			felony(p, detention("2020-01-10", "2020-12-31"))
			hd := &domain.HealthData{Fact: domain.FactPregnant}
			if due != "" {
				hd.Due = domain.MustDate(due)
			}
			p.add(domain.KHealth, "2020-01-10", "", hd)
			return p
		}
	}
	verdicts := func(steps ...string) func() *person {
		return func() *person {
			p := newPerson("1980-05-05", domain.Male)
			felony(p, detention("2020-01-10", "2020-12-31"))
			day := domain.MustDate("2020-03-01")
			for _, s := range steps {
				switch s {
				case "acquitted":
					p.add(domain.KVerdict, day.String(), "", &domain.VerdictData{Case: "C1", Outcome: domain.OutcomeAcquitted})
				case "convicted":
					p.add(domain.KVerdict, day.String(), "", &domain.VerdictData{Case: "C1", Outcome: domain.OutcomeConvicted,
						Sentence: &domain.Sentence{Months: 60, Start: day}})
				case "prosecution appeal", "defence appeal":
					p.add(domain.KAppeal, day.String(), "", &domain.AppealData{Case: "C1", By: strings.Fields(s)[0]})
				}
				day = day.AddDays(10)
			}
			return p
		}
	}
	offence := func(dob, offence string) func() *person {
		return func() *person {
			p := newPerson(dob, domain.Male)
			p.admit("2020-01-10", "P1", &domain.AdmissionData{Status: domain.StatusPretrial, Order: detention("2020-01-10", "2020-07-10"),
				Case: &domain.Case{ID: "C1", Procedure: domain.ProcOrdinary, OffenceDate: domain.MustDate(offence),
					Charges: []domain.Charge{{Offence: "x", Class: domain.Felony, MinMonths: 1, MaxMonths: 120}}}})
			return p
		}
	}
	order := func(o *domain.Order) func() *person {
		return func() *person {
			p := newPerson("1980-05-05", domain.Male)
			felony(p, o)
			return p
		}
	}
	cases := []struct {
		name   string
		check  string
		build  func() *person
		asOf   string
		listed bool
		reason []string // in the reason when listed
	}{
		{"due date 60 days past", "DQ-01", pregnant("2020-03-01"), "2020-04-30", false, nil},
		{"due date 61 days past", "DQ-01", pregnant("2020-03-01"), "2020-05-01", true, []string{"2020-03-01", "61 days ago", "more than 60"}},
		{"pregnant with no due date", "DQ-01", pregnant(""), "2021-01-01", false, nil},
		{"order expires the day it is issued", "DQ-02", order(detention("2020-01-10", "2020-01-10")), "2020-01-10", false, nil},
		{"order expires the day before it is issued", "DQ-02", order(detention("2020-01-10", "2020-01-09")), "2020-01-10", true, []string{"issued on 2020-01-10", "expires on 2020-01-09"}},
		{"detention order with an expiry", "DQ-03", order(detention("2020-01-10", "2020-07-10")), "2020-02-01", false, nil},
		{"detention order with no expiry", "DQ-03", order(detention("2020-01-10", "")), "2020-02-01", true, []string{"detention_order", "issued 2020-01-10"}},
		{"arrest warrant with no expiry, once in pre-trial detention", "DQ-03", order(&domain.Order{Kind: domain.OrderArrestWarrant, Authority: "judge", Reference: "W",
			Issued: domain.MustDate("2020-01-05")}), "2020-02-01", true, []string{"arrest_warrant", "issued 2020-01-05"}},
		{"arrest warrant with no expiry, in police custody", "DQ-03", func() *person {
			p := newPerson("1980-05-05", domain.Male)
			p.admit("2020-01-10", "PC", &domain.AdmissionData{Status: domain.StatusPolice, ArrestedAt: "2020-01-10T08:00",
				Order: &domain.Order{Kind: domain.OrderArrestWarrant, Authority: "judge", Reference: "W", Issued: domain.MustDate("2020-01-05")}})
			return p
		}, "2020-01-11", false, nil},
		{"convicted: a judgment needs no expiry", "DQ-03", verdicts("convicted"), "2020-04-01", false, nil},
		{"immediate appearance order with no expiry", "DQ-03", order(&domain.Order{Kind: domain.OrderImmediateAppear, Authority: "court", Reference: "I",
			Issued: domain.MustDate("2020-01-10")}), "2020-02-01", false, nil},
		{"acquitted, prosecution appeal, convicted", "DQ-04", verdicts("acquitted", "prosecution appeal", "convicted"), "2020-04-01", false, nil},
		{"acquitted, convicted, no appeal", "DQ-04", verdicts("acquitted", "convicted"), "2020-04-01", true, []string{"acquitted on 2020-03-01", "convicted on 2020-03-11"}},
		{"acquitted, convicted, defence appeal after", "DQ-04", verdicts("acquitted", "convicted", "defence appeal"), "2020-04-01", true, []string{"acquitted on 2020-03-01"}},
		{"convicted, defence appeal, acquitted", "DQ-04", verdicts("convicted", "defence appeal", "acquitted"), "2020-04-01", false, nil},
		{"convicted, convicted again on appeal", "DQ-04", verdicts("convicted", "defence appeal", "convicted"), "2020-04-01", false, nil},
		{"offence on the date of birth", "DQ-05", offence("2013-06-15", "2013-06-15"), "2020-02-01", false, nil},
		{"offence the day before the date of birth", "DQ-05", offence("2013-06-15", "2013-06-14"), "2020-02-01", true, []string{"2013-06-14", "2013-06-15 (document)"}},
		{"offence on the 7th birthday", "DQ-06", offence("2013-01-05", "2020-01-05"), "2020-02-01", false, nil},
		{"offence the day before the 7th birthday", "DQ-06", offence("2013-01-05", "2020-01-04"), "2020-02-01", true, []string{"aged 6", "2020-01-04", "below 7"}},
	}
	for _, c := range cases {
		t.Run(c.check+" "+c.name, func(t *testing.T) {
			r := c.build().screen(t, pack, c.asOf, 30)
			if got := slices.Contains(checkIDs(r), c.check); got != c.listed {
				t.Fatalf("as of %s: %s listed = %v, want %v (checks %v)", c.asOf, c.check, got, c.listed, checkIDs(r))
			}
			for _, want := range c.reason {
				if !strings.Contains(checkReason(r, c.check), want) {
					t.Errorf("reason %q does not say %q", checkReason(r, c.check), want)
				}
			}
			for _, f := range append(r.Fired, r.Upcoming...) {
				if strings.HasPrefix(f.Rule, "DQ-") {
					t.Errorf("the data check %s is among the rules of law", f.Rule)
				}
			}
		})
	}
}

// TestOverduePregnancyNotOngoing: the rules read a pregnancy as ongoing up
// to pregnancy_overdue_days past its due date, and not after it; with no due
// date on file, as long as no end is recorded.
func TestOverduePregnancyNotOngoing(t *testing.T) {
	pack := builtin(t)
	p := newPerson("1990-05-05", domain.Female)
	p.pretrial("2020-01-10", domain.Felony, 120, detention("2020-01-10", "2020-12-31"))
	p.add(domain.KHealth, "2020-01-10", "", &domain.HealthData{Fact: domain.FactPregnant, Due: domain.MustDate("2020-03-01")})
	if r := p.screen(t, pack, "2020-04-30", 0); !fires(r, "PR-03") || !strings.Contains(r.Fired[slices.Index(firedIDs(r), "PR-03")].Reason, "pregnant") {
		t.Errorf("60 days past the due date: PR-03 should fire for the pregnancy; fired %v", r.Fired)
	}
	if r := p.screen(t, pack, "2020-05-01", 0); fires(r, "PR-03") {
		t.Errorf("61 days past the due date: the pregnancy is not ongoing, PR-03 should not fire; fired %v", r.Fired)
	}
	// The same with a child living with her: PR-03 still holds, and its
	// reason no longer says pregnant.
	p.add(domain.KHealth, "2020-04-20", "", &domain.HealthData{Fact: domain.FactChildIn, ChildDOB: domain.MustDate("2019-01-01")})
	r := p.screen(t, pack, "2020-05-01", 0)
	if i := slices.Index(firedIDs(r), "PR-03"); i < 0 || strings.Contains(r.Fired[i].Reason, "pregnant") {
		t.Errorf("an overdue pregnancy and a child: PR-03 %v", r.Fired)
	}
	q := newPerson("1990-05-05", domain.Female)
	q.pretrial("2020-01-10", domain.Felony, 120, detention("2020-01-10", "2020-12-31"))
	q.add(domain.KHealth, "2020-01-10", "", &domain.HealthData{Fact: domain.FactPregnant})
	if r := q.screen(t, pack, "2021-06-01", 0); !fires(r, "PR-03") || undecided(r, "PR-03") != nil {
		t.Errorf("pregnant with no due date: PR-03 should fire; fired %v, undecided %v", firedIDs(r), r.Undecided)
	}
}

// TestOffenceBeforeBirthNotTrusted: an offence dated before the birth gives
// no age at the offence (nor an upper bound of it), so the rules that read it are undecided on it
// rather than taking the person for a baby.
func TestOffenceBeforeBirthNotTrusted(t *testing.T) {
	pack := builtin(t)
	p := newPerson("1990-06-15", domain.Male)
	p.admit("2020-01-10", "P1", &domain.AdmissionData{Status: domain.StatusPretrial, Order: detention("2020-01-10", "2020-07-10"),
		Case: &domain.Case{ID: "C1", Procedure: domain.ProcOrdinary, OffenceDate: domain.MustDate("1990-06-14"),
			Charges: []domain.Charge{{Offence: "x", Class: domain.Felony, MinMonths: 1, MaxMonths: 120}}}})
	r := p.screen(t, pack, "2020-02-01", 0)
	if fires(r, "LB-06") {
		t.Errorf("LB-06 fired on an offence dated before the birth: %v", r.Fired)
	}
	// LB-06 reads the age at the act (age_at_offence_max, issue 15 item 3),
	// which an offence before the birth leaves unknown as well.
	if u := undecided(r, "LB-06"); u == nil || !slices.Contains(u.Unknown, "age_at_offence_max") {
		t.Errorf("LB-06 should be undecided for want of age_at_offence_max: %+v", r.Undecided)
	}
	if !slices.Contains(checkIDs(r), "DQ-05") {
		t.Errorf("DQ-05 should list the offence date: %v", checkIDs(r))
	}
}

// TestConfirmedLawSplit: a person held unlawfully counts on confirmed law
// when at least one verified unlawful rule holds, else on law not yet
// confirmed; the two parts add up to the people held unlawfully, in all and
// in each facility.
func TestConfirmedLawSplit(t *testing.T) {
	pack := builtin(t)
	verified := map[string]bool{}
	for _, r := range pack.Rules {
		verified[r.ID] = r.Verified
	}
	if !verified["LB-08"] || verified["LB-05"] || verified["LB-04"] {
		t.Fatal("the test expects LB-08 verified, LB-04 and LB-05 not (domain.md section 3)")
	}
	immediate := func(p *person, from string) {
		p.admit(from, "P1", &domain.AdmissionData{Status: domain.StatusPretrial,
			Order: &domain.Order{Kind: domain.OrderImmediateAppear, Authority: "court", Reference: "I", Issued: domain.MustDate(from)},
			Case:  &domain.Case{ID: "C1", Procedure: domain.ProcImmediate, Charges: []domain.Charge{{Offence: "x", Class: domain.Misdemeanor, MinMonths: 1, MaxMonths: 36}}}})
	}
	var results []Result
	// LB-08 only (verified): confirmed law.
	a := newPerson("1980-05-05", domain.Male)
	a.id = "A"
	immediate(a, "2020-03-01")
	// LB-05 only (not verified): law not yet confirmed.
	b := newPerson("1980-05-05", domain.Male)
	b.id = "B"
	b.pretrial("2020-01-15", domain.Misdemeanor, 36, detention("2020-01-15", "2020-12-31"))
	// LB-04 (not verified) and LB-08 (verified): confirmed law.
	c := newPerson("1980-05-05", domain.Male)
	c.id = "C"
	immediate(c, "2018-01-01")
	c.add(domain.KCharge, "2018-01-05", "", &domain.ChargeData{Case: "C1", Charges: []domain.Charge{{Offence: "y", Class: domain.Felony, MinMonths: 12, MaxMonths: 240}}})
	// Nothing unlawful.
	d := newPerson("1980-05-05", domain.Male)
	d.id = "D"
	d.pretrial("2020-05-01", domain.Felony, 120, detention("2020-05-01", "2020-11-01"))
	for _, p := range []*person{a, b, c, d} {
		for _, ev := range p.evs {
			ev.Person = p.id
		}
		results = append(results, p.screen(t, pack, "2020-06-01", 0))
	}
	want := map[string][2]bool{"A": {true, true}, "B": {true, false}, "C": {true, true}, "D": {false, false}}
	for _, r := range results {
		if w := want[r.Person]; r.Unlawful != w[0] || r.ConfirmedLaw != w[1] {
			t.Errorf("%s: unlawful %v on confirmed law %v, want %v %v (fired %v)", r.Person, r.Unlawful, r.ConfirmedLaw, w[0], w[1], firedIDs(r))
		}
	}
	s := Summarize(pack, results)
	if h := s.HeldUnlawfully; h.Total != 3 || h.OnConfirmedLaw != 2 || h.OnUnconfirmedLaw != 1 {
		t.Errorf("held unlawfully %+v, want 3 = 2 on confirmed law + 1 not yet confirmed", h)
	}
	for _, f := range s.ByFacility {
		if f.UnlawfulConfirmed+f.UnlawfulUnconfirmed != f.Unlawful {
			t.Errorf("%s: %d + %d != %d", f.Facility, f.UnlawfulConfirmed, f.UnlawfulUnconfirmed, f.Unlawful)
		}
	}
}
