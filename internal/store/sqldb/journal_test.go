package sqldb_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/store/storetest"
)

// people builds a batch after head registering and admitting n persons
// numbered from first (with the facility when withFacility).
func people(t *testing.T, l *storetest.Ledger, head store.Head, first, n int, withFacility bool) *storetest.Builder {
	t.Helper()
	b := l.BeginAt(head)
	if withFacility {
		b.Facility(domain.MustDate("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 500, "GDP")
	}
	for i := first; i < first+n; i++ {
		id := fmt.Sprintf("J%05d", i)
		b.Register(domain.MustDate("2023-12-01"), id, storetest.Man(id, domain.MustDate("1980-01-01")))
		b.Admit(domain.MustDate("2024-01-02"), id, "CC1", storetest.Held(domain.StatusPretrial, "A"))
	}
	return b
}

// write begins a write transaction and writes b's batch through it.
func write(t *testing.T, db *sqldb.DB, b *storetest.Builder) store.Appender {
	t.Helper()
	batch, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.BeginAppend(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Write(t.Context(), batch); err != nil {
		a.Rollback(t.Context())
		t.Fatal(err)
	}
	return a
}

// one reads the single value a query returns.
func one[T any](t *testing.T, db *sqldb.DB, query string) T {
	t.Helper()
	var v T
	if err := db.SQL().QueryRowContext(t.Context(), query).Scan(&v); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return v
}

func journalMode(t *testing.T, db *sqldb.DB) string { return one[string](t, db, "PRAGMA journal_mode") }

func countPersons(t *testing.T, db *sqldb.DB) int {
	return one[int](t, db, "SELECT COUNT(*) FROM persons")
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestLoadWrittenOnce: with LoadsAlone, a load into a SQLite register without
// persons is written through a rollback journal rather than the write-ahead
// log, and the file is back in WAL mode once it commits or rolls back. A
// load into a register that holds persons goes through the log, and so does
// any load without the option.
func TestLoadWrittenOnce(t *testing.T) {
	dsn := dbtest.SQLiteDSN(t)
	db, err := sqldb.Open(t.Context(), dsn, nil, sqldb.LoadsAlone())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l := storetest.NewLedger()

	// Rolled back: nothing stays, and the file is in WAL mode again.
	a := write(t, db, people(t, l, store.Head{Hash: domain.GenesisHash}, 0, 50, true))
	if !exists(dsn+"-journal") || exists(dsn+"-wal") {
		t.Errorf("during a load into an empty register: journal %v, log %v; want a rollback journal and no log", exists(dsn+"-journal"), exists(dsn+"-wal"))
	}
	if err := a.Rollback(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := journalMode(t, db); got != "wal" {
		t.Errorf("journal mode after a rolled back load = %q, want wal", got)
	}
	if n := countPersons(t, db); n != 0 || exists(dsn+"-journal") {
		t.Errorf("after the rollback: %d persons, journal left %v", n, exists(dsn+"-journal"))
	}

	// Committed.
	b := people(t, l, l.Head(), 0, 50, true)
	a = write(t, db, b)
	if !exists(dsn + "-journal") {
		t.Error("the second load into an empty register has no rollback journal")
	}
	if err := a.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := l.Commit(b); err != nil {
		t.Fatal(err)
	}
	if got := journalMode(t, db); got != "wal" {
		t.Errorf("journal mode after a committed load = %q, want wal", got)
	}
	if n := countPersons(t, db); n != 50 || exists(dsn+"-journal") {
		t.Errorf("after the commit: %d persons (want 50), journal left %v", n, exists(dsn+"-journal"))
	}

	// The register now holds persons: the next load goes through the log.
	b = people(t, l, l.Head(), 50, 10, false)
	a = write(t, db, b)
	if exists(dsn + "-journal") {
		t.Error("a load into a register with persons writes a rollback journal")
	}
	if err := a.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got, n := journalMode(t, db), countPersons(t, db); got != "wal" || n != 60 {
		t.Errorf("after a load through the log: mode %q, %d persons; want wal, 60", got, n)
	}

	// Without the option, a load into an empty register goes through the log.
	dsn = dbtest.SQLiteDSN(t)
	db = dbtest.Open(t, dsn)
	a = write(t, db, people(t, storetest.NewLedger(), store.Head{Hash: domain.GenesisHash}, 0, 20, true))
	if exists(dsn+"-journal") || !exists(dsn+"-wal") {
		t.Errorf("without LoadsAlone: journal %v, log %v; want the log only", exists(dsn+"-journal"), exists(dsn+"-wal"))
	}
	if err := a.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// TestLoadBesideAReader: when another connection reads the file as a load
// into an empty register begins, SQLite cannot leave WAL mode; the load goes
// through the log, says so, and the reader keeps its snapshot.
func TestLoadBesideAReader(t *testing.T) {
	ctx := t.Context()
	dsn := dbtest.SQLiteDSN(t)
	var logged bytes.Buffer
	db, err := sqldb.Open(ctx, dsn, slog.New(slog.NewTextHandler(&logged, nil)), sqldb.LoadsAlone())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	other := dbtest.Open(t, dsn)
	tx, err := other.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM persons").Scan(&n); err != nil || n != 0 {
		t.Fatalf("reader: %d persons, %v", n, err)
	}

	l := storetest.NewLedger()
	b := people(t, l, store.Head{Hash: domain.GenesisHash}, 0, 30, true)
	a := write(t, db, b)
	if exists(dsn + "-journal") {
		t.Error("a load beside a reader writes a rollback journal")
	}
	if err := a.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logged.String(), "the load goes through the write-ahead log") {
		t.Errorf("the log does not say why the load went through the log:\n%s", logged.String())
	}
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM persons").Scan(&n); err != nil || n != 0 {
		t.Errorf("the reader's snapshot changed under it: %d persons, %v", n, err)
	}
	tx.Rollback()
	if n := countPersons(t, other); n != 30 {
		t.Errorf("after the load the reader sees %d persons, want 30", n)
	}
	if got := journalMode(t, db); got != "wal" {
		t.Errorf("journal mode = %q, want wal", got)
	}
}

// TestCancelledLoadWrittenOnce: a load written through a rollback journal
// (LoadsAlone) whose commit is cancelled, before it begins or at any point
// where it heeds its context, leaves the file as it was: no person, every
// index a bulk load drops back in place, no journal left, WAL mode again.
func TestCancelledLoadWrittenOnce(t *testing.T) {
	dsn := dbtest.SQLiteDSN(t)
	db, err := sqldb.Open(t.Context(), dsn, nil, sqldb.LoadsAlone())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	indexes := func() map[string]string {
		t.Helper()
		out := map[string]string{}
		rows, err := db.SQL().QueryContext(t.Context(), "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var n, s string
			if err := rows.Scan(&n, &s); err != nil {
				t.Fatal(err)
			}
			out[n] = s
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	migrated := indexes()
	l := storetest.NewLedger()
	b := people(t, l, store.Head{Hash: domain.GenesisHash}, 0, 50, true)
	for n := int64(0); ; n++ {
		if n > 10000 {
			t.Fatalf("Commit still cancelled at look %d at its context", n)
		}
		a := write(t, db, b)
		if !exists(dsn + "-journal") {
			t.Fatal("the load into an empty register has no rollback journal")
		}
		ctx, _ := storetest.CancelOnLook(t.Context(), n)
		if n == 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithCancel(t.Context())
			cancel()
		}
		err := a.Commit(ctx)
		if err == nil {
			break
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Commit cancelled at look %d returned %v, want context.Canceled", n, err)
		}
		if got := journalMode(t, db); got != "wal" {
			t.Errorf("journal mode after a commit cancelled at look %d = %q, want wal", n, got)
		}
		if p := countPersons(t, db); p != 0 || exists(dsn+"-journal") {
			t.Errorf("after a commit cancelled at look %d: %d persons, journal left %v", n, p, exists(dsn+"-journal"))
		}
		if got := indexes(); !maps.Equal(got, migrated) {
			t.Errorf("indexes after a commit cancelled at look %d:\n%v\nwant\n%v", n, got, migrated)
		}
		if t.Failed() {
			t.FailNow()
		}
	}
	if err := l.Commit(b); err != nil {
		t.Fatal(err)
	}
	if got, n := journalMode(t, db), countPersons(t, db); got != "wal" || n != 50 {
		t.Errorf("after the commit: mode %q, %d persons; want wal, 50", got, n)
	}
	if got := indexes(); !maps.Equal(got, migrated) {
		t.Errorf("indexes after the commit:\n%v\nwant\n%v", got, migrated)
	}
}
