package report_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/report"
)

// The title and the source the report carried before they moved into the
// Cambodia profile (report.Build had them in its code).
const (
	khTitle      = "Detention in Cambodia: population, releases and promises"
	khSourceName = "Amnesty International and LICADHO, joint statement of 23 July 2020"
	khSourceUse  = "pledges, declared figures, reforms and demands of 2020; published figures the register is calibrated to"
)

func TestBuiltinProfile(t *testing.T) {
	if !slices.Contains(report.Jurisdictions(), report.DefaultJurisdiction) {
		t.Fatalf("the default profile is not built in: %v", report.Jurisdictions())
	}
	p, err := report.LoadProfile("kh")
	if err != nil {
		t.Fatal(err)
	}
	if p.Population == nil || p.Population.Value != 15552221 || p.Population.Year != 2019 {
		t.Errorf("the Cambodia profile's population: %+v", p.Population)
	}
	if p.ID != "kh" || p.Name.En != "Cambodia" || p.Title.En != khTitle || p.Title.Km == "" || len(p.Sources) != 1 ||
		p.Sources[0].Name.En != khSourceName || p.Sources[0].Use.En != khSourceUse {
		t.Errorf("the Cambodia profile: %+v", p)
	}
	for _, id := range []string{"xx", "../kh", "KH", ""} {
		if _, err := report.LoadProfile(id); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("profile %q: %v", id, err)
		}
	}
}

func TestParseProfile(t *testing.T) {
	const good = "id: xx\nname: {en: Xland}\ntitle: {en: Detention in Xland}\nsources:\n  - name: {en: A}\n    use: {en: B, km: ខ}\n"
	if p, err := report.ParseProfile([]byte(good)); err != nil || p.Title.En != "Detention in Xland" || p.Sources[0].Use.Km != "ខ" {
		t.Fatalf("a good profile: %+v %v", p, err)
	}
	for _, c := range []struct{ name, yaml, field, msg string }{
		{"an unknown key", good + "baseline: 2016-01-01\n", "", "baseline"},
		{"an unknown key in a text", strings.Replace(good, "{en: Detention in Xland}", "{en: Detention in Xland, fr: Détention}", 1), "", "fr"},
		{"an unknown key in a source", good + "    url: https://example.org\n", "", "url"},
		{"no title", strings.Replace(good, "title: {en: Detention in Xland}\n", "", 1), "title.en", "required"},
		{"a Khmer title only", strings.Replace(good, "{en: Detention in Xland}", "{km: ការឃុំខ្លួន}", 1), "title.en", "required"},
		{"a source without its use", strings.Replace(good, "    use: {en: B, km: ខ}\n", "", 1), "sources[0].use.en", "required"},
		{"two lines", strings.Replace(good, "{en: Detention in Xland}", `{en: "Detention\nin Xland"}`, 1), "title.en", "one line"},
		{"a bad id", strings.Replace(good, "id: xx", "id: X Land", 1), "id", "lower-case"},
		{"two documents", good + "---\n" + good, "", "more than one"},
		{"a population of none", good + "population: {value: 0, year: 2019, source: {en: A census}}\n", "population.value", "positive"},
		{"a population without its year", good + "population: {value: 1000, source: {en: A census}}\n", "population.year", "year"},
		{"a population without its source", good + "population: {value: 1000, year: 2019}\n", "population.source.en", "required"},
		{"a population as text", good + "population: {value: many, year: 2019, source: {en: A census}}\n", "", "cannot unmarshal"},
		{"nothing", "", "", "empty"},
		{"not a profile", "- a\n- b\n", "", "cannot unmarshal"},
	} {
		_, err := report.ParseProfile([]byte(c.yaml))
		field, msg, ok := domain.FieldOf(err)
		if !ok || field != c.field || !strings.Contains(msg, c.msg) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// TestDefaultProfileOutput: with the default profile the report is the one
// Build wrote when the title and sources were in its code, byte for byte:
// the same title and sources in the same places, and the same files as
// with the Cambodia profile chosen explicitly. Another profile changes
// them and nothing else.
func TestDefaultProfileOutput(t *testing.T) {
	st := open(t)
	def := build(t, st, report.Options{AsOf: asOf})
	if def.Title != khTitle || len(def.Sources) < 2 || def.Sources[0].Name != "habeas register" ||
		def.Sources[1] != (report.Source{Name: khSourceName, Use: khSourceUse}) {
		t.Fatalf("the default report's title and sources: %q %+v", def.Title, def.Sources)
	}
	kh, err := report.LoadProfile("kh")
	if err != nil {
		t.Fatal(err)
	}
	files := func(r *report.Report) map[string][]byte {
		t.Helper()
		fs, err := r.Files("html")
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	want := files(def)
	got := files(build(t, st, report.Options{AsOf: asOf, Profile: kh}))
	if len(got) != len(want) {
		t.Fatalf("%d files with the Cambodia profile, %d by default", len(got), len(want))
	}
	for name, b := range want {
		if !bytes.Equal(got[name], b) {
			t.Errorf("%s differs with the Cambodia profile chosen explicitly", name)
		}
	}

	other := &report.Profile{ID: "xx", Name: report.Text{En: "Xland"}, Title: report.Text{En: "Detention in Xland"},
		Sources: []report.Credit{{Name: report.Text{En: "The Xland bar"}, Use: report.Text{En: "everything"}}}, Population: kh.Population}
	x := build(t, st, report.Options{AsOf: asOf, Profile: other})
	if x.Title != "Detention in Xland" || x.Sources[1] != (report.Source{Name: "The Xland bar", Use: "everything"}) ||
		!slices.Equal(x.Sources[2:], def.Sources[2:]) {
		t.Errorf("another profile: %q %+v", x.Title, x.Sources)
	}
	x.Title, x.Sources = def.Title, def.Sources
	for name, b := range files(x) {
		if !bytes.Equal(want[name], b) {
			t.Errorf("%s: another profile changed more than the title and the sources", name)
		}
	}
	if _, err := report.Build(t.Context(), st, report.Options{AsOf: asOf, Profile: &report.Profile{ID: "xx"}}); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("a profile without a title: %v", err)
	}
}
