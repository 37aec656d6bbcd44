package report

import (
	"math"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/stats"
	"github.com/habeas-kh/habeas/internal/store"
)

// headlineKeys are the figures the public reads first, in order: how many
// are held, how crowded, how many untried, how many without legal basis.
// Releases against the pledges follow them on the pages, from the pledges.
var headlineKeys = []string{"population", "occupancy_pct", "pretrial", "held_without_basis",
	"held_without_basis_confirmed_law", "held_without_basis_unconfirmed_law"}

// perPeople are the headline figures counted in people, given per 100,000
// of the national population.
var perPeople = map[string]bool{"population": true, "pretrial": true, "held_without_basis": true,
	"held_without_basis_confirmed_law": true, "held_without_basis_unconfirmed_law": true}

// headline marks the headline figures and gives each its change since the
// previous month-end and, for counts of people, its rate per 100,000.
//
// The previous month's values are national totals of the prison system
// (or of all facilities, for the screening's counts): the same sums as the
// figures they are compared with, never a facility's count, so they
// publish nothing the protected tables do not. A screening count gets a
// change only when a screening was kept for that month-end (withScr) and
// the split only when that screening kept it.
func (r *Report) headline(prof *Profile, prev domain.Date, ps *stats.Stats, prevCounts []store.ScreeningCount, withScr bool) {
	var base float64
	if prof.Population != nil {
		base = float64(prof.Population.Value)
		r.PopulationBase = &PopulationBase{Value: prof.Population.Value, Year: prof.Population.Year, Source: prof.Population.Source.En}
	}
	before := map[string]float64{}
	if ps != nil {
		var pop, pre int
		for _, f := range ps.Facilities {
			if stats.InSystem(domain.FacilityKind(f.Kind)) {
				pop += f.Population
				pre += f.Pretrial
			}
		}
		before["population"], before["pretrial"] = float64(pop), float64(pre)
		if ps.Capacity > 0 {
			before["occupancy_pct"] = round1(ps.OccupancyPct)
		}
		if withScr {
			var all, conf, unconf int
			split := splitKept(prevCounts)
			for _, c := range prevCounts {
				if c.Rule != "" {
					continue
				}
				switch c.Kind {
				case "unlawful":
					all += c.People
				case store.KindUnlawfulConfirmed:
					conf += c.People
				case store.KindUnlawfulUnconfirmed:
					unconf += c.People
				}
			}
			before["held_without_basis"] = float64(all)
			if split {
				before["held_without_basis_confirmed_law"] = float64(conf)
				before["held_without_basis_unconfirmed_law"] = float64(unconf)
			}
		}
	}
	for i := range r.National {
		f := &r.National[i]
		for _, k := range headlineKeys {
			if f.Key == k {
				f.Headline = true
			}
		}
		if !f.Headline {
			continue
		}
		if b, ok := before[f.Key]; ok {
			d := round1(f.Value - b)
			f.PreviousDate, f.Change = prev.String(), &d
		}
		if base > 0 && perPeople[f.Key] {
			v := math.Round(f.Value/base*1e5*10) / 10
			f.Per100k = &v
		}
	}
}
