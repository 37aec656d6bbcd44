package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// lookCtx is a context that cancels itself the at-th time it is looked at
// (Done or Err), and calls onLook at the first. Cancelling at every look in
// turn stops a commit at every point where it heeds its context, without
// depending on how long each step takes.
type lookCtx struct {
	context.Context
	cancel context.CancelFunc
	at     int64
	looks  atomic.Int64
	first  sync.Once
	onLook func()
}

func (c *lookCtx) look() {
	if c.onLook != nil {
		c.first.Do(c.onLook)
	}
	if c.looks.Add(1) == c.at {
		c.cancel()
	}
}

func (c *lookCtx) Done() <-chan struct{} { c.look(); return c.Context.Done() }
func (c *lookCtx) Err() error            { c.look(); return c.Context.Err() }

// CancelOnLook returns a context derived from parent that is cancelled the
// n-th time it is looked at (its Done or Err method called; never when n
// <= 0), and a function that says how often it was looked at so far. A test
// that calls a method with it for n = 1, 2, ... interrupts the method at
// every point where it heeds its context, in turn.
func CancelOnLook(parent context.Context, n int64) (context.Context, func() int64) {
	ctx, cancel := context.WithCancel(parent)
	c := &lookCtx{Context: ctx, cancel: cancel, at: n}
	return c, c.looks.Load
}

// CancelledCommitPersons is the number of persons of the load that the
// CommitCancelled test cancels from another goroutine (a tenth of it with
// -short).
var CancelledCommitPersons = 2000

// testCommitCancelled: a commit whose context is cancelled before it
// completes returns an error that is context.Canceled, and leaves the store
// as it was before the transaction and ready for the next one. The loads
// into an empty register (which a database may finish at commit: indexes
// built, aggregates computed) and into one with persons (changes summed and
// written at commit) are each cancelled before Commit, then at every point
// at which Commit looks at its context, and a larger load from another
// goroutine once its commit has begun.
func testCommitCancelled(t *testing.T, s store.Store) {
	ctx := t.Context()
	l := NewLedger()
	facs := []string{"CC1", "CC2", "PJ"}
	// people adds n persons numbered from first, admitted to the facilities
	// in turn, some with a cell, a drug charge, a health fact or a release.
	people := func(b *Builder, tag string, first, n int) []string {
		var ids []string
		for i := first; i < first+n; i++ {
			id := fmt.Sprintf("%s%05d", tag, i)
			ids = append(ids, id)
			fac := facs[i%len(facs)]
			var charges []domain.Charge
			if i%4 == 0 {
				charges = append(charges, DrugCharge)
			}
			if i%2 == 0 {
				b.Register(d("2023-12-01"), id, Man(id, d("1960-01-01").AddDays(i*397%20000)))
			} else {
				b.Register(d("2023-12-01"), id, Woman(id, d("1960-01-01").AddDays(i*397%20000)))
			}
			admitted := d("2024-01-01").AddDays(i % 30)
			b.Admit(admitted, id, fac, Held(domain.StatusPretrial, fmt.Sprintf("C%d", i%5), charges...))
			if i%3 == 0 {
				b.Health(admitted.AddDays(1), id, domain.HealthData{Fact: domain.FactChronic})
			}
			if i%5 == 0 {
				b.Release(d("2024-03-01"), id, domain.MechBail)
			}
		}
		return ids
	}
	var ids []string
	check := func(what string) {
		t.Helper()
		sameList(t, what+": ledger", eventsFrom(t, s, 0), l.Stored())
		expectDigests(t, s, l.Files())
		problems, err := s.AggregateProblems(ctx, 5)
		fatalIf(t, err, "AggregateProblems")
		if len(problems) > 0 {
			t.Errorf("%s: the stored aggregates differ from the stays and flags: %v", what, problems)
		}
		sameSet(t, what+": population on 2024-02-15", population(t, s, d("2024-02-15")), refPopulation(l.Files(), d("2024-02-15")))
	}
	begin := func(batch *store.Batch) store.Appender {
		t.Helper()
		a, err := s.BeginAppend(ctx)
		fatalIf(t, err, "BeginAppend")
		if err := a.Write(ctx, batch); err != nil {
			a.Rollback(ctx)
			t.Fatalf("Appender.Write: %v", err)
		}
		return a
	}
	// cancelled checks the outcome of a Commit that was cancelled, and
	// rolls the transaction back, as a caller does after a failed commit.
	cancelled := func(a store.Appender, err error, before snapshot, what string) {
		t.Helper()
		if err == nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("%s: Commit returned %v, want an error that is context.Canceled", what, err)
		}
		fatalIf(t, a.Rollback(ctx), "Appender.Rollback after a cancelled Commit")
		before.expectSame(t, takeSnapshot(t, s, ids, snapDates), what)
		if t.Failed() {
			t.FailNow()
		}
	}
	// walk commits b's batch, cancelled before Commit and then at each look
	// of Commit at its context in turn, until a commit goes through.
	walk := func(b *Builder, what string) {
		t.Helper()
		batch, err := b.Build()
		fatalIf(t, err, "Build")
		before := takeSnapshot(t, s, ids, snapDates)

		a := begin(batch)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		cancelled(a, a.Commit(cctx), before, what+", cancelled before Commit")

		for n := int64(1); ; n++ {
			if n > 100000 {
				t.Fatalf("%s: Commit still cancelled at its %d-th look at its context", what, n)
			}
			a := begin(batch)
			cctx, looks := CancelOnLook(ctx, n)
			err := a.Commit(cctx)
			if err == nil {
				// Cancelled too late to stop it, or not at all.
				t.Logf("%s: committed when cancelled at look %d of %d", what, n, looks())
				break
			}
			cancelled(a, err, before, fmt.Sprintf("%s, cancelled at look %d of Commit at its context", what, n))
		}
		fatalIf(t, l.Commit(b), "Commit to the model")
		check(what + ", committed after the cancelled attempts")
	}

	// A larger load into the empty register, cancelled from another
	// goroutine once Commit has begun. A store may finish first (the
	// cancellation does not reach it in time): then all of it is there.
	n := CancelledCommitPersons
	if testing.Short() {
		n /= 10
	}
	b := l.Begin(t, s)
	for _, f := range facs {
		b.Facility(d("2020-01-01"), f, f, domain.CorrectionalCentre, 5000, "GDP")
	}
	bigIDs := people(b, "L", 0, n)
	batch, err := b.Build()
	fatalIf(t, err, "Build")
	before := takeSnapshot(t, s, ids, snapDates)
	a := begin(batch)
	base, cancel := context.WithCancel(ctx)
	begun := make(chan struct{})
	cctx := &lookCtx{Context: base, cancel: cancel, onLook: func() { close(begun) }}
	go func() {
		<-begun
		cancel()
	}()
	if err := a.Commit(cctx); err != nil {
		cancelled(a, err, before, "a load cancelled from another goroutine during its commit")
		t.Logf("a load of %d persons was cancelled during its commit", n)
	} else {
		t.Logf("a load of %d persons committed before the cancellation reached it", n)
		fatalIf(t, l.Commit(b), "Commit to the model")
		ids = bigIDs
		check("a load that committed before its cancellation")
	}

	// A load into the register as it stands (empty unless the one above
	// committed), then one into a register with persons, which changes
	// some of them.
	b = l.Begin(t, s)
	if l.Head().Seq == 0 {
		for _, f := range facs {
			b.Facility(d("2020-01-01"), f, f, domain.CorrectionalCentre, 5000, "GDP")
		}
	}
	ids = append(ids, people(b, "A", 0, 12)...)
	walk(b, "a first load")

	b = l.Begin(t, s)
	b.Transfer(d("2024-02-01"), "A00011", "CC2", "K1")
	b.Release(d("2024-02-10"), "A00009", domain.MechServed)
	b.Health(d("2024-02-01"), "A00008", domain.HealthData{Fact: domain.FactChronic})
	ids = append(ids, people(b, "B", 0, 6)...)
	walk(b, "a load into a register with persons")

	// The store takes further writes.
	b = l.Begin(t, s)
	people(b, "C", 0, 2)
	b.Append(t, s)
	check("an append after the cancelled commits")
}
