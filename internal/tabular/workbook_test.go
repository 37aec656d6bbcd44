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
