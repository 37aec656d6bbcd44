package storetest

import (
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

func testFacilities(t *testing.T, s store.Store) {
	ctx := t.Context()
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "CC1", "Prey Sar CC1", domain.CorrectionalCentre, 1600, "GDP report 2019")
	b.Facility(d("2021-06-01"), "CC2", "Prey Sar CC2", domain.CorrectionalCentre, 300, "GDP report 2020")
	b.Append(t, s)

	b = l.Begin(t, s)
	b.Facility(d("2023-01-01"), "CC1", "Correctional Centre 1", domain.CorrectionalCentre, 1800, "sub-decree 2022")
	b.Facility(d("2023-01-01"), "DC", "Drug centre", domain.DrugCentre, 1200, "")
	b.Append(t, s)

	got, err := s.Facilities(ctx)
	fatalIf(t, err, "Facilities")
	sameSet(t, "Facilities", got, []store.Facility{
		{ID: "CC1", Name: "Correctional Centre 1", Kind: domain.CorrectionalCentre, Province: "Phnom Penh", Capacity: 1800,
			CapacityDate: d("2023-01-01"), CapacitySource: "sub-decree 2022"},
		{ID: "CC2", Name: "Prey Sar CC2", Kind: domain.CorrectionalCentre, Province: "Phnom Penh", Capacity: 300,
			CapacityDate: d("2021-06-01"), CapacitySource: "GDP report 2020"},
		{ID: "DC", Name: "Drug centre", Kind: domain.DrugCentre, Province: "Phnom Penh", Capacity: 1200,
			CapacityDate: d("2023-01-01")},
	})
	caps, err := s.Capacities(ctx)
	fatalIf(t, err, "Capacities")
	cc1a := store.Capacity{Facility: "CC1", From: d("2020-01-01"), Capacity: 1600, Source: "GDP report 2019"}
	cc1b := store.Capacity{Facility: "CC1", From: d("2023-01-01"), Capacity: 1800, Source: "sub-decree 2022"}
	cc2 := store.Capacity{Facility: "CC2", From: d("2021-06-01"), Capacity: 300, Source: "GDP report 2020"}
	dc := store.Capacity{Facility: "DC", From: d("2023-01-01"), Capacity: 1200}
	sameSet(t, "Capacities (the history)", caps, []store.Capacity{cc1a, cc1b, cc2, dc})

	for _, c := range []struct {
		on   string
		want []store.Capacity
	}{
		{"2019-12-31", nil},
		{"2020-01-01", []store.Capacity{cc1a}},
		{"2021-05-31", []store.Capacity{cc1a}},
		{"2021-06-01", []store.Capacity{cc1a, cc2}},
		{"2022-12-31", []store.Capacity{cc1a, cc2}},
		{"2023-01-01", []store.Capacity{cc1b, cc2, dc}},
		{"2030-01-01", []store.Capacity{cc1b, cc2, dc}},
	} {
		got, err := s.CapacityOn(ctx, d(c.on))
		fatalIf(t, err, "CapacityOn")
		sameSet(t, "CapacityOn("+c.on+")", got, c.want)
	}
}

func testCellsCensus(t *testing.T, s store.Store) {
	ctx := t.Context()
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
	b.Facility(d("2020-01-01"), "CC2", "CC2", domain.CorrectionalCentre, 300, "GDP")
	b.Cell(d("2020-01-01"), "CC1", domain.CellData{Label: "A", AreaM2: 40.5, Capacity: 20, Category: "men"})
	b.Cell(d("2020-01-01"), "CC1", domain.CellData{Label: "B", AreaM2: 12, Capacity: 6, Category: "untried"})
	b.Cell(d("2020-01-01"), "CC2", domain.CellData{Label: "A", AreaM2: 30.25, Capacity: 15, Category: "women"})
	c1 := b.Census(d("2022-12-31"), "CC1", "pretrial", 1200, "annual report")
	c2 := b.Census(d("2022-12-31"), "CC2", "women", 45, "monitoring visit")
	b.Append(t, s)

	cells, err := s.Cells(ctx)
	fatalIf(t, err, "Cells")
	cc1A := store.Cell{Facility: "CC1", Label: "A", AreaM2: 40.5, Capacity: 20, Category: "men"}
	cc1B := store.Cell{Facility: "CC1", Label: "B", AreaM2: 12, Capacity: 6, Category: "untried"}
	cc2A := store.Cell{Facility: "CC2", Label: "A", AreaM2: 30.25, Capacity: 15, Category: "women"}
	sameSet(t, "Cells", cells, []store.Cell{cc1A, cc1B, cc2A})
	cens, err := s.Census(ctx)
	fatalIf(t, err, "Census")
	k1 := store.Census{Seq: c1, Facility: "CC1", Date: d("2022-12-31"), Category: "pretrial", Count: 1200, Source: "annual report"}
	k2 := store.Census{Seq: c2, Facility: "CC2", Date: d("2022-12-31"), Category: "women", Count: 45, Source: "monitoring visit"}
	sameSet(t, "Census", cens, []store.Census{k1, k2})

	// A cell changes; a census is corrected (its row is replaced by Seq); a
	// new census is added.
	b = l.Begin(t, s)
	b.Cell(d("2024-01-01"), "CC1", domain.CellData{Label: "A", AreaM2: 40.5, Capacity: 25, Category: "men"})
	b.CorrectCensus(d("2024-01-05"), c1, "CC1", d("2022-12-31"), domain.CensusData{Category: "pretrial", Count: 1250, Source: "annual report, erratum"})
	c3 := b.Census(d("2023-12-31"), "CC1", "pretrial", 1400, "annual report")
	b.Append(t, s)

	cells, err = s.Cells(ctx)
	fatalIf(t, err, "Cells")
	cc1A.Capacity = 25
	sameSet(t, "Cells after a change", cells, []store.Cell{cc1A, cc1B, cc2A})
	cens, err = s.Census(ctx)
	fatalIf(t, err, "Census")
	k1.Count, k1.Source = 1250, "annual report, erratum"
	k3 := store.Census{Seq: c3, Facility: "CC1", Date: d("2023-12-31"), Category: "pretrial", Count: 1400, Source: "annual report"}
	sameSet(t, "Census after a correction", cens, []store.Census{k1, k2, k3})
}

func testPersons(t *testing.T, s store.Store) {
	ctx := t.Context()
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
	b.Register(d("2024-01-01"), "A", Man("Sok Dara", d("1990-04-02")))
	b.Admit(d("2024-01-02"), "A", "CC1", Held(domain.StatusPretrial, "A1", TheftCharge))
	unknown := Woman("Nguyen Thi Lan", domain.NoDate)
	unknown.Nationality = "VN"
	b.Register(d("2024-01-03"), "B", unknown)
	b.Register(d("2024-01-01"), "C", Man("Chea Vuthy", d("2000-12-31")))
	b.Admit(d("2024-01-05"), "C", "CC1", Held(domain.StatusPolice, "A2"))
	b.Release(d("2024-01-07"), "C", domain.MechDropped)
	b.Append(t, s)

	ex, err := s.PersonExists(ctx, []string{"A", "B", "C", "Z"})
	fatalIf(t, err, "PersonExists")
	for id, want := range map[string]bool{"A": true, "B": true, "C": true, "Z": false} {
		if ex[id] != want {
			t.Errorf("PersonExists(%s) = %v, want %v", id, ex[id], want)
		}
	}
	if ex, err := s.PersonExists(ctx, nil); err != nil || len(ex) != 0 {
		t.Errorf("PersonExists(nil) = %v, %v", ex, err)
	}

	ps, err := s.Persons(ctx, []string{"A", "B", "C", "Z"})
	fatalIf(t, err, "Persons")
	if _, ok := ps["Z"]; ok || len(ps) != 3 {
		t.Errorf("Persons returned %d persons (Z present: %v), want A, B, C", len(ps), ok)
	}
	for _, id := range []string{"A", "B", "C"} {
		if want := store.PersonOf(l.File(id)); ps[id] != want {
			t.Errorf("Persons[%s] =\n %+v, want\n %+v", id, ps[id], want)
		}
	}
	// The same, stated by hand.
	a := store.Person{ID: "A", Name: "Sok Dara", Sex: domain.Male, DOB: d("1990-04-02"), DOBBasis: domain.DOBDocument,
		Nationality: "KH", InCustody: true, Facility: "CC1", Cell: "A1", Status: domain.StatusPretrial,
		Admitted: d("2024-01-02"), LastDate: d("2024-01-02")}
	if ps["A"] != a {
		t.Errorf("Persons[A] = %+v, want %+v", ps["A"], a)
	}
	bp := store.Person{ID: "B", Name: "Nguyen Thi Lan", Sex: domain.Female, DOBBasis: domain.DOBUnknown,
		Nationality: "VN", LastDate: d("2024-01-03")}
	if ps["B"] != bp {
		t.Errorf("Persons[B] = %+v, want %+v", ps["B"], bp)
	}
	c := ps["C"]
	if c.InCustody || c.ExitKind != domain.KRelease || c.ExitDate != d("2024-01-07") || c.Mechanism != domain.MechDropped ||
		c.Facility != "CC1" || c.Admitted != d("2024-01-05") {
		t.Errorf("Persons[C] = %+v, want released on 2024-01-07, charges dropped", c)
	}
	ps, err = s.Persons(ctx, []string{"B"})
	fatalIf(t, err, "Persons")
	if len(ps) != 1 || ps["B"] != bp {
		t.Errorf("Persons([B]) = %+v", ps)
	}
}

// testReplacePersons appends later batches for a person already stored: their
// projections are replaced, not added to.
func testReplacePersons(t *testing.T, s store.Store) {
	ctx := t.Context()
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
	b.Facility(d("2020-01-01"), "CC2", "CC2", domain.CorrectionalCentre, 300, "GDP")
	b.Register(d("2024-03-01"), "A", Man("Sok Dara", d("1990-04-02")))
	b.Admit(d("2024-03-01"), "A", "CC1", Held(domain.StatusPretrial, "C1", TheftCharge))
	b.Health(d("2024-03-05"), "A", domain.HealthData{Fact: domain.FactChronic, Detail: "diabetes"})
	b.Register(d("2024-03-01"), "B", Man("Keo Rith", d("1970-01-01")))
	b.Admit(d("2024-03-01"), "B", "CC1", Held(domain.StatusPretrial, "C1"))
	batch := b.Append(t, s)
	if !batch.NewPersons {
		t.Fatal("helper: the first batch should have new persons")
	}
	year := func() (domain.Date, domain.Date) { return d("2024-01-01"), d("2024-12-31") }

	// A is released: the open stay, episode and flag are replaced by closed ones.
	b = l.Begin(t, s)
	rel := b.Release(d("2024-06-10"), "A", domain.MechBail)
	batch = b.Append(t, s)
	if batch.NewPersons || len(batch.Persons) != 1 {
		t.Fatal("helper: the release batch should replace one person")
	}
	check := func(stage string, inOn []string, outOn []string) {
		t.Helper()
		for _, on := range inOn {
			if n := popCount(population(t, s, d(on)), nil); n != 2 {
				t.Errorf("%s: population on %s = %d, want 2 (A and B)", stage, on, n)
			}
		}
		for _, on := range outOn {
			if n := popCount(population(t, s, d(on)), nil); n != 1 {
				t.Errorf("%s: population on %s = %d, want 1 (B)", stage, on, n)
			}
		}
		all, _, err := s.Admissions(ctx, d("2024-01-01"), d("2024-12-31"))
		fatalIf(t, err, "Admissions")
		sameSet(t, stage+": admissions", all, []store.FacilityCount{{Facility: "CC1", Count: 2}})
		expectDigests(t, s, l.Files())
		ps, err := s.Persons(ctx, []string{"A", "B"})
		fatalIf(t, err, "Persons")
		for _, id := range []string{"A", "B"} {
			if want := store.PersonOf(l.File(id)); ps[id] != want {
				t.Errorf("%s: Persons[%s] = %+v, want %+v", stage, id, ps[id], want)
			}
		}
	}
	check("after release", []string{"2024-03-01", "2024-06-09"}, []string{"2024-06-10", "2025-01-01"})
	if p := l.File("A"); p.State.InCustody || p.State.Mechanism != domain.MechBail {
		t.Fatal("helper: A's file should show the release")
	}
	from, to := year()
	rels, err := s.Releases(ctx, from, to)
	fatalIf(t, err, "Releases")
	sameSet(t, "releases after release", rels, []store.MechanismCount{{Facility: "CC1", Mechanism: domain.MechBail, Count: 1}})
	sameSet(t, "flags while held", flagsOn(t, s, d("2024-06-09")), []store.FlagRow{{Facility: "CC1", Kind: domain.FlagChronic, Count: 1}})
	sameSet(t, "flags after release", flagsOn(t, s, d("2024-06-10")), nil)

	// The release is voided: A was held throughout, and the release is gone.
	b = l.Begin(t, s)
	b.Void(d("2024-07-01"), "A", rel, domain.KRelease)
	b.Append(t, s)
	check("after voiding the release", []string{"2024-03-01", "2024-06-10", "2025-01-01"}, nil)
	rels, err = s.Releases(ctx, from, to)
	fatalIf(t, err, "Releases")
	sameSet(t, "releases after voiding", rels, nil)
	sameSet(t, "flags after voiding", flagsOn(t, s, d("2024-06-10")), []store.FlagRow{{Facility: "CC1", Kind: domain.FlagChronic, Count: 1}})

	// A is transferred: population moves from CC1 to CC2 on the day.
	b = l.Begin(t, s)
	b.Transfer(d("2024-08-01"), "A", "CC2", "K1")
	b.Append(t, s)
	check("after transfer", []string{"2024-07-31", "2024-08-01"}, nil)
	if n := popCount(population(t, s, d("2024-08-01")), atFacility("CC2")); n != 1 {
		t.Errorf("population of CC2 after the transfer = %d, want 1", n)
	}
	if n := popCount(population(t, s, d("2024-07-31")), atFacility("CC2")); n != 0 {
		t.Errorf("population of CC2 the day before the transfer = %d, want 0", n)
	}
	ps, err := s.Persons(ctx, []string{"A"})
	fatalIf(t, err, "Persons")
	if ps["A"].Facility != "CC2" || ps["A"].Cell != "K1" || !ps["A"].InCustody {
		t.Errorf("Persons[A] after the transfer = %+v", ps["A"])
	}
}
