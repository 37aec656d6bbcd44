package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestCheckpointCommands: sign a checkpoint, verify the ledger against it,
// prove an event and check the proof with the public key alone; then a
// forged register (one old name changed, every hash recomputed, imported
// into a fresh database) passes verify but fails against the checkpoint,
// naming the event when given the earlier export.
func TestCheckpointCommands(t *testing.T) {
	dsn := dbtest.SQLiteDSN(t)
	mustRun(t, "--db", dsn, "demo", "--people", "200")
	dir := t.TempDir()
	key := filepath.Join(dir, "ministry")
	mustRun(t, "report", "keygen", "--out", key)
	cp := filepath.Join(dir, "cp.txt")
	mustRun(t, "--db", dsn, "checkpoint", "--key", key+".key", "--out", cp)
	if out := mustRun(t, "--db", dsn, "verify", "--against", cp, "--key", key+".pub"); !strings.Contains(out, "checkpoint: ok") || !strings.Contains(out, "tree: ok") {
		t.Fatalf("verify --against an honest ledger:\n%s", out)
	}
	proof := filepath.Join(dir, "proof.json")
	mustRun(t, "--db", dsn, "prove", "7", "--checkpoint", cp, "--out", proof)
	if out := mustRun(t, "verify-proof", proof, "--key", key+".pub"); !strings.Contains(out, "verify-proof: ok: event 7") {
		t.Fatalf("verify-proof: %s", out)
	}
	other := filepath.Join(dir, "other")
	mustRun(t, "report", "keygen", "--out", other)
	if code, _, e := run(t, "verify-proof", proof, "--key", other+".pub"); code == 0 || !strings.Contains(e, "key: the checkpoint is not signed by key") {
		t.Errorf("verify-proof with another key: exit %d, %s", code, e)
	}
	if code, _, e := run(t, "--db", dsn, "verify", "--against", cp, "--key", other+".pub"); code == 0 || !strings.Contains(e, "not signed by key") {
		t.Errorf("verify --against with another key: exit %d, %s", code, e)
	}

	// The forgery.
	export := filepath.Join(dir, "export.jsonl")
	mustRun(t, "--db", dsn, "export", "events", "--out", export)
	b, _ := os.ReadFile(export)
	var forged bytes.Buffer
	prev := domain.GenesisHash
	changed := int64(0)
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		ev, err := domain.DecodeEvent(line)
		if err != nil {
			t.Fatal(err)
		}
		if d, ok := ev.Data.(*domain.PersonData); ok && changed == 0 && ev.Seq > 50 {
			d.Name, changed = "Someone Else", ev.Seq
		}
		body, _ := domain.Body(ev)
		h := domain.ChainHash(prev, body)
		forged.Write(domain.Line(body, prev, h))
		forged.WriteByte('\n')
		prev = h
	}
	ff := filepath.Join(dir, "forged.jsonl")
	os.WriteFile(ff, forged.Bytes(), 0o600)
	fdsn := dbtest.SQLiteDSN(t)
	mustRun(t, "--db", fdsn, "import", "events", ff)
	mustRun(t, "--db", fdsn, "verify")
	code, out, e := run(t, "--db", fdsn, "verify", "--against", cp, "--key", key+".pub")
	if code != 1 || !strings.Contains(out, "checkpoint: FAILED") || !strings.Contains(out, "does not extend") {
		t.Errorf("the forgery against the checkpoint: exit %d\n%s%s", code, out, e)
	}
	code, out, _ = run(t, "--db", fdsn, "verify", "--against", cp, "--key", key+".pub", "--export", export)
	if want := "event " + itoa(changed) + ": differs"; code != 1 || !strings.Contains(out, want) {
		t.Errorf("the forgery against the checkpoint and the export: exit %d, want %q\n%s", code, want, out)
	}
	// Bad input writes nothing: a truncated checkpoint.
	full, _ := os.ReadFile(cp)
	cut := filepath.Join(dir, "cut.txt")
	os.WriteFile(cut, full[:len(full)-30], 0o600)
	if code, _, e := run(t, "--db", dsn, "verify", "--against", cut, "--key", key+".pub"); code == 0 || !strings.Contains(e, "checkpoint: not a signed checkpoint") {
		t.Errorf("a truncated checkpoint: exit %d, %s", code, e)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
