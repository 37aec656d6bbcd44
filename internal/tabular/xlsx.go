package tabular

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// NewXLSX reads one worksheet of an Excel workbook. Cells are read as stored,
// not as displayed: a date is its serial day number (see DateParser, format
// "excel") and a number has no thousands separators, whatever the cell's
// display format.
func NewXLSX(r io.Reader, name string, opt Options) (rd Reader, err error) {
	// excelize has panicked on some damaged archives; a bad file must be an
	// error, not a crash.
	defer func() {
		if p := recover(); p != nil {
			rd, err = nil, &FormatError{File: name, Msg: fmt.Sprintf("is not a readable Excel workbook (%v)", p)}
		}
	}()
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, &FormatError{File: name, Msg: fmt.Sprintf("is not a readable Excel workbook: %v", err)}
	}
	return sheetReader(f, name, opt, true)
}

// Workbook is an Excel workbook open for reading several of its sheets
// (a KoboToolbox export has one per repeat group), read from the archive
// once.
type Workbook struct {
	f    *excelize.File
	name string
}

// OpenWorkbook reads an XLSX workbook; name is used in errors.
func OpenWorkbook(r io.Reader, name string) (w *Workbook, err error) {
	defer func() {
		if p := recover(); p != nil {
			w, err = nil, &FormatError{File: name, Msg: fmt.Sprintf("is not a readable Excel workbook (%v)", p)}
		}
	}()
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, &FormatError{File: name, Msg: fmt.Sprintf("is not a readable Excel workbook: %v", err)}
	}
	return &Workbook{f: f, name: name}, nil
}

// Sheets are the names of the workbook's worksheets, in order.
func (w *Workbook) Sheets() []string { return w.f.GetSheetList() }

// Sheet reads one worksheet (opt.Sheet; the first when empty). Closing
// the reader leaves the workbook open.
func (w *Workbook) Sheet(opt Options) (Reader, error) { return sheetReader(w.f, w.name, opt, false) }

// Close releases the workbook.
func (w *Workbook) Close() error { return w.f.Close() }

// sheetReader reads one sheet of f; owns says that closing the reader
// closes f.
func sheetReader(f *excelize.File, name string, opt Options, owns bool) (rd Reader, err error) {
	defer func() {
		if p := recover(); p != nil {
			rd, err = nil, &FormatError{File: name, Msg: fmt.Sprintf("is not a readable Excel workbook (%v)", p)}
		}
	}()
	closeF := func() {
		if owns {
			f.Close()
		}
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		closeF()
		return nil, &FormatError{File: name, Msg: "the workbook has no worksheet"}
	}
	sheet := sheets[0]
	if opt.Sheet != "" {
		sheet = ""
		for _, s := range sheets {
			if s == opt.Sheet || strings.EqualFold(strings.TrimSpace(s), strings.TrimSpace(opt.Sheet)) {
				sheet = s
				break
			}
		}
		if sheet == "" {
			closeF()
			return nil, &FormatError{File: name, Msg: fmt.Sprintf("has no sheet %q (sheets: %s)", opt.Sheet, strings.Join(sheets, ", "))}
		}
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		closeF()
		return nil, &FormatError{File: name, Msg: fmt.Sprintf("sheet %q cannot be read: %v", sheet, err)}
	}
	x := &xlsxReader{name: fmt.Sprintf("%s[%s]", name, sheet), f: f, owns: owns, rows: rows, total: sheetRows(f, sheet)}
	headerRow := max(opt.HeaderRow, 1)
	for x.row < headerRow {
		rec, err := x.read()
		if err == io.EOF {
			x.Close()
			return nil, &FormatError{File: x.name, Msg: fmt.Sprintf("has no header row (expected the column names in row %d)", headerRow)}
		}
		if err != nil {
			x.Close()
			return nil, err
		}
		if x.row == headerRow {
			x.header = cleanHeader(rec)
		}
	}
	if len(x.header) == 0 {
		x.Close()
		return nil, &FormatError{File: x.name, Row: headerRow, Msg: "the header row is empty"}
	}
	return x, nil
}

// sheetRows is the last row of the sheet's used range, 0 when unknown.
func sheetRows(f *excelize.File, sheet string) int {
	dim, err := f.GetSheetDimension(sheet)
	if err != nil {
		return 0
	}
	_, last, ok := strings.Cut(dim, ":")
	if !ok {
		return 0
	}
	_, row, err := excelize.CellNameToCoordinates(last)
	if err != nil {
		return 0
	}
	return row
}

type xlsxReader struct {
	name   string
	f      *excelize.File
	owns   bool // Close closes f
	rows   *excelize.Rows
	header []string
	row    int
	total  int
}

func (x *xlsxReader) read() (rec []string, err error) {
	defer func() {
		if p := recover(); p != nil {
			rec, err = nil, &FormatError{File: x.name, Row: x.row, Msg: fmt.Sprintf("cannot be read (%v)", p)}
		}
	}()
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return nil, &FormatError{File: x.name, Row: x.row + 1, Msg: fmt.Sprintf("cannot be read: %v", err)}
		}
		return nil, io.EOF
	}
	// Next moves one row at a time, gaps in the sheet included, so the count
	// is the row number the spreadsheet shows.
	x.row++
	rec, err = x.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, &FormatError{File: x.name, Row: x.row, Msg: fmt.Sprintf("cannot be read: %v", err)}
	}
	return rec, nil
}

func (x *xlsxReader) Header() []string { return x.header }

func (x *xlsxReader) Next() (Row, error) {
	row, err := nextRow(x.read, func() int { return x.row })
	for len(row.Cells) < len(x.header) && err == nil {
		row.Cells = append(row.Cells, "")
	}
	return row, err
}

func (x *xlsxReader) Progress() float64 {
	if x.total <= 0 {
		return -1
	}
	return min(1, float64(x.row)/float64(x.total))
}

func (x *xlsxReader) Close() error {
	x.rows.Close()
	if !x.owns {
		return nil
	}
	return x.f.Close()
}
