package cli_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/mapping"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// inferred runs import --infer on a file, checks what it says it read the
// file as, and parses the proposal as it is.
func inferred(t *testing.T, path, wantAs string, args ...string) (string, *mapping.Mapping) {
	t.Helper()
	text := mustRun(t, append([]string{"import", "--infer", path}, args...)...)
	if !strings.Contains(text, "# Read as: "+wantAs+" (") {
		t.Errorf("%s: not read as %s:\n%s", filepath.Base(path), wantAs, text)
	}
	m, err := mapping.Parse([]byte(text), filepath.Base(path)+".yaml")
	if err != nil {
		t.Fatalf("the proposal for %s does not parse: %v\n%s", filepath.Base(path), err, text)
	}
	return text, m
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A register's sheets, in habeas's layout and in the French one of
// examples/, go through --infer without a hand-written mapping: the
// proposal guesses what each sheet is, and importing with it into an empty
// register gives back the same sheets.
func TestInferRegisterSheets(t *testing.T) {
	root, _ := filepath.Abs("../..")
	dir := t.TempDir()
	src := dbtest.SQLiteDSN(t)
	mustRun(t, "--db", src, "demo", "--people", "40", "--force")
	path := func(n string) string { return filepath.Join(dir, n+".csv") }
	for _, w := range []string{"facilities", "cells", "people", "admissions", "charges"} {
		mustRun(t, "--db", src, "export", w, "--out", path(w))
	}
	frMap := func(w string) string { return filepath.Join(root, "examples", "register-fr-"+w+".yaml") }
	for _, w := range []string{"people", "admissions", "charges"} {
		mustRun(t, "--db", src, "export", w, "--map", frMap(w), "--out", path("fr-"+w))
	}

	// habeas's own layout: guessed, nothing to check, and what it imports
	// exports back the same.
	maps := map[string]string{}
	for _, w := range []string{"cells", "people", "admissions", "charges"} {
		text, _ := inferred(t, path(w), w)
		if checks(text) {
			t.Errorf("%s: the proposal for habeas's own layout leaves something to check:\n%s", w, text)
		}
		maps[w] = filepath.Join(dir, w+".yaml")
		writeFile(t, maps[w], text)
	}
	inferred(t, path("facilities"), "facilities")
	dst := dbtest.SQLiteDSN(t)
	mustRun(t, "--db", dst, "import", "facilities", path("facilities"), "--no-progress")
	mustRun(t, "--db", dst, "import", "cells", path("cells"), "--map", maps["cells"], "--no-progress")
	mustRun(t, "--db", dst, "import", "people", path("people"), "--map", maps["people"], "--no-progress")
	out := mustRun(t, "--db", dst, "import", "admissions", path("admissions"), "--map", maps["admissions"],
		"--charges", path("charges"), "--charges-map", maps["charges"], "--no-progress")
	if !strings.Contains(out, "unchanged 0, corrected 0") {
		t.Errorf("import with the proposals:\n%s", out)
	}
	for _, w := range []string{"cells", "people", "admissions", "charges"} {
		again := filepath.Join(dir, "again-"+w+".csv")
		mustRun(t, "--db", dst, "export", w, "--out", again)
		if readFile(t, again) != readFile(t, path(w)) {
			t.Errorf("%s imported with the proposal exports differently from the original", w)
		}
	}

	// The French layout: the proposal reads the same columns as the
	// shipped mapping, translates the words of the sheet as it does, and
	// imports the register unchanged.
	frDst := dbtest.SQLiteDSN(t)
	mustRun(t, "--db", frDst, "import", "facilities", path("facilities"), "--no-progress")
	mustRun(t, "--db", frDst, "import", "cells", path("cells"), "--no-progress")
	for _, w := range []string{"people", "admissions", "charges"} {
		text, got := inferred(t, path("fr-"+w), w)
		want, err := mapping.Load(frMap(w))
		if err != nil {
			t.Fatal(err)
		}
		if g, w2 := fieldNames(got), fieldNames(want); g != w2 {
			t.Errorf("fr-%s: proposed fields %s, the example maps %s", w, g, w2)
		}
		sheet := readCSV(t, path("fr-"+w))
		for name, wf := range want.Fields {
			gf := got.Fields[name]
			if gf == nil {
				continue
			}
			wa, ga := wf.Alts[0], gf.Alts[0]
			if ga.Column != wa.Column {
				t.Errorf("fr-%s: %s read from %q, the example reads %q", w, name, ga.Column, wa.Column)
			}
			if wa.Values == nil {
				continue
			}
			seen := map[string]bool{}
			for _, v := range sheet[wa.Column] {
				if v == "" || seen[v] {
					continue
				}
				seen[v] = true
				if ga.Values[strings.ToLower(v)] != wa.Values[strings.ToLower(v)] {
					t.Errorf("fr-%s: %s translates %q to %q, the example to %q\n%s", w, name, v, ga.Values[strings.ToLower(v)], wa.Values[strings.ToLower(v)], text)
				}
			}
		}
		if w == "people" {
			sex, basis := got.Fields["person.sex"].Alts[0].Values, got.Fields["person.dob_basis"].Alts[0].Values
			if sex["homme"] != "M" || sex["femme"] != "F" || basis["déclarée"] != "declared" || basis["pièce d'identité"] != "document" {
				t.Errorf("fr-people: sex %v, dob_basis %v", sex, basis)
			}
		}
		maps["fr-"+w] = filepath.Join(dir, "fr-"+w+".yaml")
		writeFile(t, maps["fr-"+w], text)
	}
	mustRun(t, "--db", frDst, "import", "people", path("fr-people"), "--map", maps["fr-people"], "--no-progress")
	mustRun(t, "--db", frDst, "import", "admissions", path("fr-admissions"), "--map", maps["fr-admissions"],
		"--charges", path("fr-charges"), "--charges-map", maps["fr-charges"], "--no-progress")
	for _, w := range []string{"people", "admissions", "charges"} {
		again := filepath.Join(dir, "again-fr-"+w+".csv")
		mustRun(t, "--db", frDst, "export", w, "--out", again)
		if readFile(t, again) != readFile(t, path(w)) {
			t.Errorf("%s imported from the French sheet with the proposal differs from the original", w)
		}
	}

	// A header habeas recognises nothing in: census by default, CHECK
	// lines for what is needed, and --as names the sheet.
	junk := filepath.Join(dir, "junk.csv")
	writeFile(t, junk, "Foo,Bar,Baz\n1,2,3\n")
	text, _ := inferred(t, junk, "census")
	if !strings.Contains(text, `id: "CHECK: the column that identifies a facility"`) {
		t.Errorf("junk as census:\n%s", text)
	}
	text, m := inferred(t, junk, "charges", "--as", "charges")
	for _, f := range []string{"person.id", "charge.case", "charge.date", "charge.offence", "charge.class"} {
		if fl := m.Fields[f]; fl == nil || !strings.HasPrefix(fl.Alts[0].Column, "CHECK: ") {
			t.Errorf("junk as charges: %s is not left to check:\n%s", f, text)
		}
	}
	if code, _, errOut := run(t, "import", "--infer", junk, "--as", "prisoners"); code == 0 || !strings.Contains(errOut, "people, admissions, charges") {
		t.Errorf("--as prisoners: exit %d %s", code, errOut)
	}
}

// checks reports whether a proposal has a line marked CHECK, besides the
// comments at the top that explain them.
func checks(text string) bool {
	for _, l := range strings.Split(text, "\n") {
		if !strings.HasPrefix(l, "#") && strings.Contains(l, "CHECK") {
			return true
		}
	}
	return false
}

func fieldNames(m *mapping.Mapping) string {
	var n []string
	for f := range m.Fields {
		n = append(n, f)
	}
	sort.Strings(n)
	return strings.Join(n, ",")
}

// readCSV gives each column's values by its name.
func readCSV(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	cols := map[string][]string{}
	for _, r := range recs[1:] {
		for i, v := range r {
			cols[recs[0][i]] = append(cols[recs[0][i]], v)
		}
	}
	return cols
}
