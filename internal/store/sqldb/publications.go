package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// Published reports (migration 00015): written by the transaction that
// writes their audit entry, read by the public pages.

var (
	_ store.PublicationStore    = (*DB)(nil)
	_ store.PublicationAppender = (*appender)(nil)
)

func (a *appender) PutPublication(ctx context.Context, p store.Publication) (int64, error) {
	if len(p.Files) == 0 {
		return 0, fmt.Errorf("storing a published report: it has no files")
	}
	var id int64
	// Under the write lock: no other transaction takes the same number.
	if err := a.c.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) + 1 FROM publications").Scan(&id); err != nil {
		return 0, fmt.Errorf("numbering the published report: %w", err)
	}
	if _, err := a.c.ExecContext(ctx, a.d.q(`INSERT INTO publications (id, as_of, period_from, ledger_head, key_id, pubkey, checkpoint_size, published_at, published_by)
		VALUES (?,?,?,?,?,?,?,?,?)`), id, int64(p.AsOf), int64(p.From), p.LedgerHead, p.KeyID, p.PubKey, p.CheckpointSize,
		p.Created.UTC().Format(time.RFC3339), p.By); err != nil {
		return 0, fmt.Errorf("storing the published report of %s: %w", p.AsOf, err)
	}
	names := make([]string, 0, len(p.Files))
	for n := range p.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		data := p.Files[n]
		if data == nil {
			data = []byte{}
		}
		if _, err := a.c.ExecContext(ctx, a.d.q("INSERT INTO publication_files (publication, name, data) VALUES (?,?,?)"), id, n, data); err != nil {
			return 0, fmt.Errorf("storing %s of the published report of %s: %w", n, p.AsOf, err)
		}
	}
	return id, nil
}

func (d *DB) Publications(ctx context.Context) ([]store.Publication, error) {
	var out []store.Publication
	err := d.each(ctx, "published reports", `SELECT id, as_of, period_from, ledger_head, key_id, pubkey, checkpoint_size, published_at, published_by
		FROM publications ORDER BY id DESC`, nil, func(r *sql.Rows) error {
		var p store.Publication
		var asOf, from int64
		var created string
		if err := r.Scan(&p.ID, &asOf, &from, &p.LedgerHead, &p.KeyID, &p.PubKey, &p.CheckpointSize, &created, &p.By); err != nil {
			return fmt.Errorf("reading published reports: %w", err)
		}
		p.AsOf, p.From = domain.Date(asOf), domain.Date(from)
		var err error
		if p.Created, err = time.Parse(time.RFC3339, created); err != nil {
			return fmt.Errorf("reading published report %d: published_at %q: %w", p.ID, created, err)
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

func (d *DB) PublicationFile(ctx context.Context, id int64, name string) ([]byte, bool, error) {
	var data []byte
	err := d.db.QueryRowContext(ctx, d.q("SELECT data FROM publication_files WHERE publication = ? AND name = ?"), id, name).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading %s of published report %d: %w", name, id, err)
	}
	if data == nil {
		data = []byte{}
	}
	return data, true, nil
}

func (d *DB) PublicationFileNames(ctx context.Context, id int64) ([]string, error) {
	var out []string
	err := d.each(ctx, "published report files", "SELECT name FROM publication_files WHERE publication = ? ORDER BY name", []any{id}, func(r *sql.Rows) error {
		var n string
		if err := r.Scan(&n); err != nil {
			return fmt.Errorf("reading the files of published report %d: %w", id, err)
		}
		out = append(out, n)
		return nil
	})
	sort.Strings(out) // bytewise: a database's collation may order otherwise
	return out, err
}
