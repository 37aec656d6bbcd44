package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// within runs fn and stops the test binary with a message if it has not
// returned in time: a store that blocks where it must not would otherwise hang
// the suite until go test's timeout, without saying where.
func within(t *testing.T, what string, limit time.Duration, fn func()) {
	t.Helper()
	timer := time.AfterFunc(limit, func() {
		panic(fmt.Sprintf("%s: %s did not return within %v", t.Name(), what, limit))
	})
	defer timer.Stop()
	fn()
}

func beginAppend(t *testing.T, s store.Store) store.Appender {
	t.Helper()
	a, err := s.BeginAppend(t.Context())
	fatalIf(t, err, "BeginAppend")
	// t.Context() is cancelled when cleanups run: Rollback must release the
	// transaction all the same.
	t.Cleanup(func() { a.Rollback(t.Context()) })
	return a
}

func write(t *testing.T, a store.Appender, b *Builder) *store.Batch {
	t.Helper()
	batch, err := b.Build()
	fatalIf(t, err, "Build")
	fatalIf(t, a.Write(t.Context(), batch), "Appender.Write")
	return batch
}

// testBeginAppendCommit writes several batches in one transaction: they are
// read back through it, invisible to others until Commit, then all there.
func testBeginAppendCommit(t *testing.T, s store.Store) {
	ctx := t.Context()
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
	b.Register(d("2024-01-01"), "A", Man("A", d("1990-01-01")))
	b.Admit(d("2024-01-02"), "A", "CC1", Held(domain.StatusPretrial, "C1"))
	b.Append(t, s)
	ids := []string{"A", "X", "Y"}
	dates := []domain.Date{d("2024-02-01"), d("2024-03-01")}
	base := takeSnapshot(t, s, ids, dates)

	a := beginAppend(t, s)
	if a.Head() != l.Head() {
		t.Fatalf("Appender.Head = %d, want %d", a.Head().Seq, l.Head().Seq)
	}
	b1 := l.BeginAt(a.Head())
	b1.Facility(d("2020-01-01"), "CC2", "CC2", domain.CorrectionalCentre, 300, "GDP")
	b1.Register(d("2024-02-01"), "X", Woman("X", d("1985-01-01")))
	b1.Admit(d("2024-02-01"), "X", "CC1", Held(domain.StatusPretrial, "C2"))
	b1.Census(d("2024-01-31"), "CC2", "total", 250, "visit")
	write(t, a, b1)
	fatalIf(t, l.Commit(b1), "Commit to the model")
	if a.Head() != l.Head() {
		t.Errorf("Appender.Head after a Write = %d, want %d", a.Head().Seq, l.Head().Seq)
	}

	// Reads through the transaction see its writes.
	stored := l.Stored()
	pe, err := a.PersonEvents(ctx, []string{"A", "X"})
	fatalIf(t, err, "Appender.PersonEvents")
	sameList(t, "Appender.PersonEvents X", pe["X"], filterEvents(stored, "X"))
	sameList(t, "Appender.PersonEvents A", pe["A"], filterEvents(stored, "A"))
	for _, seq := range []int64{1, l.Head().Seq} {
		se, ok, err := a.Event(ctx, seq)
		if err != nil || !ok {
			t.Errorf("Appender.Event(%d) = found %v, %v", seq, ok, err)
		} else {
			sameList(t, "Appender.Event", []store.StoredEvent{se}, stored[seq-1:seq])
		}
	}
	if _, ok, err := a.Event(ctx, l.Head().Seq+1); ok || err != nil {
		t.Errorf("Appender.Event past the head = found %v, %v", ok, err)
	}
	// Others do not see them, and are not blocked by the open transaction.
	within(t, "reading while a write transaction is open", 10*time.Second, func() {
		base.expectSame(t, takeSnapshot(t, s, ids, dates), "while the transaction is open")
	})

	// A second batch replaces X, written by the first, and adds Y.
	b2 := l.BeginAt(a.Head())
	b2.Transfer(d("2024-03-01"), "X", "CC2", "K1")
	b2.Register(d("2024-03-01"), "Y", Man("Y", d("2000-01-01")))
	b2.Admit(d("2024-03-01"), "Y", "CC2", Held(domain.StatusPolice, "K1"))
	batch := write(t, a, b2)
	if batch.NewPersons {
		t.Fatal("suite: the second batch should replace X")
	}
	fatalIf(t, l.Commit(b2), "Commit to the model")
	fatalIf(t, a.Commit(ctx), "Appender.Commit")

	if h := headOf(t, s); h != l.Head() {
		t.Errorf("Head after Commit = %d, want %d", h.Seq, l.Head().Seq)
	}
	all := eventsFrom(t, s, 0)
	sameList(t, "ledger after Commit", all, l.Stored())
	verifyChain(t, all)
	expectDigests(t, s, l.Files())
	pop := population(t, s, d("2024-03-01"))
	if c1, c2 := popCount(pop, atFacility("CC1")), popCount(pop, atFacility("CC2")); c1 != 1 || c2 != 2 {
		t.Errorf("population on 2024-03-01: CC1 %d, CC2 %d; want 1, 2", c1, c2)
	}
	if n := popCount(population(t, s, d("2024-02-01")), atFacility("CC1")); n != 2 {
		t.Errorf("population of CC1 on 2024-02-01 = %d, want 2", n)
	}
	cens, err := s.Census(ctx)
	fatalIf(t, err, "Census")
	if len(cens) != 1 || cens[0].Count != 250 {
		t.Errorf("Census after Commit = %+v", cens)
	}

	// Rollback after Commit is harmless.
	after := takeSnapshot(t, s, ids, dates)
	a.Rollback(ctx)
	after.expectSame(t, takeSnapshot(t, s, ids, dates), "Rollback after Commit")
	// The store takes further writes.
	b = l.Begin(t, s)
	b.Release(d("2024-04-01"), "X", domain.MechBail)
	b.Append(t, s)
	expectDigests(t, s, l.Files())
}

func testBeginAppendRollback(t *testing.T, s store.Store) {
	ctx := t.Context()
	l := NewLedger()
	b := l.Begin(t, s)
	fullBatch(b, "base")
	b.Append(t, s)
	ids := []string{"X-base", "X-r1", "X-r2", "X-c"}
	before := takeSnapshot(t, s, ids, snapDates)

	// Two batches written, then rolled back: nothing remains.
	a := beginAppend(t, s)
	b1 := NewBuilder(a.Head(), l.Facilities())
	fullBatch(b1, "r1")
	write(t, a, b1)
	b2 := NewBuilder(a.Head(), l.Facilities())
	fullBatch(b2, "r2")
	write(t, a, b2)
	fatalIf(t, a.Rollback(ctx), "Appender.Rollback")
	before.expectSame(t, takeSnapshot(t, s, ids, snapDates), "rolled back transaction")

	// A batch that does not follow the transaction's head is refused with
	// ErrChainConflict; after Rollback nothing of the transaction remains.
	a = beginAppend(t, s)
	b1 = NewBuilder(a.Head(), l.Facilities())
	fullBatch(b1, "r1")
	write(t, a, b1)
	stale := NewBuilder(before.head, l.Facilities())
	fullBatch(stale, "r2")
	batch, err := stale.Build()
	fatalIf(t, err, "Build")
	if err := a.Write(ctx, batch); !errors.Is(err, store.ErrChainConflict) {
		t.Errorf("Appender.Write of a batch after an old head returned %v, want ErrChainConflict", err)
	}
	a.Rollback(ctx)
	before.expectSame(t, takeSnapshot(t, s, ids, snapDates), "transaction with a conflict, rolled back")

	// The ledger goes on from where it was.
	b = l.Begin(t, s)
	fullBatch(b, "c")
	b.Append(t, s)
	sameList(t, "ledger", eventsFrom(t, s, 0), l.Stored())
	expectDigests(t, s, l.Files())
}

// testBeginAppendExclusive checks that an open write transaction holds the
// ledger's write lock: an Append prepared on the same head cannot slip in
// before it; it waits (or is refused) and then fails with ErrChainConflict.
func testBeginAppendExclusive(t *testing.T, s store.Store) {
	ctx := t.Context()
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
	b.Append(t, s)
	h0 := l.Head()

	a := beginAppend(t, s)
	bt := l.BeginAt(a.Head())
	bt.Register(d("2024-01-01"), "T", Man("T", d("1990-01-01")))
	bt.Admit(d("2024-01-01"), "T", "CC1", Held(domain.StatusPretrial, "C1"))
	write(t, a, bt)

	other := NewBuilder(h0, l.Facilities())
	other.Register(d("2024-01-01"), "Z", Man("Z", d("1990-01-01")))
	other.Admit(d("2024-01-01"), "Z", "CC1", Held(domain.StatusPretrial, "C1"))
	batch, err := other.Build()
	fatalIf(t, err, "Build")
	done := make(chan error, 1)
	go func() { done <- s.Append(ctx, batch) }()

	select {
	case err := <-done:
		if err == nil {
			t.Fatal("an Append succeeded while another write transaction was open on the same head")
		}
		if !errors.Is(err, store.ErrChainConflict) {
			t.Errorf("Append during an open write transaction returned %v, want ErrChainConflict", err)
		}
		done <- err
	case <-time.After(200 * time.Millisecond):
		// Waiting for the lock, as expected.
	}
	within(t, "Head while a write transaction is open", 10*time.Second, func() {
		if h := headOf(t, s); h != h0 {
			t.Errorf("Head while a write transaction is open = %d, want %d", h.Seq, h0.Seq)
		}
	})
	fatalIf(t, a.Commit(ctx), "Appender.Commit")
	fatalIf(t, l.Commit(bt), "Commit to the model")

	select {
	case err := <-done:
		if !errors.Is(err, store.ErrChainConflict) {
			t.Errorf("Append prepared on the head before a transaction returned %v after it committed, want ErrChainConflict", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Append still blocked 30s after the write transaction committed")
	}
	sameList(t, "ledger", eventsFrom(t, s, 0), l.Stored())
	ex, err := s.PersonExists(ctx, []string{"T", "Z"})
	fatalIf(t, err, "PersonExists")
	if !ex["T"] || ex["Z"] {
		t.Errorf("PersonExists T %v, Z %v; want true, false", ex["T"], ex["Z"])
	}
}

func testLatestDate(t *testing.T, s store.Store) {
	ctx := t.Context()
	latest := func() domain.Date {
		t.Helper()
		dt, err := s.LatestDate(ctx)
		fatalIf(t, err, "LatestDate")
		return dt
	}
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
	b.Append(t, s)
	if dt := latest(); dt != d("2020-01-01") {
		t.Errorf("LatestDate = %s, want 2020-01-01", dt)
	}
	// The latest date, not the date of the last event.
	b = l.Begin(t, s)
	b.Register(d("2024-05-01"), "A", Man("A", d("1990-01-01")))
	b.Admit(d("2024-05-02"), "A", "CC1", Held(domain.StatusPretrial, "C1"))
	b.Census(d("2023-12-31"), "CC1", "total", 10, "visit")
	b.Append(t, s)
	b = l.Begin(t, s)
	b.Facility(d("2019-01-01"), "CC2", "CC2", domain.CorrectionalCentre, 300, "GDP")
	b.Append(t, s)
	if dt := latest(); dt != d("2024-05-02") {
		t.Errorf("LatestDate = %s, want 2024-05-02", dt)
	}
}

// testEstateChangedSince: a facility, a cell or a correction after the seq
// asked about is seen, through the transaction, including one it wrote
// itself; a person's events and a census count are not estate changes.
func testEstateChangedSince(t *testing.T, s store.Store) {
	ctx := t.Context()
	l := NewLedger()
	b := l.Begin(t, s)
	fac := b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
	cell := b.Cell(d("2020-01-01"), "CC1", domain.CellData{Label: "A1", AreaM2: 30, Capacity: 10})
	b.Register(d("2024-01-01"), "A", Man("A", d("1990-01-01")))
	b.Admit(d("2024-01-02"), "A", "CC1", Held(domain.StatusPretrial, "C1"))
	b.Census(d("2024-01-31"), "CC1", "total", 250, "visit")
	b.Append(t, s)
	head := l.Head().Seq

	a := beginAppend(t, s)
	for _, c := range []struct {
		after int64
		want  bool
	}{{0, true}, {fac - 1, true}, {fac, true}, {cell - 1, true}, {cell, false}, {head, false}, {head + 5, false}} {
		got, err := a.EstateChangedSince(ctx, c.after)
		fatalIf(t, err, "EstateChangedSince")
		if got != c.want {
			t.Errorf("EstateChangedSince(%d) = %v, want %v (facility is event %d, cell %d, head %d)", c.after, got, c.want, fac, cell, head)
		}
	}
	// A cell written in this transaction is seen by it.
	b1 := l.BeginAt(a.Head())
	b1.Cell(d("2024-02-01"), "CC1", domain.CellData{Label: "A2", AreaM2: 20, Capacity: 6})
	write(t, a, b1)
	got, err := a.EstateChangedSince(ctx, head)
	fatalIf(t, err, "EstateChangedSince")
	if !got {
		t.Errorf("EstateChangedSince(%d) after writing a cell in the transaction = false, want true", head)
	}
	fatalIf(t, a.Rollback(ctx), "Rollback")
}
