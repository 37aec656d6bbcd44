package sqldb_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/store/storetest"
)

// figures are what the statistics read from the aggregates on some dates.
func figures(t *testing.T, db *sqldb.DB) string {
	t.Helper()
	ctx := t.Context()
	var b strings.Builder
	for dt := domain.MustDate("2022-12-31"); dt <= domain.MustDate("2024-09-30"); dt = dt.AddDays(9) {
		pop, cells, err := db.Held(ctx, dt, 1000)
		if err != nil {
			t.Fatal(err)
		}
		flags, err := db.FlagsOn(ctx, dt)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %v %v %v\n", dt, pop, cells, flags)
	}
	return b.String()
}

func noAggregateProblems(t *testing.T, db *sqldb.DB, when string) {
	t.Helper()
	probs, err := db.AggregateProblems(t.Context(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) > 0 {
		t.Errorf("%s: %q", when, probs)
	}
}

// TestAggregatesOfAnOldRegister: a register made before the aggregate
// projection (migrated to 00003, with stays and flags) gets it built when the
// new store opens it, and says so in its log.
func TestAggregatesOfAnOldRegister(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			dsn := be.DSN(t)
			db := dbtest.Open(t, dsn)
			storetest.Generate(t, db, 7)
			want := figures(t, db)
			if strings.Count(want, "{") < 100 {
				t.Fatalf("suite: the generated register holds too few on the dates read:\n%s", want)
			}
			for _, q := range withSplitUndone("DROP TABLE idempotency", "DELETE FROM goose_db_version WHERE version_id = 7", "DROP TABLE signin_failures", "DELETE FROM goose_db_version WHERE version_id = 6", "DROP TABLE settings", "DELETE FROM goose_db_version WHERE version_id = 5",
				"DROP TABLE agg_pending", "DROP TABLE agg_flags", "DROP TABLE agg_cells", "DROP TABLE agg_pop",
				"DELETE FROM goose_db_version WHERE version_id = 4") {
				if _, err := db.SQL().ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			db.Close()
			var logged bytes.Buffer
			db, err := sqldb.Open(ctx, dsn, slog.New(slog.NewTextHandler(&logged, nil)))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if !strings.Contains(logged.String(), "built the aggregate projection") {
				t.Errorf("the log does not say the aggregates were built:\n%s", logged.String())
			}
			if got := figures(t, db); got != want {
				t.Errorf("figures after the upgrade differ:\n got %s\nwant %s", got, want)
			}
			noAggregateProblems(t, db, "after the upgrade")
			// Opened again, it has nothing left to build.
			db.Close()
			logged.Reset()
			db, err = sqldb.Open(ctx, dsn, slog.New(slog.NewTextHandler(&logged, nil)))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if strings.Contains(logged.String(), "aggregate") {
				t.Errorf("opened a second time, the store built the aggregates again:\n%s", logged.String())
			}
		})
	}
}

// TestAggregatesWrittenInParts: a writer that holds few buckets before
// writing them (as a large register's does) ends with the same figures,
// through the write path, a rebuild and the build of a pending projection.
func TestAggregatesWrittenInParts(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			ctx := t.Context()
			whole := dbtest.Open(t, be.DSN(t))
			l := storetest.Generate(t, whole, 11)
			want := figures(t, whole)

			parts := dbtest.Open(t, be.DSN(t))
			// Few enough that the writer flushes and the rebuild splits the years
			// into several ranges (its budget is 16 times this).
			sqldb.SetAggFlushAt(parts, 12)
			storetest.Generate(t, parts, 11)
			if got := figures(t, parts); got != want {
				t.Errorf("written in parts, the figures differ:\n got %s\nwant %s", got, want)
			}
			noAggregateProblems(t, parts, "written in parts")

			err := parts.ReplaceProjections(ctx, func(yield func(*domain.PersonFile) error) error {
				for _, f := range l.Files() {
					if err := yield(f); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := figures(t, parts); got != want {
				t.Errorf("rebuilt in parts, the figures differ:\n got %s\nwant %s", got, want)
			}
			noAggregateProblems(t, parts, "rebuilt in parts")

			for _, q := range []string{"DELETE FROM agg_pop", "UPDATE agg_flags SET n = 0", "INSERT INTO agg_pending (pending) VALUES (1)"} {
				if _, err := parts.SQL().ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if reflect.DeepEqual(figures(t, parts), want) {
				t.Fatal("suite: emptying the aggregates left the figures as they were")
			}
			if err := sqldb.BuildAggregates(ctx, parts); err != nil {
				t.Fatal(err)
			}
			if got := figures(t, parts); got != want {
				t.Errorf("built in parts, the figures differ:\n got %s\nwant %s", got, want)
			}
			noAggregateProblems(t, parts, "built in parts")
		})
	}
}

// TestAggregatesOfAStayOutOfRange: the aggregates are computed from stays
// held as 32-bit days; a stay whose date does not fit (a row changed behind
// habeas's back) is an error, not a date silently cut short.
func TestAggregatesOfAStayOutOfRange(t *testing.T) {
	db := dbtest.Open(t, dbtest.SQLiteDSN(t))
	storetest.Generate(t, db, 5)
	if _, err := db.SQL().ExecContext(t.Context(), "UPDATE stays SET to_date = 1099511627776 WHERE rowid = (SELECT MIN(rowid) FROM stays)"); err != nil {
		t.Fatal(err)
	}
	_, err := db.AggregateProblems(t.Context(), 10)
	if err == nil || !strings.Contains(err.Error(), "reading stays: value 1099511627776 out of range") {
		t.Errorf("AggregateProblems with a stay out of range: %v", err)
	}
}
