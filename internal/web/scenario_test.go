package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/cli"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/plan"
	"github.com/habeas-kh/habeas/internal/scenario"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestScenarioPages: a plan published with its scenario shows the same
// national figures on its public page (English and Khmer digits), in its
// JSON, on the staff scenario page run with the same choices, and in
// habeas outbreak --plan with them; the public page lists every assumption
// and names no one. The staff page refuses a run out of bounds naming the
// field and keeping what was typed, an unknown plan, and a user who may
// not follow the plan.
func TestScenarioPages(t *testing.T) {
	dsn := dbtest.SQLiteDSN(t)
	f := newFixture(t, dsn, publicPeople)
	root := auth.System("admin", "test")
	opt := plan.Options{Target: plan.Target{Kind: plan.TargetCapacity}}
	pl, _, err := f.srv.Registry().SavePlan(t.Context(), root, "scen", domain.NoDate, opt)
	if err != nil {
		t.Fatal(err)
	}
	if pl.TotalReleases == 0 {
		t.Fatal("an empty plan tests nothing")
	}
	if _, err := f.srv.Registry().PublishPlan(t.Context(), root, "scen", &scenario.Options{Runs: 30, Days: 60, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	js := f.client().get("/plans/scen/scenario.json")
	if js.code != 200 {
		t.Fatalf("scenario JSON: %d %s", js.code, js.body)
	}
	var got struct {
		Scenario *domain.PlanScenario
	}
	if err := json.Unmarshal([]byte(js.body), &got); err != nil || got.Scenario == nil {
		t.Fatalf("scenario JSON: %v\n%.500s", err, js.body)
	}
	sc := got.Scenario
	if sc.Runs != 30 || sc.Days != 60 || sc.Seed != 3 || sc.Released != pl.TotalReleases || len(sc.SeriesDays) == 0 || len(sc.Parameters) == 0 {
		t.Fatalf("published scenario: runs %d days %d seed %d released %d (plan %d), %d days in the series, %d parameters",
			sc.Runs, sc.Days, sc.Seed, sc.Released, pl.TotalReleases, len(sc.SeriesDays), len(sc.Parameters))
	}
	// The figures as habeas outbreak computes them, on its own.
	var out, errOut bytes.Buffer
	if code := cli.Main(context.Background(), []string{"--db", dsn, "outbreak", "--plan", "scen", "--runs", "30", "--days", "60", "--seed", "3", "--format", "json"}, &out, &errOut); code != 0 {
		t.Fatalf("habeas outbreak: %d %s", code, errOut.String())
	}
	var cliRes struct {
		Baseline, Plan map[string]domain.ScenarioInterval
		Averted        map[string]domain.ScenarioInterval
	}
	if err := json.Unmarshal(out.Bytes(), &cliRes); err != nil {
		t.Fatal(err)
	}
	if cliRes.Averted["deaths"] != sc.Averted.Deaths || cliRes.Averted["infections"] != sc.Averted.Infections ||
		cliRes.Baseline["deaths"] != sc.Baseline.Deaths || cliRes.Plan["infections"] != sc.Plan.Infections {
		t.Errorf("published %+v / %+v, habeas outbreak %+v / %+v", sc.Averted, sc.Baseline.Deaths, cliRes.Averted, cliRes.Baseline["deaths"])
	}

	// A figure as the pages write it: median (p5–p95), whole people.
	show := func(i domain.ScenarioInterval, km bool) string {
		w := func(x float64) string {
			n := int(math.Round(x))
			s := num(max(n, -n))
			if n < 0 {
				s = "-" + s
			}
			if km {
				s = khmerDigits(s)
			}
			return s
		}
		return w(i.Median) + " (" + w(i.P5) + "–" + w(i.P95) + ")"
	}
	row := func(body, id string) []string {
		m := regexp.MustCompile(`(?s)<tr id="` + id + `">(.*?)</tr>`).FindStringSubmatch(body)
		if m == nil {
			return nil
		}
		var cells []string
		for _, c := range regexp.MustCompile(`<td class="n"[^>]*>([^<]*) <span class="note">(\([^<]*\))</span></td>`).FindAllStringSubmatch(m[1], -1) {
			cells = append(cells, c[1]+" "+c[2])
		}
		return cells
	}
	for _, lang := range []string{"", "?lang=km"} {
		km := lang != ""
		pub := f.client().get("/plans/scen/scenario" + lang)
		if pub.code != 200 {
			t.Fatalf("public scenario%s: %d", lang, pub.code)
		}
		want := map[string][]string{
			"compare-deaths":     {show(sc.Baseline.Deaths, km), show(sc.Plan.Deaths, km), show(sc.Averted.Deaths, km)},
			"compare-infections": {show(sc.Baseline.Infections, km), show(sc.Plan.Infections, km), show(sc.Averted.Infections, km)},
			"compare-peak-beds":  {show(sc.Baseline.PeakBeds, km), show(sc.Plan.PeakBeds, km)},
		}
		for id, w := range want {
			if g := row(pub.body, id); strings.Join(g, "|") != strings.Join(w, "|") {
				t.Errorf("public page%s, %s: %q, the JSON's %q", lang, id, g, w)
			}
		}
		m := regexp.MustCompile(`id="averted-deaths">([^<]*) <span class="note">(\([^<]*\))`).FindStringSubmatch(pub.body)
		if m == nil || m[1]+" "+m[2] != show(sc.Averted.Deaths, km) {
			t.Errorf("public page%s: deaths averted %v, the JSON's %s", lang, m, show(sc.Averted.Deaths, km))
		}
		for _, p := range sc.Parameters {
			if !strings.Contains(pub.body, `id="param-`+p.Key+`"`) {
				t.Errorf("public page%s: assumption %s missing", lang, p.Key)
			}
		}
		for _, x := range pl.People {
			if strings.Contains(pub.body, x.ID) || strings.Contains(js.body, x.ID) {
				t.Fatalf("the public scenario names %s", x.ID)
			}
		}
		if km && isoDate.MatchString(stripMarked(pub.body)) {
			t.Error("an ISO date on the Khmer public scenario")
		}
		if !strings.Contains(pub.body, `<svg class="chart fan"`) {
			t.Errorf("public page%s: no fan chart", lang)
		}
	}

	// The staff page, run with the same choices: the same national figures.
	admin := f.login("admin")
	st := admin.get("/staff/scenario?plan=scen&runs=30&days=60&seed=3")
	if st.code != 200 {
		t.Fatalf("staff scenario: %d\n%.1500s", st.code, st.body)
	}
	if g, w := row(st.body, "compare-deaths"), []string{show(sc.Baseline.Deaths, false), show(sc.Plan.Deaths, false), show(sc.Averted.Deaths, false)}; strings.Join(g, "|") != strings.Join(w, "|") {
		t.Errorf("staff page deaths %q, published %q", g, w)
	}
	if n := strings.Count(st.body, `<svg class="chart fan"`); n < 2 {
		t.Errorf("staff page: %d fan charts, want the national one and one per facility", n)
	}
	for _, c := range []struct {
		query, field string
		code         int
	}{
		{"plan=scen&runs=5000&days=60", `value="5000"`, 400},
		{"plan=scen&runs=20&days=abc", `value="abc"`, 400},
		{"plan=scen&runs=20&days=9999", "9999 is out of range", 400},
		{"plan=nope&runs=20", "no plan", 404},
	} {
		r := admin.get("/staff/scenario?" + c.query)
		if r.code != c.code || !strings.Contains(r.body, c.field) || strings.Contains(r.body, `id="scenario-result"`) {
			t.Errorf("%s: %d, want %d with %q and no result", c.query, r.code, c.code, c.field)
		}
	}
	if r := admin.get("/staff/scenario?plan=scen&runs=5000"); !strings.Contains(r.body, "5000 is out of range: want 1 to 2000") {
		t.Errorf("runs out of range: the message does not say the bound")
	}
	if r := f.login("registrar").get("/staff/scenario?plan=scen&runs=5"); r.code != 403 {
		t.Errorf("a registrar of one facility running a national plan's scenario: %d", r.code)
	}
	if r := f.client().get("/staff/scenario?plan=scen"); r.code < 300 || r.code == 200 {
		t.Errorf("the public at the staff scenario page: %d", r.code)
	}
}
