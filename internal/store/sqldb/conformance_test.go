package sqldb_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/store/storetest"
)

// TestConformance runs the one store suite against both backends.
func TestConformance(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) store.Store { return dbtest.Open(t, be.DSN(t)) })
			storetest.RunAccounts(t, func(t *testing.T) store.Accounts { return dbtest.Open(t, be.DSN(t)) })
			storetest.RunLedgerAudit(t, func(t *testing.T) storetest.LedgerAccounts { return dbtest.Open(t, be.DSN(t)) })
			storetest.RunPlans(t, func(t *testing.T) storetest.PlanStore { return dbtest.Open(t, be.DSN(t)) })
			storetest.RunOrgs(t, func(t *testing.T) storetest.OrgStore { return dbtest.Open(t, be.DSN(t)) })
		})
	}
}

// TestConformanceOnReplica runs the store suite on PostgreSQL with every
// read a replica may serve sent to the streaming replica (when it has
// replayed the suite's own last write, else to the primary): the suite's
// writes followed at once by reads must all read their writes.
func TestConformanceOnReplica(t *testing.T) {
	if os.Getenv("HABEAS_TEST_PG_REPLICA") == "" && os.Getenv("HABEAS_REQUIRE_PG") == "" {
		t.Skip("HABEAS_TEST_PG_REPLICA not set: skipping the suite on a replica (.ci/replica makes one)")
	}
	open := func(t *testing.T) *sqldb.DB {
		dsn := dbtest.PostgresDSN(t)
		db := dbtest.Open(t, dsn)
		if err := db.AttachReplica(context.Background(), dbtest.ReplicaDSN(t, dsn), sqldb.ReplicaOptions{MaxLag: time.Hour, Interval: 20 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		sqldb.ReadAllFromReplica(db, "conformance")
		return db
	}
	storetest.Run(t, func(t *testing.T) store.Store { return open(t) })
	storetest.RunPlans(t, func(t *testing.T) storetest.PlanStore { return open(t) })
	// The suite's reads went to the replica, not only to the primary.
	db := open(t)
	for end := time.Now().Add(30 * time.Second); !db.ReadsReplica(context.Background()); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("the replica never served the suite's reads")
		}
	}
}
