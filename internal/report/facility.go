package report

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/habeas-kh/habeas/internal/disclosure"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/stats"
	"github.com/habeas-kh/habeas/internal/store"
)

// A page per facility (issue 17 item 9): each facility's population,
// capacity and occupancy at every month-end since the baseline, the floor
// space per person where the register has the areas of its cells, and when
// its figures were last brought up to date. The report carries them so that
// the page, report.json and the facility row of every table are one
// computation.

// ICRCSpaceM2 is the minimum floor space per person in a shared cell the
// ICRC's guidance (Water, sanitation, hygiene and habitat in prisons, 2012)
// recommends: 3.4 m².
const ICRCSpaceM2 = 3.4

// FacilityPoint is one facility's figures at a month-end.
type FacilityPoint struct {
	Date       string `json:"date"`
	Population Cell   `json:"population"`
	Capacity   int    `json:"capacity"`
	// OccupancyPct is null when the population is suppressed or the
	// capacity unknown.
	OccupancyPct *float64 `json:"occupancy_pct"`
}

// FacilityHistory is what the page of one facility shows beside its row of
// the facility table.
type FacilityHistory struct {
	ID     string          `json:"id"`
	Points []FacilityPoint `json:"points"`
	// Cells is the number of the facility's registered cells and
	// CellsWithArea of those whose floor area is known; AreaM2 sums those
	// areas.
	Cells         int     `json:"cells"`
	CellsWithArea int     `json:"cells_with_area"`
	AreaM2        float64 `json:"cell_area_m2"`
	// SpacePerPersonM2 is the floor area of the cells per person held:
	// only when every cell's area is known and the population published.
	SpacePerPersonM2 *float64 `json:"space_per_person_m2"`
	// LastUpdate is the date the facility's figures were last brought up
	// to date: for the register, the last month-end (at most the report's
	// date) in whose month an admission, transfer or release was recorded
	// there; for a facility counted by census, the date of its last count.
	// Source says which. Empty when nothing was ever recorded.
	LastUpdate string `json:"last_update"`
	Source     string `json:"source"` // register or census
	// Stale: the last update is older than the census window before the
	// report's date (WindowDays): the facility's figures are not current.
	Stale      bool `json:"stale"`
	WindowDays int  `json:"window_days"`
}

// History returns the page data of a facility, false when the report has
// no such facility.
func (r *Report) History(id string) (*FacilityHistory, *FacilityRow, bool) {
	for i := range r.FacilityHistory {
		if r.FacilityHistory[i].ID == id {
			for j := range r.Facilities {
				if r.Facilities[j].ID == id {
					return &r.FacilityHistory[i], &r.Facilities[j], true
				}
			}
		}
	}
	return nil, nil, false
}

// facilityHistory computes every facility's history. Each month-end's
// populations are protected as the facility table of that month's report
// protects its population column: the same counts, the same exact national
// totals (all facilities, and the prison system), the same sums, the same
// threshold; then, where disclosure control hid anything, the whole group
// of facilities it is in, so that a count the report of that month hid is
// hidden here too and no two publications together give it away
// (TestFacilityHistoryHidesWhatMonthlyReportsHide). The point of the
// report's own date is the facility table's cell.
func (r *Report) facilityHistory(ctx context.Context, st store.Store, changes []store.PopChange, baseline, asOf domain.Date, threshold int) error {
	facs, err := st.Facilities(ctx)
	if err != nil {
		return err
	}
	caps, err := st.Capacities(ctx)
	if err != nil {
		return err
	}
	cells, err := st.Cells(ctx)
	if err != nil {
		return err
	}
	sort.SliceStable(caps, func(i, j int) bool { return caps[i].From < caps[j].From })
	var dates []domain.Date
	for m := domain.Date(int32(baseline)/100*100 + 1); ; m = m.AddMonths(1) {
		end := m.AddMonths(1).AddDays(-1)
		if end >= asOf {
			break // asOf's own point is the facility table's
		}
		dates = append(dates, end)
	}
	hist := make([]FacilityHistory, len(facs))
	index := map[string]int{}
	for i, f := range facs {
		index[f.ID] = i
		hist[i] = FacilityHistory{ID: f.ID, Points: []FacilityPoint{}, Source: "register", WindowDays: stats.DefaultCensusWindow}
	}
	lastMove := map[string]domain.Date{}
	pop := map[string]int{}
	capNow := map[string]int{}
	ci, i := 0, 0
	for _, d := range dates {
		for ; i < len(changes) && changes[i].Month <= d; i++ {
			pop[changes[i].Facility] += changes[i].In - changes[i].Out
		}
		for ; ci < len(caps) && caps[ci].From <= d; ci++ {
			capNow[caps[ci].Facility] = caps[ci].Capacity
		}
		res, err := protectPopulations(facs, pop, threshold)
		var be *disclosure.BlockedError
		if errors.As(err, &be) {
			// Exact national totals so small that no suppression protects
			// the counts (a small register's first months): the report of
			// that month shows them nationally only, and so does this.
			res = nil
		} else if err != nil {
			return fmt.Errorf("protecting the facilities' populations of %s: %w", d, err)
		}
		// The report of d may hide other counts than this protection
		// (disclosure control weighs all its tables together): a group of
		// facilities (the prison system, the others) with any count hidden
		// here is hidden whole, so that the history hides at least what
		// that report hid and the two together show nothing more.
		cs := make([]Cell, len(facs))
		hide := map[bool]bool{}
		for k, f := range facs {
			if res == nil {
				hide[false], hide[true] = true, true
				break
			}
			if cs[k], err = res.Cell(facKey(f.ID, "population")); err != nil {
				return err
			}
			if cs[k].Suppressed {
				hide[stats.InSystem(f.Kind)] = true
			}
		}
		for k, f := range facs {
			if hide[stats.InSystem(f.Kind)] {
				cs[k] = Cell{Suppressed: true}
			}
			hist[k].Points = append(hist[k].Points, point(d.String(), cs[k], capNow[f.ID]))
		}
	}
	for _, c := range changes {
		if c.Month <= monthEnd(asOf) && (c.In != 0 || c.Out != 0) && c.Month > lastMove[c.Facility] {
			lastMove[c.Facility] = c.Month
		}
	}
	for _, row := range r.Facilities {
		k, ok := index[row.ID]
		if !ok {
			continue
		}
		h := &hist[k]
		h.Points = append(h.Points, point(r.AsOf, row.Counts["population"], row.Capacity))
		if m, ok := lastMove[row.ID]; ok {
			h.LastUpdate = min(m, asOf).String()
		}
	}
	if r.Census != nil {
		for _, c := range r.Census.Rows {
			if k, ok := index[c.ID]; ok {
				hist[k].LastUpdate, hist[k].Source, hist[k].WindowDays = c.Date, "census", r.Census.WindowDays
			}
		}
	}
	for _, c := range cells {
		k, ok := index[c.Facility]
		if !ok {
			continue
		}
		hist[k].Cells++
		if c.AreaM2 > 0 {
			hist[k].CellsWithArea++
			hist[k].AreaM2 += c.AreaM2
		}
	}
	for k := range hist {
		h := &hist[k]
		h.AreaM2 = round1(h.AreaM2)
		last := h.Points[len(h.Points)-1]
		if h.Cells > 0 && h.CellsWithArea == h.Cells && last.Population.Value != nil && *last.Population.Value > 0 {
			s := round1(h.AreaM2 / float64(*last.Population.Value))
			h.SpacePerPersonM2 = &s
		}
		if h.LastUpdate == "" {
			h.Stale = true
			continue
		}
		d, err := domain.ParseDate(h.LastUpdate)
		if err != nil {
			return fmt.Errorf("the last update of %s: %w", h.ID, err)
		}
		h.Stale = d < asOf.AddDays(-h.WindowDays)
	}
	r.FacilityHistory = hist
	return nil
}

func point(date string, pop Cell, capacity int) FacilityPoint {
	p := FacilityPoint{Date: date, Population: pop, Capacity: capacity}
	if pop.Value != nil && capacity > 0 {
		o := round1(100 * float64(*pop.Value) / float64(capacity))
		p.OccupancyPct = &o
	}
	return p
}

// protectPopulations declares the facilities' populations of one date as
// the report's protect does (its population column): each facility's count,
// not exact; the total of all facilities and that of the prison system,
// exact, each the sum of its facilities.
func protectPopulations(facs []domain.Facility, pop map[string]int, threshold int) (*disclosure.Result, error) {
	set := disclosure.NewSet()
	var all, inSys []string
	nat, sys := 0, 0
	for _, f := range facs {
		k := facKey(f.ID, "population")
		if err := set.Add(k, pop[f.ID], false); err != nil {
			return nil, err
		}
		all = append(all, k)
		nat += pop[f.ID]
		if stats.InSystem(f.Kind) {
			inSys = append(inSys, k)
			sys += pop[f.ID]
		}
	}
	if err := set.Add(natKey("population"), nat, true); err != nil {
		return nil, err
	}
	if err := set.Sum(natKey("population"), all...); err != nil {
		return nil, err
	}
	if err := set.Add(sysKey("population"), sys, true); err != nil {
		return nil, err
	}
	if err := set.Sum(sysKey("population"), inSys...); err != nil {
		return nil, err
	}
	// The rules in the order the report tries them (protect.go).
	res, err := disclosure.ProtectWith(set, disclosure.Options{Threshold: threshold, Rule: disclosure.AboveThreshold})
	if err != nil {
		res, err = disclosure.ProtectWith(set, disclosure.Options{Threshold: threshold, Rule: disclosure.NotExact})
	}
	return res, err
}

// monthEnd is the last day of d's month.
func monthEnd(d domain.Date) domain.Date {
	return domain.Date(int32(d)/100*100 + 1).AddMonths(1).AddDays(-1)
}
