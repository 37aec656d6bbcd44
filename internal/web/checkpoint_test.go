package web_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/cli"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Main(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestCheckpointsPublished: checkpoints signed on the command line are
// served by the API and listed on the reports page with their key, and a
// witness checks a newer one against an older with the server's proof.
func TestCheckpointsPublished(t *testing.T) {
	dsn := dbtest.SQLiteDSN(t)
	f := newFixture(t, dsn, 300)
	c := f.client()
	if res := c.get("/reports"); res.code != 200 || strings.Contains(res.body, `id="checkpoint-list"`) {
		t.Fatalf("reports page before any checkpoint: %d, lists checkpoints: %v", res.code, strings.Contains(res.body, "checkpoint-list"))
	}
	dir := t.TempDir()
	key := filepath.Join(dir, "ministry")
	if code, _, e := runCLI(t, "report", "keygen", "--out", key); code != 0 {
		t.Fatal(e)
	}
	old, newer := filepath.Join(dir, "old.txt"), filepath.Join(dir, "new.txt")
	for _, args := range [][]string{{"--size", "100", "--out", old}, {"--out", newer}} {
		if code, _, e := runCLI(t, append([]string{"--db", dsn, "--user", "admin", "checkpoint", "--key", key + ".key"}, args...)...); code != 0 {
			t.Fatalf("checkpoint %v: %s", args, e)
		}
	}
	want, _ := os.ReadFile(newer)
	res := c.get("/api/v1/checkpoint")
	if res.code != 200 || res.body != string(want) || !strings.HasPrefix(res.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/api/v1/checkpoint: %d %q, want the newest checkpoint %q", res.code, res.body, want)
	}
	pub, _ := os.ReadFile(key + ".pub")
	for _, lang := range []string{"en", "km"} {
		c.cookies["lang"] = lang
		page := c.get("/reports").body
		if !strings.Contains(page, `id="checkpoint-list"`) || strings.Count(page, `<code class="hash">`) != 2 || !strings.Contains(page, strings.TrimSpace(string(pub))[:40]) {
			t.Errorf("reports page (%s) does not list both checkpoints with the key", lang)
		}
	}
	// The witness: the newer extends the older, by the server's proof.
	code, out, e := runCLI(t, "checkpoint", "check", old, newer, "--key", key+".pub", "--server", f.ts.URL)
	if code != 0 || !strings.Contains(out, "checkpoint check: ok") {
		t.Errorf("checkpoint check: exit %d, %s %s", code, out, e)
	}
	// Swapped, they fail with a clear error.
	code, _, e = runCLI(t, "checkpoint", "check", newer, old, "--key", key+".pub", "--server", f.ts.URL)
	if code == 0 || !strings.Contains(e, "oldest first") {
		t.Errorf("checkpoints swapped: exit %d, %s", code, e)
	}
	// The audit trail of the one who signed shows it, readably.
	admin := f.login("admin")
	for lang, want := range map[string][]string{"en": {"signed a checkpoint of the ledger", "Events in the checkpoint"},
		"km": {"បានចុះហត្ថលេខាលើចំណុចត្រួតពិនិត្យ", "ចំនួនព្រឹត្តិការណ៍ក្នុងចំណុចត្រួតពិនិត្យ"}} {
		admin.cookies["lang"] = lang
		page := admin.get("/staff/users/admin").body
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("the admin's audit trail (%s) lacks %q", lang, w)
			}
		}
	}
}
