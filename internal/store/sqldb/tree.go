package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/tree"
)

var _ store.TreeStore = (*DB)(nil)

// The tree is kept in tree_tiles (migration 00009) by the write
// transaction: each batch's events are added as leaves as they are
// written, tiles that complete are written at once, and the partial
// rightmost tiles once, at commit. A rolled-back transaction leaves the
// tree as it was, with the events.

// openTree starts the transaction's tree builder at the stored tree. A
// register made before the tree gets the leaves of its events here, in the
// transaction; a tree larger than the ledger means events were deleted
// outside habeas, and nothing is written until verify has been run.
func (a *appender) openTree(ctx context.Context) error {
	a.treeCtx = ctx
	if t := a.d.lastTree; t != nil && t.Size() == a.head.Seq {
		// The tiles are those this store committed last: the ledger has
		// the length it had then.
		a.tree = t.Clone(a.loadTile, a.writeTile)
		return nil
	}
	size, err := a.d.treeSizeOn(ctx, a.c)
	if err != nil {
		return err
	}
	if size > a.head.Seq {
		return fmt.Errorf("the ledger's tree holds %d events, the ledger %d: events were removed outside habeas (run habeas verify)", size, a.head.Seq)
	}
	a.treeCtx = ctx
	a.tree = tree.NewBuilder(size, a.loadTile, a.writeTile)
	for a.tree.Size() < a.head.Seq {
		// Read a chunk, then append it: the connection cannot write while
		// its rows are open.
		var hashes []string
		err := a.d.eachOn(ctx, a.c, "event hashes", "SELECT hash FROM events WHERE seq > ? ORDER BY seq LIMIT 65536", []any{a.tree.Size()}, func(r *sql.Rows) error {
			var h string
			if err := r.Scan(&h); err != nil {
				return fmt.Errorf("reading event hashes: %w", err)
			}
			hashes = append(hashes, h)
			return nil
		})
		if err != nil {
			return err
		}
		if len(hashes) == 0 {
			return fmt.Errorf("building the ledger's tree: events after %d are missing (run habeas verify)", a.tree.Size())
		}
		for _, h := range hashes {
			if err := a.addLeaf(h); err != nil {
				return err
			}
		}
	}
	return nil
}

// buildTree gives a register made before migration 00009 the tree of its
// events, when it is opened. A tree larger than the ledger is left for
// verify to report.
func (d *DB) buildTree(ctx context.Context) error {
	head, err := d.Head(ctx)
	if err != nil {
		return err
	}
	n, err := d.TreeSize(ctx)
	if err != nil || n >= head.Seq {
		return err
	}
	d.log.Info("building the ledger's tree", "events", head.Seq, "in the tree", n)
	a, err := d.BeginAppend(ctx)
	if err != nil {
		return fmt.Errorf("building the ledger's tree: %w", err)
	}
	return a.Commit(ctx)
}

func (a *appender) addLeaf(eventHash string) error {
	leaf, err := tree.Leaf(eventHash)
	if err != nil {
		return fmt.Errorf("event %d: %w", a.tree.Size()+1, err)
	}
	return a.tree.Append(leaf)
}

// appendLeaves adds the leaves of a batch's events.
func (a *appender) appendLeaves(ctx context.Context, evs []store.StoredEvent) error {
	a.treeCtx = ctx
	for i := range evs {
		if err := a.addLeaf(evs[i].Hash); err != nil {
			return fmt.Errorf("adding to the ledger's tree: %w", err)
		}
	}
	return nil
}

// flushTree writes the partial tiles that changed.
func (a *appender) flushTree(ctx context.Context) error {
	a.treeCtx = ctx
	for _, t := range a.tree.Partial() {
		if err := a.writeTile(t); err != nil {
			return err
		}
	}
	return nil
}

func (a *appender) loadTile(level int, n int64) ([]byte, error) {
	return a.d.tileOn(a.treeCtx, a.c, level, n)
}

func (a *appender) writeTile(t tree.Tile) error {
	if _, err := a.c.ExecContext(a.treeCtx, a.d.q(`INSERT INTO tree_tiles (level, n, data) VALUES (?,?,?)
		ON CONFLICT (level, n) DO UPDATE SET data = excluded.data`), t.Level, t.N, t.Data); err != nil {
		return fmt.Errorf("writing tree tile %d/%d: %w", t.Level, t.N, err)
	}
	return nil
}

func (a *appender) TreeRoot(ctx context.Context) (int64, tree.Hash, error) {
	a.treeCtx = ctx
	n := a.tree.Size()
	h, err := a.tree.Root(n)
	if err != nil {
		return 0, h, fmt.Errorf("computing the tree hash: %w", err)
	}
	return n, h, nil
}

func (a *appender) TreeHashes(indexes []int64) ([]tree.Hash, error) {
	return a.tree.ReadHashes(indexes)
}

func (a *appender) PutCheckpoint(ctx context.Context, c store.Checkpoint) error {
	if _, err := a.c.ExecContext(ctx, a.d.q(`INSERT INTO checkpoints (size, root, key_id, signed, pubkey, created) VALUES (?,?,?,?,?,?)
		ON CONFLICT (size, key_id) DO UPDATE SET root = excluded.root, signed = excluded.signed, pubkey = excluded.pubkey, created = excluded.created`),
		c.Size, c.Root, c.KeyID, c.Signed, c.PubKey, c.Created.UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("storing the checkpoint of size %d: %w", c.Size, err)
	}
	return nil
}

func (d *DB) treeSizeOn(ctx context.Context, q querier) (int64, error) {
	var n, bytes int64
	err := q.QueryRowContext(ctx, "SELECT n, length(data) FROM tree_tiles WHERE level = 0 ORDER BY n DESC LIMIT 1").Scan(&n, &bytes)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading the size of the ledger's tree: %w", err)
	}
	return n*256 + bytes/32, nil
}

func (d *DB) tileOn(ctx context.Context, q querier, level int, n int64) ([]byte, error) {
	var data []byte
	err := q.QueryRowContext(ctx, d.q("SELECT data FROM tree_tiles WHERE level = ? AND n = ?"), level, n).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading tree tile %d/%d: %w", level, n, err)
	}
	return data, nil
}

func (d *DB) TreeSize(ctx context.Context) (int64, error) { return d.treeSizeOn(ctx, d.db) }

func (d *DB) TreeTile(ctx context.Context, level int, n int64) ([]byte, error) {
	return d.tileOn(ctx, d.db, level, n)
}

func (d *DB) Tiles(ctx context.Context, fn func(tree.Tile) error) error {
	return d.each(ctx, "tree tiles", "SELECT level, n, data FROM tree_tiles ORDER BY level, n", nil, func(r *sql.Rows) error {
		var t tree.Tile
		if err := r.Scan(&t.Level, &t.N, &t.Data); err != nil {
			return fmt.Errorf("reading tree tiles: %w", err)
		}
		return fn(t)
	})
}

func (d *DB) Checkpoints(ctx context.Context, limit int) ([]store.Checkpoint, error) {
	q := "SELECT size, root, key_id, signed, pubkey, created FROM checkpoints ORDER BY size DESC, created DESC"
	var args []any
	if limit > 0 {
		q += " LIMIT ?"
		args = append(args, limit)
	}
	var out []store.Checkpoint
	err := d.each(ctx, "checkpoints", q, args, func(r *sql.Rows) error {
		var c store.Checkpoint
		var created string
		if err := r.Scan(&c.Size, &c.Root, &c.KeyID, &c.Signed, &c.PubKey, &created); err != nil {
			return fmt.Errorf("reading checkpoints: %w", err)
		}
		var err error
		if c.Created, err = time.Parse(time.RFC3339, created); err != nil {
			return fmt.Errorf("reading checkpoint %d: created %q: %w", c.Size, created, err)
		}
		out = append(out, c)
		return nil
	})
	return out, err
}
