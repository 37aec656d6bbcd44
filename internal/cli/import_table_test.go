package cli_test

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

type censusJSON struct {
	Census struct {
		Population  int `json:"population"`
		Facilities  int `json:"facilities"`
		Capacity    int `json:"capacity"`
		Stale       []struct{ ID string }
		Implausible []struct{ ID string }
	} `json:"census"`
}

func statsCensus(t *testing.T, dsn, day string, extra ...string) censusJSON {
	t.Helper()
	out := mustRun(t, append([]string{"--db", dsn, "stats", "--as-of", day, "--format", "json"}, extra...)...)
	var s censusJSON
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("stats JSON: %v", err)
	}
	return s
}

// TestImportCensusCommand walks the path a user takes with a real bulletin:
// infer a mapping, import with the shipped one, read the figures, export,
// and import the export again.
func TestImportCensusCommand(t *testing.T) {
	root, _ := filepath.Abs("../..")
	data := filepath.Join(root, "..", "shared", "data", "italy_bulletines_monthly_by_institute.csv")
	if env := os.Getenv("HABEAS_SHARED_DATA"); env != "" {
		data = filepath.Join(env, "italy_bulletines_monthly_by_institute.csv") // a checkout elsewhere (CI)
	}
	if _, err := os.Stat(filepath.Dir(data)); os.IsNotExist(err) {
		t.Skipf("real data folder %s is absent", filepath.Dir(data))
	}
	// The total on 2020-03-31, straight from the file.
	f, err := os.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	want, n := 0, 0
	for _, r := range recs[1:] {
		if r[8] == "2020-03-31" {
			v, _ := strconv.Atoi(r[5])
			want += v
			n++
		}
	}
	dir := t.TempDir()
	dsn := dbtest.SQLiteDSN(t)

	proposal := mustRun(t, "import", "--infer", data)
	if !strings.Contains(proposal, `capacity: "Capienza Regolamentare"`) {
		t.Errorf("--infer:\n%s", proposal)
	}
	out := mustRun(t, "--db", dsn, "import", "census", data, "--map", filepath.Join(root, "examples", "italy-bulletins.yaml"), "--dry-run")
	if !strings.Contains(out, "dry run, nothing written") {
		t.Errorf("dry run output:\n%s", out)
	}
	out = mustRun(t, "--db", dsn, "import", "census", data, "--map", filepath.Join(root, "examples", "italy-bulletins.yaml"))
	if !strings.Contains(out, "new 13803, unchanged 0, corrected 0") || !strings.Contains(out, "duplicates of earlier rows: 189") {
		t.Errorf("import output:\n%s", out)
	}
	s := statsCensus(t, dsn, "2020-03-31")
	if s.Census.Population != want || s.Census.Facilities != n {
		t.Errorf("stats on 2020-03-31: %d people in %d facilities, the file says %d in %d", s.Census.Population, s.Census.Facilities, want, n)
	}
	if len(s.Census.Stale) != 2 {
		t.Errorf("stale on 2020-03-31: %+v (Camerino and Enna stopped reporting)", s.Census.Stale)
	}
	if table := mustRun(t, "--db", dsn, "stats", "--as-of", "2020-03-31"); !strings.Contains(table, "Census counts") || !strings.Contains(table, "Over capacity") {
		t.Errorf("table output lacks the census part:\n%s", table)
	}
	if s := statsCensus(t, dsn, "2020-04-15"); s.Census.Facilities != 0 {
		t.Errorf("mid-April with a 14-day window: %d facilities current", s.Census.Facilities)
	}
	if s := statsCensus(t, dsn, "2020-04-15", "--census-window", "31"); s.Census.Population != want {
		t.Errorf("mid-April with a 31-day window: %d, want March's %d", s.Census.Population, want)
	}

	// Export as XLSX and CSV; the export imports back unchanged, and into
	// an empty register gives the same figures.
	facX, cenX := filepath.Join(dir, "f.xlsx"), filepath.Join(dir, "c.xlsx")
	mustRun(t, "--db", dsn, "export", "facilities", "-o", facX)
	mustRun(t, "--db", dsn, "export", "census", "-o", cenX)
	out = mustRun(t, "--db", dsn, "import", "census", cenX)
	if !strings.Contains(out, "new 0,") || !strings.Contains(out, "corrected 0") || !strings.Contains(out, "ledger events: 0") {
		t.Errorf("re-import of the export:\n%s", out)
	}
	fresh := dbtest.SQLiteDSN(t)
	mustRun(t, "--db", fresh, "import", "facilities", facX)
	mustRun(t, "--db", fresh, "import", "census", cenX)
	if s2 := statsCensus(t, fresh, "2020-03-31"); s2.Census.Population != s.Census.Population || s2.Census.Capacity != s.Census.Capacity ||
		s2.Census.Facilities != s.Census.Facilities || len(s2.Census.Stale) != len(s.Census.Stale) {
		t.Errorf("figures from the export: %+v, want %+v", s2.Census, s.Census)
	}
}

func TestImportTableErrors(t *testing.T) {
	dir := t.TempDir()
	dsn := dbtest.SQLiteDSN(t)
	data := filepath.Join(dir, "d.csv")
	m := filepath.Join(dir, "m.yaml")
	for p, content := range map[string]string{data: "Code,People,Date\nA,5,2020-01-31\n",
		m: "source: s\nfacility:\n  id: Code\ncensus:\n  date: Date\n  counts:\n    total: Persons\n"} {
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	code, _, errOut := run(t, "--db", dsn, "import", "census", data, "--map", m)
	if code == 0 || !strings.Contains(errOut, `m.yaml:7: column "Persons" is not in the header of d.csv`) {
		t.Errorf("unknown column: exit %d %s", code, errOut)
	}
	bad := filepath.Join(dir, "bad.xlsx")
	if err := os.WriteFile(bad, []byte("PK\x03\x04 not really"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = run(t, "--db", dsn, "import", "census", bad, "--map", m)
	if code == 0 || !strings.Contains(errOut, "bad.xlsx") || !strings.Contains(errOut, "not a readable Excel workbook") {
		t.Errorf("malformed xlsx: exit %d %s", code, errOut)
	}
	code, _, errOut = run(t, "--db", dsn, "import", "census", data, "--map", m, "--skip-invalid")
	if code == 0 || !strings.Contains(errOut, "--rejects") {
		t.Errorf("--skip-invalid without --rejects: exit %d %s", code, errOut)
	}
}
