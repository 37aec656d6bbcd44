package report

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/i18n"
)

// The report in English and Khmer. Its words are the catalogue's
// (internal/i18n, keys report.*, fig.*, fcol.*, mech.*, group.* shared with
// the pages), its numbers and dates i18n's; the figures are the same
// Report in either language. The JSON and the CSVs in data/ keep English
// keys and headers; the JSON names them in both languages (Labels) and
// data/km/ has the CSVs with Khmer headers.

// note is a note of the report as a catalogue key and its arguments.
type note struct {
	key  string
	args []any
}

// sourceKm is a source in Khmer: its name (empty: none, the English is
// shown) and its use, ready for the page (empty: none).
type sourceKm struct {
	Name string
	Use  template.HTML
}

// code is an argument shown as it is in every language (a hash, a pack's
// name): its digits are not a number's.
type code string

// column is an argument naming a facility column by its key.
type column string

// note adds a note, in English to Notes and as a key for other languages.
func (r *Report) note(key string, args ...any) {
	r.notes = append(r.notes, note{key, args})
	r.Notes = append(r.Notes, text(i18n.English, key, args...))
}

// text is a catalogue text with its arguments in the language's form: in
// English as the report has always written them (ISO dates), in Khmer
// dates in words and Khmer numerals.
func text(l i18n.Lang, key string, args ...any) string {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = arg(l, a)
	}
	return fmt.Sprintf(l.T(key), out...)
}

// arg is an argument of a text in the language's form.
func arg(l i18n.Lang, a any) string {
	switch x := a.(type) {
	case domain.Date:
		if l == i18n.English {
			return x.String()
		}
		return l.Date(x)
	case int:
		if l == i18n.English {
			return strconv.Itoa(x)
		}
		return l.Num(x)
	case code:
		return string(x)
	case column:
		return columnLabel(l, string(x))
	case string:
		return l.Text(x)
	}
	return fmt.Sprint(a)
}

// textHTML is text for a page: escaped, with its code arguments (a hash,
// a pack's name) set as code, so that their digits read as a name's.
func textHTML(l i18n.Lang, key string, args ...any) template.HTML {
	out := make([]any, len(args))
	for i, a := range args {
		if c, ok := a.(code); ok {
			out[i] = "<code>" + template.HTMLEscapeString(string(c)) + "</code>"
		} else {
			out[i] = template.HTMLEscapeString(arg(l, a))
		}
	}
	return template.HTML(fmt.Sprintf(template.HTMLEscapeString(l.T(key)), out...))
}

// columnLabel is a facility column's label: the report's English, or the
// catalogue's column heading (fcol.*) in Khmer.
func columnLabel(l i18n.Lang, key string) string {
	if l == i18n.English {
		for _, c := range FacilityColumns {
			if c.Key == key {
				return c.Label
			}
		}
		return key
	}
	return l.T("fcol." + key)
}

// has reports whether the catalogue has a text for key.
func has(key string) bool {
	c, err := i18n.Messages()
	if err != nil {
		return false
	}
	_, ok := c[i18n.English][key]
	return ok
}

// figureLabel is a national figure's label in the language.
func (r *Report) figureLabel(l i18n.Lang, f Figure) string {
	if l == i18n.English {
		return f.Label
	}
	if f.Key == "population_census" && r.Census != nil {
		return text(l, "report.fig_population_census", r.Census.Facilities, r.Census.WindowDays)
	}
	if has("fig." + f.Key) {
		return l.T("fig." + f.Key)
	}
	return f.Label
}

// mechLabel is a mechanism's name in the language.
func mechLabel(l i18n.Lang, m string) string {
	if l == i18n.Khmer && has("mech."+m) {
		return l.T("mech." + m)
	}
	return MechanismLabel(m)
}

// groupLabel is a release group's name in the language.
func groupLabel(l i18n.Lang, g, en string) string {
	if l == i18n.Khmer && has("group."+g) {
		return l.T("group." + g)
	}
	return en
}

// labels are the report's Labels: figures, columns, mechanisms and groups
// in each language, by their English keys.
func (r *Report) labels() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, l := range i18n.Langs {
		m := map[string]string{}
		for _, f := range r.National {
			m["fig."+f.Key] = r.figureLabel(l, f)
		}
		for _, c := range r.Columns() {
			m["col."+c.Key] = columnLabel(l, c.Key)
		}
		for _, k := range domain.Mechanisms {
			m["mech."+string(k)] = mechLabel(l, string(k))
		}
		for g, en := range groupLabels {
			m["group."+string(g)] = groupLabel(l, string(g), en)
		}
		out[string(l)] = m
	}
	return out
}

// csvHeader is a CSV column's heading in Khmer: the catalogue's
// report.csv.*, a mechanism's or a facility column's name; the English
// heading for one it does not know.
func csvHeader(h string) string {
	switch {
	case has("report.csv." + h):
		return i18n.Khmer.T("report.csv." + h)
	case has("mech." + h):
		return i18n.Khmer.T("mech." + h)
	case has("fcol." + h):
		return i18n.Khmer.T("fcol." + h)
	}
	return h
}

// khmerTables are the Tables with Khmer headers: the same HXL row and the
// same rows, cell for cell.
func (r *Report) khmerTables() map[string][][]string {
	t := r.Tables()
	for name, rows := range t {
		head := make([]string, len(rows[0]))
		for i, h := range rows[0] {
			head[i] = csvHeader(h)
		}
		rows[0] = head
		t[name] = rows
	}
	return t
}

// markEn marks a text that has no Khmer (a name that is data, a note the
// register wrote) as English on a Khmer page.
func markEn(l i18n.Lang, s string) template.HTML {
	esc := template.HTMLEscapeString(s)
	if l == i18n.Khmer && strings.TrimSpace(s) != "" {
		return template.HTML(`<span lang="en">` + esc + `</span>`)
	}
	return template.HTML(esc)
}

// NotesIn are the report's notes in a language, for a page.
func (r *Report) NotesIn(l i18n.Lang) []template.HTML {
	out := make([]template.HTML, len(r.notes))
	for i, n := range r.notes {
		out[i] = textHTML(l, n.key, n.args...)
	}
	return out
}

// SourcesIn are the report's sources in a language, for a page: each its
// name in bold and its use, English marked where there is no Khmer.
func (r *Report) SourcesIn(l i18n.Lang) []template.HTML {
	out := make([]template.HTML, len(r.Sources))
	for i, s := range r.Sources {
		name, use := markEn(l, s.Name), markEn(l, s.Use)
		if l == i18n.Khmer && i < len(r.sourcesKm) {
			if k := r.sourcesKm[i]; k.Name != "" {
				name = template.HTML(template.HTMLEscapeString(k.Name))
			}
			if k := r.sourcesKm[i]; k.Use != "" {
				use = k.Use
			}
		}
		out[i] = "<strong>" + name + "</strong>: " + use
	}
	return out
}
