package registry_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/demo"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/plan"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestPlanService: the staff plan is the plan of a fresh screening, from
// the screening the service keeps; who may plan, save and follow; the
// saved plan names who made it; a plan unpublished is not public.
func TestPlanService(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t, dbtest.SQLiteDSN(t))
	if _, err := ledger.New(db).Load(ctx, ledger.Actor{Name: "test"}, func(emit func(*domain.Event) error) error {
		return demo.Generate(ctx, demo.Options{Seed: 5, People: 400}, emit)
	}); err != nil {
		t.Fatal(err)
	}
	reg := open(t, db)
	admin := &auth.Principal{User: "planner", Role: auth.Admin, Via: "test"}
	cc1 := &auth.Principal{User: "r", Role: auth.Registrar, Facilities: []string{"CC1"}, Via: "test"}
	opt := plan.Options{Target: plan.Target{Kind: plan.TargetCapacity}, Exclude: []plan.Exclusion{plan.ExcludeViolent}}

	got, err := reg.Plan(ctx, admin, domain.NoDate, opt)
	if err != nil {
		t.Fatal(err)
	}
	pack, _ := rules.Builtin(rules.BuiltinID)
	rs, err := plan.Screen(ctx, db, pack, got.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	want, err := plan.Make(ctx, db, pack, got.AsOf, rs, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the staff plan differs from the plan of a fresh screening:\n got %+v\nwant %+v", got.National, want.National)
	}
	if got.TotalReleases == 0 {
		t.Fatal("an empty plan tests nothing")
	}

	// A registrar of CC1 plans for CC1, not the nation, and saves nothing.
	if _, err := reg.Plan(ctx, cc1, domain.NoDate, opt); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("a national plan by a registrar of CC1: %v", err)
	}
	mine := opt
	mine.Facility = "CC1"
	if p, err := reg.Plan(ctx, cc1, domain.NoDate, mine); err != nil || len(p.Facilities) != 1 {
		t.Errorf("a registrar's plan for CC1: %v", err)
	}
	if _, _, err := reg.SavePlan(ctx, cc1, "mine", domain.NoDate, mine); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("a registrar saving a plan: %v", err)
	}

	// Saved with who made it; followed; public only once published.
	_, seq, err := reg.SavePlan(ctx, admin, "first", domain.NoDate, opt)
	if err != nil || seq == 0 {
		t.Fatalf("saving: %v", err)
	}
	if _, _, err := reg.SavePlan(ctx, admin, "first", domain.NoDate, opt); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("saving the same name again: %v", err)
	}
	pr, err := reg.PlanProgress(ctx, admin, "first")
	if err != nil || pr.SavedBy != "planner" || pr.Planned != got.TotalReleases || pr.Done != 0 || len(pr.StillHeld) != pr.Planned {
		t.Fatalf("progress: %+v, %v", pr, err)
	}
	if _, err := reg.PlanProgress(ctx, cc1, "first"); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("a registrar of CC1 following a national plan: %v", err)
	}
	if _, err := reg.PublishedPlan(ctx, "first", 5); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("an unpublished plan in public: %v", err)
	}
	if _, err := reg.PublishPlan(ctx, admin, "nothing", nil); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("publishing a plan never saved: %v", err)
	}
	if _, err := reg.PublishPlan(ctx, admin, "first", nil); err != nil {
		t.Fatal(err)
	}
	pub, err := reg.PublishedPlan(ctx, "first", 5)
	if err != nil || pub.Planned == nil || *pub.Planned != got.TotalReleases {
		t.Errorf("the published plan: %+v, %v", pub, err)
	}
	if names, err := reg.PublishedPlans(ctx); err != nil || !reflect.DeepEqual(names, []string{"first"}) {
		t.Errorf("published plans %v, %v", names, err)
	}
}
