package sqldb_test

import (
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// migrationFiles reads a dialect's migration files on disk (independently
// of what LatestMigration finds embedded): how many there are, and the
// highest number (numbers may skip one never used).
func migrationFiles(t *testing.T, dialect string) (count, latest int64) {
	t.Helper()
	es, err := os.ReadDir(filepath.Join("migrations", dialect))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		n, err := strconv.ParseInt(strings.SplitN(e.Name(), "_", 2)[0], 10, 64)
		if err != nil {
			t.Fatalf("migration file %s has no number", e.Name())
		}
		count, latest = count+1, max(latest, n)
	}
	return count, latest
}

func versions(t *testing.T, db *sql.DB) (rows, max int64) {
	t.Helper()
	if err := db.QueryRow("SELECT COUNT(*), MAX(version_id) FROM goose_db_version").Scan(&rows, &max); err != nil {
		t.Fatal(err)
	}
	return rows, max
}

// TestMigrationsLockedAndNewerRefused: processes opening a new database at
// once apply each migration once; a database a newer habeas migrated is
// refused with a clear error, and left as it was.
func TestMigrationsLockedAndNewerRefused(t *testing.T) {
	ctx := context.Background()
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			dsn := be.DSN(t)
			count, want := migrationFiles(t, be.Name)
			if got := sqldb.LatestMigration(be.Name); got != want {
				t.Fatalf("LatestMigration %d, want %d", got, want)
			}
			var wg sync.WaitGroup
			errs := make([]error, 4)
			dbs := make([]*sqldb.DB, 4)
			for i := range dbs {
				wg.Go(func() { dbs[i], errs[i] = sqldb.Open(ctx, dsn, nil) })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("open %d of 4 at once: %v", i, err)
				}
				defer dbs[i].Close()
			}
			// One row for version 0, one per migration: none applied twice.
			rows, max := versions(t, dbs[0].SQL())
			if rows != count+1 || max != want {
				t.Fatalf("goose_db_version: %d rows up to %d, want %d up to %d", rows, max, count+1, want)
			}
			if v, err := dbs[0].SchemaVersion(ctx); err != nil || v != want {
				t.Errorf("SchemaVersion %d %v, want %d", v, err, want)
			}
			// A newer habeas's migration.
			if _, err := dbs[0].SQL().Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (" +
				strconv.FormatInt(want+1, 10) + ", TRUE)"); err != nil {
				t.Fatal(err)
			}
			_, err := sqldb.Open(ctx, dsn, nil)
			if !errors.Is(err, sqldb.ErrSchemaNewer) || !strings.Contains(err.Error(), "version "+strconv.FormatInt(want+1, 10)) ||
				!strings.Contains(err.Error(), "up to "+strconv.FormatInt(want, 10)) {
				t.Fatalf("opening a newer database: %v", err)
			}
			if rows2, max2 := versions(t, dbs[0].SQL()); rows2 != rows+1 || max2 != want+1 {
				t.Errorf("the refused open changed the versions: %d rows up to %d", rows2, max2)
			}
		})
	}
}

// TestUpgradeFromMain: a register made by main's code (testdata/README.md)
// opens with this code, is migrated to the schema this code knows, and its
// ledger verifies with the head it had.
func TestUpgradeFromMain(t *testing.T) {
	ctx := context.Background()
	const head = "c1559c4cbb70fc6c54feec887c0944d2601fd1ee54a2caae3ab99a458a0998a7"
	f, err := os.Open(filepath.Join("testdata", "main-440013f.db.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "habeas.db")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, zr); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sqldb.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("opening main's register: %v", err)
	}
	defer db.Close()
	_, latest := migrationFiles(t, sqldb.SQLite)
	if v, err := db.SchemaVersion(ctx); err != nil || v != latest {
		t.Errorf("schema %d (%v) after the upgrade, want %d", v, err, latest)
	}
	rep, err := ledger.New(db).Verify(ctx, head)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("main's register does not verify after the upgrade: %+v", rep)
	}
	h, err := db.Head(ctx)
	if err != nil || h.Hash != head || h.Seq != 626 {
		t.Errorf("head %d %s (%v), want 626 %s", h.Seq, h.Hash, err, head)
	}
}
