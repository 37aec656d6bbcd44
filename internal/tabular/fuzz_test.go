package tabular

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// seedFiles adds the first bytes of the real files, when they are there, to
// a fuzz corpus: their BOMs, CRLFs, NAs and odd headers are what real input
// looks like.
func seedFiles(f *testing.F, limit int) {
	dir := filepath.Join("..", "..", "..", "shared", "data")
	if env := os.Getenv("HABEAS_SHARED_DATA"); env != "" {
		dir = env
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".csv") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		f.Add(b[:min(len(b), limit)])
	}
}

var csvSeeds = []string{
	"\xef\xbb\xbfa,b\r\n1,2\r\n",
	"\"Detenuti\npresenti \",Capacity ,\r\n\"1,015\",NA\r\n",
	"State,Pop\nTOTAL,906385\nArkansas,17759\nNote: figures are provisional\n",
	"a;b;c\n1;--;x\n",
	"a\tb\n43927\t5/4/20; 3/27/20\n",
	"a,b\n\"unterminated\n",
	"",
	"\n\n\n",
	"a,\"b\"\"c\",d\n1,2",
}

// FuzzCSV: no input makes the reader panic, rows are numbered upwards, and
// the header never has an empty trailing name.
func FuzzCSV(f *testing.F) {
	for _, s := range csvSeeds {
		f.Add([]byte(s))
	}
	seedFiles(f, 4096)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		r, err := NewCSV(bytes.NewReader(data), "fuzz.csv", Options{})
		if err != nil {
			if fe, ok := err.(*FormatError); !ok || fe.File != "fuzz.csv" {
				t.Fatalf("refused without naming the file: %T %v", err, err)
			}
			return
		}
		if h := r.Header(); len(h) > 0 && h[len(h)-1] == "" {
			t.Fatalf("header ends with an empty name: %q", h)
		}
		last := 1
		for i := 0; i < 10000; i++ {
			row, err := r.Next()
			if err != nil {
				if fe, ok := err.(*FormatError); err != io.EOF && (!ok || fe.Row == 0) {
					t.Fatalf("a bad row is refused without its place: %T %v", err, err)
				}
				return
			}
			if row.Num <= last {
				t.Fatalf("row %d after row %d", row.Num, last)
			}
			last = row.Num
		}
	})
}

// FuzzXLSX: damaged workbooks are errors, never panics.
func FuzzXLSX(f *testing.F) {
	x := excelize.NewFile()
	_ = x.SetCellValue("Sheet1", "A1", "Istituto")
	_ = x.SetCellValue("Sheet1", "B1", "Presenti\ntotale")
	_ = x.SetCellValue("Sheet1", "A2", "Verona")
	_ = x.SetCellValue("Sheet1", "B2", 1015)
	var buf bytes.Buffer
	_ = x.Write(&buf)
	x.Close()
	good := buf.Bytes()
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("PK\x03\x04"))
	f.Add(hostileWorkbook(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		// A workbook is a zip: bound what is fed, excelize bounds what
		// it unpacks.
		if len(data) > 1<<18 {
			return
		}
		r, err := NewXLSX(bytes.NewReader(data), "fuzz.xlsx", Options{})
		if err != nil {
			return
		}
		defer r.Close()
		for i := 0; i < 10000; i++ {
			if _, err := r.Next(); err != nil {
				if err != io.EOF {
					var fe *FormatError
					if !asFormatError(err, &fe) {
						t.Fatalf("error of an unexpected type: %T %v", err, err)
					}
				}
				return
			}
		}
	})
}

// hostileWorkbook has what sheets in the wild have and a reader may trip
// on: a header in the second row of a second sheet, merged and formula
// cells, a cell in the last column, control characters and a date.
func hostileWorkbook(f *testing.F) []byte {
	x := excelize.NewFile()
	defer x.Close()
	_ = x.SetCellValue("Sheet1", "A1", "Totale\x00\x1f")
	_ = x.MergeCell("Sheet1", "A1", "C1")
	_ = x.SetCellFormula("Sheet1", "B2", "=1/0")
	_ = x.SetCellValue("Sheet1", "XFD3", "far")
	_, _ = x.NewSheet(" Presenze ")
	_ = x.SetCellValue(" Presenze ", "A2", "=cmd|' /C calc'!A0")
	_ = x.SetCellValue(" Presenze ", "B3", time.Date(2020, 1, 31, 0, 0, 0, 0, time.UTC))
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}

func asFormatError(err error, fe **FormatError) bool {
	e, ok := err.(*FormatError)
	*fe = e
	return ok
}

// FuzzValues: numbers and dates either parse or say why; a parsed number
// prints back to digits that were in the input.
func FuzzValues(f *testing.F) {
	for _, s := range []string{"1015", "1,015", "1 015", "535.0", "-3", "NA", "--", "x", "43927", "5/4/20; 3/27/20", "2020-02-30", "03/31/2020", "1e309", "99999999999999999999"} {
		f.Add(s)
	}
	dp, err := NewDateParser([]string{"YYYY-MM-DD", "MM/DD/YYYY", "M/D/YY", "excel"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := ParseWhole(s, false); err == nil && (n > maxWhole || n < -maxWhole) {
			t.Fatalf("%q parsed to %d, out of bounds", s, n)
		}
		_, _ = ParseWhole(s, true)
		if d, err := dp.Parse(s); err == nil && (d.Year() < 1900 || d.Year() > 2100) && !strings.Contains(s, "-") && !strings.Contains(s, "/") {
			t.Fatalf("%q read as the date %v", s, d)
		}
	})
}
