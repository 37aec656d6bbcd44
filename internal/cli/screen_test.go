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

func TestRulesCommands(t *testing.T) {
	out := mustRun(t, "rules", "list")
	for _, id := range []string{"LB-01", "LB-10", "RV-02", "EL-05", "PR-05", "DQ-01", "not reviewed by a lawyer"} {
		if !strings.Contains(out, id) {
			t.Errorf("rules list does not show %s:\n%s", id, out)
		}
	}
	// Each parameter with its value, status and citation.
	for _, want := range [][]string{{"older_age", "60", "NO", "pardon decree categories; Mandela Rule 2"},
		{"misd_initial_months", "4", "yes", "CPC Art. 209"}} {
		found := false
		for _, line := range strings.Split(out, "\n") {
			if f := strings.Fields(line); len(f) > 3 && f[0] == want[0] {
				found = f[1] == want[1] && f[2] == want[2] && strings.Contains(line, want[3])
			}
		}
		if !found {
			t.Errorf("rules list does not show parameter %v:\n%s", want, out)
		}
	}
	noCitation := filepath.Join(t.TempDir(), "nocitation.yaml")
	os.WriteFile(noCitation, []byte("pack: x\njurisdiction: y\nversion: \"1\"\nparams:\n  limit:\n    value: 4\n    verified: true\n"+
		"rules:\n  - id: A\n    title: t\n    kind: unlawful\n    condition: pretrial_days > params.limit\n    citation: c\n    verified: true\n    reason: r\n"), 0o644)
	code, _, errOut := run(t, "rules", "check", noCitation)
	if code == 0 || !strings.Contains(errOut, noCitation+":5: parameter limit: missing citation") {
		t.Fatalf("a parameter with no citation: exit %d, stderr:\n%s", code, errOut)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("pack: x\njurisdiction: y\nversion: \"1\"\nrules:\n  - id: A\n    title: t\n    kind: unlawful\n    condition: agee > 3\n    citation: c\n    verified: true\n    reason: r\n"), 0o644)
	code, _, errOut = run(t, "rules", "check", bad)
	if code == 0 || !strings.Contains(errOut, bad+":8: A: condition: undeclared reference to 'agee'") {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	code, _, errOut = run(t, "--db", filepath.Join(t.TempDir(), "x.db"), "screen", "--pack", bad)
	if code == 0 || !strings.Contains(errOut, ":8:") {
		t.Fatalf("screen with a bad pack: exit %d, stderr:\n%s", code, errOut)
	}
}

func TestScreenCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a demo register")
	}
	dsn := dbtest.SQLiteDSN(t)
	mustRun(t, "--db", dsn, "demo", "--people", "1500")
	out := mustRun(t, "--db", dsn, "screen", "--as-of", "2020-12-31", "--within", "30", "--format", "json")
	var rep struct {
		Pack struct{ ID, Version string }
		Head struct {
			Seq  int64
			Hash string
		} `json:"ledger_head"`
		AsOf    string `json:"as_of"`
		Persons []struct{ Person string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Pack.ID != "kh-2020" || len(rep.Head.Hash) != 64 || rep.AsOf != "2020-12-31" || len(rep.Persons) == 0 {
		t.Fatalf("report %+v", rep)
	}
	csv := mustRun(t, "--db", dsn, "screen", "--as-of", "2020-12-31", "--format", "csv", "--facility", "CC2")
	if !strings.HasPrefix(csv, "as_of,pack,pack_version,ledger_head,person") || !strings.Contains(csv, ",CC2,") {
		t.Fatalf("csv:\n%.500s", csv)
	}
	table := mustRun(t, "--db", dsn, "screen", "--as-of", "2020-12-31")
	if !strings.Contains(table, "Ledger head: event") || !strings.Contains(table, "UNLAWFUL") {
		t.Fatalf("table:\n%.1000s", table)
	}
}

// TestScreenFactsOnly checks the hidden baseline of bench/screen.sh: it reads
// the same people as a screening and prints one line with their number, the
// date and the ledger head, and it does not show in the help.
func TestScreenFactsOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a demo register")
	}
	dsn := dbtest.SQLiteDSN(t)
	mustRun(t, "--db", dsn, "demo", "--people", "300")
	var rep struct {
		Head struct {
			Seq  int64
			Hash string
		} `json:"ledger_head"`
		Summary struct{ Screened int }
	}
	if err := json.Unmarshal([]byte(mustRun(t, "--db", dsn, "screen", "--as-of", "2020-12-31", "--format", "json")), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Screened == 0 {
		t.Fatal("nobody screened")
	}
	out := mustRun(t, "--db", dsn, "screen", "--as-of", "2020-12-31", "--facts-only")
	want := fmt.Sprintf("facts only: %d people in custody read as of 2020-12-31, ledger head event %d, hash %s\n",
		rep.Summary.Screened, rep.Head.Seq, rep.Head.Hash)
	if out != want {
		t.Fatalf("--facts-only printed\n%q\nwant\n%q", out, want)
	}
	if help := mustRun(t, "screen", "--help"); strings.Contains(help, "facts-only") || !strings.Contains(help, "--within") {
		t.Errorf("screen --help:\n%s", help)
	}
}
