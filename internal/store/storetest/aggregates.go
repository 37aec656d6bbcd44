package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// testAggregateEdges checks the figures of every day of a register built to
// cross the edges of a store that keeps counts by date rather than reading
// the people held: birthdays that change a person's age band (29 February
// among them), corrections that move an admission's date, facility and
// status, flags that span stays at two facilities and outlast a release,
// same-day admission and release, and a person whose projection is
// rewritten batch after batch. Then the projections are rebuilt and checked
// again.
func testAggregateEdges(t *testing.T, s store.Store) {
	ctx := t.Context()
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
	b.Facility(d("2020-01-01"), "CC2", "CC2", domain.CorrectionalCentre, 300, "GDP")
	// Turns 14 on 15 March 2024 and 16 on 15 March 2026, held throughout.
	b.Register(d("2024-01-01"), "K14", Man("K14", d("2010-03-15")))
	b.Admit(d("2024-01-10"), "K14", "CC1", Held(domain.StatusPretrial, "A"))
	// Born on 29 February: 16 on 29 February 2024, 18 on 1 March 2026 (a
	// common year).
	b.Register(d("2024-01-01"), "F29", Woman("F29", d("2008-02-29")))
	b.Admit(d("2024-02-01"), "F29", "CC2", Held(domain.StatusPolice, "W"))
	// Born on 29 February 1964: 60 on 29 February 2024, released a year on.
	b.Register(d("2024-01-01"), "O60", Man("O60", d("1964-02-29")))
	b.Admit(d("2024-01-15"), "O60", "CC1", Held(domain.StatusFinal, ""))
	b.Release(d("2025-02-28"), "O60", domain.MechServed)
	// Turns 18 on the day of admission, 20 on the day of release.
	b.Register(d("2024-01-01"), "T18", Man("T18", d("2006-02-05")))
	b.Admit(d("2024-02-05"), "T18", "CC2", Held(domain.StatusPretrial, "B"))
	b.Release(d("2026-02-05"), "T18", domain.MechBail)
	// Admitted and released on the same day: never held.
	b.Register(d("2024-01-01"), "SD", Man("SD", d("1990-06-01")))
	b.Admit(d("2024-03-03"), "SD", "CC1", Held(domain.StatusPolice, "A"))
	b.Release(d("2024-03-03"), "SD", domain.MechDropped)
	// Pregnant in CC1, transferred to CC2 with the pregnancy running,
	// children in with her, released, admitted again to CC1 and a child in
	// and out.
	b.Register(d("2024-01-01"), "MUM", Woman("MUM", d("1995-07-07")))
	b.Admit(d("2024-01-05"), "MUM", "CC1", Held(domain.StatusPretrial, "W"))
	b.Health(d("2024-01-10"), "MUM", domain.HealthData{Fact: domain.FactPregnant})
	b.Health(d("2024-01-12"), "MUM", domain.HealthData{Fact: domain.FactChronic})
	b.Transfer(d("2024-02-01"), "MUM", "CC2", "W")
	b.Health(d("2024-02-10"), "MUM", domain.HealthData{Fact: domain.FactChildIn, ChildDOB: d("2022-05-05")})
	b.Health(d("2024-02-10"), "MUM", domain.HealthData{Fact: domain.FactChildIn, ChildDOB: d("2023-06-06")})
	b.Health(d("2024-02-20"), "MUM", domain.HealthData{Fact: domain.FactChronic})
	b.Release(d("2024-03-01"), "MUM", domain.MechBail)
	b.Admit(d("2024-04-01"), "MUM", "CC1", Held(domain.StatusPretrial, "W"))
	b.Health(d("2024-04-10"), "MUM", domain.HealthData{Fact: domain.FactChildIn, ChildDOB: d("2024-01-25")})
	b.Health(d("2024-04-20"), "MUM", domain.HealthData{Fact: domain.FactChildOut, ChildDOB: d("2024-01-25")})
	// An admission entered with the wrong date, centre and status.
	b.Register(d("2024-01-01"), "COR", Woman("COR", d("1980-02-14")))
	adm := b.Admit(d("2024-02-15"), "COR", "CC1", Held(domain.StatusPolice, "A"))
	b.Append(t, s)

	b = l.Begin(t, s)
	fixed := Held(domain.StatusPretrial, "K")
	b.Add(NewEvent(domain.KCorrection, d("2024-03-01"), "COR", "", &domain.CorrectionData{Target: adm, TargetKind: domain.KAdmission,
		Reason: "wrong register", Date: d("2024-01-20"), Facility: "CC2", Data: &fixed}))
	b.Append(t, s)

	// One person written again in batch after batch.
	b = l.Begin(t, s)
	b.Register(d("2024-01-01"), "RW", Man("RW", d("2000-01-31")))
	b.Append(t, s)
	steps := []func(b *Builder, day domain.Date){
		func(b *Builder, day domain.Date) { b.Admit(day, "RW", "CC1", Held(domain.StatusPolice, "A")) },
		func(b *Builder, day domain.Date) { b.AssignCell(day, "RW", "B") },
		func(b *Builder, day domain.Date) { b.Order(day, "RW", domain.StatusPretrial) },
		func(b *Builder, day domain.Date) { b.Transfer(day, "RW", "CC2", "K") },
		func(b *Builder, day domain.Date) { b.Charges(day, "RW", DrugCharge) },
		func(b *Builder, day domain.Date) { b.Health(day, "RW", domain.HealthData{Fact: domain.FactChronic}) },
		func(b *Builder, day domain.Date) { b.Transfer(day, "RW", "CC1", "") },
		func(b *Builder, day domain.Date) {
			b.Health(day, "RW", domain.HealthData{Fact: domain.FactConditionEnd})
		},
		func(b *Builder, day domain.Date) { b.Release(day, "RW", domain.MechBail) },
		func(b *Builder, day domain.Date) { b.Admit(day, "RW", "CC2", Held(domain.StatusPretrial, "K")) },
		func(b *Builder, day domain.Date) { b.Convict(day, "RW", 24, true) },
	}
	var cell int64
	for i, step := range steps {
		b = l.Begin(t, s)
		step(b, d("2024-01-03").AddDays(9*i))
		if i == 1 {
			cell = l.Head().Seq + 1
		}
		b.Append(t, s)
	}
	b = l.Begin(t, s)
	b.Void(d("2024-06-01"), "RW", cell, domain.KCellAssign)
	b.Append(t, s)

	check := func(when string) {
		t.Helper()
		files := l.Files()
		var dates []domain.Date
		for dt := d("2023-12-31"); dt <= d("2024-06-01"); dt = dt.AddDays(1) {
			dates = append(dates, dt)
		}
		for _, on := range []string{"2025-02-27", "2025-02-28", "2025-03-01", "2026-02-04", "2026-02-05",
			"2026-02-28", "2026-03-01", "2026-03-14", "2026-03-15", "2099-12-31", "9999-12-30"} {
			dates = append(dates, d(on))
		}
		// Every day at once, shuffled and with one asked twice, and each
		// month end alone: a grouped read takes some days from the month's
		// sum less the days after them.
		asked := append(slices.Clone(dates), dates[40], dates[3])
		rand.New(rand.NewPCG(1, 2)).Shuffle(len(asked), func(i, j int) { asked[i], asked[j] = asked[j], asked[i] })
		byDay, err := s.PopulationOn(ctx, asked)
		fatalIf(t, err, "PopulationOn")
		if len(byDay) != len(dates) {
			t.Errorf("%s: PopulationOn of %d days (%d distinct) gave %d days", when, len(asked), len(dates), len(byDay))
		}
		for _, on := range []string{"2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"} {
			one, err := s.PopulationOn(ctx, []domain.Date{d(on)})
			fatalIf(t, err, "PopulationOn of one month end")
			sameSet(t, when+": PopulationOn("+on+") alone", one[d(on)], refPopulation(files, d(on)))
		}
		none, err := s.PopulationOn(ctx, nil)
		fatalIf(t, err, "PopulationOn of no day")
		if len(none) != 0 {
			t.Errorf("%s: PopulationOn of no day gave %d days", when, len(none))
		}
		bad := 0
		for _, dt := range dates {
			ok := sameSet(t, when+": Population("+dt.String()+")", population(t, s, dt), refPopulation(files, dt))
			ok = sameSet(t, when+": PopulationOn(…, "+dt.String()+", …)", byDay[dt], refPopulation(files, dt)) && ok
			ok = sameSet(t, when+": FlagsOn("+dt.String()+")", flagsOn(t, s, dt), refFlags(files, dt)) && ok
			hp, hc, err := s.Held(ctx, dt, 100)
			fatalIf(t, err, "Held")
			ok = sameSet(t, when+": Held("+dt.String()+") population", hp, refPopulation(files, dt)) && ok
			ok = sameList(t, fmt.Sprintf("%s: Held(%s) cells", when, dt), hc, refCells(files, dt, 100)) && ok
			if !ok {
				if bad++; bad > 5 {
					t.Fatalf("%s: too many dates differ", when)
				}
			}
		}
		probs, err := s.AggregateProblems(ctx, 10)
		fatalIf(t, err, "AggregateProblems")
		if len(probs) > 0 {
			t.Errorf("%s: AggregateProblems = %q, want none", when, probs)
		}
	}
	// The register must reach the cases it is meant to.
	files := l.Files()
	wantBand := func(on string, band int, n int) {
		t.Helper()
		got := popCount(refPopulation(files, d(on)), func(r store.PopRow) bool { return r.AgeBand == band })
		if got != n {
			t.Fatalf("suite: on %s the reference holds %d in band %d, want %d", on, got, n, band)
		}
	}
	wantBand("2024-02-28", 14, 1) // F29, 15
	wantBand("2024-02-29", 16, 1) // F29 turned 16
	wantBand("2024-02-28", 60, 0) // O60, 59
	wantBand("2024-02-29", 60, 1) // O60 turned 60
	wantBand("2026-02-28", 16, 1) // F29, 17
	wantBand("2026-03-01", 18, 1) // F29 turned 18
	wantBand("2026-03-14", 14, 1) // K14, 15
	wantBand("2026-03-15", 16, 1) // K14 turned 16
	check("appended")

	err := s.ReplaceProjections(ctx, func(yield func(*domain.PersonFile) error) error {
		for _, f := range l.Files() {
			if err := yield(f); err != nil {
				return err
			}
		}
		return nil
	})
	fatalIf(t, err, "ReplaceProjections")
	check("rebuilt")
}
