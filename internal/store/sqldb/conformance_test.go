package sqldb_test

import (
	"testing"

	"github.com/habeas-kh/habeas/internal/store"
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
