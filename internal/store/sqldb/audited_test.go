package sqldb_test

import (
	"context"
	"testing"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/store/storetest"
)

// TestAuditedFromOfAnOldRegister: a register made before events were
// audited in their transaction is not reported by verify for the events it
// holds from then (their entries were written apart, or never); a register
// made since is checked from its first event.
func TestAuditedFromOfAnOldRegister(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			dsn := be.DSN(t)
			db := dbtest.Open(t, dsn)
			if from, err := db.AuditedFrom(ctx); err != nil || from != 1 {
				t.Fatalf("a new register is audited from %d (%v), want 1", from, err)
			}
			// Events written straight to the store have no audit entry, as in
			// a register kept before the upgrade.
			storetest.Generate(t, db, 7)
			head, err := db.Head(ctx)
			if err != nil || head.Seq == 0 {
				t.Fatalf("head %d: %v", head.Seq, err)
			}
			if rep, err := auth.VerifyAuditFrom(ctx, db, 1, head.Seq); err != nil || rep.EventsOK {
				t.Fatalf("events without entries in a new register pass verify (%v)", err)
			}
			for _, q := range withSplitUndone("DROP TABLE idempotency", "DELETE FROM settings WHERE name = 'audited_from'", "DELETE FROM goose_db_version WHERE version_id = 7") {
				if _, err := db.SQL().ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			db.Close()
			db, err = sqldb.Open(ctx, dsn, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			from, err := db.AuditedFrom(ctx)
			if err != nil || from != head.Seq+1 {
				t.Fatalf("the upgraded register is audited from %d (%v), want %d", from, err, head.Seq+1)
			}
			rep, err := auth.VerifyAuditFrom(ctx, db, from, head.Seq)
			if err != nil || !rep.EventsOK {
				t.Errorf("verify of the upgraded register: %v %+v", err, rep)
			}
		})
	}
}
