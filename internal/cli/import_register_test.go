package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// The register of a demo exported as sheets and loaded with import register
// into another database holds the same population; its rejects go to one
// file per sheet.
func TestImportRegisterCommand(t *testing.T) {
	dir := t.TempDir()
	src, dst := dbtest.SQLiteDSN(t), dbtest.SQLiteDSN(t)
	mustRun(t, "--db", src, "demo", "--people", "150", "--force")
	path := func(n string) string { return filepath.Join(dir, n+".csv") }
	for _, w := range []string{"facilities", "people", "admissions", "charges"} {
		mustRun(t, "--db", src, "export", w, "--out", path(w))
	}
	mustRun(t, "--db", dst, "import", "facilities", path("facilities"), "--no-progress")
	// Cells are not in the sheets: they go through the ledger's format.
	var cells []string
	for _, l := range strings.Split(mustRun(t, "--db", src, "export", "events"), "\n") {
		var ev map[string]json.RawMessage
		if l == "" || json.Unmarshal([]byte(l), &ev) != nil || string(ev["kind"]) != `"cell"` {
			continue
		}
		b, err := json.Marshal(map[string]json.RawMessage{"kind": ev["kind"], "date": ev["date"], "facility": ev["facility"], "data": ev["data"]})
		if err != nil {
			t.Fatal(err)
		}
		cells = append(cells, string(b))
	}
	if len(cells) == 0 {
		t.Fatal("the demo has no cells")
	}
	if err := os.WriteFile(filepath.Join(dir, "cells.jsonl"), []byte(strings.Join(cells, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "--db", dst, "import", "events", filepath.Join(dir, "cells.jsonl"))
	out := mustRun(t, "--db", dst, "import", "register", "--people", path("people"), "--admissions", path("admissions"), "--charges", path("charges"), "--no-progress")
	for _, want := range []string{"register: ", "people people.csv: ", "admissions admissions.csv: ", "charges charges.csv: ", "unchanged 0, corrected 0", "ledger events: "} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	for _, day := range []string{"2016-06-30", "2020-03-31"} {
		a := mustRun(t, "--db", src, "stats", "--as-of", day, "--format", "json")
		b := mustRun(t, "--db", dst, "stats", "--as-of", day, "--format", "json")
		pop := func(s string) string {
			i := strings.Index(s, `"population"`)
			if i < 0 {
				t.Fatalf("no population in %s", s)
			}
			return s[i : i+strings.IndexAny(s[i:], ",}")]
		}
		if pop(a) != pop(b) {
			t.Errorf("%s: source %s, imported %s", day, pop(a), pop(b))
		}
	}

	// A bad person row, skipped: its rejects file is named after the sheet.
	people := filepath.Join(dir, "more.csv")
	if err := os.WriteFile(people, []byte("id,registered,name,sex\nNEW-1,2019-01-10,A Person,M\nNEW-2,2019-01-10,B Person,male\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := run(t, "--db", dst, "import", "register", "--people", people)
	if code == 0 || !strings.Contains(errOut, `more.csv: row 3: column "sex"`) || !strings.Contains(errOut, "nothing was imported") {
		t.Fatalf("bad row: exit %d %s", code, errOut)
	}
	rej := filepath.Join(dir, "rej.csv")
	out = mustRun(t, "--db", dst, "import", "register", "--people", people, "--skip-invalid", "--rejects", rej, "--no-progress")
	if !strings.Contains(out, "new 1, unchanged 0, corrected 0, rejected 1") {
		t.Errorf("skipping the bad row:\n%s", out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "rej.people.csv"))
	if err != nil || !strings.Contains(string(b), `3,"column ""sex""`) {
		t.Errorf("rejects file: %q %v", b, err)
	}
	code, _, errOut = run(t, "--db", dst, "import", "register", "--charges", path("charges"))
	if code == 0 || !strings.Contains(errOut, "--people FILE, --admissions FILE") {
		t.Errorf("charges alone: exit %d %s", code, errOut)
	}
}
