package sqldb_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
)

// TestOpenSyncsFully: a SQLite register is opened with synchronous=FULL, so
// that an acknowledged write survives a power loss.
func TestOpenSyncsFully(t *testing.T) {
	db, err := sqldb.Open(t.Context(), filepath.Join(t.TempDir(), "h.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
	if got := one[int](t, db, "PRAGMA synchronous"); got != 2 {
		t.Errorf("synchronous = %d, want 2 (FULL)", got)
	}
}

// BenchmarkRecordOne prices durability: one census event recorded and
// committed per operation, as a web form or an API call does, on a SQLite
// file with synchronous=FULL (what habeas opens) and NORMAL (the baseline).
func BenchmarkRecordOne(b *testing.B) {
	for _, mode := range []string{"FULL", "NORMAL"} {
		b.Run("synchronous="+mode, func(b *testing.B) {
			ctx := context.Background()
			db, err := sqldb.Open(ctx, filepath.Join(b.TempDir(), "h.db"), nil, sqldb.Synchronous(mode))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			svc := ledger.New(db)
			actor := ledger.Actor{Name: "bench", Via: "bench"}
			day := domain.MustDate("2020-03-31")
			if _, err := svc.Record(ctx, actor, &domain.Event{Kind: domain.KFacility, Date: day, Facility: "F1",
				Data: &domain.FacilityData{Name: "Prison", Kind: domain.Prison, Province: "Kandal", Capacity: 500}}); err != nil {
				b.Fatal(err)
			}
			i := 0
			for b.Loop() {
				i++
				if _, err := svc.Record(ctx, actor, &domain.Event{Kind: domain.KCensus, Date: day, Facility: "F1",
					Data: &domain.CensusData{Category: "total", Count: i, Source: "bench"}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
