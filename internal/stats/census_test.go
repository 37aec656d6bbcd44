package stats_test

import (
	"context"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/stats"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestCensusFigures: the last count stands for its window and then goes
// stale; a blank is no record; implausible pairs are counted as people but
// kept out of the occupancy; the totals say how many facilities they hold.
func TestCensusFigures(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			db := dbtest.Open(t, be.DSN(t))
			svc := ledger.New(db, ledger.WithClock(func() time.Time { return time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC) }))
			d := domain.MustDate
			fac := func(id string, capacity int) *domain.Event {
				return &domain.Event{Kind: domain.KFacility, Date: d("2020-01-01"), Facility: id,
					Data: &domain.FacilityData{Name: id, Kind: domain.Prison, Province: "P", Capacity: capacity}}
			}
			count := func(id, day, cat string, n int) *domain.Event {
				return &domain.Event{Kind: domain.KCensus, Date: d(day), Facility: id,
					Data: &domain.CensusData{Category: cat, Count: n, Source: "bulletin"}}
			}
			_, err := svc.Record(ctx, ledger.Actor{Name: "t"},
				fac("A", 100), fac("B", 50), fac("C", 192), fac("D", 0), fac("E", 10),
				count("A", "2020-03-01", "total", 90), count("A", "2020-03-31", "total", 120), count("A", "2020-03-31", "women", 7),
				count("B", "2020-03-20", "total", 40), // 11 days before 2020-03-31
				count("C", "2020-03-31", "total", 3290),
				count("D", "2020-03-31", "total", 15),
				count("E", "2020-02-29", "total", 12), // 31 days before: stale
				count("A", "2020-04-30", "total", 130))
			if err != nil {
				t.Fatal(err)
			}
			c, err := stats.CensusOn(ctx, db, d("2020-03-31"), stats.CensusOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if c.WindowDays != 14 || c.Population != 120+40+3290+15 || c.Facilities != 4 {
				t.Errorf("population %d in %d facilities (window %d)", c.Population, c.Facilities, c.WindowDays)
			}
			if c.Capacity != 150 || c.OccupancyFacilities != 2 || c.OccupancyPct != 106.7 {
				t.Errorf("occupancy %d/%d over %d facilities = %.1f%%, want 160/150 over A and B", c.Population, c.Capacity, c.OccupancyFacilities, c.OccupancyPct)
			}
			ids := func(fs []stats.CensusFacility) (out []string) {
				for _, f := range fs {
					out = append(out, f.ID)
				}
				return out
			}
			if got := ids(c.OverCapacity); len(got) != 1 || got[0] != "A" {
				t.Errorf("over capacity %v", got)
			}
			if got := ids(c.Implausible); len(got) != 2 || got[0] != "C" || got[1] != "D" {
				t.Errorf("implausible %v", got)
			}
			if len(c.Stale) != 1 || c.Stale[0].ID != "E" || c.Stale[0].AgeDays != 31 || c.Stale[0].Date != "2020-02-29" {
				t.Errorf("stale %+v", c.Stale)
			}
			if len(c.Categories) != 2 || c.Categories[1].Category != "women" || c.Categories[1].Count != 7 || c.Categories[1].Facilities != 1 {
				t.Errorf("categories %+v", c.Categories)
			}
			// A longer window takes E back in; before any count there is
			// nothing to report.
			if c, _ := stats.CensusOn(ctx, db, d("2020-03-31"), stats.CensusOptions{WindowDays: 31}); c.Facilities != 5 || len(c.Stale) != 0 {
				t.Errorf("31-day window: %d facilities, %d stale", c.Facilities, len(c.Stale))
			}
			if c, err := stats.CensusOn(ctx, db, d("2020-02-01"), stats.CensusOptions{}); c != nil || err != nil {
				t.Errorf("before any count: %+v %v", c, err)
			}
			// Through Compute, as habeas stats reads it.
			s, err := stats.Compute(ctx, db, d("2020-04-30"), stats.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if s.Census == nil || s.Census.Population != 130 || len(s.Census.Stale) != 4 {
				t.Errorf("Compute's census on 2020-04-30: %+v", s.Census)
			}
		})
	}
}
