package report_test

import (
	"context"
	"testing"

	"github.com/habeas-kh/habeas/internal/disclosure"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/report"
	"github.com/habeas-kh/habeas/internal/stats"
)

// A facility's history hides, for each month-end, every count the report
// of that month-end hides in its facility table (and may hide more, never
// less): otherwise the two publications together would give away a count
// the report hid. Shown counts equal the register's figures of that date,
// computed on their own, and none is a small count.
func TestFacilityHistoryHidesWhatMonthlyReportsHide(t *testing.T) {
	st := open(t)
	ctx := context.Background()
	r := build(t, st, report.Options{AsOf: asOf})
	if len(r.FacilityHistory) != len(r.Facilities) {
		t.Fatalf("%d histories for %d facilities", len(r.FacilityHistory), len(r.Facilities))
	}
	hidden, shown := 0, 0
	for _, date := range []string{"2016-01-31", "2019-12-31", "2020-09-30", "2020-10-31"} {
		d := domain.MustDate(date)
		monthly := build(t, st, report.Options{AsOf: d})
		direct, err := stats.Compute(ctx, st, d, stats.Options{})
		if err != nil {
			t.Fatal(err)
		}
		pop := map[string]int{}
		for _, f := range direct.Facilities {
			pop[f.ID] = f.Population
		}
		for _, row := range monthly.Facilities {
			h, _, ok := r.History(row.ID)
			if !ok {
				t.Fatalf("no history for %s", row.ID)
			}
			var p *report.FacilityPoint
			for i := range h.Points {
				if h.Points[i].Date == date {
					p = &h.Points[i]
				}
			}
			if p == nil {
				t.Fatalf("%s: no point for %s", row.ID, date)
			}
			want := row.Counts["population"]
			if p.Population.Value != nil && want.Value == nil {
				t.Errorf("%s on %s: the history shows %d people, the report of that date hid them", row.ID, date, *p.Population.Value)
				continue
			}
			if date == asOf.String() && p.Population.Value == nil && want.Value != nil {
				t.Errorf("%s on the report's own date: the history hides what the facility table shows", row.ID)
			}
			if p.Population.Value == nil {
				hidden++
				if p.OccupancyPct != nil {
					t.Errorf("%s on %s: an occupancy for a hidden population", row.ID, date)
				}
				continue
			}
			shown++
			v := *p.Population.Value
			if v != pop[row.ID] || v != *want.Value {
				t.Errorf("%s on %s: %d people in the history, %d in the register, %d in the report", row.ID, date, v, pop[row.ID], *want.Value)
			}
			if v >= 1 && v <= disclosure.DefaultThreshold {
				t.Errorf("%s on %s: a small count %d shown", row.ID, date, v)
			}
			if p.Capacity != row.Capacity {
				t.Errorf("%s on %s: capacity %d, the report %d", row.ID, date, p.Capacity, row.Capacity)
			}
		}
	}
	if hidden == 0 || shown == 0 {
		t.Errorf("%d hidden and %d shown points: the check proves little", hidden, shown)
	}
}

// Floor space per person is the cells' area over the people held, when
// every cell's area is known; the last update is the month of the last
// movement; a facility with none for longer than the window is stale.
func TestFacilityHistoryFloorSpaceAndFreshness(t *testing.T) {
	st := open(t)
	ctx := context.Background()
	r := build(t, st, report.Options{AsOf: asOf})
	cells, err := st.Cells(ctx)
	if err != nil {
		t.Fatal(err)
	}
	area, n, known := map[string]float64{}, map[string]int{}, map[string]int{}
	for _, c := range cells {
		n[c.Facility]++
		if c.AreaM2 > 0 {
			known[c.Facility]++
			area[c.Facility] += c.AreaM2
		}
	}
	withSpace := 0
	for _, row := range r.Facilities {
		h, _, _ := r.History(row.ID)
		p := row.Counts["population"]
		switch {
		case n[row.ID] > 0 && known[row.ID] == n[row.ID] && p.Value != nil && *p.Value > 0:
			withSpace++
			want := area[row.ID] / float64(*p.Value)
			if h.SpacePerPersonM2 == nil || *h.SpacePerPersonM2 < want-0.05 || *h.SpacePerPersonM2 > want+0.05 {
				t.Errorf("%s: space per person %v, want %.2f", row.ID, h.SpacePerPersonM2, want)
			}
		case h.SpacePerPersonM2 != nil:
			t.Errorf("%s: space per person %v without every cell's area or a published population", row.ID, *h.SpacePerPersonM2)
		}
		if h.Cells != n[row.ID] || h.CellsWithArea != known[row.ID] {
			t.Errorf("%s: %d cells, %d with area; the register has %d and %d", row.ID, h.Cells, h.CellsWithArea, n[row.ID], known[row.ID])
		}
		if h.LastUpdate == "" {
			if !h.Stale {
				t.Errorf("%s: never updated and not stale", row.ID)
			}
			continue
		}
		d := domain.MustDate(h.LastUpdate)
		if d > asOf {
			t.Errorf("%s: last update %s after the report's date", row.ID, d)
		}
		if h.Stale != (asOf.DaysSince(d) > h.WindowDays) {
			t.Errorf("%s: last update %s, stale %v with a window of %d days", row.ID, d, h.Stale, h.WindowDays)
		}
	}
	t.Logf("%d facilities with a floor space per person", withSpace)
}
