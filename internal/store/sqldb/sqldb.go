// Package sqldb implements store.Store on SQLite (the embedded default) and
// PostgreSQL. The SQL is shared and kept portable; the two differ in their
// migrations, their placeholders, how a writer takes the write lock, and how
// rows are loaded in bulk (multi-row INSERT on SQLite, COPY on PostgreSQL).
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/stdlib"
	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/tree"
)

const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DB is a store on one SQL database.
type DB struct {
	db      *sql.DB
	dialect string
	// SQLite allows one writer; serialising writers here avoids busy waits.
	// PostgreSQL writers serialise on an advisory lock instead.
	writeMu sync.Mutex
	// lastTree is the tree builder of the last committed write, guarded by
	// writeMu: the next write begins from it when the ledger has not grown
	// since (another process's write makes it read the tree again).
	lastTree *tree.Builder
	log      *slog.Logger
	// aggFlushAt: see defaultAggFlushAt.
	aggFlushAt int
	// loadsAlone: see LoadsAlone.
	loadsAlone bool
	// synchronous is SQLite's synchronous setting: FULL (see Open); tests
	// measure the cost against NORMAL.
	synchronous string
	// ageBands are the lower bounds of the age bands the aggregate
	// projection groups by: those asked for (askedBands) until Open reads
	// the ones the register was created with.
	ageBands   []int
	askedBands bool
	// rep is the read replica (AttachReplica), nil when none.
	rep *replica
}

// An Option changes how Open sets up the store.
type Option func(*DB)

// LoadsAlone tells the store that while it loads a SQLite register that
// holds no person yet (an import or a demo into a new file), nothing else
// reads the file: the load is then written once, through a rollback journal
// instead of the write-ahead log, and other connections, in this process or
// another, wait for its commit or give up with "database is locked". A
// server, whose readers must go on during any write, does not set it. It
// changes nothing on PostgreSQL.
func LoadsAlone() Option { return func(d *DB) { d.loadsAlone = true } }

// AgeBands sets the lower bounds of the age bands the store groups the
// people held by (PopRow.AgeBand), in ascending order from 0; the default is
// domain.AgeBands(). They are fixed when the register is created: the
// aggregate projection is summed by band as it is written, so a register
// records its bands when it is first opened and keeps them. Opening it
// asking for other bands is an error (domain.ErrConflict) that says a new
// register is needed; opening it without the option uses the recorded bands.
func AgeBands(bands ...int) Option {
	return func(d *DB) { d.ageBands, d.askedBands = slices.Clone(bands), true }
}

// maxBandBound is the highest lower bound of an age band the aggregate
// tables can hold (their band key is a small integer).
const maxBandBound = math.MaxInt8

var _ store.Store = (*DB)(nil)

// IsPostgres reports whether dsn selects PostgreSQL rather than a SQLite file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open connects to dsn (a SQLite file path, or a postgres:// URL) and brings
// the schema up to date.
func Open(ctx context.Context, dsn string, log *slog.Logger, opts ...Option) (*DB, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &DB{log: log, aggFlushAt: defaultAggFlushAt, ageBands: domain.AgeBands(), synchronous: "FULL"}
	for _, o := range opts {
		o(d)
	}
	if err := checkAgeBands(d.ageBands); err != nil {
		return nil, fmt.Errorf("opening the register: %w", err)
	}
	var err error
	if IsPostgres(dsn) {
		d.dialect = Postgres
		d.db, err = sql.Open("pgx", dsn)
		if err == nil {
			d.db.SetMaxOpenConns(8)
		}
	} else {
		d.dialect = SQLite
		// WAL lets readers go on while one writer writes; foreign keys are
		// off by default in SQLite; the busy timeout covers other processes;
		// a 64 MB page cache per connection (the default is 2 MB) keeps the
		// indexes of a national register in memory while it is loaded.
		//
		// synchronous=FULL: an acknowledged write must survive a power
		// loss, not only a crash of habeas. With NORMAL, WAL mode syncs the
		// log only at checkpoints, and the last commits before a power cut
		// can be gone although their users were told they were saved.
		// bench/RESULTS.md has the cost per write (BenchmarkRecordOne).
		d.db, err = sql.Open("sqlite3", "file:"+dsn+"?_journal_mode=WAL&_foreign_keys=on&_busy_timeout="+busyTimeoutMS+"&_synchronous="+d.synchronous+"&_cache_size=-65536&cache=private")
		if err == nil {
			d.db.SetMaxOpenConns(4)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("opening %s database: %w", d.dialect, err)
	}
	if err := d.db.PingContext(ctx); err != nil {
		d.db.Close()
		return nil, fmt.Errorf("connecting to %s database: %w", d.dialect, err)
	}
	if err := d.migrate(ctx, dsn); err != nil {
		d.db.Close()
		return nil, err
	}
	// Before the aggregates are built: they are grouped by these bands.
	if err := d.settleAgeBands(ctx); err != nil {
		d.db.Close()
		return nil, err
	}
	if err := d.buildAggregates(ctx); err != nil {
		d.db.Close()
		return nil, err
	}
	if err := d.buildTree(ctx); err != nil {
		d.db.Close()
		return nil, err
	}
	return d, nil
}

var _ = stdlib.GetDefaultDriver // the pgx driver registers itself as "pgx"

// busyTimeoutMS is how long a SQLite connection waits for another process's
// lock before it gives up.
const busyTimeoutMS = "10000"

// checkAgeBands checks bands as domain.CheckAgeBands does, and that the
// aggregate tables can hold them.
func checkAgeBands(bands []int) error {
	if err := domain.CheckAgeBands(bands); err != nil {
		return err
	}
	if last := bands[len(bands)-1]; last > maxBandBound {
		return domain.Invalid("age_bands", "%v: a band may begin at age %d at most", bands, maxBandBound)
	}
	return nil
}

// settleAgeBands records the age bands of a new register, or reads those
// the register was created with (migration 00005 recorded the bands of a
// register made before them). Two processes opening a new register at once
// record the bands of the first.
func (d *DB) settleAgeBands(ctx context.Context) error {
	if _, err := d.db.ExecContext(ctx, d.q("INSERT INTO settings (name, value) VALUES ('age_bands', ?) ON CONFLICT (name) DO NOTHING"),
		formatBands(d.ageBands)); err != nil {
		return fmt.Errorf("recording the age bands: %w", err)
	}
	var text string
	if err := d.db.QueryRowContext(ctx, "SELECT value FROM settings WHERE name = 'age_bands'").Scan(&text); err != nil {
		return fmt.Errorf("reading the age bands of the register: %w", err)
	}
	recorded, err := parseBands(text)
	if err == nil {
		err = checkAgeBands(recorded)
	}
	if err != nil {
		return fmt.Errorf("reading the age bands of the register (%q): %w", text, err)
	}
	if d.askedBands && !slices.Equal(recorded, d.ageBands) {
		return domain.Conflict("the register was created with the age bands %s and its figures are kept by them; "+
			"grouping by %s needs a new register: export the ledger and import it into a new database opened with those bands",
			formatBands(recorded), formatBands(d.ageBands))
	}
	d.ageBands = recorded
	return nil
}

// formatBands writes age bands as the settings table keeps them: "0,14,16".
func formatBands(bands []int) string {
	parts := make([]string, len(bands))
	for i, lo := range bands {
		parts[i] = strconv.Itoa(lo)
	}
	return strings.Join(parts, ",")
}

func parseBands(s string) ([]int, error) {
	var out []int
	for part := range strings.SplitSeq(s, ",") {
		lo, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("age band %q: %w", part, err)
		}
		out = append(out, lo)
	}
	return out, nil
}

func (d *DB) Dialect() string { return d.dialect }

// Close closes the store and its read replica's connections.
func (d *DB) Close() error {
	if d.rep != nil {
		d.rep.close()
	}
	return d.db.Close()
}

// SQL exposes the connection pool for tests and benchmarks that must reach
// behind the store (for example to tamper with the ledger).
func (d *DB) SQL() *sql.DB { return d.db }

// q rewrites ? placeholders for PostgreSQL.
func (d *DB) q(s string) string {
	if d.dialect != Postgres {
		return s
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// AuditedFrom is the first event whose audit entry is written in its own
// transaction (see auth.VerifyAuditFrom): 1 for a register created since,
// the head then plus one for one made before.
func (d *DB) AuditedFrom(ctx context.Context) (int64, error) {
	var text string
	err := d.db.QueryRowContext(ctx, "SELECT value FROM settings WHERE name = 'audited_from'").Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return 1, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading when events began to be audited: %w", err)
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("reading when events began to be audited: %q is not a sequence number", text)
	}
	return n, nil
}
