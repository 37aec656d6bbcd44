package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// The stored current screening (migration 00020): see
// store.Store.CurrentScreening. It is written by the screening's catch-up,
// never inside a ledger write: a write costs what it did.

func (d *DB) CurrentScreening(ctx context.Context, fn func(store.ScreenedPerson) error) (store.ScreenedState, bool, error) {
	// One transaction, so that the state and the rows are of the same save.
	// (PostgreSQL reads each statement of a read-committed transaction on
	// its own snapshot; SQLite's transaction is one snapshot already.)
	var opt *sql.TxOptions
	if d.dialect == Postgres {
		opt = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := d.db.BeginTx(ctx, opt)
	if err != nil {
		return store.ScreenedState{}, false, fmt.Errorf("reading the stored screening: %w", err)
	}
	defer tx.Rollback()
	var st store.ScreenedState
	var asOf int64
	err = tx.QueryRowContext(ctx, d.q("SELECT seq, as_of, pack FROM screened_state WHERE id = 1")).Scan(&st.Seq, &asOf, &st.Pack)
	if errors.Is(err, sql.ErrNoRows) {
		return store.ScreenedState{}, false, nil
	}
	if err != nil {
		return store.ScreenedState{}, false, fmt.Errorf("reading the stored screening: %w", err)
	}
	st.AsOf = domain.Date(asOf)
	err = d.eachOn(ctx, tx, "the stored screening", "SELECT person, as_of, next_change, result FROM screened ORDER BY person", nil,
		func(r *sql.Rows) error {
			var p store.ScreenedPerson
			var on, next int64
			if err := r.Scan(&p.Person, &on, &next, &p.Result); err != nil {
				return fmt.Errorf("reading the stored screening: %w", err)
			}
			p.AsOf, p.NextChange = domain.Date(on), domain.Date(next)
			return fn(p)
		})
	if err != nil {
		return store.ScreenedState{}, false, err
	}
	return st, true, nil
}

func (d *DB) SaveCurrentScreening(ctx context.Context, st store.ScreenedState, all bool, put []store.ScreenedPerson, drop []string) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("saving the current screening: %w", err)
	}
	defer tx.Rollback()
	if all {
		if _, err := tx.ExecContext(ctx, "DELETE FROM screened"); err != nil {
			return fmt.Errorf("replacing the current screening: %w", err)
		}
	}
	if len(drop) > 0 && !all {
		del, err := tx.PrepareContext(ctx, d.q("DELETE FROM screened WHERE person = ?"))
		if err != nil {
			return fmt.Errorf("saving the current screening: %w", err)
		}
		defer del.Close()
		for _, id := range drop {
			if _, err := del.ExecContext(ctx, id); err != nil {
				return fmt.Errorf("saving the current screening: dropping %s: %w", id, err)
			}
		}
	}
	if len(put) > 0 {
		ins, err := tx.PrepareContext(ctx, d.q(`INSERT INTO screened (person, as_of, next_change, result) VALUES (?, ?, ?, ?)
			ON CONFLICT (person) DO UPDATE SET as_of = excluded.as_of, next_change = excluded.next_change, result = excluded.result`))
		if err != nil {
			return fmt.Errorf("saving the current screening: %w", err)
		}
		defer ins.Close()
		for _, p := range put {
			if p.Person == "" || p.Result == nil {
				return fmt.Errorf("saving the current screening: a row with no person or no result")
			}
			if _, err := ins.ExecContext(ctx, p.Person, int64(p.AsOf), int64(p.NextChange), p.Result); err != nil {
				return fmt.Errorf("saving the current screening: %s: %w", p.Person, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO screened_state (id, seq, as_of, pack) VALUES (1, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, as_of = excluded.as_of, pack = excluded.pack`),
		st.Seq, int64(st.AsOf), st.Pack); err != nil {
		return fmt.Errorf("saving the current screening: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("saving the current screening: %w", err)
	}
	return nil
}
