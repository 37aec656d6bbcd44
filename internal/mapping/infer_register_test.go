package mapping

import (
	"errors"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/tabular"
)

// proposal infers a mapping and parses it as it is.
func proposal(t *testing.T, what string, header []string, sample [][]string) (string, *Mapping) {
	t.Helper()
	text, err := Infer("f.csv", what, header, sample)
	if err != nil {
		t.Fatalf("Infer %s: %v", what, err)
	}
	m, err := Parse([]byte(text), "proposed.yaml")
	if err != nil {
		t.Fatalf("the proposal does not parse: %v\n%s", err, text)
	}
	return text, m
}

func column0(m *Mapping, field string) string {
	f := m.Fields[field]
	if f == nil {
		return ""
	}
	return f.Alts[0].Column
}

// get reads a field of a row through a proposal.
func get(t *testing.T, m *Mapping, header []string, field string, cells ...string) (string, error) {
	t.Helper()
	b, err := m.Bind(header, "f.csv")
	if err != nil {
		t.Fatalf("the proposal does not bind: %v", err)
	}
	v, _, err := b.Get(field, tabular.Row{Num: 2, Cells: cells})
	return v, err
}

func TestInferGuessesTheSheet(t *testing.T) {
	own := func(what string) []string {
		var h []string
		for _, c := range RegisterLayouts[what] {
			h = append(h, c.Name)
		}
		return h
	}
	for _, c := range []struct {
		header []string
		want   string
	}{
		{own("people"), "people"},
		{own("admissions"), "admissions"},
		{own("charges"), "charges"},
		{[]string{"id", "registered", "name", "sex"}, "people"}, // the optional columns left out
		{cellColumns[:5], "cells"},
		{facilityColumns, "facilities"},
		{[]string{"facility", "date", "total", "women"}, "census"},
		{[]string{"Numéro d'écrou", "Date d'écrou", "Nom", "Sexe", "Né le", "Nationalité"}, "people"},
		{[]string{"Détenu", "Date d'entrée", "Établissement", "Statut", "Date de sortie", "Motif de sortie"}, "admissions"},
		{[]string{"Détenu", "Dossier", "Date", "Infraction", "Classe", "Perpétuité"}, "charges"},
		{[]string{"Établissement", "Cellule", "Surface (m²)", "Nombre de places"}, "cells"},
		{[]string{"Prison", "Type", "Province", "Name"}, "facilities"},
		{[]string{"Regione di detenzione", "Istituto", "Tipo istituto", "Detenuti presenti - totale", "Ultimo aggiornamento"}, "census"},
		{[]string{"Foo", "Bar"}, "census"},
		{nil, "census"},
	} {
		if got, why := guessKind(c.header); got != c.want {
			t.Errorf("%q: guessed %s (%s), want %s", c.header, got, why, c.want)
		}
		text, err := Infer("f.csv", "", c.header, nil)
		if err != nil || !strings.Contains(text, "# Read as: "+c.want+" (guessed: ") {
			t.Errorf("%q: %v\n%s", c.header, err, text)
		}
	}
}

// Names are compared without regard to case, accents or punctuation, and a
// column goes to one field only: the one it names most precisely.
func TestInferMatchesColumns(t *testing.T) {
	header := []string{"DATE DE SORTIE", "Detenu", "date", "Etablissement", "STATUT", "Autorite de sortie", "Autorité", "Remarks"}
	_, m := proposal(t, "admissions", header, nil)
	for field, col := range map[string]string{
		"person.id": "Detenu", "admission.date": "date", "admission.release_date": "DATE DE SORTIE", "admission.facility": "Etablissement",
		"admission.status": "STATUT", "admission.release_authority": "Autorite de sortie", "admission.order_authority": "Autorité",
	} {
		if got := column0(m, field); got != col {
			t.Errorf("%s read from %q, want %q", field, got, col)
		}
	}
	if len(m.Fields) != 7 {
		t.Errorf("%d fields mapped, want 7 (Remarks is nothing): %v", len(m.Fields), m.Fields)
	}
	// A name found inside a longer one, the longest first.
	_, m = proposal(t, "people", []string{"Prisoner ID number", "Full name of the prisoner", "Sex (M/F)", "Date of birth (DD/MM/YYYY)", "Date of registration"}, nil)
	for field, col := range map[string]string{"person.id": "Prisoner ID number", "person.name": "Full name of the prisoner", "person.sex": "Sex (M/F)",
		"person.dob": "Date of birth (DD/MM/YYYY)", "person.date": "Date of registration"} {
		if got := column0(m, field); got != col {
			t.Errorf("%s read from %q, want %q", field, got, col)
		}
	}
}

// Nothing recognisable: a CHECK line for every required field, nothing
// mapped silently, and the proposal still parses.
func TestInferNothingRecognised(t *testing.T) {
	header := []string{"Foo", "Bar", "Baz"}
	sample := [][]string{{"1", "x", "2020-01-01"}}
	for what, required := range map[string][]string{
		"people":     {"person.id", "person.date", "person.name", "person.sex"},
		"admissions": {"person.id", "admission.date", "admission.facility", "admission.status"},
		"charges":    {"person.id", "charge.case", "charge.date", "charge.offence", "charge.class"},
		"cells":      {"cell.facility", "cell.label", "cell.capacity"},
	} {
		text, m := proposal(t, what, header, sample)
		if len(m.Fields) != len(required) {
			t.Errorf("%s: %d fields mapped, want only the %d required ones, left to check:\n%s", what, len(m.Fields), len(required), text)
		}
		for _, f := range required {
			if c := column0(m, f); !strings.HasPrefix(c, "CHECK: ") {
				t.Errorf("%s: %s is %q, want a CHECK placeholder:\n%s", what, f, c, text)
			}
		}
		if _, err := m.Bind(header, "f.csv"); err == nil {
			t.Errorf("%s: a proposal with CHECK placeholders binds to the file", what)
		}
	}
	for _, what := range InferKinds {
		if _, err := Infer("f.csv", what, nil, nil); err != nil {
			t.Errorf("%s on an empty file: %v", what, err)
		}
	}
	if _, err := Infer("f.csv", "prisoners", header, sample); err == nil || !strings.Contains(err.Error(), "people, admissions, charges") {
		t.Errorf("unknown --as: %v", err)
	}
}

// The words of enumerated fields: the register's own are read as they are,
// known ones translated, others left to check with the accepted values.
func TestInferTranslatesValues(t *testing.T) {
	header := []string{"N°", "Date", "Nom", "Sexe", "Né le", "Nationalité"}
	sample := [][]string{
		{"1", "10/01/2019", "A", "Homme", "03/04/1988", "KH"},
		{"2", "20/02/2019", "B", "femme", "", "KH"},
		{"3", "21/02/2019", "C", "M", "NA", "KH"},
	}
	text, m := proposal(t, "people", header, sample)
	if !strings.Contains(text, `dates: ["DD/MM/YYYY"]`) || !strings.Contains(text, `missing: ["NA"]`) {
		t.Errorf("dates or missing markers:\n%s", text)
	}
	for in, want := range map[string]string{"Homme": "M", "FEMME": "F", "M": "M", "F": "F"} {
		if got, err := get(t, m, header, "person.sex", "1", "10/01/2019", "A", in, "", ""); err != nil || got != want {
			t.Errorf("sex %q read as %q (%v), want %s\n%s", in, got, err, want, text)
		}
	}
	// No column for the basis of the dates of birth: a date given is
	// declared, no date leaves it to the import (unknown).
	if !strings.Contains(text, "dob_basis: {column: \"Né le\"") || !strings.Contains(text, "CHECK: no column says how the dates of birth") {
		t.Errorf("dob_basis:\n%s", text)
	}
	if got, err := get(t, m, header, "person.dob_basis", "1", "10/01/2019", "A", "M", "03/04/1988", ""); got != "declared" || err != nil {
		t.Errorf("dob_basis with a date: %q %v", got, err)
	}
	if _, err := get(t, m, header, "person.dob_basis", "1", "10/01/2019", "A", "M", "", ""); !errors.Is(err, ErrNoValue) {
		t.Errorf("dob_basis without a date: %v", err)
	}

	// x marks a missing date of birth, but X is a sex: a missing marker
	// holds for every column, so x is not proposed.
	text, _ = proposal(t, "people", header, [][]string{{"1", "10/01/2019", "A", "X", "x", "KH"}, {"2", "10/01/2019", "B", "M", "NA", "KH"}})
	if !strings.Contains(text, `missing: ["NA"]`) {
		t.Errorf("missing markers with a sex X:\n%s", text)
	}

	header = []string{"person", "case", "date", "offence", "class", "life", "drug", "violent", "grave"}
	sample = [][]string{
		{"P1", "K1", "2019-01-10", "theft", "felony", "non", "yes", "1", "peut-être"},
		{"P1", "K1", "2019-01-10", "fraud", "contravention", "non", "No", "0", "non"},
		{"P2", "K2", "2019-01-10", "murder", "serious", "non", "no", "1", "oui"},
	}
	text, m = proposal(t, "charges", header, sample)
	for _, want := range []string{`drug: "drug"`, `violent: "violent"`, `"contravention": "petty"`, `"non": "false"`, `"oui": "true"`,
		`# CHECK: translate "serious" to felony, misdemeanour or petty`, `# CHECK: translate "peut-être" to true or false`} {
		if !strings.Contains(text, want) {
			t.Errorf("proposal lacks %s:\n%s", want, text)
		}
	}
	row := sample[0]
	// life was seen as "non" only: its "oui" is translated too.
	row[5] = "OUI"
	if got, err := get(t, m, header, "charge.life", row...); got != "true" || err != nil {
		t.Errorf("life %q: %q %v", row[5], got, err)
	}
	if got, err := get(t, m, header, "charge.class", row...); got != "felony" || err != nil {
		t.Errorf("class felony: %q %v", got, err)
	}
	// An unrecognised word keeps its placeholder until someone edits it.
	row[4] = "serious"
	if got, _ := get(t, m, header, "charge.class", row...); got != "CHECK" {
		t.Errorf("class serious: %q", got)
	}
	// With the placeholders filled, the proposal is a mapping like any.
	filled := strings.ReplaceAll(strings.ReplaceAll(text, `"serious": "CHECK"`, `"serious": "felony"`), `"peut-être": "CHECK"`, `"peut-être": "false"`)
	fm, err := Parse([]byte(filled), "filled.yaml")
	if err != nil {
		t.Fatalf("filled proposal: %v\n%s", err, filled)
	}
	if got, err := get(t, fm, header, "charge.class", row...); got != "felony" || err != nil {
		t.Errorf("class serious, filled: %q %v", got, err)
	}
}

// Dates: one list reads every date column; day-first and month-first
// dates that both read are left to check; a column no format reads is
// named.
func TestInferRegisterDates(t *testing.T) {
	header := []string{"person", "date", "facility", "status", "release_date"}
	text, _ := proposal(t, "admissions", header, [][]string{{"P1", "01/02/2019", "CC1", "pretrial", "03/04/2019"}})
	if !strings.Contains(text, `dates: ["DD/MM/YYYY"]   # CHECK: "MM/DD/YYYY", "M/D/YYYY" read every sampled date too: day or month first?`) {
		t.Errorf("ambiguous dates:\n%s", text)
	}
	text, _ = proposal(t, "admissions", header, [][]string{{"P1", "2019-02-01", "CC1", "pretrial", "30/04/2019"}})
	if !strings.Contains(text, `dates: ["YYYY-MM-DD", "DD/MM/YYYY"]`) {
		t.Errorf("two columns, two formats:\n%s", text)
	}
	text, _ = proposal(t, "admissions", header, [][]string{{"P1", "2019-02-01", "CC1", "pretrial", "soon"}})
	if !strings.Contains(text, `CHECK: no common format reads the dates of "release_date"`) {
		t.Errorf("unreadable dates:\n%s", text)
	}
}
