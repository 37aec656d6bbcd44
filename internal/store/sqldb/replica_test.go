package sqldb_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/store/storetest"
)

// syncBuffer is a log the replica's watcher writes to while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// openWithLog opens a store on dsn logging into a buffer.
func openWithLog(t *testing.T, dsn string) (*sqldb.DB, *syncBuffer) {
	t.Helper()
	var buf syncBuffer
	db, err := sqldb.Open(context.Background(), dsn, slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, &buf
}

// addFacility appends one facility event under ctx and returns the head
// after it.
func addFacility(t *testing.T, ctx context.Context, db *sqldb.DB, head store.Head, id string) store.Head {
	t.Helper()
	b := storetest.NewBuilder(head, nil)
	b.Facility(domain.MustDate("2025-01-01"), id, "Prison "+id, domain.Prison, 100, "test")
	batch, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Append(ctx, batch); err != nil {
		t.Fatalf("appending %s: %v", id, err)
	}
	return b.Head()
}

func facilityIDs(t *testing.T, ctx context.Context, db *sqldb.DB) []string {
	t.Helper()
	fs, err := db.Facilities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	return ids
}

// waitFor polls cond for up to 30 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("waited 30s for %s", what)
}

// pauseReplay stops the replica replaying the primary's WAL until resumed
// (or the test ends): what it serves stays as it is, as under a lag.
func pauseReplay(t *testing.T, replicaDSN string) (resume func()) {
	t.Helper()
	rdb, err := sql.Open("pgx", replicaDSN)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := rdb.ExecContext(ctx, "SELECT pg_wal_replay_pause()"); err != nil {
		rdb.Close()
		t.Fatalf("pausing the replica: %v", err)
	}
	var once sync.Once
	resume = func() {
		once.Do(func() {
			if _, err := rdb.ExecContext(ctx, "SELECT pg_wal_replay_resume()"); err != nil {
				t.Errorf("resuming the replica: %v", err)
			}
			rdb.Close()
		})
	}
	t.Cleanup(resume)
	return resume
}

// TestReplicaReadYourWrites: with the replica's replay paused (a lag that
// lasts), a user's write is at once in that user's reads, which go to the
// primary, while the public's and another user's reads, served by the
// replica, do not show it until the replica replays it.
func TestReplicaReadYourWrites(t *testing.T) {
	primary := dbtest.PostgresDSN(t)
	replicaDSN := dbtest.ReplicaDSN(t, primary)
	db, _ := openWithLog(t, primary)
	ctx := context.Background()
	if err := db.AttachReplica(ctx, replicaDSN, sqldb.ReplicaOptions{MaxLag: time.Hour, Interval: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	public := store.ReplicaReads(ctx)
	alice := store.WithReader(public, "alice")
	bob := store.WithReader(public, "bob")
	// The replica serves nothing before it has replayed the schema.
	waitFor(t, "the replica to replay the new schema", func() bool { return db.ReadsReplica(public) })

	head := addFacility(t, alice, db, store.Head{Hash: domain.GenesisHash}, "P1")
	waitFor(t, "the replica to replay the first write", func() bool {
		h, err := db.Head(public)
		return err == nil && h == head
	})

	resume := pauseReplay(t, replicaDSN)
	head2 := addFacility(t, alice, db, head, "P2")

	// Alice reads her write at once, from the primary.
	if db.ReadsReplica(alice) {
		t.Errorf("alice's reads go to the replica, which has not replayed her write")
	}
	if h, err := db.Head(alice); err != nil || h != head2 {
		t.Errorf("alice reads head %+v (%v), want her write's %+v", h, err, head2)
	}
	if got := facilityIDs(t, alice, db); strings.Join(got, ",") != "P1,P2" {
		t.Errorf("alice reads facilities %v, want P1,P2", got)
	}
	// The public and bob read the replica, which does not have it yet.
	for name, c := range map[string]context.Context{"the public": public, "bob": bob} {
		if !db.ReadsReplica(c) {
			t.Errorf("%s's reads do not go to the replica", name)
		}
		if h, err := db.Head(c); err != nil || h != head {
			t.Errorf("%s reads head %+v (%v) from the paused replica, want the earlier %+v", name, h, err, head)
		}
		if got := facilityIDs(t, c, db); strings.Join(got, ",") != "P1" {
			t.Errorf("%s reads facilities %v from the paused replica, want P1", name, got)
		}
	}
	// A context not marked for the replica reads the primary, whoever reads.
	if h, err := db.Head(ctx); err != nil || h != head2 {
		t.Errorf("an unmarked read gives head %+v (%v), want the primary's %+v", h, err, head2)
	}
	waitFor(t, "the lag to be measured", func() bool {
		st, _ := db.Replica()
		return st.LagBytes > 0 && st.Lag > 0 && st.Waiting == 1
	})

	// Replayed, everyone reads the write, alice from the replica again.
	resume()
	waitFor(t, "the public to read the write from the replica", func() bool {
		h, err := db.Head(public)
		return err == nil && h == head2
	})
	waitFor(t, "alice's reads to go back to the replica", func() bool { return db.ReadsReplica(alice) })
	if got := facilityIDs(t, bob, db); strings.Join(got, ",") != "P1,P2" {
		t.Errorf("bob reads facilities %v after the replay, want P1,P2", got)
	}
	st, ok := db.Replica()
	if !ok || !st.Up || !st.Standby || st.ReplicaReads == 0 || st.PrimaryReads == 0 {
		t.Errorf("replica status %+v: want up, a standby, reads served by both", st)
	}
}

// TestReplicaReadOnly: the replica's connections cannot write, by
// construction: attached to the primary itself (a mistake in the
// configuration), a write through them fails as a read-only transaction,
// and the store's writes under a context marked for the replica still go
// to the primary.
func TestReplicaReadOnly(t *testing.T) {
	primary := dbtest.PostgresDSN(t)
	db, _ := openWithLog(t, primary)
	ctx := context.Background()
	if err := db.AttachReplica(ctx, primary, sqldb.ReplicaOptions{Interval: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	pool := db.ReplicaSQL()
	var ro string
	if err := pool.QueryRowContext(ctx, "SHOW default_transaction_read_only").Scan(&ro); err != nil || ro != "on" {
		t.Fatalf("default_transaction_read_only = %q (%v), want on", ro, err)
	}
	for _, q := range []string{
		"INSERT INTO settings (name, value) VALUES ('replica_test', 'x')",
		"DELETE FROM settings",
		"CREATE TABLE replica_test (x int)",
	} {
		_, err := pool.ExecContext(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "read-only transaction") {
			t.Errorf("%s through the replica's pool: %v, want a read-only transaction error", q, err)
		}
	}
	// Nor inside an explicit transaction that asks to write.
	tx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE settings SET value = value"); err == nil || !strings.Contains(err.Error(), "read-only transaction") {
		t.Errorf("an UPDATE in a transaction of the replica's pool: %v, want a read-only transaction error", err)
	}
	tx.Rollback()

	public := store.ReplicaReads(ctx)
	head := addFacility(t, store.WithReader(public, "alice"), db, store.Head{Hash: domain.GenesisHash}, "P1")
	if h, err := db.Head(ctx); err != nil || h != head {
		t.Fatalf("head %+v (%v) after a write under a replica context, want %+v", h, err, head)
	}
	waitFor(t, "public reads to go to the read-only pool", func() bool { return db.ReadsReplica(public) })
	if got := facilityIDs(t, public, db); strings.Join(got, ",") != "P1" {
		t.Errorf("facilities %v through the read-only pool, want P1", got)
	}

	// The real replica refuses writes too (it is a standby).
	if os.Getenv("HABEAS_TEST_PG_REPLICA") != "" {
		rdb, err := sql.Open("pgx", dbtest.ReplicaDSN(t, primary))
		if err != nil {
			t.Fatal(err)
		}
		defer rdb.Close()
		if _, err := rdb.ExecContext(ctx, "CREATE TABLE replica_test (x int)"); err == nil || !strings.Contains(err.Error(), "read-only transaction") {
			t.Errorf("a write on the standby: %v, want a read-only transaction error", err)
		}
	}
}

// TestReplicaDown: a replica that does not answer is no error at start;
// the reads marked for it go to the primary, and the log says so.
func TestReplicaDown(t *testing.T) {
	primary := dbtest.PostgresDSN(t)
	db, log := openWithLog(t, primary)
	ctx := context.Background()
	// Nothing listens on port 1.
	if err := db.AttachReplica(ctx, "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2",
		sqldb.ReplicaOptions{Interval: 50 * time.Millisecond}); err != nil {
		t.Fatalf("attaching a replica that is down: %v", err)
	}
	public := store.ReplicaReads(ctx)
	head := addFacility(t, public, db, store.Head{Hash: domain.GenesisHash}, "P1")
	if db.ReadsReplica(public) {
		t.Errorf("reads go to a replica that does not answer")
	}
	if h, err := db.Head(public); err != nil || h != head {
		t.Errorf("head %+v (%v) with the replica down, want the primary's %+v", h, err, head)
	}
	if got := facilityIDs(t, public, db); strings.Join(got, ",") != "P1" {
		t.Errorf("facilities %v with the replica down, want P1", got)
	}
	st, _ := db.Replica()
	if st.Up || st.Problem == "" {
		t.Errorf("status %+v: want down with its problem", st)
	}
	if !strings.Contains(log.String(), "the read replica does not answer: reading from the primary") {
		t.Errorf("the log does not say the replica is down:\n%s", log)
	}
}

// TestReplicaNeedsPostgres: a SQLite register has no replica.
func TestReplicaNeedsPostgres(t *testing.T) {
	db := dbtest.Open(t, dbtest.SQLiteDSN(t))
	err := db.AttachReplica(context.Background(), "postgres://postgres@127.0.0.1:5433/test", sqldb.ReplicaOptions{})
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.ErrInvalid || !strings.Contains(err.Error(), "needs a PostgreSQL register") {
		t.Fatalf("attaching a replica to SQLite: %v, want it invalid", err)
	}
}
