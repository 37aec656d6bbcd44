package storetest

import (
	"encoding/hex"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/tree"
)

// testTree: a store that keeps the ledger's Merkle tree (store.TreeStore;
// a store that keeps none has nothing to check here) holds, after every
// commit, exactly the tree of its events as tlog computes it from their
// hashes; a rolled-back transaction leaves it as it was; the transaction
// reads its own tree.
func testTree(t *testing.T, s store.Store) {
	ts, ok := s.(store.TreeStore)
	if !ok {
		return
	}
	ctx := t.Context()
	l := NewLedger()
	b := l.Begin(t, s)
	fullBatch(b, "base")
	b.Append(t, s)
	expectTree(t, ts, "after an append")

	a := beginAppend(t, s)
	b1 := NewBuilder(a.Head(), l.Facilities())
	fullBatch(b1, "r1")
	write(t, a, b1)
	fatalIf(t, a.Rollback(ctx), "Appender.Rollback")
	expectTree(t, ts, "after a rollback")

	a = beginAppend(t, s)
	for _, sfx := range []string{"c1", "c2"} {
		bb := l.BeginAt(a.Head())
		fullBatch(bb, sfx)
		write(t, a, bb)
		fatalIf(t, l.Commit(bb), "Commit to the model")
	}
	if ta, ok := a.(store.TreeAppender); ok {
		n, root, err := ta.TreeRoot(ctx)
		fatalIf(t, err, "TreeRoot")
		want := refRoot(t, l.Stored())
		if n != int64(len(l.Stored())) || root != want {
			t.Errorf("TreeRoot through the transaction: %d %v, want %d %v", n, root, len(l.Stored()), want)
		}
	} else {
		t.Errorf("the Appender of a TreeStore is no TreeAppender")
	}
	fatalIf(t, a.Commit(ctx), "Commit")
	expectTree(t, ts, "after a commit of two batches")
}

// refRoot is tlog's root of the events' leaves, computed from all stored
// hashes held in memory, without tiles.
func refRoot(t *testing.T, evs []store.StoredEvent) tlog.Hash {
	t.Helper()
	var hashes []tlog.Hash
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	for i, e := range evs {
		b, err := hex.DecodeString(e.Hash)
		fatalIf(t, err, "decoding an event hash")
		hs, err := tlog.StoredHashes(int64(i), b, r)
		fatalIf(t, err, "tlog.StoredHashes")
		hashes = append(hashes, hs...)
	}
	root, err := tlog.TreeHash(int64(len(evs)), r)
	fatalIf(t, err, "tlog.TreeHash")
	return root
}

func expectTree(t *testing.T, ts store.TreeStore, when string) {
	t.Helper()
	ctx := t.Context()
	evs := eventsFrom(t, ts, 0)
	n, err := ts.TreeSize(ctx)
	fatalIf(t, err, "TreeSize")
	if n != int64(len(evs)) {
		t.Fatalf("%s: the tree holds %d leaves, the ledger %d events", when, n, len(evs))
	}
	root, err := tlog.TreeHash(n, tree.Reader(func(l int, k int64) ([]byte, error) { return ts.TreeTile(ctx, l, k) }))
	fatalIf(t, err, "reading the stored tree")
	if want := refRoot(t, evs); root != want {
		t.Errorf("%s: stored tree root %v, tlog's of the events %v", when, root, want)
	}
}
