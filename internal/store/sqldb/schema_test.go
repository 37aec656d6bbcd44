package sqldb

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// TestDeferredIndexesMatchMigrations: the indexes a bulk load drops and
// rebuilds are exactly those of the migration, and after a bulk load (and
// after a rolled-back one) the schema is what the migration made.
func TestDeferredIndexesMatchMigrations(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	schema := func() map[string]string {
		out := map[string]string{}
		rows, err := db.db.Query("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var n, s string
			rows.Scan(&n, &s)
			out[n] = s
		}
		return out
	}
	migrated := schema()
	for _, ix := range deferredIndexes {
		if migrated[ix.name] != ix.def {
			t.Errorf("deferred index %s:\n  %s\nmigration:\n  %s", ix.name, ix.def, migrated[ix.name])
		}
	}
	// A rolled-back bulk load leaves the indexes in place.
	a, err := db.BeginAppend(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !a.(*appender).bulk {
		t.Fatal("an empty register should be loaded in bulk")
	}
	a.Rollback(ctx)
	if got := schema(); len(got) != len(migrated) {
		t.Errorf("after rollback: %d indexes, want %d", len(got), len(migrated))
	}
	// A committed one rebuilds them.
	body := []byte(`{"seq":1,"kind":"facility","date":"2020-01-01","facility":"F","recorded_at":"2020-01-01T00:00:00Z","recorded_by":"t","data":{"name":"F","kind":"prison","province":"P","capacity":1}}`)
	ev := store.StoredEvent{Seq: 1, Kind: domain.KFacility, Date: domain.MustDate("2020-01-01"), Facility: "F", Body: body, Prev: domain.GenesisHash, Hash: domain.ChainHash(domain.GenesisHash, body)}
	if err := db.Append(ctx, &store.Batch{Events: []store.StoredEvent{ev}}); err != nil {
		t.Fatal(err)
	}
	got := schema()
	for n, s := range migrated {
		if got[n] != s && !strings.EqualFold(got[n], s) {
			t.Errorf("after a bulk load, index %s is %q, want %q", n, got[n], s)
		}
	}
	// The ledger now holds a facility but no person: a first load of
	// people after the facilities still takes the bulk path.
	a, err = db.BeginAppend(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !a.(*appender).bulk || !a.NoPersons() {
		t.Error("a register with facilities and no person should be loaded in bulk")
	}
	a.Rollback(ctx)
}
