package monitor

import (
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

func ip(n int) *int                  { return &n }
func fp(f float64) *float64          { return &f }
func eqf(p *float64, f float64) bool { return p != nil && *p == f }

// Indicators worked out by hand: a dormitory of 60 m² holding 85 people with
// 200 L a day and one toilet, a single cell of 6 m² for one person with 5 L,
// and a cell of 20 m² with nobody in it and no water measured.
func TestIndicatorsByHand(t *testing.T) {
	ev := &domain.Event{Kind: domain.KVisit, Facility: "CC1", Date: domain.MustDate("2020-06-30")}
	v := &domain.VisitData{ID: "v1", Team: []string{"a"}, Observed: domain.HeadCount{Total: ip(900)}, Cells: []domain.CellMeasure{
		{Label: "B4", Use: domain.CellDormitory, AreaM2: 60, People: 85, LitresPerDay: fp(200), Toilets: ip(1)},
		{Label: "S1", Use: domain.CellSingle, AreaM2: 6, People: 1, LitresPerDay: fp(5), Toilets: ip(1)},
		{Label: "E", Use: domain.CellDormitory, AreaM2: 20, People: 0},
	}}
	got := Indicators(ev, v, DefaultParams)
	// B4: 60/85 = 0.7059 m² (below 3.4), 200/85 = 2.3529 L (below 3), 85 per toilet.
	b4 := got.Cells[0]
	if !eqf(b4.M2PerPerson, 0.71) || !b4.BelowSpace || !eqf(b4.LitresPerPers, 2.35) || !b4.BelowWater || !eqf(b4.PeoplePerToil, 85) || b4.StandardM2 != 3.4 {
		t.Errorf("B4: %+v", b4)
	}
	// S1: 6 m² for one, above 5.4; 5 L, above 3.
	s1 := got.Cells[1]
	if !eqf(s1.M2PerPerson, 6) || s1.BelowSpace || s1.BelowWater || s1.StandardM2 != 5.4 {
		t.Errorf("S1: %+v", s1)
	}
	// E: nobody, so no ratio, and not below any standard.
	if e := got.Cells[2]; e.M2PerPerson != nil || e.BelowSpace || e.LitresPerPers != nil {
		t.Errorf("empty cell: %+v", e)
	}
	// Over the cells: 86 m² for 86 people = 1; toilets 86/2 = 43; water
	// measured in B4 and S1 only: 205 L for 86 people = 2.3837.
	if !eqf(got.M2PerPerson, 1) || !eqf(got.PeoplePerToil, 43) || !eqf(got.LitresPerPers, 2.38) {
		t.Errorf("visit: m² %v toilets %v water %v", deref(got.M2PerPerson), deref(got.PeoplePerToil), deref(got.LitresPerPers))
	}
	if got.MostCrowded != "B4" || got.BelowSpace != 1 || got.BelowWater != 1 {
		t.Errorf("most crowded %q, below space %d, below water %d", got.MostCrowded, got.BelowSpace, got.BelowWater)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// The register's figures of a day by category, from population rows.
func TestRegisterOn(t *testing.T) {
	rows := []store.PopRow{
		{Facility: "CC1", Sex: domain.Male, Status: domain.StatusPretrial, AgeBand: 18, Count: 30},
		{Facility: "CC1", Sex: domain.Male, Status: domain.StatusFinal, AgeBand: 14, Count: 2},
		{Facility: "CC1", Sex: domain.Female, Status: domain.StatusFinal, AgeBand: -1, Count: 5},
		{Facility: "CC2", Sex: domain.Female, Status: domain.StatusPretrial, AgeBand: 60, Count: 1},
	}
	got := registerOn(rows)
	want := map[string]int{"total": 37, "men": 32, "women": 5, "children": 2, "pretrial": 30}
	for k, n := range want {
		if got["CC1"][k] != n {
			t.Errorf("CC1 %s: %d, want %d", k, got["CC1"][k], n)
		}
	}
	if got["CC2"]["pretrial"] != 1 || got["CC2"]["men"] != 0 {
		t.Errorf("CC2: %v", got["CC2"])
	}
}

// A discrepancy is flagged when it exceeds both 10% and 10 people.
func TestCompare(t *testing.T) {
	for _, c := range []struct {
		obs, off int
		diff     int
		pct      float64 // 999: none
		flagged  bool
	}{
		{900, 477, 423, 88.7, true},
		{105, 100, 5, 5, false},      // neither
		{120, 100, 20, 20, true},     // both
		{1015, 1000, 15, 1.5, false}, // 15 people, but 1.5%
		{15, 3, 12, 400, true},
		{13, 3, 10, 333.3, false}, // 10 people is not more than 10
		{8, 0, 8, 999, false},
		{40, 0, 40, 999, true},
		{85, 100, -15, -15, true}, // fewer observed than the register says
	} {
		d, pct, f := compare(c.obs, c.off, DefaultParams)
		if *d != c.diff || f != c.flagged || (c.pct == 999) != (pct == nil) || (pct != nil && *pct != c.pct) {
			t.Errorf("%d against %d: %d, %v, %v; want %d, %v, %v", c.obs, c.off, *d, deref(pct), f, c.diff, c.pct, c.flagged)
		}
	}
}
