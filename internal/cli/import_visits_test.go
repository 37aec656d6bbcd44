package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// habeas import visits on a KoboToolbox CSV export: recorded, then
// recognised by submission id; a wrong --format is refused before anything
// is opened.
func TestImportVisitsCommand(t *testing.T) {
	dsn := dbtest.SQLiteDSN(t)
	dir := t.TempDir()
	estate := filepath.Join(dir, "estate.jsonl")
	lines := `{"kind":"facility","date":"2020-01-01","facility":"CC1","data":{"name":"CC1","kind":"correctional_centre","province":"Phnom Penh","capacity":2000}}
{"kind":"facility","date":"2020-01-01","facility":"PJ","data":{"name":"PJ","kind":"prison","province":"Phnom Penh","capacity":300}}
`
	if err := os.WriteFile(estate, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "--db", dsn, "import", "events", estate)
	fixture := "../intake/testdata/visits/kobo.csv"
	out := mustRun(t, "--db", dsn, "import", "visits", fixture, "--dry-run")
	if !strings.Contains(out, "would record (dry run, nothing written) 2 visit(s)") {
		t.Errorf("dry run: %s", out)
	}
	out = mustRun(t, "--db", dsn, "--user", "monitor.a", "import", "visits", fixture)
	if !strings.Contains(out, "kobo.csv (kobo-csv): 2 submission(s); recorded 2 visit(s) as 2 event(s); 0 already in the register") {
		t.Errorf("first import: %s", out)
	}
	out = mustRun(t, "--db", dsn, "import", "visits", fixture, "--format", "kobo-csv")
	if !strings.Contains(out, "recorded 0 visit(s) as 0 event(s); 2 already in the register") {
		t.Errorf("second import: %s", out)
	}
	disc := mustRun(t, "--db", dsn, "monitor", "discrepancies", "--format", "csv")
	if !strings.Contains(disc, "PJ,2024-07-16,f0e1d2c3-b4a5-4968-8776-655443322110,women,30,,none,,,false") {
		t.Errorf("the imported visit is not in the discrepancy table:\n%s", disc)
	}
	code, _, errOut := run(t, "--db", dsn, "import", "visits", fixture, "--format", "kobo")
	if code == 0 || !strings.Contains(errOut, "--format must be one of kobo-xlsx, kobo-csv, odk-zip") {
		t.Errorf("a wrong --format: exit %d, %s", code, errOut)
	}
}
