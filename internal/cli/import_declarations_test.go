package cli_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// sharedFile is a file of ../shared/data (or $HABEAS_SHARED_DATA); the test
// is skipped when the folder is absent.
func sharedFile(t *testing.T, name string) string {
	t.Helper()
	root, _ := filepath.Abs("../..")
	dir := filepath.Join(root, "..", "shared", "data")
	if env := os.Getenv("HABEAS_SHARED_DATA"); env != "" {
		dir = env
	}
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		t.Skipf("real data folder %s is absent", dir)
	}
	return filepath.Join(dir, name)
}

// thousands writes n as the report does, 41,707.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// TestImportUCLAPrisonReleases imports the UCLA prison release table with the
// shipped mapping into a register that holds nothing else, and checks the
// report against sums computed here straight from the raw file: the total
// over the data rows (which the table's own TOTAL row gives, and which must
// not be counted again) and the releases in the rows flagged for each reason.
func TestImportUCLAPrisonReleases(t *testing.T) {
	data := sharedFile(t, "ucla_covid_prison_releases_2020-09-13.csv")
	mapFile, _ := filepath.Abs("../../examples/ucla-prison-releases.yaml")

	// The file's own reading: header, the TOTAL row, the data rows, and the
	// footnote (no state) at the end.
	f, err := os.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[strings.TrimSpace(h)] = i
	}
	figCol := col["Overall_Pop_Reduction_or_Total_Number_of_Releases"]
	reasonCols := map[string]string{ // the mapping's names for the flag columns
		"parole_technical_violation": "Parole_Tech_Violation", "lower_level_nonviolent": "Lower_Level_NonViolent_Crimes",
		"short_time_left": "Short_Time_Left_on_Sentence", "vulnerable_populations": "Vulnerable_Populations", "other": "Other",
	}
	tableTotal, total, rows := 0, 0, 0
	byReason := map[string]int{}
	for _, r := range recs[1:] {
		v := strings.ReplaceAll(strings.TrimSpace(r[figCol]), ",", "")
		switch {
		case strings.TrimSpace(r[0]) == "TOTAL":
			tableTotal, _ = strconv.Atoi(v)
			continue
		case strings.TrimSpace(r[0]) == "" || v == "":
			continue // the footnote; a row with no figure
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("figure %q: %v", r[figCol], err)
		}
		total += n
		rows++
		for key, c := range reasonCols {
			if strings.EqualFold(strings.TrimSpace(r[col[c]]), "x") {
				byReason[key] += n
			}
		}
	}
	if tableTotal != 41707 || total != tableTotal {
		t.Fatalf("from the raw file: the TOTAL row says %d, the data rows sum to %d: expected both 41707", tableTotal, total)
	}

	dsn := dbtest.SQLiteDSN(t)
	out := mustRun(t, "--db", dsn, "import", "declarations", data, "--map", mapFile)
	if !strings.Contains(out, fmt.Sprintf("new %d,", rows)) || !strings.Contains(out, "skip rules: 3") {
		t.Fatalf("import: want %d new rows and 3 skipped (TOTAL, footnote, no figure):\n%s", rows, out)
	}
	// Again: nothing new.
	if out := mustRun(t, "--db", dsn, "import", "declarations", data, "--map", mapFile); !strings.Contains(out, fmt.Sprintf("new 0, unchanged %d", rows)) {
		t.Fatalf("second import:\n%s", out)
	}

	dir := t.TempDir()
	html := filepath.Join(dir, "html")
	mustRun(t, "--db", dsn, "report", "--as-of", "2020-09-13", "--out", html)
	jsonDir, csvDir := filepath.Join(dir, "json"), filepath.Join(dir, "csv")
	mustRun(t, "--db", dsn, "report", "--as-of", "2020-09-13", "--format", "json", "--out", jsonDir)
	mustRun(t, "--db", dsn, "report", "--as-of", "2020-09-13", "--format", "csv", "--out", csvDir)

	// JSON.
	var rep struct {
		Declared struct {
			Count    int `json:"count"`
			Total    int `json:"total"`
			ByReason []struct {
				Key   string `json:"key"`
				Count int    `json:"count"`
			} `json:"by_reason"`
			Register bool `json:"register"`
		} `json:"declared"`
	}
	jsonFile := findFile(t, jsonDir, "report.json")
	b, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Declared.Total != total || rep.Declared.Count != rows || rep.Declared.Register {
		t.Errorf("JSON: total %d over %d figures (register %v), want %d over %d, no register", rep.Declared.Total, rep.Declared.Count, rep.Declared.Register, total, rows)
	}
	gotJSON := map[string]int{}
	for _, c := range rep.Declared.ByReason {
		gotJSON[c.Key] = c.Count
	}
	// CSV.
	f, err = os.Open(findFile(t, csvDir, "declared_totals.csv"))
	if err != nil {
		t.Fatal(err)
	}
	tot, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	gotCSV, csvTotal := map[string]int{}, -1
	for _, r := range tot[2:] {
		n, _ := strconv.Atoi(r[2])
		switch r[0] {
		case "reason":
			gotCSV[r[1]] = n
		case "all":
			csvTotal = n
		}
	}
	if csvTotal != total {
		t.Errorf("CSV total %d, want %d", csvTotal, total)
	}
	// HTML.
	page, err := os.ReadFile(filepath.Join(html, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), `class="declared-total">`+thousands(total)+"<") {
		t.Errorf("the report page does not show the total %s", thousands(total))
	}
	if strings.Contains(string(page), `id="national"`) {
		t.Errorf("a register without facilities shows national figures of its own")
	}
	for key, want := range byReason {
		if gotJSON[key] != want || gotCSV[key] != want {
			t.Errorf("reason %s: JSON %d, CSV %d, want %d", key, gotJSON[key], gotCSV[key], want)
		}
		re := regexp.MustCompile(`data-reason="` + key + `"><td>[^<]*</td><td class="n">([0-9,]+)</td>`)
		if m := re.FindStringSubmatch(string(page)); m == nil || m[1] != thousands(want) {
			t.Errorf("reason %s on the report page: %v, want %s", key, m, thousands(want))
		}
	}
	if len(gotJSON) != len(byReason) {
		t.Errorf("reasons in JSON %v, want %v", gotJSON, byReason)
	}
}

func findFile(t *testing.T, dir, name string) string {
	t.Helper()
	var found string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Name() == name {
			found = p
		}
		return nil
	})
	if found == "" {
		t.Fatalf("no %s under %s", name, dir)
	}
	return found
}

// TestImportUCLAJailReleases imports the jail table (Excel serial dates,
// free text, NA) with the shipped mapping, and checks that without the
// mapping's explicit lines each problem is refused with its row named, and
// nothing is written.
func TestImportUCLAJailReleases(t *testing.T) {
	data := sharedFile(t, "ucla_covid_jail_releases_2020-07-28.csv")
	shipped, err := os.ReadFile("../../examples/ucla-jail-releases.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, yaml string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	edit := func(old, new string) string {
		if !strings.Contains(string(shipped), old) {
			t.Fatalf("the shipped mapping no longer has %q", old)
		}
		return strings.Replace(string(shipped), old, new, 1)
	}
	dsn := dbtest.SQLiteDSN(t)
	cases := []struct {
		name, yaml string
		want       []string
	}{
		// Free-text dates, without their explicit translation.
		{"dates", edit(`        "5/4/20; 3/27/20": "2020-05-04"`+"\n", ""), []string{`row 11: column "Date"`, "5/4/20; 3/27/20"}},
		// A place whose facility is NA, without the county as the fallback.
		{"places", edit(`    - {columns: [State, County], join: " / "}`+"\n", ""), []string{`row 17: column "State + County + Facility"`, "data.area: missing"}},
		// A row with no source, without the rule that leaves it out.
		{"source", edit(`  - {column: "Additional Notes`, `  - {column: "Legal Filing?", equals: never}`+"\n#"), []string{`row 22: column "Source(s)"`, "data.source: missing"}},
	}
	for _, c := range cases {
		code, _, errOut := run(t, "--db", dsn, "import", "declarations", data, "--map", write(c.name+".yaml", c.yaml))
		if code == 0 {
			t.Fatalf("%s: imported", c.name)
		}
		for _, w := range c.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%s: the error does not say %q:\n%s", c.name, w, errOut)
			}
		}
		if !strings.Contains(errOut, "nothing was imported") {
			t.Errorf("%s: %s", c.name, errOut)
		}
	}
	out := mustRun(t, "--db", dsn, "import", "declarations", data, "--map", "../../examples/ucla-jail-releases.yaml")
	if !strings.Contains(out, "new 187,") || !strings.Contains(out, "skip rules: 4") {
		t.Fatalf("import:\n%s", out)
	}
}
