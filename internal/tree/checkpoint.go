package tree

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/snapshot"
)

// Name is the note signer name of a key, and the origin line of the
// checkpoints it signs: "habeas/" and the key's id (snapshot.KeyID, the
// first 16 hex digits of the SHA-256 of the public key), the id report
// manifests carry. The origin names the log: a register signed with a new
// key starts a new origin, and its first checkpoint says so by its name.
func Name(pub ed25519.PublicKey) string { return "habeas/" + snapshot.KeyID(pub) }

// Checkpoint is a signed statement of the tree: its size and root hash, in
// the C2SP checkpoint format (origin line, size, base64 root, then the
// note signature lines).
type Checkpoint struct {
	Origin string
	Size   int64
	Root   Hash
	// Signed is the whole signed note as published.
	Signed []byte
}

// KeyID is the id of the key that signed it (the origin without "habeas/").
func (c *Checkpoint) KeyID() string { return strings.TrimPrefix(c.Origin, "habeas/") }

// signer signs notes with an Ed25519 key under the key's name.
type signer struct {
	name string
	hash uint32
	priv ed25519.PrivateKey
}

func (s *signer) Name() string                    { return s.name }
func (s *signer) KeyHash() uint32                 { return s.hash }
func (s *signer) Sign(msg []byte) ([]byte, error) { return ed25519.Sign(s.priv, msg), nil }

func verifier(pub ed25519.PublicKey) (note.Verifier, error) {
	vkey, err := note.NewEd25519VerifierKey(Name(pub), pub)
	if err != nil {
		return nil, fmt.Errorf("making the verifier key: %w", err)
	}
	return note.NewVerifier(vkey)
}

// VerifierKey is the public key in the note format (name+hash+key), for
// those who check checkpoints with other tools.
func VerifierKey(pub ed25519.PublicKey) (string, error) {
	return note.NewEd25519VerifierKey(Name(pub), pub)
}

// Sign writes and signs the checkpoint of a tree.
func Sign(priv ed25519.PrivateKey, size int64, root Hash) (*Checkpoint, error) {
	pub := priv.Public().(ed25519.PublicKey)
	v, err := verifier(pub)
	if err != nil {
		return nil, err
	}
	c := &Checkpoint{Origin: Name(pub), Size: size, Root: root}
	text := fmt.Sprintf("%s\n%d\n%s\n", c.Origin, size, base64.StdEncoding.EncodeToString(root[:]))
	c.Signed, err = note.Sign(&note.Note{Text: text}, &signer{name: v.Name(), hash: v.KeyHash(), priv: priv})
	if err != nil {
		return nil, fmt.Errorf("signing the checkpoint: %w", err)
	}
	return c, nil
}

// Open checks a signed checkpoint with the public key and parses it. A
// checkpoint that is not one, is cut short, or is not signed by the key is
// invalid input (field "checkpoint", or "key" for another signer).
func Open(signed []byte, pub ed25519.PublicKey) (*Checkpoint, error) {
	v, err := verifier(pub)
	if err != nil {
		return nil, err
	}
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		var unv *note.UnverifiedNoteError
		var bad *note.InvalidSignatureError
		switch {
		case errors.As(err, &unv):
			var by []string
			for _, s := range unv.Note.UnverifiedSigs {
				by = append(by, s.Name)
			}
			return nil, domain.Invalid("key", "the checkpoint is not signed by key %s (signed by %s)", v.Name(), strings.Join(by, ", "))
		case errors.As(err, &bad):
			return nil, domain.Invalid("checkpoint", "the signature of key %s does not match the checkpoint: it was changed after signing", v.Name())
		}
		return nil, domain.Invalid("checkpoint", "not a signed checkpoint (%v): it may be cut short", err)
	}
	c, err := parseBody(n.Text)
	if err != nil {
		return nil, err
	}
	if c.Origin != v.Name() {
		return nil, domain.Invalid("checkpoint", "origin %q is not that of key %s", c.Origin, v.Name())
	}
	c.Signed = bytes.Clone(signed)
	return c, nil
}

// ParseUnverified parses a signed checkpoint without checking its
// signature: for the server, which proves against a checkpoint it is given
// and leaves the check of the signature to whoever holds the proof.
func ParseUnverified(signed []byte) (*Checkpoint, error) {
	_, err := note.Open(signed, note.VerifierList())
	var unv *note.UnverifiedNoteError
	if !errors.As(err, &unv) {
		return nil, domain.Invalid("checkpoint", "not a signed checkpoint: it may be cut short")
	}
	c, err := parseBody(unv.Note.Text)
	if err != nil {
		return nil, err
	}
	c.Signed = bytes.Clone(signed)
	return c, nil
}

// parseBody reads the C2SP checkpoint body: origin, size, root, and any
// extension lines (ignored).
func parseBody(text string) (*Checkpoint, error) {
	lines := strings.Split(text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return nil, domain.Invalid("checkpoint", "expected an origin, a size and a root hash, one a line")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || lines[1] != strconv.FormatInt(size, 10) {
		return nil, domain.Invalid("checkpoint", "line 2: %q is not a tree size", lines[1])
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		return nil, domain.Invalid("checkpoint", "line 3: %q is not a root hash in base64", lines[2])
	}
	if lines[0] == "" {
		return nil, domain.Invalid("checkpoint", "line 1: the origin is empty")
	}
	return &Checkpoint{Origin: lines[0], Size: size, Root: root}, nil
}

// The proof formats. Each is JSON with hashes in base64; a consistency
// proof holds hashes only, nothing of any event.
const (
	InclusionFormat   = "habeas-inclusion-proof/1"
	ConsistencyFormat = "habeas-consistency-proof/1"
)

// InclusionProof proves that the event Seq, whose chain hash is EventHash,
// is leaf Seq-1 of the tree of Checkpoint.
type InclusionProof struct {
	Format     string `json:"format"`
	Seq        int64  `json:"seq"`
	EventHash  string `json:"event_hash"`
	Checkpoint string `json:"checkpoint"`
	Proof      []Hash `json:"proof"`
}

// ConsistencyProof proves that the tree of size To extends the tree of
// size From.
type ConsistencyProof struct {
	Format string `json:"format"`
	From   int64  `json:"from"`
	To     int64  `json:"to"`
	Proof  []Hash `json:"proof"`
}

// ParseInclusion reads an inclusion proof.
func ParseInclusion(b []byte) (*InclusionProof, error) {
	var p InclusionProof
	if err := json.Unmarshal(b, &p); err != nil || p.Format != InclusionFormat {
		return nil, domain.Invalid("proof", "not an inclusion proof (%s)", orFormat(err, p.Format, InclusionFormat))
	}
	return &p, nil
}

// ParseConsistency reads a consistency proof.
func ParseConsistency(b []byte) (*ConsistencyProof, error) {
	var p ConsistencyProof
	if err := json.Unmarshal(b, &p); err != nil || p.Format != ConsistencyFormat {
		return nil, domain.Invalid("proof", "not a consistency proof (%s)", orFormat(err, p.Format, ConsistencyFormat))
	}
	return &p, nil
}

func orFormat(err error, got, want string) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("format %q, want %q", got, want)
}

// CheckInclusion checks an inclusion proof with the public key alone and
// returns its checkpoint.
func CheckInclusion(p *InclusionProof, pub ed25519.PublicKey) (*Checkpoint, error) {
	c, err := Open([]byte(p.Checkpoint), pub)
	if err != nil {
		return nil, err
	}
	if p.Seq < 1 || p.Seq > c.Size {
		return nil, domain.Invalid("seq", "event %d is not in a tree of %d events", p.Seq, c.Size)
	}
	leaf, err := Leaf(p.EventHash)
	if err != nil {
		return nil, err
	}
	if err := tlog.CheckRecord(tlog.RecordProof(p.Proof), c.Size, c.Root, p.Seq-1, leaf); err != nil {
		return nil, domain.Invalid("proof", "event %d with hash %s is not in the tree of the checkpoint (size %d): %v", p.Seq, p.EventHash, c.Size, err)
	}
	return c, nil
}

// CheckOrder checks that two checkpoints are of one log, the older first.
func CheckOrder(older, newer *Checkpoint) error {
	if older.Origin != newer.Origin {
		return domain.Invalid("checkpoint", "the checkpoints are of two logs: %s and %s", older.Origin, newer.Origin)
	}
	if older.Size > newer.Size {
		return domain.Invalid("checkpoint", "the older checkpoint (size %d) is larger than the newer (size %d): give them oldest first", older.Size, newer.Size)
	}
	return nil
}

// CheckConsistency checks that the tree of checkpoint newer extends that of
// older, by a proof between their sizes.
func CheckConsistency(older, newer *Checkpoint, p *ConsistencyProof) error {
	if err := CheckOrder(older, newer); err != nil {
		return err
	}
	if p.From != older.Size || p.To != newer.Size {
		return domain.Invalid("proof", "the proof is between sizes %d and %d, not between the checkpoints' %d and %d", p.From, p.To, older.Size, newer.Size)
	}
	if err := tlog.CheckTree(tlog.TreeProof(p.Proof), newer.Size, newer.Root, older.Size, older.Root); err != nil {
		return domain.Invalid("checkpoint", "the tree of size %d does not extend that of size %d: the ledger was rewritten between them (%v)", newer.Size, older.Size, err)
	}
	return nil
}
