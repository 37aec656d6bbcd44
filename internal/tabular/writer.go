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

// Writer writes a table row by row, as CSV or as one XLSX worksheet.
type Writer interface {
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

type csvWriter struct{ w *csv.Writer }

func (c *csvWriter) Write(cells []string) error { return c.w.Write(cells) }

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
}

// MaxXLSXRows is the most rows a worksheet holds (Excel's limit).
const MaxXLSXRows = 1_048_576

func (x *xlsxWriter) Write(cells []string) error {
	if x.row >= MaxXLSXRows {
		return fmt.Errorf("%s: an XLSX worksheet holds at most %d rows, and this table has more: write CSV instead (a name ending in .csv)", x.name, MaxXLSXRows)
	}
	x.row++
	vals := make([]any, len(cells))
	for i, c := range cells {
		// Whole numbers are written as numbers, so that a spreadsheet can
		// sum them; "007" keeps its zeros as text.
		if n, err := strconv.Atoi(c); err == nil && strconv.Itoa(n) == c {
			vals[i] = n
		} else {
			vals[i] = c
		}
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
