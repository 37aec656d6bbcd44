package tabular

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/habeas-kh/habeas/internal/domain"
)

func readAll(t *testing.T, r Reader) []Row {
	t.Helper()
	var rows []Row
	for {
		row, err := r.Next()
		if err == io.EOF {
			return rows
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, Row{Num: row.Num, Cells: append([]string(nil), row.Cells...)})
	}
}

func TestCSVQuirks(t *testing.T) {
	// BOM, CRLF, a header with a line break and trailing spaces inside
	// quotes, an empty trailing header column, a blank row, a quoted cell
	// with a line break (which must not shift the row numbers after it).
	in := "\xef\xbb\xbfName,\"Detenuti presenti -\r\n totale \",Capacity ,\r\n" +
		"Verona,588,335,\r\n" +
		",,,\r\n" +
		"\"Roma\nRebibbia\",\"1,539\",1170\r\n" +
		"Trani,378,447\r\n"
	r, err := NewCSV(strings.NewReader(in), "t.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Name", "Detenuti presenti - totale", "Capacity"}
	if got := r.Header(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("header %q, want %q", got, want)
	}
	rows := readAll(t, r)
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3 (the blank row skipped)", len(rows))
	}
	for i, num := range []int{2, 4, 5} {
		if rows[i].Num != num {
			t.Errorf("row %d numbered %d, want %d (as a spreadsheet shows it)", i, rows[i].Num, num)
		}
	}
	if rows[1].Cell(1) != "1,539" || rows[2].Cell(0) != "Trani" || rows[2].Cell(7) != "" {
		t.Errorf("cells %q %q", rows[1].Cells, rows[2].Cells)
	}
}

func TestCSVDelimiterAndHeaderRow(t *testing.T) {
	in := "Bulletin of 31 March\n\nIstituto;Presenti;Note\nVerona;588;\"a;b\"\n"
	r, err := NewCSV(strings.NewReader(in), "t.csv", Options{HeaderRow: 3})
	if err != nil {
		t.Fatal(err)
	}
	if h := r.Header(); len(h) != 3 || h[1] != "Presenti" {
		t.Fatalf("header %q", h)
	}
	rows := readAll(t, r)
	if len(rows) != 1 || rows[0].Num != 4 || rows[0].Cell(2) != "a;b" {
		t.Fatalf("rows %+v", rows)
	}
}

func TestCSVErrors(t *testing.T) {
	if _, err := NewCSV(strings.NewReader(""), "empty.csv", Options{}); err == nil || !strings.Contains(err.Error(), "empty.csv") {
		t.Errorf("empty file: %v", err)
	}
	r, err := NewCSV(strings.NewReader("a,b\n1,\"x\"y\"\n\"unterminated\n"), "bad.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var fe *FormatError
	for {
		_, err = r.Next()
		if err != nil {
			break
		}
	}
	if err != io.EOF && !errors.As(err, &fe) {
		t.Errorf("want a FormatError, got %v", err)
	}
}

func TestXLSX(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	if _, err := f.NewSheet("Bulletin"); err != nil {
		t.Fatal(err)
	}
	set := func(cell string, v any) {
		if err := f.SetCellValue("Bulletin", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	set("A1", "Istituto")
	set("B1", "Presenti\ntotale")
	set("C1", "Data")
	set("A2", "Verona")
	set("B2", 1015)
	set("C2", 43927) // 2020-04-06
	// row 3 left empty: a gap in the sheet
	set("A4", "Trani")
	set("B4", 378)
	set("C4", "2020-04-06")
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 3}) // #,##0: displayed "1,015"
	_ = f.SetCellStyle("Bulletin", "B2", "B2", style)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "b.xlsx")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, Options{Sheet: "Nope"}); err == nil || !strings.Contains(err.Error(), "Bulletin") {
		t.Errorf("unknown sheet: %v (want the list of sheets)", err)
	}
	r, err := Open(path, Options{Sheet: "bulletin"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if h := r.Header(); len(h) != 3 || h[1] != "Presenti totale" {
		t.Fatalf("header %q", h)
	}
	rows := readAll(t, r)
	if len(rows) != 2 || rows[0].Num != 2 || rows[1].Num != 4 {
		t.Fatalf("rows %+v", rows)
	}
	if rows[0].Cell(1) != "1015" {
		t.Errorf("number cell read as %q, want the stored 1015", rows[0].Cell(1))
	}
	dp, _ := NewDateParser([]string{"excel", "YYYY-MM-DD"})
	for _, row := range rows {
		d, err := dp.Parse(row.Cell(2))
		if err != nil || d != domain.MustDate("2020-04-06") {
			t.Errorf("row %d date %q: %v %v", row.Num, row.Cell(2), d, err)
		}
	}
}

func TestOpenMalformed(t *testing.T) {
	dir := t.TempDir()
	zipNotXLSX := filepath.Join(dir, "x.xlsx")
	if err := os.WriteFile(zipNotXLSX, []byte("PK\x03\x04garbage that is no zip archive"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(zipNotXLSX, Options{})
	if err == nil || !strings.Contains(err.Error(), "x.xlsx") || !strings.Contains(err.Error(), "Excel") {
		t.Errorf("malformed xlsx: %v", err)
	}
	csvNamedXLSX := filepath.Join(dir, "y.xlsx")
	if err := os.WriteFile(csvNamedXLSX, []byte("a,b\n1,2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(csvNamedXLSX, Options{}); err == nil || !strings.Contains(err.Error(), "not an Excel workbook") {
		t.Errorf("csv named .xlsx: %v", err)
	}
}

func TestParseWhole(t *testing.T) {
	good := map[string]int{"1015": 1015, "1,015": 1015, " 1 015 ": 1015, "1\u00a0015": 1015, "1'015": 1015,
		"535.0": 535, "12,345,678": 12345678, "-3": -3, "0": 0, "+7": 7}
	for in, want := range good {
		if got, err := ParseWhole(in, false); err != nil || got != want {
			t.Errorf("ParseWhole(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "--", "1,5", "1,0155", "12.5", "1.015", ",100", "100,", "1e3", "NA", "1,015,"} {
		if got, err := ParseWhole(in, false); err == nil {
			t.Errorf("ParseWhole(%q) = %d, want an error", in, got)
		}
	}
	if got, err := ParseWhole("1.015", true); err != nil || got != 1015 {
		t.Errorf("decimal comma: %d %v", got, err)
	}
	if got, err := ParseWhole("535,0", true); err != nil || got != 535 {
		t.Errorf("decimal comma: %d %v", got, err)
	}
}

func TestDates(t *testing.T) {
	p, err := NewDateParser([]string{"YYYY-MM-DD", "M/D/YY", "MM/DD/YYYY", "excel"})
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{"2020-03-31": "2020-03-31", "3/27/20": "2020-03-27", "03/31/2020": "2020-03-31",
		"43927": "2020-04-06", "43927.5": "2020-04-06", "44197": "2021-01-01"} {
		d, err := p.Parse(in)
		if err != nil || d.String() != want {
			t.Errorf("Parse(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
	for _, in := range []string{"5/4/20; 3/27/20", "2020-02-30", "2020", "13/45/2020", "31.03.2020"} {
		if d, err := p.Parse(in); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", in, d)
		} else if in == "5/4/20; 3/27/20" && !strings.Contains(err.Error(), "M/D/YY") {
			t.Errorf("error should list the formats: %v", err)
		}
	}
	for _, bad := range []string{"YYY-MM-DD", "2020-MM-DD", "MM/DD", "DDD.MM.YYYY"} {
		if _, err := NewDateParser([]string{bad}); err == nil {
			t.Errorf("format %q accepted", bad)
		}
	}
	it, _ := NewDateParser([]string{"DD.MM.YYYY", "D MMMM YYYY"})
	if d, err := it.Parse("31.03.2020"); err != nil || d.String() != "2020-03-31" {
		t.Errorf("DD.MM.YYYY: %v %v", d, err)
	}
	if d, err := it.Parse("6 April 2020"); err != nil || d.String() != "2020-04-06" {
		t.Errorf("D MMMM YYYY: %v %v", d, err)
	}
}

func TestMissing(t *testing.T) {
	m := NewMissing([]string{"NA", "--", "x"})
	for _, v := range []string{"", " ", "NA", "na", "--", "X"} {
		if !m.Is(v) {
			t.Errorf("%q should be missing", v)
		}
	}
	if m.Is("0") || m.Is("N/A") {
		t.Error("0 and N/A are not in the set")
	}
	// Markers outside ASCII, and long ones, are matched without regard to
	// case as well.
	long := "not known at the time of the census"
	m = NewMissing([]string{"Ñ/D", "មិនដឹង", long})
	for _, v := range []string{"ñ/d", " Ñ/D ", "មិនដឹង", strings.ToUpper(long)} {
		if !m.Is(v) {
			t.Errorf("%q should be missing", v)
		}
	}
	if m.Is("N/D") || m.Is(long+".") {
		t.Error("N/D and a longer text are not in the set")
	}
}
