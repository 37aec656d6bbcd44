package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/habeas-kh/habeas/internal/store"
)

func (d *DB) idempotencyKeyOn(ctx context.Context, q querier, user, key string) (store.IdempotencyKey, bool, error) {
	k := store.IdempotencyKey{User: user, Key: key}
	var created int64
	var seqs string
	err := q.QueryRowContext(ctx, d.q("SELECT created, request, seqs FROM idempotency WHERE user_name = ? AND key = ?"), user, key).
		Scan(&created, &k.Request, &seqs)
	if errors.Is(err, sql.ErrNoRows) {
		return k, false, nil
	}
	if err != nil {
		return k, false, fmt.Errorf("reading idempotency key %q of %s: %w", key, user, err)
	}
	if err := json.Unmarshal([]byte(seqs), &k.Seqs); err != nil {
		return k, false, fmt.Errorf("reading idempotency key %q of %s: %w", key, user, err)
	}
	k.Created = time.Unix(created, 0).UTC()
	return k, true, nil
}

func (d *DB) IdempotencyKey(ctx context.Context, user, key string) (store.IdempotencyKey, bool, error) {
	return d.idempotencyKeyOn(ctx, d.db, user, key)
}

func (a *appender) IdempotencyKey(ctx context.Context, user, key string) (store.IdempotencyKey, bool, error) {
	if a.done {
		return store.IdempotencyKey{}, false, errors.New("transaction already finished")
	}
	return a.d.idempotencyKeyOn(ctx, a.c, user, key)
}

func (a *appender) PutIdempotencyKey(ctx context.Context, k store.IdempotencyKey, expiredBefore time.Time) error {
	if a.done {
		return errors.New("transaction already finished")
	}
	seqs, err := json.Marshal(k.Seqs)
	if err != nil {
		return fmt.Errorf("encoding idempotency key %q: %w", k.Key, err)
	}
	d := a.d
	// The expired keys go first, the user's among them, so that an expired
	// key is free again.
	if _, err := a.c.ExecContext(ctx, d.q("DELETE FROM idempotency WHERE created < ?"), expiredBefore.Unix()); err != nil {
		return fmt.Errorf("deleting expired idempotency keys: %w", err)
	}
	if _, err := a.c.ExecContext(ctx, d.q("INSERT INTO idempotency (user_name, key, created, request, seqs) VALUES (?,?,?,?,?)"),
		k.User, k.Key, k.Created.Unix(), k.Request, string(seqs)); err != nil {
		return fmt.Errorf("storing idempotency key %q of %s: %w", k.Key, k.User, err)
	}
	return nil
}
