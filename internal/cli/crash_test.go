package cli_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/cli"
)

// TestMain lets a test run the command line in a child process (this test
// binary again), so that the child can be killed mid-write.
func TestMain(m *testing.M) {
	if args := os.Getenv("HABEAS_CLI_CHILD"); args != "" {
		os.Exit(cli.Main(context.Background(), strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestImportKilled: an import into a new SQLite file is written through a
// rollback journal (sqldb.LoadsAlone); killed half-way, it leaves a hot
// journal, and the next opening rolls the file back to the empty register,
// which then takes the same import whole.
func TestImportKilled(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	mustRun(t, "--db", src, "demo", "--people", "4000", "--seed", "3")
	events := filepath.Join(dir, "events.jsonl")
	mustRun(t, "--db", src, "export", "events", "-o", events)

	// The load's pages stay in its large page cache until the commit writes
	// them out, so the kill must fall in that write: the child is killed as
	// soon as the file has grown while the journal is there. On a machine
	// fast enough to finish the write between two looks, it tries again.
	var dsn string
	for attempt := 1; ; attempt++ {
		dsn = filepath.Join(dir, fmt.Sprintf("new%d.db", attempt))
		if killMidCommit(t, dsn, events) {
			break
		}
		if attempt == 5 {
			t.Fatal("five imports ended before they could be killed mid-commit")
		}
	}
	if _, err := os.Stat(dsn + "-journal"); err != nil {
		t.Fatalf("no journal after the kill: %v", err)
	}

	out := mustRun(t, "--db", dsn, "verify")
	if !strings.Contains(out, "events: 0, people: 0,") || !strings.Contains(out, "hash chain: ok") {
		t.Errorf("verify after the kill:\n%s", out)
	}
	if _, err := os.Stat(dsn + "-journal"); err == nil {
		t.Error("the hot journal is still there after the file was opened")
	}
	if fi, err := os.Stat(dsn); err != nil {
		t.Error(err)
	} else if fi.Size() > 8<<20 {
		t.Errorf("the file was not cut back to its size before the load: %d bytes", fi.Size())
	}
	mustRun(t, "--db", dsn, "import", "events", events)
	want := mustRun(t, "--db", src, "stats", "--as-of", "2020-03-31", "--format", "json")
	if got := mustRun(t, "--db", dsn, "stats", "--as-of", "2020-03-31", "--format", "json"); got != want {
		t.Errorf("figures after the import following the kill differ:\n got %s\nwant %s", got, want)
	}
}

// killMidCommit runs an import of events into dsn in a child process and
// kills it once the file has grown past 8 MB while the rollback journal is
// there; it reports false if the import ended first.
func killMidCommit(t *testing.T, dsn, events string) bool {
	t.Helper()
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "HABEAS_CLI_CHILD="+strings.Join([]string{"--user", "tester", "--db", dsn, "import", "events", events}, "\x1f"))
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()
	for {
		select {
		case err := <-exited:
			t.Logf("the import ended (%v) before it could be killed", err)
			return false
		case <-time.After(time.Millisecond):
		}
		fi, err := os.Stat(dsn)
		_, jerr := os.Stat(dsn + "-journal")
		if err == nil && jerr == nil && fi.Size() > 8<<20 {
			if err := child.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			<-exited
			return true
		}
	}
}
