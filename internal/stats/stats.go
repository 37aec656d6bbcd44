// Package stats computes the register's figures as of a date: population,
// capacity, occupancy and the categories Nelson Mandela Rule 10 asks a
// register to produce.
package stats

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// MinorAge is the age of majority: people under it are minors.
const MinorAge = 18

// OlderAge is the age from which a prisoner counts as older (Aged60Plus).
const OlderAge = 60

// FacilityStats are the figures of one facility.
type FacilityStats struct {
	ID             string  `json:"id"`
	Name           string  `json:"name"`
	Kind           string  `json:"kind"`
	Province       string  `json:"province"`
	Population     int     `json:"population"`
	Capacity       int     `json:"capacity"`
	CapacityDate   string  `json:"capacity_date"`
	CapacitySource string  `json:"capacity_source"`
	OccupancyPct   float64 `json:"occupancy_pct"`
	Pretrial       int     `json:"pretrial"`
	Women          int     `json:"women"`
	Minors         int     `json:"minors"`
	Children       int     `json:"children_with_mothers"`
	Drug           int     `json:"drug_related"`
}

// KindStats sums the facilities of one kind.
type KindStats struct {
	Kind         string  `json:"kind"`
	Facilities   int     `json:"facilities"`
	Population   int     `json:"population"`
	Capacity     int     `json:"capacity"`
	OccupancyPct float64 `json:"occupancy_pct"`
}

// Count is a labelled count.
type Count struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// CellStats is the population of one cell against its designed capacity.
type CellStats struct {
	Facility    string  `json:"facility"`
	Cell        string  `json:"cell"`
	Population  int     `json:"population"`
	Capacity    int     `json:"capacity"`
	AreaM2      float64 `json:"area_m2"`
	M2PerPerson float64 `json:"m2_per_person"`
}

// Period is a count over a span of days.
type Period struct {
	From       string  `json:"from"`
	To         string  `json:"to"`
	Admitted   int     `json:"admitted"`
	Drug       int     `json:"admitted_drug_related"`
	Released   int     `json:"released"`
	ReleasedBy []Count `json:"released_by_mechanism"`
}

// Stats are the figures as of one date. The headline figures cover the prison
// system (prisons and correctional centres), as the official statistics and
// the 26,593-place capacity do; other kinds of facility are in ByKind and
// Facilities.
type Stats struct {
	AsOf                string          `json:"as_of"`
	Source              string          `json:"source"`
	Scope               string          `json:"scope"`
	Population          int             `json:"population"`
	Capacity            int             `json:"capacity"`
	OccupancyPct        float64         `json:"occupancy_pct"`
	Pretrial            int             `json:"pretrial"`
	PretrialShare       float64         `json:"pretrial_share"`
	PretrialDefinition  string          `json:"pretrial_definition"`
	Untried             int             `json:"untried"`
	AwaitingAppeal      int             `json:"awaiting_appeal"`
	Women               int             `json:"women"`
	WomenShare          float64         `json:"women_share"`
	Minors              int             `json:"minors"`
	MinorsShare         float64         `json:"minors_share"`
	ChildrenWithMothers int             `json:"children_with_mothers"`
	DrugRelated         int             `json:"drug_related"`
	Pregnant            int             `json:"pregnant"`
	Ill                 int             `json:"chronic_or_mental_illness_or_disability"`
	Aged60Plus          int             `json:"aged_60_plus"`
	ByStatus            []Count         `json:"by_status"`
	BySex               []Count         `json:"by_sex"`
	ByAgeBand           []Count         `json:"by_age_band"`
	ByKind              []KindStats     `json:"by_kind"`
	Facilities          []FacilityStats `json:"facilities"`
	LargestCells        []CellStats     `json:"largest_cells"`
	Period              *Period         `json:"period,omitempty"`
	// Census is the figures from aggregate counts (census.go), when the
	// register holds any dated on or before the date.
	Census *CensusFigures `json:"census,omitempty"`
}

// InSystem reports whether a facility kind belongs to the prison system.
func InSystem(k domain.FacilityKind) bool {
	return k == domain.Prison || k == domain.CorrectionalCentre
}

// Options select what Compute adds beyond the figures on the date.
type Options struct {
	// From starts a period ending on the as-of date for admissions and
	// releases; zero leaves the period out.
	From domain.Date
	// Cells is how many of the most crowded cells to list.
	Cells int
	// Census tunes the figures from aggregate counts.
	Census CensusOptions
}

// Compute returns the figures as of asOf.
func Compute(ctx context.Context, st store.Store, asOf domain.Date, opt Options) (*Stats, error) {
	facs, err := st.Facilities(ctx)
	if err != nil {
		return nil, err
	}
	if len(facs) == 0 {
		return nil, fmt.Errorf("the register has no facilities: load data first (habeas demo, or habeas import events)")
	}
	// Minors and older prisoners are counted in whole age bands: the bands
	// the register was created with must begin one at each of those ages.
	bands := st.AgeBands()
	for _, age := range []int{MinorAge, OlderAge} {
		if !slices.Contains(bands, age) {
			return nil, fmt.Errorf("the register groups ages by the bands %v, none of which begins at %d: its minors and older prisoners cannot be counted", bands, age)
		}
	}
	// The queries are independent: run them side by side (SQLite and
	// PostgreSQL both serve concurrent readers).
	var (
		caps  []store.Capacity
		pop   []store.PopRow
		flags []store.FlagRow
		cells []store.CellCount
		wg    sync.WaitGroup
		errs  [3]error
	)
	wg.Add(3)
	go func() { defer wg.Done(); caps, errs[0] = st.CapacityOn(ctx, asOf) }()
	go func() { defer wg.Done(); pop, cells, errs[1] = st.Held(ctx, asOf, opt.Cells) }()
	go func() { defer wg.Done(); flags, errs[2] = st.FlagsOn(ctx, asOf) }()
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	s := &Stats{AsOf: asOf.String(), Source: "register",
		Scope:              "prison system: facilities of kind prison and correctional_centre",
		PretrialDefinition: "not finally convicted: police custody, pre-trial detention, convicted awaiting appeal, acquitted held pending appeal"}
	byID := map[string]*FacilityStats{}
	kind := map[string]domain.FacilityKind{}
	for _, f := range facs {
		fs := &FacilityStats{ID: f.ID, Name: f.Name, Kind: string(f.Kind), Province: f.Province}
		byID[f.ID] = fs
		kind[f.ID] = f.Kind
	}
	for _, c := range caps {
		if fs := byID[c.Facility]; fs != nil {
			fs.Capacity, fs.CapacityDate, fs.CapacitySource = c.Capacity, c.From.String(), c.Source
		}
	}
	status := map[string]int{}
	sex := map[string]int{}
	band := map[int]int{}
	for _, r := range pop {
		fs := byID[r.Facility]
		if fs == nil {
			continue
		}
		fs.Population += r.Count
		if r.Status.NotFinal() {
			fs.Pretrial += r.Count
		}
		if r.Sex == domain.Female {
			fs.Women += r.Count
		}
		minor := r.AgeBand >= 0 && r.AgeBand < MinorAge
		if minor {
			fs.Minors += r.Count
		}
		if r.Drug {
			fs.Drug += r.Count
		}
		if !InSystem(kind[r.Facility]) {
			continue
		}
		status[string(r.Status)] += r.Count
		sex[string(r.Sex)] += r.Count
		band[r.AgeBand] += r.Count
		if r.Status.Untried() {
			s.Untried += r.Count
		}
		if r.Status == domain.StatusAppeal || r.Status == domain.StatusAcquitted {
			s.AwaitingAppeal += r.Count
		}
		if r.AgeBand >= OlderAge {
			s.Aged60Plus += r.Count
		}
	}
	for _, fr := range flags {
		fs := byID[fr.Facility]
		if fs == nil {
			continue
		}
		if fr.Kind == domain.FlagChild {
			fs.Children += fr.Count
		}
		if !InSystem(kind[fr.Facility]) {
			continue
		}
		switch fr.Kind {
		case domain.FlagChild:
			s.ChildrenWithMothers += fr.Count
		case domain.FlagPregnant:
			s.Pregnant += fr.Count
		case domain.FlagChronic, domain.FlagMental, domain.FlagDisability:
			// A person with two conditions is counted once per kind; the
			// store does not deduplicate across kinds.
			s.Ill += fr.Count
		}
	}
	kinds := map[string]*KindStats{}
	for _, f := range facs {
		fs := byID[f.ID]
		fs.OccupancyPct = pct(fs.Population, fs.Capacity)
		k := kinds[fs.Kind]
		if k == nil {
			k = &KindStats{Kind: fs.Kind}
			kinds[fs.Kind] = k
		}
		k.Facilities++
		k.Population += fs.Population
		k.Capacity += fs.Capacity
		s.Facilities = append(s.Facilities, *fs)
		if InSystem(f.Kind) {
			s.Population += fs.Population
			s.Capacity += fs.Capacity
			s.Pretrial += fs.Pretrial
			s.Women += fs.Women
			s.Minors += fs.Minors
			s.DrugRelated += fs.Drug
		}
	}
	for _, k := range domain.FacilityKinds {
		if ks := kinds[string(k)]; ks != nil {
			ks.OccupancyPct = pct(ks.Population, ks.Capacity)
			s.ByKind = append(s.ByKind, *ks)
		}
	}
	s.OccupancyPct = pct(s.Population, s.Capacity)
	s.PretrialShare = share(s.Pretrial, s.Population)
	s.WomenShare = share(s.Women, s.Population)
	s.MinorsShare = share(s.Minors, s.Population)
	for _, st := range domain.LegalStatuses {
		if n := status[string(st)]; n > 0 {
			s.ByStatus = append(s.ByStatus, Count{string(st), n})
		}
	}
	for _, sx := range domain.Sexes {
		if n := sex[string(sx)]; n > 0 {
			s.BySex = append(s.BySex, Count{string(sx), n})
		}
	}
	if n := band[-1]; n > 0 {
		s.ByAgeBand = append(s.ByAgeBand, Count{"unknown", n})
	}
	for i, lo := range bands {
		label := fmt.Sprintf("%d+", lo)
		if i+1 < len(bands) {
			label = fmt.Sprintf("%d-%d", lo, bands[i+1]-1)
		}
		if n := band[lo]; n > 0 {
			s.ByAgeBand = append(s.ByAgeBand, Count{label, n})
		}
	}
	if len(cells) > 0 {
		if err := addCells(ctx, st, s, cells); err != nil {
			return nil, err
		}
	}
	if opt.From != domain.NoDate {
		if err := addPeriod(ctx, st, s, opt.From, asOf); err != nil {
			return nil, err
		}
	}
	if s.Census, err = CensusOn(ctx, st, asOf, opt.Census); err != nil {
		return nil, err
	}
	return s, nil
}

func addCells(ctx context.Context, st store.Store, s *Stats, cc []store.CellCount) error {
	cells, err := st.Cells(ctx)
	if err != nil {
		return err
	}
	byKey := map[string]store.Cell{}
	for _, c := range cells {
		byKey[c.Facility+"\x00"+c.Label] = c
	}
	for _, c := range cc {
		info := byKey[c.Facility+"\x00"+c.Cell]
		cs := CellStats{Facility: c.Facility, Cell: c.Cell, Population: c.Count, Capacity: info.Capacity, AreaM2: info.AreaM2}
		if c.Count > 0 && info.AreaM2 > 0 {
			cs.M2PerPerson = math.Round(info.AreaM2/float64(c.Count)*100) / 100
		}
		s.LargestCells = append(s.LargestCells, cs)
	}
	return nil
}

func addPeriod(ctx context.Context, st store.Store, s *Stats, from, to domain.Date) error {
	all, drug, err := st.Admissions(ctx, from, to)
	if err != nil {
		return err
	}
	rel, err := st.Releases(ctx, from, to)
	if err != nil {
		return err
	}
	p := &Period{From: from.String(), To: to.String()}
	for _, c := range all {
		p.Admitted += c.Count
	}
	for _, c := range drug {
		p.Drug += c.Count
	}
	byMech := map[string]int{}
	for _, r := range rel {
		p.Released += r.Count
		byMech[string(r.Mechanism)] += r.Count
	}
	for _, m := range domain.Mechanisms {
		if n := byMech[string(m)]; n > 0 {
			p.ReleasedBy = append(p.ReleasedBy, Count{string(m), n})
		}
	}
	sort.SliceStable(p.ReleasedBy, func(i, j int) bool { return p.ReleasedBy[i].Count > p.ReleasedBy[j].Count })
	s.Period = p
	return nil
}

// pct is a percentage rounded to one decimal; 0 when the base is unknown.
func pct(n, base int) float64 {
	if base == 0 {
		return 0
	}
	return math.Round(float64(n)*1000/float64(base)) / 10
}

// share is a fraction rounded to four decimals.
func share(n, base int) float64 {
	if base == 0 {
		return 0
	}
	return math.Round(float64(n)*10000/float64(base)) / 10000
}
