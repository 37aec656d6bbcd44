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
