package report

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/habeas-kh/habeas/internal/disclosure"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/pledges"
	"github.com/habeas-kh/habeas/internal/stats"
	"github.com/habeas-kh/habeas/internal/store"
)

// Keys of the protected numbers. The same key in two tables is the same
// number, which is how the disclosure audit sees that tables overlap.
func facKey(fac, col string) string   { return "facility/" + fac + "/" + col }
func natKey(col string) string        { return "national/all/" + col }
func sysKey(col string) string        { return "national/prison_system/" + col }
func relKey(fac, mech string) string  { return "releases/" + fac + "/" + mech }
func relFacTotal(fac string) string   { return "releases/" + fac + "/total" }
func relMechTotal(mech string) string { return "releases/national/" + mech }

const relTotal = "releases/national/total"

// allFacilityFigures are the columns also published as exact totals over all
// facilities, drug detention centres included.
var allFacilityFigures = map[string]bool{"population": true, "drug_related": true, "held_without_basis": true,
	"held_without_basis_confirmed_law": true, "held_without_basis_unconfirmed_law": true}

// colExcluded marks, in protect's exclude set, a facility column too small
// nationally to break down by facility.
func colExcluded(col string) string { return "column:" + col }

// protect declares every published count and the sums that tie them, lets
// disclosure control choose what to suppress, and fills the report's tables
// with what may be published.
//
// Releases by a mechanism so rare nationally that its exact national count
// would give away a facility's or a group's count are left out of the
// breakdowns (exclude), and their totals are then "of the mechanisms shown".
func (r *Report) protect(s *stats.Stats, rows []store.ReleaseRow, scr []store.ScreeningCount, cols []Column, threshold int, exclude map[string]bool) error {
	set := disclosure.NewSet()
	screened := len(cols) > baseColumns
	split := len(cols) > baseColumns+1
	unlawful, confirmed, unconfirmed := map[string]int{}, map[string]int{}, map[string]int{}
	for _, c := range scr {
		if c.Rule != "" {
			continue
		}
		switch c.Kind {
		case "unlawful":
			unlawful[c.Facility] += c.People
		case store.KindUnlawfulConfirmed:
			confirmed[c.Facility] += c.People
		case store.KindUnlawfulUnconfirmed:
			unconfirmed[c.Facility] += c.People
		}
	}
	value := func(f stats.FacilityStats, col string) int {
		switch col {
		case "population":
			return f.Population
		case "pretrial":
			return f.Pretrial
		case "women":
			return f.Women
		case "minors":
			return f.Minors
		case "children_with_mothers":
			return f.Children
		case "drug_related":
			return f.Drug
		case "held_without_basis":
			return unlawful[f.ID]
		case "held_without_basis_confirmed_law":
			return confirmed[f.ID]
		case "held_without_basis_unconfirmed_law":
			return unconfirmed[f.ID]
		}
		panic("report: unknown column " + col)
	}
	nat, sys := map[string]int{}, map[string]int{}
	for _, f := range s.Facilities {
		for _, c := range cols {
			v := value(f, c.Key)
			if !exclude[colExcluded(c.Key)] {
				if err := set.Add(facKey(f.ID, c.Key), v, false); err != nil {
					return err
				}
			}
			nat[c.Key] += v
			if stats.InSystem(domain.FacilityKind(f.Kind)) {
				sys[c.Key] += v
			}
		}
	}
	for _, c := range cols {
		if exclude[colExcluded(c.Key)] {
			continue // published nationally only
		}
		var all, inSys []string
		for _, f := range s.Facilities {
			all = append(all, facKey(f.ID, c.Key))
			if stats.InSystem(domain.FacilityKind(f.Kind)) {
				inSys = append(inSys, facKey(f.ID, c.Key))
			}
		}
		// The national headline is the prison system's; only the figures
		// published for all facilities as well are exact there too (else the
		// difference of the two would pin down a small juvenile centre).
		if allFacilityFigures[c.Key] {
			if err := set.Add(natKey(c.Key), nat[c.Key], true); err != nil {
				return err
			}
			if err := set.Sum(natKey(c.Key), all...); err != nil {
				return err
			}
		}
		if err := set.Add(sysKey(c.Key), sys[c.Key], true); err != nil {
			return err
		}
		if err := set.Sum(sysKey(c.Key), inSys...); err != nil {
			return err
		}
	}
	// Each facility's people held without legal basis are those on
	// confirmed law and those on law not yet confirmed: a reader adds them,
	// so disclosure control must too.
	if split && !exclude[colExcluded("held_without_basis")] && !exclude[colExcluded("held_without_basis_confirmed_law")] &&
		!exclude[colExcluded("held_without_basis_unconfirmed_law")] {
		for _, f := range s.Facilities {
			if err := set.Sum(facKey(f.ID, "held_without_basis"), facKey(f.ID, "held_without_basis_confirmed_law"),
				facKey(f.ID, "held_without_basis_unconfirmed_law")); err != nil {
				return err
			}
		}
	}
	if sys["population"] != s.Population || sys["women"] != s.Women || sys["pretrial"] != s.Pretrial {
		return fmt.Errorf("report: facility figures do not add up to the national figures (%d vs %d people)", sys["population"], s.Population)
	}

	// Releases: facility × mechanism with exact national totals by mechanism.
	mechCount := map[domain.Mechanism]int{}
	facMech := map[string]map[domain.Mechanism]int{}
	groupMech := map[domain.Group]map[domain.Mechanism]int{}
	for _, rr := range rows {
		mechCount[rr.Mechanism]++
		if exclude[string(rr.Mechanism)] {
			continue
		}
		if facMech[rr.Facility] == nil {
			facMech[rr.Facility] = map[domain.Mechanism]int{}
		}
		facMech[rr.Facility][rr.Mechanism]++
		for _, g := range pledges.GroupsOf(rr) {
			if groupMech[g] == nil {
				groupMech[g] = map[domain.Mechanism]int{}
			}
			groupMech[g][rr.Mechanism]++
		}
	}
	var mechs, allMechs []string
	for _, m := range domain.Mechanisms {
		if mechCount[m] > 0 {
			allMechs = append(allMechs, string(m))
			if !exclude[string(m)] {
				mechs = append(mechs, string(m))
			}
		}
	}
	facName := map[string]stats.FacilityStats{}
	for _, f := range s.Facilities {
		facName[f.ID] = f
	}
	var relFacs []string
	for f := range facMech {
		relFacs = append(relFacs, f)
	}
	sort.Strings(relFacs)
	grid := func(rowsOf []string, get func(row, mech string) int) [][]int {
		out := make([][]int, len(rowsOf))
		for i, row := range rowsOf {
			out[i] = make([]int, len(mechs))
			for j, m := range mechs {
				out[i][j] = get(row, m)
			}
		}
		return out
	}
	var facKeys, grpKeys disclosure.GridKeys
	// Releases only of mechanisms shown nationally only (all of them rare:
	// the first of a new period) leave nothing to break down.
	broken := len(mechs) > 0
	if broken {
		var err error
		facKeys, err = set.Grid("releases", relFacs, mechs, grid(relFacs, func(f, m string) int { return facMech[f][domain.Mechanism(m)] }),
			disclosure.GridOptions{Cell: relKey, RowTotal: relFacTotal, ColTotal: relMechTotal, Total: relTotal,
				ExactColTotals: true, ExactTotal: true})
		if err != nil {
			return err
		}
	}
	// Provinces: each the sum of its facilities' releases.
	provFacs := map[string][]string{}
	for _, f := range relFacs {
		p := facName[f].Province
		provFacs[p] = append(provFacs[p], relFacTotal(f))
	}
	var provs []string
	for p := range provFacs {
		provs = append(provs, p)
	}
	sort.Strings(provs)
	provTotal := map[string]int{}
	for _, rr := range rows {
		if !exclude[string(rr.Mechanism)] {
			provTotal[facName[rr.Facility].Province]++
		}
	}
	for _, p := range provs {
		if err := set.Add("releases/province/"+p, provTotal[p], false); err != nil {
			return err
		}
		if err := set.Sum("releases/province/"+p, provFacs[p]...); err != nil {
			return err
		}
	}
	// Groups overlap (a woman on a drug charge is in two), so the rows have
	// totals but do not add up to the national total.
	var groups []string
	for _, g := range domain.ReleaseGroups {
		groups = append(groups, string(g))
	}
	if broken {
		var err error
		grpKeys, err = set.Grid("releases-by-group", groups, mechs, grid(groups, func(g, m string) int { return groupMech[domain.Group(g)][domain.Mechanism(m)] }),
			disclosure.GridOptions{NoColTotals: true})
		if err != nil {
			return err
		}
	}

	// Census counts: each facility's count, and their total (exact).
	var censusRows []stats.CensusFacility
	if s.Census != nil {
		censusRows = s.Census.PerFacility
	}
	censusTotal, counted := 0, []string{}
	for _, c := range censusRows {
		key := "census/" + c.ID + "/population"
		if err := set.Add(key, c.Population, false); err != nil {
			return err
		}
		if !c.Stale {
			censusTotal += c.Population
			counted = append(counted, key)
		}
	}
	if len(counted) > 0 {
		if err := set.Add("census/total", censusTotal, true); err != nil {
			return err
		}
		if err := set.Sum("census/total", counted...); err != nil {
			return err
		}
	}

	// Concern markers: national counts per category, never exact, so that
	// a handful of people marked is not published as such.
	if len(r.concerns) > 0 {
		for _, c := range domain.MarkerCategories {
			if err := set.Add(concernKey(c), r.concerns[c], false); err != nil {
				return err
			}
		}
	}

	// The stronger rule first: a small count must not even be confined to
	// the range suppression hides. Exact national totals can make that
	// impossible (four minors in all, held in two prisons); the weaker rule
	// then still keeps every hidden count undetermined.
	rule := disclosure.AboveThreshold
	res, err := disclosure.ProtectWith(set, disclosure.Options{Threshold: threshold, Rule: rule})
	if err != nil {
		rule = disclosure.NotExact
		res, err = disclosure.ProtectWith(set, disclosure.Options{Threshold: threshold, Rule: rule})
		var be *disclosure.BlockedError
		if errors.As(err, &be) {
			// Publish less detail and try again: a release mechanism, or a
			// facility column, whose exact national count is so small that
			// its breakdown would give people away is shown nationally only.
			// The sum that pins the count first, else the exact counts in
			// the way, one at a time: each retry may free the others.
			ex := maps.Clone(exclude)
			if ex == nil {
				ex = map[string]bool{}
			}
			keys := []string{be.Sum}
			for _, q := range be.Exact {
				if k, err := strconv.Unquote(q); err == nil {
					q = k
				}
				keys = append(keys, q)
			}
			// Last the count itself: a facility's releases by a mechanism
			// that only it used equal the exact national count.
			keys = append(keys, be.Cell)
			for _, k := range keys {
				last := k[strings.LastIndexByte(k, '/')+1:]
				switch {
				case strings.HasPrefix(k, "releases") && slices.Contains(domain.Mechanisms, domain.Mechanism(last)):
					ex[last] = true
				case strings.HasPrefix(k, "national/"):
					if last == "held_without_basis" && split {
						// The headline keeps its facility figures: the split
						// of it, tied to it by a sum, is given up first.
						last = "held_without_basis_unconfirmed_law"
					}
					ex[colExcluded(last)] = true
				}
				if len(ex) > len(exclude) {
					return r.protect(s, rows, scr, cols, threshold, ex)
				}
			}
		}
		if err != nil {
			return fmt.Errorf("protecting small counts: %w", err)
		}
		r.note("report.note_weaker_rule")
	}
	r.disc = res
	for _, c := range cols {
		switch {
		case !exclude[colExcluded(c.Key)]:
		case c.Key == "held_without_basis_confirmed_law" || c.Key == "held_without_basis_unconfirmed_law":
			r.note("report.note_col_split_national", column(c.Key))
		default:
			r.note("report.note_col_national", column(c.Key))
		}
	}
	cell := func(key string) Cell {
		c, err := res.Cell(key)
		if err != nil {
			panic(err) // every key used here was declared above
		}
		return c
	}
	r.Protection = Protection{Threshold: res.Threshold(), Rule: rule.String(), Suppressed: len(res.Primary()) + len(res.Secondary()),
		Marker: disclosure.CSVMarker,
		Note:   fmt.Sprintf("Counts of 1 to %d people below national level are not shown, nor the further counts that would let them be recomputed from totals or from another table of this report. National totals, releases by mechanism and releases against pledges are exact.", res.Threshold())}

	if len(r.concerns) > 0 {
		r.Concerns = &ConcernSection{Note: "Counts of markers that monitoring organisations recorded, over all organisations; a person marked by two organisations counts twice. Who was marked is known to the organisation that marked them only. Counts of 1 to " +
			strconv.Itoa(res.Threshold()) + " are not shown."}
		for _, c := range domain.MarkerCategories {
			r.Concerns.Rows = append(r.Concerns.Rows, ConcernRow{Category: c, Label: ConcernLabels[c], Markers: cell(concernKey(c))})
		}
	}
	for _, f := range s.Facilities {
		row := FacilityRow{ID: f.ID, Name: f.Name, Kind: f.Kind, Province: f.Province, Capacity: f.Capacity, CapacityDate: f.CapacityDate,
			Counts: map[string]Cell{}}
		for _, c := range cols {
			if exclude[colExcluded(c.Key)] {
				row.Counts[c.Key] = Cell{Suppressed: true}
				continue
			}
			row.Counts[c.Key] = cell(facKey(f.ID, c.Key))
		}
		if p := row.Counts["population"]; p.Value != nil && f.Capacity > 0 {
			o := round1(100 * float64(*p.Value) / float64(f.Capacity))
			row.OccupancyPct = &o
		}
		r.Facilities = append(r.Facilities, row)
	}

	if len(censusRows) > 0 {
		r.Census = &CensusSection{WindowDays: s.Census.WindowDays, Population: censusTotal, Facilities: len(counted)}
		for _, c := range censusRows {
			r.Census.Rows = append(r.Census.Rows, CensusRow{ID: c.ID, Name: c.Name, Province: c.Province, Date: c.Date, Stale: c.Stale,
				Population: cell("census/" + c.ID + "/population"), Capacity: c.Capacity, Warning: c.Warning})
		}
	}

	total := len(rows)
	r.Releases = Releases{From: r.From, To: r.AsOf, Total: total, ByMechanism: []pledges.Count{}}
	for _, m := range allMechs {
		r.Releases.ByMechanism = append(r.Releases.ByMechanism, pledges.Count{Key: m, Count: mechCount[domain.Mechanism(m)]})
	}
	table := func(name string, rowsOf, labels []string, keys disclosure.GridKeys) ReleaseTable {
		t := ReleaseTable{Name: name, Rows: rowsOf, Labels: labels, Columns: mechs, Cells: [][]Cell{}, Totals: []Cell{}}
		for i := range rowsOf {
			cs := make([]Cell, len(mechs))
			for j := range mechs {
				cs[j] = cell(keys.Cells[i][j])
			}
			t.Cells = append(t.Cells, cs)
			t.Totals = append(t.Totals, cell(keys.RowTotals[i]))
		}
		return t
	}
	var facLabels, grpLabels []string
	for _, f := range relFacs {
		facLabels = append(facLabels, facName[f].Name)
	}
	for _, g := range groups {
		grpLabels = append(grpLabels, groupLabels[domain.Group(g)])
	}
	if broken {
		r.Releases.ByFacility = table("releases_by_facility", relFacs, facLabels, facKeys)
		r.Releases.ByGroup = table("releases_by_group", groups, grpLabels, grpKeys)
	} else {
		r.Releases.ByFacility = ReleaseTable{Name: "releases_by_facility", Rows: []string{}, Labels: []string{}, Columns: []string{}, Cells: [][]Cell{}, Totals: []Cell{}}
		r.Releases.ByGroup = ReleaseTable{Name: "releases_by_group", Rows: []string{}, Labels: []string{}, Columns: []string{}, Cells: [][]Cell{}, Totals: []Cell{}}
	}
	r.Releases.ByProvince = []ProvinceRow{}
	for _, p := range provs {
		r.Releases.ByProvince = append(r.Releases.ByProvince, ProvinceRow{Province: p, Released: cell("releases/province/" + p)})
	}

	date := r.AsOf
	fig := func(key, label string, v float64, unit, source string) {
		r.National = append(r.National, Figure{Key: key, Label: label, Value: v, Unit: unit, Date: date, Source: source})
	}
	fig("population", "People held in prisons and correctional centres", float64(sys["population"]), "people", "register")
	fig("capacity", "Official capacity", float64(s.Capacity), "places", "register")
	fig("occupancy_pct", "Occupancy", s.OccupancyPct, "percent", "register")
	fig("pretrial", "Not finally convicted", float64(sys["pretrial"]), "people", "register")
	fig("pretrial_share", "Share not finally convicted", round1(100*s.PretrialShare), "percent", "register")
	fig("women", "Women", float64(sys["women"]), "people", "register")
	fig("minors", "Minors (under 18)", float64(sys["minors"]), "people", "register")
	fig("children_with_mothers", "Children living with their mothers", float64(sys["children_with_mothers"]), "people", "register")
	fig("drug_related", "Held on drug charges", float64(sys["drug_related"]), "people", "register")
	fig("population_all_facilities", "People held in all facilities, including drug detention centres", float64(nat["population"]), "people", "register")
	fig("drug_related_all_facilities", "Held on drug charges in all facilities", float64(nat["drug_related"]), "people", "register")
	if screened {
		fig("held_without_basis", "Held without legal basis (screening), in all facilities", float64(nat["held_without_basis"]), "people", "screening")
	}
	if split {
		fig("held_without_basis_confirmed_law", "of whom on confirmed law (a verified rule of the pack holds)",
			float64(nat["held_without_basis_confirmed_law"]), "people", "screening")
		fig("held_without_basis_unconfirmed_law", "of whom on law not yet confirmed (only rules the pack marks unverified hold)",
			float64(nat["held_without_basis_unconfirmed_law"]), "people", "screening")
	}
	if r.Census != nil {
		fig("population_census", fmt.Sprintf("People held in the %d facilities counted by census only (last count within %d days)", r.Census.Facilities, r.Census.WindowDays),
			float64(r.Census.Population), "people", "census")
	}
	date = r.From + " to " + r.AsOf
	fig("released", "Releases in the period", float64(total), "people", "register")
	if slices.ContainsFunc(r.National, func(f Figure) bool { return f.Value < 0 }) {
		return fmt.Errorf("report: a negative national figure")
	}
	return nil
}
