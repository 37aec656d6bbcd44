package restricted_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/restricted"
)

func TestSealOpen(t *testing.T) {
	dir := t.TempDir()
	licFile, adhocFile := filepath.Join(dir, "lic.key"), filepath.Join(dir, "adhoc.key")
	licPub, err := restricted.Generate(licFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := restricted.Generate(adhocFile); err != nil {
		t.Fatal(err)
	}
	if _, err := restricted.Generate(licFile); err == nil {
		t.Error("Generate overwrote an existing key file")
	}
	if st, _ := os.Stat(licFile); st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	specs, err := restricted.ParseSpecs([]string{"licadho=" + licFile + ",adhoc=" + adhocFile})
	if err != nil {
		t.Fatal(err)
	}
	k, err := restricted.Load(specs)
	if err != nil {
		t.Fatal(err)
	}
	testimony := []byte("I was beaten at the police station on 3 March")
	s, err := k.Seal("licadho", testimony)
	if err != nil {
		t.Fatal(err)
	}
	if s.Org != "licadho" || len(s.Wrapped) == 0 || strings.Contains(s.Ciphertext, "beaten") {
		t.Fatalf("sealed %+v", s)
	}
	payload, _ := base64.StdEncoding.DecodeString(s.Ciphertext)
	if bytes.Contains(payload, testimony) || bytes.Contains(s.Wrapped, testimony) {
		t.Fatal("the plaintext is in the sealed record")
	}
	// The wrapped key is an age header addressed to the organisation's key.
	if !bytes.HasPrefix(s.Wrapped, []byte("age-encryption.org/v1\n-> X25519 ")) {
		t.Errorf("wrapped key %q is not an age header to an X25519 recipient", s.Wrapped)
	}
	got, err := k.Open(&s, s.Wrapped)
	if err != nil || !bytes.Equal(got, testimony) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// Two seals of one text: two data keys, two ciphertexts.
	s2, _ := k.Seal("licadho", testimony)
	if s2.Ciphertext == s.Ciphertext || bytes.Equal(s2.Wrapped, s.Wrapped) {
		t.Error("two records share a data key")
	}
	// Another organisation's key does not open it, even named as the owner.
	other := s
	other.Org = "adhoc"
	if _, err := k.Open(&other, s.Wrapped); err == nil {
		t.Error("adhoc's key opened licadho's record")
	}
	// Another record's data key does not open it either.
	if _, err := k.Open(&s, s2.Wrapped); err == nil {
		t.Error("a record opened with another record's data key")
	}
	// Destroyed: never again.
	if _, err := k.Open(&s, nil); !errors.Is(err, restricted.ErrDestroyed) {
		t.Errorf("Open without the data key: %v, want ErrDestroyed", err)
	}
	// A changed ciphertext is refused, not decrypted into something else.
	bad := s
	p := append([]byte(nil), payload...)
	p[len(p)-1] ^= 1
	bad.Ciphertext = base64.StdEncoding.EncodeToString(p)
	if _, err := k.Open(&bad, s.Wrapped); err == nil {
		t.Error("a changed ciphertext opened")
	}
	// A laptop holding only the public key seals and cannot open.
	pubFile := filepath.Join(dir, "lic.pub")
	os.WriteFile(pubFile, []byte(licPub+"\n"), 0o644)
	pk, err := restricted.Load(map[string]string{"licadho": pubFile})
	if err != nil {
		t.Fatal(err)
	}
	s3, err := pk.Seal("licadho", testimony)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pk.Open(&s3, s3.Wrapped); !errors.Is(err, restricted.ErrNoKey) {
		t.Errorf("the public key opened a record: %v", err)
	}
	if got, err := k.Open(&s3, s3.Wrapped); err != nil || !bytes.Equal(got, testimony) {
		t.Errorf("the organisation cannot open what its laptop sealed: %q %v", got, err)
	}
	if _, err := k.Seal("nobody", testimony); !errors.Is(err, restricted.ErrNoKey) {
		t.Errorf("sealing for an organisation without a key: %v", err)
	}
	if _, err := restricted.ParseSpecs([]string{"licadho"}); err == nil {
		t.Error("a spec without a file accepted")
	}
}

// TestRotate: after a rotation the key file seals with its new identity,
// which alone opens what it seals from then on, and still opens what the
// old one sealed; a file holding a public key only is not rotated.
func TestRotate(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "ngo.key")
	oldPub, err := restricted.Generate(file)
	if err != nil {
		t.Fatal(err)
	}
	before, err := restricted.Load(map[string]string{"ngo": file})
	if err != nil {
		t.Fatal(err)
	}
	old, err := before.Seal("ngo", []byte("sealed before"))
	if err != nil {
		t.Fatal(err)
	}
	newPub, err := restricted.Rotate(file)
	if err != nil || newPub == oldPub || !strings.HasPrefix(newPub, "age1") {
		t.Fatalf("Rotate: %q %v", newPub, err)
	}
	after, err := restricted.Load(map[string]string{"ngo": file})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := after.Open(&old, old.Wrapped); err != nil || string(got) != "sealed before" {
		t.Errorf("the old record after the rotation: %q %v", got, err)
	}
	fresh, err := after.Seal("ngo", []byte("sealed after"))
	if err != nil {
		t.Fatal(err)
	}
	// The old identity alone does not open it: it was sealed to the new one.
	if _, err := before.Open(&fresh, fresh.Wrapped); err == nil {
		t.Error("the old key opens a record sealed after the rotation")
	}
	if got, err := after.Open(&fresh, fresh.Wrapped); err != nil || string(got) != "sealed after" {
		t.Errorf("the new record: %q %v", got, err)
	}
	pubFile := filepath.Join(dir, "ngo.pub")
	if err := os.WriteFile(pubFile, []byte(newPub+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := restricted.Rotate(pubFile); err == nil {
		t.Error("a public key file was rotated")
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the rotated file: %v %v", st.Mode(), err)
	}
}
