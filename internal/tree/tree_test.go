package tree_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/tree"
)

// plain is the reference: every stored hash in one slice, as tlog's own
// tests keep them, with no tiles.
type plain []tlog.Hash

func (p plain) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = p[x]
	}
	return out, nil
}

func eventHash(i int) string {
	s := sha256.Sum256(fmt.Appendf(nil, "event %d", i))
	return hex.EncodeToString(s[:])
}

// tiles is a tile store in memory.
type tiles map[[2]int64][]byte

func (m tiles) load(l int, n int64) ([]byte, error) { return m[[2]int64{int64(l), n}], nil }
func (m tiles) put(t tree.Tile) error {
	m[[2]int64{int64(t.Level), t.N}] = bytes.Clone(t.Data)
	return nil
}

// TestBuilderAgainstTlog: a tree built in several sittings (each resumed
// from the stored tiles, as a write transaction does) has the root and the
// tiles of the plain tlog tree at every size, across tile boundaries.
func TestBuilderAgainstTlog(t *testing.T) {
	const n = 256*256 + 300
	var ref plain
	st := tiles{}
	b := tree.NewBuilder(0, st.load, st.put)
	for i := range n {
		leaf, err := tree.Leaf(eventHash(i + 1))
		if err != nil {
			t.Fatal(err)
		}
		hs, err := tlog.StoredHashes(int64(i), mustDecode(eventHash(i+1)), ref)
		if err != nil {
			t.Fatal(err)
		}
		ref = append(ref, hs...)
		if err := b.Append(leaf); err != nil {
			t.Fatalf("leaf %d: %v", i, err)
		}
		// A transaction ends every so often: its partial tiles are stored
		// and the next resumes from the store.
		size := int64(i + 1)
		check := size%4099 == 0 || size == n || size == 256 || size == 256*256
		if i%997 == 0 || check {
			for _, p := range b.Partial() {
				st.put(p)
			}
			b = tree.NewBuilder(b.Size(), st.load, st.put)
		}
		if check {
			want, _ := tlog.TreeHash(size, ref)
			got, err := b.Root(size)
			if err != nil || got != want {
				t.Fatalf("root at %d: %v, %v; want %v", size, got, err, want)
			}
			// And read from the store alone.
			got, err = tlog.TreeHash(size, tree.Reader(st.load))
			if err != nil || got != want {
				t.Fatalf("root at %d from the stored tiles: %v, %v; want %v", size, got, err, want)
			}
		}
	}
	for _, tl := range tlog.NewTiles(tree.TileHeight, 0, n) {
		want, err := tlog.ReadTileData(tl, ref)
		if err != nil {
			t.Fatal(err)
		}
		if got := st[[2]int64{int64(tl.L), tl.N}]; !bytes.Equal(got, want) {
			t.Errorf("tile %s: %d bytes, want %d (equal: false)", tl.Path(), len(got), len(want))
		}
	}
	if len(st) != len(tlog.NewTiles(tree.TileHeight, 0, n)) {
		t.Errorf("%d tiles stored, want %d", len(st), len(tlog.NewTiles(tree.TileHeight, 0, n)))
	}
}

func mustDecode(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}

func TestCheckpointSignOpen(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	root := tlog.RecordHash([]byte("x"))
	c, err := tree.Sign(priv, 42, root)
	if err != nil {
		t.Fatal(err)
	}
	// The C2SP body: origin, size, root in base64, then a blank line and
	// the signature line of the key's name.
	name := tree.Name(pub)
	if !bytes.HasPrefix(c.Signed, fmt.Appendf(nil, "%s\n42\n%s\n\n— %s ", name, root, name)) {
		t.Errorf("checkpoint text:\n%s", c.Signed)
	}
	got, err := tree.Open(c.Signed, pub)
	if err != nil || got.Size != 42 || got.Root != root || got.Origin != name {
		t.Fatalf("open: %+v, %v", got, err)
	}
	bad := []struct {
		name   string
		signed []byte
		pub    ed25519.PublicKey
		field  string
	}{
		{"another key", c.Signed, other, "key"},
		{"truncated", c.Signed[:len(c.Signed)-20], pub, "checkpoint"},
		{"cut before the signature", c.Signed[:len(name)+4], pub, "checkpoint"},
		{"size changed", bytes.Replace(c.Signed, []byte("\n42\n"), []byte("\n43\n"), 1), pub, "checkpoint"},
		{"not a checkpoint", []byte("hello\n"), pub, "checkpoint"},
	}
	for _, b := range bad {
		_, err := tree.Open(b.signed, b.pub)
		if f, _, _ := domain.FieldOf(err); !errors.Is(err, domain.ErrInvalid) || f != b.field {
			t.Errorf("%s: %v (field %q), want invalid %s", b.name, err, f, b.field)
		}
	}
}
