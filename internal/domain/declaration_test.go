package domain

import (
	"encoding/json"
	"testing"
)

// A declaration recorded before the fields of monitoring were added decodes,
// and encodes back to the same bytes: the ledger hashes them.
func TestDeclarationOldJSONUnchanged(t *testing.T) {
	old := `{"pledge":"backlog-campaign","figure":3500,"as_of":"2020-07-23","declared_by":"Ministry of Justice","source":"press conference"}`
	var d DeclarationData
	if err := json.Unmarshal([]byte(old), &d); err != nil {
		t.Fatal(err)
	}
	if d.Pledge != "backlog-campaign" || d.Figure != 3500 || d.Counts != "" || d.Area != "" {
		t.Fatalf("decoded %+v", d)
	}
	b, err := json.Marshal(&d)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != old {
		t.Fatalf("re-encoded differently:\n got %s\nwant %s", b, old)
	}
	if err := d.Validate(MustDate("2020-07-23")); err != nil {
		t.Fatalf("an old declaration is refused: %v", err)
	}
	if d.Kind(PledgeBacklog) != DeclaredCleared || d.Kind(PledgeReleases) != DeclaredReleases {
		t.Fatal("an old declaration counts what its pledge counts")
	}
}

func TestDeclarationValidate(t *testing.T) {
	day := MustDate("2020-05-12")
	pop := -1
	ok := DeclarationData{Figure: 300, DeclaredBy: "Parole Board", Source: "https://example.org/a", Counts: DeclaredReleases,
		Area: "Arkansas", Reasons: []string{"vulnerable_populations", "other"}, From: MustDate("2020-03-01")}
	if err := ok.Validate(day); err != nil {
		t.Fatalf("a valid standalone declaration is refused: %v", err)
	}
	cases := []struct {
		field string
		edit  func(d *DeclarationData)
	}{
		{"data.source", func(d *DeclarationData) { d.Source = "  " }},
		{"data.declared_by", func(d *DeclarationData) { d.DeclaredBy = "" }},
		{"data.figure", func(d *DeclarationData) { d.Figure = -3 }},
		{"data.counts", func(d *DeclarationData) { d.Counts = "" }},
		{"data.counts", func(d *DeclarationData) { d.Counts = "released" }},
		{"data.area", func(d *DeclarationData) { d.Area = "" }},
		{"data.area", func(d *DeclarationData) { d.Facility = "PP-CC1" }},
		{"data.mechanism", func(d *DeclarationData) { d.Mechanism = "parole" }},
		{"data.group", func(d *DeclarationData) { d.Group = "old" }},
		{"data.population_before", func(d *DeclarationData) { d.PopulationBefore = &pop }},
		{"data.from", func(d *DeclarationData) { d.From = MustDate("2020-06-01") }},
		{"data.as_of", func(d *DeclarationData) { d.AsOf = MustDate("2020-06-01") }},
		{"data.reasons[1]", func(d *DeclarationData) { d.Reasons = []string{"x", "x"} }},
		{"data.reasons[0]", func(d *DeclarationData) { d.Reasons = []string{" "} }},
		{"data.counts", func(d *DeclarationData) { d.Counts = DeclaredCleared }},
	}
	for _, c := range cases {
		d := ok
		d.Reasons = append([]string(nil), ok.Reasons...)
		c.edit(&d)
		err := d.Validate(day)
		f, _, isField := FieldOf(err)
		if !isField || f != c.field {
			t.Errorf("%s: got %v, want an error on %s", c.field, err, c.field)
		}
	}
	// With a pledge, what it counts and where may be left out.
	withPledge := DeclarationData{Pledge: "P1", Figure: 1, DeclaredBy: "MoJ", Source: "press"}
	if err := withPledge.Validate(day); err != nil {
		t.Fatalf("a pledge's declaration is refused: %v", err)
	}
}
