package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

func testEmpty(t *testing.T, s store.Store) {
	ctx := t.Context()
	if dl := s.Dialect(); dl == "" {
		t.Error("Dialect is empty")
	}
	if h := headOf(t, s); h != (store.Head{Seq: 0, Hash: domain.GenesisHash}) {
		t.Errorf("Head of an empty store = %+v, want {0 GenesisHash}", h)
	}
	if evs := eventsFrom(t, s, 0); len(evs) != 0 {
		t.Errorf("Events(0) on an empty store gave %d events", len(evs))
	}
	if evs := eventsFrom(t, s, 1); len(evs) != 0 {
		t.Errorf("Events(1) on an empty store gave %d events", len(evs))
	}
	for _, seq := range []int64{0, 1, 2} {
		if _, ok, err := s.Event(ctx, seq); err != nil || ok {
			t.Errorf("Event(%d) on an empty store = found %v, err %v; want not found, no error", seq, ok, err)
		}
	}
	if pe, err := s.PersonEvents(ctx, []string{"P-1"}); err != nil || len(pe["P-1"]) != 0 {
		t.Errorf("PersonEvents on an empty store = %v, %v", pe, err)
	}
	if pe := eventsByPerson(t, s); len(pe) != 0 {
		t.Errorf("EventsByPerson on an empty store called fn %d times", len(pe))
	}
	if ps, err := s.Persons(ctx, []string{"P-1"}); err != nil || len(ps) != 0 {
		t.Errorf("Persons on an empty store = %v, %v", ps, err)
	}
	if dt, err := s.LatestDate(ctx); err != nil || dt != domain.NoDate {
		t.Errorf("LatestDate on an empty store = %v, %v; want NoDate", dt, err)
	}
	if ex, err := s.PersonExists(ctx, []string{"P-1"}); err != nil || ex["P-1"] {
		t.Errorf("PersonExists on an empty store = %v, %v", ex, err)
	}
	sn := takeSnapshot(t, s, []string{"P-1"}, []domain.Date{d("2024-01-01")})
	if len(sn.facilities)+len(sn.capacities)+len(sn.cells)+len(sn.census)+len(sn.digests)+len(sn.pop[0]) != 0 {
		t.Errorf("empty store has rows: %+v", sn)
	}
	asOf := d("2024-01-01")
	if rows, err := s.CapacityOn(ctx, asOf); err != nil || len(rows) != 0 {
		t.Errorf("CapacityOn = %v, %v", rows, err)
	}
	if rows, err := s.FlagsOn(ctx, asOf); err != nil || len(rows) != 0 {
		t.Errorf("FlagsOn = %v, %v", rows, err)
	}
	if rows, err := s.CellsOn(ctx, asOf, 10); err != nil || len(rows) != 0 {
		t.Errorf("CellsOn = %v, %v", rows, err)
	}
	if all, drug, err := s.Admissions(ctx, d("2000-01-01"), d("2100-01-01")); err != nil || len(all) != 0 || len(nonZero(drug)) != 0 {
		t.Errorf("Admissions = %v, %v, %v", all, drug, err)
	}
	if rows, err := s.Releases(ctx, d("2000-01-01"), d("2100-01-01")); err != nil || len(rows) != 0 {
		t.Errorf("Releases = %v, %v", rows, err)
	}
}

func testAppendRead(t *testing.T, s store.Store) {
	ctx := t.Context()
	l := NewLedger()
	// Person ids whose bytewise order differs from their numeric and
	// case-insensitive orders: P-10 < P-9 < P-B < P-a.
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "CC1", "Correctional Centre 1", domain.CorrectionalCentre, 1600, "GDP 2020")
	b.Cell(d("2020-01-01"), "CC1", domain.CellData{Label: "A1", AreaM2: 42.5, Capacity: 30, Category: "men"})
	b.Register(d("2024-01-05"), "P-9", Man("Sok <Dara> & \"Vanna\"", d("1990-04-02")))
	b.Register(d("2024-01-05"), "P-B", Woman("សុខ ចាន់ធា", d("1985-11-30")))
	b.Admit(d("2024-01-06"), "P-9", "CC1", Held(domain.StatusPretrial, "A1", TheftCharge))
	b.Census(d("2024-01-31"), "CC1", "total", 6012, "monitoring visit")
	batch1 := b.Append(t, s)

	b = l.Begin(t, s)
	b.Register(d("2024-02-01"), "P-10", Man("Chan Sophal", d("2001-07-07")))
	b.Admit(d("2024-02-01"), "P-B", "CC1", Held(domain.StatusPolice, "A1"))
	b.Register(d("2024-02-02"), "P-a", Man("Keo Rith", domain.NoDate))
	b.Health(d("2024-02-03"), "P-9", domain.HealthData{Fact: domain.FactChronic, Detail: "tuberculosis"})
	b.Admit(d("2024-02-04"), "P-10", "CC1", Held(domain.StatusPretrial, "A1", DrugCharge))
	batch2 := b.Append(t, s)

	want := l.Stored()
	scribble(batch1)
	scribble(batch2)

	last := want[len(want)-1]
	if h := headOf(t, s); h != (store.Head{Seq: last.Seq, Hash: last.Hash}) || h != l.Head() {
		t.Errorf("Head = %d %.12s, want %d %.12s", h.Seq, h.Hash, last.Seq, last.Hash)
	}
	all := eventsFrom(t, s, 0)
	sameList(t, "Events(0)", all, want)
	verifyChain(t, all)
	for _, se := range all {
		ev, err := Decode(se)
		if err != nil {
			t.Errorf("stored body of event %d does not decode: %v", se.Seq, err)
			continue
		}
		if ev.Kind != se.Kind || ev.Date != se.Date || ev.Person != se.Person || ev.Facility != se.Facility {
			t.Errorf("event %d: columns %s %s %q %q disagree with the body", se.Seq, se.Kind, se.Date, se.Person, se.Facility)
		}
	}
	if !bytes.Contains(eventsFrom(t, s, 4)[0].Body, []byte("សុខ ចាន់ធា")) {
		t.Error("the Khmer name of event 4 is not stored as UTF-8")
	}
	n := int64(len(want))
	for _, from := range []int64{-3, 1, 2, 5, n, n + 1, n + 100} {
		lo := max(from, 1) - 1
		var w []store.StoredEvent
		if lo < n {
			w = want[lo:]
		}
		sameList(t, fmt.Sprintf("Events(%d)", from), eventsFrom(t, s, from), w)
	}
	for _, w := range want {
		got, ok, err := s.Event(ctx, w.Seq)
		if err != nil || !ok {
			t.Errorf("Event(%d) = found %v, err %v", w.Seq, ok, err)
			continue
		}
		sameList(t, fmt.Sprintf("Event(%d)", w.Seq), []store.StoredEvent{got}, []store.StoredEvent{w})
	}
	for _, seq := range []int64{0, -1, n + 1} {
		if _, ok, err := s.Event(ctx, seq); ok || err != nil {
			t.Errorf("Event(%d) = found %v, err %v; want not found", seq, ok, err)
		}
	}

	ids := []string{"P-9", "P-B", "P-10", "P-a"}
	pe, err := s.PersonEvents(ctx, append(slices.Clone(ids), "P-nobody"))
	fatalIf(t, err, "PersonEvents")
	for _, id := range ids {
		sameList(t, "PersonEvents "+id, pe[id], filterEvents(want, id))
	}
	if len(pe["P-nobody"]) != 0 {
		t.Errorf("PersonEvents of an unknown person: %d events", len(pe["P-nobody"]))
	}
	pe, err = s.PersonEvents(ctx, []string{"P-B"})
	fatalIf(t, err, "PersonEvents")
	if len(pe) != 1 || len(pe["P-9"]) != 0 {
		t.Errorf("PersonEvents([P-B]) returned other persons: %v", pe)
	}
	sameList(t, "PersonEvents P-B alone", pe["P-B"], filterEvents(want, "P-B"))
	if pe, err := s.PersonEvents(ctx, nil); err != nil || len(pe) != 0 {
		t.Errorf("PersonEvents(nil) = %v, %v", pe, err)
	}

	sorted := slices.Clone(ids)
	slices.Sort(sorted) // bytewise
	var wantBP []personEvents
	for _, id := range sorted {
		wantBP = append(wantBP, personEvents{id, filterEvents(want, id)})
	}
	gotBP := eventsByPerson(t, s)
	var order []string
	for _, p := range gotBP {
		order = append(order, p.Person)
	}
	if !slices.Equal(order, sorted) {
		t.Errorf("EventsByPerson order %q, want %q (bytewise ascending, no facility or census events)", order, sorted)
	} else {
		for i := range gotBP {
			sameList(t, "EventsByPerson "+gotBP[i].Person, gotBP[i].Events, wantBP[i].Events)
		}
	}
}

var errStop = errors.New("stop here")

func testCallbackError(t *testing.T, s store.Store) {
	ctx := t.Context()
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "CC1", "Correctional Centre 1", domain.CorrectionalCentre, 1600, "GDP")
	for i := range 5 {
		id := fmt.Sprintf("P-%d", i)
		b.Register(d("2024-01-01"), id, Man("X", d("1990-01-01")))
		b.Admit(d("2024-01-02"), id, "CC1", Held(domain.StatusPretrial, "A"))
	}
	b.Append(t, s)

	calls := 0
	err := s.Events(ctx, 0, func(store.StoredEvent) error {
		calls++
		if calls == 3 {
			return errStop
		}
		return nil
	})
	if !errors.Is(err, errStop) {
		t.Errorf("Events returned %v, want the callback's error", err)
	}
	if calls != 3 {
		t.Errorf("Events called fn %d times after it failed on the 3rd", calls)
	}
	calls = 0
	err = s.EventsByPerson(ctx, func(string, []store.StoredEvent) error {
		calls++
		if calls == 2 {
			return errStop
		}
		return nil
	})
	if !errors.Is(err, errStop) {
		t.Errorf("EventsByPerson returned %v, want the callback's error", err)
	}
	if calls != 2 {
		t.Errorf("EventsByPerson called fn %d times after it failed on the 2nd", calls)
	}
	// The store is still usable after an interrupted read.
	if h := headOf(t, s); h != l.Head() {
		t.Errorf("Head after interrupted reads = %d", h.Seq)
	}
	b = l.Begin(t, s)
	b.Release(d("2024-02-01"), "P-0", domain.MechBail)
	b.Append(t, s)
}

// fullBatch adds to b events that touch every table: a facility, a cell, a
// census and a new person admitted there.
func fullBatch(b *Builder, tag string) {
	fac := "F-" + tag
	b.Facility(d("2023-01-01"), fac, "Facility "+tag, domain.Prison, 300, "decree")
	b.Cell(d("2023-01-01"), fac, domain.CellData{Label: "C1", Capacity: 20})
	b.Census(d("2023-06-30"), fac, "total", 412, "visit")
	b.Register(d("2024-01-01"), "X-"+tag, Woman("Mao Srey", d("1999-09-09")))
	b.Admit(d("2024-01-02"), "X-"+tag, fac, Held(domain.StatusPretrial, "C1", DrugCharge))
	b.Health(d("2024-01-03"), "X-"+tag, domain.HealthData{Fact: domain.FactPregnant, Due: d("2024-05-01")})
}

var snapDates = []domain.Date{d("2024-01-02"), d("2024-06-01")}

func expectConflict(t *testing.T, s store.Store, b *Builder, what string, tags ...string) {
	t.Helper()
	var ids []string
	for _, tag := range tags {
		ids = append(ids, "X-"+tag)
	}
	before := takeSnapshot(t, s, ids, snapDates)
	batch, err := b.Build()
	fatalIf(t, err, "Build")
	err = s.Append(t.Context(), batch)
	if !errors.Is(err, store.ErrChainConflict) {
		t.Errorf("%s: Append returned %v, want ErrChainConflict", what, err)
	}
	before.expectSame(t, takeSnapshot(t, s, ids, snapDates), what)
}

func testChainConflict(t *testing.T, s store.Store) {
	// On an empty ledger the first event must be seq 1 after the genesis hash.
	b := NewBuilder(store.Head{Seq: 1, Hash: domain.GenesisHash}, nil)
	fullBatch(b, "a")
	expectConflict(t, s, b, "empty ledger, first seq 2", "a")

	b = NewBuilder(store.Head{Seq: 0, Hash: domain.ChainHash(domain.GenesisHash, []byte("{}"))}, nil)
	fullBatch(b, "b")
	expectConflict(t, s, b, "empty ledger, wrong prev", "b")

	l := NewLedger()
	b = l.Begin(t, s)
	fullBatch(b, "ok")
	b.Append(t, s)
	h := l.Head()

	// Two writers prepared batches on the same head: the second loses.
	b1, b2 := l.Begin(t, s), l.Begin(t, s)
	fullBatch(b1, "w1")
	fullBatch(b2, "w2")
	b1.Append(t, s)
	expectConflict(t, s, b2, "stale head", "w2")

	h = l.Head()
	prevOfLast := l.Stored()[h.Seq-1].Prev
	b = NewBuilder(store.Head{Seq: h.Seq - 1, Hash: prevOfLast}, l.Facilities())
	fullBatch(b, "dup")
	expectConflict(t, s, b, "first seq is the head's (replaces the last event)", "dup")

	b = NewBuilder(store.Head{Seq: h.Seq, Hash: domain.GenesisHash}, l.Facilities())
	fullBatch(b, "prev")
	expectConflict(t, s, b, "right seq, wrong prev", "prev")

	b = NewBuilder(store.Head{Seq: h.Seq + 1, Hash: h.Hash}, l.Facilities())
	fullBatch(b, "gap")
	expectConflict(t, s, b, "gap after the head", "gap")

	b = NewBuilder(store.Head{Seq: 0, Hash: domain.GenesisHash}, nil)
	fullBatch(b, "restart")
	expectConflict(t, s, b, "a second genesis", "restart")

	// The ledger still accepts the right continuation.
	b = l.Begin(t, s)
	fullBatch(b, "next")
	b.Append(t, s)
	verifyChain(t, eventsFrom(t, s, 0))
	sameList(t, "ledger", eventsFrom(t, s, 0), l.Stored())
}

func testAtomicity(t *testing.T, s store.Store) {
	ctx := t.Context()
	l := NewLedger()
	b := l.Begin(t, s)
	fullBatch(b, "first")
	b.Append(t, s)

	b = l.Begin(t, s)
	fullBatch(b, "second")
	ids := []string{"X-first", "X-second"}
	try := func(what string, tamper func(*store.Batch)) {
		t.Helper()
		before := takeSnapshot(t, s, ids, snapDates)
		batch, err := b.Build()
		fatalIf(t, err, "Build")
		tamper(batch)
		if err := s.Append(ctx, batch); err == nil {
			t.Errorf("%s: Append succeeded", what)
			return
		}
		before.expectSame(t, takeSnapshot(t, s, ids, snapDates), what)
	}
	try("second event repeats the first's seq", func(bt *store.Batch) { bt.Events[1].Seq = bt.Events[0].Seq })
	try("last event repeats an existing seq", func(bt *store.Batch) { bt.Events[len(bt.Events)-1].Seq = 1 })
	try("an event twice", func(bt *store.Batch) { bt.Events = append(bt.Events, bt.Events[2]) })

	// Nothing of the failed attempts remains in the way of the valid batch.
	b.Append(t, s)
	sameList(t, "ledger", eventsFrom(t, s, 0), l.Stored())
	expectDigests(t, s, l.Files())
	if n := popCount(population(t, s, d("2024-01-02")), nil); n != 2 {
		t.Errorf("population after the valid batch = %d, want 2", n)
	}
}

func testConcurrentAppend(t *testing.T, s store.Store) {
	ctx := t.Context()
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "CC1", "Correctional Centre 1", domain.CorrectionalCentre, 1600, "GDP")
	b.Append(t, s)
	facilities := l.Facilities()

	const writers, batches = 8, 6
	var conflicts atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for k := range batches {
				id := fmt.Sprintf("C-%02d-%02d", g, k)
				for attempt := 0; ; attempt++ {
					h, err := s.Head(ctx)
					if err != nil {
						t.Errorf("writer %d: Head: %v", g, err)
						return
					}
					b := NewBuilder(h, facilities)
					b.Register(d("2024-03-01"), id, Man("Writer "+id, d("1980-01-01")))
					b.Admit(d("2024-03-02"), id, "CC1", Held(domain.StatusPretrial, "A"))
					batch, err := b.Build()
					if err != nil {
						t.Errorf("writer %d: %v", g, err)
						return
					}
					err = s.Append(ctx, batch)
					if err == nil {
						break
					}
					if !errors.Is(err, store.ErrChainConflict) {
						t.Errorf("writer %d: Append: %v (want success or ErrChainConflict)", g, err)
						return
					}
					conflicts.Add(1)
					if attempt > 10000 {
						t.Errorf("writer %d: no progress after %d conflicts", g, attempt)
						return
					}
					runtime.Gosched()
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	t.Logf("%d chain conflicts among %d writers", conflicts.Load(), writers)
	if t.Failed() {
		return
	}

	all := eventsFrom(t, s, 0)
	if want := 1 + writers*batches*2; len(all) != want {
		t.Errorf("%d events after concurrent appends, want %d", len(all), want)
	}
	verifyChain(t, all)
	if h := headOf(t, s); len(all) > 0 && (h.Seq != all[len(all)-1].Seq || h.Hash != all[len(all)-1].Hash) {
		t.Errorf("Head %d does not match the last event", h.Seq)
	}
	var ids []string
	for g := range writers {
		for k := range batches {
			ids = append(ids, fmt.Sprintf("C-%02d-%02d", g, k))
		}
	}
	pe, err := s.PersonEvents(ctx, ids)
	fatalIf(t, err, "PersonEvents")
	for _, id := range ids {
		evs := pe[id]
		if len(evs) != 2 || evs[1].Seq != evs[0].Seq+1 || evs[0].Kind != domain.KPerson || evs[1].Kind != domain.KAdmission {
			t.Errorf("events of %s are not one contiguous batch: %v", id, rowsString(evs))
		}
	}
	if n := popCount(population(t, s, d("2024-03-02")), nil); n != writers*batches {
		t.Errorf("population = %d, want %d", n, writers*batches)
	}
	if dg := digests(t, s); len(dg) != writers*batches {
		t.Errorf("%d projection digests, want %d", len(dg), writers*batches)
	}
}
