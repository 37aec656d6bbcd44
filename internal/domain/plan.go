package domain

import (
	"fmt"
	"regexp"
)

// PlanUnlawful is the "mechanism" of a person in a plan who is held without
// legal basis: their release is owed, not granted (rules.ReleaseUnlawful).
const PlanUnlawful Mechanism = "release_unlawful"

// PlanData enters a decongestion plan in the ledger (kind plan): who made
// it and when is the event's, what it plans is here. The people in it are
// named by id only; they are staff-only data and never leave through a
// public page. An entry with Publish set and nothing else publishes the
// plan saved under Name: its aggregates (Facilities) become public.
type PlanData struct {
	Name    string `json:"name"`
	Publish bool   `json:"publish,omitempty"`
	// What the plan was made from and with.
	AsOf       Date        `json:"as_of,omitempty"`
	Target     string      `json:"target,omitempty"`
	Facility   string      `json:"facility,omitempty"` // the plan covers one facility ("" for all)
	Mechanisms []Mechanism `json:"mechanisms,omitempty"`
	Exclude    []string    `json:"exclude,omitempty"`
	Pack       string      `json:"pack,omitempty"`
	// The plan: its aggregates per facility and the people in it.
	Facilities []PlanFacility `json:"facilities,omitempty"`
	People     []PlanPerson   `json:"people,omitempty"`
	// Scenario, on the entry that publishes a plan, is the national
	// outbreak scenario published with it: computed once, at publishing,
	// so that the public figures are stable and say who published them.
	Scenario *PlanScenario `json:"scenario,omitempty"`
}

// PlanScenario is a plan's national outbreak scenario as published: model
// figures over runs and the assumptions they rest on; counts of people
// only as national totals.
type PlanScenario struct {
	AsOf         Date   `json:"as_of"` // day 0 of the runs: the plan's date
	Runs         int    `json:"runs"`
	Days         int    `json:"days"`
	Seed         uint64 `json:"seed"`
	Transmission string `json:"transmission"`
	Population   int    `json:"population"`
	Capacity     int    `json:"capacity"`
	// Released is the plan's people held on AsOf, released on day 0.
	Released int             `json:"released"`
	Baseline ScenarioFigures `json:"baseline"`
	Plan     ScenarioFigures `json:"plan"`
	Averted  ScenarioAverted `json:"averted"`
	// SeriesDays are the days of the fan chart; Infected the residents
	// infected at the end of each, in the baseline and with the plan.
	SeriesDays []int            `json:"series_days"`
	Infected   ScenarioInfected `json:"infected"`
	Parameters []ScenarioParam  `json:"parameters"`
}

// ScenarioInterval is a figure over the runs: median and 90% interval.
type ScenarioInterval struct {
	Median float64 `json:"median" habeas:"signed"`
	P5     float64 `json:"p5" habeas:"signed"`
	P95    float64 `json:"p95" habeas:"signed"`
}

// ScenarioFigures are a scenario's outcomes in custody.
type ScenarioFigures struct {
	Infections       ScenarioInterval `json:"infections"`
	Hospitalisations ScenarioInterval `json:"hospitalisations"`
	PeakBeds         ScenarioInterval `json:"peak_hospital_beds"`
	Deaths           ScenarioInterval `json:"deaths"`
}

// ScenarioAverted is the baseline less the plan, run by run.
type ScenarioAverted struct {
	Deaths     ScenarioInterval `json:"deaths"`
	Infections ScenarioInterval `json:"infections"`
}

// ScenarioInfected are the fan chart's two bands.
type ScenarioInfected struct {
	Baseline []ScenarioInterval `json:"baseline"`
	Plan     []ScenarioInterval `json:"plan"`
}

// ScenarioParam is one assumption: a parameter with its value (as text),
// unit, source and whether the source has been checked.
type ScenarioParam struct {
	Key      string `json:"key"`
	Value    string `json:"value"`
	Unit     string `json:"unit"`
	Source   string `json:"source"`
	Verified bool   `json:"verified"`
}

// Validate checks a published scenario on its own.
func (s *PlanScenario) Validate() error {
	switch {
	case s.AsOf == NoDate:
		return fieldErr("data.scenario.as_of", "missing")
	case s.Runs < 1 || s.Days < 1:
		return fieldErr("data.scenario", "runs and days must be at least 1")
	case s.Population < 0 || s.Capacity < 0 || s.Released < 0 || s.Released > s.Population:
		return fieldErr("data.scenario", "counts must be 0 or more, and the released at most the population")
	case len(s.Infected.Baseline) != len(s.SeriesDays) || len(s.Infected.Plan) != len(s.SeriesDays):
		return fieldErr("data.scenario.infected", "one figure per day of series_days in each band")
	case len(s.Parameters) == 0:
		return fieldErr("data.scenario.parameters", "missing: the assumptions are published with the figures")
	}
	return nil
}

// PlanFacility is a facility's aggregates in a saved plan.
type PlanFacility struct {
	ID          string      `json:"id"`
	Before      int         `json:"before"`
	Capacity    int         `json:"capacity"`
	Need        int         `json:"need"`
	Releases    int         `json:"releases"`
	Gap         int         `json:"gap"`
	ByMechanism []PlanCount `json:"by_mechanism,omitempty"`
	ByGroup     []PlanCount `json:"by_group,omitempty"`
}

// PlanCount is a labelled count.
type PlanCount struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// PlanPerson is one release planned.
type PlanPerson struct {
	Person    string    `json:"person"`
	Facility  string    `json:"facility"`
	Mechanism Mechanism `json:"mechanism"`
}

var planNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$`)

// Validate checks a plan entry on its own; the ledger checks it against the
// plans saved before (a name is saved once, and published only once saved).
func (d *PlanData) Validate() error {
	if !planNameRE.MatchString(d.Name) {
		return fieldErr("data.name", "%q: a plan's name is 1 to 80 letters, digits, '-', '_' or '.', starting with a letter or digit", d.Name)
	}
	if d.Publish {
		if d.AsOf != NoDate || d.Target != "" || len(d.People) > 0 || len(d.Facilities) > 0 {
			return fieldErr("data.publish", "an entry that publishes a plan carries nothing but its name and its scenario")
		}
		if d.Scenario != nil {
			return d.Scenario.Validate()
		}
		return nil
	}
	switch {
	case d.AsOf == NoDate:
		return fieldErr("data.as_of", "missing: the date the plan was made for")
	case blank(d.Target):
		return fieldErr("data.target", "missing")
	case blank(d.Pack):
		return fieldErr("data.pack", "missing: the rule pack the screening applied")
	case d.Scenario != nil:
		return fieldErr("data.scenario", "a scenario is published with the plan, not saved with it")
	}
	for i, m := range d.Mechanisms {
		if !In(m, Mechanisms) {
			return fieldErr(fmt.Sprintf("data.mechanisms[%d]", i), "unknown mechanism %q", m)
		}
	}
	facs := map[string]bool{}
	for i, f := range d.Facilities {
		if blank(f.ID) {
			return fieldErr(fmt.Sprintf("data.facilities[%d].id", i), "missing")
		}
		if facs[f.ID] {
			return fieldErr(fmt.Sprintf("data.facilities[%d].id", i), "%s is given twice", f.ID)
		}
		facs[f.ID] = true
		if f.Before < 0 || f.Capacity < 0 || f.Need < 0 || f.Releases < 0 || f.Gap < 0 || f.Releases > f.Before {
			return fieldErr(fmt.Sprintf("data.facilities[%d]", i), "counts must be 0 or more, and releases at most the population")
		}
	}
	seen := map[string]bool{}
	for i, p := range d.People {
		field := fmt.Sprintf("data.people[%d]", i)
		switch {
		case blank(p.Person):
			return fieldErr(field+".person", "missing")
		case seen[p.Person]:
			return fieldErr(field+".person", "%s is in the plan twice", p.Person)
		case !facs[p.Facility]:
			return fieldErr(field+".facility", "%q is not a facility of the plan", p.Facility)
		case p.Mechanism != PlanUnlawful && !In(p.Mechanism, Mechanisms):
			return fieldErr(field+".mechanism", "unknown mechanism %q", p.Mechanism)
		}
		seen[p.Person] = true
	}
	return nil
}
