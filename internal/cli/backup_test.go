package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// habeas backup --age-recipient FILE, then habeas restore --age-identity
// FILE into a new SQLite file and into PostgreSQL; the flags' mistakes are
// named.
func TestBackupRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	mustRun(t, "--db", src, "demo", "--people", "300", "--seed", "3")
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	recipients := filepath.Join(dir, "recipients.txt")
	identity := filepath.Join(dir, "key.txt")
	os.WriteFile(recipients, []byte("# the backup key\n"+id.Recipient().String()+"\n"), 0o600)
	os.WriteFile(identity, []byte(id.String()+"\n"), 0o600)

	file := filepath.Join(dir, "nightly.tar.gz")
	out := mustRun(t, "--db", src, "backup", "--out", file, "--age-recipient", recipients)
	if !strings.Contains(out, "encrypted") {
		t.Errorf("backup output: %s", out)
	}
	if _, err := os.Stat(file + ".partial"); err == nil {
		t.Error("the partial file was left")
	}
	verify := mustRun(t, "--db", src, "verify")
	head := verify[strings.Index(verify, "head"):]
	head = head[:strings.IndexByte(head, '\n')]

	for _, target := range []string{filepath.Join(dir, "restored.db"), dbtest.PostgresDSN(t)} {
		out := mustRun(t, "--db", target, "restore", file, "--age-identity", identity)
		if !strings.Contains(out, "and checked") {
			t.Errorf("restore output: %s", out)
		}
		v := mustRun(t, "--db", target, "verify")
		if !strings.Contains(v, head) {
			t.Errorf("verify of the restore: %s, want %s", v, head)
		}
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--db", src, "backup"}, "--out"},
		{[]string{"--db", src, "backup", "--out", file + "2", "--age-recipient", "age1nope"}, "--age-recipient"},
		{[]string{"--db", src, "backup", "--out", file + "2", "--age-recipient", filepath.Join(dir, "missing.txt")}, "--age-recipient"},
		{[]string{"restore", file}, "--db"},
		{[]string{"--db", filepath.Join(dir, "r2.db"), "restore", file}, "--age-identity"},
		{[]string{"--db", filepath.Join(dir, "r2.db"), "restore", file, "--age-identity", recipients}, "--age-identity"},
		{[]string{"--db", filepath.Join(dir, "restored.db"), "restore", file, "--age-identity", identity}, "not empty"},
	} {
		code, out, errOut := run(t, c.args...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("habeas %s: exit %d, %s%s; want an error about %s", strings.Join(c.args, " "), code, out, errOut, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "r2.db")); err == nil {
		t.Error("a refused restore left a file")
	}
}
