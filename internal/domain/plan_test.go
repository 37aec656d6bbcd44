package domain

import (
	"strings"
	"testing"
)

func TestPlanDataValidate(t *testing.T) {
	ok := func() *PlanData {
		return &PlanData{Name: "june-2020", AsOf: MustDate("2020-06-30"), Target: "capacity", Pack: "kh-2020 2020.1",
			Facilities: []PlanFacility{{ID: "CC1", Before: 10, Capacity: 8, Need: 2, Releases: 2}},
			People:     []PlanPerson{{Person: "A", Facility: "CC1", Mechanism: MechBail}, {Person: "B", Facility: "CC1", Mechanism: PlanUnlawful}}}
	}
	if err := ok().Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (&PlanData{Name: "june-2020", Publish: true}).Validate(); err != nil {
		t.Errorf("publishing: %v", err)
	}
	for _, c := range []struct {
		change func(*PlanData)
		field  string
	}{
		{func(d *PlanData) { d.Name = "june 2020" }, "data.name"},
		{func(d *PlanData) { d.Name = "" }, "data.name"},
		{func(d *PlanData) { d.AsOf = NoDate }, "data.as_of"},
		{func(d *PlanData) { d.Target = " " }, "data.target"},
		{func(d *PlanData) { d.Pack = "" }, "data.pack"},
		{func(d *PlanData) { d.Mechanisms = []Mechanism{"release_unlawful"} }, "data.mechanisms[0]"},
		{func(d *PlanData) { d.Facilities = append(d.Facilities, d.Facilities[0]) }, "data.facilities[1].id"},
		{func(d *PlanData) { d.Facilities[0].Releases = 11 }, "data.facilities[0]"},
		{func(d *PlanData) { d.People[1].Person = "A" }, "data.people[1].person"},
		{func(d *PlanData) { d.People[0].Facility = "CC2" }, "data.people[0].facility"},
		{func(d *PlanData) { d.People[0].Mechanism = "pardon" }, "data.people[0].mechanism"},
		{func(d *PlanData) { d.Publish = true }, "data.publish"},
	} {
		d := ok()
		c.change(d)
		if err := d.Validate(); err == nil || !strings.HasPrefix(err.Error(), c.field+":") {
			t.Errorf("want an error at %s, got %v", c.field, err)
		}
	}
}

// TestPlanScenarioValidate: a publishing entry may carry its scenario, a
// saving entry may not; a scenario's series and counts must hold together;
// deaths averted may be below 0 (a run where the plan did worse), which the
// walk over every event's numbers lets through for model figures only.
func TestPlanScenarioValidate(t *testing.T) {
	ok := func() *PlanScenario {
		iv := ScenarioInterval{Median: 2, P5: -1, P95: 5}
		return &PlanScenario{AsOf: MustDate("2020-06-30"), Runs: 10, Days: 30, Seed: 1, Transmission: "density", Population: 100, Capacity: 50,
			Released: 20, Baseline: ScenarioFigures{Deaths: ScenarioInterval{Median: 3, P95: 6}}, Averted: ScenarioAverted{Deaths: iv},
			SeriesDays: []int{10, 20, 30}, Infected: ScenarioInfected{Baseline: make([]ScenarioInterval, 3), Plan: make([]ScenarioInterval, 3)},
			Parameters: []ScenarioParam{{Key: "r0", Value: "2.4, 3, 3.7", Unit: "R0", Source: "Recidiviz", Verified: true}}}
	}
	pub := &PlanData{Name: "june", Publish: true, Scenario: ok()}
	if err := pub.Validate(); err != nil {
		t.Fatal(err)
	}
	ev := &Event{Kind: KPlan, Date: MustDate("2020-07-01"), Data: pub}
	if err := ev.ValidateTexts(); err != nil {
		t.Errorf("a negative p5 of deaths averted refused: %v", err)
	}
	pub.Scenario.Averted.Deaths.P5 = -2 * MaxTotal
	if err := ev.ValidateTexts(); err == nil {
		t.Error("a figure below -MaxTotal accepted")
	}
	for _, c := range []struct {
		change func(*PlanScenario)
		field  string
	}{
		{func(s *PlanScenario) { s.AsOf = NoDate }, "data.scenario.as_of"},
		{func(s *PlanScenario) { s.Runs = 0 }, "data.scenario"},
		{func(s *PlanScenario) { s.Released = 101 }, "data.scenario"},
		{func(s *PlanScenario) { s.Infected.Plan = s.Infected.Plan[:2] }, "data.scenario.infected"},
		{func(s *PlanScenario) { s.Parameters = nil }, "data.scenario.parameters"},
	} {
		s := ok()
		c.change(s)
		if err := (&PlanData{Name: "june", Publish: true, Scenario: s}).Validate(); err == nil || !strings.HasPrefix(err.Error(), c.field+":") {
			t.Errorf("want an error at %s, got %v", c.field, err)
		}
	}
	saved := &PlanData{Name: "june", AsOf: MustDate("2020-06-30"), Target: "capacity", Pack: "kh", Scenario: ok()}
	if err := saved.Validate(); err == nil || !strings.HasPrefix(err.Error(), "data.scenario:") {
		t.Errorf("a scenario saved with a plan: %v", err)
	}
}
