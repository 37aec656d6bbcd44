// Package mapping reads mapping files: YAML that says, for one kind of
// spreadsheet, which column holds which field of the register, how its dates
// are written, which values mean "missing", how its categories translate, and
// which rows are not data. A mapping lets a user import a prison's register or
// a ministry's bulletin without writing code; docs/import.md describes the
// format.
package mapping

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/habeas-kh/habeas/internal/tabular"
	"github.com/habeas-kh/habeas/internal/yamlerr"
)

// Sections and the fields each may map. A field is written section.field;
// census counts are census.counts.CATEGORY with categories of the user's
// choosing.
var Sections = map[string][]string{
	"facility": {"id", "name", "kind", "province", "capacity", "capacity_date", "capacity_source"},
	"census":   {"date", "counts", "source", "note"},
	"cell":     {"facility", "label", "area_m2", "capacity", "category", "date"},
	"person":   {"id", "date", "name", "other_names", "sex", "gender", "dob", "dob_basis", "nationality", "id_document"},
	"admission": {"date", "facility", "cell", "status", "order_kind", "order_authority", "order_reference",
		"order_issued", "order_expires", "case", "court", "procedure", "offence_date",
		"release_date", "release_mechanism", "release_authority", "release_reference"},
	"charge": {"case", "date", "offence", "class", "min_months", "max_months", "life", "drug", "violent", "grave"},
	// A declared figure (habeas import declarations): reasons map each
	// reason category to the column that flags it (see flags).
	"declaration": {"date", "figure", "counts", "pledge", "as_of", "from", "facility", "area", "mechanism", "reasons", "group",
		"population_before", "declared_by", "source", "note"},
}

// topKeys are the settings outside the sections.
var topKeys = []string{"source", "sheet", "header_row", "delimiter", "encoding", "decimal_comma", "missing", "dates", "skip", "totals", "short_rows", "flags", "extra_columns"}

// DefaultTotals are the words that make a row a total rather than a
// facility when its facility identifier or name is one of them (compared
// without regard to case): a national total imported as a facility doubles
// the country's figure.
var DefaultTotals = []string{"TOTAL", "Totale", "Grand total", "Nationwide", "All"}

// Mapping is a parsed mapping file.
type Mapping struct {
	File         string
	Source       string   // who published the data: recorded with every census count and capacity
	Sheet        string   // XLSX worksheet
	HeaderRow    int      // 1-based; 0 means 1
	Delimiter    rune     // CSV separator; 0 guesses
	DecimalComma bool     // "1.015,0" style numbers
	Missing      []string // values meaning "not known", besides a blank cell
	Dates        []string // date formats, tried in order
	Skip         []Skip   // rows that are not data (totals, footnotes)
	Encoding     string   // of a CSV file that is not UTF-8 (tabular.Encodings)
	// Totals are the words that mark a total row (DefaultTotals unless the
	// mapping says otherwise; an empty list keeps such rows as facilities).
	Totals []string
	// ShortRows lets a CSV row have fewer cells than the header, the missing
	// ones being unknown; otherwise a short row is an error.
	ShortRows bool
	// ExtraColumns is how many columns past the header's last name the
	// file has without a name: their cells are not read (a stray note in
	// an unnamed column). Any cell further right is still an error.
	ExtraColumns int
	// Fields by name ("facility.id", "census.counts.total").
	Fields map[string]*Field
	// Categories are the census count categories in the order written.
	Categories []string
	// Reasons are the declaration reason categories in the order written
	// (fields declaration.reasons.CATEGORY, each a column that flags it).
	Reasons []string
	// Flags are the values that mark a reason column as flagged ("x");
	// a blank or missing cell is not flagged, and any other value is an
	// error: a flag is never guessed.
	Flags []string
	Line  int // of the root, for errors about the whole file
}

// Field is how one field of the register is read from a row: one way, or
// several tried in order (the first that gives a value wins).
type Field struct {
	Name string
	Line int
	Alts []*Alt
}

// Alt is one way of reading a field.
type Alt struct {
	Line     int
	Column   string   // read this column
	Columns  []string // or join these (for identifiers made of several columns)
	Join     string   // separator for Columns (default "-")
	Prefix   string   // put in front of the value (e.g. "IT-" for facility ids)
	Value    string   // or this constant
	HasValue bool
	// Values translates source values (compared without regard to case or
	// surrounding space); Default is used for a value not listed. Without a
	// default, an unlisted value makes the next way be tried, and is an
	// error when no way is left.
	Values map[string]string
	// Pairs are the translations as written, in order: an export through
	// the mapping turns a register value back into the first source value
	// that translates to it.
	Pairs      [][2]string
	Default    string
	HasDefault bool
}

// Skip says which rows are not data: the row is skipped when the column's
// cell equals one of Equals (ignoring case and surrounding space) or matches
// Matches.
type Skip struct {
	Line    int
	Column  string
	Equals  []string
	Matches *regexp.Regexp
}

// Error is a problem in a mapping file, with its line; a rule pack's
// problems are the same type.
type Error = yamlerr.Error

// Errors are all the problems found, in file order.
type Errors = yamlerr.Errors

// Load reads a mapping file.
func Load(path string) (*Mapping, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the mapping: %w", err)
	}
	return Parse(b, filepath.Base(path))
}

type loader struct {
	file string
	errs Errors
}

func (l *loader) errf(line int, format string, args ...any) {
	l.errs = append(l.errs, Error{File: l.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// Parse reads a mapping; file names it in errors. Every problem is reported,
// each with its line.
func Parse(data []byte, file string) (*Mapping, error) {
	l := &loader{file: file}
	m := l.parse(data)
	if len(l.errs) > 0 {
		sort.SliceStable(l.errs, func(i, j int) bool { return l.errs[i].Line < l.errs[j].Line })
		return nil, l.errs
	}
	return m, nil
}

func (l *loader) parse(data []byte) *Mapping {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		l.errf(yamlerr.Line(err), "not valid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		return nil
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		l.errf(doc.Line, "a mapping file must be a YAML mapping with sections such as facility: and census:")
		return nil
	}
	root := doc.Content[0]
	m := &Mapping{File: l.file, Fields: map[string]*Field{}, Line: root.Line, Totals: DefaultTotals}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if seen[k.Value] {
			l.errf(k.Line, "%s is given twice", k.Value)
			continue
		}
		seen[k.Value] = true
		switch k.Value {
		case "source":
			m.Source = l.str(v, "source")
		case "sheet":
			m.Sheet = l.str(v, "sheet")
		case "header_row":
			n, err := strconv.Atoi(l.str(v, "header_row"))
			if err != nil || n < 1 {
				l.errf(v.Line, "header_row must be a row number from 1")
			}
			m.HeaderRow = n
		case "delimiter":
			d := l.str(v, "delimiter")
			if d == `\t` || d == "tab" {
				d = "\t"
			}
			if r := []rune(d); len(r) != 1 || r[0] == '"' || r[0] == '\n' || r[0] == '\r' {
				l.errf(v.Line, "delimiter must be one character such as \",\", \";\" or tab")
			} else {
				m.Delimiter = r[0]
			}
		case "encoding":
			m.Encoding = l.str(v, "encoding")
			if _, err := tabular.LookupEncoding(m.Encoding); err != nil {
				l.errf(v.Line, "%v", err)
			}
		case "totals":
			if v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
				m.Totals = nil
			} else {
				m.Totals = l.strList(v, "totals", false)
			}
		case "short_rows":
			if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
				l.errf(v.Line, "short_rows must be true or false")
			}
			m.ShortRows = v.Value == "true"
		case "decimal_comma":
			if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
				l.errf(v.Line, "decimal_comma must be true or false")
			}
			m.DecimalComma = v.Value == "true"
		case "missing":
			m.Missing = l.strList(v, "missing", true)
		case "dates":
			m.Dates = l.strList(v, "dates", false)
			if _, err := tabular.NewDateParser(m.Dates); err != nil {
				l.errf(v.Line, "%v", err)
			}
		case "skip":
			m.Skip = l.skips(v)
		case "extra_columns":
			n, err := strconv.Atoi(l.str(v, "extra_columns"))
			if err != nil || n < 1 {
				l.errf(v.Line, "extra_columns must be a number of columns from 1")
			}
			m.ExtraColumns = n
		case "flags":
			m.Flags = l.strList(v, "flags", false)
		default:
			fields, ok := Sections[k.Value]
			if !ok {
				l.errf(k.Line, "unknown key %q (expected %s, or a section: %s)", k.Value, strings.Join(topKeys, ", "), strings.Join(sectionNames(), ", "))
				continue
			}
			l.section(m, k.Value, fields, v)
		}
	}
	return m
}

func sectionNames() []string {
	names := make([]string, 0, len(Sections))
	for n := range Sections {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (l *loader) section(m *Mapping, name string, fields []string, v *yaml.Node) {
	if v.Kind != yaml.MappingNode {
		l.errf(v.Line, "%s must be a mapping of field: column", name)
		return
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, fv := v.Content[i], v.Content[i+1]
		if !contains(fields, k.Value) {
			l.errf(k.Line, "unknown field %s.%s (the fields of %s are: %s)", name, k.Value, name, strings.Join(fields, ", "))
			continue
		}
		full := name + "." + k.Value
		if _, dup := m.Fields[full]; dup {
			l.errf(k.Line, "%s is given twice", full)
			continue
		}
		if full == "declaration.reasons" {
			m.Reasons = l.columnMap(m, full, fv, "reason",
				"declaration.reasons must map each reason to the column that flags it, e.g. vulnerable_populations: Vulnerable_Populations")
			continue
		}
		if full == "census.counts" {
			m.Categories = l.columnMap(m, full, fv, "census category",
				"census.counts must map each category to a column, e.g. total: \"People present\"")
			continue
		}
		m.Fields[full] = l.field(full, fv)
	}
}

// field reads a field: "Column name", {column: ...}, or a list of those.
// columnMap reads a mapping of categories to columns (census.counts,
// declaration.reasons): each category becomes the field full.CATEGORY; it
// returns the categories in the order written.
func (l *loader) columnMap(m *Mapping, full string, fv *yaml.Node, what, usage string) []string {
	if fv.Kind != yaml.MappingNode || len(fv.Content) == 0 {
		l.errf(fv.Line, "%s", usage)
		return nil
	}
	var cats []string
	for j := 0; j+1 < len(fv.Content); j += 2 {
		ck, cv := fv.Content[j], fv.Content[j+1]
		cat := strings.TrimSpace(ck.Value)
		if cat == "" || contains(cats, cat) {
			l.errf(ck.Line, "%s %q is empty or given twice", what, ck.Value)
			continue
		}
		cats = append(cats, cat)
		m.Fields[full+"."+cat] = l.field(full+"."+cat, cv)
	}
	return cats
}

func (l *loader) field(name string, v *yaml.Node) *Field {
	f := &Field{Name: name, Line: v.Line}
	switch v.Kind {
	case yaml.SequenceNode:
		if len(v.Content) == 0 {
			l.errf(v.Line, "%s: the list of ways to read it is empty", name)
		}
		for _, a := range v.Content {
			if a.Kind == yaml.SequenceNode {
				l.errf(a.Line, "%s: a list inside a list; give each way as a column name or {column: ...}", name)
				continue
			}
			if alt := l.alt(name, a); alt != nil {
				f.Alts = append(f.Alts, alt)
			}
		}
	default:
		if alt := l.alt(name, v); alt != nil {
			f.Alts = append(f.Alts, alt)
		}
	}
	return f
}

var altKeys = []string{"column", "columns", "join", "prefix", "value", "values", "default"}

func (l *loader) alt(name string, v *yaml.Node) *Alt {
	a := &Alt{Line: v.Line, Join: "-"}
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag == "!!null" || strings.TrimSpace(v.Value) == "" {
			l.errf(v.Line, "%s: give a column name, or {value: ...} for a constant", name)
			return nil
		}
		a.Column = tabular.CleanName(v.Value)
		return a
	case yaml.MappingNode:
	default:
		l.errf(v.Line, "%s: give a column name or a mapping such as {column: ..., values: {...}}", name)
		return nil
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, x := v.Content[i], v.Content[i+1]
		switch k.Value {
		case "column":
			a.Column = tabular.CleanName(l.str(x, name+".column"))
		case "columns":
			for _, c := range l.strList(x, name+".columns", false) {
				a.Columns = append(a.Columns, tabular.CleanName(c))
			}
		case "join":
			if x.Kind != yaml.ScalarNode {
				l.errf(x.Line, "%s.join must be a text", name)
			}
			a.Join = x.Value
		case "prefix":
			a.Prefix = l.str(x, name+".prefix")
		case "value":
			if x.Kind != yaml.ScalarNode {
				l.errf(x.Line, "%s.value must be a single value", name)
			}
			a.Value, a.HasValue = x.Value, true
		case "default":
			if x.Kind != yaml.ScalarNode {
				l.errf(x.Line, "%s.default must be a single value", name)
			}
			a.Default, a.HasDefault = x.Value, true
		case "values":
			if x.Kind != yaml.MappingNode {
				l.errf(x.Line, "%s.values must map source values to register values, e.g. {CC: prison}", name)
				continue
			}
			a.Values = map[string]string{}
			for j := 0; j+1 < len(x.Content); j += 2 {
				from, to := x.Content[j], x.Content[j+1]
				key := normValue(from.Value)
				if _, dup := a.Values[key]; dup {
					l.errf(from.Line, "%s.values: %q is given twice", name, from.Value)
				}
				if to.Kind != yaml.ScalarNode {
					l.errf(to.Line, "%s.values: %q must translate to a single value", name, from.Value)
				}
				a.Values[key] = to.Value
				a.Pairs = append(a.Pairs, [2]string{from.Value, to.Value})
			}
		default:
			l.errf(k.Line, "%s: unknown setting %q (expected %s)", name, k.Value, strings.Join(altKeys, ", "))
		}
	}
	n := 0
	for _, set := range []bool{a.Column != "", len(a.Columns) > 0, a.HasValue} {
		if set {
			n++
		}
	}
	if n != 1 {
		l.errf(v.Line, "%s: give exactly one of column, columns or value", name)
		return nil
	}
	return a
}

func (l *loader) skips(v *yaml.Node) []Skip {
	if v.Kind != yaml.SequenceNode {
		l.errf(v.Line, "skip must be a list such as - {column: State, equals: TOTAL}")
		return nil
	}
	var out []Skip
	for _, it := range v.Content {
		if it.Kind != yaml.MappingNode {
			l.errf(it.Line, "each skip rule must be a mapping such as {column: State, equals: TOTAL}")
			continue
		}
		s := Skip{Line: it.Line}
		for i := 0; i+1 < len(it.Content); i += 2 {
			k, x := it.Content[i], it.Content[i+1]
			switch k.Value {
			case "column":
				s.Column = tabular.CleanName(l.str(x, "skip.column"))
			case "equals":
				if x.Kind == yaml.SequenceNode {
					s.Equals = l.strList(x, "skip.equals", true)
				} else {
					s.Equals = []string{x.Value}
				}
			case "matches":
				re, err := regexp.Compile(l.str(x, "skip.matches"))
				if err != nil {
					l.errf(x.Line, "skip.matches is not a valid regular expression: %v", err)
				}
				s.Matches = re
			default:
				l.errf(k.Line, "skip: unknown setting %q (expected column, equals, matches)", k.Value)
			}
		}
		if s.Column == "" || (s.Equals == nil && s.Matches == nil) {
			l.errf(it.Line, "a skip rule needs a column and equals or matches")
			continue
		}
		out = append(out, s)
	}
	return out
}

func (l *loader) str(v *yaml.Node, what string) string {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		l.errf(v.Line, "%s must be a text", what)
		return ""
	}
	return v.Value
}

func (l *loader) strList(v *yaml.Node, what string, emptyOK bool) []string {
	if v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
		return []string{v.Value}
	}
	if v.Kind != yaml.SequenceNode {
		l.errf(v.Line, "%s must be a list", what)
		return nil
	}
	var out []string
	for _, x := range v.Content {
		if x.Kind != yaml.ScalarNode {
			l.errf(x.Line, "%s: each entry must be a text", what)
			continue
		}
		if !emptyOK && strings.TrimSpace(x.Value) == "" {
			l.errf(x.Line, "%s: an entry is empty", what)
			continue
		}
		out = append(out, x.Value)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func normValue(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ReadOptions are how to read the data file the mapping describes.
func (m *Mapping) ReadOptions() tabular.Options {
	return tabular.Options{Sheet: m.Sheet, HeaderRow: m.HeaderRow, Delimiter: m.Delimiter, Encoding: m.Encoding}
}

// Require checks that the fields an import needs are mapped; the error names
// the mapping file and what is missing.
func (m *Mapping) Require(what string, fields ...string) error {
	var errs Errors
	for _, f := range fields {
		if f == "census.counts" {
			if len(m.Categories) == 0 {
				errs = append(errs, Error{File: m.File, Line: m.Line, Msg: "census.counts is needed to " + what + ": map at least one category, e.g. total: \"People present\""})
			}
			continue
		}
		if m.Fields[f] == nil {
			errs = append(errs, Error{File: m.File, Line: m.Line, Msg: fmt.Sprintf("%s is needed to %s", f, what)})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// ErrNoValue is returned by Bound.Get for a field whose ways all give
// nothing: the cell is missing (blank, NA ...) or the field is not mapped.
var ErrNoValue = errors.New("no value")
