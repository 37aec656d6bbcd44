package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

type planJSON struct {
	AsOf             string `json:"as_of"`
	Target           string `json:"target"`
	TotalReleases    int    `json:"total_releases"`
	UnlawfulIncluded int    `json:"unlawful_included"`
	Facilities       []struct {
		ID          string         `json:"id"`
		Before      int            `json:"before"`
		After       int            `json:"after"`
		Capacity    int            `json:"capacity"`
		Need        int            `json:"need"`
		Releases    int            `json:"releases"`
		Unlawful    int            `json:"unlawful"`
		ByMechanism map[string]int `json:"by_mechanism"`
		ByGroup     map[string]int `json:"by_group"`
		Gap         int            `json:"gap"`
	} `json:"facilities"`
	Costs []struct {
		Choice, Value string
		Lost          int `json:"releases_lost"`
	} `json:"costs"`
	People []struct {
		ID, Facility, Mechanism, Authority string
		Unlawful                           bool
	} `json:"people"`
}

// TestPlanCommand plans for a small demo register, saves the plan, records
// a release of someone in it, and follows it; and refuses bad input by
// naming the flag, writing nothing.
func TestPlanCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a demo register")
	}
	dsn := dbtest.SQLiteDSN(t)
	mustRun(t, "--db", dsn, "demo", "--people", "600")
	var p planJSON
	out := mustRun(t, "--db", dsn, "plan", "--as-of", "2020-12-31", "--target", "capacity", "--format", "json")
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("%v\n%.500s", err, out)
	}
	if p.AsOf != "2020-12-31" || p.Target != "capacity" || len(p.Facilities) == 0 || p.TotalReleases != len(p.People) {
		t.Fatalf("plan: as_of %s, target %s, %d facilities, %d releases for %d people", p.AsOf, p.Target, len(p.Facilities), p.TotalReleases, len(p.People))
	}
	// What the plan must hold whatever the register: every facility's
	// releases are its unlawful plus its eligible, it reaches its capacity
	// or says by how much it falls short, and the unlawful are all in.
	unlawful, sum := 0, 0
	for _, f := range p.Facilities {
		bm := 0
		for _, n := range f.ByMechanism {
			bm += n
		}
		if bm != f.Releases || f.ByMechanism["release_unlawful"] != f.Unlawful || f.After != f.Before-f.Releases {
			t.Errorf("%s: by mechanism %v for %d releases (%d unlawful), after %d", f.ID, f.ByMechanism, f.Releases, f.Unlawful, f.After)
		}
		if f.Capacity > 0 && f.After > f.Capacity && f.Gap != f.After-f.Capacity {
			t.Errorf("%s: %d held after the plan for %d places, gap %d", f.ID, f.After, f.Capacity, f.Gap)
		}
		unlawful += f.Unlawful
		sum += f.Releases
	}
	if unlawful != p.UnlawfulIncluded || sum != p.TotalReleases {
		t.Errorf("national %d (%d unlawful); facilities add up to %d (%d)", p.TotalReleases, p.UnlawfulIncluded, sum, unlawful)
	}
	for _, x := range p.People {
		if x.Authority == "" || x.Facility == "" || (x.Unlawful != (x.Mechanism == "release_unlawful")) {
			t.Fatalf("person in the plan: %+v", x)
		}
	}
	// Switching judicial supervision off costs what the plan with it had
	// more, facility by facility.
	var off planJSON
	out = mustRun(t, "--db", dsn, "plan", "--as-of", "2020-12-31", "--target", "capacity", "--format", "json",
		"--mechanisms", "conditional_release,royal_pardon,sentence_reduction,suspended_sentence")
	if err := json.Unmarshal([]byte(out), &off); err != nil {
		t.Fatal(err)
	}
	if len(off.Costs) != 1 || off.Costs[0].Value != "judicial_supervision" || off.Costs[0].Lost != p.TotalReleases-off.TotalReleases {
		t.Errorf("cost of switching judicial supervision off: %+v; releases %d with it, %d without", off.Costs, p.TotalReleases, off.TotalReleases)
	}

	// Bad input: the flag is named, and nothing is saved.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--target", "capacityy"}, "--target: unknown target"},
		{[]string{"--target", "density:lots"}, "--target: density needs"},
		{[]string{"--target", "releases:x"}, "--target: releases needs"},
		{[]string{"--target", "pledge:nothing-such"}, `--target: no pledge "nothing-such"`},
		{[]string{"--target", "capacity", "--mechanisms", "amnesty"}, `--mechanisms: unknown mechanism "amnesty"`},
		{[]string{"--target", "capacity", "--exclude", "theft"}, `--exclude: unknown exclusion "theft"`},
		{[]string{"--target", "capacity", "--facility", "NOWHERE"}, `--facility: no facility "NOWHERE"`},
		{[]string{"--target", "capacity", "--save", "bad name"}, `--save:`},
		{[]string{}, "--target is required"},
	} {
		code, _, errOut := run(t, append([]string{"--db", dsn, "plan", "--as-of", "2020-12-31", "--save", "x"}, c.args...)...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("plan %v: exit %d, stderr %q; want %q", c.args, code, errOut, c.want)
		}
	}
	if code, _, errOut := run(t, "--db", dsn, "plan", "progress", "x"); code == 0 || !strings.Contains(errOut, `no plan "x"`) {
		t.Errorf("a refused plan was saved: exit %d %s", code, errOut)
	}

	// Save, refuse the name twice, follow it.
	mustRun(t, "--db", dsn, "plan", "--as-of", "2020-12-31", "--target", "capacity", "--save", "dec", "--format", "csv")
	if code, _, errOut := run(t, "--db", dsn, "plan", "--as-of", "2020-12-31", "--target", "capacity", "--save", "dec"); code == 0 || !strings.Contains(errOut, "already saved") {
		t.Errorf("the same name twice: exit %d %s", code, errOut)
	}
	var pr struct {
		Planned, Done int
		StillHeld     []struct{ Person, Facility, Mechanism string } `json:"still_held"`
		Facilities    []struct {
			ID            string
			Planned, Done int
		}
	}
	progress := func() {
		t.Helper()
		out := mustRun(t, "--db", dsn, "plan", "progress", "dec", "--format", "json")
		pr.StillHeld, pr.Facilities = nil, nil
		if err := json.Unmarshal([]byte(out), &pr); err != nil {
			t.Fatal(err)
		}
	}
	progress()
	if pr.Planned != p.TotalReleases || pr.Done != 0 || len(pr.StillHeld) != p.TotalReleases {
		t.Fatalf("progress at once: planned %d done %d still held %d; want %d, 0, all", pr.Planned, pr.Done, len(pr.StillHeld), p.TotalReleases)
	}
	who := pr.StillHeld[0]
	ev := fmt.Sprintf(`{"kind":"release","date":"2021-01-05","person":%q,"data":{"mechanism":"judicial_supervision"}}`+"\n", who.Person)
	f := filepath.Join(t.TempDir(), "release.jsonl")
	if err := os.WriteFile(f, []byte(ev), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "--db", dsn, "import", "events", f)
	progress()
	if pr.Done != 1 || len(pr.StillHeld) != p.TotalReleases-1 {
		t.Errorf("after one release: done %d, still held %d of %d", pr.Done, len(pr.StillHeld), pr.Planned)
	}
	for _, fp := range pr.Facilities {
		if want := map[bool]int{true: 1, false: 0}[fp.ID == who.Facility]; fp.Done != want {
			t.Errorf("%s: done %d, want %d", fp.ID, fp.Done, want)
		}
	}
	// Public only once published.
	if code, _, errOut := run(t, "--db", dsn, "plan", "progress", "dec", "--public"); code == 0 || !strings.Contains(errOut, "not published") {
		t.Errorf("public before publishing: exit %d %s", code, errOut)
	}
	mustRun(t, "--db", dsn, "plan", "publish", "dec", "--runs", "20", "--days", "30")
	out = mustRun(t, "--db", dsn, "plan", "progress", "dec", "--public", "--format", "json")
	if strings.Contains(out, who.Person) || strings.Contains(out, "still_held") {
		t.Errorf("the public progress names people:\n%s", out)
	}
	var pub struct{ Planned *int }
	if err := json.Unmarshal([]byte(out), &pub); err != nil || pub.Planned == nil || *pub.Planned != p.TotalReleases {
		t.Errorf("public planned %v (%v), want %d", pub.Planned, err, p.TotalReleases)
	}
}
