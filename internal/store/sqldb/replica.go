package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// Reads from a PostgreSQL streaming replica (see store.ReplicaReads for
// which reads): the register's reads that pages, reports and exports make
// (readReplica below), for a context marked with store.ReplicaReads, go to
// the replica when it answers, is at most MaxLag behind, and has replayed
// past the reader's own last write. Every write, the accounts, the tree and
// the reads of unmarked contexts stay on the primary.
//
// Read your own writes: after a commit made under a context with a reader
// (store.WithReader), the primary's WAL position (pg_current_wal_lsn, taken
// after the commit, so at or past its commit record) is kept for that
// reader; until the replica's pg_last_wal_replay_lsn passes it, that
// reader's reads go to the primary. The positions are kept in this process:
// several habeas serve processes behind one address need the load balancer
// to keep a user on one process (docs/operations.md).

// ReplicaOptions tune AttachReplica; zero values take the defaults.
type ReplicaOptions struct {
	// MaxLag: when the replica is further behind the primary than this,
	// reads go to the primary (default 30s).
	MaxLag time.Duration
	// Interval is how often the lag is measured (default 1s).
	Interval time.Duration
	// Retry is how long reads stay on the primary after the replica failed
	// before it is tried again (default 5s).
	Retry time.Duration
}

// lsn is a WAL position (pg_lsn), comparable as a number.
type lsn uint64

// unknownLSN stands for a write whose position could not be read: the
// reader reads the primary until the replica's lag shows it replayed
// everything written before (pendingWrite.at).
const unknownLSN = lsn(math.MaxUint64)

func parseLSN(s string) (lsn, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, fmt.Errorf("%q is not a WAL position", s)
	}
	h, err := strconv.ParseUint(hi, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is not a WAL position", s)
	}
	l, err := strconv.ParseUint(lo, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("%q is not a WAL position", s)
	}
	return lsn(h<<32 | l), nil
}

// pendingWrite is a reader's last write: its WAL position and when it
// committed.
type pendingWrite struct {
	pos lsn
	at  time.Time
}

// sample is the primary's WAL position at a time, to turn the replica's
// replay position into a lag in seconds.
type sample struct {
	at  time.Time
	pos lsn
}

// maxSamples bounds the samples kept: an hour at the default interval.
const maxSamples = 3600

type replica struct {
	db    *sql.DB
	shown string // the URL without its password, for the log
	opt   ReplicaOptions
	log   *slog.Logger
	stop  context.CancelFunc
	done  chan struct{}

	replicaReads, primaryReads atomic.Int64

	mu       sync.Mutex
	pending  map[string]pendingWrite // reader → their last write not known replayed
	floor    lsn                     // the primary's position when attached: migrations, before any read
	replayed lsn                     // the replica's replay position, as last read
	checked  time.Time               // when replayed was read
	standby  bool
	// down: the replica failed at downSince; reads stay on the primary
	// until downUntil, problem says why.
	downUntil time.Time
	problem   string
	measured  time.Time // the last measure of the lag that succeeded
	lag       time.Duration
	lagBytes  int64
	samples   []sample
	behind    bool // the lag is over MaxLag (logged when it changes)

	// everyone, when set (tests only: ReadAllFromReplica), reads every
	// context as marked with ReplicaReads, and as this reader when it
	// names none, so that the conformance suite runs on the replica.
	everyone string
}

// AttachReplica makes dsn, a PostgreSQL streaming replica of this store's
// database, serve the reads of contexts marked with store.ReplicaReads. Its
// connections are read-only (default_transaction_read_only), so no write
// can go through them. A replica that does not answer now is not an error:
// reads go to the primary, and to the replica once it answers. A replica of
// another cluster (its system identifier differs) is. Close stops it.
func (d *DB) AttachReplica(ctx context.Context, dsn string, opt ReplicaOptions) error {
	if d.dialect != Postgres {
		return domain.Invalid("", "a read replica needs a PostgreSQL register; this one is %s", d.dialect)
	}
	if !IsPostgres(dsn) {
		return domain.Invalid("", "want a postgres:// URL of a streaming replica")
	}
	if d.rep != nil {
		return errors.New("a read replica is already attached")
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return domain.Invalid("", "the replica's URL: %v", err)
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	// By construction, not by care: every transaction of the pool is
	// read-only, so a write sent to it by mistake fails, on a replica or
	// (misconfigured) on the primary itself.
	cfg.RuntimeParams["default_transaction_read_only"] = "on"
	if opt.MaxLag <= 0 {
		opt.MaxLag = 30 * time.Second
	}
	if opt.Interval <= 0 {
		opt.Interval = time.Second
	}
	if opt.Retry <= 0 {
		opt.Retry = 5 * time.Second
	}
	r := &replica{db: stdlib.OpenDB(*cfg), shown: maskURL(dsn), opt: opt, log: d.log, pending: map[string]pendingWrite{}, done: make(chan struct{})}
	r.db.SetMaxOpenConns(8)
	// Nothing is read from the replica before it has replayed the state
	// the primary has now (the migrations Open just ran).
	if r.floor, err = d.primaryLSN(ctx); err != nil {
		r.db.Close()
		return err
	}
	if err := d.sameCluster(ctx, r.db); err != nil {
		r.db.Close()
		return err
	}
	d.rep = r
	r.measure(ctx, d)
	mctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	r.stop = stop
	go r.watch(mctx, d)
	if r.problem != "" {
		d.log.Warn("the read replica does not answer: reading from the primary until it does", "replica", r.shown, "problem", r.problem)
	} else {
		d.log.Info("reading from a replica", "replica", r.shown, "lag_seconds", r.lag.Seconds())
	}
	return nil
}

// sameCluster refuses a replica of another cluster: it would serve another
// register's figures. A server that does not let the user read its
// control data (pg_control_system needs pg_monitor) is not checked.
func (d *DB) sameCluster(ctx context.Context, rep *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	const q = "SELECT system_identifier::text FROM pg_control_system()"
	var p, r string
	if err := d.db.QueryRowContext(ctx, q).Scan(&p); err != nil {
		d.log.Debug("cannot read the primary's system identifier", "err", err)
		return nil
	}
	if err := rep.QueryRowContext(ctx, q).Scan(&r); err != nil {
		d.log.Debug("cannot read the replica's system identifier", "err", err)
		return nil
	}
	if p != r {
		return domain.Invalid("", "the replica is not a copy of the primary (their system identifiers are %s and %s)", r, p)
	}
	return nil
}

func (d *DB) primaryLSN(ctx context.Context) (lsn, error) {
	var s string
	if err := d.db.QueryRowContext(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&s); err != nil {
		return 0, fmt.Errorf("reading the primary's WAL position: %w", err)
	}
	return parseLSN(s)
}

// replayedOn reads how far a replica has replayed the primary's WAL; a
// server that is not a standby (the primary itself, read-only) is as far
// as its own WAL.
func replayedOn(ctx context.Context, db *sql.DB) (lsn, bool, error) {
	var s sql.NullString
	var standby bool
	err := db.QueryRowContext(ctx, `SELECT pg_is_in_recovery(),
		(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text`).Scan(&standby, &s)
	if err != nil {
		return 0, false, fmt.Errorf("reading the replica's replay position: %w", err)
	}
	if !s.Valid {
		return 0, standby, nil // a standby that has replayed nothing yet
	}
	pos, err := parseLSN(s.String)
	return pos, standby, err
}

// watch measures the lag every Interval until ctx ends.
func (r *replica) watch(ctx context.Context, d *DB) {
	defer close(r.done)
	t := time.NewTicker(r.opt.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.measure(ctx, d)
		}
	}
}

// measure reads the primary's position, then the replica's: the lag is the
// time since the newest sample of the primary the replica has replayed
// (0 when it has replayed the position just read), and its distance in
// bytes.
func (r *replica) measure(ctx context.Context, d *DB) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	p, err := d.primaryLSN(ctx)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Warn("measuring the read replica's lag", "err", err)
		}
		return
	}
	now := time.Now()
	pos, standby, err := replayedOn(ctx, r.db)
	if err != nil {
		if ctx.Err() == nil || errors.Is(err, context.DeadlineExceeded) {
			r.fail(err)
		}
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.samples) == maxSamples {
		r.samples = r.samples[1:]
	}
	r.samples = append(r.samples, sample{at: now, pos: p})
	caught := -1
	for i, s := range r.samples {
		if s.pos <= pos {
			caught = i
		}
	}
	switch {
	case caught == len(r.samples)-1:
		r.lag = 0
	case caught >= 0:
		r.lag = now.Sub(r.samples[caught].at)
	default: // behind every sample kept: at least as old as the oldest
		r.lag = now.Sub(r.samples[0].at)
	}
	if caught > 0 {
		r.samples = r.samples[caught:]
	}
	r.lagBytes = 0
	if p > pos {
		r.lagBytes = int64(p - pos)
	}
	r.standby = standby
	r.replayed = max(r.replayed, pos)
	r.checked, r.measured = now, now
	if r.problem != "" {
		r.log.Info("the read replica answers again: reading from it", "replica", r.shown)
		r.problem, r.downUntil = "", time.Time{}
	}
	if behind := r.lag > r.opt.MaxLag; behind != r.behind {
		r.behind = behind
		if behind {
			r.log.Warn("the read replica is too far behind: reading from the primary", "replica", r.shown,
				"lag_seconds", r.lag.Seconds(), "limit", r.opt.MaxLag.String())
		} else {
			r.log.Info("the read replica has caught up: reading from it", "replica", r.shown, "lag_seconds", r.lag.Seconds())
		}
	}
	for u, w := range r.pending {
		if r.caughtUp(w) {
			delete(r.pending, u)
		}
	}
}

// caughtUp reports whether the replica, as last measured, shows a write
// (r.mu held): it replayed past its position, or it is less behind than
// the time since the write (lag is how old the state it shows may be).
func (r *replica) caughtUp(w pendingWrite) bool {
	return r.replayed >= w.pos || (!r.measured.IsZero() && w.at.Before(r.measured.Add(-r.lag)))
}

// fail sends reads to the primary for Retry, logging the first failure.
func (r *replica) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.problem == "" {
		r.log.Warn("the read replica failed: reading from the primary", "replica", r.shown, "err", err,
			"retry_in", r.opt.Retry.String())
	}
	r.problem = err.Error()
	r.downUntil = time.Now().Add(r.opt.Retry)
}

// usable reports whether a read by reader may go to the replica now.
func (r *replica) usable(ctx context.Context, reader string) bool {
	r.mu.Lock()
	if time.Now().Before(r.downUntil) || r.measured.IsZero() || r.behind {
		r.mu.Unlock()
		return false
	}
	need := pendingWrite{pos: r.floor}
	w, mine := r.pending[reader]
	if mine && w.pos > need.pos {
		need = w
	}
	if r.caughtUp(need) {
		if mine {
			delete(r.pending, reader)
		}
		r.mu.Unlock()
		return true
	}
	// Not known to be replayed: ask the replica, at most every few
	// milliseconds whoever asks (a page makes a dozen reads).
	if time.Since(r.checked) < 5*time.Millisecond {
		r.mu.Unlock()
		return false
	}
	r.checked = time.Now()
	r.mu.Unlock()
	qctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	pos, _, err := replayedOn(qctx, r.db)
	if err != nil {
		if ctx.Err() == nil {
			r.fail(err)
		}
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.replayed = max(r.replayed, pos)
	if !r.caughtUp(need) {
		return false
	}
	if mine {
		delete(r.pending, reader)
	}
	return true
}

// wrote records the primary's position after a write committed under
// ctx, for its reader: their reads go to the primary until the replica has
// replayed it.
//
// A write made for no reader (the server's own: the screening keeper
// saving a month-end) raises the floor instead, for everyone: the public
// pages its save invalidated are built again from the primary until the
// replica has replayed it, else a cache could be refilled from the
// replica's older state and kept.
func (d *DB) wrote(ctx context.Context) {
	if d.rep == nil {
		return
	}
	u := d.readerOf(ctx)
	at := time.Now()
	pos, err := d.primaryLSN(context.WithoutCancel(ctx))
	if err != nil {
		d.log.Warn("reading the position of a write: its writer reads the primary until the replica's lag shows it", "err", err)
		pos = unknownLSN
	}
	r := d.rep
	r.mu.Lock()
	defer r.mu.Unlock()
	if u == "" {
		if pos != unknownLSN {
			r.floor = max(r.floor, pos)
		}
		return
	}
	if w, ok := r.pending[u]; !ok || pos > w.pos || w.pos == unknownLSN {
		r.pending[u] = pendingWrite{pos: pos, at: at}
	}
}

// reader is where a read of the register through ctx goes: the replica
// (falling back to the primary if it fails) or the primary.
func (d *DB) reader(ctx context.Context) querier {
	if d.rep == nil || !d.replicaAllowed(ctx) {
		return d.db
	}
	if d.rep.usable(ctx, d.readerOf(ctx)) {
		return fallback{r: d.rep, primary: d.db}
	}
	d.rep.primaryReads.Add(1)
	return d.db
}

// ReadsReplica reports whether a read through ctx would go to the replica
// now (store.ReadRouter).
func (d *DB) ReadsReplica(ctx context.Context) bool {
	return d.rep != nil && d.replicaAllowed(ctx) && d.rep.usable(ctx, d.readerOf(ctx))
}

// replicaAllowed and readerOf read ctx's marks (see replica.everyone).
func (d *DB) replicaAllowed(ctx context.Context) bool {
	return store.ReplicaReadsAllowed(ctx) || d.rep.everyone != ""
}

func (d *DB) readerOf(ctx context.Context) string {
	if u := store.ReaderOf(ctx); u != "" || d.rep == nil {
		return u
	}
	return d.rep.everyone
}

var _ store.ReadRouter = (*DB)(nil)

// eachReplica is each through reader: the register's reads that a replica
// may serve.
func (d *DB) eachReplica(ctx context.Context, what, query string, args []any, fn func(*sql.Rows) error) error {
	return d.eachOn(ctx, d.reader(ctx), what, query, args, fn)
}

// fallback queries the replica, and the primary when the replica fails to
// answer (the failure is logged and reads stay on the primary for Retry).
// A failure while the rows are read is the caller's, as on the primary.
type fallback struct {
	r       *replica
	primary *sql.DB
}

func (f fallback) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := f.r.db.QueryContext(ctx, query, args...)
	if err == nil || ctx.Err() != nil {
		f.r.replicaReads.Add(1)
		return rows, err
	}
	f.r.fail(err)
	f.r.primaryReads.Add(1)
	return f.primary.QueryContext(ctx, query, args...)
}

func (f fallback) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	row := f.r.db.QueryRowContext(ctx, query, args...)
	err := row.Err()
	if err == nil || ctx.Err() != nil {
		f.r.replicaReads.Add(1)
		return row
	}
	f.r.fail(err)
	f.r.primaryReads.Add(1)
	return f.primary.QueryRowContext(ctx, query, args...)
}

// ReplicaStatus is the read replica's state, for /readyz and the metrics.
type ReplicaStatus struct {
	// Up: the replica answered its last check; Problem says why not.
	Up      bool
	Problem string
	// Standby: it is in recovery (a streaming replica), not a primary.
	Standby bool
	// Lag is how old the state it shows may be; LagBytes how much WAL it
	// has still to replay; Behind that Lag is over MaxLag, so reads go to
	// the primary.
	Lag      time.Duration
	LagBytes int64
	MaxLag   time.Duration
	Behind   bool
	Measured time.Time
	// Readers waiting for the replica to replay their last write.
	Waiting int
	// Reads served by the replica and, of the reads it might have served,
	// those that went to the primary.
	ReplicaReads, PrimaryReads int64
}

// Replica is the read replica's state, and false when none is attached.
func (d *DB) Replica() (ReplicaStatus, bool) {
	if d.rep == nil {
		return ReplicaStatus{}, false
	}
	r := d.rep
	r.mu.Lock()
	defer r.mu.Unlock()
	return ReplicaStatus{Up: r.problem == "" && !r.measured.IsZero(), Problem: r.problem, Standby: r.standby,
		Lag: r.lag, LagBytes: r.lagBytes, MaxLag: r.opt.MaxLag, Behind: r.behind, Measured: r.measured,
		Waiting: len(r.pending), ReplicaReads: r.replicaReads.Load(), PrimaryReads: r.primaryReads.Load()}, true
}

// ReplicaSQL is the replica's connection pool (for its pool metrics), nil
// when none is attached.
func (d *DB) ReplicaSQL() *sql.DB {
	if d.rep == nil {
		return nil
	}
	return d.rep.db
}

func (r *replica) close() error {
	r.stop()
	<-r.done
	return r.db.Close()
}

// maskURL hides the password of a database URL, for the log.
func maskURL(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(a postgres:// URL)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
