package cli_test

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestOutbreakPlan: habeas outbreak --plan NAME releases the saved plan's
// people, at-risk first (older and ill people lead a plan's discretionary
// releases), from their strata on the plan's date. The plan is run on the
// baseline's own random numbers: the baseline is the one a run without the
// plan gives, and the deaths it averts (baseline less plan, run by run) are
// above the zero the baseline averts. The people it releases are the plan's
// count, read from the plan's own output. A plan never saved is refused
// naming the flag, and nothing is written.
func TestOutbreakPlan(t *testing.T) {
	db := filepath.Join(t.TempDir(), "h.db")
	mustRun(t, "--db", db, "demo", "--people", "2000", "--seed", "7")
	var pl struct {
		AsOf          string `json:"as_of"`
		TotalReleases int    `json:"total_releases"`
	}
	out := mustRun(t, "--db", db, "plan", "--as-of", "2020-03-31", "--target", "capacity", "--save", "dec", "--format", "json")
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):strings.LastIndex(out, "}")+1]), &pl); err != nil {
		t.Fatalf("plan JSON: %v\n%.500s", err, out)
	}
	if pl.TotalReleases == 0 {
		t.Fatal("the plan releases no one: nothing to compare")
	}
	type iv struct{ Median, P5, P95 float64 }
	type result struct {
		AsOf     string `json:"as_of"`
		PlanName string `json:"plan_name"`
		PlanDate string `json:"plan_date"`
		Released int
		Baseline map[string]iv
		Plan     map[string]iv
		Averted  map[string]iv
	}
	common := []string{"--runs", "60", "--days", "180", "--seed", "11", "--format", "json"}
	var withPlan, without result
	if err := json.Unmarshal([]byte(mustRun(t, append([]string{"--db", db, "outbreak", "--plan", "dec"}, common...)...)), &withPlan); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(mustRun(t, append([]string{"--db", db, "outbreak", "--as-of", "2020-03-31"}, common...)...)), &without); err != nil {
		t.Fatal(err)
	}
	if withPlan.AsOf != "2020-03-31" || withPlan.PlanDate != "2020-03-31" || withPlan.PlanName != "dec" {
		t.Errorf("run on %s, plan %q of %s: want day 0 on the plan's date 2020-03-31", withPlan.AsOf, withPlan.PlanName, withPlan.PlanDate)
	}
	if withPlan.Released != pl.TotalReleases {
		t.Errorf("the model released %d people, the plan %d", withPlan.Released, pl.TotalReleases)
	}
	if !reflect.DeepEqual(withPlan.Baseline, without.Baseline) {
		t.Errorf("the baseline beside the plan differs from the baseline alone:\n%v\n%v", withPlan.Baseline, without.Baseline)
	}
	d := withPlan.Averted["deaths"]
	t.Logf("deaths: baseline %+v, plan %+v, averted %+v", withPlan.Baseline["deaths"], withPlan.Plan["deaths"], d)
	if !(d.Median > 0) || d.P95 < d.Median || withPlan.Plan["deaths"].Median >= withPlan.Baseline["deaths"].Median {
		t.Errorf("the plan averts %+v deaths (plan %+v against baseline %+v): want more than the baseline's 0", d, withPlan.Plan["deaths"], withPlan.Baseline["deaths"])
	}
	if withPlan.Averted["infections"].Median <= 0 {
		t.Errorf("releasing %d people averts %+v infections", withPlan.Released, withPlan.Averted["infections"])
	}

	before := mustRun(t, "--db", db, "export", "events")
	code, _, errOut := run(t, "--db", db, "outbreak", "--plan", "no-such-plan", "--runs", "5")
	if code == 0 || !strings.Contains(errOut, "--plan") || !strings.Contains(errOut, "no-such-plan") {
		t.Errorf("an unknown plan: exit %d, %q: want an error naming --plan", code, errOut)
	}
	if after := mustRun(t, "--db", db, "export", "events"); after != before {
		t.Error("a refused run wrote to the ledger")
	}
}
