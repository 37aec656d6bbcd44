package report

import (
	"bytes"
	"embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/i18n"
	"github.com/habeas-kh/habeas/internal/pledges"
	"github.com/habeas-kh/habeas/internal/tabular"
)

//go:embed assets/report.html.tmpl assets/report.css assets/fonts
var assets embed.FS

// Files renders the report in a format: "html" (a page with its stylesheet
// and charts, printable on A4, plus the open data beside it), "json" or
// "csv" (one CSV file per table, each with an HXL hashtag row). The result
// maps file names to contents.
func (r *Report) Files(format string) (map[string][]byte, error) {
	return r.FilesIn(format, i18n.English)
}

// FilesIn renders the report in a format with its page in a language (the
// open data are the same in every language: English headers in data/,
// Khmer headers in data/km/). The CSV format writes both.
func (r *Report) FilesIn(format string, l i18n.Lang) (map[string][]byte, error) {
	out := map[string][]byte{}
	switch format {
	case "json":
		b, err := r.JSON()
		if err != nil {
			return nil, err
		}
		out["report.json"] = b
	case "csv":
		for name, rows := range r.Tables() {
			b, err := writeCSV(rows)
			if err != nil {
				return nil, fmt.Errorf("writing %s: %w", name, err)
			}
			out[name+".csv"] = b
		}
		for name, rows := range r.khmerTables() {
			b, err := writeCSV(rows)
			if err != nil {
				return nil, fmt.Errorf("writing km/%s: %w", name, err)
			}
			out["km/"+name+".csv"] = b
		}
	case "html":
		page, err := r.HTMLIn(l)
		if err != nil {
			return nil, err
		}
		css, err := assets.ReadFile("assets/report.css")
		if err != nil {
			return nil, err
		}
		out["index.html"], out["report.css"] = page, css
		// The Khmer font, so that a Khmer page reads on a machine with none.
		fonts, err := fs.Glob(assets, "assets/fonts/*")
		if err != nil {
			return nil, err
		}
		for _, f := range fonts {
			if out["fonts/"+path.Base(f)], err = assets.ReadFile(f); err != nil {
				return nil, err
			}
		}
		// The page links its open data: publish them together.
		for _, f := range []string{"json", "csv"} {
			more, err := r.Files(f)
			if err != nil {
				return nil, err
			}
			for k, v := range more {
				out["data/"+k] = v
			}
		}
	default:
		return nil, fmt.Errorf("unknown report format %q (html, json or csv)", format)
	}
	return out, nil
}

// WriteDir writes the files of a format into dir, creating it.
func (r *Report) WriteDir(dir, format string) ([]string, error) {
	return r.WriteDirIn(dir, format, i18n.English)
}

// WriteDirIn writes the files of a format, with the page in a language,
// into dir, creating it.
func (r *Report) WriteDirIn(dir, format string, l i18n.Lang) ([]string, error) {
	files, err := r.FilesIn(format, l)
	if err != nil {
		return nil, err
	}
	var names []string
	for name, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, fmt.Errorf("writing the report: %w", err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return nil, fmt.Errorf("writing the report: %w", err)
		}
		names = append(names, name)
	}
	return names, nil
}

// JSON is the whole report as indented JSON.
func (r *Report) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the report: %w", err)
	}
	return append(b, '\n'), nil
}

// Tables are the report's tables as CSV rows: a header row, an HXL hashtag
// row (the Humanitarian Exchange Language convention), then the data.
func (r *Report) Tables() map[string][][]string {
	t := map[string][][]string{}
	t["national"] = [][]string{{"key", "label", "value", "unit", "date", "source", "headline", "previous_date", "change", "per_100k"},
		{"#indicator+code", "#indicator+name", "#indicator+value+num", "#indicator+unit", "#date", "#meta+source",
			"#indicator+headline", "#date+previous", "#indicator+change+num", "#indicator+rate+per100k+num"}}
	opt := func(f *float64) string {
		if f == nil {
			return ""
		}
		return num(*f)
	}
	for _, f := range r.National {
		t["national"] = append(t["national"], []string{f.Key, f.Label, num(f.Value), f.Unit, f.Date, f.Source,
			strconv.FormatBool(f.Headline), f.PreviousDate, opt(f.Change), opt(f.Per100k)})
	}
	head := []string{"facility_id", "facility", "kind", "province", "capacity", "capacity_date", "occupancy_pct"}
	tags := []string{"#loc+code", "#loc+name", "#loc+type", "#adm1+name", "#capacity", "#date+capacity", "#capacity+occupancy+pct"}
	cols := r.Columns()
	for _, c := range cols {
		head, tags = append(head, c.Key), append(tags, c.HXL)
	}
	t["facilities"] = [][]string{head, tags}
	for _, f := range r.Facilities {
		occ := "*"
		if f.OccupancyPct != nil {
			occ = num(*f.OccupancyPct)
		} else if f.Capacity == 0 {
			occ = ""
		}
		row := []string{f.ID, f.Name, f.Kind, f.Province, strconv.Itoa(f.Capacity), f.CapacityDate, occ}
		for _, c := range cols {
			row = append(row, f.Counts[c.Key].CSV())
		}
		t["facilities"] = append(t["facilities"], row)
	}
	t["releases_by_mechanism"] = [][]string{{"mechanism", "released", "from", "to"}, {"#x_mechanism", "#affected+released+num", "#date+start", "#date+end"}}
	for _, m := range r.Releases.ByMechanism {
		t["releases_by_mechanism"] = append(t["releases_by_mechanism"], []string{m.Key, strconv.Itoa(m.Count), r.Releases.From, r.Releases.To})
	}
	rel := func(tb ReleaseTable, first, firstTag string) [][]string {
		h := []string{first, "name"}
		tg := []string{firstTag, firstTag[:strings.IndexByte(firstTag[1:], '+')+1] + "+name"}
		for _, m := range tb.Columns {
			h, tg = append(h, m), append(tg, "#affected+released+"+m)
		}
		h, tg = append(h, "total"), append(tg, "#affected+released+total")
		rows := [][]string{h, tg}
		for i, id := range tb.Rows {
			row := []string{id, tb.Labels[i]}
			for _, c := range tb.Cells[i] {
				row = append(row, c.CSV())
			}
			rows = append(rows, append(row, tb.Totals[i].CSV()))
		}
		return rows
	}
	t["releases_by_facility"] = rel(r.Releases.ByFacility, "facility_id", "#loc+code")
	t["releases_by_group"] = rel(r.Releases.ByGroup, "group", "#group+code")
	t["releases_by_province"] = [][]string{{"province", "released"}, {"#adm1+name", "#affected+released+num"}}
	for _, p := range r.Releases.ByProvince {
		t["releases_by_province"] = append(t["releases_by_province"], []string{p.Province, p.Released.CSV()})
	}
	t["pledges"] = [][]string{{"id", "title", "made_by", "kind", "announced", "start", "deadline", "target", "achieved", "basis", "pct_of_target", "status", "counts", "source",
		"achieved_by_policy", "pct_of_target_by_policy"},
		{"#x_pledge+code", "#x_pledge+name", "#org+name", "#x_pledge+type", "#date+announced", "#date+start", "#date+end", "#targeted+num", "#reached+num", "#meta+basis", "#reached+pct", "#status", "#description", "#meta+source",
			"#reached+policy+num", "#reached+policy+pct"}}
	t["declared_figures"] = [][]string{{"pledge", "date", "as_of", "figure", "declared_by", "recorded", "difference", "source"},
		{"#x_pledge+code", "#date+declared", "#date", "#reached+declared+num", "#org+name", "#reached+recorded+num", "#reached+difference+num", "#meta+source"}}
	for _, p := range r.Pledges {
		// Empty for a pledge that does not count releases.
		byPolicy, byPolicyPct := "", ""
		if p.ByPolicy != nil {
			byPolicy, byPolicyPct = strconv.Itoa(*p.ByPolicy), num(*p.ByPolicyPct)
		}
		t["pledges"] = append(t["pledges"], []string{p.ID, p.Title, p.MadeBy, p.Kind, p.Announced, p.Start, p.Deadline, strconv.Itoa(p.Target),
			strconv.Itoa(p.Achieved), p.Basis, num(p.Pct), p.Status, p.Counts, p.Source, byPolicy, byPolicyPct})
		for _, d := range p.Declared {
			rec, diff := "", ""
			if d.Recorded != nil {
				rec, diff = strconv.Itoa(*d.Recorded), strconv.Itoa(*d.Difference)
			}
			t["declared_figures"] = append(t["declared_figures"], []string{p.ID, d.Date, d.AsOf, strconv.Itoa(d.Figure), d.DeclaredBy, rec, diff, d.Source})
		}
	}
	t["declarations"] = [][]string{{"date", "from", "as_of", "counts", "figure", "facility", "area", "mechanism", "reasons", "group", "population_before",
		"declared_by", "recorded", "difference", "source", "note"},
		{"#date+declared", "#date+start", "#date+end", "#x_declared+type", "#reached+declared+num", "#loc+code", "#loc+name", "#x_mechanism",
			"#x_reason", "#group+code", "#population+before+num", "#org+name", "#reached+recorded+num", "#reached+difference+num", "#meta+source", "#description"}}
	t["declared_totals"] = [][]string{{"by", "key", "figure"}, {"#meta+dimension", "#x_category", "#reached+declared+num"}}
	if d := r.Declared; d != nil {
		for _, f := range d.Figures {
			rec, diff, pop := "", "", ""
			if f.Recorded != nil {
				rec, diff = strconv.Itoa(*f.Recorded), strconv.Itoa(*f.Difference)
			}
			if f.Population != nil {
				pop = strconv.Itoa(*f.Population)
			}
			t["declarations"] = append(t["declarations"], []string{f.Date, f.From, f.AsOf, f.Counts, strconv.Itoa(f.Figure), f.Facility, f.Area,
				f.Mechanism, strings.Join(f.Reasons, ";"), f.Group, pop, f.DeclaredBy, rec, diff, f.Source, f.Note})
		}
		if d.Count > 0 {
			t["declared_totals"] = append(t["declared_totals"], []string{"all", "total", strconv.Itoa(d.Total)})
		}
		for _, dim := range []struct {
			by string
			cs []pledges.Count
		}{{"counts", d.ByKind}, {"reason", d.ByReason}, {"mechanism", d.ByMechanism}} {
			for _, c := range dim.cs {
				t["declared_totals"] = append(t["declared_totals"], []string{dim.by, c.Key, strconv.Itoa(c.Count)})
			}
		}
	}
	t["observed"] = r.observedTable()
	t["reforms"] = [][]string{{"id", "title", "promised_by", "date", "status", "source", "note"},
		{"#x_reform+code", "#x_reform+name", "#org+name", "#date", "#status", "#meta+source", "#description"}}
	for _, rf := range r.Reforms {
		for _, c := range rf.Changes {
			t["reforms"] = append(t["reforms"], []string{rf.ID, rf.Title, rf.PromisedBy, c.Date, c.Status, c.Source, c.Note})
		}
	}
	if r.Census != nil {
		t["census"] = [][]string{{"facility_id", "facility", "province", "count_date", "stale", "population", "capacity", "warning"},
			{"#loc+code", "#loc+name", "#adm1+name", "#date", "#status+stale", "#population+total", "#capacity", "#meta+warning"}}
		for _, c := range r.Census.Rows {
			t["census"] = append(t["census"], []string{c.ID, c.Name, c.Province, c.Date, strconv.FormatBool(c.Stale), c.Population.CSV(),
				strconv.Itoa(c.Capacity), c.Warning})
		}
	}
	if r.Concerns != nil {
		t["concerns"] = [][]string{{"category", "label", "markers"}, {"#x_concern+code", "#x_concern+name", "#affected+markers+num"}}
		for _, c := range r.Concerns.Rows {
			t["concerns"] = append(t["concerns"], []string{c.Category, c.Label, c.Markers.CSV()})
		}
	}
	t["trend"] = [][]string{{"date", "population", "capacity", "occupancy_pct"}, {"#date", "#population+total", "#capacity", "#capacity+occupancy+pct"}}
	for _, p := range r.Trend {
		t["trend"] = append(t["trend"], []string{p.Date, strconv.Itoa(p.Population), strconv.Itoa(p.Capacity), num(p.OccupancyPct)})
	}
	if r.Synthetic {
		// A table of a synthetic register says so on every row: a file
		// copied or a row pasted elsewhere carries it along.
		for name, rows := range t {
			rows[0], rows[1] = append(rows[0], "data_status"), append(rows[1], "#meta+synthetic")
			for i := 2; i < len(rows); i++ {
				rows[i] = append(rows[i], r.SyntheticNote)
			}
			t[name] = rows
		}
	}
	return t
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// writeCSV writes a table with every text cell neutralised against
// spreadsheet formulas (tabular.Cell): a facility or pledge named "=..." or
// "-..." gets a leading apostrophe. Which columns hold numbers is said by
// the table's HXL row, not guessed from the cells, so that a negative
// difference stays a number.
func writeCSV(rows [][]string) ([]byte, error) {
	var numeric []bool
	if len(rows) > 1 {
		for _, tag := range rows[1] {
			numeric = append(numeric, numericTag(tag))
		}
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	out := make([]string, 0, 16)
	for _, row := range rows {
		out = out[:0]
		for i, c := range row {
			out = append(out, tabular.Cell(c, i < len(numeric) && numeric[i]))
		}
		if err := w.Write(out); err != nil {
			return nil, err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// numericTag reports whether an HXL hashtag names a column of numbers: a
// count of people or places, or an attribute +num or +pct.
func numericTag(tag string) bool {
	parts := strings.Split(strings.ToLower(tag), "+")
	switch parts[0] {
	case "#population", "#capacity", "#affected", "#targeted", "#reached":
		return true
	}
	for _, a := range parts[1:] {
		if a == "num" || a == "pct" {
			return true
		}
	}
	return false
}

// HTML renders the report page in English.
func (r *Report) HTML() ([]byte, error) { return r.HTMLIn(i18n.English) }

// HTMLIn renders the report page in a language. It has no script and loads
// nothing but its stylesheet (and, in Khmer, the font beside it), so it
// works offline and under a strict content security policy.
func (r *Report) HTMLIn(l i18n.Lang) ([]byte, error) {
	km := l == i18n.Khmer
	num := func(v any) (string, error) {
		s, err := fmtNum(v)
		if err != nil || !km || s == "—" {
			return s, err
		}
		n, _ := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
		return l.Num(n), nil
	}
	pct := func(v any) (string, error) {
		s, err := fmtPct(v)
		if err != nil || !km || s == "—" {
			return s, err
		}
		f, _ := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
		return l.Pct(f), nil
	}
	word := func(prefix, v string) template.HTML {
		if km && has(prefix+v) {
			return template.HTML(template.HTMLEscapeString(l.T(prefix + v)))
		}
		return markEn(l, strings.ReplaceAll(v, "_", " "))
	}
	cell := func(c Cell) string {
		if c.Value == nil {
			return "*"
		}
		return l.Num(*c.Value)
	}
	if !km {
		cell = fmtCell
	}
	t, err := template.New("report.html.tmpl").Funcs(template.FuncMap{
		"lang": func() string { return string(l) },
		"t":    l.T,
		"tf":   func(key string, args ...any) string { return text(l, key, args...) },
		"num":  num,
		"pct":  pct,
		"cell": cell,
		"date": func(s string) string {
			if km {
				// A period ("2020-01-01 to 2020-12-31") is a date too.
				s = strings.ReplaceAll(s, " to ", " "+l.T("report.to")+" ")
			}
			return l.Text(s)
		},
		"src":  func(v string) template.HTML { return word("report.src_", v) },
		"stop": func() string { return l.T("report.stop") },
		"titleText": func() string {
			if km && r.titleKm != "" {
				return r.titleKm
			}
			return r.Title
		},
		"title": func() template.HTML {
			if km && r.titleKm != "" {
				return template.HTML(template.HTMLEscapeString(r.titleKm))
			}
			return markEn(l, r.Title)
		},
		"en":       func(s string) template.HTML { return markEn(l, s) },
		"mech":     func(m string) string { return mechLabel(l, m) },
		"kind":     func(v string) template.HTML { return word("kind.", v) },
		"pstatus":  func(v string) template.HTML { return word("pstatus.", v) },
		"rstatus":  func(v string) template.HTML { return word("rstatus.", v) },
		"label":    func(v string) template.HTML { return markEn(l, strings.ReplaceAll(v, "_", " ")) },
		"figLabel": func(f Figure) string { return r.figureLabel(l, f) },
		"colLabel": func(c Column) string { return columnLabel(l, c.Key) },
		"group":    func(code, en string) string { return groupLabel(l, code, en) },
		"scope": func() template.HTML {
			for _, k := range []string{"report.scope_prison", "report.scope_declared_only"} {
				if r.Scope == i18n.English.T(k) {
					return template.HTML(template.HTMLEscapeString(l.T(k)))
				}
			}
			return markEn(l, r.Scope)
		},
		"protection": func() string {
			if r.declaredOnly {
				return l.T("report.protection_declared_only")
			}
			return text(l, "report.protection_note", r.Protection.Threshold)
		},
		"notes":     func() []template.HTML { return r.NotesIn(l) },
		"sources":   func() []template.HTML { return r.SourcesIn(l) },
		"synthetic": func() string { return l.T("synthetic.banner") },
		"concern": func(c ConcernRow) string {
			if km && has("report.concern_"+strings.TrimSuffix(c.Category, "_detention")) {
				return l.T("report.concern_" + map[string]string{domain.MarkerPolitical: "political", domain.MarkerDrugArbitrary: "drug_arbitrary",
					domain.MarkerIllTreatment: "ill_treatment"}[c.Category])
			}
			return c.Label
		},
		"concernNote": func() string { return text(l, "report.concerns_note", r.Protection.Threshold) },
		"observedSource": func(s string) template.HTML {
			if km {
				if v, ok := strings.CutPrefix(s, "monitoring visit "); ok {
					return template.HTML(template.HTMLEscapeString(text(l, "report.observed_visit", code(v))))
				}
			}
			return markEn(l, s)
		},
		"officialSource": func(s string) template.HTML {
			for _, k := range []string{"report.official_register", "report.official_census", "report.official_none"} {
				if s == i18n.English.T(k) {
					return template.HTML(template.HTMLEscapeString(l.T(k)))
				}
			}
			return markEn(l, s)
		},
		"change": func(f Figure) string {
			if f.Change == nil {
				return "—"
			}
			v := *f.Change
			unit := ""
			if f.Unit == "percent" {
				unit = " " + l.T("report.points")
			}
			abs := func(x float64) string {
				if km {
					if x == float64(int(x)) {
						return l.Num(int(x))
					}
					return l.Dec(x)
				}
				return english.Sprintf("%v", x)
			}
			switch {
			case v > 0:
				return "+" + abs(v) + unit
			case v < 0:
				return "−" + abs(-v) + unit
			}
			return l.T("report.no_change")
		},
		"rate": func(f *float64) string {
			if f == nil {
				return "—"
			}
			if km {
				return l.Dec(*f)
			}
			return english.Sprintf("%.1f", *f)
		},
		"trendChart":     func() template.HTML { return trendChart(l, r.Trend) },
		"occupancyChart": func() template.HTML { return occupancyChart(l, r.Facilities) },
		"mechanismChart": func() template.HTML { return mechanismChart(l, r.Releases.ByMechanism) },
		"pledgeBar":      func(p pledges.Progress) template.HTML { return pledgeBar(l, p) },
	}).ParseFS(assets, "assets/report.html.tmpl")
	if err != nil {
		return nil, fmt.Errorf("loading the report template: %w", err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, struct {
		*Report
		Columns []Column
	}{r, r.Columns()}); err != nil {
		return nil, fmt.Errorf("rendering the report: %w", err)
	}
	return b.Bytes(), nil
}

func fmtCell(c Cell) string {
	if c.Value == nil {
		return "*"
	}
	return count(*c.Value)
}

// english formats numbers as an English reader expects (38,990); a Printer
// is safe for concurrent use.
var english = message.NewPrinter(language.English)

// fmtInt writes a count with thousands separated. A figure the report may
// not have (a declared figure's recorded count) is a *int: nil is a dash,
// never 0, and anything else it cannot read is an error in the template,
// not a zero on the page.
func fmtNum(v any) (string, error) {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case *int:
		if x == nil {
			return "—", nil
		}
		n = int64(*x)
	case float64:
		n = int64(x)
	default:
		return "", fmt.Errorf("num: cannot format a %T as a count", v)
	}
	return english.Sprintf("%d", n), nil
}

func pct1(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) + "%" }

// fmtPct is pct1 for the template, which also has percentages that may be
// missing (*float64: nil is a dash).
func fmtPct(v any) (string, error) {
	switch x := v.(type) {
	case float64:
		return pct1(x), nil
	case *float64:
		if x == nil {
			return "—", nil
		}
		return pct1(*x), nil
	}
	return "", fmt.Errorf("pct: cannot format a %T as a percentage", v)
}

// count writes a count with thousands separated.
func count(n int) string { return english.Sprintf("%d", n) }
