package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// The report, end to end on the command line: record a declared figure,
// screen and save, publish a signed report, verify it, then change one byte
// of one file and see verify fail naming it.
func TestReportPublishVerify(t *testing.T) {
	dsn := dbtest.SQLiteDSN(t)
	mustRun(t, "--db", dsn, "demo", "--people", "1200")
	// A declared figure with no source is refused, and nothing is written.
	if code, _, errOut := run(t, "--db", dsn, "pledge", "declare", "release-10000", "--figure", "4000", "--declared-by", "Ministry of Interior", "--date", "2020-09-01"); code == 0 || !strings.Contains(errOut, "data.source: missing") {
		t.Fatalf("a declared figure without a source: exit %d, %s", code, errOut)
	}
	mustRun(t, "--db", dsn, "--user", "ministry.clerk", "pledge", "declare", "release-10000", "--figure", "4000",
		"--declared-by", "Ministry of Interior", "--date", "2020-09-01", "--source", "Press release 1 September 2020")
	if code, _, errOut := run(t, "--db", dsn, "pledge", "add", "--id", "p2", "--title", "t", "--made-by", "m", "--announced", "2020-06-01",
		"--start", "2020-06-01", "--deadline", "2020-05-01", "--target", "5", "--source", "s"); code == 0 || !strings.Contains(errOut, "before the start") {
		t.Fatalf("a pledge ending before it starts: exit %d, %s", code, errOut)
	}
	list := mustRun(t, "--db", dsn, "pledge", "list", "--as-of", "2020-12-31")
	if !strings.Contains(list, "release-10000") || !strings.Contains(list, "declared 4000 on 2020-09-01") || !strings.Contains(list, "stalled") {
		t.Fatalf("pledge list:\n%s", list)
	}
	mustRun(t, "--db", dsn, "screen", "--as-of", "2020-12-31", "--save", "--format", "csv")

	keys := t.TempDir()
	mustRun(t, "report", "keygen", "--out", filepath.Join(keys, "ministry"))
	out := filepath.Join(t.TempDir(), "report-2020-12")
	msg := mustRun(t, "--db", dsn, "report", "publish", "--as-of", "2020-12-31", "--from", "2020-05-15", "--key", filepath.Join(keys, "ministry.key"), "--out", out)
	if !strings.Contains(msg, "published") {
		t.Fatalf("publish: %s", msg)
	}
	page, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Release up to 10,000 prisoners", "Held without legal basis", "<svg", "Six-month campaign"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the report page lacks %q", want)
		}
	}
	pub := filepath.Join(keys, "ministry.pub")
	if v := mustRun(t, "report", "verify", out, "--key", pub); !strings.Contains(v, "verify: ok") {
		t.Fatalf("verify of an untouched report: %s", v)
	}
	// The report holds the checkpoint of the ledger it was computed from,
	// signed with the same key; the ledger extends it.
	if v := mustRun(t, "--db", dsn, "verify", "--against", filepath.Join(out, "checkpoint.txt"), "--key", pub); !strings.Contains(v, "checkpoint: ok") {
		t.Fatalf("verify against the report's checkpoint: %s", v)
	}
	target := filepath.Join(out, "data", "releases_by_mechanism.csv")
	b, _ := os.ReadFile(target)
	b[len(b)/2] ^= 0x04
	os.WriteFile(target, b, 0o644)
	code, _, errOut := run(t, "report", "verify", out, "--key", pub)
	if code == 0 || !strings.Contains(errOut, "data/releases_by_mechanism.csv: has changed") {
		t.Fatalf("verify after changing a byte: exit %d, %s", code, errOut)
	}
	// A report date before any data writes nothing.
	early := filepath.Join(t.TempDir(), "early")
	if code, _, errOut := run(t, "--db", dsn, "report", "--as-of", "2001-01-01", "--out", early); code == 0 || !strings.Contains(errOut, "before anything in the register") {
		t.Fatalf("a report before any data: exit %d, %s", code, errOut)
	}
	if _, err := os.Stat(early); !os.IsNotExist(err) {
		t.Errorf("a refused report left %s behind", early)
	}
}
