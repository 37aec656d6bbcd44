// Package report builds the public transparency report: population,
// occupancy and the groups at risk by facility, releases by legal mechanism
// and group, progress against pledges and the state of promised reforms,
// and the trend since a baseline. Every count of people below facility level
// goes through disclosure control; nothing in it identifies a person.
package report

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/habeas-kh/habeas/internal/disclosure"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/i18n"
	"github.com/habeas-kh/habeas/internal/pledges"
	"github.com/habeas-kh/habeas/internal/stats"
	"github.com/habeas-kh/habeas/internal/store"
)

// Options choose the report's date, period and protection.
type Options struct {
	AsOf domain.Date // zero: the latest date in the register
	// From starts the period releases are counted over; zero: one year
	// before AsOf.
	From domain.Date
	// Baseline is the first month of the trend; zero: January 2016, the
	// start of the rise the 2020 statement described.
	Baseline domain.Date
	// Threshold: counts of people from 1 to Threshold below national level
	// are suppressed; zero means disclosure.DefaultThreshold.
	Threshold int
	// Now is when the report is generated (for its header).
	Now time.Time
	// Profile is the jurisdiction the report covers: its title and the
	// sources it credits; nil: the built-in DefaultJurisdiction.
	Profile *Profile
}

// Cell is a protected count, as published.
type Cell = disclosure.Cell

// Figure is a national figure: exact, with its date and where it comes from.
type Figure struct {
	Key    string  `json:"key"`
	Label  string  `json:"label"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"` // people, places, percent
	Date   string  `json:"date"`
	Source string  `json:"source"` // register, census or screening
	// Headline figures are the few the public reads first: shown large,
	// with their change since the previous month-end and their rate per
	// 100,000 of the national population.
	Headline bool `json:"headline"`
	// PreviousDate and Change: the figure at the month-end before Date and
	// the change since (percentage points for a percent); absent when
	// there is no figure for that month-end (before the register, or no
	// screening kept for it).
	PreviousDate string   `json:"previous_date,omitempty"`
	Change       *float64 `json:"change,omitempty"`
	// Per100k is people per 100,000 of the jurisdiction's population
	// (Report.PopulationBase); absent for figures that are not people.
	Per100k *float64 `json:"per_100k,omitempty"`
}

// FacilityRow is one facility's figures.
type FacilityRow struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	Province     string `json:"province"`
	Capacity     int    `json:"capacity"`
	CapacityDate string `json:"capacity_date"`
	// OccupancyPct is null when the population is suppressed (it would
	// give the population away) or the capacity is unknown.
	OccupancyPct *float64        `json:"occupancy_pct"`
	Counts       map[string]Cell `json:"counts"` // by FacilityColumns key
}

// InSystem says whether the facility belongs to the prison system, whose
// population and capacity the national figures and the trend count.
func (f *FacilityRow) InSystem() bool { return stats.InSystem(domain.FacilityKind(f.Kind)) }

// FacilityColumns are the counts per facility, in order.
var FacilityColumns = []Column{
	{"population", "People held", "#population+total"},
	{"pretrial", "Not finally convicted", "#population+pretrial"},
	{"women", "Women", "#population+f"},
	{"minors", "Minors (under 18)", "#population+minors"},
	{"children_with_mothers", "Children living with their mothers", "#population+children+with_mother"},
	{"drug_related", "Held on drug charges", "#population+drug"},
	{"held_without_basis", "Held without legal basis (screening)", "#population+unlawful"},
	// The split of held_without_basis by whether the law is confirmed: on
	// confirmed law when at least one verified unlawful rule of the pack
	// holds for the person. The two add up to held_without_basis.
	{"held_without_basis_confirmed_law", "of whom on confirmed law", "#population+unlawful+confirmed"},
	{"held_without_basis_unconfirmed_law", "of whom on law not yet confirmed", "#population+unlawful+unconfirmed"},
}

// baseColumns is the number of FacilityColumns that come from the register
// alone; then the screening's count, then its split.
const baseColumns = 6

// columns are the FacilityColumns published: the count of people held
// without legal basis only when a screening was saved, and its split only
// when that screening kept it.
func columns(screened, split bool) []Column {
	switch {
	case screened && split:
		return FacilityColumns
	case screened:
		return FacilityColumns[:baseColumns+1]
	}
	return FacilityColumns[:baseColumns]
}

// Columns are the counts per facility this report publishes, in order.
func (r *Report) Columns() []Column {
	return columns(r.Screening != nil, r.Screening != nil && r.Screening.Split)
}

// Column names a published column.
type Column struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	HXL   string `json:"hxl"`
}

// ReleaseTable is a table of releases: rows by mechanism columns.
type ReleaseTable struct {
	Name    string   `json:"name"`
	Rows    []string `json:"rows"`
	Labels  []string `json:"labels"`
	Columns []string `json:"columns"` // mechanisms
	Cells   [][]Cell `json:"cells"`   // [row][column]
	Totals  []Cell   `json:"totals"`  // per row
}

// Point is one month of the trend.
type Point struct {
	Date         string  `json:"date"`
	Population   int     `json:"population"`
	Capacity     int     `json:"capacity"`
	OccupancyPct float64 `json:"occupancy_pct"`
}

// PopulationBase is the population rates are given per 100,000 of.
type PopulationBase struct {
	Value  int    `json:"value"`
	Year   int    `json:"year"`
	Source string `json:"source"`
}

// Source credits where the figures come from.
type Source struct {
	Name string `json:"name"`
	Use  string `json:"use"`
}

// Report is everything published for one date.
type Report struct {
	Title string `json:"title"`
	// Synthetic: the register was written by habeas demo (see Synthetic);
	// the report says so on every page and file, in SyntheticNote's words.
	Synthetic     bool          `json:"synthetic"`
	SyntheticNote string        `json:"synthetic_note,omitempty"`
	AsOf          string        `json:"as_of"`
	From          string        `json:"period_from"`
	Generated     string        `json:"generated"`
	LedgerHead    string        `json:"ledger_head"`
	Scope         string        `json:"scope"`
	Protection    Protection    `json:"protection"`
	National      []Figure      `json:"national"`
	Facilities    []FacilityRow `json:"facilities"`
	// FacilityHistory is each facility's month-end populations, capacity
	// and freshness, for its page (facility.go).
	FacilityHistory []FacilityHistory    `json:"facility_history"`
	Releases        Releases             `json:"releases"`
	Pledges         []pledges.Progress   `json:"pledges"`
	Reforms         []pledges.ReformView `json:"reforms"`
	// Declared are figures authorities declared not about a pledge (what
	// monitors collect, with or without a register), with their totals.
	Declared *pledges.DeclaredSummary `json:"declared"`
	// Observed are monitors' latest headcounts beside the official figure.
	Observed  []ObservedRow  `json:"observed"`
	Trend     []Point        `json:"trend"`
	Screening *ScreeningRef  `json:"screening"`
	Census    *CensusSection `json:"census,omitempty"`
	// PopulationBase is the national population the rates per 100,000
	// are of, from the jurisdiction profile.
	PopulationBase *PopulationBase `json:"population_base,omitempty"`
	Concerns       *ConcernSection `json:"concerns,omitempty"`
	Notes          []string        `json:"notes"`
	Sources        []Source        `json:"sources"`
	// Labels name the figures, columns, mechanisms and groups of the
	// report in each language ("en", "km"), keyed by the English keys of
	// the tables ("fig.population", "col.women", "mech.royal_pardon",
	// "group.minors"), for a reader of the JSON in Khmer.
	Labels map[string]map[string]string `json:"labels"`

	// notes are Notes as catalogue keys and arguments, for the report in
	// another language; sourcesKm are the Sources in Khmer, where known.
	notes     []note
	sourcesKm []sourceKm
	titleKm   string // the title in Khmer (the jurisdiction profile's)

	disc *disclosure.Result
	// concerns are the national counts of concern markers, before
	// protection (nil: the store keeps none).
	concerns map[string]int
	// declaredOnly: the register holds no facilities; the report has only
	// what authorities declared.
	declaredOnly bool
}

// DeclaredOnly reports whether the report has only declared figures (the
// register holds no facilities): the register's sections are left out.
func (r *Report) DeclaredOnly() bool { return r.declaredOnly }

// Disclosure is what disclosure control decided for this report's counts:
// what was hidden and what an outsider can see (for audits and tests).
func (r *Report) Disclosure() *disclosure.Result { return r.disc }

// Protection says how small counts were protected.
type Protection struct {
	Threshold  int    `json:"threshold"`
	Rule       string `json:"rule"`
	Suppressed int    `json:"suppressed_cells"`
	Marker     string `json:"csv_marker"`
	Note       string `json:"note"`
}

// Releases are the releases in the period.
type Releases struct {
	From        string          `json:"from"`
	To          string          `json:"to"`
	Total       int             `json:"total"`
	ByMechanism []pledges.Count `json:"by_mechanism"` // exact: national
	ByFacility  ReleaseTable    `json:"by_facility"`
	ByProvince  []ProvinceRow   `json:"by_province"`
	ByGroup     ReleaseTable    `json:"by_group"`
}

// ProvinceRow is a province's releases.
type ProvinceRow struct {
	Province string `json:"province"`
	Released Cell   `json:"released"`
}

// CensusSection is what aggregate counts (habeas import census) say where
// the register has no individual records: each facility's last count within
// the window, and the stale ones, which the total leaves out.
type CensusSection struct {
	WindowDays int         `json:"window_days"`
	Population int         `json:"population"` // exact: the facilities counted, stale ones left out
	Facilities int         `json:"facilities"`
	Rows       []CensusRow `json:"per_facility"`
}

// CensusRow is one facility's count.
type CensusRow struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Province   string `json:"province"`
	Date       string `json:"date"`
	Stale      bool   `json:"stale"`
	Population Cell   `json:"population"`
	Capacity   int    `json:"capacity"`
	Warning    string `json:"warning,omitempty"`
}

// ScreeningRef names the saved screening the unlawful counts come from.
type ScreeningRef struct {
	AsOf       string `json:"as_of"`
	Pack       string `json:"pack"`
	LedgerHead string `json:"ledger_head"`
	ComputedAt string `json:"computed_at"`
	Current    bool   `json:"current"` // computed on the ledger head of the report
	// Split: the screening kept the people held without legal basis split
	// by whether the law is confirmed (one saved before it did not).
	Split bool `json:"split_by_confirmed_law"`
	// The lawyer who reviewed the rule pack and the date; empty when the
	// pack was not reviewed.
	PackReviewedBy string `json:"pack_reviewed_by"`
	PackReviewedOn string `json:"pack_reviewed_on"`
}

// splitKept reports whether a saved screening holds the split of the
// unlawful count: in every facility, the two parts add up to it. A summary
// saved before the split has no parts, which adds up only where nobody was
// held unlawfully, and there the split is known anyway (0 and 0).
func splitKept(counts []store.ScreeningCount) bool {
	sum := map[string]int{}
	for _, c := range counts {
		if c.Rule != "" {
			continue
		}
		switch c.Kind {
		case "unlawful":
			sum[c.Facility] += c.People
		case store.KindUnlawfulConfirmed, store.KindUnlawfulUnconfirmed:
			sum[c.Facility] -= c.People
		}
	}
	for _, n := range sum {
		if n != 0 {
			return false
		}
	}
	return true
}

// SyntheticNote is what a report of a synthetic register says of itself,
// first, wherever it is read.
const SyntheticNote = "Synthetic data: no real person or prison figure. This register was generated by habeas demo."

// Synthetic reports whether the register was written by the demo: its first
// event came through it (domain.SyntheticVia). What the register stores
// decides, never the figures.
func Synthetic(ctx context.Context, st store.Store) (bool, error) {
	se, ok, err := st.Event(ctx, 1)
	if err != nil {
		return false, fmt.Errorf("reading the register's first event: %w", err)
	}
	if !ok {
		return false, nil
	}
	ev, err := domain.DecodeEvent(se.Body)
	if err != nil {
		return false, fmt.Errorf("reading the register's first event: %w", err)
	}
	return domain.SyntheticVia(ev.Via), nil
}

// ErrNoData is returned for a date before anything was recorded.
var ErrNoData = domain.NotFound("no data")

// Build computes the report.
func Build(ctx context.Context, st store.Store, opt Options) (*Report, error) {
	latest, err := st.LatestDate(ctx)
	if err != nil {
		return nil, err
	}
	if latest == domain.NoDate {
		return nil, fmt.Errorf("%w: the register is empty (load data first: habeas demo, or habeas import events)", ErrNoData)
	}
	asOf := opt.AsOf
	if asOf == domain.NoDate {
		asOf = latest
	}
	first, err := firstDate(ctx, st)
	if err != nil {
		return nil, err
	}
	if asOf < first {
		return nil, fmt.Errorf("%w: %s is before anything in the register (the first entry is dated %s)", ErrNoData, asOf, first)
	}
	from := opt.From
	if from == domain.NoDate {
		from = asOf.AddMonths(-12).AddDays(1)
	}
	if from > asOf {
		return nil, fmt.Errorf("the period starts on %s, after the report date %s", from, asOf)
	}
	baseline := opt.Baseline
	if baseline == domain.NoDate {
		baseline = domain.MustDate("2016-01-01")
	}
	threshold := opt.Threshold
	if threshold == 0 {
		threshold = disclosure.DefaultThreshold
	}
	if threshold < 0 {
		return nil, fmt.Errorf("the suppression threshold cannot be negative")
	}
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	prof := opt.Profile
	if prof == nil {
		if prof, err = LoadProfile(DefaultJurisdiction); err != nil {
			return nil, err
		}
	} else if err := prof.check(); err != nil {
		return nil, fmt.Errorf("the jurisdiction profile %s: %w", prof.ID, err)
	}
	if facs, err := st.Facilities(ctx); err != nil {
		return nil, err
	} else if len(facs) == 0 {
		return declaredOnly(ctx, st, asOf, from, threshold, now, prof)
	}
	// The reads are independent: run them side by side (both databases
	// serve concurrent readers), and the report costs about its longest.
	var (
		head    store.Head
		s       *stats.Stats
		rows    []store.ReleaseRow
		changes []store.PopChange
		scr     store.ScreeningSummary
		found   bool
		synth   bool
		// The month-end before asOf, for the headline's changes.
		prev      = asOf.AddDays(-1).LastMonthEnd()
		prevStats *stats.Stats
		prevScr   store.ScreeningSummary
		prevFound bool
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { head, err = st.Head(gctx); return })
	g.Go(func() (err error) {
		if s, err = stats.Compute(gctx, st, asOf, stats.Options{}); err != nil {
			return fmt.Errorf("computing the figures: %w", err)
		}
		return nil
	})
	g.Go(func() (err error) {
		if rows, err = st.ReleaseRows(gctx, from, asOf); err != nil {
			return fmt.Errorf("reading releases: %w", err)
		}
		return nil
	})
	g.Go(func() (err error) { changes, err = st.PopulationChanges(gctx); return })
	g.Go(func() (err error) { synth, err = Synthetic(gctx, st); return })
	g.Go(func() (err error) { scr, found, err = st.Screening(gctx, asOf); return })
	if prev >= first {
		g.Go(func() (err error) {
			if prevStats, err = stats.Compute(gctx, st, prev, stats.Options{}); err != nil {
				return fmt.Errorf("computing the figures of %s: %w", prev, err)
			}
			return nil
		})
		g.Go(func() (err error) { prevScr, prevFound, err = st.Screening(gctx, prev); return })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	pl, err := pledges.ComputeWith(ctx, st, asOf, rows, from)
	if err != nil {
		return nil, fmt.Errorf("measuring pledges: %w", err)
	}
	for i := range pl.Declared.Figures {
		// The register's count beside a figure declared for one facility
		// is a count below national level: small, it is suppressed as the
		// facility tables' are (shown as not available).
		f := &pl.Declared.Figures[i]
		if f.Facility != "" && f.Recorded != nil && *f.Recorded > 0 && *f.Recorded <= threshold {
			f.Recorded, f.Difference = nil, nil
		}
	}
	for i := range pl.Pledges {
		// A pledge's releases by group are exact and small groups are small:
		// published, they would undo the protected group table. The report
		// shows groups there only; habeas pledge list (staff) keeps them.
		pl.Pledges[i].ByGroup = nil
	}
	trend, err := trendOf(ctx, st, changes, baseline, asOf,
		Point{Date: asOf.String(), Population: s.Population, Capacity: s.Capacity, OccupancyPct: round1(s.OccupancyPct)})
	if err != nil {
		return nil, fmt.Errorf("computing the trend: %w", err)
	}
	r := &Report{
		Title:      prof.Title.En,
		titleKm:    prof.Title.Km,
		Synthetic:  synth,
		AsOf:       asOf.String(),
		From:       from.String(),
		Generated:  now.UTC().Format(time.RFC3339),
		LedgerHead: head.Hash,
		Scope:      s.Scope,
		Pledges:    pl.Pledges,
		Reforms:    pl.Reforms,
		Declared:   pl.Declared,
		Trend:      trend,
		Notes:      []string{},
		Sources: []Source{
			{"habeas register", "population, capacity, releases and their legal mechanisms, computed from the custody ledger (ledger head " + head.Hash[:16] + "…)"},
		},
	}
	if synth {
		r.SyntheticNote = SyntheticNote
	}
	r.sourcesKm = []sourceKm{{i18n.Khmer.T("report.source_register"), textHTML(i18n.Khmer, "report.source_register_use", code(head.Hash[:16]+"…"))}}
	for _, c := range prof.Sources {
		r.Sources = append(r.Sources, Source{c.Name.En, c.Use.En})
		r.sourcesKm = append(r.sourcesKm, sourceKm{c.Name.Km, template.HTML(template.HTMLEscapeString(c.Use.Km))})
	}
	if found {
		r.Screening = &ScreeningRef{AsOf: scr.AsOf.String(), Pack: scr.Pack, LedgerHead: scr.Head, ComputedAt: scr.ComputedAt,
			Current: scr.Head == head.Hash, Split: splitKept(scr.Counts), PackReviewedBy: scr.ReviewedBy}
		if scr.ReviewedOn != domain.NoDate {
			r.Screening.PackReviewedOn = scr.ReviewedOn.String()
		}
		if !r.Screening.Current {
			// Said as a fact, not as a command to run: the public reads
			// this, and the server screens again by itself after entries.
			r.note("report.note_stale_screening", scr.ComputedAt, code(short(scr.Head)))
		}
		if !r.Screening.Split {
			r.note("report.note_no_split")
		}
		if scr.ReviewedBy == "" {
			r.note("report.note_not_reviewed", code(scr.Pack))
		}
	} else {
		r.note("report.note_no_screening", asOf)
	}
	if cr, ok := st.(ConcernReader); ok {
		if r.concerns, err = ConcernCounts(ctx, cr, asOf); err != nil {
			return nil, fmt.Errorf("counting concern markers: %w", err)
		}
	}
	err = r.protect(s, rows, scr.Counts, r.Columns(), threshold, nil)
	var be *disclosure.BlockedError
	if errors.As(err, &be) && r.Screening != nil {
		// The screening's counts are what cannot be published (a small
		// register): the rest of the report still can, without them. A
		// saved screening must never take the figures down with it.
		r.Screening = nil
		r.note("report.note_screening_blocked", asOf)
		err = r.protect(s, rows, nil, r.Columns(), threshold, nil)
	}
	if err != nil {
		return nil, err
	}
	if len(r.Releases.ByMechanism) > len(r.Releases.ByFacility.Columns) && len(r.Releases.ByFacility.Rows) > 0 {
		r.note("report.note_rare_mechanisms")
	}
	r.headline(prof, prev, prevStats, prevScr.Counts, prevFound && r.Screening != nil)
	if err := r.facilityHistory(ctx, st, changes, baseline, asOf, threshold); err != nil {
		return nil, fmt.Errorf("computing the facilities' history: %w", err)
	}
	names := map[string]string{}
	for _, f := range s.Facilities {
		names[f.ID] = f.Name
	}
	if r.Observed, err = observedRows(ctx, st, asOf, threshold, names); err != nil {
		return nil, err
	}
	for _, f := range s.Facilities {
		if f.CapacitySource != "" && !slices.ContainsFunc(r.Sources, func(x Source) bool { return x.Name == f.CapacitySource }) {
			r.Sources = append(r.Sources, Source{f.CapacitySource, "official capacities"})
			r.sourcesKm = append(r.sourcesKm, sourceKm{"", template.HTML(template.HTMLEscapeString(i18n.Khmer.T("report.source_capacities")))})
		}
	}
	r.Labels = r.labels()
	return r, nil
}

// declaredOnly is the report of a register that holds no facilities, only
// what authorities declared (and pledges, reforms): monitors without a
// register. The figures stand alone; there is nothing of the register's to
// count, protect or chart.
func declaredOnly(ctx context.Context, st store.Store, asOf, from domain.Date, threshold int, now time.Time, prof *Profile) (*Report, error) {
	head, err := st.Head(ctx)
	if err != nil {
		return nil, err
	}
	synth, err := Synthetic(ctx, st)
	if err != nil {
		return nil, err
	}
	pl, err := pledges.Compute(ctx, st, asOf)
	if err != nil {
		return nil, fmt.Errorf("measuring pledges: %w", err)
	}
	r := &Report{
		Title:      prof.Title.En,
		titleKm:    prof.Title.Km,
		Synthetic:  synth,
		AsOf:       asOf.String(),
		From:       from.String(),
		Generated:  now.UTC().Format(time.RFC3339),
		LedgerHead: head.Hash,
		Scope:      "figures declared by authorities only: the register holds no facilities, so it counts nothing of its own",
		Protection: Protection{Threshold: threshold, Rule: "no count of the register is published", Marker: "*",
			Note: "This report publishes only figures authorities declared, as they declared them."},
		National:        []Figure{},
		Facilities:      []FacilityRow{},
		FacilityHistory: []FacilityHistory{},
		Releases: Releases{From: from.String(), To: asOf.String(), ByMechanism: []pledges.Count{}, ByProvince: []ProvinceRow{},
			ByFacility: ReleaseTable{Rows: []string{}, Labels: []string{}}, ByGroup: ReleaseTable{Rows: []string{}, Labels: []string{}}},
		Pledges:      pl.Pledges,
		Reforms:      pl.Reforms,
		Declared:     pl.Declared,
		Trend:        []Point{},
		declaredOnly: true,
		Notes:        []string{},
		Sources: []Source{
			{"habeas register", "figures declared by authorities, as recorded in the custody ledger (ledger head " + short(head.Hash) + ")"},
		},
	}
	r.note("report.note_declared_only")
	r.sourcesKm = []sourceKm{{i18n.Khmer.T("report.source_register"), textHTML(i18n.Khmer, "report.source_register_declared_use", code(short(head.Hash)))}}
	if synth {
		r.SyntheticNote = SyntheticNote
	}
	r.Labels = r.labels()
	return r, nil
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}

// firstDate is when the register starts: the first facility's registration
// (no one can be held before a facility is registered).
func firstDate(ctx context.Context, st store.Store) (domain.Date, error) {
	facs, err := st.Capacities(ctx)
	if err != nil {
		return domain.NoDate, err
	}
	first := domain.NoDate
	for _, c := range facs {
		if first == domain.NoDate || c.From < first {
			first = c.From
		}
	}
	return first, nil
}

// trendOf is the prison system's population and capacity at the end of
// each month from baseline to asOf, and on asOf itself, when it is not a
// month end, from the figures of that day (last).
func trendOf(ctx context.Context, st store.Store, changes []store.PopChange, baseline, asOf domain.Date, last Point) ([]Point, error) {
	facs, err := st.Facilities(ctx)
	if err != nil {
		return nil, err
	}
	inSystem := map[string]bool{}
	for _, f := range facs {
		inSystem[f.ID] = stats.InSystem(f.Kind)
	}
	caps, err := st.Capacities(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(caps, func(i, j int) bool { return caps[i].From < caps[j].From })
	var dates []domain.Date
	for m := domain.Date(int32(baseline)/100*100 + 1); ; m = m.AddMonths(1) {
		end := m.AddMonths(1).AddDays(-1)
		if end > asOf {
			break
		}
		dates = append(dates, end)
	}
	out := make([]Point, 0, len(dates)+1)
	pop, ci, capNow := 0, 0, map[string]int{}
	i := 0
	for _, d := range dates {
		for ; i < len(changes) && changes[i].Month <= d; i++ {
			if inSystem[changes[i].Facility] {
				pop += changes[i].In - changes[i].Out
			}
		}
		for ; ci < len(caps) && caps[ci].From <= d; ci++ {
			capNow[caps[ci].Facility] = caps[ci].Capacity
		}
		total := 0
		for f, c := range capNow {
			if inSystem[f] {
				total += c
			}
		}
		p := Point{Date: d.String(), Population: pop, Capacity: total}
		if total > 0 {
			p.OccupancyPct = round1(100 * float64(pop) / float64(total))
		}
		out = append(out, p)
	}
	if len(out) == 0 || out[len(out)-1].Date != asOf.String() {
		out = append(out, last)
	}
	return out, nil
}

func round1(f float64) float64 {
	// math.Round, not int64(f*10+0.5): a change can be negative, and
	// -20 must not come out as -19.9.
	return math.Round(f*10) / 10
}

// groupLabels are the published names of the release groups.
var groupLabels = map[domain.Group]string{
	domain.GroupWomen: "Women", domain.GroupMinors: "Minors (under 18)", domain.GroupOlder: "Aged 60 or more",
	domain.GroupIll: "Chronic or mental illness, or disability", domain.GroupPregnant: "Pregnant women",
	domain.GroupMothers: "Mothers held with their children", domain.GroupPretrial: "Not finally convicted",
	domain.GroupDrug: "Held on drug charges",
}

// MechanismLabel is the published name of a mechanism.
func MechanismLabel(m string) string {
	if m == "" {
		return ""
	}
	return strings.ToUpper(m[:1]) + strings.ReplaceAll(m[1:], "_", " ")
}
