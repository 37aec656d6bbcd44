package registry_test

import (
	"context"
	"errors"
	"testing"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestRecordCommitment: only administrators record pledges, declared
// figures and reforms; the writer's refusals name the field.
func TestRecordCommitment(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t, dbtest.SQLiteDSN(t))
	reg := open(t, db)
	admin := &auth.Principal{User: "a", Role: auth.Admin, Via: "web 127.0.0.1"}
	cc1 := &auth.Principal{User: "r", Role: auth.Registrar, Facilities: []string{"CC1"}, Via: "web 127.0.0.1"}
	day := domain.MustDate("2020-05-15")
	pledge := &domain.Event{Kind: domain.KPledge, Date: day, Data: &domain.PledgeData{ID: "p", Title: "Release 10", MadeBy: "m",
		Kind: domain.PledgeReleases, Start: day, Deadline: day + 30, Target: 10, Source: "s"}}
	if _, err := reg.RecordCommitment(ctx, cc1, pledge); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("a registrar recording a pledge: %v", err)
	}
	// Nor through Record, which the API's events route uses.
	if _, err := reg.Record(ctx, cc1, pledge); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("a registrar recording a pledge through Record: %v", err)
	}
	if _, err := reg.RecordCommitment(ctx, admin, &domain.Event{Kind: domain.KRelease, Date: day, Person: "x",
		Data: &domain.ReleaseData{Mechanism: domain.Mechanisms[0]}}); err == nil {
		t.Error("RecordCommitment took a release")
	}
	if _, err := reg.RecordCommitment(ctx, admin, pledge); err != nil {
		t.Fatalf("an administrator recording a pledge: %v", err)
	}
	_, err := reg.RecordCommitment(ctx, admin, &domain.Event{Kind: domain.KDeclaration, Date: day,
		Data: &domain.DeclarationData{Pledge: "p", Figure: 3, DeclaredBy: "MoJ"}})
	if field, _, ok := domain.FieldOf(err); !ok || field != "data.source" {
		t.Errorf("a declared figure without a source: %v", err)
	}
}
