package tabular

import (
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Writer writes a table row by row, as CSV or as one XLSX worksheet. Every
// cell is text, neutralised against formulas (EscapeText), except in the
// columns marked numeric, where a number stays a number.
type Writer interface {
	// Numeric marks the columns (0-based) that hold numbers: a cell there
	// that is a number is written as one (a number cell in XLSX); any other
	// cell there is text like the rest. Call it before the first Write.
	Numeric(cols ...int)
	Write(cells []string) error
	// Close finishes the table; for XLSX it writes the workbook to the
	// underlying writer.
	Close() error
}

// NewWriter writes CSV, or XLSX when name ends in .xlsx.
func NewWriter(w io.Writer, name string) (Writer, error) {
	if strings.EqualFold(filepath.Ext(name), ".xlsx") {
		f := excelize.NewFile()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("starting %s: %w", name, err)
		}
		return &xlsxWriter{f: f, sw: sw, out: w, name: name}, nil
	}
	return &csvWriter{w: csv.NewWriter(w)}, nil
}

// numericCols is the set of numeric columns.
type numericCols map[int]bool

func (n *numericCols) Numeric(cols ...int) {
	if *n == nil {
		*n = numericCols{}
	}
	for _, c := range cols {
		(*n)[c] = true
	}
}

type csvWriter struct {
	w   *csv.Writer
	num numericCols
	buf []string
}

func (c *csvWriter) Numeric(cols ...int) { c.num.Numeric(cols...) }

func (c *csvWriter) Write(cells []string) error {
	c.buf = c.buf[:0]
	for i, v := range cells {
		c.buf = append(c.buf, Cell(v, c.num[i]))
	}
	return c.w.Write(c.buf)
}

func (c *csvWriter) Close() error {
	c.w.Flush()
	return c.w.Error()
}

type xlsxWriter struct {
	f    *excelize.File
	sw   *excelize.StreamWriter
	out  io.Writer
	name string
	row  int
	num  numericCols
}

// MaxXLSXRows is the most rows a worksheet holds (Excel's limit).
const MaxXLSXRows = 1_048_576

func (x *xlsxWriter) Numeric(cols ...int) { x.num.Numeric(cols...) }

func (x *xlsxWriter) Write(cells []string) error {
	if x.row >= MaxXLSXRows {
		return fmt.Errorf("%s: an XLSX worksheet holds at most %d rows, and this table has more: write CSV instead (a name ending in .csv)", x.name, MaxXLSXRows)
	}
	x.row++
	vals := make([]any, len(cells))
	for i, c := range cells {
		// A number in a numeric column is written as a number, so that a
		// spreadsheet can sum it; "007" there keeps its zeros as text.
		if x.num[i] && IsNumber(c) {
			if n, err := strconv.Atoi(c); err == nil && strconv.Itoa(n) == c {
				vals[i] = n
				continue
			}
			if f, err := strconv.ParseFloat(c, 64); err == nil && strconv.FormatFloat(f, 'f', -1, 64) == c {
				vals[i] = f
				continue
			}
		}
		// Text is a string cell, which spreadsheet programs never evaluate,
		// and it carries the apostrophe as in CSV all the same: a workbook is
		// often saved again as CSV, where a bare =... would be a formula,
		// and one rule for both formats lets the readers take the mark off
		// whichever file comes back.
		vals[i] = EscapeText(c)
	}
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	if err := x.sw.SetRow(cell, vals); err != nil {
		return fmt.Errorf("writing %s row %d: %w", x.name, x.row, err)
	}
	return nil
}

func (x *xlsxWriter) Close() error {
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", x.name, err)
	}
	if err := x.f.Write(x.out); err != nil {
		return fmt.Errorf("writing %s: %w", x.name, err)
	}
	return nil
}
