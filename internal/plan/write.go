package plan

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteJSON writes the plan, people included (staff-only).
func (p *Plan) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

// csvHeader are the columns of the CSV: one row per facility, then the
// national row (id "national").
func (p *Plan) csvHeader() []string {
	h := []string{"id", "name", "basis", "population", "before", "after", "capacity", "target_population",
		"occupancy_before_pct", "occupancy_after_pct", "need", "releases", "unlawful", "unlawful_unconfirmed_law", "gap"}
	for _, m := range p.mechKeys() {
		h = append(h, "mechanism:"+m)
	}
	for _, g := range Groups {
		h = append(h, "group:"+string(g))
	}
	return append(h, "note")
}

func (p *Plan) mechKeys() []string {
	keys := []string{"release_unlawful"}
	for _, m := range p.Mechanisms {
		keys = append(keys, string(m))
	}
	return keys
}

// WriteCSV writes one row per facility and a national row: the aggregates,
// no one named.
func (p *Plan) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(p.csvHeader()); err != nil {
		return err
	}
	for _, f := range p.Facilities {
		row := []string{f.ID, f.Name, f.Basis, itoa(f.Population), itoa(f.Before), itoa(f.After), itoa(f.Capacity), optInt(f.TargetPopulation),
			optPct(f.OccupancyBefore), optPct(f.OccupancyAfter), itoa(f.Need), itoa(f.Releases), itoa(f.Unlawful), itoa(f.UnlawfulUnconfirmed), itoa(f.Gap)}
		row = p.appendCounts(row, f.ByMechanism, f.ByGroup)
		if err := cw.Write(append(row, f.Note)); err != nil {
			return err
		}
	}
	n := p.National
	row := []string{"national", "", "", itoa(n.Population), itoa(n.Before), itoa(n.After), itoa(n.Capacity), "",
		optPct(n.OccupancyBefore), optPct(n.OccupancyAfter), itoa(n.Need), itoa(n.Releases), itoa(n.Unlawful), itoa(n.UnlawfulUnconfirmed), itoa(n.Gap)}
	row = p.appendCounts(row, n.ByMechanism, n.ByGroup)
	if err := cw.Write(append(row, strings.Join(p.Notes, "; "))); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func (p *Plan) appendCounts(row []string, mech, group map[string]int) []string {
	for _, m := range p.mechKeys() {
		row = append(row, itoa(mech[m]))
	}
	for _, g := range Groups {
		row = append(row, itoa(group[string(g)]))
	}
	return row
}

// WriteTable writes the plan for a reader: per facility, the national
// summary, the cost of each choice and who must act.
func (p *Plan) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "Decongestion plan as of %s, target %s (pack %s)\n", p.AsOf, p.Target, p.Pack)
	fmt.Fprintf(w, "Mechanisms used: %s\n", joinM(p.Mechanisms))
	if len(p.Disabled) > 0 {
		fmt.Fprintf(w, "Mechanisms switched off: %s\n", joinM(p.Disabled))
	}
	if len(p.Exclude) > 0 {
		ex := make([]string, len(p.Exclude))
		for i, e := range p.Exclude {
			ex[i] = string(e)
		}
		fmt.Fprintf(w, "Excluded: %s\n", strings.Join(ex, ", "))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "facility\tpopulation\tcapacity\tbefore %\tneed\treleases\tunlawful\t(unconfirmed law)\tafter\tafter %\tgap\t")
	for _, f := range p.Facilities {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%d\t\n", f.ID, f.Population, f.Capacity, optPct(f.OccupancyBefore),
			f.Need, f.Releases, f.Unlawful, f.UnlawfulUnconfirmed, f.After, optPct(f.OccupancyAfter), f.Gap)
	}
	n := p.National
	fmt.Fprintf(tw, "national\t%d\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%d\t\n", n.Population, n.Capacity, optPct(n.OccupancyBefore),
		n.Need, n.Releases, n.Unlawful, n.UnlawfulUnconfirmed, n.After, optPct(n.OccupancyAfter), n.Gap)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Releases by mechanism (nationally):")
	for _, m := range p.mechKeys() {
		fmt.Fprintf(w, "  %-22s %d\n", m, n.ByMechanism[m])
	}
	fmt.Fprintln(w, "Releases by group (a person may be in several):")
	for _, g := range Groups {
		fmt.Fprintf(w, "  %-22s %d\n", g, n.ByGroup[string(g)])
	}
	if len(p.Costs) > 0 {
		fmt.Fprintln(w, "What each choice costs (releases lost):")
		for _, c := range p.Costs {
			fmt.Fprintf(w, "  %s %s: %d", c.Choice, c.Value, c.Lost)
			if len(c.ByFacility) > 0 {
				fmt.Fprintf(w, " (%s)", joinCounts(c.ByFacility))
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintln(w, "Who must act:")
	for _, a := range p.Authorities {
		v := ""
		if !a.Verified {
			v = " [not confirmed: " + a.Note + "]"
		}
		fmt.Fprintf(w, "  %s: %s (%s)%s\n", a.Mechanism, a.Authority, a.Citation, v)
	}
	for _, note := range p.Notes {
		fmt.Fprintf(w, "Note: %s\n", note)
	}
	for _, f := range p.Facilities {
		if f.Note != "" {
			fmt.Fprintf(w, "Note (%s): %s\n", f.ID, f.Note)
		}
	}
	_, err := fmt.Fprintf(w, "%d people in the plan (habeas plan --format json lists them by id; staff only)\n", len(p.People))
	return err
}

func joinCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + itoa(m[k])
	}
	return strings.Join(parts, ", ")
}

func itoa(n int) string { return strconv.Itoa(n) }

func optInt(p *int) string {
	if p == nil {
		return ""
	}
	return itoa(*p)
}

func optPct(p *float64) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatFloat(*p, 'f', 1, 64)
}
