// Package monitor computes what monitoring visits show: indicators of each
// cell and visit against the ICRC's standards (floor space, water, toilets),
// and the discrepancy between the headcount a team observed and the
// population the register, or a census count, gives for the same facility
// and day. It reads visits from the store and never the restricted part
// of a visit (interviews, allegations).
package monitor

import (
	"context"
	"fmt"
	"math"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// Params are the standards and thresholds indicators are measured against.
type Params struct {
	DormitoryM2 float64 // floor space per person in a dormitory (ICRC: 3.4 m²)
	SingleM2    float64 // in a single cell (ICRC: 5.4 m²)
	WaterLitres float64 // drinking water per person per day, at least (ICRC: 3 to 5 L; the lower bound)
	// A discrepancy is flagged when it exceeds both MinPct percent of the
	// official figure and MinPeople people.
	MinPct    float64
	MinPeople int
}

// DefaultParams are the ICRC's figures (docs/monitoring.md) and the issue's
// thresholds for a discrepancy: 10% and 10 people.
var DefaultParams = Params{DormitoryM2: 3.4, SingleM2: 5.4, WaterLitres: 3, MinPct: 10, MinPeople: 10}

// CellIndicators are one measured cell's indicators; nil when the measure
// needed was not taken (or no one was present).
type CellIndicators struct {
	Label          string   `json:"label"`
	Use            string   `json:"use"`
	AreaM2         float64  `json:"area_m2"`
	People         int      `json:"people"`
	M2PerPerson    *float64 `json:"m2_per_person"`
	StandardM2     float64  `json:"standard_m2"`
	BelowSpace     bool     `json:"below_space_standard"`
	PeoplePerToil  *float64 `json:"people_per_toilet"`
	LitresPerPers  *float64 `json:"litres_per_person_day"`
	BelowWater     bool     `json:"below_water_standard"`
	SleepingPerPer *float64 `json:"sleeping_m2_per_person"`
}

// VisitIndicators are one visit's indicators.
type VisitIndicators struct {
	Visit    string           `json:"visit"`
	Facility string           `json:"facility"`
	Date     string           `json:"date"`
	Observed *int             `json:"observed_total"`
	Cells    []CellIndicators `json:"cells"`
	// Over the cells measured: floor space and water per person, people per
	// toilet (nil when a measure is missing in every cell).
	M2PerPerson   *float64 `json:"m2_per_person"`
	PeoplePerToil *float64 `json:"people_per_toilet"`
	LitresPerPers *float64 `json:"litres_per_person_day"`
	// MostCrowded is the cell with the least floor space per person.
	MostCrowded string `json:"most_crowded_cell"`
	BelowSpace  int    `json:"cells_below_space_standard"`
	BelowWater  int    `json:"cells_below_water_standard"`
}

func ratio(a, b float64) *float64 {
	if b <= 0 {
		return nil
	}
	r := math.Round(100*a/b) / 100
	return &r
}

// Indicators measures one visit.
func Indicators(ev *domain.Event, v *domain.VisitData, p Params) VisitIndicators {
	out := VisitIndicators{Visit: v.ID, Facility: ev.Facility, Date: ev.Date.String(), Observed: v.Observed.Total, Cells: []CellIndicators{}}
	var area, people, toiletPeople, toilets, waterPeople, water float64
	var least *float64
	for _, c := range v.Cells {
		ci := CellIndicators{Label: c.Label, Use: string(c.Use), AreaM2: c.AreaM2, People: c.People, StandardM2: p.DormitoryM2}
		if c.Use == domain.CellSingle {
			ci.StandardM2 = p.SingleM2
		}
		n := float64(c.People)
		if c.People > 0 {
			ci.M2PerPerson = ratio(c.AreaM2, n)
			ci.BelowSpace = c.AreaM2/n < ci.StandardM2
			if least == nil || c.AreaM2/n < *least {
				x := c.AreaM2 / n
				least, out.MostCrowded = &x, c.Label
			}
			if c.LitresPerDay != nil {
				ci.LitresPerPers = ratio(*c.LitresPerDay, n)
				ci.BelowWater = *c.LitresPerDay/n < p.WaterLitres
				waterPeople += n
				water += *c.LitresPerDay
			}
			if c.SleepingM2 != nil {
				ci.SleepingPerPer = ratio(*c.SleepingM2, n)
			}
			if c.Toilets != nil {
				toiletPeople += n
				toilets += float64(*c.Toilets)
			}
		}
		if c.Toilets != nil && *c.Toilets > 0 {
			ci.PeoplePerToil = ratio(n, float64(*c.Toilets))
		}
		if ci.BelowSpace {
			out.BelowSpace++
		}
		if ci.BelowWater {
			out.BelowWater++
		}
		area += c.AreaM2
		people += n
		out.Cells = append(out.Cells, ci)
	}
	if people > 0 {
		out.M2PerPerson = ratio(area, people)
	}
	out.PeoplePerToil = ratio(toiletPeople, toilets)
	if waterPeople > 0 {
		out.LitresPerPers = ratio(water, waterPeople)
	}
	return out
}

// Visit is a decoded visit event.
type Visit struct {
	Ev   *domain.Event
	Data *domain.VisitData
}

// Load reads the visits to a facility ("" for all), by facility and date.
func Load(ctx context.Context, st store.Store, facility string) ([]Visit, error) {
	stored, err := st.Visits(ctx, facility)
	if err != nil {
		return nil, fmt.Errorf("reading visits: %w", err)
	}
	out := make([]Visit, 0, len(stored))
	for _, se := range stored {
		ev, err := domain.DecodeEvent(se.Body)
		if err != nil {
			return nil, fmt.Errorf("reading visit event %d: %w", se.Seq, err)
		}
		v, ok := ev.Data.(*domain.VisitData)
		if !ok {
			return nil, fmt.Errorf("event %d is a %s, not a visit", se.Seq, ev.Kind)
		}
		out = append(out, Visit{ev, v})
	}
	return out, nil
}

// AllIndicators measures every visit to a facility ("" for all).
func AllIndicators(ctx context.Context, st store.Store, facility string, p Params) ([]VisitIndicators, error) {
	vs, err := Load(ctx, st, facility)
	if err != nil {
		return nil, err
	}
	out := make([]VisitIndicators, 0, len(vs))
	for _, v := range vs {
		out = append(out, Indicators(v.Ev, v.Data, p))
	}
	return out, nil
}
