package cli

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// waitReplayed waits until the replica has replayed everything the primary
// has written so far.
func waitReplayed(t *testing.T, primary, replica string) {
	t.Helper()
	ctx := context.Background()
	p, err := sql.Open("pgx", primary)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	r, err := sql.Open("pgx", replica)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var pos string
	if err := p.QueryRowContext(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&pos); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		var done bool
		if err := r.QueryRowContext(ctx, "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", pos).Scan(&done); err != nil {
			t.Fatal(err)
		}
		if done {
			return
		}
	}
	t.Fatalf("the replica has not replayed %s in 30s", pos)
}

// TestServeReplica: habeas serve --db-read serves the public pages, the
// reports and the open data from the replica, and they are the same,
// byte for byte, as those of a server reading only the primary; /readyz
// and the metrics show the replica and its lag.
func TestServeReplica(t *testing.T) {
	dsn := dbtest.PostgresDSN(t)
	replica := dbtest.ReplicaDSN(t, dsn)
	runCLI(t, "--db", dsn, "demo", "--people", "120", "--seed", "3")
	runCLI(t, "--db", dsn, "screen", "--save")
	tokens := map[string]string{}
	for _, u := range []string{"clerk", "other"} {
		runCLI(t, "--db", dsn, "user", "add", u, "--role", "admin")
		tokens[u] = strings.TrimSpace(runCLI(t, "--db", dsn, "user", "token", u, "--label", "test"))
	}

	// Generous: the first /reports builds the reports on a machine other tests share.
	c := &http.Client{Timeout: 5 * time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	plain := startServe(t, dsn, serveConfig{ReadyMaxLag: time.Hour})
	waitReplayed(t, dsn, replica)
	withReplica := startServe(t, dsn, serveConfig{ReadyMaxLag: time.Hour, DBRead: replica, DBReadMaxLag: time.Hour})

	var rd struct {
		Status  string
		Replica *struct {
			Up        bool
			Standby   bool
			ReadsFrom string  `json:"reads_from"`
			Lag       float64 `json:"lag_seconds"`
			LagLimit  string  `json:"lag_limit"`
		}
	}
	code, body := get(t, c, withReplica.url+"/readyz")
	if err := json.Unmarshal([]byte(body), &rd); err != nil || code != 200 || rd.Replica == nil ||
		!rd.Replica.Up || !rd.Replica.Standby || rd.Replica.ReadsFrom != "replica" || rd.Replica.LagLimit != "1h0m0s" {
		t.Fatalf("/readyz with a replica: %d %s", code, body)
	}
	if _, body := get(t, c, plain.url+"/readyz"); strings.Contains(body, `"replica"`) {
		t.Errorf("/readyz without a replica speaks of one: %s", body)
	}

	_, reports := get(t, c, plain.url+"/reports")
	pages := []string{"/", "/?lang=km", "/reports", "/pledges", "/data", "/data/facilities.csv", "/methodology",
		"/api/v1/report"}
	// The published files of the latest report, as /reports links them.
	for _, m := range regexp.MustCompile(`href="(/reports/[0-9-]+/[^"]+)"`).FindAllStringSubmatch(reports, 4) {
		pages = append(pages, m[1])
	}
	if len(pages) < 10 {
		t.Fatalf("no report files linked from /reports:\n%s", reports)
	}
	_, m := get(t, c, withReplica.metrics+"/metrics")
	before := metricValue(m, `habeas_replica_reads_total{to="replica"}`)
	// The reports' JSON says when it was generated: the one thing that
	// differs between two servers building the same report.
	generated := regexp.MustCompile(`"generated": "[^"]+"`)
	for _, p := range pages {
		code1, want := get(t, c, plain.url+p)
		code2, got := get(t, c, withReplica.url+p)
		want, got = generated.ReplaceAllString(want, `"generated": ""`), generated.ReplaceAllString(got, `"generated": ""`)
		if code1 != 200 || code2 != code1 {
			t.Errorf("%s: %d from the primary, %d with the replica", p, code1, code2)
			continue
		}
		if got != want {
			t.Errorf("%s differs with the replica (%d bytes, %d from the primary): %s", p, len(got), len(want), firstDiff(want, got))
		}
	}

	testReadYourWritesOverHTTP(t, c, withReplica.url, replica, tokens)

	_, m = get(t, c, withReplica.metrics+"/metrics")
	for _, w := range []string{"habeas_replica_up 1", "habeas_replica_lag_seconds ", "habeas_replica_lag_bytes ",
		`habeas_replica_reads_total{to="primary"}`, `go_sql_open_connections{db_name="replica"}`} {
		if !strings.Contains(m, w) {
			t.Errorf("no %q in the metrics:\n%s", w, grepLines(m, "replica"))
		}
	}
	// The pages read the replica (the dashboard was built from it at
	// start, the other pages read it now), and it served most reads: the
	// primary only those made before it had replayed the state at start.
	after := metricValue(m, `habeas_replica_reads_total{to="replica"}`)
	primary := metricValue(m, `habeas_replica_reads_total{to="primary"}`)
	if after <= before || primary >= after {
		t.Errorf("reads from the replica: %v at start, %v after the pages; %v from the primary", before, after, primary)
	}
}

// firstDiff shows where two texts part.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(i-60, 0)
	return "at byte " + strconv.Itoa(i) + ": " + strings.ReplaceAll(a[from:min(i+60, len(a))], "\n", "⏎") + " | " + strings.ReplaceAll(b[from:min(i+60, len(b))], "\n", "⏎")
}

// metricValue is the value of a metric line of a scrape, -1 when absent.
func metricValue(scrape, name string) float64 {
	for line := range strings.SplitSeq(scrape, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

// TestServeReplica's second half: through the web server, a user's write
// is in that user's next read at once although the replica has not
// replayed it (its replay is paused), while another user, reading the
// replica, sees it once replayed.
func testReadYourWritesOverHTTP(t *testing.T, c *http.Client, url, replica string, tokens map[string]string) {
	ctx := context.Background()
	rdb, err := sql.Open("pgx", replica)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if _, err := rdb.ExecContext(ctx, "SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatalf("pausing the replica: %v", err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			if _, err := rdb.ExecContext(ctx, "SELECT pg_wal_replay_resume()"); err != nil {
				t.Errorf("resuming the replica: %v", err)
			}
		}
	}
	defer resume()
	do := func(method, path, user, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tokens[user])
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	const id = "RYW-1"
	body := `{"events":[{"kind":"person","date":"2020-12-01","person":"` + id + `","data":{"name":"Test Person","sex":"M","dob_basis":"unknown"}},` +
		`{"kind":"admission","date":"2020-12-01","person":"` + id + `","facility":"CC1","data":{"status":"pretrial",` +
		`"order":{"kind":"detention_order","authority":"Investigating judge","reference":"DO-1","issued":"2020-12-01","expires":"2021-03-01"}}}]}`
	if code, b := do("POST", "/api/v1/events", "clerk", body); code != http.StatusCreated && code != http.StatusOK {
		t.Fatalf("writing %s: %d %s", id, code, b)
	}
	if code, b := do("GET", "/api/v1/persons/"+id, "clerk", ""); code != 200 || !strings.Contains(b, id) {
		t.Errorf("the writer reads %s at once: %d %s", id, code, b)
	}
	if code, _ := do("GET", "/api/v1/persons/"+id, "other", ""); code != http.StatusNotFound {
		t.Errorf("another user reads %s from the paused replica: %d, want 404 (not replayed yet)", id, code)
	}
	resume()
	for end := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		code, _ := do("GET", "/api/v1/persons/"+id, "other", "")
		if code == 200 {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("another user still reads %d for %s 30s after the replay resumed", code, id)
		}
	}
}
