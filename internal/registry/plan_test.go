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
	"github.com/habeas-kh/habeas/internal/scenario"
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

// TestPlanScenarioService: a plan's scenario for staff who may follow the
// plan, its bounds; publishing stores the national scenario with the plan
// and the public sees it, unless the plan's national count is withheld by
// the disclosure control (here with a threshold above the plan's count),
// when the scenario is withheld with it.
func TestPlanScenarioService(t *testing.T) {
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
	big, _, err := reg.SavePlan(ctx, admin, "big", domain.NoDate, plan.Options{Target: plan.Target{Kind: plan.TargetCapacity}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := reg.SavePlan(ctx, admin, "small", domain.NoDate, plan.Options{Target: plan.Target{Kind: plan.TargetReleases, N: 3}}); err != nil {
		t.Fatal(err)
	}
	opt := scenario.Options{Runs: 10, Days: 30, Seed: 2}
	res, err := reg.PlanScenario(ctx, admin, "big", opt)
	if err != nil || res.Released != big.TotalReleases || res.Series == nil || res.Plan == nil {
		t.Fatalf("staff scenario: %v (released %d of %d)", err, res.Released, big.TotalReleases)
	}
	for _, c := range []struct {
		p     *auth.Principal
		name  string
		o     scenario.Options
		field string
		code  domain.Code
	}{
		{cc1, "big", opt, "", domain.ErrForbidden},
		{admin, "none", opt, "", domain.ErrNotFound},
		{admin, "big", scenario.Options{Runs: 0, Days: 30}, "runs", domain.ErrInvalid},
		{admin, "big", scenario.Options{Runs: scenario.WebMaxRuns + 1, Days: 30}, "runs", domain.ErrInvalid},
		{admin, "big", scenario.Options{Runs: 10, Days: scenario.WebMaxDays + 1}, "days", domain.ErrInvalid},
	} {
		_, err := reg.PlanScenario(ctx, c.p, c.name, c.o)
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != c.code || de.Field != c.field {
			t.Errorf("%s %s %+v: %v, want %s on %q", c.p.User, c.name, c.o, err, c.code, c.field)
		}
	}
	if names, err := reg.SavedPlans(ctx, admin); err != nil || !reflect.DeepEqual(names, []string{"big", "small"}) {
		t.Errorf("saved plans %v, %v", names, err)
	}
	if names, err := reg.SavedPlans(ctx, cc1); err != nil || len(names) != 0 {
		t.Errorf("a registrar of CC1 sees national plans %v, %v", names, err)
	}

	for _, name := range []string{"big", "small"} {
		if _, err := reg.PublishPlan(ctx, admin, name, &opt); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := reg.PublishPlan(ctx, admin, "big", &opt); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("publishing twice: %v", err)
	}
	pub, err := reg.PublishedScenario(ctx, "big", 5)
	if err != nil || pub.Scenario == nil || pub.Withheld {
		t.Fatalf("published scenario of big: %+v, %v", pub, err)
	}
	// The published figures are the staff run's national ones.
	if want := res.Published(); !reflect.DeepEqual(pub.Scenario, want) {
		t.Errorf("published %+v\nstaff run %+v", pub.Scenario.Averted, want.Averted)
	}
	// Its unlawfully held people are in every plan: "small" has more than 3.
	ss, err := reg.PublishedScenario(ctx, "small", 5)
	if err != nil || ss.Scenario == nil {
		t.Fatalf("published scenario of small: %v", err)
	}
	n := ss.Scenario.Released
	small, err := reg.PublishedScenario(ctx, "small", n+1)
	if err != nil || small.Scenario != nil || !small.Withheld || small.Plan.Planned != nil {
		t.Errorf("a plan of %d releases under a threshold of %d: scenario withheld %v, planned %v, %v", n, n+1, small.Withheld, small.Plan.Planned, err)
	}
}
