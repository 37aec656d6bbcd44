package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutbreakCommand: the model on a small demo register: the strata add
// up to the people held, the figures come in JSON with the keys,
// the same seed gives the same output, one facility alone has its national
// figures; bad flags and a bad parameter file are refused naming the flag
// or the file, line and key.
func TestOutbreakCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "h.db")
	mustRun(t, "--db", db, "demo", "--people", "2000", "--seed", "7")
	args := []string{"--db", db, "outbreak", "--as-of", "2020-03-31", "--runs", "30", "--days", "60", "--seed", "3"}
	out := mustRun(t, append(args, "--format", "json")...)
	var res struct {
		Runs, Days, Seed int
		Population       int
		Baseline         map[string]struct{ Median, P5, P95 float64 }
		Facilities       []struct {
			ID         string
			Population int
			Baseline   map[string]struct{ Median, P5, P95 float64 }
		}
		Deterministic struct{ Baseline map[string]float64 }
		Parameters    []struct{ Key, Source string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("outbreak JSON: %v\n%s", err, out)
	}
	// The demo holds 2,000 people on 2020-03-31 (stats says so; the
	// strata count everyone held, whatever the kind of facility).
	sum := 0
	for _, f := range res.Facilities {
		sum += f.Population
	}
	if res.Runs != 30 || res.Days != 60 || res.Seed != 3 || res.Population < 2000 || sum != res.Population {
		t.Errorf("runs %d days %d seed %d population %d (facilities add to %d)", res.Runs, res.Days, res.Seed, res.Population, sum)
	}
	for _, k := range []string{"infections", "hospitalisations", "peak_hospital_beds", "deaths"} {
		iv, ok := res.Baseline[k]
		if !ok || iv.P5 > iv.Median || iv.Median > iv.P95 {
			t.Errorf("baseline %s: %+v", k, iv)
		}
	}
	if res.Baseline["infections"].Median <= 0 || res.Deterministic.Baseline["infections"] <= 0 || len(res.Parameters) == 0 {
		t.Errorf("no infections or no deterministic run: %+v %+v", res.Baseline, res.Deterministic)
	}
	if again := mustRun(t, append(args, "--format", "json")...); again != out {
		t.Error("the same seed gave another output")
	}
	one := res.Facilities[0]
	var alone struct {
		Facilities []struct {
			ID       string
			Baseline map[string]struct{ Median, P5, P95 float64 }
		}
	}
	if err := json.Unmarshal([]byte(mustRun(t, append(args, "--format", "json", "--facility", one.ID)...)), &alone); err != nil {
		t.Fatal(err)
	}
	if len(alone.Facilities) != 1 || alone.Facilities[0].Baseline["deaths"] != one.Baseline["deaths"] ||
		alone.Facilities[0].Baseline["infections"] != one.Baseline["infections"] {
		t.Errorf("facility %s alone: %+v; in the national run %+v", one.ID, alone.Facilities, one.Baseline)
	}
	if csv := mustRun(t, append(args, "--format", "csv")...); !strings.HasPrefix(csv, "facility,population,capacity,scenario,figure,median,p5,p95\n") ||
		!strings.Contains(csv, "national,") {
		t.Errorf("csv:\n%s", csv)
	}
	if table := mustRun(t, args...); !strings.Contains(table, "national") || !strings.Contains(table, "deterministic") {
		t.Errorf("table:\n%s", table)
	}

	params := mustRun(t, "outbreak", "--print-params")
	// A scenario with half the people immune, paired with the baseline.
	scen := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(scen, []byte(strings.Replace(params, "prior_immune_share:\n  value: 0\n", "prior_immune_share:\n  value: 0.5\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	var cmp struct {
		Baseline, Plan map[string]struct{ Median, P5, P95 float64 }
		Averted        map[string]struct{ Median, P5, P95 float64 }
	}
	if err := json.Unmarshal([]byte(mustRun(t, append(args, "--format", "json", "--scenario-params", scen)...)), &cmp); err != nil {
		t.Fatal(err)
	}
	if cmp.Plan["infections"].Median >= cmp.Baseline["infections"].Median || cmp.Averted["infections"].Median <= 0 {
		t.Errorf("half immune: baseline %+v, plan %+v, averted %+v", cmp.Baseline["infections"], cmp.Plan["infections"], cmp.Averted["infections"])
	}
	if _, ok := cmp.Averted["deaths"]; !ok {
		t.Error("no averted deaths")
	}
	bad := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(params, "  value: 4.1\n", "  value: -4.1\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--runs", "0"}, "--runs 0 is out of range"},
		{[]string{"--days", "100000"}, "--days 100000 is out of range"},
		{[]string{"--format", "xml"}, "--format must be json, csv or table"},
		{[]string{"--facility", "NOPE"}, `--facility: no such facility "NOPE"`},
		{[]string{"--params", bad}, "p.yaml:"},
		{[]string{"--params", bad}, "infectious_days: -4.1 is negative"},
		{[]string{"--params", filepath.Join(dir, "none.yaml")}, "--params:"},
		{[]string{"--scenario-params", bad}, "infectious_days: -4.1 is negative"},
	} {
		code, _, errOut := run(t, append(args, c.args...)...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q; want %q", c.args, code, errOut, c.want)
		}
	}
}
