package mapping

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/tabular"
)

// The layout habeas exports, read back without a mapping file.
var (
	facilityColumns = []string{"id", "name", "kind", "province", "capacity", "capacity_date", "capacity_source"}
	// Columns of a cells export, each named after its field; date is
	// optional and not exported (a cell has no date of its own).
	cellColumns = []string{"facility", "label", "area_m2", "capacity", "category", "date"}
	// Columns of a census export that are not count categories.
	censusFixed = []string{"facility", "date", "source", "note", "name", "kind", "province", "capacity"}
)

// Default is the mapping of the layout `habeas export` writes: columns named
// after the fields, and for census every column that is not a known one is a
// count category.
func Default(what string, header []string) (*Mapping, error) {
	if m, ok := registerDefault(what, header); ok {
		return m, nil
	}
	has := map[string]bool{}
	for _, h := range header {
		has[h] = true
	}
	var b strings.Builder
	b.WriteString("missing: [NA]\n")
	switch what {
	case "facilities":
		b.WriteString("facility:\n")
		for _, c := range facilityColumns {
			if has[c] {
				fmt.Fprintf(&b, "  %s: %q\n", c, c)
			}
		}
	case "cells":
		b.WriteString("cell:\n")
		for _, c := range cellColumns {
			if has[c] {
				fmt.Fprintf(&b, "  %s: %q\n", c, c)
			}
		}
	case "census":
		b.WriteString("facility:\n  id: facility\n")
		for _, c := range []string{"name", "kind", "province", "capacity"} {
			if has[c] {
				fmt.Fprintf(&b, "  %s: %q\n", c, c)
			}
		}
		b.WriteString("census:\n  date: date\n")
		if has["source"] {
			b.WriteString("  source: source\n")
		}
		if has["note"] {
			b.WriteString("  note: note\n")
		}
		var cats []string
		for _, h := range header {
			if h != "" && !contains(censusFixed, h) && !strings.HasPrefix(h, "row") && h != "problem" {
				cats = append(cats, h)
			}
		}
		if len(cats) > 0 {
			b.WriteString("  counts:\n")
			for _, c := range cats {
				fmt.Fprintf(&b, "    %q: %q\n", c, c)
			}
		}
	default:
		return nil, fmt.Errorf("no default layout for %q", what)
	}
	m, err := Parse([]byte(b.String()), "(habeas's own layout)")
	if err != nil {
		return nil, err
	}
	return m, nil
}

// synonyms are lower-case fragments of column names, per field, in the
// languages of the data habeas has met. The first field a column matches
// takes it.
var synonyms = []struct {
	field string
	words []string
}{
	{"facility.id", []string{"facility.id", "facility id", "facility_id", "id istituto", "abbreviation", "code", "codice"}},
	{"census.date", []string{"as_of_date", "as of", "ultimo aggiornamento", "aggiornat", "date", "data"}},
	{"facility.capacity", []string{"capacity", "capienza", "posti regolamentari", "places", "capacité"}},
	{"census.counts.women", []string{"donne", "women", "female", "femmes"}},
	{"census.counts.foreigners", []string{"stranieri", "foreign", "étrangers"}},
	{"census.counts.total", []string{"residents.population", "population", "pop", "presenti - totale", "totale detenuti", "detenuti presenti", "total", "held", "prisoners", "inmates"}},
	{"facility.kind", []string{"tipo istituto", "type", "tipo", "description", "kind"}},
	{"facility.province", []string{"province", "provincia", "regione", "region", "state", "county"}},
	{"facility.name", []string{"name", "nome", "istituto", "facility", "institution", "prison"}},
}

var dateCandidates = []string{"YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY", "M/D/YYYY", "D/M/YYYY", "M/D/YY", "D/M/YY", "DD.MM.YYYY", "YYYY/MM/DD", "excel"}

// matchCensus matches columns to the fields of a census or facilities file
// by the synonyms: the first field a column's name contains takes it.
func matchCensus(what string, header []string) map[string]int {
	taken := map[int]bool{}
	chosen := map[string]int{}
	if what == "facilities" {
		// habeas's own facilities layout names the identifier "id", too
		// short a word to look for inside other names.
		for i, h := range header {
			if strings.EqualFold(h, "id") {
				chosen["facility.id"], taken[i] = i, true
				break
			}
		}
	}
	for _, s := range synonyms {
		if what == "facilities" && strings.HasPrefix(s.field, "census.counts") {
			continue
		}
		if _, ok := chosen[s.field]; ok {
			continue
		}
		for _, w := range s.words {
			for i, h := range header {
				if taken[i] {
					continue
				}
				if strings.Contains(strings.ToLower(h), w) {
					chosen[s.field], taken[i] = i, true
					break
				}
			}
			if _, ok := chosen[s.field]; ok {
				break
			}
		}
	}
	return chosen
}

// writeKind writes facility.kind read from a column: plain when every
// sampled value is a kind habeas knows, else translated, the words habeas
// does not recognise to prison for the user to check.
func writeKind(b *strings.Builder, col string, vals []string) {
	v := vocabs["facility.kind"]
	var unknown []string
	plain := true
	for _, s := range vals {
		if !v.asIs(s) {
			plain = false
		}
		if !v.asIs(s) && v.translate(s) == "" {
			unknown = append(unknown, s)
		}
	}
	if plain {
		fmt.Fprintf(b, "  kind: %q\n", col)
		return
	}
	fmt.Fprintf(b, "  kind:\n    column: %q\n    values:", col)
	if len(unknown) > 0 {
		fmt.Fprintf(b, "   # CHECK: translate each to %s", v.values())
	}
	b.WriteString("\n")
	for _, s := range vals {
		t := v.translate(s)
		switch {
		case v.asIs(s):
			t = s
		case t == "":
			t = string(domain.Prison)
		}
		fmt.Fprintf(b, "      %q: %s\n", s, t)
	}
}

// InferKinds are the values --as takes: what a file holds.
var InferKinds = []string{"census", "facilities", "cells", "people", "admissions", "charges"}

// Infer proposes a mapping for a file from its header and a sample of rows:
// columns matched to fields by their names, date formats that read every
// sampled date, the values that stand for "missing", the words of
// enumerated fields to translate (facility kinds, sex, legal status ...), a
// skip rule for a totals row. what is one of InferKinds, or "" to guess it
// from the header. The result is YAML with comments for the user to check
// and edit.
func Infer(file, what string, header []string, sample [][]string) (string, error) {
	why := "--as " + what
	if what == "" {
		what, why = guessKind(header)
		why = "guessed: " + why
	}
	if !contains(InferKinds, what) {
		return "", fmt.Errorf("--as must be one of %s, not %q", strings.Join(InferKinds, ", "), what)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Mapping proposed by habeas import --infer for %s, from its header and %d rows.\n", file, len(sample))
	fmt.Fprintf(&b, "# Read as: %s (%s); --as %s says otherwise.\n", what, why, strings.Join(InferKinds, "|"))
	fmt.Fprintf(&b, "# Check every line marked CHECK, then: habeas import %s %s --map THIS.yaml. docs/import.md describes the format.\n", what, file)
	if what != "census" && what != "facilities" {
		inferRegister(&b, what, header, sample)
		return b.String(), nil
	}
	chosen := matchCensus(what, header)
	col := func(i int) []string { return column(sample, i) }
	missing := inferMissing(header, sample)
	miss := tabular.NewMissing(missing)
	b.WriteString("source: \"CHECK: who published these figures\"\n")
	if len(missing) > 0 {
		fmt.Fprintf(&b, "missing: [%s]   # values that mean \"not known\" (a blank cell always does)\n", quoteYAML(missing))
	}
	if i, ok := chosen["census.date"]; ok {
		formats := inferDates(col(i), miss)
		if len(formats) == 0 {
			fmt.Fprintf(&b, "dates: [YYYY-MM-DD]   # CHECK: no common format reads every date of %q\n", header[i])
		} else {
			fmt.Fprintf(&b, "dates: [%s]\n", quoteYAML(formats))
		}
	}
	if len(sample) > 0 && len(sample[0]) > 0 && strings.EqualFold(strings.TrimSpace(sample[0][0]), "total") && len(header) > 0 {
		fmt.Fprintf(&b, "skip:\n  - {column: %q, equals: TOTAL}   # a totals row, not a facility\n", header[0])
	}
	b.WriteString("facility:\n")
	if i, ok := chosen["facility.id"]; ok {
		fmt.Fprintf(&b, "  id: %q\n", header[i])
	} else if i, ok := chosen["facility.name"]; ok {
		fmt.Fprintf(&b, "  id: %q   # CHECK: no identifier column found; the name stands in\n", header[i])
	} else {
		b.WriteString("  id: \"CHECK: the column that identifies a facility\"\n")
	}
	for _, f := range []string{"name", "province", "capacity"} {
		if i, ok := chosen["facility."+f]; ok {
			fmt.Fprintf(&b, "  %s: %q\n", f, header[i])
		} else if f != "capacity" {
			fmt.Fprintf(&b, "  %s: \"CHECK: column of the facility's %s\"\n", f, f)
		}
	}
	if i, ok := chosen["facility.kind"]; ok {
		writeKind(&b, header[i], distinct(col(i), miss, 30))
	} else {
		b.WriteString("  kind: {value: prison}   # CHECK: every facility of the file is of this kind\n")
	}
	if what == "facilities" {
		if i, ok := chosen["census.date"]; ok {
			fmt.Fprintf(&b, "  capacity_date: %q\n", header[i])
		} else {
			b.WriteString("  capacity_date: {value: \"CHECK: YYYY-MM-DD from which the capacities hold\"}\n")
		}
		return b.String(), nil
	}
	b.WriteString("census:\n")
	if i, ok := chosen["census.date"]; ok {
		fmt.Fprintf(&b, "  date: %q\n", header[i])
	} else {
		b.WriteString("  date: {value: \"CHECK: YYYY-MM-DD of the counts\"}\n")
	}
	b.WriteString("  counts:   # CHECK: total is the number of people held; other categories are yours to name\n")
	any := false
	for _, c := range []string{"total", "women", "foreigners"} {
		if i, ok := chosen["census.counts."+c]; ok {
			fmt.Fprintf(&b, "    %s: %q\n", c, header[i])
			any = true
		}
	}
	if !any {
		b.WriteString("    total: \"CHECK: column of the number of people held\"\n")
	}
	return b.String(), nil
}

var numericRE = regexp.MustCompile(`^-?[0-9][0-9,. '\x{00a0}]*$`)

// decimalCommaRE is a number whose comma cannot be a thousands separator.
var decimalCommaRE = regexp.MustCompile(`^-?[0-9]+,[0-9]{1,2}$`)

// inferMissing collects the non-numeric values of mostly numeric columns:
// NA, --, x and the like.
func inferMissing(header []string, sample [][]string) []string {
	all := make([]int, len(header))
	for i := range all {
		all[i] = i
	}
	return missingIn(sample, all, all)
}

// missingIn collects the short non-numeric values of the numeric columns
// that hold numbers, and the usual markers of "not known" found in the
// columns of markers.
func missingIn(sample [][]string, numeric, markers []int) []string {
	found := map[string]bool{}
	for _, i := range numeric {
		num, other := 0, map[string]bool{}
		for _, r := range sample {
			if i >= len(r) {
				continue
			}
			v := strings.TrimSpace(r[i])
			switch {
			case v == "":
			case numericRE.MatchString(v):
				num++
			case len(v) <= 4:
				other[v] = true
			}
		}
		if num > 0 {
			for v := range other {
				found[v] = true
			}
		}
	}
	for _, common := range []string{"NA", "N/A", "--", "-", "x", "n.d.", ".."} {
		for _, i := range markers {
			for _, r := range sample {
				if i < len(r) && strings.TrimSpace(r[i]) == common {
					found[common] = true
				}
			}
		}
	}
	out := make([]string, 0, len(found))
	for v := range found {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// inferDates keeps the candidate formats that read every sampled date; a
// format that reads none of them is dropped, and "excel" only when the
// column looks like serial numbers.
func inferDates(vals []string, miss tabular.Missing) []string {
	var out []string
	for _, f := range dateCandidates {
		if readsAll(f, vals, miss) {
			out = append(out, f)
			if f != "excel" {
				break // the first format that reads them all; ambiguous ones (01/02) need the user's eye
			}
		}
	}
	return out
}

func distinct(vals []string, miss tabular.Missing, limit int) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range vals {
		if miss.Is(v) || seen[v] {
			continue
		}
		seen[v] = true
		out = append(out, v)
		if len(out) == limit {
			break
		}
	}
	sort.Strings(out)
	return out
}

func quoteYAML(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}

// readsAll says whether the date format reads every value that is not
// missing, and at least one.
func readsAll(format string, vals []string, miss tabular.Missing) bool {
	p, err := tabular.NewDateParser([]string{format})
	if err != nil {
		return false
	}
	n := 0
	for _, v := range vals {
		if miss.Is(v) {
			continue
		}
		if _, err := p.Parse(v); err != nil {
			return false
		}
		n++
	}
	return n > 0
}
