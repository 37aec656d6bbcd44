package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// testStrata: the outbreak model's strata on a date: age in completed years
// on the date (a birthday moves a person on that very day), chronic illness
// in force, housing from the cell's recorded capacity, people not held and
// flags that ended left out.
func testStrata(t *testing.T, s store.Store) {
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
	b.Facility(d("2020-01-01"), "PJ", "PJ", domain.Prison, 300, "GDP")
	b.Cell(d("2020-01-01"), "CC1", domain.CellData{Label: "BIG", AreaM2: 400, Capacity: 150, Category: "men"})
	b.Cell(d("2020-01-01"), "CC1", domain.CellData{Label: "SMALL", AreaM2: 12, Capacity: 4, Category: "men"})
	b.Cell(d("2020-01-01"), "PJ", domain.CellData{Label: "TEN", AreaM2: 30, Capacity: 10, Category: "men"})
	admit := func(id string, dob domain.Date, fac, cell string) {
		b.Register(d("2024-01-01"), id, Man(id, dob))
		b.Admit(d("2024-01-02"), id, fac, Held(domain.StatusPretrial, cell))
	}
	// A turns 65 on 2024-06-10; B is 85 throughout; C has no known date of
	// birth and no cell; D is chronically ill from 1 March; E is in a cell
	// of exactly the dormitory threshold; F, chronically ill, is released
	// on 1 June; G is in a cell the estate does not list.
	admit("A", d("1959-06-10"), "CC1", "BIG")
	admit("B", d("1939-01-01"), "CC1", "SMALL")
	admit("C", domain.NoDate, "CC1", "")
	admit("D", d("1980-05-05"), "CC1", "BIG")
	b.Health(d("2024-03-01"), "D", domain.HealthData{Fact: domain.FactChronic, Detail: "diabetes"})
	admit("E", d("2000-01-01"), "PJ", "TEN")
	admit("F", d("1990-01-01"), "PJ", "TEN")
	b.Health(d("2024-01-02"), "F", domain.HealthData{Fact: domain.FactChronic, Detail: "TB"})
	b.Release(d("2024-06-01"), "F", domain.MechBail)
	admit("G", d("1990-01-01"), "PJ", "NOWHERE")
	b.Append(t, s)

	bands := []int{0, 18, 45, 55, 65, 75, 85}
	type sr = store.StratumRow
	row := func(f string, band int, chronic bool, h store.Housing, n int) sr {
		return sr{Facility: f, AgeBand: band, Chronic: chronic, Housing: h, Count: n}
	}
	dorm, cell, unk := store.HousingDormitory, store.HousingCell, store.HousingUnknown
	for _, c := range []struct {
		on   string
		want []sr
	}{
		{"2024-01-01", nil},
		{"2024-02-01", []sr{
			row("CC1", -1, false, unk, 1), row("CC1", 18, false, dorm, 1), row("CC1", 55, false, dorm, 1), row("CC1", 85, false, cell, 1),
			row("PJ", 18, false, dorm, 1), row("PJ", 18, true, dorm, 1), row("PJ", 18, false, unk, 1)}},
		{"2024-03-01", []sr{
			row("CC1", -1, false, unk, 1), row("CC1", 18, true, dorm, 1), row("CC1", 55, false, dorm, 1), row("CC1", 85, false, cell, 1),
			row("PJ", 18, false, dorm, 1), row("PJ", 18, true, dorm, 1), row("PJ", 18, false, unk, 1)}},
		{"2024-06-09", []sr{
			row("CC1", -1, false, unk, 1), row("CC1", 18, true, dorm, 1), row("CC1", 55, false, dorm, 1), row("CC1", 85, false, cell, 1),
			row("PJ", 18, false, dorm, 1), row("PJ", 18, false, unk, 1)}},
		{"2024-06-10", []sr{
			row("CC1", -1, false, unk, 1), row("CC1", 18, true, dorm, 1), row("CC1", 65, false, dorm, 1), row("CC1", 85, false, cell, 1),
			row("PJ", 18, false, dorm, 1), row("PJ", 18, false, unk, 1)}},
	} {
		got, err := s.Strata(t.Context(), d(c.on), bands, 10)
		fatalIf(t, err, "Strata")
		key := func(r sr) string {
			return fmt.Sprintf("%s/%d/%v/%s/%d", r.Facility, r.AgeBand, r.Chronic, r.Housing, r.Count)
		}
		gk, wk := []string{}, []string{}
		for _, r := range got {
			gk = append(gk, key(r))
		}
		for _, r := range c.want {
			wk = append(wk, key(r))
		}
		slices.Sort(gk)
		slices.Sort(wk)
		if !slices.Equal(gk, wk) {
			t.Errorf("strata on %s:\n got %v\nwant %v", c.on, gk, wk)
		}
	}
	// A threshold above every cell: all cells.
	got, err := s.Strata(t.Context(), d("2024-02-01"), bands, 1000)
	fatalIf(t, err, "Strata")
	for _, r := range got {
		if r.Housing == dorm {
			t.Errorf("a dormitory with threshold 1000: %+v", r)
		}
	}
	if _, err := s.Strata(t.Context(), d("2024-02-01"), []int{18, 65}, 10); err == nil {
		t.Error("bands not starting at 0 accepted")
	}

	// StrataOf: the same counts over some people only. A plan's people
	// who are no longer held (F after 1 June) or never were (Z) count
	// nowhere; an empty list counts no one.
	for _, c := range []struct {
		on   string
		ids  []string
		want []sr
	}{
		{"2024-03-01", []string{"A", "D", "F", "G", "Z"}, []sr{
			row("CC1", 18, true, dorm, 1), row("CC1", 55, false, dorm, 1), row("PJ", 18, true, dorm, 1), row("PJ", 18, false, unk, 1)}},
		{"2024-06-10", []string{"A", "D", "F", "G", "Z"}, []sr{
			row("CC1", 18, true, dorm, 1), row("CC1", 65, false, dorm, 1), row("PJ", 18, false, unk, 1)}},
		{"2024-06-10", []string{"B", "C", "E"}, []sr{
			row("CC1", -1, false, unk, 1), row("CC1", 85, false, cell, 1), row("PJ", 18, false, dorm, 1)}},
		{"2024-06-10", nil, nil},
	} {
		got, err := s.StrataOf(t.Context(), d(c.on), c.ids, bands, 10)
		fatalIf(t, err, "StrataOf")
		key := func(r sr) string {
			return fmt.Sprintf("%s/%d/%v/%s/%d", r.Facility, r.AgeBand, r.Chronic, r.Housing, r.Count)
		}
		gk, wk := []string{}, []string{}
		for _, r := range got {
			gk = append(gk, key(r))
		}
		for _, r := range c.want {
			wk = append(wk, key(r))
		}
		slices.Sort(gk)
		slices.Sort(wk)
		if !slices.Equal(gk, wk) {
			t.Errorf("strata of %v on %s:\n got %v\nwant %v", c.ids, c.on, gk, wk)
		}
	}
	// More people than one IN list holds: the chunks' counts add up.
	many := []string{"A", "B", "C", "D", "E", "G"}
	for i := range 1200 {
		many = append(many, fmt.Sprintf("nobody-%d", i))
	}
	got, err = s.StrataOf(t.Context(), d("2024-06-10"), many, bands, 10)
	fatalIf(t, err, "StrataOf")
	total := 0
	for _, r := range got {
		total += r.Count
	}
	if total != 6 {
		t.Errorf("StrataOf over 1,206 ids, 6 of them held: counted %d", total)
	}
}
