package stats

import (
	"context"
	"fmt"
	"sort"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// Census figures come from aggregate counts (a ministry's monthly bulletin,
// an NGO's visit), not from individual records. Their rules:
//
//   - A blank is unknown, never zero: a facility without a count on a date
//     is left out, and the figures say how many facilities they include.
//   - A facility's last known count stands for it for WindowDays after its
//     date; after that it is stale: listed, with its date, and left out of
//     the totals rather than silently carried on.
//   - A count against a capacity of 0 (or none recorded), or above
//     ImplausibleRatio times the capacity, is implausible — usually a
//     capacity and a population that describe different things. The people
//     are counted; the facility is listed with a warning and left out of the
//     occupancy, so that one bad pair cannot move the national rate.

// PopulationCategory is the census category that counts everyone held;
// mappings name the people-present column so.
const PopulationCategory = "total"

// DefaultCensusWindow is how many days a count stands for its facility.
const DefaultCensusWindow = 14

// ImplausibleRatio is the population-to-capacity ratio above which a pair
// is reported as implausible.
const ImplausibleRatio = 5

// CensusOptions tune the census figures.
type CensusOptions struct {
	// WindowDays is how long a count stands for its facility (0: the
	// default, 14 days).
	WindowDays int
}

// CensusFacility is one facility's last known counts on the date.
type CensusFacility struct {
	ID           string         `json:"id"`
	Name         string         `json:"name"`
	Kind         string         `json:"kind"`
	Province     string         `json:"province"`
	Date         string         `json:"date"`     // of the population count used
	AgeDays      int            `json:"age_days"` // days between that count and the as-of date
	Population   int            `json:"population"`
	Counts       map[string]int `json:"counts"` // every category known within the window
	Capacity     int            `json:"capacity"`
	OccupancyPct float64        `json:"occupancy_pct"`
	Stale        bool           `json:"stale"`
	Warning      string         `json:"warning,omitempty"`
}

// CategoryTotal sums one category over the facilities with a current count.
type CategoryTotal struct {
	Category   string `json:"category"`
	Count      int    `json:"count"`
	Facilities int    `json:"facilities"`
}

// CensusKind sums the facilities of one kind.
type CensusKind struct {
	Kind         string  `json:"kind"`
	Facilities   int     `json:"facilities"`
	Population   int     `json:"population"`
	Capacity     int     `json:"capacity"`
	OccupancyPct float64 `json:"occupancy_pct"`
}

// CensusFigures are the totals of the census counts on one date.
type CensusFigures struct {
	AsOf       string `json:"as_of"`
	WindowDays int    `json:"window_days"`
	// Population sums the current population counts of Facilities
	// facilities; stale ones are not in it.
	Population int `json:"population"`
	Facilities int `json:"facilities"`
	// Capacity and OccupancyPct cover the OccupancyFacilities facilities
	// with a current count and a plausible capacity.
	Capacity            int             `json:"capacity"`
	OccupancyPct        float64         `json:"occupancy_pct"`
	OccupancyFacilities int             `json:"occupancy_facilities"`
	Categories          []CategoryTotal `json:"categories"`
	ByKind              []CensusKind    `json:"by_kind"`
	// OverCapacity are current facilities holding more than their
	// (plausible) capacity, most crowded first.
	OverCapacity []CensusFacility `json:"over_capacity"`
	// Stale are facilities whose last count is older than the window.
	Stale []CensusFacility `json:"stale"`
	// Implausible are current facilities whose count and capacity do not
	// fit together; they are in Population but not in the occupancy.
	Implausible []CensusFacility `json:"implausible"`
	// PerFacility lists every facility with a population count on or
	// before the date, current and stale.
	PerFacility []CensusFacility `json:"per_facility"`
}

// CensusOn computes the census figures as of asOf; nil when the register
// holds no count dated on or before it.
func CensusOn(ctx context.Context, st store.Store, asOf domain.Date, opt CensusOptions) (*CensusFigures, error) {
	window := opt.WindowDays
	if window <= 0 {
		window = DefaultCensusWindow
	}
	rows, err := st.Census(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading census records: %w", err)
	}
	// The latest count of each facility and category on or before asOf
	// (for one date, the record entered last).
	type key struct{ fac, cat string }
	latest := map[key]store.Census{}
	for _, r := range rows {
		if r.Date > asOf {
			continue
		}
		k := key{r.Facility, r.Category}
		if old, ok := latest[k]; !ok || r.Date > old.Date || (r.Date == old.Date && r.Seq > old.Seq) {
			latest[k] = r
		}
	}
	if len(latest) == 0 {
		return nil, nil
	}
	facs, err := st.Facilities(ctx)
	if err != nil {
		return nil, err
	}
	caps, err := st.CapacityOn(ctx, asOf)
	if err != nil {
		return nil, err
	}
	capOf := map[string]int{}
	for _, c := range caps {
		capOf[c.Facility] = c.Capacity
	}
	info := map[string]store.Facility{}
	for _, f := range facs {
		info[f.ID] = f
	}
	cf := &CensusFigures{AsOf: asOf.String(), WindowDays: window}
	byFac := map[string]*CensusFacility{}
	catTotals := map[string]*CategoryTotal{}
	var cats []string
	for k, r := range latest {
		age := asOf.DaysSince(r.Date)
		fc := byFac[k.fac]
		if fc == nil {
			f := info[k.fac]
			fc = &CensusFacility{ID: k.fac, Name: f.Name, Kind: string(f.Kind), Province: f.Province, Capacity: capOf[k.fac], Counts: map[string]int{}}
			byFac[k.fac] = fc
		}
		if k.cat == PopulationCategory {
			fc.Date, fc.AgeDays, fc.Population = r.Date.String(), age, r.Count
			fc.Stale = age > window
		}
		if age > window {
			continue
		}
		fc.Counts[k.cat] = r.Count
		ct := catTotals[k.cat]
		if ct == nil {
			ct = &CategoryTotal{Category: k.cat}
			catTotals[k.cat] = ct
			cats = append(cats, k.cat)
		}
		ct.Count += r.Count
		ct.Facilities++
	}
	sort.Strings(cats)
	for _, c := range cats {
		cf.Categories = append(cf.Categories, *catTotals[c])
	}
	ids := make([]string, 0, len(byFac))
	for id, fc := range byFac {
		if fc.Date != "" {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	kinds := map[string]*CensusKind{}
	for _, id := range ids {
		fc := byFac[id]
		fc.OccupancyPct = pct(fc.Population, fc.Capacity)
		switch {
		case fc.Stale:
			fc.Warning = fmt.Sprintf("last count %s, %d days before %s: older than the %d-day window, not in the totals", fc.Date, fc.AgeDays, asOf, window)
		case fc.Capacity == 0 && fc.Population > 0:
			fc.Warning = "no capacity recorded (or a capacity of 0): not in the occupancy"
		case fc.Population > ImplausibleRatio*fc.Capacity:
			fc.Warning = fmt.Sprintf("%d people for %d places, over %d times the capacity: the two figures probably describe different things; not in the occupancy",
				fc.Population, fc.Capacity, ImplausibleRatio)
		}
		cf.PerFacility = append(cf.PerFacility, *fc)
		if fc.Stale {
			cf.Stale = append(cf.Stale, *fc)
			continue
		}
		cf.Population += fc.Population
		cf.Facilities++
		k := kinds[fc.Kind]
		if k == nil {
			k = &CensusKind{Kind: fc.Kind}
			kinds[fc.Kind] = k
		}
		k.Facilities++
		k.Population += fc.Population
		if fc.Warning != "" {
			cf.Implausible = append(cf.Implausible, *fc)
			continue
		}
		k.Capacity += fc.Capacity
		cf.Capacity += fc.Capacity
		cf.OccupancyFacilities++
		if fc.Population > fc.Capacity {
			cf.OverCapacity = append(cf.OverCapacity, *fc)
		}
	}
	cf.OccupancyPct = pctOf(cf.Population, cf.Implausible, cf.Capacity)
	for _, k := range domain.FacilityKinds {
		if ks := kinds[string(k)]; ks != nil {
			ks.OccupancyPct = pctOf(ks.Population, kindOf(cf.Implausible, string(k)), ks.Capacity)
			cf.ByKind = append(cf.ByKind, *ks)
		}
	}
	sort.SliceStable(cf.OverCapacity, func(i, j int) bool { return cf.OverCapacity[i].OccupancyPct > cf.OverCapacity[j].OccupancyPct })
	return cf, nil
}

// pctOf is the occupancy of the facilities with a plausible capacity: the
// population less that of the implausible ones, over the capacity.
func pctOf(pop int, implausible []CensusFacility, capacity int) float64 {
	for _, f := range implausible {
		pop -= f.Population
	}
	return pct(pop, capacity)
}

func kindOf(fs []CensusFacility, kind string) []CensusFacility {
	var out []CensusFacility
	for _, f := range fs {
		if f.Kind == kind {
			out = append(out, f)
		}
	}
	return out
}
