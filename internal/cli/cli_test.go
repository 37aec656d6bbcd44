package cli_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/cli"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// run invokes the command line in-process and returns its exit code and output.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Main(context.Background(), append([]string{"--user", "tester"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := run(t, args...)
	if code != 0 {
		t.Fatalf("habeas %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// TestDemoStatsVerifyRoundTrip walks the main path on both databases: a
// scaled demo, its figures, verify, and a backup restored into the other kind.
func TestDemoStatsVerifyRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			dsn := be.DSN(t)
			mustRun(t, "--db", dsn, "demo", "--people", "2000", "--seed", "7")
			var s struct {
				AsOf          string  `json:"as_of"`
				Population    int     `json:"population"`
				Capacity      int     `json:"capacity"`
				OccupancyPct  float64 `json:"occupancy_pct"`
				Pretrial      int     `json:"pretrial"`
				PretrialShare float64 `json:"pretrial_share"`
				Women         int     `json:"women"`
				Minors        int     `json:"minors"`
				Children      *int    `json:"children_with_mothers"`
				Facilities    []struct {
					ID, Name, Kind, Province string
					Population, Capacity     int
					OccupancyPct             float64 `json:"occupancy_pct"`
				} `json:"facilities"`
			}
			out := mustRun(t, "--db", dsn, "stats", "--as-of", "2020-03-31", "--format", "json")
			if err := json.Unmarshal([]byte(out), &s); err != nil {
				t.Fatalf("stats JSON: %v\n%s", err, out)
			}
			if s.AsOf != "2020-03-31" || s.Population != 2000 || s.Children == nil || len(s.Facilities) < 28 {
				t.Fatalf("stats: %+v", s)
			}
			if s.PretrialShare < 0.70 || s.PretrialShare > 0.80 {
				t.Errorf("pre-trial share %.3f", s.PretrialShare)
			}
			popSum, capSum := 0, 0
			for _, f := range s.Facilities {
				if f.Kind == "prison" || f.Kind == "correctional_centre" {
					popSum += f.Population
					capSum += f.Capacity
				}
			}
			if popSum != s.Population || capSum != s.Capacity {
				t.Errorf("facilities add to %d/%d, national %d/%d", popSum, capSum, s.Population, s.Capacity)
			}
			if table := mustRun(t, "--db", dsn, "stats", "--as-of", "2020-03-31"); !strings.Contains(table, "population") || !strings.Contains(table, "2000") {
				t.Errorf("table output:\n%s", table)
			}
			if out := mustRun(t, "--db", dsn, "verify"); !strings.Contains(out, "hash chain: ok") || !strings.Contains(out, "projections: ok") {
				t.Errorf("verify:\n%s", out)
			}
			backup := filepath.Join(dir, be.Name+".jsonl")
			mustRun(t, "--db", dsn, "export", "events", "-o", backup)
			other := dbtest.Backends[0]
			if other.Name == be.Name {
				other = dbtest.Backends[1]
			}
			odsn := other.DSN(t)
			mustRun(t, "--db", odsn, "import", "events", backup)
			again := filepath.Join(dir, be.Name+"-again.jsonl")
			mustRun(t, "--db", odsn, "export", "events", "-o", again)
			a, _ := os.ReadFile(backup)
			b, _ := os.ReadFile(again)
			if len(a) == 0 || !bytes.Equal(a, b) {
				t.Fatalf("backup restored from %s into %s does not export the same bytes (%d vs %d)", be.Name, other.Name, len(a), len(b))
			}
		})
	}
}

func TestVerifyExitCode(t *testing.T) {
	dsn := dbtest.SQLiteDSN(t)
	mustRun(t, "--db", dsn, "demo", "--people", "300")
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"DROP TRIGGER events_no_update", "UPDATE events SET body = replace(body, '\"pretrial\"', '\"final\"') WHERE seq = (SELECT MIN(seq) FROM events WHERE kind = 'admission' AND body LIKE '%\"pretrial\"%')"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	var seq string
	db.QueryRow("SELECT MIN(seq) FROM events WHERE kind = 'admission' AND body LIKE '%\"final\"%'").Scan(&seq)
	code, out, errOut := run(t, "--db", dsn, "verify")
	if code != 1 || !strings.Contains(out, "hash chain: FAILED") || !strings.Contains(out, "event "+seq+": ") {
		t.Fatalf("verify of a changed ledger: exit %d, want 1 naming event %s\n%s%s", code, seq, out, errOut)
	}
}

func TestBadFlags(t *testing.T) {
	dsn := dbtest.SQLiteDSN(t)
	cases := [][]string{
		{"--db", dsn, "stats", "--format", "xml"},
		{"--db", dsn, "stats"}, // empty register
		{"--db", dsn, "stats", "--as-of", "2020-02-30"},
		{"--db", dsn, "import", "events", filepath.Join(t.TempDir(), "missing.jsonl")},
		{"--db", dsn, "nonsense"},
	}
	for _, c := range cases {
		if code, _, errOut := run(t, c...); code == 0 || errOut == "" {
			t.Errorf("habeas %v: exit %d, stderr %q", c, code, errOut)
		}
	}
	mustRun(t, "--db", dsn, "demo", "--people", "200")
	if code, _, errOut := run(t, "--db", dsn, "demo", "--people", "200"); code == 0 || !strings.Contains(errOut, "empty database") {
		t.Errorf("demo over a full database: %d %s", code, errOut)
	}
}
