// Package scenario runs the outbreak model (package outbreak) on the
// register: it fills the model's facilities from the store on a date, turns
// a saved decongestion plan into the releases of its people, and makes the
// national scenario a plan is published with. The CLI (habeas outbreak),
// the staff scenario page and publishing a plan all go through it, so that
// they cannot disagree on how a person is put in a stratum.
package scenario

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/outbreak"
	"github.com/habeas-kh/habeas/internal/plan"
	"github.com/habeas-kh/habeas/internal/store"
)

// Options are a scenario run's choices.
type Options struct {
	// AsOf is day 0 of the runs: whose people are held, in which strata.
	// NoDate: the plan's date, or the register's latest date without one.
	AsOf   domain.Date
	Runs   int
	Days   int
	Seed   uint64
	Params *outbreak.Params // nil: the built-in parameters
	// Facility, when set, models that facility alone (its figures are
	// those it has in the national run).
	Facility string
	// SeriesEvery keeps the fan charts' series (outbreak.Input).
	SeriesEvery int
	// Workers as outbreak.Input's (0: GOMAXPROCS).
	Workers int
}

// Result is a model run on the register, with the plan it compared.
type Result struct {
	*outbreak.Result
	// Released counts the plan's people held on the run's date: those the
	// plan releases in the model (the others have left custody already).
	Released int `json:"released,omitempty"`
	// PlanDate is the plan's date; its people are released on it (day 0
	// when it is not after the run's date).
	PlanDate domain.Date `json:"plan_date,omitempty"`
}

// Run runs the model on the register as of opt.AsOf, against the saved plan
// when there is one (nil: the baseline only).
func Run(ctx context.Context, st store.Store, saved *plan.Saved, opt Options) (*Result, error) {
	in, sc, out, err := Prepare(ctx, st, saved, opt)
	if err != nil {
		return nil, err
	}
	res, err := outbreak.Run(ctx, in, sc)
	if err != nil {
		return nil, err
	}
	out.Result = res
	return out, nil
}

// Prepare reads what a run needs from the store: the model's input, the
// plan's scenario (nil without a plan) and the result's plan fields.
func Prepare(ctx context.Context, st store.Store, saved *plan.Saved, opt Options) (outbreak.Input, *outbreak.Scenario, *Result, error) {
	p := opt.Params
	if p == nil {
		p = outbreak.DefaultParams()
	}
	day := opt.AsOf
	if day == domain.NoDate && saved != nil {
		day = saved.Plan.AsOf
	}
	if day == domain.NoDate {
		d, err := st.LatestDate(ctx)
		if err != nil {
			return outbreak.Input{}, nil, nil, fmt.Errorf("reading the register's date: %w", err)
		}
		if d == domain.NoDate {
			return outbreak.Input{}, nil, nil, domain.Invalid("as_of", "the register is empty: nothing to model")
		}
		day = d
	}
	in := outbreak.Input{Params: p, Start: day, Days: opt.Days, Runs: opt.Runs, Seed: opt.Seed,
		SeriesEvery: opt.SeriesEvery, Workers: opt.Workers}
	if err := in.Check(); err != nil {
		return in, nil, nil, err
	}
	fs, err := Facilities(ctx, st, day, p, opt.Facility)
	if err != nil {
		return in, nil, nil, err
	}
	in.Facilities = fs
	out := &Result{}
	if saved == nil {
		return in, nil, out, nil
	}
	rel, n, err := Releases(ctx, st, day, p, saved)
	if err != nil {
		return in, nil, nil, err
	}
	out.Released, out.PlanDate = n, saved.Plan.AsOf
	return in, &outbreak.Scenario{Name: saved.Plan.Name, Releases: rel}, out, nil
}

// housing is the model's housing of a store row. A person with no recorded
// cell, or in a cell the estate does not list, sleeps in a dormitory:
// communal cells are the rule in Cambodia's prisons (docs/outbreak.md).
func housing(h store.Housing) bool { return h != store.HousingCell }

// Facilities fills the model's facilities from the register on a date: the
// strata in one aggregate query, capacities, and the admission and release
// rates of the 365 days to the date. A person with no recorded age is put
// in 18-44 (outbreak.AgeIndex).
func Facilities(ctx context.Context, st store.Store, day domain.Date, p *outbreak.Params, only string) ([]outbreak.Facility, error) {
	rows, err := st.Strata(ctx, day, outbreak.AgeLowerBounds(), p.DormitoryMinCellCapacity)
	if err != nil {
		return nil, fmt.Errorf("reading the strata on %s: %w", day, err)
	}
	caps, err := st.CapacityOn(ctx, day)
	if err != nil {
		return nil, fmt.Errorf("reading capacities on %s: %w", day, err)
	}
	from := day.AddDays(-364)
	adm, _, err := st.Admissions(ctx, from, day)
	if err != nil {
		return nil, fmt.Errorf("reading admissions from %s to %s: %w", from, day, err)
	}
	rel, err := st.Releases(ctx, from, day)
	if err != nil {
		return nil, fmt.Errorf("reading releases from %s to %s: %w", from, day, err)
	}
	byID := map[string]*outbreak.Facility{}
	var order []string
	for _, r := range rows {
		f := byID[r.Facility]
		if f == nil {
			f = &outbreak.Facility{ID: r.Facility}
			byID[r.Facility] = f
			order = append(order, r.Facility)
		}
		f.Counts[outbreak.StratumFor(r.AgeBand, r.Chronic, housing(r.Housing)).Index()] += r.Count
	}
	for _, c := range caps {
		if f := byID[c.Facility]; f != nil {
			f.Capacity = c.Capacity
		}
	}
	for _, c := range adm {
		if f := byID[c.Facility]; f != nil {
			f.AdmissionsPerDay = float64(c.Count) / 365
		}
	}
	for _, c := range rel {
		if f := byID[c.Facility]; f != nil {
			f.ReleasesPerDay += float64(c.Count) / 365
		}
	}
	if only != "" {
		f := byID[only]
		if f == nil {
			return nil, domain.Invalid("facility", "no such facility %q with people held on %s", only, day)
		}
		return []outbreak.Facility{*f}, nil
	}
	if len(order) == 0 {
		return nil, domain.Invalid("as_of", "nobody is held on %s: nothing to model", day)
	}
	out := make([]outbreak.Facility, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	return out, nil
}

// Releases are a saved plan's people as the model releases them: those held
// at the end of day, counted per facility and stratum by one aggregate
// query (store.StrataOf, in chunks of ids; no one's facts are read row by
// row), in the facility that holds them on day, released on the plan's
// date (day 0 of the run when that is not after day). It also returns how
// many they are.
func Releases(ctx context.Context, st store.Store, day domain.Date, p *outbreak.Params, saved *plan.Saved) ([]outbreak.Release, int, error) {
	ids := make([]string, len(saved.Plan.People))
	for i, x := range saved.Plan.People {
		ids[i] = x.Person
	}
	rows, err := st.StrataOf(ctx, day, ids, outbreak.AgeLowerBounds(), p.DormitoryMinCellCapacity)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the strata of plan %q's people on %s: %w", saved.Plan.Name, day, err)
	}
	var out []outbreak.Release
	n := 0
	for _, r := range rows {
		out = append(out, outbreak.Release{Facility: r.Facility, Stratum: outbreak.StratumFor(r.AgeBand, r.Chronic, housing(r.Housing)),
			Date: saved.Plan.AsOf, Count: r.Count})
		n += r.Count
	}
	return out, n, nil
}

// Limits of a published scenario, and of one asked for on the web: the
// page must answer in seconds and its series fit in memory.
const (
	WebMaxRuns     = 2000
	WebDefaultRuns = 200
	WebMaxDays     = 365
	DefaultDays    = 180
	PublicRuns     = 1000
	// SeriesPoints is about how many points a fan chart has.
	SeriesPoints = 60
)

// SeriesEvery is the step of a fan chart's days for a horizon.
func SeriesEvery(days int) int { return max(1, (days+SeriesPoints-1)/SeriesPoints) }

// Public runs a saved plan's national scenario as it is published: on the
// plan's date, the built-in parameters unless p is given, every facility.
func Public(ctx context.Context, st store.Store, saved *plan.Saved, opt Options) (*domain.PlanScenario, error) {
	if saved == nil {
		return nil, errors.New("a published scenario needs a plan")
	}
	opt.AsOf, opt.Facility = saved.Plan.AsOf, ""
	opt.SeriesEvery = SeriesEvery(opt.Days)
	res, err := Run(ctx, st, saved, opt)
	if err != nil {
		return nil, fmt.Errorf("running plan %q's scenario: %w", saved.Plan.Name, err)
	}
	return res.Published(), nil
}

func iv(i outbreak.Interval) domain.ScenarioInterval {
	return domain.ScenarioInterval{Median: i.Median, P5: i.P5, P95: i.P95}
}

func figures(f outbreak.Figures) domain.ScenarioFigures {
	return domain.ScenarioFigures{Infections: iv(f.Infections), Hospitalisations: iv(f.Hospitalisations), PeakBeds: iv(f.PeakBeds), Deaths: iv(f.Deaths)}
}

// Published is the national part of a run against a plan, as published:
// no facility's figures, no one named.
func (r *Result) Published() *domain.PlanScenario {
	ps := &domain.PlanScenario{AsOf: r.AsOf, Runs: r.Runs, Days: r.Days, Seed: r.Seed, Transmission: r.Transmission,
		Population: r.Population, Capacity: r.Capacity, Released: r.Released, Baseline: figures(r.Baseline)}
	if r.Plan != nil {
		ps.Plan = figures(*r.Plan)
		ps.Averted = domain.ScenarioAverted{Deaths: iv(r.Averted.Deaths), Infections: iv(r.Averted.Infections)}
	}
	if s := r.Series; s != nil {
		ps.SeriesDays = s.Days
		for i := range s.Days {
			ps.Infected.Baseline = append(ps.Infected.Baseline, iv(s.National.Baseline.Infected[i]))
			if s.National.Plan != nil {
				ps.Infected.Plan = append(ps.Infected.Plan, iv(s.National.Plan.Infected[i]))
			}
		}
	}
	for _, e := range r.Parameters {
		ps.Parameters = append(ps.Parameters, domain.ScenarioParam{Key: e.Key, Value: ValueText(e.Value), Unit: e.Unit, Source: e.Source, Verified: e.Verified})
	}
	return ps
}

// ValueText writes a parameter's value as the file gives it.
func ValueText(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case string:
		return x
	case []float64:
		s := make([]string, len(x))
		for i, f := range x {
			s[i] = strconv.FormatFloat(f, 'f', -1, 64)
		}
		return strings.Join(s, ", ")
	case []any:
		s := make([]string, len(x))
		for i, f := range x {
			s[i] = ValueText(f)
		}
		return strings.Join(s, ", ")
	}
	return fmt.Sprint(v)
}
