package snapshot_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/snapshot"
)

func folder(t *testing.T) (dir, priv, pub string) {
	t.Helper()
	keys := t.TempDir()
	priv, pub = filepath.Join(keys, "k.key"), filepath.Join(keys, "k.pub")
	if err := snapshot.GenerateKey(priv, pub); err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	for name, body := range map[string]string{"index.html": "<h1>report</h1>", "data/national.csv": "key,value\npopulation,38990\n", "report.css": "body{}"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	k, err := snapshot.LoadPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snapshot.Seal(dir, map[string]string{"as_of": "2020-03-31"}, "2026-11-26T00:00:00Z", k); err != nil {
		t.Fatal(err)
	}
	return dir, priv, pub
}

func verify(t *testing.T, dir, pub string) error {
	t.Helper()
	k, err := snapshot.LoadPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	_, err = snapshot.Verify(dir, k)
	return err
}

func wantFile(t *testing.T, err error, file, msg string) {
	t.Helper()
	var ve *snapshot.VerifyError
	if !errors.As(err, &ve) || ve.File != file || !strings.Contains(ve.Msg, msg) {
		t.Fatalf("got %v, want an error naming %s (%s)", err, file, msg)
	}
}

func TestUntouchedVerifies(t *testing.T) {
	dir, priv, pub := folder(t)
	if err := verify(t, dir, pub); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(priv); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("private key permissions: %v %v", info.Mode(), err)
	}
	// The key pair is never overwritten.
	if err := snapshot.GenerateKey(priv, pub+".2"); err == nil {
		t.Error("GenerateKey overwrote an existing private key")
	}
}

// Every byte counts: changing any one byte of any file is found and named.
func TestOneByteChanged(t *testing.T) {
	for _, name := range []string{"index.html", "data/national.csv", "report.css"} {
		dir, _, pub := folder(t)
		p := filepath.Join(dir, filepath.FromSlash(name))
		b, _ := os.ReadFile(p)
		for i := range b {
			c := append([]byte(nil), b...)
			c[i] ^= 0x01
			os.WriteFile(p, c, 0o644)
			wantFile(t, verify(t, dir, pub), name, "has changed")
		}
		os.WriteFile(p, b, 0o644)
		if err := verify(t, dir, pub); err != nil {
			t.Errorf("restored %s: %v", name, err)
		}
	}
}

func TestMissingAddedAndForged(t *testing.T) {
	dir, _, pub := folder(t)
	os.Remove(filepath.Join(dir, "report.css"))
	wantFile(t, verify(t, dir, pub), "report.css", "missing")

	dir, _, pub = folder(t)
	os.WriteFile(filepath.Join(dir, "data", "extra.csv"), []byte("x"), 0o644)
	wantFile(t, verify(t, dir, pub), "data/extra.csv", "not in the manifest")

	// Editing the manifest to match a changed file breaks the signature.
	dir, _, pub = folder(t)
	m, _ := os.ReadFile(filepath.Join(dir, snapshot.ManifestFile))
	os.WriteFile(filepath.Join(dir, snapshot.ManifestFile), []byte(strings.Replace(string(m), "2020-03-31", "2020-04-01", 1)), 0o644)
	wantFile(t, verify(t, dir, pub), snapshot.ManifestFile, "signature does not match")

	// Another key does not verify.
	dir, _, _ = folder(t)
	_, _, other := folder(t)
	wantFile(t, verify(t, dir, other), snapshot.ManifestFile, "signature does not match")
}
