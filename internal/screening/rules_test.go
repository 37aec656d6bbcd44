package screening

import (
	"slices"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/rules"
)

var testKinds = Kinds{"P1": domain.Prison, "PC": domain.PoliceCustody, "DC": domain.DrugCentre}

// person builds a person's ledger events for a test.
type person struct {
	id  string
	evs []*domain.Event
}

func newPerson(dob string, sex domain.Sex) *person {
	p := &person{id: "X1"}
	var d domain.Date
	basis := domain.DOBUnknown
	if dob != "" {
		d, basis = domain.MustDate(dob), domain.DOBDocument
	}
	p.add(domain.KPerson, "2000-01-01", "", &domain.PersonData{Name: "Test", Sex: sex, DOB: d, DOBBasis: basis})
	return p
}

func (p *person) add(k domain.Kind, date, fac string, data any) int64 {
	seq := int64(len(p.evs) + 1)
	p.evs = append(p.evs, &domain.Event{Seq: seq, Kind: k, Date: domain.MustDate(date), Person: p.id, Facility: fac, Data: data})
	return seq
}

func (p *person) admit(date, fac string, ad *domain.AdmissionData) int64 {
	return p.add(domain.KAdmission, date, fac, ad)
}

// pretrial admits the person in pre-trial detention on one charge.
func (p *person) pretrial(date string, class domain.OffenceClass, maxMonths int, order *domain.Order) int64 {
	return p.admit(date, "P1", &domain.AdmissionData{Status: domain.StatusPretrial, Order: order,
		Case: &domain.Case{ID: "C1", Procedure: domain.ProcOrdinary, Charges: []domain.Charge{{Offence: "x", Class: class, MinMonths: 1, MaxMonths: maxMonths}}}})
}

func detention(issued, expires string) *domain.Order {
	o := &domain.Order{Kind: domain.OrderDetention, Authority: "court", Reference: "D1", Issued: domain.MustDate(issued)}
	if expires != "" {
		o.Expires = domain.MustDate(expires)
	}
	return o
}

func (p *person) screen(t *testing.T, pack *rules.Pack, asOf string, within int) Result {
	t.Helper()
	d := domain.MustDate(asOf)
	f, err := domain.Project(p.id, p.evs, testKinds, d)
	if err != nil {
		t.Fatalf("fold: %v", err)
	}
	r, ok := Screen(pack, f, testKinds, d, within)
	if !ok {
		t.Fatalf("not held on %s", asOf)
	}
	return r
}

func firedIDs(r Result) []string {
	var out []string
	for _, f := range r.Fired {
		out = append(out, f.Rule)
	}
	return out
}

func undecided(r Result, id string) *Undecided {
	for i := range r.Undecided {
		if r.Undecided[i].Rule == id {
			return &r.Undecided[i]
		}
	}
	return nil
}

func builtin(t testing.TB) *rules.Pack {
	t.Helper()
	p, err := rules.Builtin(rules.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// boundary checks that a rule does not fire on the day before and fires on
// the day given.
type boundary struct {
	name  string
	rule  string
	build func() *person
	quiet string // the rule must not fire (nor be undecided) as of this date
	fires string // and must fire as of this one
}

func TestRuleBoundaries(t *testing.T) {
	pack := builtin(t)
	charge := func(class domain.OffenceClass, max int, violent bool) []domain.Charge {
		return []domain.Charge{{Offence: "x", Class: class, MinMonths: 1, MaxMonths: max, Violent: violent}}
	}
	convicted := func(final bool, months int, start string, credit int, repeat, prior bool) func() *person {
		return func() *person {
			p := newPerson("1980-05-05", domain.Male)
			p.admit("2018-01-01", "P1", &domain.AdmissionData{Status: domain.StatusPretrial, Order: detention("2018-01-01", ""),
				RepeatOffender: repeat, PriorPrison5y: prior, Case: &domain.Case{ID: "C1", Procedure: domain.ProcOrdinary, Charges: charge(domain.Felony, 120, false)}})
			p.add(domain.KVerdict, start, "", &domain.VerdictData{Case: "C1", Outcome: domain.OutcomeConvicted, Final: final,
				Sentence: &domain.Sentence{Months: months, Start: domain.MustDate(start), PretrialCreditDays: credit}})
			return p
		}
	}
	// A 12-month sentence from 2019-03-01 runs 366 days (2020 is a leap
	// year): 1/2 is served after 183 days, 1/3 after 122, 2/3 after 244.
	start := domain.MustDate("2019-03-01")
	day := func(n int) string { return start.AddDays(n).String() }

	cases := []boundary{
		{"no order", "LB-01", func() *person {
			p := newPerson("1980-05-05", domain.Male)
			p.pretrial("2020-01-10", domain.Felony, 120, nil)
			p.add(domain.KOrder, "2020-02-01", "", &domain.OrderData{Order: *detention("2020-02-01", "2020-08-01")})
			return p
		}, "2020-02-01", "2020-01-31"},
		{"police 48h", "LB-02", func() *person {
			p := newPerson("1980-05-05", domain.Male)
			p.admit("2020-03-01", "PC", &domain.AdmissionData{Status: domain.StatusPolice, ArrestedAt: "2020-03-01T00:00",
				Order: &domain.Order{Kind: domain.OrderPoliceCustody, Authority: "police", Reference: "P", Issued: domain.MustDate("2020-03-01")}})
			return p
		}, "2020-03-02", "2020-03-03"}, // 48 hours at the end of 2 March, 72 at the end of 3 March
		{"police felony extended", "LB-02", func() *person {
			p := newPerson("1980-05-05", domain.Male)
			p.admit("2020-03-01", "PC", &domain.AdmissionData{Status: domain.StatusPolice, ArrestedAt: "2020-03-01T00:00",
				Case:  &domain.Case{ID: "C1", Procedure: domain.ProcOrdinary, Charges: charge(domain.Felony, 120, false)},
				Order: &domain.Order{Kind: domain.OrderPoliceCustody, Authority: "police", Reference: "P", Issued: domain.MustDate("2020-03-01")}})
			p.add(domain.KExtension, "2020-03-02", "", &domain.OrderData{Order: domain.Order{Kind: domain.OrderPoliceCustody, Authority: "prosecutor", Reference: "E", Issued: domain.MustDate("2020-03-02")}})
			return p
		}, "2020-03-03", "2020-03-04"}, // 72 hours allowed with the extension
		{"charge under a year", "LB-03", func() *person {
			p := newPerson("1980-05-05", domain.Male)
			p.pretrial("2020-01-10", domain.Misdemeanor, 6, detention("2020-01-10", "2020-05-10"))
			p.add(domain.KCharge, "2020-02-01", "", &domain.ChargeData{Case: "C1", Charges: charge(domain.Misdemeanor, 12, false)})
			return p
		}, "2020-02-01", "2020-01-31"},
		{"felony order lapsed", "LB-01", func() *person {
			p := newPerson("1980-05-05", domain.Male)
			p.pretrial("2019-01-10", domain.Felony, 120, detention("2019-01-10", "2019-07-10"))
			return p
		}, "2019-07-10", "2019-07-11"},
		{"felony 18 months with extensions", "LB-04", func() *person {
			p := newPerson("1980-05-05", domain.Male)
			p.pretrial("2019-01-10", domain.Felony, 120, detention("2019-01-10", "2019-07-10"))
			p.add(domain.KExtension, "2019-07-05", "", &domain.OrderData{Order: *detention("2019-07-05", "2020-01-10")})
			p.add(domain.KExtension, "2020-01-05", "", &domain.OrderData{Order: *detention("2020-01-05", "2020-12-31")})
			return p
		}, "2020-07-10", "2020-07-11"},
		{"misdemeanour 4 months, no extension", "LB-05", func() *person {
			p := newPerson("1980-05-05", domain.Male)
			p.pretrial("2020-01-15", domain.Misdemeanor, 36, detention("2020-01-15", "2020-12-31"))
			return p
		}, "2020-05-15", "2020-05-16"},
		{"misdemeanour 6 months with an extension", "LB-05", func() *person {
			p := newPerson("1980-05-05", domain.Male)
			p.pretrial("2020-01-15", domain.Misdemeanor, 36, detention("2020-01-15", "2020-05-15"))
			p.add(domain.KExtension, "2020-05-10", "", &domain.OrderData{Order: *detention("2020-05-10", "2020-12-31")})
			return p
		}, "2020-07-15", "2020-07-16"},
		{"child 14-16 misdemeanour 2 months", "LB-07", func() *person {
			p := newPerson("2005-03-01", domain.Male)
			p.admit("2020-01-10", "P1", &domain.AdmissionData{Status: domain.StatusPretrial, Order: detention("2020-01-10", ""),
				Case: &domain.Case{ID: "C1", Procedure: domain.ProcOrdinary, OffenceDate: domain.MustDate("2019-12-01"), Charges: charge(domain.Misdemeanor, 36, false)}})
			return p
		}, "2020-03-10", "2020-03-11"},
		{"child 16-18 felony 6 months", "LB-07", func() *person {
			p := newPerson("2003-03-01", domain.Male)
			p.admit("2020-01-10", "P1", &domain.AdmissionData{Status: domain.StatusPretrial, Order: detention("2020-01-10", ""),
				Case: &domain.Case{ID: "C1", Procedure: domain.ProcOrdinary, OffenceDate: domain.MustDate("2019-12-01"), Charges: charge(domain.Felony, 120, false)}})
			return p
		}, "2020-07-10", "2020-07-11"},
		{"immediate appearance two weeks", "LB-08", func() *person {
			p := newPerson("1980-05-05", domain.Male)
			p.admit("2020-03-01", "P1", &domain.AdmissionData{Status: domain.StatusPretrial,
				Order: &domain.Order{Kind: domain.OrderImmediateAppear, Authority: "court", Reference: "I", Issued: domain.MustDate("2020-03-01")},
				Case:  &domain.Case{ID: "C1", Procedure: domain.ProcImmediate, Charges: charge(domain.Misdemeanor, 36, false)}})
			return p
		}, "2020-03-15", "2020-03-16"},
		{"sentence served", "LB-09", convicted(true, 12, "2019-03-01", 30, false, false), "2020-01-30", "2020-01-31"}, // 2020-03-01 - 30 days
		{"sentence served after a reduction", "LB-09", func() *person {
			p := convicted(true, 12, "2019-03-01", 0, false, false)()
			p.add(domain.KReduction, "2019-11-09", "", &domain.ReductionData{Months: 1, Decree: "NS/RKT/1119/001"})
			return p
		}, "2020-01-31", "2020-02-01"},
		{"drug centre order lapsed", "LB-10", func() *person {
			p := newPerson("1990-05-05", domain.Male)
			p.admit("2020-01-01", "DC", &domain.AdmissionData{Status: domain.StatusDrugCentre,
				Order: &domain.Order{Kind: domain.OrderDrugCentre, Authority: "prosecutor", Reference: "DC", Issued: domain.MustDate("2020-01-01"), Expires: domain.MustDate("2020-06-30")},
				Case:  &domain.Case{ID: "C1", Procedure: domain.ProcDrugAdmin, Charges: []domain.Charge{{Offence: "use", Class: domain.Petty, Drug: true}}}})
			return p
		}, "2020-06-30", "2020-07-01"},
		{"pre-trial as long as the maximum", "RV-01", func() *person {
			p := newPerson("1980-05-05", domain.Male)
			p.pretrial("2020-01-10", domain.Misdemeanor, 12, detention("2020-01-10", ""))
			return p
		}, "2021-01-09", "2021-01-10"},
		{"acquitted, prosecution appeals", "RV-02", func() *person {
			p := newPerson("1980-05-05", domain.Male)
			p.pretrial("2020-01-10", domain.Felony, 120, detention("2020-01-10", ""))
			p.add(domain.KVerdict, "2020-05-01", "", &domain.VerdictData{Case: "C1", Outcome: domain.OutcomeAcquitted})
			p.add(domain.KAppeal, "2020-05-05", "", &domain.AppealData{Case: "C1", By: "prosecution"})
			return p
		}, "2020-05-04", "2020-05-05"},
		{"pre-trial detention", "EL-01", func() *person {
			p := newPerson("1980-05-05", domain.Male)
			p.admit("2020-03-01", "PC", &domain.AdmissionData{Status: domain.StatusPolice, ArrestedAt: "2020-03-01T08:00",
				Order: &domain.Order{Kind: domain.OrderPoliceCustody, Authority: "police", Reference: "P", Issued: domain.MustDate("2020-03-01")}})
			p.add(domain.KOrder, "2020-03-02", "", &domain.OrderData{Order: *detention("2020-03-02", ""), Status: domain.StatusPretrial})
			return p
		}, "2020-03-01", "2020-03-02"},
		{"parole at 1/2", "EL-02", convicted(false, 12, "2019-03-01", 0, false, false), day(182), day(183)},
		{"parole at 2/3 for a repeat offender", "EL-02", convicted(false, 12, "2019-03-01", 0, true, false), day(243), day(244)},
		{"pardon at 2/3", "EL-03", convicted(true, 12, "2019-03-01", 0, false, false), day(243), day(244)},
		{"reduction at 1/3", "EL-04", convicted(true, 12, "2019-03-01", 0, false, false), day(121), day(122)},
		{"older prisoner: 60th birthday", "PR-01", func() *person {
			p := newPerson("1960-08-20", domain.Male)
			p.pretrial("2020-01-10", domain.Felony, 120, detention("2020-01-10", ""))
			return p
		}, "2020-08-19", "2020-08-20"},
		{"illness", "PR-02", func() *person {
			p := newPerson("1980-05-05", domain.Male)
			p.pretrial("2020-01-10", domain.Felony, 120, detention("2020-01-10", ""))
			p.add(domain.KHealth, "2020-02-01", "", &domain.HealthData{Fact: domain.FactChronic, Detail: "TB"})
			return p
		}, "2020-01-31", "2020-02-01"},
		{"pregnant woman", "PR-03", func() *person {
			p := newPerson("1990-05-05", domain.Female)
			p.pretrial("2020-01-10", domain.Felony, 120, detention("2020-01-10", ""))
			p.add(domain.KHealth, "2020-02-01", "", &domain.HealthData{Fact: domain.FactPregnant})
			return p
		}, "2020-01-31", "2020-02-01"},
	}
	for _, c := range cases {
		t.Run(c.rule+" "+c.name, func(t *testing.T) {
			p := c.build()
			q := p.screen(t, pack, c.quiet, 0)
			if slices.Contains(firedIDs(q), c.rule) || undecided(q, c.rule) != nil {
				t.Errorf("as of %s: %s fired or undecided (fired %v, undecided %+v)", c.quiet, c.rule, firedIDs(q), q.Undecided)
			}
			f := p.screen(t, pack, c.fires, 0)
			if !slices.Contains(firedIDs(f), c.rule) {
				t.Errorf("as of %s: %s did not fire (fired %v, undecided %+v)", c.fires, c.rule, firedIDs(f), f.Undecided)
			}
		})
	}
}
