package ledger

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/snapshot"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/tree"
)

// Published checkpoints (issue 18): the ledger's event hashes are the leaves
// of a Merkle tree the store keeps as tiles; a checkpoint is its size and
// root signed with the publisher's key; proofs show that an event is in a
// checkpointed tree, and that a later tree extends an earlier one. See
// docs/checkpoints.md.

var errNoTree = errors.New("this store keeps no tree of its ledger")

func (s *Service) trees() (store.TreeStore, error) {
	ts, ok := s.st.(store.TreeStore)
	if !ok {
		return nil, errNoTree
	}
	return ts, nil
}

// Checkpoint signs the tree of the first size events (0: the whole ledger)
// with priv, stores the checkpoint with its audit entry, and returns it.
// The key is used here and kept nowhere.
func (s *Service) Checkpoint(ctx context.Context, actor Actor, priv ed25519.PrivateKey, size int64) (*tree.Checkpoint, error) {
	if _, err := s.trees(); err != nil {
		return nil, err
	}
	ap, err := s.st.BeginAppend(ctx)
	if err != nil {
		return nil, err
	}
	defer ap.Rollback(ctx)
	ta, ok := ap.(store.TreeAppender)
	if !ok {
		return nil, errNoTree
	}
	n, root, err := ta.TreeRoot(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case n == 0:
		return nil, domain.Invalid("size", "the ledger is empty: there is nothing to checkpoint")
	case size > n:
		return nil, domain.Invalid("size", "the ledger holds %d events, not %d", n, size)
	case size > 0 && size < n:
		if root, err = tlog.TreeHash(size, tlog.HashReaderFunc(ta.TreeHashes)); err != nil {
			return nil, fmt.Errorf("computing the tree hash of %d events: %w", size, err)
		}
		n = size
	}
	c, err := tree.Sign(priv, n, root)
	if err != nil {
		return nil, err
	}
	pem, err := snapshot.PublicKeyPEM(priv.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(1e9)
	rootText := base64.StdEncoding.EncodeToString(root[:])
	if err := ta.PutCheckpoint(ctx, store.Checkpoint{Size: n, Root: rootText, KeyID: c.KeyID(), Signed: string(c.Signed), PubKey: pem, Created: now}); err != nil {
		return nil, err
	}
	detail, err := json.Marshal(map[string]any{"size": n, "root": rootText})
	if err != nil {
		return nil, fmt.Errorf("encoding the audit detail: %w", err)
	}
	if _, err := ap.AppendAudit(ctx, store.AuditEntry{At: now, Actor: actor.Name, Via: actor.Via, Action: store.ActCheckpointSign,
		Subject: c.KeyID(), Detail: string(detail)}); err != nil {
		return nil, fmt.Errorf("writing the audit entry of the checkpoint: %w", err)
	}
	if err := ap.Commit(ctx); err != nil {
		return nil, fmt.Errorf("storing the checkpoint: %w", err)
	}
	s.log.Info("checkpoint signed", "size", n, "key", c.KeyID())
	return c, nil
}

// LatestCheckpoint is the newest stored checkpoint, and false when none.
func (s *Service) LatestCheckpoint(ctx context.Context) (store.Checkpoint, bool, error) {
	ts, err := s.trees()
	if err != nil {
		return store.Checkpoint{}, false, err
	}
	cs, err := ts.Checkpoints(ctx, 1)
	if err != nil || len(cs) == 0 {
		return store.Checkpoint{}, false, err
	}
	return cs[0], true, nil
}

// Checkpoints lists the stored checkpoints, newest first (at most limit,
// all when limit <= 0).
func (s *Service) Checkpoints(ctx context.Context, limit int) ([]store.Checkpoint, error) {
	ts, err := s.trees()
	if err != nil {
		return nil, err
	}
	return ts.Checkpoints(ctx, limit)
}

// storedTree reads the stored tree and its size.
func (s *Service) storedTree(ctx context.Context) (tlog.HashReader, int64, error) {
	ts, err := s.trees()
	if err != nil {
		return nil, 0, err
	}
	n, err := ts.TreeSize(ctx)
	if err != nil {
		return nil, 0, err
	}
	return tree.Reader(func(l int, k int64) ([]byte, error) { return ts.TreeTile(ctx, l, k) }), n, nil
}

// ConsistencyProof proves, with hashes only, that the tree of to events
// extends the tree of from events.
func (s *Service) ConsistencyProof(ctx context.Context, from, to int64) (*tree.ConsistencyProof, error) {
	r, n, err := s.storedTree(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case from < 1:
		return nil, domain.Invalid("from", "%d: a tree size is at least 1", from)
	case to < from:
		return nil, domain.Invalid("to", "%d is smaller than from (%d)", to, from)
	case to > n:
		return nil, domain.Invalid("to", "the ledger holds %d events, not %d", n, to)
	}
	p, err := tlog.ProveTree(to, from, r)
	if err != nil {
		return nil, fmt.Errorf("proving that %d events extend %d: %w", to, from, err)
	}
	return &tree.ConsistencyProof{Format: tree.ConsistencyFormat, From: from, To: to, Proof: nonNilHashes(p)}, nil
}

func nonNilHashes(h []tlog.Hash) []tlog.Hash {
	if h == nil {
		return []tlog.Hash{}
	}
	return h
}

// Prove makes the inclusion proof of event seq in the tree of the checkpoint
// signed (the newest stored one when signed is nil). The checkpoint must be
// of this ledger: its root is checked against the stored tree.
func (s *Service) Prove(ctx context.Context, seq int64, signed []byte) (*tree.InclusionProof, error) {
	r, n, err := s.storedTree(ctx)
	if err != nil {
		return nil, err
	}
	if signed == nil {
		c, ok, err := s.LatestCheckpoint(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, domain.Invalid("checkpoint", "no checkpoint is stored: make one with habeas checkpoint")
		}
		signed = []byte(c.Signed)
	}
	c, err := tree.ParseUnverified(signed)
	if err != nil {
		return nil, err
	}
	if c.Size > n {
		return nil, domain.Invalid("size", "the checkpoint holds %d events, the ledger only %d", c.Size, n)
	}
	if seq < 1 || seq > c.Size {
		return nil, domain.Invalid("seq", "event %d is not in the checkpoint's tree of %d events", seq, c.Size)
	}
	root, err := tlog.TreeHash(c.Size, r)
	if err != nil {
		return nil, fmt.Errorf("reading the tree: %w", err)
	}
	if root != c.Root {
		return nil, domain.Invalid("checkpoint", "the ledger does not extend this checkpoint (size %d): its first %d events hash to another root", c.Size, c.Size)
	}
	e, ok, err := s.st.Event(ctx, seq)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, domain.NotFound("event %d", seq)
	}
	p, err := tlog.ProveRecord(c.Size, seq-1, r)
	if err != nil {
		return nil, fmt.Errorf("proving event %d: %w", seq, err)
	}
	return &tree.InclusionProof{Format: tree.InclusionFormat, Seq: seq, EventHash: e.Hash, Checkpoint: string(c.Signed), Proof: nonNilHashes(p)}, nil
}

// Consistency is what checking the ledger against a checkpoint found.
type Consistency struct {
	Size    int64 // the checkpoint's
	Events  int64 // the ledger's
	Extends bool
	// FirstDiff is the first event of the checkpointed ones that differs
	// (0 when it cannot be told), and Why says what was found.
	FirstDiff int64
	Why       string
}

// VerifyAgainst checks that the ledger extends a checkpoint signed with
// pub: the tree rebuilt from the events (not the stored tiles, which an
// intruder could rebuild too) has the checkpoint's root at its size. When it
// does not, the first differing event is named from the stored tiles if
// they still hold the checkpointed tree, or from an earlier export (nil
// when none is given).
func (s *Service) VerifyAgainst(ctx context.Context, signed []byte, pub ed25519.PublicKey, export io.Reader) (*Consistency, error) {
	c, err := tree.Open(signed, pub)
	if err != nil {
		return nil, err
	}
	head, err := s.st.Head(ctx)
	if err != nil {
		return nil, err
	}
	if c.Size > head.Seq {
		return nil, domain.Invalid("size", "the checkpoint holds %d events, the ledger only %d: it is not of this ledger, or events were removed", c.Size, head.Seq)
	}
	res := &Consistency{Size: c.Size, Events: head.Seq}
	b := tree.NewBuilder(0, nil, nil)
	var root tree.Hash
	done := errors.New("done")
	err = s.st.Events(ctx, 1, func(e store.StoredEvent) error {
		leaf, err := tree.Leaf(e.Hash)
		if err != nil {
			return fmt.Errorf("event %d: %w", e.Seq, err)
		}
		if err := b.Append(leaf); err != nil {
			return err
		}
		if b.Size() == c.Size {
			if root, err = b.Root(c.Size); err != nil {
				return err
			}
			return done
		}
		return nil
	})
	if err != nil && !errors.Is(err, done) {
		return nil, fmt.Errorf("rebuilding the tree from the ledger: %w", err)
	}
	if b.Size() < c.Size {
		return nil, domain.Invalid("size", "the checkpoint holds %d events, the ledger's events end at %d", c.Size, b.Size())
	}
	if root == c.Root {
		res.Extends = true
		return res, nil
	}
	res.Why = fmt.Sprintf("the ledger does not extend the checkpoint: its first %d events hash to another root; they were changed, removed, inserted or reordered since it was signed", c.Size)
	if export != nil {
		seq, err := s.firstDiffExport(ctx, export, c.Size)
		if err != nil {
			return nil, err
		}
		if seq > 0 {
			res.FirstDiff = seq
			res.Why += fmt.Sprintf("; the first event that differs from the export is %d", seq)
		}
		return res, nil
	}
	seq, err := s.firstDiffTiles(ctx, c)
	if err != nil {
		return nil, err
	}
	if seq > 0 {
		res.FirstDiff = seq
		res.Why += fmt.Sprintf("; the stored tree still holds the checkpointed hashes, and the first event that differs from them is %d", seq)
	}
	return res, nil
}

// firstDiffTiles finds the first event whose leaf differs from the stored
// tree, when the stored tree still has the checkpoint's root (0 otherwise).
func (s *Service) firstDiffTiles(ctx context.Context, c *tree.Checkpoint) (int64, error) {
	ts, err := s.trees()
	if err != nil {
		return 0, err
	}
	r, n, err := s.storedTree(ctx)
	if err != nil || n < c.Size {
		return 0, err
	}
	if root, err := tlog.TreeHash(c.Size, r); err != nil || root != c.Root {
		return 0, nil // the stored tree was rebuilt too: it names nothing
	}
	var tile []byte
	var found, i int64
	stop := errors.New("found")
	err = s.st.Events(ctx, 1, func(e store.StoredEvent) error {
		if i >= c.Size {
			return stop
		}
		// Rows in order: the i-th is leaf i, whatever number it carries
		// (a removed row shifts the ones after it).
		defer func() { i++ }()
		if i%256 == 0 {
			if tile, err = ts.TreeTile(ctx, 0, i/256); err != nil {
				return err
			}
		}
		leaf, err := tree.Leaf(e.Hash)
		if err != nil {
			return err
		}
		off := int(i%256) * tlog.HashSize
		if off+tlog.HashSize > len(tile) || tree.Hash(tile[off:off+tlog.HashSize]) != leaf {
			found = i + 1
			return stop
		}
		return nil
	})
	if err != nil && !errors.Is(err, stop) {
		return 0, fmt.Errorf("comparing the ledger with the stored tree: %w", err)
	}
	return found, nil
}

// firstDiffExport compares the event hashes of an earlier export with the
// ledger's, up to size events, and returns the first that differs.
func (s *Service) firstDiffExport(ctx context.Context, export io.Reader, size int64) (int64, error) {
	sc := bufio.NewScanner(export)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var found, seq int64
	stop := errors.New("found")
	err := s.st.Events(ctx, 1, func(e store.StoredEvent) error {
		seq++
		if seq > size {
			return stop
		}
		if !sc.Scan() {
			return domain.Invalid("export", "line %d: the export ends before event %d of the checkpoint", seq, seq)
		}
		var line struct {
			Seq  int64  `json:"seq"`
			Hash string `json:"hash"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return domain.Invalid("export", "line %d: %v", seq, err)
		}
		if e.Seq != seq || line.Hash != e.Hash {
			found = seq
			return stop
		}
		return nil
	})
	if err != nil && !errors.Is(err, stop) {
		return 0, err
	}
	return found, sc.Err()
}

// tileDigest fingerprints a tile for verify's comparison.
func tileDigest(t tree.Tile) [32]byte { return sha256.Sum256(t.Data) }
