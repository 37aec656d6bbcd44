package sqldb_test

import (
	"context"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// undoScreeningSplit takes a register back to before migration 00008: the
// screenings table as 00002 made it (the tests that do this save no
// screening before).
var undoScreeningSplit = []string{
	// The later migrations first, newest first: 00020 (the current
	// screening), 00017 (the record keys' parts: record_keys is dropped
	// with 00013 below), 00015 (the published reports), 00014 (the
	// follow-ups' index), 00013 (the organisations), 00011 (the visits'
	// index), 00010 (the plans' index), then 00009 (the tree's tables).
	"DROP TABLE screened",
	"DROP TABLE screened_state",
	"DELETE FROM goose_db_version WHERE version_id = 20",
	"DELETE FROM goose_db_version WHERE version_id = 17",
	"DROP TABLE publication_files",
	"DROP TABLE publications",
	"DELETE FROM goose_db_version WHERE version_id = 15",
	"DROP INDEX events_follow_ups",
	"DELETE FROM goose_db_version WHERE version_id = 14",
	"DROP TABLE bundle_events",
	"DROP TABLE record_keys",
	"DROP TABLE org_keys",
	"ALTER TABLE users DROP COLUMN org",
	"DROP TABLE organisations",
	"DELETE FROM goose_db_version WHERE version_id = 13",
	"DROP INDEX events_visits",
	"DELETE FROM goose_db_version WHERE version_id = 11",
	"DROP INDEX events_plans",
	"DELETE FROM goose_db_version WHERE version_id = 10",
	"DROP TABLE checkpoints",
	"DROP TABLE tree_tiles",
	"DELETE FROM goose_db_version WHERE version_id = 9",
	"DROP TABLE screenings",
	`CREATE TABLE screenings (as_of INTEGER NOT NULL, pack TEXT NOT NULL, head TEXT NOT NULL, computed_at TEXT NOT NULL,
		facility TEXT NOT NULL, kind TEXT NOT NULL, people INTEGER NOT NULL, PRIMARY KEY (as_of, pack, facility, kind))`,
	"DELETE FROM goose_db_version WHERE version_id = 8",
}

// withSplitUndone is the statements that take a register back to before
// migration 00008, then qs.
func withSplitUndone(qs ...string) []string {
	return append(append([]string(nil), undoScreeningSplit...), qs...)
}

// TestScreeningsOfAnOldRegister: a screening saved before migration 00008
// keeps its counts through it, under no rule and with no review, and the
// migrated table takes the split and the data to check.
func TestScreeningsOfAnOldRegister(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			dsn := be.DSN(t)
			db := dbtest.Open(t, dsn)
			for _, q := range withSplitUndone(
				"INSERT INTO screenings VALUES (20200331, 'kh-2020 2020.1', 'aa', '2026-01-01T10:00:00Z', 'CC1', 'unlawful', 7)",
				"INSERT INTO screenings VALUES (20200331, 'kh-2020 2020.1', 'aa', '2026-01-01T10:00:00Z', 'CC2', 'eligible', 9)") {
				if _, err := db.SQL().ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			db.Close()
			db, err := sqldb.Open(ctx, dsn, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			got, ok, err := db.Screening(ctx, domain.MustDate("2020-03-31"))
			if err != nil || !ok {
				t.Fatalf("the old screening after the migration: found=%v, %v", ok, err)
			}
			want := []store.ScreeningCount{{Facility: "CC1", Kind: "unlawful", People: 7}, {Facility: "CC2", Kind: "eligible", People: 9}}
			if len(got.Counts) != 2 || got.Counts[0] != want[0] || got.Counts[1] != want[1] || got.ReviewedBy != "" || got.ReviewedOn != domain.NoDate {
				t.Fatalf("the old screening after the migration: %+v", got)
			}
			again := got
			again.ComputedAt = "2026-01-02T10:00:00Z"
			again.Counts = append(again.Counts, store.ScreeningCount{Facility: "CC1", Kind: store.KindDataCheck, Rule: "DQ-01", People: 1},
				store.ScreeningCount{Facility: "CC1", Kind: store.KindDataCheck, Rule: "DQ-02", People: 1})
			if err := db.SaveScreening(ctx, again); err != nil {
				t.Fatalf("saving per check after the migration: %v", err)
			}
		})
	}
}
