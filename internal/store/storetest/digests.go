package storetest

import (
	"errors"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// varied appends a small register in which every projection has rows: stays
// that change with transfers, cells, status and charges; several episodes;
// open and closed flags of every kind.
func varied(t *testing.T, s store.Store) *Ledger {
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
	b.Facility(d("2020-01-01"), "CC2", "CC2", domain.CorrectionalCentre, 300, "GDP")
	b.Register(d("2024-01-01"), "A", Man("A", d("1990-01-01")))
	b.Admit(d("2024-01-02"), "A", "CC1", Held(domain.StatusPolice, "C1"))
	b.Order(d("2024-01-04"), "A", domain.StatusPretrial)
	b.Charges(d("2024-02-01"), "A", DrugCharge)
	b.Health(d("2024-02-02"), "A", domain.HealthData{Fact: domain.FactChronic, Detail: "TB"})
	b.Register(d("2024-01-01"), "B", Woman("B", d("2000-02-29")))
	b.Admit(d("2024-01-03"), "B", "CC2", Held(domain.StatusPretrial, "K1", TheftCharge))
	b.Health(d("2024-01-03"), "B", domain.HealthData{Fact: domain.FactChildIn, ChildName: "b1", ChildDOB: d("2023-01-01")})
	b.Health(d("2024-01-05"), "B", domain.HealthData{Fact: domain.FactPregnant, Due: d("2024-07-01")})
	b.Register(d("2024-01-01"), "C", Man("C", domain.NoDate))
	b.Admit(d("2024-01-03"), "C", "CC1", Held(domain.StatusPretrial, "C2"))
	b.Release(d("2024-02-01"), "C", domain.MechBail)
	b.Register(d("2024-01-01"), "D", Woman("D", d("1940-06-30")))
	b.Append(t, s)

	b = l.Begin(t, s)
	b.Convict(d("2024-03-01"), "A", 36, false)
	b.Transfer(d("2024-03-10"), "A", "CC2", "K2")
	b.Health(d("2024-03-15"), "B", domain.HealthData{Fact: domain.FactPregnancyEnd})
	b.Release(d("2024-04-01"), "B", domain.MechAcquittal)
	b.Admit(d("2024-05-01"), "C", "CC2", Held(domain.StatusPolice, "K1"))
	b.Health(d("2024-05-02"), "C", domain.HealthData{Fact: domain.FactMental})
	b.Admit(d("2024-05-01"), "D", "CC1", Held(domain.StatusFinal, "C3"))
	b.Health(d("2024-05-01"), "D", domain.HealthData{Fact: domain.FactDisability})
	b.Death(d("2024-06-01"), "D")
	b.Append(t, s)
	return l
}

func testDigests(t *testing.T, s store.Store) {
	l := varied(t, s)
	files := l.Files()
	if len(files) != 4 {
		t.Fatalf("suite: %d files", len(files))
	}
	expectDigests(t, s, files)
	// Digests tell persons apart.
	seen := map[store.Digest]string{}
	for id, dg := range digests(t, s) {
		if other, ok := seen[dg]; ok {
			t.Errorf("persons %s and %s have the same digest", id, other)
		}
		seen[dg] = id
	}
	// Later appends change exactly the digests of the persons they touch.
	before := digests(t, s)
	b := l.Begin(t, s)
	b.AssignCell(d("2024-06-01"), "A", "K3")
	b.Append(t, s)
	after := digests(t, s)
	for id := range before {
		if changed := before[id] != after[id]; changed != (id == "A") {
			t.Errorf("digest of %s changed: %v, want %v", id, changed, id == "A")
		}
	}
	expectDigests(t, s, l.Files())

	// The callback's error stops the reading and is returned.
	errStop := errors.New("enough")
	calls := 0
	err := s.ProjectionDigests(t.Context(), func(string, store.Digest) error {
		calls++
		if calls == 2 {
			return errStop
		}
		return nil
	})
	if !errors.Is(err, errStop) || calls != 2 {
		t.Errorf("ProjectionDigests returned %v after %d calls, want the callback's error after 2", err, calls)
	}
}

func replaceWith(t *testing.T, s store.Store, files []*domain.PersonFile) error {
	return s.ReplaceProjections(t.Context(), func(yield func(*domain.PersonFile) error) error {
		for _, f := range files {
			if err := yield(f); err != nil {
				return err
			}
		}
		return nil
	})
}

func testReplaceProjections(t *testing.T, s store.Store) {
	ctx := t.Context()
	l := varied(t, s)
	files := l.Files()
	ids := l.Persons()
	dates := []domain.Date{d("2024-01-03"), d("2024-02-15"), d("2024-03-12"), d("2024-05-01"), d("2024-12-31")}
	original := takeSnapshot(t, s, ids, dates)
	stored := digests(t, s)

	// A rebuild from the same files writes the same projections.
	fatalIf(t, replaceWith(t, s, files), "ReplaceProjections")
	diffDigests(t, digests(t, s), stored)
	original.expectSame(t, takeSnapshot(t, s, ids, dates), "rebuild from the same files")

	// One file altered: only that person's digest changes, to the digest of
	// the altered file, and the queries see the altered rows.
	altered := make([]*domain.PersonFile, len(files))
	copy(altered, files)
	var alt *domain.PersonFile
	for i, f := range altered {
		if f.ID == "A" {
			alt = f.Clone()
			alt.Stays[0].Cell = "ALTERED"
			altered[i] = alt
		}
	}
	fatalIf(t, replaceWith(t, s, altered), "ReplaceProjections")
	got := digests(t, s)
	for id, dg := range stored {
		if changed := got[id] != dg; changed != (id == "A") {
			t.Errorf("after altering A: digest of %s changed: %v", id, changed)
		}
	}
	if got["A"] != store.DigestFile(alt) {
		t.Error("after altering A: its digest is not DigestFile of the altered file")
	}
	cells, err := s.CellsOn(ctx, d("2024-01-02"), 10)
	fatalIf(t, err, "CellsOn")
	sameList(t, "CellsOn after altering A", cells, []store.CellCount{{Facility: "CC1", Cell: "ALTERED", Count: 1}})
	// The ledger and the other tables are not projections of persons.
	if h := headOf(t, s); h != original.head {
		t.Errorf("ReplaceProjections moved the head to %d", h.Seq)
	}
	now := takeSnapshot(t, s, ids, nil)
	sameList(t, "events after ReplaceProjections", now.events, original.events)
	sameSet(t, "facilities after ReplaceProjections", now.facilities, original.facilities)
	sameSet(t, "capacities after ReplaceProjections", now.capacities, original.capacities)
	sameSet(t, "cells after ReplaceProjections", now.cells, original.cells)
	sameSet(t, "census after ReplaceProjections", now.census, original.census)

	// A failing rebuild changes nothing.
	before := takeSnapshot(t, s, ids, dates)
	errBroken := errors.New("ledger unreadable")
	err = s.ReplaceProjections(ctx, func(yield func(*domain.PersonFile) error) error {
		if err := yield(files[0]); err != nil {
			return err
		}
		if err := yield(files[1]); err != nil {
			return err
		}
		return errBroken
	})
	if !errors.Is(err, errBroken) {
		t.Errorf("ReplaceProjections returned %v, want the error of files", err)
	}
	before.expectSame(t, takeSnapshot(t, s, ids, dates), "failed rebuild")

	// A rebuild with fewer files drops the others' projections.
	var keep []*domain.PersonFile
	for _, f := range files {
		if f.ID != "B" {
			keep = append(keep, f)
		}
	}
	fatalIf(t, replaceWith(t, s, keep), "ReplaceProjections")
	expectDigests(t, s, keep)
	if n := popCount(population(t, s, d("2024-01-03")), nil); n != 2 {
		t.Errorf("population on 2024-01-03 without B = %d, want 2 (A, C)", n)
	}
	ps, err := s.Persons(ctx, []string{"B"})
	fatalIf(t, err, "Persons")
	if len(ps) != 0 {
		t.Errorf("Persons still has B after a rebuild without B: %+v", ps)
	}

	// An empty rebuild empties every person projection.
	fatalIf(t, replaceWith(t, s, nil), "ReplaceProjections")
	if dg := digests(t, s); len(dg) != 0 {
		t.Errorf("%d digests after an empty rebuild", len(dg))
	}
	if rows := population(t, s, d("2024-01-03")); len(rows) != 0 {
		t.Errorf("population after an empty rebuild: %+v", rows)
	}

	// And the full rebuild restores the original state.
	fatalIf(t, replaceWith(t, s, files), "ReplaceProjections")
	original.expectSame(t, takeSnapshot(t, s, ids, dates), "rebuild after emptying")
}
