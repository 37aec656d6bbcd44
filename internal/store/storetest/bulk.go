package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// BulkPersons is the number of persons the Bulk test appends in one batch
// (a tenth of it with -short).
var BulkPersons = 20000

func testBulk(t *testing.T, s store.Store) {
	ctx := t.Context()
	n := BulkPersons
	if testing.Short() {
		n /= 10
	}
	facs := []string{"CC1", "CC2", "PJ"}
	statuses := []domain.LegalStatus{domain.StatusPretrial, domain.StatusPolice, domain.StatusFinal}
	mechs := []domain.Mechanism{domain.MechBail, domain.MechServed, domain.MechPardon, domain.MechAmnesty}
	admitted := func(i int) domain.Date { return d("2024-01-01").AddDays(i % 28) }
	released := d("2024-03-01")

	l := NewLedger()
	b := l.Begin(t, s)
	for _, f := range facs {
		b.Facility(d("2020-01-01"), f, f, domain.CorrectionalCentre, 5000, "GDP")
	}
	b.Append(t, s)
	// Facilities alone leave the register without persons: a load may take
	// the bulk path, and reads through its transaction must still work.
	noPersons(t, s, true)

	type key struct {
		fac  string
		drug bool
	}
	popFeb, popMar := map[key]int{}, map[key]int{}
	admJan := map[string]int{}
	admJanDrug := map[string]int{}
	rel := map[store.MechanismCount]int{}
	cellsMar := map[[2]string]int{}
	chronic := map[string]int{}
	ids := make([]string, n)
	events := len(facs)
	b = l.Begin(t, s)
	for i := range n {
		id := fmt.Sprintf("B%06d", i)
		ids[i] = id
		fac, drug, cell := facs[i%3], i%5 == 0, fmt.Sprintf("C%02d", i%7)
		var charges []domain.Charge
		if drug {
			charges = append(charges, DrugCharge)
		}
		b.Register(d("2023-12-01"), id, Man(id, d("1970-01-01").AddDays(i%9000)))
		b.Admit(admitted(i), id, fac, Held(statuses[i%3], cell, charges...))
		events += 2
		if i%7 == 3 {
			b.Health(admitted(i), id, domain.HealthData{Fact: domain.FactChronic})
			events++
			if i%10 != 0 {
				chronic[fac]++
			}
		}
		popFeb[key{fac, drug}]++
		if admitted(i) <= d("2024-01-14") {
			admJan[fac]++
			if drug {
				admJanDrug[fac]++
			}
		}
		if i%10 == 0 {
			m := mechs[i%4]
			b.Release(released, id, m)
			events++
			rel[store.MechanismCount{Facility: fac, Mechanism: m}]++
		} else {
			popMar[key{fac, drug}]++
			cellsMar[[2]string{fac, cell}]++
		}
	}
	batch, err := b.Build()
	fatalIf(t, err, "Build")
	if !batch.NewPersons || len(batch.Persons) != n || len(batch.Events) != events-len(facs) {
		t.Fatalf("suite: bulk batch has %d persons (new %v), %d events", len(batch.Persons), batch.NewPersons, len(batch.Events))
	}
	began := time.Now()
	fatalIf(t, s.Append(ctx, batch), "Append of the bulk batch")
	t.Logf("appended %d events and %d persons in %v", len(batch.Events), n, time.Since(began))
	fatalIf(t, l.Commit(b), "Commit")

	noPersons(t, s, false)
	if h := headOf(t, s); h != l.Head() || h.Seq != int64(events) {
		t.Errorf("Head = %d, want %d", h.Seq, events)
	}
	all := eventsFrom(t, s, 0)
	if len(all) != events {
		t.Errorf("%d events stored, want %d", len(all), events)
	}
	verifyChain(t, all)
	byPerson := eventsByPerson(t, s)
	total := 0
	var order []string
	for _, p := range byPerson {
		order = append(order, p.Person)
		total += len(p.Events)
	}
	if !slices.Equal(order, ids) { // ids are generated in ascending order
		t.Errorf("EventsByPerson gave %d persons, want the %d in ascending order", len(order), len(ids))
	}
	if total != events-len(facs) {
		t.Errorf("EventsByPerson gave %d events, want %d", total, events-len(facs))
	}
	ex, err := s.PersonExists(ctx, ids)
	fatalIf(t, err, "PersonExists")
	for _, id := range ids {
		if !ex[id] {
			t.Errorf("PersonExists(%s) = false", id)
			break
		}
	}
	dg := digests(t, s)
	if len(dg) != n {
		t.Errorf("%d projection digests, want %d", len(dg), n)
	}
	// Every one: a store that reads the digests in pages could lose or
	// mix up the persons at a page boundary.
	for _, id := range ids {
		if dg[id] != store.DigestFile(l.File(id)) {
			t.Errorf("digest of %s differs from DigestFile of its file", id)
		}
	}

	popRows := func(m map[key]int) []store.PopRow {
		// Totals per facility and drug flag (the other groupings are
		// checked elsewhere).
		var out []store.PopRow
		for k, c := range m {
			out = append(out, store.PopRow{Facility: k.fac, Drug: k.drug, Count: c})
		}
		return out
	}
	squash := func(rows []store.PopRow) []store.PopRow {
		m := map[key]int{}
		for _, r := range rows {
			m[key{r.Facility, r.Drug}] += r.Count
		}
		return popRows(m)
	}
	sameSet(t, "population on 2024-02-15", squash(population(t, s, d("2024-02-15"))), popRows(popFeb))
	sameSet(t, "population on 2024-03-01", squash(population(t, s, d("2024-03-01"))), popRows(popMar))
	if n := popCount(population(t, s, d("2023-12-31")), nil); n != 0 {
		t.Errorf("population before the first admission = %d", n)
	}

	allAdm, drugAdm, err := s.Admissions(ctx, d("2024-01-01"), d("2024-01-14"))
	fatalIf(t, err, "Admissions")
	var wantAll, wantDrug []store.FacilityCount
	for _, f := range facs {
		wantAll = append(wantAll, store.FacilityCount{Facility: f, Count: admJan[f]})
		wantDrug = append(wantDrug, store.FacilityCount{Facility: f, Count: admJanDrug[f]})
	}
	sameSet(t, "Admissions (first half of January)", allAdm, wantAll)
	sameSet(t, "Admissions (first half of January), drug", nonZero(drugAdm), nonZero(wantDrug))

	rels, err := s.Releases(ctx, released, released)
	fatalIf(t, err, "Releases")
	var wantRel []store.MechanismCount
	for k, c := range rel {
		k.Count = c
		wantRel = append(wantRel, k)
	}
	sameSet(t, "Releases", rels, wantRel)

	var wantFlags []store.FlagRow
	for f, c := range chronic {
		wantFlags = append(wantFlags, store.FlagRow{Facility: f, Kind: domain.FlagChronic, Count: c})
	}
	sameSet(t, "FlagsOn(2024-03-01)", flagsOn(t, s, d("2024-03-01")), wantFlags)

	cells, err := s.CellsOn(ctx, d("2024-03-01"), 5)
	fatalIf(t, err, "CellsOn")
	var wantCells []store.CellCount
	for k, c := range cellsMar {
		wantCells = append(wantCells, store.CellCount{Facility: k[0], Cell: k[1], Count: c})
	}
	slices.SortFunc(wantCells, func(a, b store.CellCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Facility, b.Facility), cmp.Compare(a.Cell, b.Cell))
	})
	sameList(t, "CellsOn(2024-03-01, 5)", cells, wantCells[:5])
}

// noPersons checks what a write transaction says of the register, and that
// it reads the commitments through itself.
func noPersons(t *testing.T, s store.Store, want bool) {
	t.Helper()
	ctx := t.Context()
	a, err := s.BeginAppend(ctx)
	fatalIf(t, err, "BeginAppend")
	defer a.Rollback(ctx)
	if got := a.NoPersons(); got != want {
		t.Errorf("NoPersons = %v, want %v", got, want)
	}
	if _, err := a.Commitments(ctx); err != nil {
		t.Errorf("Commitments through the transaction: %v", err)
	}
	if _, _, err := a.Event(ctx, 1); err != nil {
		t.Errorf("Event through the transaction: %v", err)
	}
}
