package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const latinMapping = `source: bulletin
dates: [YYYY-MM-DD]
facility:
  id: Code
  name: Name
  kind: {value: prison}
  province: Province
census:
  date: Date
  counts: {total: Present}
`

// A refused import into a new database path leaves no file behind; a
// Latin-1 file is refused unless the mapping names its encoding, and then
// the register verifies.
func TestImportSheetsCLI(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "latin.csv")
	m := filepath.Join(dir, "m.yaml")
	m1252 := filepath.Join(dir, "m1252.yaml")
	for p, content := range map[string]string{
		data: "Code,Name,Province,Present,Date\nIT1,Citt\xe0 di Castello,Umbria,40,2020-01-31\n",
		m:    latinMapping, m1252: latinMapping + "encoding: windows-1252\n"} {
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	db := filepath.Join(dir, "new.db")
	code, _, errOut := run(t, "--db", db, "import", "census", data, "--map", m)
	if code == 0 || !strings.Contains(errOut, `latin.csv: row 2: column "Name": is not UTF-8 text (byte 0xE0 after "Citt")`) {
		t.Errorf("a Latin-1 file: exit %d %s", code, errOut)
	}
	// Nor does a row too wide.
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("Code,Name,Province,Present,Date\nIT1,Castello,Umbria,40,2020-01-31,9\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = run(t, "--db", db, "import", "census", bad, "--map", m)
	if code == 0 || !strings.Contains(errOut, "bad.csv: row 2: the row has a cell in column 6") {
		t.Errorf("a row too wide: exit %d %s", code, errOut)
	}
	left, _ := filepath.Glob(db + "*")
	if len(left) > 0 {
		t.Errorf("the refused imports left %v", left)
	}
	code, out, errOut := run(t, "--db", db, "import", "census", data, "--map", m1252)
	if code != 0 {
		t.Fatalf("with encoding: exit %d %s %s", code, out, errOut)
	}
	if code, out, errOut = run(t, "--db", db, "verify"); code != 0 {
		t.Errorf("verify after a windows-1252 import: exit %d %s %s", code, out, errOut)
	}
	mustRun(t, "--db", db, "export", "facilities", "--out", filepath.Join(dir, "f.csv"))
	b, err := os.ReadFile(filepath.Join(dir, "f.csv"))
	if err != nil || !strings.Contains(string(b), "Città di Castello") {
		t.Errorf("the facility's name: %q %v", b, err)
	}
}

// A refused `habeas import events` into a new database path leaves no file
// behind, as the sheet imports do; into an existing register it leaves the
// file, unchanged (issue 14, item 13).
func TestImportEventsRefusedLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	lines := `{"kind":"facility","date":"2019-01-01","facility":"CC1","data":{"name":"Correctional Centre 1","kind":"correctional_centre","province":"Phnom Penh","capacity":100}}` + "\n" +
		`{"kind":"person","date":"2020-01-10","person":"P1","data":{"name":"Sok Dara","sex":"M","dob":"1990-05-01","dob_basis":"guessed"}}` + "\n"
	if err := os.WriteFile(bad, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "new.db")
	code, _, errOut := run(t, "--db", db, "import", "events", bad)
	if code == 0 || !strings.Contains(errOut, "bad.jsonl:2") || !strings.Contains(errOut, "data.dob_basis") {
		t.Errorf("a bad event: exit %d %s", code, errOut)
	}
	if left, _ := filepath.Glob(db + "*"); len(left) > 0 {
		t.Errorf("the refused import left %v", left)
	}
	// Into a register that exists, the refusal leaves it as it was.
	good := filepath.Join(dir, "good.jsonl")
	if err := os.WriteFile(good, []byte(strings.SplitAfter(lines, "\n")[0]), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "--db", db, "import", "events", good)
	if code, _, _ := run(t, "--db", db, "import", "events", bad); code == 0 {
		t.Error("the bad file was imported into the existing register")
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("a refused import removed the existing register: %v", err)
	}
	if out := mustRun(t, "--db", db, "verify"); !strings.Contains(out, "events: 1,") {
		t.Errorf("verify after the refused import: %s, want the one event of the first", out)
	}
}
