// Package dbtest gives tests fresh databases of both kinds. PostgreSQL comes
// from HABEAS_TEST_PG (default postgres://postgres@127.0.0.1:5432/test); each
// test gets its own schema, dropped afterwards. When the server cannot be
// reached the PostgreSQL half is skipped with a message, unless
// HABEAS_REQUIRE_PG is set (as CI sets it), when it fails instead.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver

	"github.com/habeas-kh/habeas/internal/store/sqldb"
)

// Backend names a kind of database and makes fresh ones.
type Backend struct {
	Name string
	// DSN returns the address of a fresh, empty database.
	DSN func(t testing.TB) string
}

// Backends are both kinds of database.
var Backends = []Backend{{Name: sqldb.SQLite, DSN: SQLiteDSN}, {Name: sqldb.Postgres, DSN: PostgresDSN}}

// SQLiteDSN is a new database file in the test's temporary directory.
func SQLiteDSN(t testing.TB) string {
	return filepath.Join(t.TempDir(), "habeas.db")
}

func pgBase() string {
	if v := os.Getenv("HABEAS_TEST_PG"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// PostgresDSN creates a schema of its own and returns a DSN whose search
// path is that schema.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := pgBase()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", base)
	if err == nil {
		err = db.PingContext(ctx)
	}
	if err != nil {
		if db != nil {
			db.Close()
		}
		if os.Getenv("HABEAS_REQUIRE_PG") != "" {
			t.Fatalf("PostgreSQL at %s is required (HABEAS_REQUIRE_PG) but unreachable: %v", base, err)
		}
		t.Skipf("PostgreSQL at %s unreachable (%v): skipping the PostgreSQL half; set HABEAS_TEST_PG", base, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		t.Fatalf("creating schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		db.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("HABEAS_TEST_PG: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open opens a store on dsn and closes it when the test ends.
func Open(t testing.TB, dsn string) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatalf("opening %s: %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// ReplicaDSN is the address of the streaming replica of HABEAS_TEST_PG
// named by HABEAS_TEST_PG_REPLICA (as CI makes it: .ci/replica), reading
// the schema of primary, a DSN from PostgresDSN. Without the variable the
// test is skipped, unless HABEAS_REQUIRE_PG is set: then it fails. The
// replica is checked to answer and to be a standby.
func ReplicaDSN(t testing.TB, primary string) string {
	t.Helper()
	base := os.Getenv("HABEAS_TEST_PG_REPLICA")
	if base == "" {
		if os.Getenv("HABEAS_REQUIRE_PG") != "" {
			t.Fatalf("a PostgreSQL replica is required (HABEAS_REQUIRE_PG) but HABEAS_TEST_PG_REPLICA is not set (CI makes one with .ci/replica)")
		}
		t.Skipf("HABEAS_TEST_PG_REPLICA not set: skipping a test of reads from a replica (.ci/replica makes one)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("HABEAS_TEST_PG_REPLICA: %v", err)
	}
	defer db.Close()
	var standby bool
	if err := db.QueryRowContext(ctx, "SELECT pg_is_in_recovery()").Scan(&standby); err != nil {
		t.Fatalf("the replica at %s (HABEAS_TEST_PG_REPLICA) does not answer: %v", base, err)
	}
	if !standby {
		t.Fatalf("%s (HABEAS_TEST_PG_REPLICA) is not a standby: want a streaming replica of %s", base, pgBase())
	}
	p, err := url.Parse(primary)
	if err != nil {
		t.Fatalf("primary DSN: %v", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("HABEAS_TEST_PG_REPLICA: %v", err)
	}
	q := u.Query()
	if sp := p.Query().Get("search_path"); sp != "" {
		q.Set("search_path", sp)
	}
	u.RawQuery = q.Encode()
	return u.String()
}
