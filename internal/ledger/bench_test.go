package ledger_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/habeas-kh/habeas/internal/demo"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// benchPeople scales the benchmark register (HABEAS_BENCH_PEOPLE, default
// 20,000 people held on 2020-03-31; bench/register.sh runs the million).
func benchPeople() int {
	if n, err := strconv.Atoi(os.Getenv("HABEAS_BENCH_PEOPLE")); err == nil && n > 0 {
		return n
	}
	return 20000
}

var (
	benchOnce   sync.Once
	benchExport []byte
	benchErr    error
)

// demoExport builds a demo register once and returns its export.
func demoExport(b *testing.B) []byte {
	benchOnce.Do(func() {
		ctx := context.Background()
		dir, err := os.MkdirTemp("", "habeas-bench")
		if err != nil {
			benchErr = err
			return
		}
		defer os.RemoveAll(dir)
		db, err := sqldb.Open(ctx, filepath.Join(dir, "demo.db"), nil)
		if err != nil {
			benchErr = err
			return
		}
		defer db.Close()
		svc := ledger.New(db)
		if _, benchErr = svc.Load(ctx, ledger.Actor{Name: "bench"}, func(emit func(*domain.Event) error) error {
			return demo.Generate(ctx, demo.Options{Seed: 1, People: benchPeople()}, emit)
		}); benchErr != nil {
			return
		}
		var buf bytes.Buffer
		_, benchErr = svc.Export(ctx, &buf)
		benchExport = buf.Bytes()
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchExport
}

// BenchmarkImport restores the demo ledger into an empty SQLite database,
// and, as the baseline in the same run, inserts the same rows into a bare
// table through the same driver in one transaction.
func BenchmarkImport(b *testing.B) {
	export := demoExport(b)
	lines := bytes.Count(export, []byte("\n"))
	b.Run("habeas", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			db, err := sqldb.Open(context.Background(), dbtest.SQLiteDSN(b), nil)
			if err != nil {
				b.Fatal(err)
			}
			svc := ledger.New(db)
			b.StartTimer()
			if _, err := svc.Import(context.Background(), bytes.NewReader(export), "bench.jsonl", registrar); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			db.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("bare-insert", func(b *testing.B) {
		rows := strings.Split(strings.TrimSpace(string(export)), "\n")
		for b.Loop() {
			b.StopTimer()
			db, err := sql.Open("sqlite3", "file:"+dbtest.SQLiteDSN(b)+"?_journal_mode=WAL")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := db.Exec("CREATE TABLE events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)"); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			tx, _ := db.Begin()
			st, _ := tx.Prepare("INSERT INTO events (seq, body) VALUES (?, ?)")
			for i, r := range rows {
				if _, err := st.Exec(i+1, r); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			db.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
}
