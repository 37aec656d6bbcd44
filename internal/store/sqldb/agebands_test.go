package sqldb_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/store/storetest"
)

// bandCounts counts the people held on a date by age band.
func bandCounts(t *testing.T, s store.Store, on domain.Date) map[int]int {
	t.Helper()
	rows, err := s.Population(t.Context(), on)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]int{}
	for _, r := range rows {
		out[r.AgeBand] += r.Count
	}
	return out
}

// TestAgeBandsRecorded: a register records the age bands it is created with
// and groups by them; opened again without the option it keeps them, and a
// rebuild of its projections too; asked for other bands it refuses, with a
// conflict that says a new register is needed.
func TestAgeBandsRecorded(t *testing.T) {
	bands := []int{0, 18, 60}
	dobs := []string{"2008-03-10", "2006-03-10", "1964-03-10", "1990-07-01", ""}
	dates := []domain.Date{domain.MustDate("2024-03-09"), domain.MustDate("2024-03-10"), domain.MustDate("2024-06-30")}
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			ctx := t.Context()
			dsn := be.DSN(t)
			db, err := sqldb.Open(ctx, dsn, nil, sqldb.AgeBands(bands...))
			if err != nil {
				t.Fatal(err)
			}
			if got := db.AgeBands(); !slices.Equal(got, bands) {
				t.Fatalf("AgeBands = %v, want %v", got, bands)
			}
			l := storetest.NewLedger()
			b := l.Begin(t, db)
			b.Facility(domain.MustDate("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 500, "GDP")
			want := make([]map[int]int, len(dates))
			for i := range want {
				want[i] = map[int]int{}
			}
			for i, dob := range dobs {
				if i == 3 {
					// The first into an empty register, the others into
					// one with persons: the aggregates are computed at
					// commit, then summed person by person.
					b.Append(t, db)
					b = l.Begin(t, db)
				}
				id := fmt.Sprintf("P%d", i)
				born := domain.NoDate
				if dob != "" {
					born = domain.MustDate(dob)
				}
				b.Register(domain.MustDate("2024-01-01"), id, storetest.Man(id, born))
				b.Admit(domain.MustDate("2024-01-02"), id, "CC1", storetest.Held(domain.StatusPretrial, "A"))
				for j, on := range dates {
					want[j][domain.AgeBandOf(bands, born.AgeOn(on))]++
				}
			}
			b.Append(t, db)
			// The people turning 18 and 60 on 10 March change band that day.
			if want[0][0] == want[1][0] || want[0][60] == want[1][60] {
				t.Fatalf("suite: no one changes band on %s: %v, %v", dates[1], want[0], want[1])
			}
			check := func(s *sqldb.DB, what string) {
				t.Helper()
				for i, on := range dates {
					if got := bandCounts(t, s, on); !mapsEqual(got, want[i]) {
						t.Errorf("%s: population on %s by band = %v, want %v", what, on, got, want[i])
					}
				}
				if probs, err := s.AggregateProblems(ctx, 5); err != nil || len(probs) > 0 {
					t.Errorf("%s: AggregateProblems = %v, %v", what, probs, err)
				}
			}
			check(db, "created with the bands")
			db.Close()

			// Without the option, the recorded bands.
			db, err = sqldb.Open(ctx, dsn, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := db.AgeBands(); !slices.Equal(got, bands) {
				t.Errorf("AgeBands after reopening = %v, want the recorded %v", got, bands)
			}
			check(db, "reopened")
			err = db.ReplaceProjections(ctx, func(yield func(*domain.PersonFile) error) error {
				for _, f := range l.Files() {
					if err := yield(f); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			check(db, "projections rebuilt")
			db.Close()

			// Other bands: refused. The same ones, asked for: accepted.
			_, err = sqldb.Open(ctx, dsn, nil, sqldb.AgeBands(domain.AgeBands()...))
			if !errors.Is(err, domain.ErrConflict) || !strings.Contains(err.Error(), "new register") {
				t.Errorf("opening with other age bands: %v, want a conflict that says a new register is needed", err)
			}
			db, err = sqldb.Open(ctx, dsn, nil, sqldb.AgeBands(bands...))
			if err != nil {
				t.Fatalf("opening with the recorded bands: %v", err)
			}
			db.Close()
		})
	}
}

// mapsEqual compares counts, a missing key counting zero.
func mapsEqual(a, b map[int]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// TestAgeBandsDefault: a new register without the option is grouped by
// domain.AgeBands, and one made before the bands were recorded is taken to
// have been grouped by them (migration 00005).
func TestAgeBandsDefault(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			ctx := t.Context()
			dsn := be.DSN(t)
			db := dbtest.Open(t, dsn)
			if got := db.AgeBands(); !slices.Equal(got, domain.AgeBands()) {
				t.Errorf("AgeBands of a new register = %v, want %v", got, domain.AgeBands())
			}
			b := people(t, storetest.NewLedger(), store.Head{Hash: domain.GenesisHash}, 0, 3, true)
			b.Append(t, db)
			// Back to the schema before the bands were recorded (and the later
			// migrations).
			for _, q := range withSplitUndone("DROP TABLE idempotency", "DELETE FROM goose_db_version WHERE version_id = 7", "DROP TABLE signin_failures", "DELETE FROM goose_db_version WHERE version_id = 6", "DROP TABLE settings", "DELETE FROM goose_db_version WHERE version_id = 5") {
				if _, err := db.SQL().ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			db.Close()
			_, err := sqldb.Open(ctx, dsn, nil, sqldb.AgeBands(0, 18, 60))
			if !errors.Is(err, domain.ErrConflict) {
				t.Errorf("opening an older register with other age bands: %v, want a conflict", err)
			}
			db = dbtest.Open(t, dsn)
			if got := db.AgeBands(); !slices.Equal(got, domain.AgeBands()) {
				t.Errorf("AgeBands of an older register = %v, want %v", got, domain.AgeBands())
			}
		})
	}
}

// TestAgeBandsInvalid: bands that cannot group ages are refused.
func TestAgeBandsInvalid(t *testing.T) {
	for _, bad := range [][]int{{}, {14, 18}, {0, 18, 18}, {0, 60, 18}, {0, 18, 200}} {
		db, err := sqldb.Open(t.Context(), dbtest.SQLiteDSN(t), nil, sqldb.AgeBands(bad...))
		if err == nil {
			db.Close()
		}
		if !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("opening with the age bands %v: %v, want invalid input", bad, err)
		}
	}
}
