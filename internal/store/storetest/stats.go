package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

func testPopulationBoundaries(t *testing.T, s store.Store) {
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
	b.Facility(d("2020-01-01"), "CC2", "CC2", domain.CorrectionalCentre, 300, "GDP")
	// A: held in CC1 from 10 March to 20 August 2024 (released that day).
	b.Register(d("2024-03-01"), "A", Man("A", d("1990-01-01")))
	b.Admit(d("2024-03-10"), "A", "CC1", Held(domain.StatusPretrial, "C1"))
	b.Release(d("2024-08-20"), "A", domain.MechBail)
	// B: admitted to CC1 on 10 March, transferred to CC2 on 1 May.
	b.Register(d("2024-03-01"), "B", Man("B", d("1990-01-01")))
	b.Admit(d("2024-03-10"), "B", "CC1", Held(domain.StatusPretrial, "C1"))
	b.Transfer(d("2024-05-01"), "B", "CC2", "K1")
	// C: admitted and released on the same day: never counted.
	b.Register(d("2024-04-01"), "C", Man("C", d("1990-01-01")))
	b.Admit(d("2024-04-02"), "C", "CC1", Held(domain.StatusPolice, "C1"))
	b.Release(d("2024-04-02"), "C", domain.MechDropped)
	// D: dies on 1 June; E: escapes on 1 July (both leave the count that day).
	b.Register(d("2024-03-01"), "D", Man("D", d("1950-01-01")))
	b.Admit(d("2024-03-10"), "D", "CC2", Held(domain.StatusFinal, "K1"))
	b.Death(d("2024-06-01"), "D")
	b.Register(d("2024-03-01"), "E", Man("E", d("1990-01-01")))
	b.Admit(d("2024-03-11"), "E", "CC2", Held(domain.StatusFinal, "K1"))
	b.Escape(d("2024-07-01"), "E")
	// F: released on 1 April, admitted again on 1 April to the other centre.
	b.Register(d("2024-03-01"), "F", Man("F", d("1990-01-01")))
	b.Admit(d("2024-03-12"), "F", "CC1", Held(domain.StatusPolice, "C1"))
	b.Release(d("2024-04-01"), "F", domain.MechBail)
	b.Admit(d("2024-04-01"), "F", "CC2", Held(domain.StatusPretrial, "K1"))
	b.Append(t, s)

	for _, c := range []struct {
		on       string
		cc1, cc2 int
	}{
		{"2024-03-09", 0, 0},
		{"2024-03-10", 2, 1}, // A, B admitted; D
		{"2024-03-11", 2, 2}, // + E
		{"2024-03-12", 3, 2}, // + F
		{"2024-03-31", 3, 2}, //
		{"2024-04-01", 2, 3}, // F released from CC1 and admitted to CC2
		{"2024-04-02", 2, 3}, // C in and out
		{"2024-04-30", 2, 3}, //
		{"2024-05-01", 1, 4}, // B to CC2
		{"2024-05-31", 1, 4}, //
		{"2024-06-01", 1, 3}, // D dies
		{"2024-06-30", 1, 3}, //
		{"2024-07-01", 1, 2}, // E escapes
		{"2024-08-19", 1, 2}, // the day before A's release
		{"2024-08-20", 0, 2}, // A released
		{"2099-12-31", 0, 2}, // open stays last
		{"9999-12-30", 0, 2}, // even at the end of time
		{"1900-01-01", 0, 0}, // long before
	} {
		rows := population(t, s, d(c.on))
		if g1, g2 := popCount(rows, atFacility("CC1")), popCount(rows, atFacility("CC2")); g1 != c.cc1 || g2 != c.cc2 {
			t.Errorf("population on %s: CC1 %d, CC2 %d; want %d, %d", c.on, g1, g2, c.cc1, c.cc2)
		}
		for _, r := range rows {
			if r.Count <= 0 {
				t.Errorf("population on %s has a row with count %d: %+v", c.on, r.Count, r)
			}
		}
	}
}

func testPopulationGroups(t *testing.T, s store.Store) {
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
	b.Facility(d("2020-01-01"), "CC2", "CC2", domain.CorrectionalCentre, 300, "GDP")
	b.Facility(d("2020-01-01"), "DC", "Drug centre", domain.DrugCentre, 1200, "GDP")
	reg := func(id string, p domain.PersonData) { b.Register(d("2024-01-01"), id, p) }
	// Two men aged 30 on 2024-06-01, pre-trial, drug charge, in CC1: one row of 2.
	reg("M1", Man("M1", d("1994-01-15")))
	reg("M2", Man("M2", d("1993-06-02"))) // 30 on 2024-06-01 (31 the day after)
	b.Admit(d("2024-02-01"), "M1", "CC1", Held(domain.StatusPretrial, "C1", DrugCharge))
	b.Admit(d("2024-02-01"), "M2", "CC1", Held(domain.StatusPretrial, "C2", DrugCharge, TheftCharge))
	// A man of 30 in CC1, pre-trial, theft only.
	reg("M3", Man("M3", d("1994-03-03")))
	b.Admit(d("2024-02-01"), "M3", "CC1", Held(domain.StatusPretrial, "C1", TheftCharge))
	// A woman of 50 in CC2: police custody, then a detention order (pre-trial)
	// on 1 March, then convicted (appeal pending) on 1 June.
	reg("W1", Woman("W1", d("1974-05-05")))
	b.Admit(d("2024-02-10"), "W1", "CC2", Held(domain.StatusPolice, "K1", TheftCharge))
	b.Order(d("2024-03-01"), "W1", domain.StatusPretrial)
	b.Convict(d("2024-06-01"), "W1", 24, false)
	// A woman of unknown age in CC2, final, gains a drug charge on 1 June.
	reg("W2", Woman("W2", domain.NoDate))
	b.Admit(d("2024-02-10"), "W2", "CC2", Held(domain.StatusFinal, "K1", TheftCharge))
	b.Charges(d("2024-06-01"), "W2", TheftCharge, DrugCharge)
	// A person of other sex aged 70 in a drug centre.
	old := identity("X1", domain.OtherSex, d("1954-01-01"))
	reg("X1", old)
	b.Admit(d("2024-03-01"), "X1", "DC", Held(domain.StatusDrugCentre, "D1"))
	// Released before the date: not counted.
	reg("R1", Man("R1", d("1994-01-15")))
	b.Admit(d("2024-02-01"), "R1", "CC1", Held(domain.StatusPretrial, "C1", DrugCharge))
	b.Release(d("2024-05-01"), "R1", domain.MechBail)
	b.Append(t, s)

	row := func(f string, sex domain.Sex, st domain.LegalStatus, drug bool, band, n int) store.PopRow {
		return store.PopRow{Facility: f, Sex: sex, Status: st, Drug: drug, AgeBand: band, Count: n}
	}
	sameSet(t, "Population(2024-05-31)", population(t, s, d("2024-05-31")), []store.PopRow{
		row("CC1", domain.Male, domain.StatusPretrial, true, 20, 2),
		row("CC1", domain.Male, domain.StatusPretrial, false, 20, 1),
		row("CC2", domain.Female, domain.StatusPretrial, false, 45, 1),
		row("CC2", domain.Female, domain.StatusFinal, false, -1, 1),
		row("DC", domain.OtherSex, domain.StatusDrugCentre, false, 65, 1),
	})
	sameSet(t, "Population(2024-06-01)", population(t, s, d("2024-06-01")), []store.PopRow{
		row("CC1", domain.Male, domain.StatusPretrial, true, 20, 2),
		row("CC1", domain.Male, domain.StatusPretrial, false, 20, 1),
		row("CC2", domain.Female, domain.StatusAppeal, false, 45, 1),
		row("CC2", domain.Female, domain.StatusFinal, true, -1, 1),
		row("DC", domain.OtherSex, domain.StatusDrugCentre, false, 65, 1),
	})
	sameSet(t, "Population(2024-02-29)", population(t, s, d("2024-02-29")), []store.PopRow{
		row("CC1", domain.Male, domain.StatusPretrial, true, 20, 3),
		row("CC1", domain.Male, domain.StatusPretrial, false, 20, 1),
		row("CC2", domain.Female, domain.StatusPolice, false, 45, 1),
		row("CC2", domain.Female, domain.StatusFinal, false, -1, 1),
	})
}

// ageBand is the band of an age by the default bands, those of the stores
// the suite is given.
func ageBand(age int) int { return domain.AgeBandOf(domain.AgeBands(), age) }

func testAgeBands(t *testing.T, s store.Store) {
	cases := []struct {
		dob, on string
		band    int
	}{
		{"2010-06-15", "2024-06-14", 0},
		{"2010-06-15", "2024-06-15", 14},
		{"2010-06-15", "2026-06-14", 14},
		{"2010-06-15", "2026-06-15", 16},
		{"2010-06-15", "2028-06-14", 16},
		{"2010-06-15", "2028-06-15", 18},
		{"2010-06-15", "2030-06-14", 18},
		{"2010-06-15", "2030-06-15", 20},
		// Born on 29 February: a year older on 1 March in common years, on
		// 29 February in leap years.
		{"2008-02-29", "2022-02-28", 0},
		{"2008-02-29", "2022-03-01", 14},
		{"2008-02-29", "2024-02-28", 14},
		{"2008-02-29", "2024-02-29", 16},
		{"2008-02-29", "2026-02-28", 16},
		{"2008-02-29", "2026-03-01", 18},
		{"1979-05-05", "2024-05-04", 20},
		{"1979-05-05", "2024-05-05", 45},
		{"1969-12-31", "2024-12-30", 45},
		{"1969-12-31", "2024-12-31", 55},
		{"1964-07-01", "2024-06-30", 55},
		{"1964-07-01", "2024-07-01", 60},
		{"1959-01-01", "2023-12-31", 60},
		{"1959-01-01", "2024-01-01", 65},
		{"1930-01-01", "2024-01-01", 65},
		{"", "2024-01-01", -1},
	}
	if got := s.AgeBands(); !slices.Equal(got, domain.AgeBands()) {
		t.Fatalf("AgeBands = %v, want the default %v", got, domain.AgeBands())
	}
	l := NewLedger()
	b := l.Begin(t, s)
	// One facility per person, so each row is one person.
	dobs := map[string]string{}
	for _, c := range cases {
		if _, ok := dobs[c.dob]; ok {
			continue
		}
		id := fmt.Sprintf("AGE-%d", len(dobs))
		dobs[c.dob] = id
		dob := domain.NoDate
		if c.dob != "" {
			dob = d(c.dob)
		}
		b.Facility(d("2000-01-01"), id, id, domain.JuvenileCentre, 10, "")
		b.Register(d("2020-01-01"), id, Man(id, dob))
		b.Admit(d("2020-01-01"), id, id, Held(domain.StatusPretrial, "J"))
	}
	b.Append(t, s)
	for _, c := range cases {
		id := dobs[c.dob]
		if c.dob != "" {
			if want := ageBand(d(c.dob).AgeOn(d(c.on))); want != c.band {
				t.Fatalf("suite: age band of %s on %s is %d by AgeBands, the table says %d", c.dob, c.on, want, c.band)
			}
		}
		var got []int
		for _, r := range population(t, s, d(c.on)) {
			if r.Facility == id {
				got = append(got, r.AgeBand)
			}
		}
		if len(got) != 1 || got[0] != c.band {
			t.Errorf("born %q, on %s: age bands %v, want [%d]", c.dob, c.on, got, c.band)
		}
	}
}

func testFlagsOn(t *testing.T, s store.Store) {
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
	b.Facility(d("2020-01-01"), "CC2", "CC2", domain.CorrectionalCentre, 300, "GDP")
	// M: a mother in CC1 with two children (the second leaves on 1 April), a
	// dependent child outside, pregnant from 1 March; released on 1 May.
	b.Register(d("2024-01-01"), "M", Woman("M", d("1995-01-01")))
	b.Admit(d("2024-01-10"), "M", "CC1", Held(domain.StatusPretrial, "W1"))
	b.Health(d("2024-01-10"), "M", domain.HealthData{Fact: domain.FactChildIn, ChildName: "c1", ChildDOB: d("2023-05-01")})
	b.Health(d("2024-01-10"), "M", domain.HealthData{Fact: domain.FactDependent, ChildName: "c0", ChildDOB: d("2015-01-01")})
	b.Health(d("2024-02-01"), "M", domain.HealthData{Fact: domain.FactChildIn, ChildName: "c2", ChildDOB: d("2024-01-20")})
	b.Health(d("2024-03-01"), "M", domain.HealthData{Fact: domain.FactPregnant, Due: d("2024-09-01")})
	b.Health(d("2024-04-01"), "M", domain.HealthData{Fact: domain.FactChildOut, ChildDOB: d("2024-01-20")})
	b.Release(d("2024-05-01"), "M", domain.MechBail)
	// N: pregnant in CC1 from admission until 15 February.
	b.Register(d("2024-01-01"), "N", Woman("N", d("1998-01-01")))
	b.Admit(d("2024-01-15"), "N", "CC1", Held(domain.StatusPretrial, "W1"))
	b.Health(d("2024-01-15"), "N", domain.HealthData{Fact: domain.FactPregnant, Due: d("2024-06-01")})
	b.Health(d("2024-02-15"), "N", domain.HealthData{Fact: domain.FactPregnancyEnd})
	// O: two chronic illnesses (counted once), transferred to CC2 on 1 March,
	// mental illness from 10 March.
	b.Register(d("2024-01-01"), "O", Man("O", d("1960-01-01")))
	b.Admit(d("2024-01-05"), "O", "CC1", Held(domain.StatusFinal, "M1"))
	b.Health(d("2024-01-06"), "O", domain.HealthData{Fact: domain.FactChronic, Detail: "diabetes"})
	b.Health(d("2024-01-07"), "O", domain.HealthData{Fact: domain.FactChronic, Detail: "hypertension"})
	b.Transfer(d("2024-03-01"), "O", "CC2", "K1")
	b.Health(d("2024-03-10"), "O", domain.HealthData{Fact: domain.FactMental})
	// R: disabled, in CC2, released on 10 February: the flag stays open on the
	// file but R is no longer held.
	b.Register(d("2024-01-01"), "R", Man("R", d("1980-01-01")))
	b.Admit(d("2024-01-05"), "R", "CC2", Held(domain.StatusPretrial, "K1"))
	b.Health(d("2024-01-05"), "R", domain.HealthData{Fact: domain.FactDisability})
	b.Release(d("2024-02-10"), "R", domain.MechBail)
	// Q: a second mother with one child, in CC2.
	b.Register(d("2024-01-01"), "Q", Woman("Q", d("1990-01-01")))
	b.Admit(d("2024-01-20"), "Q", "CC2", Held(domain.StatusPretrial, "K2"))
	b.Health(d("2024-01-20"), "Q", domain.HealthData{Fact: domain.FactChildIn, ChildName: "q1", ChildDOB: d("2022-01-01")})
	batch, err := b.Build()
	fatalIf(t, err, "Build")
	// The store counts flags of people held, whatever the fold does with
	// flags at release: the files say that R's disability and M's pregnancy
	// and dependent child outlast their custody (children leave with their
	// mother).
	for _, f := range batch.Persons {
		for i := range f.Flags {
			if (f.ID == "R" || f.ID == "M") && f.Flags[i].Kind != domain.FlagChild {
				f.Flags[i].To = domain.OpenEnd
			}
		}
	}
	fatalIf(t, s.Append(t.Context(), batch), "Append")
	fatalIf(t, l.Commit(b), "Commit to the model")
	type fr = store.FlagRow
	row := func(f string, k domain.FlagKind, n int) fr { return fr{Facility: f, Kind: k, Count: n} }
	for _, c := range []struct {
		on   string
		want []fr
	}{
		{"2024-01-04", nil},
		{"2024-01-05", []fr{row("CC2", domain.FlagDisability, 1)}},
		{"2024-01-06", []fr{row("CC1", domain.FlagChronic, 1), row("CC2", domain.FlagDisability, 1)}},
		{"2024-01-09", []fr{row("CC1", domain.FlagChronic, 1), row("CC2", domain.FlagDisability, 1)}},
		{"2024-01-10", []fr{row("CC1", domain.FlagChronic, 1), row("CC1", domain.FlagChild, 1), row("CC1", domain.FlagDependent, 1),
			row("CC2", domain.FlagDisability, 1)}},
		{"2024-02-01", []fr{row("CC1", domain.FlagChronic, 1), row("CC1", domain.FlagChild, 2), row("CC1", domain.FlagDependent, 1),
			row("CC1", domain.FlagPregnant, 1), row("CC2", domain.FlagDisability, 1), row("CC2", domain.FlagChild, 1)}},
		{"2024-02-10", []fr{row("CC1", domain.FlagChronic, 1), row("CC1", domain.FlagChild, 2), row("CC1", domain.FlagDependent, 1),
			row("CC1", domain.FlagPregnant, 1), row("CC2", domain.FlagChild, 1)}},
		{"2024-02-15", []fr{row("CC1", domain.FlagChronic, 1), row("CC1", domain.FlagChild, 2), row("CC1", domain.FlagDependent, 1),
			row("CC2", domain.FlagChild, 1)}},
		{"2024-03-01", []fr{row("CC2", domain.FlagChronic, 1), row("CC1", domain.FlagChild, 2), row("CC1", domain.FlagDependent, 1),
			row("CC1", domain.FlagPregnant, 1), row("CC2", domain.FlagChild, 1)}},
		{"2024-03-10", []fr{row("CC2", domain.FlagChronic, 1), row("CC2", domain.FlagMental, 1), row("CC1", domain.FlagChild, 2),
			row("CC1", domain.FlagDependent, 1), row("CC1", domain.FlagPregnant, 1), row("CC2", domain.FlagChild, 1)}},
		{"2024-04-01", []fr{row("CC2", domain.FlagChronic, 1), row("CC2", domain.FlagMental, 1), row("CC1", domain.FlagChild, 1),
			row("CC1", domain.FlagDependent, 1), row("CC1", domain.FlagPregnant, 1), row("CC2", domain.FlagChild, 1)}},
		{"2024-04-30", []fr{row("CC2", domain.FlagChronic, 1), row("CC2", domain.FlagMental, 1), row("CC1", domain.FlagChild, 1),
			row("CC1", domain.FlagDependent, 1), row("CC1", domain.FlagPregnant, 1), row("CC2", domain.FlagChild, 1)}},
		// M is released: her pregnancy and dependent flags stay open on the
		// file, but she is no longer held.
		{"2024-05-01", []fr{row("CC2", domain.FlagChronic, 1), row("CC2", domain.FlagMental, 1), row("CC2", domain.FlagChild, 1)}},
		{"2025-01-01", []fr{row("CC2", domain.FlagChronic, 1), row("CC2", domain.FlagMental, 1), row("CC2", domain.FlagChild, 1)}},
	} {
		sameSet(t, "FlagsOn("+c.on+")", flagsOn(t, s, d(c.on)), c.want)
	}
}

func testCellsOn(t *testing.T, s store.Store) {
	ctx := t.Context()
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "PJ", "PJ", domain.Prison, 300, "GDP")
	b.Facility(d("2020-01-01"), "CC2", "CC2", domain.CorrectionalCentre, 300, "GDP")
	n := 0
	admit := func(fac, cell string, count int) {
		for range count {
			n++
			id := fmt.Sprintf("P%02d", n)
			b.Register(d("2024-01-01"), id, Man(id, d("1990-01-01")))
			b.Admit(d("2024-01-02"), id, fac, Held(domain.StatusPretrial, cell))
		}
	}
	admit("PJ", "C1", 4)                       // P01-P04
	admit("PJ", "C2", 1)                       // P05
	admit("CC2", "C1", 2)                      // P06-P07
	admit("CC2", "C2", 1)                      // P08
	admit("CC2", "C3", 1)                      // P09
	admit("PJ", "", 5)                         // P10-P14: no cell yet, in no cell's count
	b.AssignCell(d("2024-02-01"), "P01", "C2") // PJ C1 3, C2 2 from 1 February
	b.Release(d("2024-02-01"), "P09", domain.MechBail)
	b.Transfer(d("2024-03-01"), "P02", "CC2", "C1") // PJ C1 2, CC2 C1 3 from 1 March
	b.AssignCell(d("2024-03-01"), "P10", "C2")      // PJ C2 3 from 1 March
	b.Append(t, s)

	cc := func(f, c string, n int) store.CellCount { return store.CellCount{Facility: f, Cell: c, Count: n} }
	for _, c := range []struct {
		on    string
		limit int
		want  []store.CellCount
	}{
		{"2024-01-01", 10, nil},
		{"2024-01-02", 10, []store.CellCount{cc("PJ", "C1", 4), cc("CC2", "C1", 2), cc("CC2", "C2", 1), cc("CC2", "C3", 1), cc("PJ", "C2", 1)}},
		{"2024-01-02", 2, []store.CellCount{cc("PJ", "C1", 4), cc("CC2", "C1", 2)}},
		{"2024-01-02", 3, []store.CellCount{cc("PJ", "C1", 4), cc("CC2", "C1", 2), cc("CC2", "C2", 1)}},
		{"2024-01-31", 1, []store.CellCount{cc("PJ", "C1", 4)}},
		{"2024-02-01", 10, []store.CellCount{cc("PJ", "C1", 3), cc("CC2", "C1", 2), cc("PJ", "C2", 2), cc("CC2", "C2", 1)}},
		{"2024-03-01", 10, []store.CellCount{cc("CC2", "C1", 3), cc("PJ", "C2", 3), cc("PJ", "C1", 2), cc("CC2", "C2", 1)}},
		{"2024-03-01", 5, []store.CellCount{cc("CC2", "C1", 3), cc("PJ", "C2", 3), cc("PJ", "C1", 2), cc("CC2", "C2", 1)}},
	} {
		got, err := s.CellsOn(ctx, d(c.on), c.limit)
		fatalIf(t, err, "CellsOn")
		sameList(t, fmt.Sprintf("CellsOn(%s, %d)", c.on, c.limit), got, c.want)
	}
}

func testAdmissions(t *testing.T, s store.Store) {
	ctx := t.Context()
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "PJ", "PJ", domain.Prison, 300, "GDP")
	b.Facility(d("2020-01-01"), "CC2", "CC2", domain.CorrectionalCentre, 300, "GDP")
	for _, id := range []string{"A", "B", "C", "D", "E", "F"} {
		b.Register(d("2023-01-01"), id, Man(id, d("1990-01-01")))
	}
	b.Admit(d("2023-12-31"), "D", "PJ", Held(domain.StatusPretrial, "C1", DrugCharge))    // before
	b.Admit(d("2024-01-01"), "A", "PJ", Held(domain.StatusPretrial, "C1", DrugCharge))    // first day
	b.Admit(d("2024-01-10"), "E", "CC2", Held(domain.StatusPretrial, "C1", TheftCharge))  // episode 1
	b.Release(d("2024-01-20"), "E", domain.MechBail)                                      //
	b.Admit(d("2024-01-31"), "B", "PJ", Held(domain.StatusPretrial, "C1", TheftCharge))   // last day; drug later
	b.Admit(d("2024-02-01"), "E", "PJ", Held(domain.StatusPretrial, "C1", DrugCharge))    // episode 2
	b.Admit(d("2024-02-15"), "C", "CC2", Held(domain.StatusPolice, "C1"))                 // transferred later
	b.Charges(d("2024-03-01"), "B", TheftCharge, DrugCharge)                              // B's episode involves drugs
	b.Transfer(d("2024-03-05"), "C", "PJ", "C9")                                          // counted where admitted
	b.Admit(d("2024-12-31"), "F", "CC2", Held(domain.StatusDrugCentre, "C1", DrugCharge)) // last day of the year
	b.Append(t, s)

	fc := func(f string, n int) store.FacilityCount { return store.FacilityCount{Facility: f, Count: n} }
	for _, c := range []struct {
		from, to  string
		all, drug []store.FacilityCount
	}{
		{"2024-01-01", "2024-01-31", []store.FacilityCount{fc("PJ", 2), fc("CC2", 1)}, []store.FacilityCount{fc("PJ", 2)}},
		{"2024-01-02", "2024-01-30", []store.FacilityCount{fc("CC2", 1)}, nil},
		{"2024-02-01", "2024-02-29", []store.FacilityCount{fc("PJ", 1), fc("CC2", 1)}, []store.FacilityCount{fc("PJ", 1)}},
		{"2024-01-01", "2024-12-31", []store.FacilityCount{fc("PJ", 3), fc("CC2", 3)}, []store.FacilityCount{fc("PJ", 3), fc("CC2", 1)}},
		{"2023-12-31", "2023-12-31", []store.FacilityCount{fc("PJ", 1)}, []store.FacilityCount{fc("PJ", 1)}},
		{"2000-01-01", "2100-01-01", []store.FacilityCount{fc("PJ", 4), fc("CC2", 3)}, []store.FacilityCount{fc("PJ", 4), fc("CC2", 1)}},
		{"2025-01-01", "2025-12-31", nil, nil},
		{"2024-03-01", "2024-12-30", nil, nil},
	} {
		all, drug, err := s.Admissions(ctx, d(c.from), d(c.to))
		fatalIf(t, err, "Admissions")
		sameSet(t, fmt.Sprintf("Admissions(%s, %s) all", c.from, c.to), all, c.all)
		sameSet(t, fmt.Sprintf("Admissions(%s, %s) drug", c.from, c.to), nonZero(drug), c.drug)
	}
}

func testReleases(t *testing.T, s store.Store) {
	ctx := t.Context()
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "PJ", "PJ", domain.Prison, 300, "GDP")
	b.Facility(d("2020-01-01"), "CC2", "CC2", domain.CorrectionalCentre, 300, "GDP")
	for _, id := range []string{"A", "B", "C", "D", "E", "F", "G"} {
		b.Register(d("2023-01-01"), id, Man(id, d("1990-01-01")))
		b.Admit(d("2024-01-01"), id, "PJ", Held(domain.StatusPretrial, "C1"))
	}
	b.Release(d("2024-03-01"), "A", domain.MechBail)                        // first day
	b.Transfer(d("2024-02-01"), "B", "CC2", "K1")                           //
	b.Release(d("2024-03-31"), "B", domain.MechServed)                      // last day, from CC2
	b.Release(d("2024-03-15"), "C", domain.MechBail)                        //
	b.Death(d("2024-03-10"), "D")                                           // not a release
	b.Escape(d("2024-03-12"), "E")                                          // not a release
	b.Release(d("2024-04-01"), "F", domain.MechPardon)                      // after
	b.Release(d("2024-02-29"), "G", domain.MechBail)                        // before
	b.Admit(d("2024-03-05"), "A", "CC2", Held(domain.StatusPretrial, "K1")) // A again
	b.Release(d("2024-03-20"), "A", domain.MechAmnesty)                     // second episode ends
	b.Admit(d("2024-03-25"), "G", "PJ", Held(domain.StatusPretrial, "C1"))  // G again, still held
	b.Append(t, s)

	mc := func(f string, m domain.Mechanism, n int) store.MechanismCount {
		return store.MechanismCount{Facility: f, Mechanism: m, Count: n}
	}
	for _, c := range []struct {
		from, to string
		want     []store.MechanismCount
	}{
		{"2024-03-01", "2024-03-31", []store.MechanismCount{mc("PJ", domain.MechBail, 2), mc("CC2", domain.MechServed, 1), mc("CC2", domain.MechAmnesty, 1)}},
		{"2024-03-02", "2024-03-30", []store.MechanismCount{mc("PJ", domain.MechBail, 1), mc("CC2", domain.MechAmnesty, 1)}},
		{"2024-02-29", "2024-04-01", []store.MechanismCount{mc("PJ", domain.MechBail, 3), mc("CC2", domain.MechServed, 1), mc("CC2", domain.MechAmnesty, 1),
			mc("PJ", domain.MechPardon, 1)}},
		{"2024-03-10", "2024-03-12", nil},
		{"2024-04-02", "2030-01-01", nil},
	} {
		got, err := s.Releases(ctx, d(c.from), d(c.to))
		fatalIf(t, err, "Releases")
		sameSet(t, fmt.Sprintf("Releases(%s, %s)", c.from, c.to), got, c.want)
	}
}
