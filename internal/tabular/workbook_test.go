package tabular

import (
	"bytes"
	"io"
	"reflect"
	"testing"

	"github.com/xuri/excelize/v2"
)

// One workbook, several sheets read from it in turn, each closed on its
// own: what a KoboToolbox export with a sheet per repeat group needs.
func TestWorkbookSheets(t *testing.T) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", "main"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet("cells"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ sheet, cell, v string }{
		{"main", "A1", "_index"}, {"main", "B1", "facility"}, {"main", "A2", "1"}, {"main", "B2", "CC1"},
		{"cells", "A1", "cells/cell_label"}, {"cells", "B1", "_parent_index"}, {"cells", "A2", "B4"}, {"cells", "B2", "1"},
		{"cells", "A4", "B5"}, {"cells", "B4", "1"},
	} {
		if err := f.SetCellValue(c.sheet, c.cell, c.v); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	wb, err := OpenWorkbook(&buf, "export.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	if got := wb.Sheets(); !reflect.DeepEqual(got, []string{"main", "cells"}) {
		t.Fatalf("sheets %v", got)
	}
	read := func(sheet string) ([]string, []Row) {
		r, err := wb.Sheet(Options{Sheet: sheet})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var rows []Row
		for {
			row, err := r.Next()
			if err == io.EOF {
				return r.Header(), rows
			}
			if err != nil {
				t.Fatal(err)
			}
			rows = append(rows, row)
		}
	}
	// The cells sheet first, then the first sheet by default: closing one
	// reader leaves the workbook open for the next.
	h, rows := read("cells")
	if !reflect.DeepEqual(h, []string{"cells/cell_label", "_parent_index"}) || len(rows) != 2 ||
		rows[0].Num != 2 || rows[0].Cells[0] != "B4" || rows[1].Num != 4 || rows[1].Cells[0] != "B5" {
		t.Errorf("cells: %v %+v", h, rows)
	}
	h, rows = read("")
	if !reflect.DeepEqual(h, []string{"_index", "facility"}) || len(rows) != 1 || rows[0].Cells[1] != "CC1" {
		t.Errorf("main: %v %+v", h, rows)
	}
	if _, err := wb.Sheet(Options{Sheet: "interviews"}); err == nil {
		t.Error("a sheet the workbook lacks was opened")
	}
}

func readSheet(t *testing.T, r Reader) ([]string, []Row) {
	t.Helper()
	defer r.Close()
	var rows []Row
	for {
		row, err := r.Next()
		if err == io.EOF {
			return r.Header(), rows
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
	}
}

// The byte scan of a workbook's sheets gives the cells excelize gives:
// shared and inline strings, rich text, numbers, booleans, formulas,
// escaped characters, Khmer, gaps between rows and columns, a sheet
// written by excelize's stream writer.
func TestWorkbookScanMatchesExcelize(t *testing.T) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", "plain"); err != nil {
		t.Fatal(err)
	}
	set := func(sheet, cell string, v any) {
		t.Helper()
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	for i, h := range []string{"name", "count", "area", "flag", "note", "", "far"} {
		if h != "" {
			set("plain", string(rune('A'+i))+"1", h)
		}
	}
	set("plain", "A2", "a & b <c> \"d\" 'e'")
	set("plain", "B2", 85)
	set("plain", "C2", 6.5)
	set("plain", "D2", true)
	set("plain", "E2", "  padded  ")
	set("plain", "G2", "ការចុះត្រួតពិនិត្យ")
	set("plain", "A3", "'=SUM(A1)")
	set("plain", "B3", 0.1+0.2)
	if err := f.SetCellFormula("plain", "C3", "B2*2"); err != nil {
		t.Fatal(err)
	}
	set("plain", "A6", "after a gap") // rows 4 and 5 are missing
	set("plain", "E6", 43927)
	if err := f.SetCellRichText("plain", "A7", []excelize.RichTextRun{{Text: "bold "}, {Text: "and not"}}); err != nil {
		t.Fatal(err)
	}
	set("plain", "B7", "line\nbreak")
	if _, err := f.NewSheet("streamed"); err != nil {
		t.Fatal(err)
	}
	sw, err := f.NewStreamWriter("streamed")
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range [][]any{{"label", "people", "area"}, {"B4", 85, 60.5}, {"S&2", nil, "x<y"}, {nil, nil, nil}, {"C1", -3, 1e-7}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, row); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	wb, err := OpenWorkbook(bytes.NewReader(buf.Bytes()), "w.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	if wb.scan == nil {
		t.Fatal("the workbook was not scanned")
	}
	for _, sheet := range []string{"plain", "streamed"} {
		sr, err := wb.Sheet(Options{Sheet: sheet})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := sr.(*scanReader); !ok {
			t.Fatalf("%s: read by %T, not the scan", sheet, sr)
		}
		gh, grows := readSheet(t, sr)
		er, err := NewXLSX(bytes.NewReader(buf.Bytes()), "w.xlsx", Options{Sheet: sheet})
		if err != nil {
			t.Fatal(err)
		}
		wh, wrows := readSheet(t, er)
		if !reflect.DeepEqual(gh, wh) {
			t.Errorf("%s header: scan %q, excelize %q", sheet, gh, wh)
		}
		if !reflect.DeepEqual(grows, wrows) {
			t.Errorf("%s rows:\n scan     %+v\n excelize %+v", sheet, grows, wrows)
		}
	}
}
