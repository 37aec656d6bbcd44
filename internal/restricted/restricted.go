// Package restricted seals and opens the restricted records of monitoring
// organisations (interviews, allegations, concern markers) with
// filippo.io/age, and keeps the organisations' keys, which live in files
// named in the configuration, never in the database.
//
// A record is encrypted as one age file to its organisation's X25519
// recipient, and the file is split in two. Its header holds the file key,
// random for every file, wrapped to the organisation's key: that is the
// record's data key, which the ledger keeps beside the event (store
// RecordKey), outside the chained body. Its payload, encrypted and
// authenticated under that file key, is the ciphertext the event carries
// and the chain hashes. Opening joins them again and decrypts with the
// organisation's identity. Destroying the header (consent withdrawn) leaves
// a payload no key opens, and the chain as it was.
//
// This is age's own split (ExtractHeader, DecryptHeader): no cryptography
// is written here. An scrypt recipient was not chosen: its work factor
// costs about a second per record, and a passphrase is a weaker secret
// than a generated key kept in a file.
package restricted

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"filippo.io/age"

	"github.com/habeas-kh/habeas/internal/domain"
)

// Keyring holds the keys of the organisations this process serves: the
// identity (which opens and seals) or only the recipient (which seals: a
// monitor's laptop that must not read what others recorded).
//
// An organisation's key file may hold several identities after a rotation
// (habeas org key rotate): the last one seals, every one opens.
type Keyring struct {
	ids  map[string]*age.X25519Identity
	recs map[string]*age.X25519Recipient
	old  map[string][]age.Identity // every identity of an org, the sealing one included
}

// NewKeyring returns an empty keyring.
func NewKeyring() *Keyring {
	return &Keyring{ids: map[string]*age.X25519Identity{}, recs: map[string]*age.X25519Recipient{}, old: map[string][]age.Identity{}}
}

// ParseSpecs reads ORG=FILE pairs (a flag given several times, or one value
// separated by commas, as in HABEAS_ORG_KEYS).
func ParseSpecs(specs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, spec := range specs {
		for part := range strings.SplitSeq(spec, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			org, file, ok := strings.Cut(part, "=")
			if !ok || org == "" || file == "" {
				return nil, fmt.Errorf("--org-key %q: write ORG=FILE, the organisation's id and its key file", part)
			}
			if _, dup := out[org]; dup {
				return nil, fmt.Errorf("--org-key: %s given twice", org)
			}
			out[org] = file
		}
	}
	return out, nil
}

// Load reads the key files, org -> path. A file holds an age identity
// (AGE-SECRET-KEY-1..., as habeas org key generate writes it) or only a
// recipient (age1...), which seals but does not open.
func Load(files map[string]string) (*Keyring, error) {
	k := NewKeyring()
	orgs := make([]string, 0, len(files))
	for org := range files {
		orgs = append(orgs, org)
	}
	sort.Strings(orgs)
	for _, org := range orgs {
		if err := k.addFile(org, files[org]); err != nil {
			return nil, err
		}
	}
	return k, nil
}

func (k *Keyring) addFile(org, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading the key of %s: %w", org, err)
	}
	found := false
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "AGE-SECRET-KEY-1"):
			id, err := age.ParseX25519Identity(line)
			if err != nil {
				return fmt.Errorf("%s:%d: the key of %s: %w", path, n+1, org, err)
			}
			// The last identity of the file seals; all of them open.
			k.ids[org], k.recs[org] = id, id.Recipient()
			k.old[org] = append(k.old[org], id)
			found = true
		case strings.HasPrefix(line, "age1"):
			if found {
				return fmt.Errorf("%s:%d: the key of %s: a file holds identities or one public key, not both", path, n+1, org)
			}
			r, err := age.ParseX25519Recipient(line)
			if err != nil {
				return fmt.Errorf("%s:%d: the key of %s: %w", path, n+1, org, err)
			}
			k.recs[org] = r
			return nil
		default:
			return fmt.Errorf("%s:%d: the key of %s: expected an age X25519 identity (AGE-SECRET-KEY-1...) or recipient (age1...)", path, n+1, org)
		}
	}
	if !found {
		return fmt.Errorf("%s: the key of %s: the file holds no key", path, org)
	}
	return nil
}

// Add puts an identity in the keyring (tests, and a key just generated).
func (k *Keyring) Add(org string, id *age.X25519Identity) {
	k.ids[org], k.recs[org] = id, id.Recipient()
	k.old[org] = append(k.old[org], id)
}

// CanSeal reports whether the keyring can seal records of org.
func (k *Keyring) CanSeal(org string) bool { return k != nil && k.recs[org] != nil }

// CanOpen reports whether the keyring can open records of org.
func (k *Keyring) CanOpen(org string) bool { return k != nil && k.ids[org] != nil }

// Generate writes a new identity to path (readable by its owner only,
// never overwriting) and returns its recipient, the public half.
func Generate(path string) (string, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", fmt.Errorf("generating a key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("writing the key: %w", err)
	}
	text := "# habeas organisation key: keep it secret, and back it up (docs/organisations.md):\n" +
		"# without it the organisation's restricted records cannot be read.\n" +
		"# public key: " + id.Recipient().String() + "\n" + id.String() + "\n"
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		os.Remove(path)
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return id.Recipient().String(), nil
}

// Rotate adds a new identity to the key file at path, after those it
// holds, and returns its recipient: from then on records are sealed with
// it, and the older identities, kept, still open the records sealed
// before. The file is written anew beside and renamed into place, so that
// a failure leaves it as it was.
//
// The older identities cannot be dropped: each record's data key is
// wrapped to the identity of its time, and re-wrapping it to the new one
// would need an age header built for a given file key, which age's API
// does not offer (it would mean writing the header's MAC ourselves).
func Rotate(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading the key: %w", err)
	}
	probe := NewKeyring()
	if err := probe.addFile("org", path); err != nil {
		return "", err
	}
	if !probe.CanOpen("org") {
		return "", fmt.Errorf("%s holds a public key only: rotate the file that holds the organisation's identity", path)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", fmt.Errorf("generating a key: %w", err)
	}
	text := string(b)
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	text += "# rotated: new records are sealed with the key below; the keys above still open the older ones. Keep them all.\n" +
		"# public key: " + id.Recipient().String() + "\n" + id.String() + "\n"
	tmp := path + ".rotating"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("writing the key: %w", err)
	}
	_, werr := f.WriteString(text)
	if serr := f.Sync(); werr == nil {
		werr = serr
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("writing %s: %w", path, werr)
	}
	return id.Recipient().String(), nil
}

// ErrNoKey means this process has no key for the organisation.
var ErrNoKey = errors.New("no key")

// Seal encrypts plaintext for org: the ciphertext goes in the event, the
// wrapped data key beside it (Sealed.Wrapped).
func (k *Keyring) Seal(org string, plaintext []byte) (domain.Sealed, error) {
	if !k.CanSeal(org) {
		return domain.Sealed{}, fmt.Errorf("sealing a record of %s: %w: start habeas with --org-key %s=FILE", org, ErrNoKey, org)
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, k.recs[org])
	if err != nil {
		return domain.Sealed{}, fmt.Errorf("sealing a record of %s: %w", org, err)
	}
	if _, err := w.Write(plaintext); err != nil {
		return domain.Sealed{}, fmt.Errorf("sealing a record of %s: %w", org, err)
	}
	if err := w.Close(); err != nil {
		return domain.Sealed{}, fmt.Errorf("sealing a record of %s: %w", org, err)
	}
	file := buf.Bytes()
	hdr, err := age.ExtractHeader(bytes.NewReader(file))
	if err != nil {
		return domain.Sealed{}, fmt.Errorf("sealing a record of %s: %w", org, err)
	}
	if !bytes.HasPrefix(file, hdr) {
		// The split relies on the header being the file's first bytes as
		// written; a re-encoded header would not join the payload again.
		return domain.Sealed{}, fmt.Errorf("sealing a record of %s: the age header does not begin the file", org)
	}
	return domain.Sealed{Org: org, Ciphertext: base64.StdEncoding.EncodeToString(file[len(hdr):]), Wrapped: hdr}, nil
}

// ErrDestroyed means the record's data key was destroyed: it can never be
// read again.
var ErrDestroyed = errors.New("its data key was destroyed")

// Open decrypts a record with its wrapped data key (nil when destroyed).
func (k *Keyring) Open(s *domain.Sealed, wrapped []byte) ([]byte, error) {
	if wrapped == nil {
		return nil, ErrDestroyed
	}
	if !k.CanOpen(s.Org) {
		return nil, fmt.Errorf("opening a record of %s: %w: start habeas with --org-key %s=FILE", s.Org, ErrNoKey, s.Org)
	}
	payload, err := base64.StdEncoding.DecodeString(s.Ciphertext)
	if err != nil {
		return nil, fmt.Errorf("opening a record of %s: the ciphertext is not base64: %w", s.Org, err)
	}
	r, err := age.Decrypt(io.MultiReader(bytes.NewReader(wrapped), bytes.NewReader(payload)), k.old[s.Org]...)
	if err != nil {
		return nil, fmt.Errorf("opening a record of %s: %w", s.Org, err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("opening a record of %s: %w", s.Org, err)
	}
	return out, nil
}
