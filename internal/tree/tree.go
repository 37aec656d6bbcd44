// Package tree keeps the ledger as a Merkle tree, the way Certificate
// Transparency logs and Go's checksum database do, so that a small signed
// statement of the whole ledger (a checkpoint) can be published and anyone
// can later prove that the ledger still extends it.
//
// The tree is golang.org/x/mod/sumdb/tlog's: leaf i (from 0) is the record
// hash (RFC 6962 leaf hash) of the 32 bytes of the hash of ledger event i+1,
// and it is stored as tlog tiles of height TileHeight. This package holds
// no storage: it builds tiles as leaves come (Builder), reads hashes from
// tiles (Reader), and writes, signs and checks checkpoints and proofs.
package tree

import (
	"encoding/hex"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/habeas-kh/habeas/internal/domain"
)

// TileHeight is the height of the stored tiles: a tile holds 256 hashes of
// one level, 8 KB. A million-person register (24 million events) keeps
// about 94,000 tiles, not 48 million rows of nodes.
const TileHeight = 8

const tileWidth = 1 << TileHeight

// Hash is a tree hash.
type Hash = tlog.Hash

// Leaf is the leaf of the event whose chain hash (hex, as the ledger keeps
// it) is eventHash.
func Leaf(eventHash string) (Hash, error) {
	b, err := hex.DecodeString(eventHash)
	if err != nil || len(b) != 32 {
		return Hash{}, domain.Invalid("hash", "%q is not a SHA-256 hash in hex", eventHash)
	}
	return tlog.RecordHash(b), nil
}

// Tile is one stored tile: the hashes at tree level Level*TileHeight of the
// nodes N*256 to N*256+len(Data)/32-1. A tile is full at 256 hashes; the
// rightmost tile of a level may be partial, and grows as leaves come.
type Tile struct {
	Level int
	N     int64
	Data  []byte
}

// Full reports whether the tile holds all its hashes.
func (t Tile) Full() bool { return len(t.Data) == tileWidth*tlog.HashSize }

// LoadFunc reads a stored tile, nil when there is none.
type LoadFunc func(level int, n int64) ([]byte, error)

// Reader is a tlog.HashReader over stored tiles: every hash of a tree
// whose tiles load gives (a hash above a tile's level is computed from it).
func Reader(load LoadFunc) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]Hash, error) {
		cache := map[[2]int64][]byte{}
		out := make([]Hash, len(indexes))
		for i, idx := range indexes {
			t := tlog.TileForIndex(TileHeight, idx)
			k := [2]int64{int64(t.L), t.N}
			data, ok := cache[k]
			if !ok {
				var err error
				if data, err = load(t.L, t.N); err != nil {
					return nil, err
				}
				cache[k] = data
			}
			h, err := hashFrom(t, data, idx)
			if err != nil {
				return nil, err
			}
			out[i] = h
		}
		return out, nil
	})
}

func hashFrom(t tlog.Tile, data []byte, idx int64) (Hash, error) {
	if len(data) < t.W*tlog.HashSize {
		return Hash{}, fmt.Errorf("tree tile %d/%d holds %d hashes; hash %d needs %d: the stored tree is shorter than asked", t.L, t.N, len(data)/tlog.HashSize, idx, t.W)
	}
	return tlog.HashFromTile(t, data, idx)
}

// Builder adds leaves to a tree kept as tiles. It holds the rightmost tile
// of each level, which is all that appending reads; the tiles to its left
// are complete and never change. Full is called with each tile as it
// completes; the partial tiles are read with Partial when the leaves end.
type Builder struct {
	size int64
	last []*Tile // per level, the rightmost tile with data
	// touched: the levels whose rightmost tile changed since the last call
	// of Partial (what a store must write again).
	touched map[int]bool
	load    LoadFunc
	full    func(Tile) error
	// edge holds, per tree level, the hash of the last node completed at
	// that level: all that appending the next leaf reads. Read from the
	// tiles instead, a node above a tile's level would be recomputed from
	// up to 128 hashes at every read.
	edge []edgeHash
}

type edgeHash struct {
	k  int64 // node number at its level; -1 when none is kept
	h  Hash
	ok bool
}

// NewBuilder continues a tree of size leaves, whose tiles load reads (nil
// for an empty tree), calling full with every tile that completes.
func NewBuilder(size int64, load LoadFunc, full func(Tile) error) *Builder {
	if load == nil {
		load = func(int, int64) ([]byte, error) { return nil, nil }
	}
	return &Builder{size: size, load: load, full: full, touched: map[int]bool{}}
}

// Clone is a copy of the builder that reads and writes through load and
// full: a store keeps the builder of its last commit, to begin the next
// transaction without reading the tree again.
func (b *Builder) Clone(load LoadFunc, full func(Tile) error) *Builder {
	c := NewBuilder(b.size, load, full)
	c.last = make([]*Tile, len(b.last))
	for i, t := range b.last {
		if t != nil {
			c.last[i] = &Tile{Level: t.Level, N: t.N, Data: append(make([]byte, 0, tileWidth*tlog.HashSize), t.Data...)}
		}
	}
	c.edge = append([]edgeHash(nil), b.edge...)
	return c
}

// Size is the number of leaves.
func (b *Builder) Size() int64 { return b.size }

// tile returns the tile (level, n), from the kept rightmost tiles or the
// store.
func (b *Builder) tile(level int, n int64) ([]byte, error) {
	if level < len(b.last) && b.last[level] != nil && b.last[level].N == n {
		return b.last[level].Data, nil
	}
	return b.load(level, n)
}

// ReadHashes reads hashes of the tree built so far (tlog.HashReader).
func (b *Builder) ReadHashes(indexes []int64) ([]Hash, error) {
	return Reader(b.tile).ReadHashes(indexes)
}

// readEdge reads hashes from the kept right edge, and from the tiles what
// it does not hold (a builder that continues a stored tree).
func (b *Builder) readEdge(indexes []int64) ([]Hash, error) {
	out := make([]Hash, len(indexes))
	for i, idx := range indexes {
		level, k := tlog.SplitStoredHashIndex(idx)
		if level < len(b.edge) && b.edge[level].ok && b.edge[level].k == k {
			out[i] = b.edge[level].h
			continue
		}
		hs, err := b.ReadHashes([]int64{idx})
		if err != nil {
			return nil, err
		}
		out[i] = hs[0]
	}
	return out, nil
}

// Append adds a leaf.
func (b *Builder) Append(leaf Hash) error {
	n := b.size
	hashes, err := tlog.StoredHashesForRecordHash(n, leaf, tlog.HashReaderFunc(b.readEdge))
	if err != nil {
		return fmt.Errorf("adding leaf %d to the tree: %w", n, err)
	}
	first := tlog.StoredHashCount(n)
	for i, h := range hashes {
		level, k := tlog.SplitStoredHashIndex(first + int64(i))
		for len(b.edge) <= level {
			b.edge = append(b.edge, edgeHash{})
		}
		b.edge[level] = edgeHash{k: k, h: h, ok: true}
		// Tiles keep the hashes of every TileHeight-th level; the levels
		// between are computed from them when read.
		if level%TileHeight != 0 {
			continue
		}
		if err := b.put(level/TileHeight, k, h); err != nil {
			return err
		}
	}
	b.size++
	return nil
}

// put stores the hash of node k at the level of tile level L.
func (b *Builder) put(L int, k int64, h Hash) error {
	for len(b.last) <= L {
		b.last = append(b.last, nil)
	}
	n, off := k>>TileHeight, int(k&(tileWidth-1))
	t := b.last[L]
	if t == nil || t.N != n {
		var data []byte
		if off > 0 {
			// Continuing a tree: the partial tile is in the store.
			d, err := b.load(L, n)
			if err != nil {
				return fmt.Errorf("reading tree tile %d/%d: %w", L, n, err)
			}
			data = append(make([]byte, 0, tileWidth*tlog.HashSize), d...)
		} else {
			data = make([]byte, 0, tileWidth*tlog.HashSize)
		}
		t = &Tile{Level: L, N: n, Data: data}
		b.last[L] = t
	}
	if len(t.Data) != off*tlog.HashSize {
		return fmt.Errorf("tree tile %d/%d holds %d hashes, expected %d: the stored tree does not match its size", L, n, len(t.Data)/tlog.HashSize, off)
	}
	t.Data = append(t.Data, h[:]...)
	b.touched[L] = true
	if t.Full() && b.full != nil {
		if err := b.full(*t); err != nil {
			return err
		}
	}
	return nil
}

// Partial returns the rightmost tiles that changed since the last call and
// are not full (full ones went to the full callback), and forgets that they
// changed.
func (b *Builder) Partial() []Tile {
	var out []Tile
	for L, t := range b.last {
		if t != nil && b.touched[L] && !t.Full() {
			out = append(out, Tile{Level: t.Level, N: t.N, Data: t.Data})
		}
	}
	clear(b.touched)
	return out
}

// Root is the tree hash of the first n leaves (n at most Size).
func (b *Builder) Root(n int64) (Hash, error) {
	if n > b.size {
		return Hash{}, fmt.Errorf("the tree holds %d leaves, not %d", b.size, n)
	}
	return tlog.TreeHash(n, b)
}
