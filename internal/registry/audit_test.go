package registry_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestAuditUnderConcurrentWrites: 30 writers record at once, while account
// changes extend the same audit chain; every write that returned success has
// its audit entry, written with its events, and verify finds every event
// named once (issue 14, item 14: entries were lost after five retries).
// Deleting an entry in the database is then reported by verify.
func TestAuditUnderConcurrentWrites(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			a := newAccess(t, be.DSN(t))
			ctx := a.ctx
			acc := authOf(a)
			const writers = 30
			seqs := make([][]int64, writers)
			errs := make([]error, writers)
			var wg sync.WaitGroup
			for i := range writers {
				wg.Go(func() {
					seqs[i], errs[i] = a.record(a.cc1, registration(fmt.Sprintf("P%02d", i), "2024-03-01", "CC1")...)
				})
			}
			// Account-side entries race for the same chain, and are not
			// refused for it.
			for i := range 5 {
				wg.Go(func() {
					if err := acc.Record(ctx, a.admin, auth.ActPersonRead, fmt.Sprintf("P%02d", i), map[string]any{}); err != nil {
						t.Errorf("an account-side entry: %v", err)
					}
				})
			}
			wg.Wait()
			type named struct {
				actor, subject string
				seqs           []int64
			}
			bySeq := map[int64]named{}
			err := a.db.AuditEntries(ctx, 1, func(e store.AuditEntry) error {
				if e.Action != store.ActEventRecord {
					return nil
				}
				var d struct{ Seqs []int64 }
				if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
					return err
				}
				bySeq[d.Seqs[0]] = named{e.Actor, e.Subject, d.Seqs}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			ok := 0
			for i := range writers {
				if errs[i] != nil {
					t.Errorf("writer %d: %v", i, errs[i])
					continue
				}
				ok++
				got := bySeq[seqs[i][0]]
				if got.actor != a.cc1.User || got.subject != fmt.Sprintf("P%02d", i) || !slices.Equal(got.seqs, seqs[i]) {
					t.Errorf("writer %d wrote %v; its audit entry: %+v", i, seqs[i], got)
				}
			}
			head, err := a.db.Head(ctx)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := auth.VerifyAudit(ctx, a.db, head.Seq)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.ChainOK || !rep.EventsOK || rep.Unaudited != 0 {
				t.Fatalf("verify after %d writes: %+v", ok, rep)
			}

			// An entry deleted in the database, its trigger dropped first, is
			// found: its events have none.
			drop := "DROP TRIGGER audit_no_delete"
			if a.db.Dialect() == "postgres" {
				drop = "ALTER TABLE audit DISABLE TRIGGER audit_no_update"
			}
			victim := seqs[7]
			del := "DELETE FROM audit WHERE action = 'event.record' AND subject = 'P07'"
			for _, q := range []string{drop, del} {
				if _, err := a.db.SQL().ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			rep, err = auth.VerifyAudit(ctx, a.db, head.Seq)
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("events %d to %d have no audit entry", victim[0], victim[1])
			if rep.EventsOK || rep.Unaudited != 2 || !strings.Contains(strings.Join(rep.Problems, "\n"), want) {
				t.Errorf("a deleted entry: verify says %+v, want %q", rep, want)
			}
		})
	}
}
