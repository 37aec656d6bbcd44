package mapping

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/tabular"
)

func TestParseErrorsNameTheLine(t *testing.T) {
	src := `source: x
facility:
  id: Code
  capacty: Places
  kind: {column: Type, valuez: {CC: prison}}
census:
  date: Date
  counts:
    total: People
dates: [YYYY-MM-DD, DD/MM]
colour: blue
`
	_, err := Parse([]byte(src), "m.yaml")
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		"m.yaml:4: unknown field facility.capacty (the fields of facility are: id, name, kind, province, capacity",
		`m.yaml:5: facility.kind: unknown setting "valuez"`,
		`m.yaml:10: date format "DD/MM" must have a year`,
		`m.yaml:11: unknown key "colour"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	_, err = Parse([]byte("facility: [a\n"), "bad.yaml")
	if err == nil || !strings.Contains(err.Error(), "bad.yaml:") {
		t.Errorf("broken YAML: %v", err)
	}
	var es Errors
	if !errors.As(err, &es) || len(es) != 1 || es[0].File != "bad.yaml" || es[0].Line != 1 || !strings.HasPrefix(es[0].Msg, "not valid YAML: ") {
		t.Errorf("broken YAML: %#v", err)
	}
}

func TestBindUnknownColumn(t *testing.T) {
	m, err := Parse([]byte("facility:\n  id: Code\n  name: Nmae\ncensus:\n  date: Date\n  counts: {total: People}\n"), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Bind([]string{"Code", "Name", "Date", "People"}, "data.csv")
	if err == nil || !strings.Contains(err.Error(), `m.yaml:3: column "Nmae" is not in the header of data.csv (its columns: "Code", "Name", "Date", "People")`) {
		t.Errorf("unknown column: %v", err)
	}
	// Case and inner spacing of the header do not matter.
	if _, err := m.Bind([]string{"CODE", "nmae", "date", "people"}, "data.csv"); err != nil {
		t.Errorf("case-insensitive match: %v", err)
	}
}

func TestGetAlternativesAndTranslation(t *testing.T) {
	m, err := Parse([]byte(`
missing: [NA]
facility:
  id: {columns: [Prov, Name], join: "/", prefix: "IT-"}
  kind:
    - {column: Age, values: {Juvenile: juvenile_centre}}
    - {column: Jurisdiction, values: {state: prison, county: police_custody}}
  capacity: Cap
`), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Bind([]string{"Prov", "Name", "Age", "Jurisdiction", "Cap"}, "d.csv")
	if err != nil {
		t.Fatal(err)
	}
	row := func(cells ...string) tabular.Row { return tabular.Row{Num: 2, Cells: cells} }
	if v, _, err := b.Get("facility.id", row("RM", "Rebibbia")); err != nil || v != "IT-RM/Rebibbia" {
		t.Errorf("id %q %v", v, err)
	}
	if _, _, err := b.Get("facility.id", row("NA", "Rebibbia")); err != ErrNoValue {
		t.Errorf("id with a missing part: %v", err)
	}
	for _, c := range []struct{ age, jur, want string }{{"Juvenile", "state", "juvenile_centre"}, {"Adult", "STATE", "prison"}, {"NA", "county", "police_custody"}} {
		if v, _, err := b.Get("facility.kind", row("", "", c.age, c.jur)); err != nil || v != c.want {
			t.Errorf("kind(%s,%s) = %q %v, want %s", c.age, c.jur, v, err, c.want)
		}
	}
	_, col, err := b.Get("facility.kind", row("", "", "Adult", "tribal"))
	if ce, ok := err.(*CellError); !ok || col != "Jurisdiction" || !strings.Contains(ce.Msg, `"tribal" is not one of the values`) || !strings.Contains(ce.Msg, "m.yaml:7") {
		t.Errorf("unlisted value: %v (column %q)", err, col)
	}
	if n, ok, err := b.Whole("facility.capacity", row("", "", "", "", "1,015")); err != nil || !ok || n != 1015 {
		t.Errorf("capacity %d %v %v", n, ok, err)
	}
	if _, ok, err := b.Whole("facility.capacity", row("", "", "", "", "NA")); err != nil || ok {
		t.Errorf("NA capacity: ok %v err %v", ok, err)
	}
}

// TestExampleMappingsBind: every mapping shipped in examples/ parses and
// binds to the header of the real file it is for.
func TestExampleMappingsBind(t *testing.T) {
	root, _ := filepath.Abs("../..")
	data := filepath.Join(root, "..", "shared", "data")
	if env := os.Getenv("HABEAS_SHARED_DATA"); env != "" {
		data = env // a checkout elsewhere (CI) says where the data is
	}
	if _, err := os.Stat(data); os.IsNotExist(err) {
		t.Skipf("real data folder %s is absent", data)
	}
	for mf, df := range map[string]string{
		"italy-bulletins.yaml":            "italy_bulletines_monthly_by_institute.csv",
		"ucla-facilities.yaml":            "ucla_fac_data_2023-01-04.csv",
		"ucla-facility-history.yaml":      "ucla_AZ_facility_history_2020-03_2021-05.csv",
		"marshall-state-populations.yaml": "marshall_prison_populations.csv",
	} {
		m, err := Load(filepath.Join(root, "examples", mf))
		if err != nil {
			t.Errorf("%s: %v", mf, err)
			continue
		}
		r, err := tabular.Open(filepath.Join(data, df), tabular.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Bind(r.Header(), df); err != nil {
			t.Errorf("%s on %s: %v", mf, df, err)
		}
		r.Close()
	}
}

func TestInfer(t *testing.T) {
	header := []string{"Regione di detenzione", "Sigla Provincia", "Istituto", "Tipo istituto", "Capienza Regolamentare",
		"Detenuti presenti - totale", "Detenuti presenti - donne", "Detenuti presenti - stranieri", "Ultimo aggiornamento", "ID"}
	sample := [][]string{
		{"VENETO", "VR", "Verona", "CC", "335", "588", "40", "371", "2025-01-31", "SST1442034"},
		{"LIGURIA", "GE", "Chiavari", "CR", "52", "61", "NA", "26", "2025-01-31", "SST1442034"},
	}
	text, err := Infer("italy.csv", "census", header, sample)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`capacity: "Capienza Regolamentare"`, `total: "Detenuti presenti - totale"`, `women: "Detenuti presenti - donne"`,
		`foreigners: "Detenuti presenti - stranieri"`, `date: "Ultimo aggiornamento"`, `dates: ["YYYY-MM-DD"]`, `"CC": prison`, `missing: ["NA"]`} {
		if !strings.Contains(text, want) {
			t.Errorf("proposal lacks %q:\n%s", want, text)
		}
	}
	// What is proposed is a valid mapping for the file.
	m, err := Parse([]byte(text), "proposed.yaml")
	if err != nil {
		t.Fatalf("the proposal does not parse: %v\n%s", err, text)
	}
	if _, err := m.Bind(header, "italy.csv"); err != nil {
		t.Errorf("the proposal does not bind: %v", err)
	}
	us := [][]string{{"Alabama", "AL", "march", "03/31/2020", "21114"}, {"Alabama", "AL", "april", "04/30/2020", "20655"}}
	text, _ = Infer("m.csv", "census", []string{"name", "abbreviation", "month", "as_of_date", "pop"}, us)
	if !strings.Contains(text, `dates: ["MM/DD/YYYY"]`) || !strings.Contains(text, `id: "abbreviation"`) || !strings.Contains(text, `total: "pop"`) {
		t.Errorf("US proposal:\n%s", text)
	}
}

func TestDefaultLayout(t *testing.T) {
	m, err := Default("census", []string{"facility", "date", "total", "women", "source"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(m.Categories, ",") != "total,women" || m.Fields["census.source"] == nil {
		t.Errorf("default census mapping: %+v", m)
	}
}

// FuzzParse: no mapping text makes the parser or the binding panic, and a
// mapping that parses binds or says which line is wrong.
func FuzzParse(f *testing.F) {
	root := filepath.Join("..", "..", "examples")
	if ents, err := os.ReadDir(root); err == nil {
		for _, e := range ents {
			if b, err := os.ReadFile(filepath.Join(root, e.Name())); err == nil {
				f.Add(b)
			}
		}
	}
	for _, s := range []string{"", "facility: 3", "facility:\n  id: [a, [b]]\n", "census:\n  counts: {total: }\n", "skip:\n  - {column: a, matches: '('}\n",
		"dates: [excel, YYYY]\n", "facility:\n  kind: {values: {a: b}}\n", "a: &x [*x]\n", "delimiter: \"\"\n"} {
		f.Add([]byte(s))
	}
	header := []string{"Code", "Name", "Date", "People", "Type"}
	// named: every problem is one of Errors, each naming a file.
	named := func(t *testing.T, err error, files ...string) {
		es, ok := err.(Errors)
		if !ok || len(es) == 0 {
			t.Fatalf("error of type %T, not a list of problems by line: %v", err, err)
		}
		for _, e := range es {
			if !slices.Contains(files, e.File) || e.Line < 0 {
				t.Fatalf("a problem without its place: %+v", e)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		m, err := Parse(data, "fuzz.yaml")
		if err != nil {
			named(t, err, "fuzz.yaml")
			return
		}
		b, err := m.Bind(header, "d.csv")
		if err != nil {
			named(t, err, "fuzz.yaml", "d.csv")
			return
		}
		row := tabular.Row{Num: 2, Cells: []string{"1", "A", "2020-01-31", "NA", "CC"}}
		for name := range m.Fields {
			_, _, _ = b.Get(name, row)
			_, _, _ = b.Whole(name, row)
			_, _, _ = b.Date(name, row)
		}
		_ = b.Skip(row)
	})
}
