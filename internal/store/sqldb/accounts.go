package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

var _ store.Accounts = (*DB)(nil)

const userCols = "name, display, role, facilities, health, pass_hash, disabled, created, updated, org"

func scanUser(r interface{ Scan(...any) error }) (store.User, error) {
	var u store.User
	var facs string
	var health, disabled int
	var created, updated int64
	if err := r.Scan(&u.Name, &u.Display, &u.Role, &facs, &health, &u.PassHash, &disabled, &created, &updated, &u.Org); err != nil {
		return u, err
	}
	if err := json.Unmarshal([]byte(facs), &u.Facilities); err != nil {
		return u, fmt.Errorf("user %s: facilities: %w", u.Name, err)
	}
	u.Health, u.Disabled = health != 0, disabled != 0
	u.Created, u.Updated = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return u, nil
}

func (d *DB) User(ctx context.Context, name string) (store.User, bool, error) {
	return d.userOn(ctx, d.db, name)
}

func (d *DB) userOn(ctx context.Context, q querier, name string) (store.User, bool, error) {
	u, err := scanUser(q.QueryRowContext(ctx, d.q("SELECT "+userCols+" FROM users WHERE name = ?"), name))
	if errors.Is(err, sql.ErrNoRows) {
		return u, false, nil
	}
	if err != nil {
		return u, false, fmt.Errorf("reading user %s: %w", name, err)
	}
	return u, true, nil
}

func (d *DB) Users(ctx context.Context) ([]store.User, error) {
	var out []store.User
	err := d.each(ctx, "users", "SELECT "+userCols+" FROM users ORDER BY name", nil, func(r *sql.Rows) error {
		u, err := scanUser(r)
		if err != nil {
			return fmt.Errorf("reading users: %w", err)
		}
		out = append(out, u)
		return nil
	})
	return out, err
}

// ApplyAccount writes the change and its audit entry in one transaction.
// The transaction holds the write lock (BEGIN IMMEDIATE on SQLite, the audit
// chain's advisory lock on PostgreSQL) from before build reads the accounts
// to the commit, so the change is made from the state it replaces, and the
// entry is chained after the head read under that lock: two writers cannot
// both extend the same head, and neither has to try again.
func (d *DB) ApplyAccount(ctx context.Context, build func(context.Context, store.AccountReader) (store.AccountChange, error)) (store.AuditEntry, error) {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return store.AuditEntry{}, fmt.Errorf("getting a connection: %w", err)
	}
	defer conn.Close()
	begin := []string{"BEGIN IMMEDIATE"}
	if d.dialect == Postgres {
		begin = []string{"BEGIN", auditLock}
	}
	for _, s := range begin {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return store.AuditEntry{}, fmt.Errorf("beginning an account transaction: %w", err)
		}
	}
	committed := false
	defer func() {
		if !committed {
			// A fresh context: the caller's may be what was cancelled.
			conn.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	c, err := build(ctx, accountReader{d, conn})
	if err != nil {
		return store.AuditEntry{}, err
	}
	head, err := d.auditHeadOn(ctx, conn)
	if err != nil {
		return store.AuditEntry{}, err
	}
	a := c.Audit.Follow(head)
	if err := d.applyAccountOn(ctx, conn, c); err != nil {
		return store.AuditEntry{}, err
	}
	if err := d.insertAudit(ctx, conn, a); err != nil {
		return store.AuditEntry{}, err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return store.AuditEntry{}, fmt.Errorf("committing the account change: %w", err)
	}
	committed = true
	d.wrote(ctx)
	if c.DestroyRecordKey != 0 {
		d.scrubDestroyed(ctx)
	}
	return a, nil
}

// accountReader reads the accounts through an account change's connection.
type accountReader struct {
	d *DB
	q querier
}

func (r accountReader) User(ctx context.Context, name string) (store.User, bool, error) {
	return r.d.userOn(ctx, r.q, name)
}

func (r accountReader) Tokens(ctx context.Context, user string) ([]store.Token, error) {
	return r.d.tokensOn(ctx, r.q, user)
}

// applyAccountOn writes the users and tokens of a change on c.
func (d *DB) applyAccountOn(ctx context.Context, conn *sql.Conn, c store.AccountChange) error {
	exec := func(what, q string, args ...any) (sql.Result, error) {
		res, err := conn.ExecContext(ctx, d.q(q), args...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		return res, nil
	}
	if u := c.NewUser; u != nil {
		var n int
		if err := conn.QueryRowContext(ctx, d.q("SELECT COUNT(*) FROM users WHERE name = ?"), u.Name).Scan(&n); err != nil {
			return fmt.Errorf("reading user %s: %w", u.Name, err)
		}
		if n > 0 {
			return fmt.Errorf("user %s: %w", u.Name, store.ErrExists)
		}
		facs, _ := json.Marshal(nonNil(u.Facilities))
		if _, err := exec("adding user "+u.Name, "INSERT INTO users ("+userCols+") VALUES (?,?,?,?,?,?,?,?,?,?)",
			u.Name, u.Display, u.Role, string(facs), b2i(u.Health), u.PassHash, b2i(u.Disabled), u.Created.Unix(), u.Updated.Unix(), orgOrDefault(u.Org)); err != nil {
			return err
		}
	}
	if u := c.User; u != nil {
		facs, _ := json.Marshal(nonNil(u.Facilities))
		res, err := exec("updating user "+u.Name, "UPDATE users SET display = ?, role = ?, facilities = ?, health = ?, pass_hash = ?, disabled = ?, updated = ?, org = ? WHERE name = ?",
			u.Display, u.Role, string(facs), b2i(u.Health), u.PassHash, b2i(u.Disabled), u.Updated.Unix(), orgOrDefault(u.Org), u.Name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("user %s: %w", u.Name, domain.ErrNotFound)
		}
	}
	if t := c.Token; t != nil {
		res, err := exec("revoking token "+t.ID, "UPDATE api_tokens SET revoked = ? WHERE id = ?", b2i(t.Revoked), t.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := exec("adding token "+t.ID, "INSERT INTO api_tokens (id, user_name, label, hash, created, revoked) VALUES (?,?,?,?,?,?)",
				t.ID, t.User, t.Label, t.Hash, t.Created.Unix(), b2i(t.Revoked)); err != nil {
				return err
			}
		}
	}
	for _, id := range c.RevokeTokens {
		res, err := exec("revoking token "+id, "UPDATE api_tokens SET revoked = 1 WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("token %s: %w", id, domain.ErrNotFound)
		}
	}
	if err := d.applyOrgsOn(ctx, conn, c); err != nil {
		return err
	}
	if u := c.EndSessions; u != "" {
		if _, err := exec("ending the sessions of "+u, "DELETE FROM sessions WHERE user_name = ?", u); err != nil {
			return err
		}
	}
	if u := c.ClearSignInFailures; u != "" {
		if _, err := exec("clearing the failed sign-ins of "+u, "DELETE FROM signin_failures WHERE user_name = ?", u); err != nil {
			return err
		}
	}
	return nil
}

// auditLock serialises the writers of the audit chain on PostgreSQL (on
// SQLite, BEGIN IMMEDIATE locks the whole file): an account change, and a
// ledger transaction when it appends its entry. A ledger transaction takes it
// after the ledger's own lock, and an account change never takes the
// ledger's, so the two cannot deadlock.
const auditLock = "SELECT pg_advisory_xact_lock(7281938)"

func (d *DB) insertAudit(ctx context.Context, c *sql.Conn, a store.AuditEntry) error {
	if _, err := c.ExecContext(ctx, d.q("INSERT INTO audit (seq, at, actor, via, action, subject, detail, prev, hash) VALUES (?,?,?,?,?,?,?,?,?)"),
		a.Seq, a.At.Unix(), a.Actor, a.Via, a.Action, a.Subject, a.Detail, a.Prev, a.Hash); err != nil {
		return fmt.Errorf("appending to the audit chain: %w", err)
	}
	return nil
}

// AppendAudit takes the audit chain's lock for the rest of the transaction
// (late, so that a load of minutes does not hold account changes back while
// it validates), reads the head and appends the entry after it.
func (a *appender) AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	if a.done {
		return e, errors.New("transaction already finished")
	}
	if a.d.dialect == Postgres {
		if _, err := a.c.ExecContext(ctx, auditLock); err != nil {
			return e, fmt.Errorf("locking the audit chain: %w", err)
		}
	}
	head, err := a.d.auditHeadOn(ctx, a.c)
	if err != nil {
		return e, err
	}
	e = e.Follow(head)
	if err := a.d.insertAudit(ctx, a.c, e); err != nil {
		return e, err
	}
	return e, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (d *DB) auditHeadOn(ctx context.Context, q querier) (store.Head, error) {
	h := store.Head{Hash: domain.GenesisHash}
	err := q.QueryRowContext(ctx, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").Scan(&h.Seq, &h.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Head{Hash: domain.GenesisHash}, nil
	}
	if err != nil {
		return h, fmt.Errorf("reading the audit head: %w", err)
	}
	return h, nil
}

func (d *DB) AuditHead(ctx context.Context) (store.Head, error) { return d.auditHeadOn(ctx, d.db) }

const auditCols = "seq, at, actor, via, action, subject, detail, prev, hash"

func scanAudit(r interface{ Scan(...any) error }) (store.AuditEntry, error) {
	var a store.AuditEntry
	var at int64
	err := r.Scan(&a.Seq, &at, &a.Actor, &a.Via, &a.Action, &a.Subject, &a.Detail, &a.Prev, &a.Hash)
	a.At = time.Unix(at, 0).UTC()
	return a, err
}

func (d *DB) AuditEntries(ctx context.Context, from int64, fn func(store.AuditEntry) error) error {
	return d.each(ctx, "the audit chain", "SELECT "+auditCols+" FROM audit WHERE seq >= ? ORDER BY seq", []any{from}, func(r *sql.Rows) error {
		a, err := scanAudit(r)
		if err != nil {
			return fmt.Errorf("reading the audit chain: %w", err)
		}
		return fn(a)
	})
}

func (d *DB) AuditAbout(ctx context.Context, actor, subject string, limit int) ([]store.AuditEntry, error) {
	if limit <= 0 || (actor == "" && subject == "") {
		return nil, nil
	}
	// A UNION of two index range scans rather than an OR, which neither
	// engine answers from the two indexes.
	q := "SELECT " + auditCols + " FROM (SELECT " + auditCols + " FROM audit WHERE actor = ? UNION SELECT " + auditCols +
		" FROM audit WHERE subject = ?) u ORDER BY seq DESC LIMIT ?"
	var out []store.AuditEntry
	err := d.each(ctx, "the audit chain", q, []any{actor, subject, limit}, func(r *sql.Rows) error {
		a, err := scanAudit(r)
		if err != nil {
			return fmt.Errorf("reading the audit chain: %w", err)
		}
		out = append(out, a)
		return nil
	})
	return out, err
}

const tokenCols = "id, user_name, label, hash, created, revoked"

func scanToken(r interface{ Scan(...any) error }) (store.Token, error) {
	var t store.Token
	var created int64
	var revoked int
	err := r.Scan(&t.ID, &t.User, &t.Label, &t.Hash, &created, &revoked)
	t.Created, t.Revoked = time.Unix(created, 0).UTC(), revoked != 0
	return t, err
}

func (d *DB) TokenByHash(ctx context.Context, hash string) (store.Token, bool, error) {
	t, err := scanToken(d.db.QueryRowContext(ctx, d.q("SELECT "+tokenCols+" FROM api_tokens WHERE hash = ?"), hash))
	if errors.Is(err, sql.ErrNoRows) {
		return t, false, nil
	}
	if err != nil {
		return t, false, fmt.Errorf("reading a token: %w", err)
	}
	return t, true, nil
}

func (d *DB) Tokens(ctx context.Context, user string) ([]store.Token, error) {
	return d.tokensOn(ctx, d.db, user)
}

func (d *DB) tokensOn(ctx context.Context, on querier, user string) ([]store.Token, error) {
	q, args := "SELECT "+tokenCols+" FROM api_tokens", []any{}
	if user != "" {
		q, args = q+" WHERE user_name = ?", append(args, user)
	}
	var out []store.Token
	err := d.eachOn(ctx, on, "tokens", q+" ORDER BY created DESC, id", args, func(r *sql.Rows) error {
		t, err := scanToken(r)
		if err != nil {
			return fmt.Errorf("reading tokens: %w", err)
		}
		out = append(out, t)
		return nil
	})
	return out, err
}

func (d *DB) CreateSession(ctx context.Context, s store.Session) error {
	_, err := d.db.ExecContext(ctx, d.q("INSERT INTO sessions (hash, user_name, created, expires, remote) VALUES (?,?,?,?,?)"),
		s.Hash, s.User, s.Created.Unix(), s.Expires.Unix(), s.Remote)
	if err != nil {
		return fmt.Errorf("creating a session for %s: %w", s.User, err)
	}
	return nil
}

func (d *DB) SessionByHash(ctx context.Context, hash string) (store.Session, bool, error) {
	var s store.Session
	var created, expires int64
	err := d.db.QueryRowContext(ctx, d.q("SELECT hash, user_name, created, expires, remote FROM sessions WHERE hash = ?"), hash).
		Scan(&s.Hash, &s.User, &created, &expires, &s.Remote)
	if errors.Is(err, sql.ErrNoRows) {
		return s, false, nil
	}
	if err != nil {
		return s, false, fmt.Errorf("reading a session: %w", err)
	}
	s.Created, s.Expires = time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC()
	return s, true, nil
}

func (d *DB) DeleteSession(ctx context.Context, hash string) error {
	if _, err := d.db.ExecContext(ctx, d.q("DELETE FROM sessions WHERE hash = ?"), hash); err != nil {
		return fmt.Errorf("ending a session: %w", err)
	}
	return nil
}

func (d *DB) DeleteSessions(ctx context.Context, user string, expiredBefore time.Time) error {
	if _, err := d.db.ExecContext(ctx, d.q("DELETE FROM sessions WHERE user_name = ? OR expires < ?"), user, expiredBefore.Unix()); err != nil {
		return fmt.Errorf("ending sessions: %w", err)
	}
	return nil
}

func (d *DB) Secret(ctx context.Context, name string, gen func() []byte) ([]byte, error) {
	var v []byte
	err := d.db.QueryRowContext(ctx, d.q("SELECT value FROM secrets WHERE name = ?"), name).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("reading secret %s: %w", name, err)
	}
	// Two processes may race to create it: the first insert wins and both
	// read back the winner.
	ins := "INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING"
	if _, err := d.db.ExecContext(ctx, d.q(ins), name, gen()); err != nil {
		return nil, fmt.Errorf("creating secret %s: %w", name, err)
	}
	if err := d.db.QueryRowContext(ctx, d.q("SELECT value FROM secrets WHERE name = ?"), name).Scan(&v); err != nil {
		return nil, fmt.Errorf("reading secret %s: %w", name, err)
	}
	return v, nil
}

func (d *DB) SignInFailed(ctx context.Context, key, user string, at, forgetBefore time.Time) (int, error) {
	// One statement, so that failures arriving together are all counted.
	q := `INSERT INTO signin_failures (key, user_name, failures, last_fail) VALUES (?, ?, 1, ?)
ON CONFLICT (key) DO UPDATE SET
    failures = CASE WHEN signin_failures.last_fail < ? THEN 1 ELSE signin_failures.failures + 1 END,
    last_fail = excluded.last_fail
RETURNING failures`
	var n int
	if err := d.db.QueryRowContext(ctx, d.q(q), key, user, at.Unix(), forgetBefore.Unix()).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting a failed sign-in: %w", err)
	}
	return n, nil
}

func (d *DB) SignInFailures(ctx context.Context, keys ...string) ([]store.SignInFailure, error) {
	var out []store.SignInFailure
	for _, k := range keys {
		var f store.SignInFailure
		var last int64
		err := d.db.QueryRowContext(ctx, d.q("SELECT key, user_name, failures, last_fail FROM signin_failures WHERE key = ?"), k).
			Scan(&f.Key, &f.User, &f.Failures, &last)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading failed sign-ins: %w", err)
		}
		f.Last = time.Unix(last, 0).UTC()
		out = append(out, f)
	}
	return out, nil
}

func (d *DB) ClearSignInFailures(ctx context.Context, user string, keys []string, forgetBefore time.Time) error {
	q, args := "DELETE FROM signin_failures WHERE last_fail < ?", []any{forgetBefore.Unix()}
	if user != "" {
		q, args = q+" OR user_name = ?", append(args, user)
	}
	for _, k := range keys {
		q, args = q+" OR key = ?", append(args, k)
	}
	if _, err := d.db.ExecContext(ctx, d.q(q), args...); err != nil {
		return fmt.Errorf("clearing failed sign-ins: %w", err)
	}
	return nil
}
