package outbreak

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/habeas-kh/habeas/internal/domain"
)

// Limits of a run's size, checked by Input.Check.
const (
	MaxRuns = 100000
	MaxDays = 3650
)

// Input is what a model run needs.
type Input struct {
	Params     *Params
	Facilities []Facility
	Start      domain.Date // the as-of date: day 0 of the run
	Days       int
	Runs       int
	Seed       uint64
	// SeriesEvery, when above 0, keeps the fan charts' series: the
	// residents infected and the deaths so far at the end of every
	// SeriesEvery-th day (and of the last), per facility and nationally,
	// as median and 90% interval over the runs. Its memory is runs ×
	// facilities × points × 16 bytes, so callers bound it.
	SeriesEvery int
	// Workers run in parallel (GOMAXPROCS when 0). The figures do not
	// depend on it: every run of every facility has its own random stream.
	Workers int
}

// Scenario is an alternative to the baseline: a plan's releases, other
// parameters (measures: isolation, prior immunity, fewer admissions), or
// both. It runs on the baseline's random numbers, run by run.
type Scenario struct {
	Name     string
	Releases []Release
	Params   *Params // nil: the baseline's
}

// Interval is a figure over the runs: its median and 90% interval.
type Interval struct {
	Median float64 `json:"median"`
	P5     float64 `json:"p5"`
	P95    float64 `json:"p95"`
}

// Figures are the outcomes of a scenario, residents only.
type Figures struct {
	Infections       Interval `json:"infections"`
	Hospitalisations Interval `json:"hospitalisations"`
	PeakBeds         Interval `json:"peak_hospital_beds"`
	Deaths           Interval `json:"deaths"`
}

// Averted is the baseline minus the scenario, run by run (paired runs).
type Averted struct {
	Deaths     Interval `json:"deaths"`
	Infections Interval `json:"infections"`
}

// Point is one deterministic figure set.
type Point struct {
	Infections       float64 `json:"infections"`
	Hospitalisations float64 `json:"hospitalisations"`
	PeakBeds         float64 `json:"peak_hospital_beds"`
	Deaths           float64 `json:"deaths"`
}

// FacilityResult is one facility's figures.
type FacilityResult struct {
	ID         string   `json:"id"`
	Population int      `json:"population"`
	Capacity   int      `json:"capacity"`
	Baseline   Figures  `json:"baseline"`
	Plan       *Figures `json:"plan,omitempty"`
	Averted    *Averted `json:"averted,omitempty"`
}

// Result is the output of Run.
type Result struct {
	AsOf         domain.Date      `json:"as_of"`
	Runs         int              `json:"runs"`
	Days         int              `json:"days"`
	Seed         uint64           `json:"seed"`
	Transmission string           `json:"transmission"`
	Population   int              `json:"population"`
	Capacity     int              `json:"capacity"`
	PlanName     string           `json:"plan_name,omitempty"`
	Baseline     Figures          `json:"baseline"`
	Plan         *Figures         `json:"plan,omitempty"`
	Averted      *Averted         `json:"averted,omitempty"`
	Facilities   []FacilityResult `json:"facilities"`
	Parameters   []Entry          `json:"parameters"`
	// Series are the fan charts' figures, when Input.SeriesEvery asked.
	Series *Series `json:"series,omitempty"`

	// per-run outcomes, [run][facility], kept for tests and the
	// comparisons above.
	base, plan [][]outcome
	natBase    []outcome
	natPlan    []outcome
}

// Series are figures over the days of the runs: at the end of each day of
// Days (1 is the end of the first day), the median and 90% interval over
// the runs of the residents infected then (exposed, infectious or in
// hospital) and of the deaths so far.
type Series struct {
	Days       []int            `json:"days"`
	National   ScenarioSeries   `json:"national"`
	Facilities []FacilitySeries `json:"facilities"`
}

// ScenarioSeries are the baseline's series and, with a scenario, the plan's.
type ScenarioSeries struct {
	Baseline DaySeries  `json:"baseline"`
	Plan     *DaySeries `json:"plan,omitempty"`
}

// DaySeries are two figures per day of Series.Days.
type DaySeries struct {
	Infected []Interval `json:"infected"`
	Deaths   []Interval `json:"deaths"`
}

// FacilitySeries are one facility's series.
type FacilitySeries struct {
	ID string `json:"id"`
	ScenarioSeries
}

// seriesStore keeps the per-run values of the series: for each scenario,
// figure (infected, deaths), facility and point, the runs side by side
// (float32: they are counts of people, well within its exact integers).
type seriesStore struct {
	runs, nf, np int
	at           []int // point index of each day, -1 when not kept
	days         []int
	fac          [2][]float32 // [scenario][((fig*nf+f)*np+pt)*runs+r]
	nat          [2][]float64 // [scenario][(fig*np+pt)*runs+r]
}

func newSeriesStore(runs, nf, days, every int, scenario bool) *seriesStore {
	ss := &seriesStore{runs: runs, nf: nf, at: make([]int, days)}
	for d := range days {
		ss.at[d] = -1
		if (d+1)%every == 0 || d == days-1 {
			ss.at[d] = len(ss.days)
			ss.days = append(ss.days, d+1)
		}
	}
	ss.np = len(ss.days)
	n := 1
	if scenario {
		n = 2
	}
	for k := range n {
		ss.fac[k] = make([]float32, 2*nf*ss.np*runs)
		ss.nat[k] = make([]float64, 2*ss.np*runs)
	}
	return ss
}

// recorder is the sim.daily of run r, facility f, scenario k.
func (ss *seriesStore) recorder(k, r, f int) func(day int, infected, deaths float64) {
	return func(day int, infected, deaths float64) {
		pt := ss.at[day]
		if pt < 0 {
			return
		}
		for fig, v := range [2]float64{infected, deaths} {
			ss.fac[k][((fig*ss.nf+f)*ss.np+pt)*ss.runs+r] = float32(v)
			ss.nat[k][(fig*ss.np+pt)*ss.runs+r] += v
		}
	}
}

func (ss *seriesStore) summarise(fs []Facility) *Series {
	out := &Series{Days: ss.days}
	day := func(k int, get func(fig, pt int) []float64) *DaySeries {
		if ss.fac[k] == nil {
			return nil
		}
		ds := &DaySeries{Infected: make([]Interval, ss.np), Deaths: make([]Interval, ss.np)}
		for pt := range ss.np {
			ds.Infected[pt] = intervalOf(get(0, pt))
			ds.Deaths[pt] = intervalOf(get(1, pt))
		}
		return ds
	}
	buf := make([]float64, ss.runs)
	facVals := func(k, f int) func(fig, pt int) []float64 {
		return func(fig, pt int) []float64 {
			i := ((fig*ss.nf+f)*ss.np + pt) * ss.runs
			for r, v := range ss.fac[k][i : i+ss.runs] {
				buf[r] = float64(v)
			}
			return buf
		}
	}
	natVals := func(k int) func(fig, pt int) []float64 {
		return func(fig, pt int) []float64 {
			i := (fig*ss.np + pt) * ss.runs
			return ss.nat[k][i : i+ss.runs]
		}
	}
	out.National = ScenarioSeries{Baseline: *day(0, natVals(0)), Plan: day(1, natVals(1))}
	for j, f := range fs {
		out.Facilities = append(out.Facilities, FacilitySeries{ID: f.ID,
			ScenarioSeries: ScenarioSeries{Baseline: *day(0, facVals(0, j)), Plan: day(1, facVals(1, j))}})
	}
	return out
}

// Check reports an input the model cannot run, naming the field.
func (in *Input) Check() error {
	switch {
	case in.Params == nil:
		return domain.Invalid("params", "no parameters")
	case in.Runs < 1 || in.Runs > MaxRuns:
		return domain.Invalid("runs", "%d is out of range: want 1 to %d", in.Runs, MaxRuns)
	case in.Days < 1 || in.Days > MaxDays:
		return domain.Invalid("days", "%d is out of range: want 1 to %d", in.Days, MaxDays)
	case in.Workers < 0:
		return domain.Invalid("workers", "%d is negative", in.Workers)
	case in.SeriesEvery < 0:
		return domain.Invalid("series_every", "%d is negative", in.SeriesEvery)
	}
	for _, f := range in.Facilities {
		if f.Capacity < 0 || f.AdmissionsPerDay < 0 || f.ReleasesPerDay < 0 || math.IsNaN(f.AdmissionsPerDay+f.ReleasesPerDay) {
			return domain.Invalid("facilities", "facility %s: negative capacity or rate", f.ID)
		}
	}
	return nil
}

// streamSeed is the seed of the random stream of one run of one facility:
// derived from the run's seed, the run index and the facility's id (not its
// position), so that a run restricted to one facility gives that facility
// the figures it has in the national run, and a scenario run uses the very
// numbers of its baseline run.
func streamSeed(seed uint64, run int, facility string) (uint64, uint64) {
	h := fnv.New64a()
	h.Write([]byte(facility))
	return splitmix(seed ^ splitmix(uint64(run)+0x9e3779b97f4a7c15)), h.Sum64()
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// releasesByFacility turns a scenario's releases into day indices per
// facility, sorted by day; releases before the start count on day 0, after
// the horizon not at all.
func releasesByFacility(start domain.Date, days int, sc *Scenario) (map[string][]dayRelease, error) {
	out := map[string][]dayRelease{}
	if sc == nil {
		return out, nil
	}
	for i, r := range sc.Releases {
		if r.Stratum.Age < 0 || r.Stratum.Age >= NAges || r.Stratum.Housing > Dormitory || r.Count < 0 {
			return nil, domain.Invalid(fmt.Sprintf("releases[%d]", i), "stratum %+v or count %d out of range", r.Stratum, r.Count)
		}
		day := 0
		if r.Date != domain.NoDate {
			day = max(r.Date.DaysSince(start), 0)
		}
		if day >= days {
			continue
		}
		n := r.Count
		if n == 0 {
			n = 1
		}
		out[r.Facility] = append(out[r.Facility], dayRelease{day: day, stratum: r.Stratum.Index(), count: n})
	}
	for _, rs := range out {
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].day < rs[j].day })
	}
	return out, nil
}

// Run runs the model Runs times over every facility, for the baseline and,
// when sc is not nil, for the scenario on the same random numbers.
func Run(ctx context.Context, in Input, sc *Scenario) (*Result, error) {
	if err := in.Check(); err != nil {
		return nil, err
	}
	rel, err := releasesByFacility(in.Start, in.Days, sc)
	if err != nil {
		return nil, err
	}
	nf := len(in.Facilities)
	res := &Result{AsOf: in.Start, Runs: in.Runs, Days: in.Days, Seed: in.Seed, Transmission: in.Params.Transmission,
		Parameters: in.Params.Entries}
	res.base = make([][]outcome, in.Runs)
	res.natBase = make([]outcome, in.Runs)
	if sc != nil {
		res.PlanName = sc.Name
		res.plan = make([][]outcome, in.Runs)
		res.natPlan = make([]outcome, in.Runs)
	}
	var ss *seriesStore
	if in.SeriesEvery > 0 {
		ss = newSeriesStore(in.Runs, nf, in.Days, in.SeriesEvery, sc != nil)
	}
	workers := in.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, in.Runs)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := &sim{p: in.Params, sv: in.Params.severity(), src: rand.NewPCG(0, 0)}
			m.rng = rand.New(m.src)
			ms := m
			if sc != nil && sc.Params != nil {
				ms = &sim{p: sc.Params, sv: sc.Params.severity(), src: m.src, rng: m.rng}
			}
			beds := make([]float64, in.Days)
			for {
				r := int(next.Add(1)) - 1
				if r >= in.Runs || ctx.Err() != nil {
					return
				}
				// R0 has its own stream, so that every facility of a run
				// (and the scenario) shares it.
				m.src.Seed(streamSeed(in.Seed, r, "\x00r0"))
				u := m.rng.Float64()
				one := func(m *sim, rel map[string][]dayRelease, k int) ([]outcome, outcome) {
					r0 := m.p.r0At(u)
					outs := make([]outcome, nf)
					clear(beds)
					m.beds = beds
					var nat outcome
					for j := range in.Facilities {
						f := &in.Facilities[j]
						m.src.Seed(streamSeed(in.Seed, r, f.ID))
						if ss != nil {
							m.daily = ss.recorder(k, r, j)
						}
						o := m.run(f, in.Days, r0, rel[f.ID])
						outs[j] = o
						nat.Infections += o.Infections
						nat.Hospitalisations += o.Hospitalisations
						nat.Deaths += o.Deaths
					}
					nat.PeakBeds = slices.Max(append(beds, 0))
					return outs, nat
				}
				res.base[r], res.natBase[r] = one(m, nil, 0)
				if sc != nil {
					res.plan[r], res.natPlan[r] = one(ms, rel, 1)
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("running the outbreak model: %w", err)
	}
	res.summarise(in.Facilities)
	if ss != nil {
		res.Series = ss.summarise(in.Facilities)
	}
	return res, nil
}

func (res *Result) summarise(fs []Facility) {
	col := func(runs [][]outcome, j int) []outcome {
		out := make([]outcome, len(runs))
		for r := range runs {
			out[r] = runs[r][j]
		}
		return out
	}
	res.Baseline = figuresOf(res.natBase)
	if res.plan != nil {
		f := figuresOf(res.natPlan)
		res.Plan = &f
		res.Averted = avertedOf(res.natBase, res.natPlan)
	}
	for j, f := range fs {
		fr := FacilityResult{ID: f.ID, Population: f.Population(), Capacity: f.Capacity, Baseline: figuresOf(col(res.base, j))}
		res.Population += fr.Population
		res.Capacity += fr.Capacity
		if res.plan != nil {
			p := figuresOf(col(res.plan, j))
			fr.Plan = &p
			fr.Averted = avertedOf(col(res.base, j), col(res.plan, j))
		}
		res.Facilities = append(res.Facilities, fr)
	}
}

func figuresOf(os []outcome) Figures {
	get := func(f func(outcome) float64) Interval {
		xs := make([]float64, len(os))
		for i, o := range os {
			xs[i] = f(o)
		}
		return intervalOf(xs)
	}
	return Figures{
		Infections:       get(func(o outcome) float64 { return o.Infections }),
		Hospitalisations: get(func(o outcome) float64 { return o.Hospitalisations }),
		PeakBeds:         get(func(o outcome) float64 { return o.PeakBeds }),
		Deaths:           get(func(o outcome) float64 { return o.Deaths }),
	}
}

func avertedOf(base, plan []outcome) *Averted {
	d := make([]float64, len(base))
	in := make([]float64, len(base))
	for i := range base {
		d[i] = base[i].Deaths - plan[i].Deaths
		in[i] = base[i].Infections - plan[i].Infections
	}
	return &Averted{Deaths: intervalOf(d), Infections: intervalOf(in)}
}

// intervalOf is the median, 5th and 95th percentiles (linear between order
// statistics, R's type 7).
func intervalOf(xs []float64) Interval {
	if len(xs) == 0 {
		return Interval{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	q := func(p float64) float64 {
		h := p * float64(len(s)-1)
		lo := math.Floor(h)
		i := int(lo)
		if i+1 >= len(s) {
			return s[len(s)-1]
		}
		return s[i] + (h-lo)*(s[i+1]-s[i])
	}
	return Interval{Median: q(0.5), P5: q(0.05), P95: q(0.95)}
}

// DeterministicResult is one run of the expected-value recursion.
type DeterministicResult struct {
	R0         float64          `json:"r0"`
	Baseline   Point            `json:"baseline"`
	Plan       *Point           `json:"plan,omitempty"`
	Facilities map[string]Point `json:"facilities"`
}

// Deterministic runs the same model once with every random draw replaced by
// its expected value and R0 at the mean of its distribution: the
// deterministic model habeas' stochastic one is compared with.
func Deterministic(ctx context.Context, in Input, sc *Scenario) (*DeterministicResult, error) {
	in.Runs = 1
	if err := in.Check(); err != nil {
		return nil, err
	}
	rel, err := releasesByFacility(in.Start, in.Days, sc)
	if err != nil {
		return nil, err
	}
	r0 := in.Params.R0Mean()
	m := &sim{p: in.Params, sv: in.Params.severity(), det: true}
	one := func(m *sim, rel map[string][]dayRelease, per map[string]Point) Point {
		r0 := m.p.R0Mean()
		beds := make([]float64, in.Days)
		m.beds = beds
		var nat Point
		for j := range in.Facilities {
			f := &in.Facilities[j]
			o := m.run(f, in.Days, r0, rel[f.ID])
			if per != nil {
				per[f.ID] = Point(o)
			}
			nat.Infections += o.Infections
			nat.Hospitalisations += o.Hospitalisations
			nat.Deaths += o.Deaths
		}
		nat.PeakBeds = slices.Max(append(beds, 0))
		return nat
	}
	out := &DeterministicResult{R0: r0, Facilities: map[string]Point{}}
	out.Baseline = one(m, nil, out.Facilities)
	if sc != nil {
		ms := m
		if sc.Params != nil {
			ms = &sim{p: sc.Params, sv: sc.Params.severity(), det: true}
		}
		p := one(ms, rel, nil)
		out.Plan = &p
	}
	return out, ctx.Err()
}
