package monitor

import (
	"context"
	"fmt"
	"math"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// Discrepancy is, for one visit and category, the headcount the team
// observed beside the official figure for the same facility and day.
type Discrepancy struct {
	Facility string `json:"facility"`
	Date     string `json:"date"`
	Visit    string `json:"visit"`
	Category string `json:"category"`
	Observed int    `json:"observed"`
	// Official is the register's population (basis "register") or a
	// census count recorded for that day (basis "census"); nil when
	// neither gives it (basis "none": foreigners, which the register does
	// not count by facility, or a facility without records).
	Official   *int     `json:"official"`
	Basis      string   `json:"basis"`
	Difference *int     `json:"difference"`      // Observed - Official
	Pct        *float64 `json:"pct_of_official"` // Difference as a percentage of Official
	Flagged    bool     `json:"flagged"`
}

// official is what the register gives for a facility on a day, by
// category.
type official map[string]map[string]int // facility -> category -> count

// registerOn groups the population of a day by facility and category.
// A child is in an age band below 18 (the store's bands begin one at 18,
// as stats requires).
func registerOn(rows []store.PopRow) official {
	minorBand := func(band int) bool { return band >= 0 && band < 18 }
	out := official{}
	for _, r := range rows {
		m := out[r.Facility]
		if m == nil {
			m = map[string]int{}
			out[r.Facility] = m
		}
		m["total"] += r.Count
		switch r.Sex {
		case domain.Male:
			m["men"] += r.Count
		case domain.Female:
			m["women"] += r.Count
		}
		if minorBand(r.AgeBand) {
			m["children"] += r.Count
		}
		if r.Status.NotFinal() {
			m["pretrial"] += r.Count
		}
	}
	return out
}

// Discrepancies compares every visit's observed headcount with the official
// figures of its day. The populations of all the days visited are read at
// once.
func Discrepancies(ctx context.Context, st store.Store, facility string, p Params) ([]Discrepancy, error) {
	vs, err := Load(ctx, st, facility)
	if err != nil {
		return nil, err
	}
	return compareVisits(ctx, st, vs, p)
}

// Latest is the discrepancies of each facility's latest visit on or before
// asOf that counted everyone present (a total observed): what the public
// side shows beside the official figure.
func Latest(ctx context.Context, st store.Store, asOf domain.Date, p Params) ([]Discrepancy, error) {
	vs, err := Load(ctx, st, "")
	if err != nil {
		return nil, err
	}
	// Visits come by facility and date: the last of a facility's run on
	// or before asOf is its latest.
	var latest []Visit
	for i, v := range vs {
		if v.Ev.Date > asOf || v.Data.Observed.Total == nil {
			continue
		}
		if n := len(latest); n > 0 && latest[n-1].Ev.Facility == v.Ev.Facility {
			latest[n-1] = vs[i]
		} else {
			latest = append(latest, vs[i])
		}
	}
	return compareVisits(ctx, st, latest, p)
}

func compareVisits(ctx context.Context, st store.Store, vs []Visit, p Params) ([]Discrepancy, error) {
	census, err := st.Census(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading census counts: %w", err)
	}
	type fd struct {
		facility string
		date     domain.Date
		category string
	}
	counted := map[fd]int{}
	for _, c := range census {
		counted[fd{c.Facility, c.Date, c.Category}] = c.Count
	}
	var days []domain.Date
	for _, v := range vs {
		days = append(days, v.Ev.Date)
	}
	// One grouped read of the aggregate projection (what stats reads) for
	// every day visited, rather than one read per day.
	pops, err := st.PopulationOn(ctx, days)
	if err != nil {
		return nil, fmt.Errorf("reading the population on the %d days visited: %w", len(days), err)
	}
	byDay := make(map[domain.Date]official, len(pops))
	for day, rows := range pops {
		byDay[day] = registerOn(rows)
	}
	out := []Discrepancy{}
	for _, v := range vs {
		reg := byDay[v.Ev.Date][v.Ev.Facility]
		for _, cat := range domain.HeadCategories {
			obs := v.Data.Observed.Get(cat)
			if obs == nil {
				continue // not counted: nothing to compare
			}
			d := Discrepancy{Facility: v.Ev.Facility, Date: v.Ev.Date.String(), Visit: v.Data.ID, Category: cat, Observed: *obs, Basis: "none"}
			if len(reg) > 0 && cat != "foreigners" {
				n := reg[cat]
				d.Official, d.Basis = &n, "register"
			} else if n, ok := counted[fd{v.Ev.Facility, v.Ev.Date, cat}]; ok {
				d.Official, d.Basis = &n, "census"
			}
			if d.Official != nil {
				d.Difference, d.Pct, d.Flagged = compare(d.Observed, *d.Official, p)
			}
			out = append(out, d)
		}
	}
	return out, nil
}

// compare is the difference between an observed and an official figure, as
// a number and a percentage of the official one (nil when it is 0), and
// whether it exceeds both of p's thresholds.
func compare(observed, official int, p Params) (*int, *float64, bool) {
	diff := observed - official
	var pct *float64
	if official > 0 {
		x := math.Round(1000*float64(diff)/float64(official)) / 10
		pct = &x
	}
	abs := max(diff, -diff)
	flagged := abs > p.MinPeople && (official == 0 || 100*float64(abs) > p.MinPct*float64(official))
	return &diff, pct, flagged
}
