package registry_test

import (
	"context"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/registry"
	"github.com/habeas-kh/habeas/internal/screening"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs op in a b.Loop and reports its CPU time per operation
// beside the wall time: the machine may be shared.
func measure(b *testing.B, op func()) {
	c0 := cpuTime()
	n := 0
	for b.Loop() {
		op()
		n++
	}
	b.ReportMetric(float64(cpuTime()-c0)/float64(n)/1e6, "cpu-ms/op")
}

// BenchmarkQueueAfterRestart: the queue's first page right after a start
// on a demo register (HABEAS_BENCH_PEOPLE, 20,000 by default): before,
// a full screening (screening.Run, as the queue did); first, the very
// first start of a register (a full screening looking for next changes,
// and storing it); stored, a start from the stored screening; and the
// catch-up of one write (a release) as the next read of the queue sees it.
func BenchmarkQueueAfterRestart(b *testing.B) {
	ctx := context.Background()
	people := 20000
	if n, err := strconv.Atoi(os.Getenv("HABEAS_BENCH_PEOPLE")); err == nil && n > 0 {
		people = n
	}
	db := demoDB(b, dbtest.SQLiteDSN(b), people)
	pack := builtin(b)
	asOf, err := db.LatestDate(ctx)
	if err != nil {
		b.Fatal(err)
	}
	first := func(reg *registry.Service) *registry.Queue {
		q, err := reg.Queue(ctx, admin, registry.QueueQuery{})
		if err != nil {
			b.Fatal(err)
		}
		return q
	}
	b.Run("before-full-screening", func(b *testing.B) {
		measure(b, func() {
			if _, err := screening.Run(ctx, db, pack, screening.Options{AsOf: asOf, Within: registry.Within}); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("first-start", func(b *testing.B) {
		i := 0
		measure(b, func() {
			other := *pack
			i++
			other.Hash = "bench-" + strconv.Itoa(i) // nothing stored for it
			first(newService(b, db, &other))
		})
	})
	var q *registry.Queue
	b.Run("stored", func(b *testing.B) {
		first(newService(b, db, pack)) // stored with this pack
		measure(b, func() {
			reg := newService(b, db, pack)
			q = first(reg)
			if w := reg.ScreeningWork(); w.Full != 0 {
				b.Fatalf("a full screening after a restart: %+v", w)
			}
		})
		b.Logf("%d people held", q.Total)
	})
	b.Run("write-catch-up", func(b *testing.B) {
		reg := newService(b, db, pack)
		q := first(reg)
		i := 0
		measure(b, func() {
			b.StopTimer()
			if i >= len(q.Persons) {
				q, i = first(reg), 0
			}
			id := q.Persons[i].Person
			i++
			if _, err := reg.Record(ctx, admin, &domain.Event{Kind: domain.KRelease, Date: asOf, Person: id,
				Data: &domain.ReleaseData{Mechanism: domain.MechBail}}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			first(reg)
		})
	})
}
