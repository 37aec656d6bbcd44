package stats_test

import (
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/stats"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/store/storetest"
)

// TestRegisterAgeBands: the figures are labelled by the bands the register
// was created with, and a register whose bands do not begin one at 18 and
// at 60 cannot give its minors and older prisoners, and says so.
func TestRegisterAgeBands(t *testing.T) {
	d := domain.MustDate
	open := func(bands ...int) *sqldb.DB {
		t.Helper()
		db, err := sqldb.Open(t.Context(), dbtest.SQLiteDSN(t), nil, sqldb.AgeBands(bands...))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		l := storetest.NewLedger()
		b := l.Begin(t, db)
		b.Facility(d("2020-01-01"), "CC1", "CC1", domain.Prison, 100, "GDP")
		for id, dob := range map[string]string{"A": "2007-01-01", "B": "1990-01-01", "C": "1960-01-01"} {
			b.Register(d("2024-01-01"), id, storetest.Man(id, d(dob)))
			b.Admit(d("2024-01-02"), id, "CC1", storetest.Held(domain.StatusPretrial, "A"))
		}
		b.Append(t, db)
		return db
	}
	s, err := stats.Compute(t.Context(), open(0, 18, 60), d("2024-06-01"), stats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []stats.Count{{"0-17", 1}, {"18-59", 1}, {"60+", 1}}
	if len(s.ByAgeBand) != len(want) || s.ByAgeBand[0] != want[0] || s.ByAgeBand[1] != want[1] || s.ByAgeBand[2] != want[2] {
		t.Errorf("by age band = %v, want %v", s.ByAgeBand, want)
	}
	if s.Minors != 1 || s.Aged60Plus != 1 {
		t.Errorf("minors %d, aged 60 or more %d; want 1, 1", s.Minors, s.Aged60Plus)
	}
	_, err = stats.Compute(t.Context(), open(0, 20, 65), d("2024-06-01"), stats.Options{})
	if err == nil || !strings.Contains(err.Error(), "cannot be counted") {
		t.Errorf("figures of a register without bands at 18 and 60: %v, want an error", err)
	}
}
