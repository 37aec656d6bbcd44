package storetest

import (
	"errors"
	"slices"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// TestMemStore runs the suite against the in-memory fake, which checks the
// suite itself and documents the semantics it expects.
func TestMemStore(t *testing.T) {
	Run(t, func(t *testing.T) store.Store {
		s := newMemStore()
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Error(err)
			}
		})
		return s
	})
}

// TestBuilderEstateRows: the rows a Builder sends are the estate fold's, as
// the ledger writer would send them: a facility record older than the one in
// force adds to the capacity history only, and a cell of a facility the
// ledger does not have is refused.
func TestBuilderEstateRows(t *testing.T) {
	l := NewLedger()
	b := l.BeginAt(l.Head())
	b.Facility(d("2023-01-01"), "CC1", "Correctional Centre 1", domain.CorrectionalCentre, 1800, "sub-decree 2022")
	if _, err := b.Build(); err != nil {
		t.Fatal(err)
	}
	if err := l.Commit(b); err != nil {
		t.Fatal(err)
	}

	b = l.BeginAt(l.Head())
	b.Facility(d("2020-01-01"), "CC1", "Prey Sar CC1", domain.CorrectionalCentre, 1600, "GDP report 2019")
	batch, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Facilities) != 0 {
		t.Errorf("an older facility record replaces the description in force: %+v", batch.Facilities)
	}
	want := []store.Capacity{{Facility: "CC1", From: d("2020-01-01"), Capacity: 1600, Source: "GDP report 2019"}}
	if !slices.Equal(batch.Capacities, want) {
		t.Errorf("capacities of the older record: %+v, want %+v", batch.Capacities, want)
	}

	b = l.BeginAt(l.Head())
	b.Cell(d("2024-01-01"), "CC9", domain.CellData{Label: "A", AreaM2: 20, Capacity: 10, Category: "men"})
	if err := b.Err(); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("a cell of an unknown facility: %v, want invalid input", err)
	}
}
