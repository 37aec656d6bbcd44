package mapping

import (
	"fmt"
	"sort"
	"strings"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/tabular"
)

// Bound is a mapping resolved against one file's header: every column it
// names is found, or binding fails naming the mapping line and the columns
// the file does have.
type Bound struct {
	M       *Mapping
	File    string // the data file, for messages
	Header  []string
	missing tabular.Missing
	dates   *tabular.DateParser
	fields  map[string]*boundField
	skips   []boundSkip
}

type boundField struct {
	f    *Field
	alts []boundAlt
}

type boundAlt struct {
	a    *Alt
	cols []int
}

type boundSkip struct {
	s   Skip
	col int
}

// Bind resolves the mapping's columns in header. Column names are compared
// as CleanName leaves them, then without regard to case.
func (m *Mapping) Bind(header []string, file string) (*Bound, error) {
	b := &Bound{M: m, File: file, Header: header, missing: tabular.NewMissing(m.Missing), fields: map[string]*boundField{}}
	var err error
	if b.dates, err = tabular.NewDateParser(m.Dates); err != nil {
		return nil, Errors{{File: m.File, Line: m.Line, Msg: err.Error()}}
	}
	var errs Errors
	find := func(line int, name string) int {
		for i, h := range header {
			if h == name {
				return i
			}
		}
		for i, h := range header {
			if strings.EqualFold(h, name) {
				return i
			}
		}
		errs = append(errs, Error{File: m.File, Line: line,
			Msg: fmt.Sprintf("column %q is not in the header of %s (its columns: %s)", name, file, quoteList(header))})
		return -1
	}
	names := make([]string, 0, len(m.Fields))
	for n := range m.Fields {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f := m.Fields[n]
		bf := &boundField{f: f}
		for _, a := range f.Alts {
			ba := boundAlt{a: a}
			cols := a.Columns
			if a.Column != "" {
				cols = []string{a.Column}
			}
			for _, c := range cols {
				ba.cols = append(ba.cols, find(a.Line, c))
			}
			bf.alts = append(bf.alts, ba)
		}
		b.fields[n] = bf
	}
	for _, s := range m.Skip {
		b.skips = append(b.skips, boundSkip{s: s, col: find(s.Line, s.Column)})
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		return nil, errs
	}
	return b, nil
}

func quoteList(h []string) string {
	q := make([]string, len(h))
	for i, s := range h {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// Has reports whether the field is mapped.
func (b *Bound) Has(field string) bool { return b.fields[field] != nil }

// Dates is the date parser the mapping sets up.
func (b *Bound) Dates() *tabular.DateParser { return b.dates }

// Missing is the set of values that mean "not known".
func (b *Bound) Missing() tabular.Missing { return b.missing }

// Skip reports whether the row is not data, by the mapping's skip rules.
func (b *Bound) Skip(row tabular.Row) bool {
	for _, s := range b.skips {
		v := strings.TrimSpace(row.Cell(s.col))
		for _, e := range s.s.Equals {
			if strings.EqualFold(v, strings.TrimSpace(e)) {
				return true
			}
		}
		if s.s.Matches != nil && s.s.Matches.MatchString(v) {
			return true
		}
	}
	return false
}

// Shape checks that a row has as many cells as the header: a row with more
// is what an unquoted "18,913" makes of a comma-separated file (18 in one
// column, 913 in the next, every later cell shifted), and a CSV row with
// fewer has lost cells, unless the mapping says short rows are allowed
// (short_rows: true). Blank cells past the header are harmless: spreadsheet
// programs write trailing separators.
//
// It also refuses a cell that is not UTF-8 text, naming its column, unless
// the mapping names the file's encoding (encoding:).
func (b *Bound) Shape(row tabular.Row) *CellError {
	n := len(b.Header)
	for i, v := range row.Cells {
		if msg := tabular.NotUTF8(v); msg != "" {
			col := fmt.Sprintf("column %d", i+1)
			if i < n {
				col = b.Header[i]
			}
			return &CellError{Column: col, Msg: msg}
		}
	}
	for i := len(row.Cells) - 1; i >= n+b.M.ExtraColumns; i-- {
		if row.Cells[i] != "" {
			return &CellError{Msg: fmt.Sprintf("the row has a cell in column %d, %s, past the %d columns of the header: a number written with a thousands separator and no quotes (18,913) splits in two and shifts every later cell; quote such numbers, or save the file with another separator",
				i+1, tabular.Clip(row.Cells[i]), n)}
		}
	}
	if k := len(row.Cells); k < n && !b.M.ShortRows {
		return &CellError{Column: b.Header[k], Msg: fmt.Sprintf("the row has %d cells but the header %d columns: the cells from this column on are missing (if the file leaves out trailing blank cells, say short_rows: true in the mapping and they are read as unknown)",
			k, n)}
	}
	return nil
}

// numberFields are the fields read as numbers.
func numberField(name string) bool {
	return strings.HasPrefix(name, "census.counts.") || NumberFields[name] || name == "declaration.figure" || name == "declaration.population_before" ||
		name == "facility.capacity" || name == "cell.capacity" || name == "cell.area_m2"
}

// NumberColumns are the columns of the header that fields holding numbers
// are read from, so that a sheet written back (the rejects of an import)
// keeps them numbers.
func (b *Bound) NumberColumns() map[int]bool {
	cols := map[int]bool{}
	for name, bf := range b.fields {
		if !numberField(name) {
			continue
		}
		for _, ba := range bf.alts {
			if ba.a.Column != "" && ba.a.Values == nil {
				cols[ba.cols[0]] = true
			}
		}
	}
	return cols
}

// Total reports whether the row's facility identifier or name is one of the
// mapping's total words, and which column said so.
func (b *Bound) Total(row tabular.Row) (string, bool) {
	if len(b.M.Totals) == 0 {
		return "", false
	}
	for _, f := range []string{"facility.id", "facility.name"} {
		bf := b.fields[f]
		if bf == nil {
			continue
		}
		for _, ba := range bf.alts {
			if ba.a.Column == "" {
				continue
			}
			v := strings.TrimSpace(row.Cell(ba.cols[0]))
			for _, w := range b.M.Totals {
				if strings.EqualFold(v, strings.TrimSpace(w)) {
					return b.Header[ba.cols[0]], true
				}
			}
		}
	}
	return "", false
}

// CellError is a cell whose value cannot be used.
type CellError struct {
	Column string // the source column, "" for a constant of the mapping
	Msg    string
}

func (e *CellError) Error() string {
	if e.Column == "" {
		return e.Msg
	}
	return fmt.Sprintf("column %q: %s", e.Column, e.Msg)
}

// Get reads a field from a row, trying its ways in order. It returns the
// value, the column it came from ("" for a constant) and ErrNoValue when the
// field is not mapped or every way gives a missing cell; a *CellError when
// a value is not in a translation table.
func (b *Bound) Get(field string, row tabular.Row) (string, string, error) {
	bf := b.fields[field]
	if bf == nil {
		return "", "", ErrNoValue
	}
	var unlisted *CellError
	for _, ba := range bf.alts {
		a := ba.a
		var raw, col string
		switch {
		case a.HasValue:
			raw = a.Value
		case a.Column != "":
			col = b.Header[ba.cols[0]]
			raw = row.Cell(ba.cols[0])
			if b.missing.Is(raw) {
				continue
			}
		default:
			parts := make([]string, 0, len(ba.cols))
			gap := false
			for _, c := range ba.cols {
				v := row.Cell(c)
				if b.missing.Is(v) {
					gap = true
					break
				}
				parts = append(parts, strings.TrimSpace(v))
			}
			if gap {
				continue
			}
			col = strings.Join(a.Columns, " + ")
			raw = strings.Join(parts, a.Join)
		}
		raw = strings.TrimSpace(raw)
		if a.Values != nil {
			if t, ok := a.Values[normValue(raw)]; ok {
				raw = t
			} else if a.HasDefault {
				raw = a.Default
			} else {
				// The last way's refusal is the one to report: earlier ways
				// are often meant for a few values only (Juvenile, say).
				unlisted = &CellError{Column: col, Msg: fmt.Sprintf("%s is not one of the values the mapping translates (%s:%d: %s)",
					tabular.Clip(raw), b.M.File, a.Line, strings.Join(sortedKeys(a.Values), ", "))}
				continue
			}
		}
		if strings.TrimSpace(raw) == "" {
			continue // a translation to "" means "not known"
		}
		return a.Prefix + raw, col, nil
	}
	if unlisted != nil {
		return "", unlisted.Column, unlisted
	}
	return "", "", ErrNoValue
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Whole reads a whole number. ok is false when the value is missing.
func (b *Bound) Whole(field string, row tabular.Row) (n int, ok bool, err error) {
	v, col, err := b.Get(field, row)
	if err == ErrNoValue {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	n, perr := tabular.ParseWhole(v, b.M.DecimalComma)
	if perr != nil {
		return 0, false, &CellError{Column: col, Msg: perr.Error() + ": expected a whole number"}
	}
	return n, true, nil
}

// Date reads a date with the mapping's formats. ok is false when the value
// is missing.
func (b *Bound) Date(field string, row tabular.Row) (d domain.Date, ok bool, err error) {
	v, col, err := b.Get(field, row)
	if err == ErrNoValue {
		return domain.NoDate, false, nil
	}
	if err != nil {
		return domain.NoDate, false, err
	}
	if col == "" {
		// A constant of the mapping is written as an ISO date, whatever the
		// formats of the file.
		if d, err := domain.ParseDate(v); err == nil {
			return d, true, nil
		}
	}
	d, perr := b.dates.Parse(v)
	if perr != nil {
		return domain.NoDate, false, &CellError{Column: col, Msg: perr.Error()}
	}
	return d, true, nil
}

// ColumnOf is the first column a field is read from ("" when it is not
// mapped, or read from a constant), for messages about a missing value.
func (b *Bound) ColumnOf(field string) string {
	bf := b.fields[field]
	if bf == nil {
		return ""
	}
	for _, ba := range bf.alts {
		if ba.a.Column != "" {
			return b.Header[ba.cols[0]]
		}
		if len(ba.a.Columns) > 0 {
			return strings.Join(ba.a.Columns, " + ")
		}
	}
	return ""
}
