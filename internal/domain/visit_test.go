package domain

import (
	"encoding/json"
	"testing"
)

func goodVisit() *VisitData {
	n := func(i int) *int { return &i }
	iv := 0
	return &VisitData{ID: "v1", Team: []string{"A"}, Observed: HeadCount{Total: n(100), Women: n(10), Foreigners: n(0)},
		Cells:           []CellMeasure{{Label: "B1", Use: CellDormitory, AreaM2: 40, People: 60}, {Label: "B2", Use: CellSingle, AreaM2: 6, People: 1}},
		Recommendations: []Recommendation{{ID: "r1", Text: "t", Addressee: "GDP"}},
		FollowUps:       []FollowUp{{Recommendation: "r0", Status: RecPartly}},
		Restricted: &VisitRestricted{Interviews: []Interview{{Consent: true, Anonymous: true}},
			Allegations: []Allegation{{Kind: AllegTorture, Date: MustDate("2024-02-01"), Place: "police station", Interview: &iv}}}}
}

func TestVisitValidate(t *testing.T) {
	day := MustDate("2024-03-12")
	if err := goodVisit().Validate(day); err != nil {
		t.Fatalf("a valid visit is refused: %v", err)
	}
	for _, c := range []struct {
		field string
		edit  func(v *VisitData)
	}{
		{"data.cells[0].people", func(v *VisitData) { v.Cells[0].People = 101 }}, // more than observed
		{"data.cells[1].people", func(v *VisitData) { v.Cells[1].People = 41 }},  // the cells together
		{"data.cells[0].area_m2", func(v *VisitData) { v.Cells[0].AreaM2 = 0 }},  // zero
		{"data.cells[1].area_m2", func(v *VisitData) { v.Cells[1].AreaM2 = -6 }}, // negative
		{"data.restricted.allegations[0].date", func(v *VisitData) { v.Restricted.Allegations[0].Date = NoDate }},
		{"data.restricted.allegations[0].place", func(v *VisitData) { v.Restricted.Allegations[0].Place = "" }},
		{"data.restricted.allegations[0].kind", func(v *VisitData) { v.Restricted.Allegations[0].Kind = "beating" }},
		{"data.restricted.interviews[0].consent", func(v *VisitData) { v.Restricted.Interviews[0].Consent = false }},
		{"data.restricted.interviews[0].anonymous", func(v *VisitData) { v.Restricted.Interviews[0].Pseudonym = "K" }},
		{"data.observed.women", func(v *VisitData) { w := 101; v.Observed.Women = &w }},
		{"data.observed.foreigners", func(v *VisitData) { f := -1; v.Observed.Foreigners = &f }},
		{"data.cells[1].label", func(v *VisitData) { v.Cells[1].Label = "B1" }},
		{"data.cells[0].use", func(v *VisitData) { v.Cells[0].Use = "hall" }},
		{"data.follow_ups[0].status", func(v *VisitData) { v.FollowUps[0].Status = "done" }},
		{"data.follow_ups[0].recommendation", func(v *VisitData) { v.FollowUps[0].Recommendation = "r1" }},
		{"data.recommendations[0].addressee", func(v *VisitData) { v.Recommendations[0].Addressee = " " }},
		{"data.team", func(v *VisitData) { v.Team = nil }},
	} {
		v := goodVisit()
		c.edit(v)
		f, _, ok := FieldOf(v.Validate(day))
		if !ok || f != c.field {
			t.Errorf("want an error on %s, got %v", c.field, v.Validate(day))
		}
	}
	// Unknown is not zero: an unknown count is left out, a zero is written.
	b, _ := json.Marshal(goodVisit().Observed)
	if string(b) != `{"total":100,"women":10,"foreigners":0}` {
		t.Errorf("observed encodes as %s", b)
	}
	// Without a total, a cell's people cannot be checked against it.
	v := goodVisit()
	v.Observed.Total = nil
	v.Cells[0].People = 500
	if err := v.Validate(day); err != nil {
		t.Errorf("no total observed: %v", err)
	}
}
