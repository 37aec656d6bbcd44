package screening

import (
	"slices"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/rules"
)

// The situations of issue 15: detention past the current order whatever the
// charge (LB-01), held after an acquittal or a dismissal (RV-02, RV-03,
// LB-11), the age of criminal responsibility at the act (LB-06, LB-07), and
// release mechanisms that cannot apply (EL-02..EL-05 beside LB-09).

type outcome int

const (
	quiet outcome = iota // neither fired nor undecided
	holds
	open // undecided
)

func (o outcome) String() string { return [...]string{"quiet", "fired", "undecided"}[o] }

func outcomeOf(r Result, rule string) outcome {
	switch {
	case fires(r, rule):
		return holds
	case undecided(r, rule) != nil:
		return open
	}
	return quiet
}

func reasonOf(r Result, rule string) string {
	for _, f := range r.Fired {
		if f.Rule == rule {
			return f.Reason
		}
	}
	return ""
}

// expect is what one rule says about a person on one date, and the figures
// its reason must name: the dates and numbers a lawyer checks by hand.
type expect struct {
	asOf  string
	rule  string
	want  outcome
	names []string
}

func (p *person) expect(t *testing.T, pack *rules.Pack, cases ...expect) {
	t.Helper()
	for _, c := range cases {
		r := p.screen(t, pack, c.asOf, 0)
		if got := outcomeOf(r, c.rule); got != c.want {
			t.Errorf("as of %s: %s %s, want %s (fired %v, undecided %+v)", c.asOf, c.rule, got, c.want, firedIDs(r), r.Undecided)
			continue
		}
		reason := reasonOf(r, c.rule)
		for _, n := range c.names {
			if !strings.Contains(reason, n) {
				t.Errorf("as of %s: the reason of %s does not name %q: %s", c.asOf, c.rule, n, reason)
			}
		}
		if strings.Contains(reason, "unknown") {
			t.Errorf("as of %s: the reason of %s has an unknown part: %s", c.asOf, c.rule, reason)
		}
	}
}

func misdemeanour() []domain.Charge {
	return []domain.Charge{{Offence: "theft", Class: domain.Misdemeanor, MinMonths: 6, MaxMonths: 36}}
}

func TestTitleOfDetention(t *testing.T) {
	pack := builtin(t)

	t.Run("misdemeanour order lapsed, no extension", func(t *testing.T) {
		// LB-05 counts 4 months (to 2020-05-15); the order itself ran out
		// two months earlier.
		p := newPerson("1980-05-05", domain.Male)
		p.pretrial("2020-01-15", domain.Misdemeanor, 36, detention("2020-01-15", "2020-03-15"))
		p.expect(t, pack,
			expect{"2020-03-15", "LB-01", quiet, nil},
			expect{"2020-03-16", "LB-01", holds, []string{"held 61 days (since 2020-01-15) in P1", "detention_order reference D1",
				"issued 2020-01-15", "expired on 2020-03-15", "since 2020-03-16 (1 day),", "after 0 extensions"}},
			expect{"2020-03-16", "LB-05", quiet, nil},
			expect{"2020-04-14", "LB-01", holds, []string{"since 2020-03-16 (30 days)"}})
	})

	t.Run("a child's order lapsed before the child's limit", func(t *testing.T) {
		// aged 15; LB-07's limit of 2 months runs to 2020-03-10
		p := newPerson("2005-01-01", domain.Male)
		p.admit("2020-01-10", "P1", &domain.AdmissionData{Status: domain.StatusPretrial, Order: detention("2020-01-10", "2020-02-10"),
			Case: &domain.Case{ID: "C1", Procedure: domain.ProcOrdinary, OffenceDate: domain.MustDate("2020-01-05"), Charges: misdemeanour()}})
		p.expect(t, pack,
			expect{"2020-02-10", "LB-01", quiet, nil},
			expect{"2020-02-11", "LB-01", holds, []string{"expired on 2020-02-10", "since 2020-02-11"}},
			expect{"2020-02-11", "LB-07", quiet, nil},
			expect{"2020-03-11", "LB-07", holds, []string{"aged 15 at the alleged offence on 2020-01-05", "to 2020-03-10"}})
	})

	t.Run("an extension continues the order", func(t *testing.T) {
		p := newPerson("1980-05-05", domain.Male)
		p.pretrial("2020-01-15", domain.Misdemeanor, 36, detention("2020-01-15", "2020-03-15"))
		p.add(domain.KExtension, "2020-03-10", "", &domain.OrderData{Order: *detention("2020-03-10", "2020-05-15")})
		p.expect(t, pack,
			expect{"2020-03-16", "LB-01", quiet, nil},
			expect{"2020-05-15", "LB-01", quiet, nil},
			expect{"2020-05-16", "LB-01", holds, []string{"expired on 2020-05-15", "after 1 extension and"}})
	})

	t.Run("a new order continues it", func(t *testing.T) {
		p := newPerson("1980-05-05", domain.Male)
		p.pretrial("2020-01-15", domain.Felony, 120, detention("2020-01-15", "2020-03-15"))
		p.add(domain.KOrder, "2020-03-14", "", &domain.OrderData{Order: domain.Order{Kind: domain.OrderDetention, Authority: "court",
			Reference: "D2", Issued: domain.MustDate("2020-03-14"), Expires: domain.MustDate("2020-06-30")}})
		p.expect(t, pack,
			expect{"2020-03-16", "LB-01", quiet, nil},
			expect{"2020-06-30", "LB-01", quiet, nil},
			expect{"2020-07-01", "LB-01", holds, []string{"reference D2", "issued 2020-03-14", "expired on 2020-06-30"}})
	})

	t.Run("an order recorded without an expiry", func(t *testing.T) {
		p := newPerson("1980-05-05", domain.Male)
		p.pretrial("2020-01-15", domain.Misdemeanor, 36, detention("2020-01-15", ""))
		for _, d := range []string{"2020-01-15", "2020-12-31"} {
			r := p.screen(t, pack, d, 0)
			if u := undecided(r, "LB-01"); u == nil || !slices.Contains(u.Unknown, "order_expires") {
				t.Errorf("as of %s: LB-01 should be undecided for want of order_expires; got %+v (fired %v)", d, u, firedIDs(r))
			}
		}
	})

	t.Run("orders whose time the law counts elsewhere", func(t *testing.T) {
		// police custody: the hours of LB-02; immediate appearance: the two
		// weeks of LB-08; neither needs an expiry for LB-01
		pc := newPerson("1980-05-05", domain.Male)
		pc.admit("2020-03-01", "PC", &domain.AdmissionData{Status: domain.StatusPolice, ArrestedAt: "2020-03-01T08:00",
			Order: &domain.Order{Kind: domain.OrderPoliceCustody, Authority: "police", Reference: "P", Issued: domain.MustDate("2020-03-01")}})
		pc.expect(t, pack, expect{"2020-03-05", "LB-01", quiet, nil}, expect{"2020-03-05", "LB-02", holds, []string{"2020-03-01T08:00"}})
		// an arrest warrant in police custody is counted in hours too
		aw := newPerson("1980-05-05", domain.Male)
		aw.admit("2020-03-01", "P1", &domain.AdmissionData{Status: domain.StatusPolice, ArrestedAt: "2020-03-01T08:00",
			Order: &domain.Order{Kind: domain.OrderArrestWarrant, Authority: "judge", Reference: "AW", Issued: domain.MustDate("2020-02-01")}})
		aw.expect(t, pack, expect{"2020-03-02", "LB-01", quiet, nil})
		ia := newPerson("1980-05-05", domain.Male)
		ia.admit("2020-03-01", "P1", &domain.AdmissionData{Status: domain.StatusPretrial,
			Order: &domain.Order{Kind: domain.OrderImmediateAppear, Authority: "court", Reference: "I", Issued: domain.MustDate("2020-03-01")},
			Case:  &domain.Case{ID: "C1", Procedure: domain.ProcImmediate, Charges: misdemeanour()}})
		ia.expect(t, pack, expect{"2020-03-20", "LB-01", quiet, nil}, expect{"2020-03-20", "LB-08", holds, []string{"2020-03-01", "19 days"}})
	})

	t.Run("a conviction is a title", func(t *testing.T) {
		for _, final := range []bool{false, true} {
			p := newPerson("1980-05-05", domain.Male)
			p.pretrial("2020-01-15", domain.Felony, 120, detention("2020-01-15", "2020-03-15"))
			p.add(domain.KVerdict, "2020-03-01", "", &domain.VerdictData{Case: "C1", Outcome: domain.OutcomeConvicted, Final: final,
				Sentence: &domain.Sentence{Months: 24, Start: domain.MustDate("2020-03-01")}})
			p.expect(t, pack, expect{"2020-06-01", "LB-01", quiet, nil})
		}
	})

	t.Run("held before the order was issued", func(t *testing.T) {
		p := newPerson("1980-05-05", domain.Male)
		p.pretrial("2020-01-10", domain.Felony, 120, detention("2020-01-20", "2020-07-20"))
		p.expect(t, pack,
			expect{"2020-01-19", "LB-01", holds, []string{"held 9 days (since 2020-01-10)", "before its order was issued", "issued 2020-01-20"}},
			expect{"2020-01-20", "LB-01", quiet, nil})
	})

	t.Run("no order at all", func(t *testing.T) {
		p := newPerson("1980-05-05", domain.Male)
		p.pretrial("2020-01-10", domain.Felony, 120, nil)
		p.expect(t, pack, expect{"2020-01-12", "LB-01", holds, []string{"held 2 days (since 2020-01-10) in P1 with no warrant"}})
	})
}

// acquitted admits a felony detainee on 2020-01-10 (the order runs to
// 2020-12-31, so it never lapses here) whose case ends in a verdict on the
// date given.
func acquitted(outcome, date string, final bool) *person {
	p := newPerson("1980-05-05", domain.Male)
	p.pretrial("2020-01-10", domain.Felony, 120, detention("2020-01-10", "2020-12-31"))
	p.add(domain.KVerdict, date, "", &domain.VerdictData{Case: "C1", Outcome: outcome, Final: final})
	return p
}

func TestHeldAfterAcquittalOrDismissal(t *testing.T) {
	pack := builtin(t)
	for _, c := range []struct{ outcome, words string }{{domain.OutcomeAcquitted, "acquitted"}, {domain.OutcomeDismissed, "charges dismissed"}} {
		t.Run(c.outcome, func(t *testing.T) {
			// The prosecution's month runs from 2020-05-01 to 2020-06-01.
			p := acquitted(c.outcome, "2020-05-01", false)
			p.expect(t, pack,
				expect{"2020-04-30", "RV-03", quiet, nil},
				expect{"2020-05-01", "RV-03", holds, []string{c.words + " by the judgment of 2020-05-01", "held 0 days since", "ends on 2020-06-01", "from 2020-06-02"}},
				expect{"2020-05-01", "LB-01", quiet, nil},
				expect{"2020-06-01", "RV-03", holds, []string{"held 31 days since"}},
				expect{"2020-06-01", "LB-11", quiet, nil},
				expect{"2020-06-02", "LB-11", holds, []string{c.words + " by the judgment of 2020-05-01", "32 days since", "ended on 2020-06-01", "since 2020-06-02"}},
				expect{"2020-06-02", "RV-03", quiet, nil},
				expect{"2020-06-02", "RV-02", quiet, nil},
				expect{"2020-06-02", "LB-01", quiet, nil})
		})
	}

	t.Run("the prosecution appeals", func(t *testing.T) {
		p := acquitted(domain.OutcomeAcquitted, "2020-05-01", false)
		p.add(domain.KAppeal, "2020-05-20", "", &domain.AppealData{Case: "C1", By: "prosecution"})
		p.expect(t, pack,
			expect{"2020-05-19", "RV-03", holds, nil},
			expect{"2020-05-20", "RV-03", quiet, nil},
			expect{"2020-05-20", "RV-02", holds, []string{"acquitted by the judgment of 2020-05-01", "19 days since", "131 days since admission on 2020-01-10"}},
			expect{"2020-09-01", "LB-11", quiet, nil},
			expect{"2020-09-01", "RV-02", holds, nil})
	})

	t.Run("a final acquittal leaves nothing to wait for", func(t *testing.T) {
		p := acquitted(domain.OutcomeAcquitted, "2020-05-01", true)
		p.expect(t, pack,
			expect{"2020-05-01", "LB-11", holds, []string{"recorded as final", "since 2020-05-01"}},
			expect{"2020-05-01", "RV-03", quiet, nil})
	})

	t.Run("an appeal against an earlier conviction is not one against the acquittal", func(t *testing.T) {
		p := newPerson("1980-05-05", domain.Male)
		p.pretrial("2019-01-10", domain.Felony, 120, detention("2019-01-10", "2019-07-10"))
		p.add(domain.KVerdict, "2019-06-01", "", &domain.VerdictData{Case: "C1", Outcome: domain.OutcomeConvicted,
			Sentence: &domain.Sentence{Months: 60, Start: domain.MustDate("2019-06-01")}})
		p.add(domain.KAppeal, "2019-06-05", "", &domain.AppealData{Case: "C1", By: "prosecution"})
		p.add(domain.KVerdict, "2020-09-01", "", &domain.VerdictData{Case: "C1", Court: "Court of Appeal", Outcome: domain.OutcomeAcquitted})
		p.expect(t, pack,
			expect{"2020-09-02", "RV-02", quiet, nil},
			expect{"2020-09-02", "RV-03", holds, []string{"2020-09-01"}},
			expect{"2020-10-02", "LB-11", holds, []string{"ended on 2020-10-01"}})
	})

	t.Run("the month ends at the end of a shorter month", func(t *testing.T) {
		// 31 January 2020 + 1 month = 29 February (a leap year)
		p := acquitted(domain.OutcomeDismissed, "2020-01-31", false)
		p.expect(t, pack,
			expect{"2020-02-29", "RV-03", holds, []string{"ends on 2020-02-29"}},
			expect{"2020-03-01", "LB-11", holds, []string{"ended on 2020-02-29", "since 2020-03-01"}})
	})
}

func TestAgeAtTheAct(t *testing.T) {
	pack := builtin(t)
	// Born 2006-06-15: 14 on 2020-06-15.
	admit := func(p *person, date, arrested, offence, caseID string) {
		c := &domain.Case{ID: caseID, Procedure: domain.ProcOrdinary, Charges: misdemeanour()}
		if offence != "" {
			c.OffenceDate = domain.MustDate(offence)
		}
		p.admit(date, "P1", &domain.AdmissionData{Status: domain.StatusPretrial, ArrestedAt: arrested,
			Order: detention(date, domain.MustDate(date).AddMonths(2).String()), Case: c})
	}

	t.Run("admitted at 13 with no offence date, after the 14th birthday", func(t *testing.T) {
		p := newPerson("2006-06-15", domain.Male)
		admit(p, "2020-06-01", "", "", "C1")
		p.expect(t, pack,
			expect{"2020-06-14", "LB-06", holds, []string{"born 2006-06-15", "aged 13 on 2020-06-14", "aged at most 13 at the offence",
				"first admission on the case on 2020-06-01"}},
			expect{"2020-06-15", "LB-06", holds, []string{"aged 14 on 2020-06-15", "aged at most 13 at the offence"}},
			expect{"2020-07-31", "LB-06", holds, nil},
			// PR-04 stays on the age of the day
			expect{"2020-07-31", "PR-04", holds, []string{"aged 14"}})
	})

	t.Run("the arrest bounds the act", func(t *testing.T) {
		p := newPerson("2006-06-15", domain.Male)
		admit(p, "2020-06-16", "2020-06-14T22:00", "", "C1")
		p.expect(t, pack, expect{"2020-06-20", "LB-06", holds, []string{"aged at most 13 at the offence", "the arrest on 2020-06-14"}})
		q := newPerson("2006-06-15", domain.Male)
		admit(q, "2020-06-16", "2020-06-15T01:00", "", "C1")
		q.expect(t, pack, expect{"2020-06-20", "LB-06", quiet, nil})
	})

	t.Run("the offence date, when recorded, decides", func(t *testing.T) {
		p := newPerson("2006-06-15", domain.Male)
		admit(p, "2020-06-20", "", "2020-06-14", "C1")
		p.expect(t, pack, expect{"2020-06-20", "LB-06", holds, []string{"aged 13 at the alleged offence on 2020-06-14"}})
		q := newPerson("2006-06-15", domain.Male)
		admit(q, "2020-06-20", "", "2020-06-15", "C1")
		q.expect(t, pack, expect{"2020-06-20", "LB-06", quiet, nil})
	})

	t.Run("re-detained on the same case, and on another", func(t *testing.T) {
		same := newPerson("2006-06-15", domain.Male)
		admit(same, "2020-06-01", "", "", "C1")
		same.add(domain.KRelease, "2020-06-05", "", &domain.ReleaseData{Mechanism: domain.MechBail})
		admit(same, "2020-09-01", "", "", "C1")
		same.expect(t, pack, expect{"2020-09-01", "LB-06", holds, []string{"aged at most 13", "first admission on the case on 2020-06-01"}})

		other := newPerson("2006-06-15", domain.Male)
		admit(other, "2020-06-01", "", "", "C1")
		other.add(domain.KRelease, "2020-06-05", "", &domain.ReleaseData{Mechanism: domain.MechBail})
		admit(other, "2020-09-01", "", "", "C2")
		other.expect(t, pack, expect{"2020-09-01", "LB-06", quiet, nil})
	})

	t.Run("LB-07 reads the age at the act too", func(t *testing.T) {
		// aged at most 15 at the act (admitted 2020-01-10, 16 on
		// 2020-03-20): the limit for 14-16 on a misdemeanour, 2 months
		p := newPerson("2004-03-20", domain.Male)
		p.pretrial("2020-01-10", domain.Misdemeanor, 36, detention("2020-01-10", "2020-12-31"))
		p.expect(t, pack,
			expect{"2020-03-10", "LB-07", quiet, nil},
			expect{"2020-03-25", "LB-07", holds, []string{"born 2004-03-20", "aged at most 15 at the alleged offence",
				"first admission on the case on 2020-01-10", "held 75 days untried (counted from 2020-01-10)", "is 2 months, to 2020-03-10"}})
	})
}

// TestServedSentenceIsOnlyUnlawful: a person whose sentence is served is
// held unlawfully (LB-09) and no release mechanism is offered beside it;
// EL-05 is for people not finally convicted.
func TestServedSentenceIsOnlyUnlawful(t *testing.T) {
	pack := builtin(t)
	// A 12-month sentence from 2019-03-01 is served on 2020-03-01.
	sentenced := func(final bool) *person {
		p := newPerson("1980-05-05", domain.Male)
		p.admit("2019-01-01", "P1", &domain.AdmissionData{Status: domain.StatusPretrial, Order: detention("2019-01-01", "2019-05-01"),
			Case: &domain.Case{ID: "C1", Procedure: domain.ProcOrdinary, Charges: misdemeanour()}})
		p.add(domain.KVerdict, "2019-03-01", "", &domain.VerdictData{Case: "C1", Outcome: domain.OutcomeConvicted, Final: final,
			Sentence: &domain.Sentence{Months: 12, Start: domain.MustDate("2019-03-01")}})
		return p
	}
	final := sentenced(true)
	final.expect(t, pack,
		expect{"2020-02-29", "EL-02", holds, nil},
		expect{"2020-02-29", "EL-03", holds, nil},
		expect{"2020-02-29", "EL-04", holds, nil},
		expect{"2020-02-29", "EL-05", quiet, nil}, // final: not on review
		expect{"2020-02-29", "LB-09", quiet, nil},
		expect{"2020-03-01", "LB-09", holds, []string{"sentenced to 12 months from 2019-03-01", "served on 2020-03-01, 0 days ago"}})
	appeal := sentenced(false)
	appeal.expect(t, pack,
		expect{"2020-02-29", "EL-05", holds, []string{"12 months from 2019-03-01", "to 2020-03-01"}},
		expect{"2020-02-29", "EL-02", holds, nil})
	for _, p := range []*person{final, appeal} {
		for _, d := range []string{"2020-03-01", "2020-06-01"} {
			r := p.screen(t, pack, d, 0)
			for _, f := range r.Fired {
				if f.Kind != rules.Priority && f.Rule != "LB-09" {
					t.Errorf("as of %s, sentence served: %s fired beside LB-09 (fired %v)", d, f.Rule, firedIDs(r))
				}
			}
			if !fires(r, "LB-09") {
				t.Errorf("as of %s, sentence served: LB-09 did not fire (fired %v)", d, firedIDs(r))
			}
		}
	}
}
