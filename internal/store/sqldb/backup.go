package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// What a backup holds, table by table. A backup is the ledger (its events,
// from which every projection is rebuilt on restore) and the state that is
// not derived from it: BackupTables, copied row by row. DerivedTables are
// rebuilt by the restore's import of the ledger; ExcludedTables are neither
// copied nor rebuilt. Every table of the schema is in exactly one of the
// three lists (a test reads the schema), so that a table added by a later
// migration is refused until someone decides where it belongs.

// ColKind is how a copied column's values are kept in a backup.
type ColKind byte

const (
	ColInt  ColKind = 'i'
	ColText ColKind = 't'
	ColBlob ColKind = 'b'
)

// Column is one column of a copied table.
type Column struct {
	Name string
	Kind ColKind
}

// BackupTable is a table a backup copies row by row.
type BackupTable struct {
	Name string
	Cols []Column
	// Key orders the rows (the primary key): two registers holding the same
	// rows write them in the same order, whatever the dialect, so that their
	// digests can be compared.
	Key []string
	// Replace: the target already holds rows of its own that the backup's
	// replace (settings written when a register is created).
	Replace bool
}

func cols(spec string) []Column {
	var cs []Column
	for f := range strings.FieldsSeq(spec) {
		name, kind, _ := strings.Cut(f, ":")
		cs = append(cs, Column{Name: name, Kind: ColKind(kind[0])})
	}
	return cs
}

// BackupTables are copied in this order (users before the tokens that name
// them).
var BackupTables = []BackupTable{
	// The organisations before the users who belong to them (the
	// migration made the default one: replaced by the backup's).
	{Name: "organisations", Cols: cols("id:t name:t kind:t created:i"), Key: []string{"id"}, Replace: true},
	{Name: "users", Cols: cols("name:t display:t role:t facilities:t health:i pass_hash:t disabled:i created:i updated:i org:t"), Key: []string{"name"}},
	// The keys allowed to sign an organisation's bundles.
	{Name: "org_keys", Cols: cols("org:t key_id:t pubkey:t added:i"), Key: []string{"org", "key_id"}},
	// The wrapped key of each restricted record: without them the
	// restored records could never be read again (and a destroyed one
	// stays destroyed).
	{Name: "record_keys", Cols: cols("seq:i part:i org:t wrapped:b destroyed:i"), Key: []string{"seq", "part"}},
	// Which bundle events were imported, so a bundle imported before the
	// backup is still recognised after the restore.
	{Name: "bundle_events", Cols: cols("origin:t seq:i org:t key_id:t"), Key: []string{"origin"}},
	{Name: "api_tokens", Cols: cols("id:t user_name:t label:t hash:t created:i revoked:i"), Key: []string{"id"}},
	// The pseudonym key among them: without it, the pseudonyms published
	// before the restore would no longer match.
	{Name: "secrets", Cols: cols("name:t value:b"), Key: []string{"name"}},
	{Name: "audit", Cols: cols("seq:i at:i actor:t via:t action:t subject:t detail:t prev:t hash:t"), Key: []string{"seq"}},
	{Name: "checkpoints", Cols: cols("size:i root:t key_id:t signed:t pubkey:t created:t"), Key: []string{"size", "key_id"}},
	// Published reports and their files, byte for byte: what the public
	// side serves at their permanent addresses and checks revisions against.
	{Name: "publications", Cols: cols("id:i as_of:i period_from:i ledger_head:t key_id:t pubkey:t checkpoint_size:i published_at:t published_by:t"), Key: []string{"id"}},
	{Name: "publication_files", Cols: cols("publication:i name:t data:b"), Key: []string{"publication", "name"}},
	// age_bands (the aggregates are grouped by them) and audited_from
	// (where verify starts to require an audit entry per event).
	{Name: "settings", Cols: cols("name:t value:t"), Key: []string{"name"}, Replace: true},
	// The saved screenings are derived, but from a rule pack as it was
	// then, which a restore may not have: they are the follow-up state the
	// public report and the screening keeper go on from.
	{Name: "screenings", Cols: cols("as_of:i pack:t head:t computed_at:t reviewed_by:t reviewed_on:i facility:t kind:t rule:t people:i"), Key: []string{"as_of", "pack", "facility", "kind", "rule"}},
	// A client that did not get its answer before the backup may send the
	// write again after the restore: it must get the first answer.
	{Name: "idempotency", Cols: cols("user_name:t key:t created:i request:t seqs:t"), Key: []string{"user_name", "key"}},
	// The delays earned by failed sign-ins: a restore must not wipe them.
	{Name: "signin_failures", Cols: cols("key:t user_name:t failures:i last_fail:i"), Key: []string{"key"}},
}

// DerivedTables are rebuilt from the ledger when it is imported.
var DerivedTables = []string{"events", "facilities", "capacities", "cells", "census", "persons", "stays", "episodes", "flags",
	"agg_pop", "agg_cells", "agg_flags", "agg_pending", "tree_tiles"}

// ExcludedTables are not restored: sessions (a restored server signs
// everyone in again; a session cookie stolen with a backup is worth
// nothing), goose's record of the migrations (the restore's own
// migrations write it) and the stored current screening (the restored
// server, finding none, screens the register once and keeps it from there).
var ExcludedTables = []string{"sessions", "goose_db_version", "screened", "screened_state"}

// Tables lists the tables of the register's schema.
func (d *DB) Tables(ctx context.Context) ([]string, error) {
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
	if d.dialect == Postgres {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
	}
	rows, err := d.db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("listing the tables: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("listing the tables: %w", err)
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// SchemaVersion is the last migration applied to the register.
func (d *DB) SchemaVersion(ctx context.Context) (int64, error) {
	return schemaVersionOn(ctx, d.db)
}

func schemaVersionOn(ctx context.Context, q querier) (int64, error) {
	var v int64
	if err := q.QueryRowContext(ctx, "SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied").Scan(&v); err != nil {
		return 0, fmt.Errorf("reading the schema version: %w", err)
	}
	return v, nil
}

// LatestSchema is the last migration this build knows (both dialects
// have the same numbers).
func LatestSchema() int64 { return LatestMigration(SQLite) }

// CopyInto writes a consistent copy of a SQLite register to path, which
// must not exist, with SQLite's online backup API in one step: the pages
// are copied as they are (no index is rebuilt, as VACUUM INTO would) in one
// read transaction, so that the copy is the register as it was when the
// step began. In WAL mode writers go on meanwhile and no writer waits for
// it. One step, not many small ones: the API starts again from the first
// page whenever another connection writes between two steps, and under a
// steady stream of writes a stepped copy may never end (bench/backup.sh).
func (d *DB) CopyInto(ctx context.Context, path string) error {
	if d.dialect != SQLite {
		return fmt.Errorf("a file copy is for a SQLite register")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("copying the register: %s exists already", path)
	}
	dst, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		return fmt.Errorf("copying the register to %s: %w", path, err)
	}
	defer dst.Close()
	dc, err := dst.Conn(ctx)
	if err != nil {
		return fmt.Errorf("copying the register to %s: %w", path, err)
	}
	defer dc.Close()
	sc, err := d.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("copying the register: %w", err)
	}
	defer sc.Close()
	err = dc.Raw(func(dr any) error {
		return sc.Raw(func(sr any) error {
			to, ok1 := dr.(*sqlite3.SQLiteConn)
			from, ok2 := sr.(*sqlite3.SQLiteConn)
			if !ok1 || !ok2 {
				return fmt.Errorf("not a SQLite connection")
			}
			b, err := to.Backup("main", from, "main")
			if err != nil {
				return err
			}
			if _, err := b.Step(-1); err != nil {
				b.Close()
				return err
			}
			return b.Finish()
		})
	})
	if err != nil {
		return fmt.Errorf("copying the register to %s: %w", path, err)
	}
	return nil
}

// Snapshot is a read-only view of the register at one moment: every read
// through it sees the same state, whatever writers commit meanwhile.
type Snapshot struct {
	d  *DB
	tx *sql.Tx
}

// ReadSnapshot calls fn with a snapshot of the register: on PostgreSQL a
// REPEATABLE READ READ ONLY transaction, on SQLite a read transaction (WAL).
func (d *DB) ReadSnapshot(ctx context.Context, fn func(s *Snapshot) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if d.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := d.db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("beginning a snapshot: %w", err)
	}
	defer tx.Rollback()
	// SQLite takes its snapshot at the first read, PostgreSQL at the first
	// statement: read the head now, so that the snapshot begins here.
	s := &Snapshot{d: d, tx: tx}
	if _, err := s.Head(ctx); err != nil {
		return err
	}
	return fn(s)
}

// Dialect is the register's dialect.
func (s *Snapshot) Dialect() string { return s.d.dialect }

// Head is the ledger head in the snapshot.
func (s *Snapshot) Head(ctx context.Context) (store.Head, error) { return s.d.headOn(ctx, s.tx) }

// SchemaVersion is the last migration applied, in the snapshot.
func (s *Snapshot) SchemaVersion(ctx context.Context) (int64, error) {
	return schemaVersionOn(ctx, s.tx)
}

// AgeBands are the bands the register was created with.
func (s *Snapshot) AgeBands() []int { return s.d.AgeBands() }

// Events calls fn for every event in sequence order.
func (s *Snapshot) Events(ctx context.Context, fn func(store.StoredEvent) error) error {
	rows, err := s.tx.QueryContext(ctx, "SELECT "+eventCols+" FROM events ORDER BY seq")
	if err != nil {
		return fmt.Errorf("reading events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return fmt.Errorf("reading events: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Rows calls fn with every row of a copied table, in key order. Values are
// int64 (ColInt), string (ColText) or []byte (ColBlob).
func (s *Snapshot) Rows(ctx context.Context, t BackupTable, fn func(row []any) error) error {
	return readRows(ctx, s.d.dialect, s.tx, t, fn)
}

func readRows(ctx context.Context, dialect string, q querier, t BackupTable, fn func(row []any) error) error {
	names := make([]string, len(t.Cols))
	kinds := map[string]ColKind{}
	for i, c := range t.Cols {
		names[i] = c.Name
		kinds[c.Name] = c.Kind
	}
	order := make([]string, len(t.Key))
	for i, k := range t.Key {
		order[i] = k
		// Bytewise, as SQLite's BINARY: the same order in both dialects.
		if dialect == Postgres && kinds[k] == ColText {
			order[i] += ` COLLATE "C"`
		}
	}
	rows, err := q.QueryContext(ctx, "SELECT "+strings.Join(names, ", ")+" FROM "+t.Name+" ORDER BY "+strings.Join(order, ", "))
	if err != nil {
		return fmt.Errorf("reading table %s: %w", t.Name, err)
	}
	defer rows.Close()
	for rows.Next() {
		dest := make([]any, len(t.Cols))
		ptrs := make([]any, len(t.Cols))
		for i, c := range t.Cols {
			switch c.Kind {
			case ColInt:
				ptrs[i] = new(int64)
			case ColText:
				ptrs[i] = new(string)
			default:
				ptrs[i] = new([]byte)
			}
		}
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("reading table %s: %w", t.Name, err)
		}
		for i, p := range ptrs {
			switch p := p.(type) {
			case *int64:
				dest[i] = *p
			case *string:
				dest[i] = *p
			case *[]byte:
				dest[i] = *p
			}
		}
		if err := fn(dest); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading table %s: %w", t.Name, err)
	}
	return nil
}

// Rows reads a copied table of the register (see Snapshot.Rows), outside
// any snapshot: for checks of a register nothing writes to.
func (d *DB) Rows(ctx context.Context, t BackupTable, fn func(row []any) error) error {
	return readRows(ctx, d.dialect, d.db, t, fn)
}

// Empty reports whether the register holds nothing that a restore would
// write: no event, user, audit entry, secret or checkpoint. What is there
// otherwise is named.
func (d *DB) Empty(ctx context.Context) (bool, string, error) {
	for _, t := range []string{"events", "users", "audit", "secrets", "checkpoints", "screenings", "publications"} {
		var n int64
		err := d.db.QueryRowContext(ctx, "SELECT 1 FROM "+t+" LIMIT 1").Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return false, "", fmt.Errorf("reading table %s: %w", t, err)
		}
		return false, t, nil
	}
	return true, "", nil
}

// RowWriter is the write transaction of a restore: the ledger's import
// writes the events, and the restore the copied tables in the same
// transaction (see ledger.LoadOptions.Restore).
type RowWriter interface {
	PutRows(ctx context.Context, t BackupTable, rows [][]any) error
}

var _ RowWriter = (*appender)(nil)

// PutRows inserts rows into a copied table through the write transaction;
// for a table marked Replace, a row of the same key is replaced.
func (a *appender) PutRows(ctx context.Context, t BackupTable, rows [][]any) error {
	names := make([]string, len(t.Cols))
	marks := make([]string, len(t.Cols))
	for i, c := range t.Cols {
		names[i], marks[i] = c.Name, "?"
	}
	ins := a.d.q("INSERT INTO " + t.Name + " (" + strings.Join(names, ", ") + ") VALUES (" + strings.Join(marks, ", ") + ")")
	var del string
	if t.Replace {
		conds := make([]string, len(t.Key))
		for i, k := range t.Key {
			conds[i] = k + " = ?"
		}
		del = a.d.q("DELETE FROM " + t.Name + " WHERE " + strings.Join(conds, " AND "))
	}
	for _, r := range rows {
		if len(r) != len(t.Cols) {
			return domain.Invalid(t.Name, "a row of %d values for %d columns", len(r), len(t.Cols))
		}
		if del != "" {
			key := make([]any, len(t.Key))
			for i, k := range t.Key {
				for j, c := range t.Cols {
					if c.Name == k {
						key[i] = r[j]
					}
				}
			}
			if _, err := a.c.ExecContext(ctx, del, key...); err != nil {
				return fmt.Errorf("writing table %s: %w", t.Name, err)
			}
		}
		if _, err := a.c.ExecContext(ctx, ins, r...); err != nil {
			return fmt.Errorf("writing table %s: %w", t.Name, err)
		}
	}
	return nil
}

// DeleteSessions deletes every session: a restored copy of a SQLite file
// keeps none.
func (d *DB) DeleteAllSessions(ctx context.Context) error {
	if _, err := d.db.ExecContext(ctx, "DELETE FROM sessions"); err != nil {
		return fmt.Errorf("deleting the sessions: %w", err)
	}
	return nil
}
