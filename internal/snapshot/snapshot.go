// Package snapshot seals a published folder of files: a manifest lists the
// SHA-256 of every file and is signed with Ed25519, so that anyone holding
// the public key can check that nothing was changed, added or removed.
package snapshot

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The manifest and its signature sit in the folder they seal.
const (
	ManifestFile  = "manifest.json"
	SignatureFile = "manifest.sig"
)

// Manifest is what is signed.
type Manifest struct {
	Format   string            `json:"format"` // "habeas-snapshot/1"
	Subject  map[string]string `json:"subject"`
	Files    []File            `json:"files"`
	KeyID    string            `json:"key_id"` // SHA-256 of the public key, hex, first 16 digits
	Produced string            `json:"produced"`
}

// File is one sealed file.
type File struct {
	Path   string `json:"path"` // slash-separated, relative to the folder
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

const format = "habeas-snapshot/1"

// GenerateKey writes a new key pair: the private key (PKCS #8 PEM, readable
// by its owner only) and the public key (PKIX PEM). It refuses to overwrite.
func GenerateKey(privPath, pubPath string) error {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("generating a key: %w", err)
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("encoding the private key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return fmt.Errorf("encoding the public key: %w", err)
	}
	if err := writeNew(privPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}), 0o600); err != nil {
		return err
	}
	if err := writeNew(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		os.Remove(privPath)
		return err
	}
	return nil
}

func writeNew(path string, b []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("writing the key: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

// LoadPrivateKey reads a private key written by GenerateKey.
func LoadPrivateKey(path string) (ed25519.PrivateKey, error) {
	der, err := readPEM(path, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%s: not a private key: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an Ed25519 private key", path)
	}
	return priv, nil
}

// LoadPublicKey reads a public key written by GenerateKey.
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	der, err := readPEM(path, "PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("%s: not a public key: %w", path, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an Ed25519 public key", path)
	}
	return pub, nil
}

func readPEM(path, typ string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != typ {
		return nil, fmt.Errorf("%s: expected a PEM block %q", path, typ)
	}
	return blk.Bytes, nil
}

// PublicKeyPEM encodes a public key as GenerateKey writes it.
func PublicKeyPEM(pub ed25519.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("encoding the public key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// KeyID is a short fingerprint of a public key.
func KeyID(pub ed25519.PublicKey) string {
	s := sha256.Sum256(pub)
	return hex.EncodeToString(s[:8])
}

// Seal hashes every file under dir (except the manifest and signature),
// writes the manifest and signs it.
func Seal(dir string, subject map[string]string, produced string, priv ed25519.PrivateKey) (*Manifest, error) {
	files, err := hashAll(dir)
	if err != nil {
		return nil, err
	}
	m := &Manifest{Format: format, Subject: subject, Files: files, KeyID: KeyID(priv.Public().(ed25519.PublicKey)), Produced: produced}
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the manifest: %w", err)
	}
	body = append(body, '\n')
	sig := ed25519.Sign(priv, body)
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), body, 0o644); err != nil {
		return nil, fmt.Errorf("writing the manifest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, SignatureFile), []byte(base64.StdEncoding.EncodeToString(sig)+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("writing the signature: %w", err)
	}
	return m, nil
}

// VerifyError names what does not match.
type VerifyError struct {
	File string // the file at fault, relative to the folder
	Msg  string
}

func (e *VerifyError) Error() string { return e.File + ": " + e.Msg }

// Verify checks the signature of the manifest with pub, then every file
// against it: a changed, missing or added file is an error naming it.
func Verify(dir string, pub ed25519.PublicKey) (*Manifest, error) {
	body, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, &VerifyError{ManifestFile, "cannot be read: " + err.Error()}
	}
	sigText, err := os.ReadFile(filepath.Join(dir, SignatureFile))
	if err != nil {
		return nil, &VerifyError{SignatureFile, "cannot be read: " + err.Error()}
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(sigText)))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, &VerifyError{SignatureFile, "is not an Ed25519 signature"}
	}
	if !ed25519.Verify(pub, body, sig) {
		return nil, &VerifyError{ManifestFile, "the signature does not match: the manifest was changed, or it was signed by another key (key " + KeyID(pub) + ")"}
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil || m.Format != format {
		return nil, &VerifyError{ManifestFile, "is not a habeas snapshot manifest"}
	}
	got, err := hashAll(dir)
	if err != nil {
		return nil, err
	}
	have := map[string]File{}
	for _, f := range got {
		have[f.Path] = f
	}
	for _, f := range m.Files {
		g, ok := have[f.Path]
		switch {
		case !ok:
			return &m, &VerifyError{f.Path, "is listed in the manifest but missing"}
		case g.SHA256 != f.SHA256 || g.Bytes != f.Bytes:
			return &m, &VerifyError{f.Path, fmt.Sprintf("has changed (SHA-256 %s…, the manifest says %s…)", g.SHA256[:12], f.SHA256[:12])}
		}
		delete(have, f.Path)
	}
	if len(have) > 0 {
		var extra []string
		for p := range have {
			extra = append(extra, p)
		}
		sort.Strings(extra)
		return &m, &VerifyError{extra[0], "is not in the manifest (added after publication)"}
	}
	return &m, nil
}

// hashAll lists every regular file under dir with its digest, in path order.
func hashAll(dir string) ([]File, error) {
	var out []File
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == ManifestFile || rel == SignatureFile {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file", rel)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out = append(out, File{Path: rel, SHA256: hex.EncodeToString(sum[:]), Bytes: int64(len(b))})
		return nil
	})
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no such folder: %s", dir)
		}
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// ParsePublicKeyPEM reads a public key as PublicKeyPEM writes it.
func ParsePublicKeyPEM(b []byte) (ed25519.PublicKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("expected a PEM block %q", "PUBLIC KEY")
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("not a public key: %w", err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("not an Ed25519 public key")
	}
	return pub, nil
}
