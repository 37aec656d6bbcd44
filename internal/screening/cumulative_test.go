package screening

import (
	"os"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/rules"
)

// Issue 15, item 4: pre-trial detention on one case adds up across custody
// episodes. The dates below are counted by hand: 2019-01-01 to 2019-04-03
// is 31 + 28 + 31 + 2 = 92 days; 92 days before 2020-01-10 is 2019-10-10.

// nonCumulative is the built-in pack with params.pretrial_cumulative false.
func nonCumulative(t *testing.T) *rules.Pack {
	t.Helper()
	b, err := os.ReadFile("../rules/packs/kh-2020.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(b), "  pretrial_cumulative:\n    value: true", "  pretrial_cumulative:\n    value: false", 1)
	if src == string(b) {
		t.Fatal("the built-in pack has no pretrial_cumulative: true to turn off")
	}
	p, err := rules.Parse("noncumulative.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// redetained: held on case C1 from first to released (released under
// judicial supervision), then detained again on case again from readmitted.
func redetained(dob string, class domain.OffenceClass, maxMonths int, offence string, first, released, readmitted, again string) *person {
	p := newPerson(dob, domain.Male)
	c := func(id string) *domain.Case {
		cs := &domain.Case{ID: id, Procedure: domain.ProcOrdinary, Charges: []domain.Charge{{Offence: "x", Class: class, MinMonths: 1, MaxMonths: maxMonths}}}
		if offence != "" {
			cs.OffenceDate = domain.MustDate(offence)
		}
		return cs
	}
	p.admit(first, "P1", &domain.AdmissionData{Status: domain.StatusPretrial, Order: detention(first, "2030-01-01"), Case: c("C1")})
	p.add(domain.KRelease, released, "P1", &domain.ReleaseData{Mechanism: domain.MechBail})
	p.admit(readmitted, "P1", &domain.AdmissionData{Status: domain.StatusPretrial, Order: detention(readmitted, "2030-01-01"), Case: c(again)})
	return p
}

func TestPretrialAddsUpOnTheSameCase(t *testing.T) {
	pack := builtin(t)
	flat := nonCumulative(t)

	t.Run("LB-04 felony 18 months", func(t *testing.T) {
		// 92 days, then again from 2020-01-10: counted from 2019-10-10, the
		// 18 months run to 2021-04-10; on the current custody alone to
		// 2021-07-10. On 2021-04-11: 92 + 457 = 549 days.
		same := redetained("1980-05-05", domain.Felony, 120, "", "2019-01-01", "2019-04-03", "2020-01-10", "C1")
		same.expect(t, pack,
			expect{"2021-04-10", "LB-04", quiet, nil},
			expect{"2021-04-11", "LB-04", holds, []string{"held 549 days", "2019-01-01 to 2019-04-03 (92 days) in earlier custody",
				"457 days in this custody, admitted on 2020-01-10", "counted from 2019-10-10", "18 months, to 2021-04-10"}})
		same.expect(t, flat,
			expect{"2021-04-11", "LB-04", quiet, nil},
			expect{"2021-07-10", "LB-04", quiet, nil},
			expect{"2021-07-11", "LB-04", holds, []string{"counted from 2020-01-10", "to 2021-07-10"}})
		other := redetained("1980-05-05", domain.Felony, 120, "", "2019-01-01", "2019-04-03", "2020-01-10", "C2")
		other.expect(t, pack,
			expect{"2021-04-11", "LB-04", quiet, nil},
			expect{"2021-07-10", "LB-04", quiet, nil},
			expect{"2021-07-11", "LB-04", holds, []string{"held 548 days", "counted from 2020-01-10"}})
		if r := other.screen(t, pack, "2021-07-11", 0); strings.Contains(reasonOf(r, "LB-04"), "earlier custody") {
			t.Errorf("another case: the reason lists an earlier custody: %s", reasonOf(r, "LB-04"))
		}
	})

	t.Run("LB-05 misdemeanour 4 months", func(t *testing.T) {
		// 2020-01-01 to 2020-02-01 is 31 days; again from 2020-03-01, so
		// counted from 2020-01-30 (2020 is a leap year): 4 months to
		// 2020-05-30; on the current custody alone to 2020-07-01.
		same := redetained("1980-05-05", domain.Misdemeanor, 36, "", "2020-01-01", "2020-02-01", "2020-03-01", "C1")
		same.expect(t, pack,
			expect{"2020-05-30", "LB-05", quiet, nil},
			expect{"2020-05-31", "LB-05", holds, []string{"2020-01-01 to 2020-02-01 (31 days)", "counted from 2020-01-30", "to 2020-05-30", "0 extension orders"}})
		same.expect(t, flat, expect{"2020-05-31", "LB-05", quiet, nil}, expect{"2020-07-02", "LB-05", holds, nil})
		other := redetained("1980-05-05", domain.Misdemeanor, 36, "", "2020-01-01", "2020-02-01", "2020-03-01", "C2")
		other.expect(t, pack, expect{"2020-05-31", "LB-05", quiet, nil}, expect{"2020-07-01", "LB-05", quiet, nil}, expect{"2020-07-02", "LB-05", holds, nil})
	})

	t.Run("LB-07 child 2 months", func(t *testing.T) {
		// Aged 15 at the offence on 2020-01-05, misdemeanour: 2 months.
		// 2020-01-10 to 2020-02-01 is 22 days; again from 2020-03-01, so
		// counted from 2020-02-08: to 2020-04-08; alone to 2020-05-01.
		same := redetained("2005-01-01", domain.Misdemeanor, 36, "2020-01-05", "2020-01-10", "2020-02-01", "2020-03-01", "C1")
		same.expect(t, pack,
			expect{"2020-04-08", "LB-07", quiet, nil},
			expect{"2020-04-09", "LB-07", holds, []string{"held 61 days untried", "2020-01-10 to 2020-02-01 (22 days)", "39 days in this custody",
				"counted from 2020-02-08", "2 months, to 2020-04-08"}})
		same.expect(t, flat, expect{"2020-04-09", "LB-07", quiet, nil}, expect{"2020-05-01", "LB-07", quiet, nil}, expect{"2020-05-02", "LB-07", holds, nil})
		other := redetained("2005-01-01", domain.Misdemeanor, 36, "2020-01-05", "2020-01-10", "2020-02-01", "2020-03-01", "C2")
		other.expect(t, pack, expect{"2020-04-09", "LB-07", quiet, nil}, expect{"2020-05-02", "LB-07", holds, nil})
	})

	t.Run("RV-01 as long as the maximum penalty", func(t *testing.T) {
		// Punishable by 12 months at most; counted from 2019-10-10 the 12
		// months are reached on 2020-10-10 (the rule holds from that day);
		// on the current custody alone on 2021-01-10.
		same := redetained("1980-05-05", domain.Felony, 12, "", "2019-01-01", "2019-04-03", "2020-01-10", "C1")
		same.expect(t, pack,
			expect{"2020-10-09", "RV-01", quiet, nil},
			expect{"2020-10-10", "RV-01", holds, []string{"2019-01-01 to 2019-04-03 (92 days)", "(12 months, to 2020-10-10)"}})
		same.expect(t, flat, expect{"2020-10-10", "RV-01", quiet, nil}, expect{"2021-01-10", "RV-01", holds, nil})
		other := redetained("1980-05-05", domain.Felony, 12, "", "2019-01-01", "2019-04-03", "2020-01-10", "C2")
		other.expect(t, pack, expect{"2020-10-10", "RV-01", quiet, nil}, expect{"2021-01-09", "RV-01", quiet, nil}, expect{"2021-01-10", "RV-01", holds, nil})
	})
}

// TestEarlierCustodyEnteredLate: the earlier custody is in the ledger after
// the current admission (entered late) and before the registration: the
// fold is by date, and the count is the same.
func TestEarlierCustodyEnteredLate(t *testing.T) {
	pack := builtin(t)
	p := newPerson("1980-05-05", domain.Male)
	p.evs[0].Date = domain.MustDate("2020-01-10") // registered at the current admission
	cs := &domain.Case{ID: "C1", Procedure: domain.ProcOrdinary, Charges: []domain.Charge{{Offence: "x", Class: domain.Felony, MinMonths: 1, MaxMonths: 120}}}
	p.admit("2020-01-10", "P1", &domain.AdmissionData{Status: domain.StatusPretrial, Order: detention("2020-01-10", "2030-01-01"), Case: cs})
	// Arrested 2018-12-30, police custody until 2019-01-01 (2 days), then
	// pre-trial detention until 2019-04-03 (92 days): one period of 94.
	p.admit("2018-12-30", "P1", &domain.AdmissionData{Status: domain.StatusPolice, Case: cs})
	p.add(domain.KOrder, "2019-01-01", "", &domain.OrderData{Order: *detention("2019-01-01", "2019-07-01"), Status: domain.StatusPretrial})
	p.add(domain.KRelease, "2019-04-03", "P1", &domain.ReleaseData{Mechanism: domain.MechBail})
	// Counted from 2020-01-10 less 94 days, 2019-10-08: 18 months to 2021-04-08.
	p.expect(t, pack,
		expect{"2021-04-08", "LB-04", quiet, nil},
		expect{"2021-04-09", "LB-04", holds, []string{"2018-12-30 to 2019-04-03 (94 days) in earlier custody", "counted from 2019-10-08"}})
}

// TestQuantities: a reason says "1 day", "1 month", "1 extension", not
// "1 days" or "1 day(s)".
func TestQuantities(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{{0, "0 days"}, {1, "1 day"}, {2, "2 days"}, {-1, "-1 day"}, {92, "92 days"}} {
		if got := rules.Count(c.n, "day", "days"); got != c.want {
			t.Errorf("Count(%d) = %q, want %q", c.n, got, c.want)
		}
	}
	pack := builtin(t)
	// Held one day past a 1-month order: LB-01 names 1 day; a parameter of
	// 1 month (the prosecution's time to appeal) is "1 month".
	p := newPerson("1980-05-05", domain.Male)
	p.pretrial("2020-01-15", domain.Misdemeanor, 36, detention("2020-01-15", "2020-02-15"))
	r := p.screen(t, pack, "2020-02-16", 0)
	if why := reasonOf(r, "LB-01"); !strings.Contains(why, "(1 day)") || !strings.Contains(why, "after 0 extensions") {
		t.Errorf("LB-01: %s", why)
	}
	a := acquitted(domain.OutcomeAcquitted, "2020-03-01", false)
	r = a.screen(t, pack, "2020-03-02", 0)
	if why := reasonOf(r, "RV-03"); !strings.Contains(why, "held 1 day since") || !strings.Contains(why, "(1 month)") {
		t.Errorf("RV-03: %s", why)
	}
	for _, res := range []Result{r, p.screen(t, pack, "2020-02-16", 0)} {
		for _, f := range res.Fired {
			for _, bad := range []string{"(s)", "(ren)", " 1 days", " 1 months", " 1 hours", " 1 extensions"} {
				if strings.Contains(f.Reason, bad) {
					t.Errorf("%s: %q in %s", f.Rule, bad, f.Reason)
				}
			}
		}
	}
}
