package ledger_test

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
)

// rawDB opens the database behind habeas's back, as an intruder with access
// to the file or the server would, and lifts the append-only triggers.
// pgRebind numbers ? placeholders for PostgreSQL.
func pgRebind(q string) string {
	n := 0
	var b strings.Builder
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func rawDB(t *testing.T, dsn string) (*sql.DB, func(q string, args ...any)) {
	t.Helper()
	driver, name := "sqlite3", dsn
	if sqldb.IsPostgres(dsn) {
		driver = "pgx"
	}
	db, err := sql.Open(driver, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	exec := func(q string, args ...any) {
		t.Helper()
		if driver == "pgx" {
			q = pgRebind(q)
		}
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if driver == "pgx" {
		exec("ALTER TABLE events DISABLE TRIGGER USER")
	} else {
		exec("DROP TRIGGER events_no_update")
		exec("DROP TRIGGER events_no_delete")
	}
	return db, exec
}

func TestLedgerIsAppendOnly(t *testing.T) {
	forBoth(t, func(t *testing.T, dsn func(testing.TB) string) {
		db, svc := newService(t, dsn(t))
		importFixture(t, svc)
		for _, q := range []string{"UPDATE events SET date = 20200101 WHERE seq = 5", "DELETE FROM events WHERE seq = 5"} {
			_, err := db.SQL().Exec(q)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: want the append-only refusal, got %v", q, err)
			}
		}
	})
}

func TestVerifyFindsTampering(t *testing.T) {
	cases := []struct {
		name    string
		tamper  func(t *testing.T, db *sql.DB, exec func(string, ...any))
		seq     int64
		person  string
		message string
	}{
		{"changed", func(t *testing.T, db *sql.DB, exec func(string, ...any)) {
			exec("UPDATE events SET body = replace(body, '2020-02-01', '2020-01-01') WHERE seq = 8")
		}, 8, "", "content does not match its hash"},
		{"changed column only", func(t *testing.T, db *sql.DB, exec func(string, ...any)) {
			exec("UPDATE events SET date = 20190101 WHERE seq = 8")
		}, 8, "", "indexed columns differ"},
		{"deleted", func(t *testing.T, db *sql.DB, exec func(string, ...any)) {
			exec("DELETE FROM events WHERE seq = 8")
		}, 8, "", "missing"},
		{"deleted last", func(t *testing.T, db *sql.DB, exec func(string, ...any)) {
			exec("DELETE FROM events WHERE seq = 15")
		}, 0, "P3", "differs from the rebuild"},
		{"inserted with a correct hash", func(t *testing.T, db *sql.DB, exec func(string, ...any)) {
			// Make room at 8 and insert an event whose own hash is right: the
			// break shows at the event that follows it.
			exec("UPDATE events SET seq = seq + 1000 WHERE seq >= 8")
			exec("UPDATE events SET seq = seq - 999 WHERE seq >= 1000")
			var prev string
			if err := db.QueryRow("SELECT hash FROM events WHERE seq = 7").Scan(&prev); err != nil {
				t.Fatal(err)
			}
			ev := &domain.Event{Seq: 8, Kind: domain.KHealth, Date: domain.MustDate("2020-01-11"), Person: "P1",
				RecordedAt: "2020-01-11T00:00:00Z", RecordedBy: "intruder", Data: &domain.HealthData{Fact: domain.FactCovid}}
			body, _ := domain.Body(ev)
			exec("INSERT INTO events (seq, kind, date, person, facility, body, prev, hash) VALUES (8, 'health', 20200111, 'P1', '', ?, ?, ?)",
				string(body), prev, domain.ChainHash(prev, body))
		}, 9, "", "inserted"},
		{"reordered", func(t *testing.T, db *sql.DB, exec func(string, ...any)) {
			exec("UPDATE events SET seq = 100 WHERE seq = 8")
			exec("UPDATE events SET seq = 8 WHERE seq = 9")
			exec("UPDATE events SET seq = 9 WHERE seq = 100")
		}, 8, "", "previous-hash does not match"},
		{"projection changed", func(t *testing.T, db *sql.DB, exec func(string, ...any)) {
			exec("UPDATE stays SET to_date = 20201231 WHERE person = 'P2' AND to_date = 20200801")
		}, 0, "P2", "differs from the rebuild"},
		{"projection deleted", func(t *testing.T, db *sql.DB, exec func(string, ...any)) {
			exec("DELETE FROM flags WHERE person = 'P2'")
		}, 0, "P2", "differs from the rebuild"},
		{"projection of no one, first", func(t *testing.T, db *sql.DB, exec func(string, ...any)) {
			exec("INSERT INTO flags (person, kind, from_date, to_date, child_dob, detail) VALUES ('A0', 'chronic', 20200101, 99991231, 0, '')")
		}, 0, "A0", "no events in the ledger"},
		{"projection of no one, between", func(t *testing.T, db *sql.DB, exec func(string, ...any)) {
			exec("INSERT INTO episodes (person, n, admitted, facility_in, ended, end_kind, mechanism, facility_out, status_at_end, drug) VALUES ('P1x', 1, 20200101, 'CC1', 0, '', '', '', '', 0)")
		}, 0, "P1x", "no events in the ledger"},
		{"aggregate changed", func(t *testing.T, db *sql.DB, exec func(string, ...any)) {
			// One day's change of the population, in the middle of the year.
			exec("UPDATE agg_pop SET n = n + 1 WHERE bucket = (SELECT MIN(bucket) FROM agg_pop WHERE bucket > 20200300)")
		}, 0, "", "aggregate agg_pop"},
		{"aggregate deleted", func(t *testing.T, db *sql.DB, exec func(string, ...any)) {
			exec("DELETE FROM agg_flags WHERE bucket = (SELECT MIN(bucket) FROM agg_flags WHERE bucket > 10000000)")
		}, 0, "", "aggregate agg_flags"},
		{"aggregate added", func(t *testing.T, db *sql.DB, exec func(string, ...any)) {
			exec("INSERT INTO agg_cells (bucket, fno, cell, n) VALUES (2020, 1, 'ghost', 5)")
		}, 0, "", "aggregate agg_cells"},
		{"projections of no one come after the others", func(t *testing.T, db *sql.DB, exec func(string, ...any)) {
			exec("INSERT INTO flags (person, kind, from_date, to_date, child_dob, detail) VALUES ('A0', 'chronic', 20200101, 99991231, 0, '')")
			exec("DELETE FROM persons WHERE id = 'P3'")
		}, 0, "P3", "differs from the rebuild"},
		// The estate's rows are rebuilt by the same fold as the writer's.
		{"facility changed", func(t *testing.T, db *sql.DB, exec func(string, ...any)) {
			exec("UPDATE facilities SET capacity = 120 WHERE id = 'CC1'")
		}, 0, "", "facility CC1 differs from the ledger"},
		{"capacity deleted", func(t *testing.T, db *sql.DB, exec func(string, ...any)) {
			exec("DELETE FROM capacities WHERE facility = 'PP-KDL'")
		}, 0, "", "stored capacity records: 1, rebuilt: 2"},
		{"capacity changed", func(t *testing.T, db *sql.DB, exec func(string, ...any)) {
			exec("UPDATE capacities SET capacity = 60 WHERE facility = 'PP-KDL'")
		}, 0, "", "capacity of PP-KDL from 2019-01-01 differs"},
		{"cell changed", func(t *testing.T, db *sql.DB, exec func(string, ...any)) {
			exec("UPDATE cells SET capacity = 30 WHERE facility = 'CC1' AND label = 'A1'")
		}, 0, "", "cell CC1/A1 differs from the ledger"},
		{"census row of no event", func(t *testing.T, db *sql.DB, exec func(string, ...any)) {
			exec("INSERT INTO census (seq, facility, date, category, count, source) VALUES (3, 'CC1', 20200131, 'total', 5, 'visit')")
		}, 0, "", "stored census records: 1, rebuilt: 0"},
		{"estate event the writer refuses, appended", func(t *testing.T, db *sql.DB, exec func(string, ...any)) {
			// A void of a facility record, chained properly after the last
			// event: the chain holds, but habeas never writes such an event.
			var prev string
			if err := db.QueryRow("SELECT hash FROM events WHERE seq = 15").Scan(&prev); err != nil {
				t.Fatal(err)
			}
			ev := &domain.Event{Seq: 16, Kind: domain.KCorrection, Date: domain.MustDate("2020-09-01"), Facility: "CC1",
				RecordedAt: "2020-09-01T00:00:00Z", RecordedBy: "intruder",
				Data: &domain.CorrectionData{Target: 1, TargetKind: domain.KFacility, Reason: "closed", Void: true}}
			body, _ := domain.Body(ev)
			exec("INSERT INTO events (seq, kind, date, person, facility, body, prev, hash) VALUES (16, 'correction', 20200901, '', 'CC1', ?, ?, ?)",
				string(body), prev, domain.ChainHash(prev, body))
		}, 16, "", "does not fold into the estate: data.void: a facility record cannot be voided"},
	}
	forBoth(t, func(t *testing.T, dsn func(testing.TB) string) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				d := dsn(t)
				_, svc := newService(t, d)
				importFixture(t, svc)
				rep, err := svc.Verify(context.Background(), "")
				if err != nil || !rep.OK() {
					t.Fatalf("untouched register fails verify: %v %+v", err, rep)
				}
				db, exec := rawDB(t, d)
				c.tamper(t, db, exec)
				rep, err = svc.Verify(context.Background(), "")
				if err != nil {
					t.Fatal(err)
				}
				if rep.OK() || len(rep.Problems) == 0 {
					t.Fatalf("tampering went unnoticed: %+v", rep)
				}
				first := rep.Problems[0]
				if first.Seq != c.seq || first.Person != c.person || !strings.Contains(first.What, c.message) {
					t.Errorf("first problem %+v; want seq %d person %q saying %q (all: %v)", first, c.seq, c.person, c.message, rep.Problems)
				}
			})
		}
	})
}

// TestRebuildRepairsProjections changes a projection behind habeas's back,
// then rebuilds: verify passes again and the figures are the ledger's.
func TestRebuildRepairsProjections(t *testing.T) {
	forBoth(t, func(t *testing.T, dsn func(testing.TB) string) {
		ctx := context.Background()
		d := dsn(t)
		db, svc := newService(t, d)
		importFixture(t, svc)
		want := storedDigests(t, db)
		_, exec := rawDB(t, d)
		exec("DELETE FROM stays WHERE person = 'P1'")
		exec("UPDATE persons SET in_custody = 0 WHERE id = 'P2'")
		exec("UPDATE agg_pop SET n = n + 7")
		if rep, _ := svc.Verify(ctx, ""); rep.OK() {
			t.Fatal("tampered projections pass verify")
		}
		n, err := svc.Rebuild(ctx)
		if err != nil || n != 3 {
			t.Fatalf("rebuild: %d files, %v", n, err)
		}
		rep, err := svc.Verify(ctx, "")
		if err != nil || !rep.OK() {
			t.Fatalf("verify after rebuild: %v %+v", err, rep)
		}
		got := storedDigests(t, db)
		for id, d := range want {
			if got[id] != d {
				t.Errorf("%s: rebuilt projection differs from the original", id)
			}
		}
	})
}

func storedDigests(t *testing.T, db *sqldb.DB) map[string]store.Digest {
	t.Helper()
	m := map[string]store.Digest{}
	err := db.ProjectionDigests(t.Context(), func(id string, d store.Digest) error {
		m[id] = d
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
