// Package tabular reads the spreadsheets people actually have — CSV files
// written by Excel, LibreOffice or a statistics office, and XLSX workbooks —
// as a header and rows numbered the way a spreadsheet shows them.
//
// It smooths over what real files do: a UTF-8 byte-order mark, CRLF line
// ends, header names with trailing spaces or line breaks inside them, empty
// trailing header columns, semicolon or tab separators, blank rows. What a
// cell means (a count, a date, "missing") is for the caller: see Number and
// DateParser.
package tabular

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Options say how to read a file. The zero value reads the first sheet with
// the column names in row 1 and guesses the CSV separator.
type Options struct {
	// Sheet is the XLSX worksheet to read (default: the first one).
	Sheet string
	// HeaderRow is the 1-based row holding the column names (default 1).
	// Rows above it are ignored: titles and notes that statistics offices
	// put above their tables.
	HeaderRow int
	// Delimiter separates CSV fields; 0 guesses among comma, semicolon and
	// tab from the header line.
	Delimiter rune
	// Encoding is the character encoding of a CSV file (see Encodings);
	// empty means UTF-8, and a CSV file that is not valid UTF-8 is then
	// refused, naming the row, rather than read with broken characters.
	// An XLSX workbook is always Unicode.
	Encoding string
}

// Row is one row of data. Num is the row number a spreadsheet program shows
// for it (the header is row 1 unless Options.HeaderRow says otherwise), which
// is what error messages cite: a CSV cell with a line break inside it does
// not shift the numbers.
//
// A CSV row has the cells its line has, so that a short line shows; a
// workbook does not store a row's blank trailing cells, and its rows are
// filled out with blank cells to the width of the header.
type Row struct {
	Num   int
	Cells []string
}

// Cell returns the i-th cell, "" when the row is shorter.
func (r Row) Cell(i int) string {
	if i < 0 || i >= len(r.Cells) {
		return ""
	}
	return r.Cells[i]
}

// Reader gives the header and then the rows of a table, one at a time, so
// that a whole country's register need not fit in memory.
type Reader interface {
	// Header is the cleaned column names (see CleanName); empty trailing
	// columns are dropped.
	Header() []string
	// Next returns the next row that has any non-blank cell, or io.EOF.
	Next() (Row, error)
	// Progress is the share of the input read so far, between 0 and 1, or
	// -1 when it cannot be told.
	Progress() float64
	Close() error
}

// FormatError is a file that cannot be read as a table.
type FormatError struct {
	File string
	Row  int // 0 when the problem is not in one row
	Msg  string
}

func (e *FormatError) Error() string {
	if e.Row > 0 {
		return fmt.Sprintf("%s: row %d: %s", e.File, e.Row, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Open reads a CSV or XLSX file; which one is decided by the content (an
// XLSX file is a ZIP archive), not trusted from the extension.
func Open(path string, opt Options) (Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	name := filepath.Base(path)
	br := bufio.NewReaderSize(f, 1<<20)
	magic, _ := br.Peek(4)
	if bytes.Equal(magic, []byte("PK\x03\x04")) {
		r, err := NewXLSX(br, name, opt)
		f.Close() // excelize has read the whole archive
		return r, err
	}
	if strings.EqualFold(filepath.Ext(path), ".xlsx") {
		f.Close()
		return nil, &FormatError{File: name, Msg: "is named .xlsx but is not an Excel workbook (an .xlsx file is a ZIP archive); save it again from the spreadsheet program"}
	}
	if bytes.HasPrefix(magic, []byte("\xd0\xcf\x11\xe0")) {
		f.Close()
		return nil, &FormatError{File: name, Msg: "is an old Excel .xls workbook: save it as .xlsx or CSV"}
	}
	cr := &countingReader{r: br, total: st.Size()}
	r, err := newCSV(cr, name, opt, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// countingReader counts bytes for Progress.
type countingReader struct {
	r     io.Reader
	n     int64
	total int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// NewCSV reads CSV from r; name is used in errors.
func NewCSV(r io.Reader, name string, opt Options) (Reader, error) {
	return newCSV(r, name, opt, nil)
}

func newCSV(r io.Reader, name string, opt Options, closer io.Closer) (Reader, error) {
	if opt.Encoding != "" {
		enc, err := LookupEncoding(opt.Encoding)
		if err != nil {
			return nil, &FormatError{File: name, Msg: err.Error()}
		}
		if enc != nil {
			r = enc.NewDecoder().Reader(r)
		}
	}
	br := bufio.NewReaderSize(r, 64*1024)
	// The byte-order mark would otherwise stick to the first column's name.
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	headerRow := max(opt.HeaderRow, 1)
	delim := opt.Delimiter
	if delim == 0 {
		delim = sniffDelimiter(br, headerRow)
	}
	cr := csv.NewReader(br)
	cr.Comma = delim
	cr.FieldsPerRecord = -1 // rows shorter or longer than the header are read as they are
	cr.LazyQuotes = true    // a stray quote inside a field is taken literally
	cr.ReuseRecord = true
	c := &csvReader{name: name, cr: cr, closer: closer}
	if cnt, ok := r.(*countingReader); ok {
		c.count = cnt
	}
	for c.row < headerRow {
		rec, err := c.read()
		if err == io.EOF {
			return nil, &FormatError{File: name, Msg: fmt.Sprintf("has no header row (expected the column names in row %d)", headerRow)}
		}
		if err != nil {
			return nil, err
		}
		if c.row == headerRow {
			for i, v := range rec {
				if msg := NotUTF8(v); msg != "" {
					return nil, &FormatError{File: name, Row: headerRow, Msg: fmt.Sprintf("column %d of the header %s", i+1, msg)}
				}
			}
			c.header = cleanHeader(rec)
		}
	}
	if len(c.header) == 0 {
		return nil, &FormatError{File: name, Row: headerRow, Msg: "the header row is empty"}
	}
	return c, nil
}

// sniffDelimiter picks the separator that occurs most in the header line,
// outside quotes: European spreadsheet programs write semicolons.
func sniffDelimiter(br *bufio.Reader, headerRow int) rune {
	b, _ := br.Peek(64 * 1024)
	lines := bytes.SplitN(b, []byte("\n"), headerRow+1)
	b = lines[min(headerRow, len(lines))-1]
	counts := map[rune]int{}
	inQuote := false
	for _, ch := range string(b) {
		switch {
		case ch == '"':
			inQuote = !inQuote
		case !inQuote && (ch == ',' || ch == ';' || ch == '\t'):
			counts[ch]++
		}
	}
	best, n := ',', 0
	for _, d := range []rune{',', ';', '\t'} {
		if counts[d] > n {
			best, n = d, counts[d]
		}
	}
	return best
}

type csvReader struct {
	name   string
	cr     *csv.Reader
	header []string
	row    int
	// endLine is the input line on which the last record ended: blank lines
	// after it, which encoding/csv skips, still count as spreadsheet rows.
	endLine int
	count   *countingReader
	closer  io.Closer
}

func (c *csvReader) read() ([]string, error) {
	rec, err := c.cr.Read()
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		c.row++
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, &FormatError{File: c.name, Row: c.row, Msg: fmt.Sprintf("is not valid CSV: %v", pe.Err)}
		}
		return nil, &FormatError{File: c.name, Row: c.row, Msg: err.Error()}
	}
	start, _ := c.cr.FieldPos(0)
	c.row += 1 + max(0, start-c.endLine-1)
	last, _ := c.cr.FieldPos(len(rec) - 1)
	c.endLine = last + strings.Count(rec[len(rec)-1], "\n")
	return rec, nil
}

// NotUTF8 says, for a message, where a cell is not UTF-8 text: a Latin-1
// or windows-1252 file read as UTF-8 would put broken characters in the
// register. "" when the cell is valid. The rows' cells are checked by the
// mapping (mapping.Bound.Shape), which names the column; the header here.
func NotUTF8(s string) string {
	if utf8.ValidString(s) {
		return ""
	}
	return "is not UTF-8 text (" + badBytes(s) + "): save the file as UTF-8 (CSV UTF-8 in Excel), or name its encoding in the mapping, e.g. encoding: windows-1252"
}

// badBytes shows the first bytes that are not UTF-8, with what is around
// them, for a message.
func badBytes(s string) string {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			lo := max(0, i-10)
			for lo > 0 && !utf8.RuneStart(s[lo]) {
				lo--
			}
			return fmt.Sprintf("byte 0x%02X after %q", s[i], s[lo:i])
		}
		i += n
	}
	return "invalid bytes"
}

func (c *csvReader) Header() []string { return c.header }

func (c *csvReader) Next() (Row, error) { return nextRow(c.read, func() int { return c.row }) }

// nextRow reads records until one is not blank and returns it with its
// cells trimmed, the apostrophe that neutralises a formula taken off
// (UnescapeText), and the row number the spreadsheet shows, which num gives
// once the record is read.
func nextRow(read func() ([]string, error), num func() int) (Row, error) {
	for {
		rec, err := read()
		if err != nil {
			return Row{}, err
		}
		if blank(rec) {
			continue
		}
		cells := make([]string, len(rec))
		for i, v := range rec {
			cells[i] = UnescapeText(strings.TrimSpace(v))
		}
		return Row{Num: num(), Cells: cells}, nil
	}
}

func (c *csvReader) Progress() float64 {
	if c.count == nil || c.count.total <= 0 {
		return -1
	}
	return min(1, float64(c.count.n)/float64(c.count.total))
}

func (c *csvReader) Close() error {
	if c.closer != nil {
		return c.closer.Close()
	}
	return nil
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// cleanHeader cleans every name and drops empty trailing columns.
func cleanHeader(rec []string) []string {
	h := make([]string, len(rec))
	for i, v := range rec {
		h[i] = CleanName(UnescapeText(strings.TrimSpace(v)))
	}
	for len(h) > 0 && h[len(h)-1] == "" {
		h = h[:len(h)-1]
	}
	return h
}

// CleanName is a column name as people read it: line breaks, tabs and runs
// of spaces become one space, and the ends are trimmed. Mappings name
// columns this way.
func CleanName(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}
