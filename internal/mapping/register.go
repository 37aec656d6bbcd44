package mapping

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/tabular"
)

// Column is one column of habeas's own layout for the register's sheets: the
// field it holds and the name habeas gives it.
type Column struct {
	Field string
	Name  string
}

// RegisterLayouts are the sheets of individual records, people, admissions
// and charges, as `habeas export` writes them and `habeas import` reads them
// without a mapping file (docs/import.md).
var RegisterLayouts = map[string][]Column{
	"people": {
		{"person.id", "id"}, {"person.date", "registered"}, {"person.name", "name"}, {"person.other_names", "other_names"},
		{"person.sex", "sex"}, {"person.gender", "gender"}, {"person.dob", "dob"}, {"person.dob_basis", "dob_basis"},
		{"person.nationality", "nationality"}, {"person.id_document", "id_document"},
	},
	"admissions": {
		{"person.id", "person"}, {"admission.date", "date"}, {"admission.facility", "facility"}, {"admission.cell", "cell"},
		{"admission.status", "status"}, {"admission.order_kind", "order_kind"}, {"admission.order_authority", "order_authority"},
		{"admission.order_reference", "order_reference"}, {"admission.order_issued", "order_issued"},
		{"admission.order_expires", "order_expires"}, {"admission.case", "case"}, {"admission.court", "court"},
		{"admission.procedure", "procedure"}, {"admission.offence_date", "offence_date"},
		{"admission.release_date", "release_date"}, {"admission.release_mechanism", "release_mechanism"},
		{"admission.release_authority", "release_authority"}, {"admission.release_reference", "release_reference"},
	},
	"charges": {
		{"person.id", "person"}, {"charge.case", "case"}, {"charge.date", "date"}, {"charge.offence", "offence"},
		{"charge.class", "class"}, {"charge.min_months", "min_months"}, {"charge.max_months", "max_months"},
		{"charge.life", "life"}, {"charge.drug", "drug"}, {"charge.violent", "violent"}, {"charge.grave", "grave"},
	},
}

// DateFields are the fields that hold dates: read with the mapping's date
// formats, written with the first of them.
var DateFields = map[string]bool{
	"person.date": true, "person.dob": true, "admission.date": true, "admission.order_issued": true,
	"admission.order_expires": true, "admission.offence_date": true, "admission.release_date": true,
	"charge.date": true, "facility.capacity_date": true, "census.date": true, "cell.date": true,
}

// registerDefault is the mapping of habeas's own layout of a register
// sheet. Every field is mapped, so that a file without one of the columns
// is refused with the columns it does have, except the optional ones the
// file leaves out.
func registerDefault(what string, header []string) (*Mapping, bool) {
	cols, ok := RegisterLayouts[what]
	if !ok {
		return nil, false
	}
	has := map[string]bool{}
	for _, h := range header {
		has[strings.ToLower(h)] = true
	}
	m := &Mapping{File: "(habeas's own layout)", Fields: map[string]*Field{}, Line: 1}
	for _, c := range cols {
		if !has[c.Name] && !requiredColumn[what+"/"+c.Field] {
			continue
		}
		m.Fields[c.Field] = &Field{Name: c.Field, Line: 1, Alts: []*Alt{{Line: 1, Column: c.Name, Join: "-"}}}
	}
	return m, true
}

// requiredColumn are the columns of habeas's layout a file must have.
var requiredColumn = map[string]bool{
	"people/person.id": true, "people/person.date": true, "people/person.name": true, "people/person.sex": true,
	"admissions/person.id": true, "admissions/admission.date": true, "admissions/admission.facility": true, "admissions/admission.status": true,
	"charges/person.id": true, "charges/charge.case": true, "charges/charge.date": true, "charges/charge.offence": true, "charges/charge.class": true,
}

// Bool reads a yes/no field: true, yes, y, 1 or false, no, n, 0 (any case),
// after the mapping's translation (values: {oui: true, non: false}). ok is
// false when the value is missing.
func (b *Bound) Bool(field string, row tabular.Row) (v, ok bool, err error) {
	s, col, err := b.Get(field, row)
	if err == ErrNoValue {
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	switch strings.ToLower(s) {
	case "true", "yes", "y", "1":
		return true, true, nil
	case "false", "no", "n", "0":
		return false, true, nil
	}
	return false, false, &CellError{Column: col, Msg: fmt.Sprintf("%q is not yes or no: expected true or false (translate other words with values: in the mapping)", s)}
}

// Out is a mapping turned around, to write a sheet the way its source
// writes it: the source's column names, its first date format, its words
// for the register's values.
type Out struct {
	cols   []outCol
	layout string // Go time layout for dates; "" writes Excel serial numbers
}

type outCol struct {
	name   string
	field  int // index into the fields given to Out
	date   bool
	number bool
	alt    *Alt
}

// NumberFields are the fields of the register's sheets that hold numbers
// (census counts, capacities and areas are numbers too, in their own
// sheets).
var NumberFields = map[string]bool{"charge.min_months": true, "charge.max_months": true}

// Out prepares writing the fields, in the order given, through the
// mapping. A field the mapping does not read from a column (a constant, or
// not mapped) is not written; a field read from several joined columns
// cannot be split back and is an error.
func (m *Mapping) Out(fields []string) (*Out, error) {
	o := &Out{layout: "2006-01-02"}
	if len(m.Dates) > 0 {
		f := m.Dates[0]
		if strings.EqualFold(strings.TrimSpace(f), "excel") {
			o.layout = ""
		} else {
			l, err := tabular.Layout(f)
			if err != nil {
				return nil, Errors{{File: m.File, Line: m.Line, Msg: err.Error()}}
			}
			o.layout = l
		}
	}
	var errs Errors
	for i, name := range fields {
		f := m.Fields[name]
		if f == nil {
			continue
		}
		var use *Alt
		for _, a := range f.Alts {
			if a.Column != "" {
				use = a
				break
			}
			if len(a.Columns) > 0 {
				errs = append(errs, Error{File: m.File, Line: a.Line, Msg: fmt.Sprintf("%s joins several columns: an export cannot split it back; map it to one column", name)})
				break
			}
		}
		if use != nil {
			o.cols = append(o.cols, outCol{name: use.Column, field: i, date: DateFields[name], number: NumberFields[name] && len(use.Pairs) == 0, alt: use})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return o, nil
}

// Header is the column names to write.
func (o *Out) Header() []string {
	h := make([]string, len(o.cols))
	for i, c := range o.cols {
		h[i] = c.name
	}
	return h
}

// Numeric is the columns that hold numbers: the number fields, and dates
// when they are written as Excel serial numbers. A column the mapping
// translates is text.
func (o *Out) Numeric() []int {
	var cols []int
	for i, c := range o.cols {
		if c.number || (c.date && o.layout == "") {
			cols = append(cols, i)
		}
	}
	return cols
}

// Row turns the register's values of the fields (dates as YYYY-MM-DD, ""
// for nothing) into the cells of a row; into is reused when large enough.
func (o *Out) Row(vals []string, into []string) []string {
	into = into[:0]
	for _, c := range o.cols {
		into = append(into, o.cell(c, vals[c.field]))
	}
	return into
}

func (o *Out) cell(c outCol, v string) string {
	if v == "" {
		return ""
	}
	a := c.alt
	if a.Prefix != "" {
		v = strings.TrimPrefix(v, a.Prefix)
	}
	for _, p := range a.Pairs {
		if p[1] == v {
			return p[0]
		}
	}
	if c.date {
		d, err := domain.ParseDate(v)
		if err != nil {
			return v
		}
		if o.layout == "" {
			return strconv.Itoa(d.DaysSince(domain.MakeDate(1899, 12, 30)))
		}
		return time.Date(d.Year(), time.Month(d.Month()), d.Day(), 0, 0, 0, 0, time.UTC).Format(o.layout)
	}
	return v
}
