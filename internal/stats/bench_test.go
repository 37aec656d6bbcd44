package stats_test

import (
	"context"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/habeas-kh/habeas/internal/demo"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/stats"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
)

var (
	once  sync.Once
	db    *sqldb.DB
	dbErr error
)

// register opens a demo register of HABEAS_BENCH_PEOPLE people (default
// 20,000; bench/register.sh measures the million), built once per run, or
// HABEAS_BENCH_DB when it names an existing database.
func register(b *testing.B) *sqldb.DB {
	once.Do(func() {
		ctx := context.Background()
		if p := os.Getenv("HABEAS_BENCH_DB"); p != "" {
			db, dbErr = sqldb.Open(ctx, p, nil)
			return
		}
		n := 20000
		if v, err := strconv.Atoi(os.Getenv("HABEAS_BENCH_PEOPLE")); err == nil && v > 0 {
			n = v
		}
		path := os.TempDir() + "/habeas-stats-bench-" + strconv.Itoa(os.Getpid()) + ".db"
		if db, dbErr = sqldb.Open(ctx, path, nil); dbErr != nil {
			return
		}
		_, dbErr = ledger.New(db).Load(ctx, ledger.Actor{Name: "bench"}, func(emit func(*domain.Event) error) error {
			return demo.Generate(ctx, demo.Options{Seed: 1, People: n}, emit)
		})
	})
	if dbErr != nil {
		b.Fatal(dbErr)
	}
	return db
}

// BenchmarkCompute is `habeas stats --as-of 2020-03-31` without the process
// start, next to the bare count of people held on that date (the baseline: the
// least any population figure must read).
func BenchmarkCompute(b *testing.B) {
	st := register(b)
	ctx := context.Background()
	day := domain.MustDate("2020-03-31")
	b.Run("stats", func(b *testing.B) {
		for b.Loop() {
			if _, err := stats.Compute(ctx, st, day, stats.Options{Cells: 5}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("count-only", func(b *testing.B) {
		for b.Loop() {
			var n int
			if err := st.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM stays WHERE to_date > ? AND from_date <= ?", int64(day), int64(day)).Scan(&n); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The test binary needs a test to clean up after the benchmark register.
func TestMain(m *testing.M) {
	code := m.Run()
	if db != nil && os.Getenv("HABEAS_BENCH_DB") == "" {
		db.Close()
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(os.TempDir() + "/habeas-stats-bench-" + strconv.Itoa(os.Getpid()) + ".db" + suffix)
		}
	}
	os.Exit(code)
}
