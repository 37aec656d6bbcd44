package intake_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/habeas-kh/habeas/internal/intake"
)

var updateForm = flag.Bool("update-xlsform", false, "write examples/xlsform/visit.xlsx from the form's definition")

const formPath = "../../examples/xlsform/visit.xlsx"

func sheetRows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// The XLSForm in examples/ is the one the code defines and reads exports of
// (go test ./internal/intake -run XLSForm -update-xlsform writes it again);
// every label, hint and message has its Khmer beside its English.
func TestXLSFormMatchesExample(t *testing.T) {
	var buf bytes.Buffer
	if err := intake.WriteXLSForm(&buf); err != nil {
		t.Fatal(err)
	}
	if *updateForm {
		if err := os.MkdirAll(filepath.Dir(formPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(formPath, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gen, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer gen.Close()
	committed, err := excelize.OpenFile(formPath)
	if err != nil {
		t.Fatalf("%v (write it with -update-xlsform)", err)
	}
	defer committed.Close()
	if g, c := gen.GetSheetList(), committed.GetSheetList(); !reflect.DeepEqual(g, c) {
		t.Fatalf("sheets: %v, committed %v", g, c)
	}
	for _, sheet := range []string{"survey", "choices", "settings"} {
		g, c := sheetRows(t, gen, sheet), sheetRows(t, committed, sheet)
		if !reflect.DeepEqual(g, c) {
			t.Errorf("sheet %s differs from %s: run go test ./internal/intake -run XLSForm -update-xlsform", sheet, formPath)
		}
	}
	// Every English text has its Khmer.
	for _, sheet := range []string{"survey", "choices"} {
		rows := sheetRows(t, gen, sheet)
		head := rows[0]
		for _, row := range rows[1:] {
			for i, h := range head {
				en, ok := strings.CutSuffix(h, "::English (en)")
				if !ok || i >= len(row) || row[i] == "" {
					continue
				}
				km := -1
				for j, h2 := range head {
					if h2 == en+"::Khmer (km)" {
						km = j
					}
				}
				if km < 0 || km >= len(row) || row[km] == "" {
					t.Errorf("%s: %q has no Khmer %s", sheet, row[i], en)
				}
			}
		}
	}
	// The settings name the form and version exports are checked against.
	settings := sheetRows(t, gen, "settings")
	if want := []string{intake.FormTitle, intake.FormID, intake.FormVersion, "English (en)"}; !reflect.DeepEqual(settings[1], want) {
		t.Errorf("settings %v, want %v", settings[1], want)
	}
}
