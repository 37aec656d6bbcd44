package sqldb

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/habeas-kh/habeas/internal/domain"
)

//go:embed migrations
var migrations embed.FS

// Upgrades: every Open brings the schema up to date, so a new binary
// migrates the database the first time it starts. Two processes starting
// at once (a server restarted while a command line import begins) must not
// both apply the same migration, so the migration runs under a lock the
// other waits for: on PostgreSQL a session advisory lock of the schema; on
// SQLite an exclusive lock on the database file (flock, which SQLite's own
// fcntl locks do not see), taken by every habeas that opens the file. An
// older binary must not write to a database a newer one migrated: it would
// write rows the new schema reads differently. It refuses to open it.

// migrationLock is the advisory lock key of migrations on PostgreSQL (the
// ledger's writers use 7281937, the audit chain 7281938); its second part
// is the schema, so registers in other schemas of one database do not wait
// for each other.
const migrationLock = 7281939

// pgSchemaLocker holds pg_advisory_lock for the schema while goose
// migrates, on the connection goose keeps for it.
type pgSchemaLocker struct{}

func (pgSchemaLocker) SessionLock(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1, hashtext(current_schema()))", migrationLock)
	if err != nil {
		return fmt.Errorf("waiting for the migration lock: %w", err)
	}
	return nil
}

func (pgSchemaLocker) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1, hashtext(current_schema()))", migrationLock)
	return err
}

var _ lock.SessionLocker = pgSchemaLocker{}

// ErrSchemaNewer is the error of opening a database that a newer habeas
// migrated.
var ErrSchemaNewer = &domain.Error{Code: domain.ErrConflict, Msg: "the database was upgraded by a newer habeas"}

func (d *DB) migrate(ctx context.Context, dsn string) error {
	sub, err := fs.Sub(migrations, "migrations/"+d.dialect)
	if err != nil {
		return fmt.Errorf("finding migrations: %w", err)
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if d.dialect == Postgres {
		dialect = goose.DialectPostgres
		opts = append(opts, goose.WithSessionLocker(pgSchemaLocker{}))
	} else {
		unlock, err := lockFile(ctx, dsn)
		if err != nil {
			return fmt.Errorf("waiting for the migration lock on %s: %w", dsn, err)
		}
		defer unlock()
	}
	p, err := goose.NewProvider(dialect, d.db, sub, opts...)
	if err != nil {
		return fmt.Errorf("preparing migrations: %w", err)
	}
	// Checked under no lock: a database's version only grows.
	have, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("reading the %s schema version: %w", d.dialect, err)
	}
	if known := LatestMigration(d.dialect); have > known {
		return fmt.Errorf("%w: its schema is at version %d, and this habeas knows versions up to %d; "+
			"run the habeas that upgraded it (or restore a backup made before the upgrade)", ErrSchemaNewer, have, known)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrating the %s schema: %w", d.dialect, err)
	}
	for _, r := range res {
		d.log.Info("migrated", "version", r.Source.Version, "file", r.Source.Path)
	}
	return nil
}

// LatestMigration is the version of the last migration this binary holds
// for dialect.
func LatestMigration(dialect string) int64 {
	entries, err := fs.ReadDir(migrations, "migrations/"+dialect)
	if err != nil {
		return 0
	}
	var latest int64
	for _, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		if v, err := strconv.ParseInt(num, 10, 64); err == nil && v > latest {
			latest = v
		}
	}
	return latest
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.db.PingContext(ctx) }

// Stats are the connection pool's statistics (for the metrics).
func (d *DB) Stats() sql.DBStats { return d.db.Stats() }
