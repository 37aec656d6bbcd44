package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

var _ store.Orgs = (*DB)(nil)

func orgOrDefault(org string) string {
	if org == "" {
		return store.DefaultOrg
	}
	return org
}

func scanOrg(r interface{ Scan(...any) error }) (store.Org, error) {
	var o store.Org
	var created int64
	err := r.Scan(&o.ID, &o.Name, &o.Kind, &created)
	o.Created = time.Unix(created, 0).UTC()
	return o, err
}

// Orgs lists the organisations by id.
func (d *DB) Orgs(ctx context.Context) ([]store.Org, error) {
	var out []store.Org
	err := d.each(ctx, "organisations", "SELECT id, name, kind, created FROM organisations ORDER BY id", nil, func(r *sql.Rows) error {
		o, err := scanOrg(r)
		if err != nil {
			return fmt.Errorf("reading organisations: %w", err)
		}
		out = append(out, o)
		return nil
	})
	return out, err
}

// Org returns one organisation.
func (d *DB) Org(ctx context.Context, id string) (store.Org, bool, error) {
	o, err := scanOrg(d.db.QueryRowContext(ctx, d.q("SELECT id, name, kind, created FROM organisations WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return o, false, nil
	}
	if err != nil {
		return o, false, fmt.Errorf("reading organisation %s: %w", id, err)
	}
	return o, true, nil
}

// OrgKeys lists bundle keys.
func (d *DB) OrgKeys(ctx context.Context, org string) ([]store.OrgKey, error) {
	q, args := "SELECT org, key_id, pubkey, added FROM org_keys ORDER BY org, key_id", []any(nil)
	if org != "" {
		q, args = "SELECT org, key_id, pubkey, added FROM org_keys WHERE org = ? ORDER BY org, key_id", []any{org}
	}
	var out []store.OrgKey
	err := d.each(ctx, "bundle keys", q, args, func(r *sql.Rows) error {
		var k store.OrgKey
		var added int64
		if err := r.Scan(&k.Org, &k.KeyID, &k.PubKey, &added); err != nil {
			return fmt.Errorf("reading bundle keys: %w", err)
		}
		k.Added = time.Unix(added, 0).UTC()
		out = append(out, k)
		return nil
	})
	return out, err
}

func scanRecordKey(r interface{ Scan(...any) error }) (store.RecordKey, error) {
	var k store.RecordKey
	var destroyed int64
	err := r.Scan(&k.Seq, &k.Part, &k.Org, &k.Wrapped, &destroyed)
	if destroyed != 0 {
		k.Destroyed = time.Unix(destroyed, 0).UTC()
	}
	return k, err
}

// RecordKey returns the wrapped key of the record at seq, part 0.
func (d *DB) RecordKey(ctx context.Context, seq int64) (store.RecordKey, bool, error) {
	k, err := scanRecordKey(d.db.QueryRowContext(ctx, d.q("SELECT seq, part, org, wrapped, destroyed FROM record_keys WHERE seq = ? AND part = 0"), seq))
	if errors.Is(err, sql.ErrNoRows) {
		return k, false, nil
	}
	if err != nil {
		return k, false, fmt.Errorf("reading the key of record %d: %w", seq, err)
	}
	return k, true, nil
}

// EventRecordKeys returns the keys of every part of the event at seq.
func (d *DB) EventRecordKeys(ctx context.Context, seq int64) ([]store.RecordKey, error) {
	var out []store.RecordKey
	err := d.each(ctx, "record keys", "SELECT seq, part, org, wrapped, destroyed FROM record_keys WHERE seq = ? ORDER BY part", []any{seq}, func(r *sql.Rows) error {
		k, err := scanRecordKey(r)
		if err != nil {
			return fmt.Errorf("reading the keys of record %d: %w", seq, err)
		}
		out = append(out, k)
		return nil
	})
	return out, err
}

// RecordKeys lists an organisation's record keys by seq and part.
func (d *DB) RecordKeys(ctx context.Context, org string) ([]store.RecordKey, error) {
	q, args := "SELECT seq, part, org, wrapped, destroyed FROM record_keys ORDER BY seq, part", []any(nil)
	if org != "" {
		q, args = "SELECT seq, part, org, wrapped, destroyed FROM record_keys WHERE org = ? ORDER BY seq, part", []any{org}
	}
	var out []store.RecordKey
	err := d.each(ctx, "record keys", q, args, func(r *sql.Rows) error {
		k, err := scanRecordKey(r)
		if err != nil {
			return fmt.Errorf("reading record keys: %w", err)
		}
		out = append(out, k)
		return nil
	})
	return out, err
}

// Origins returns which of the hashes were imported, with their seq here.
func (d *DB) Origins(ctx context.Context, hashes []string) (map[string]int64, error) {
	out := map[string]int64{}
	for i := 0; i < len(hashes); i += 500 {
		part := hashes[i:min(i+500, len(hashes))]
		args := make([]any, len(part))
		for j, h := range part {
			args[j] = h
		}
		err := d.each(ctx, "bundle origins", "SELECT origin, seq FROM bundle_events WHERE origin IN ("+placeholders(len(part))+")", args, func(r *sql.Rows) error {
			var h string
			var seq int64
			if err := r.Scan(&h, &seq); err != nil {
				return fmt.Errorf("reading bundle origins: %w", err)
			}
			out[h] = seq
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// applyOrgsOn writes the organisation part of an account change.
func (d *DB) applyOrgsOn(ctx context.Context, conn *sql.Conn, c store.AccountChange) error {
	if o := c.NewOrg; o != nil {
		var n int
		if err := conn.QueryRowContext(ctx, d.q("SELECT COUNT(*) FROM organisations WHERE id = ?"), o.ID).Scan(&n); err != nil {
			return fmt.Errorf("reading organisation %s: %w", o.ID, err)
		}
		if n > 0 {
			return fmt.Errorf("organisation %s: %w", o.ID, store.ErrExists)
		}
		if _, err := conn.ExecContext(ctx, d.q("INSERT INTO organisations (id, name, kind, created) VALUES (?,?,?,?)"),
			o.ID, o.Name, o.Kind, o.Created.Unix()); err != nil {
			return fmt.Errorf("adding organisation %s: %w", o.ID, err)
		}
	}
	if k := c.OrgKey; k != nil {
		var n int
		if err := conn.QueryRowContext(ctx, d.q("SELECT COUNT(*) FROM org_keys WHERE org = ? AND key_id = ?"), k.Org, k.KeyID).Scan(&n); err != nil {
			return fmt.Errorf("reading the keys of %s: %w", k.Org, err)
		}
		if n > 0 {
			return fmt.Errorf("key %s of %s: %w", k.KeyID, k.Org, store.ErrExists)
		}
		if _, err := conn.ExecContext(ctx, d.q("INSERT INTO org_keys (org, key_id, pubkey, added) VALUES (?,?,?,?)"),
			k.Org, k.KeyID, k.PubKey, k.Added.Unix()); err != nil {
			return fmt.Errorf("adding key %s of %s: %w", k.KeyID, k.Org, err)
		}
	}
	if seq := c.DestroyRecordKey; seq != 0 {
		if d.dialect == SQLite {
			// Zero the freed bytes rather than leave them in the file's
			// free space, where the key could be read back.
			if _, err := conn.ExecContext(ctx, "PRAGMA secure_delete = ON"); err != nil {
				return fmt.Errorf("destroying the key of record %d: %w", seq, err)
			}
		}
		part := c.DestroyRecordPart
		res, err := conn.ExecContext(ctx, d.q("UPDATE record_keys SET wrapped = NULL, destroyed = ? WHERE seq = ? AND part = ? AND wrapped IS NOT NULL"),
			max(c.Audit.At.Unix(), 1), seq, part)
		if err != nil {
			return fmt.Errorf("destroying the key of record %d part %d: %w", seq, part, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("the key of record %d part %d (none, or already destroyed): %w", seq, part, domain.ErrNotFound)
		}
	}
	return nil
}

// scrubDestroyed, after a record key was destroyed, removes the copies the
// database may still hold elsewhere: on SQLite the pages of the write-ahead
// log (truncated by a checkpoint), on PostgreSQL the dead row (vacuumed).
// Best effort: a reader holding the log open keeps it for now, and
// docs/organisations.md says what backups still hold.
func (d *DB) scrubDestroyed(ctx context.Context) {
	q := "PRAGMA wal_checkpoint(TRUNCATE)"
	if d.dialect == Postgres {
		q = "VACUUM record_keys"
	}
	if _, err := d.db.ExecContext(ctx, q); err != nil {
		d.log.Warn("scrubbing a destroyed record key", "err", err)
	}
}

// writeOrgRows writes a batch's record keys and origins.
func (d *DB) writeOrgRows(ctx context.Context, c *sql.Conn, b *store.Batch) error {
	for _, k := range b.RecordKeys {
		if _, err := c.ExecContext(ctx, d.q("INSERT INTO record_keys (seq, part, org, wrapped, destroyed) VALUES (?,?,?,?,0)"), k.Seq, k.Part, k.Org, k.Wrapped); err != nil {
			return fmt.Errorf("writing the key of record %d part %d: %w", k.Seq, k.Part, err)
		}
	}
	for _, o := range b.Origins {
		var n int
		if err := c.QueryRowContext(ctx, d.q("SELECT COUNT(*) FROM bundle_events WHERE origin = ?"), o.Hash).Scan(&n); err != nil {
			return fmt.Errorf("reading bundle origins: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("event %s of a bundle: %w", o.Hash, store.ErrExists)
		}
		if _, err := c.ExecContext(ctx, d.q("INSERT INTO bundle_events (origin, seq, org, key_id) VALUES (?,?,?,?)"), o.Hash, o.Seq, o.Org, o.KeyID); err != nil {
			return fmt.Errorf("writing the origin of event %d: %w", o.Seq, err)
		}
	}
	return nil
}
