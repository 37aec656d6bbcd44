package plan

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/screening"
)

// FacilityIn is what a plan needs of a facility besides its people.
type FacilityIn struct {
	ID       string
	Name     string
	Capacity int // official capacity in force on the date; 0 when none is on record
	Cells    int // cells registered
	Measured int // of which with a floor area
	AreaM2   float64
}

// Options are the planner's choices.
type Options struct {
	Target Target
	// PledgeNeeds is, for a pledge target, the releases the pledge still
	// needs (the caller reads the pledge: Service).
	PledgeNeeds int
	Facility    string             // only this facility in the output ("" for all)
	Exclude     []Exclusion        // categories left out of discretionary releases
	Mechanisms  []domain.Mechanism // the mechanisms the plan may use, nil for all of the pack's
	// OlderAge is the age from which a person counts in GroupOlder; 0
	// takes the pack's older_age, or domain.OlderAge.
	OlderAge int
}

// Plan is a decongestion plan. People lists who is in it, by id: it is
// staff-only data (Public gives what may be published).
type Plan struct {
	AsOf                domain.Date        `json:"as_of"`
	Target              string             `json:"target"`
	Facility            string             `json:"facility,omitempty"`
	Pack                string             `json:"pack"`
	Mechanisms          []domain.Mechanism `json:"mechanisms"`
	Disabled            []domain.Mechanism `json:"disabled_mechanisms"`
	Exclude             []Exclusion        `json:"exclude"`
	TotalReleases       int                `json:"total_releases"`
	UnlawfulIncluded    int                `json:"unlawful_included"`
	UnlawfulUnconfirmed int                `json:"unlawful_unconfirmed_law"`
	National            Totals             `json:"national"`
	Facilities          []Facility         `json:"facilities"`
	Costs               []Cost             `json:"costs"`
	Authorities         []Authority        `json:"authorities"`
	Notes               []string           `json:"notes"`
	People              []Person           `json:"people"`
}

// Totals are the national summary.
type Totals struct {
	Facilities          int            `json:"facilities"`
	Population          int            `json:"population"`
	Capacity            int            `json:"capacity"`
	Before              int            `json:"before"`
	After               int            `json:"after"`
	OccupancyBefore     *float64       `json:"occupancy_before_pct"`
	OccupancyAfter      *float64       `json:"occupancy_after_pct"`
	Need                int            `json:"need"`
	Releases            int            `json:"releases"`
	Unlawful            int            `json:"unlawful"`
	UnlawfulUnconfirmed int            `json:"unlawful_unconfirmed_law"`
	ByMechanism         map[string]int `json:"by_mechanism"`
	ByGroup             map[string]int `json:"by_group"`
	Gap                 int            `json:"gap"`
}

// Facility is one facility's part of the plan.
type Facility struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Basis is what the target population was computed from: capacity,
	// density (measured cells), or releases (a share of a national number).
	Basis      string `json:"basis"`
	Population int    `json:"population"`
	Before     int    `json:"before"` // the population held: Population
	After      int    `json:"after"`  // Before minus Releases
	Capacity   int    `json:"capacity"`
	// TargetPopulation is what the target allows held (capacity or
	// density bases); nil for a share of a national number.
	TargetPopulation    *int           `json:"target_population"`
	OccupancyBefore     *float64       `json:"occupancy_before_pct"` // nil with no capacity on record
	OccupancyAfter      *float64       `json:"occupancy_after_pct"`
	Need                int            `json:"need"` // releases the target asks of this facility
	Releases            int            `json:"releases"`
	Unlawful            int            `json:"unlawful"`                 // held unlawfully, all released
	UnlawfulUnconfirmed int            `json:"unlawful_unconfirmed_law"` // of them, only on law not yet confirmed
	ByMechanism         map[string]int `json:"by_mechanism"`
	ByGroup             map[string]int `json:"by_group"`
	// Gap is how many more releases the target needs than the law allows
	// (with the planner's choices): where only new policy would help.
	Gap  int    `json:"gap"`
	Note string `json:"note,omitempty"`
}

// Cost is what one of the planner's choices costs: the releases lost,
// nationally and per facility (only facilities that lose any), compared
// with the same plan without that one choice.
type Cost struct {
	Choice     string         `json:"choice"` // mechanism_disabled or excluded
	Value      string         `json:"value"`  // the mechanism or category
	Lost       int            `json:"releases_lost"`
	ByFacility map[string]int `json:"by_facility"`
}

// Authority is who must act for a mechanism, and on what law.
type Authority struct {
	Mechanism domain.Mechanism `json:"mechanism"`
	Authority string           `json:"authority"`
	// AuthorityKm is the authority in Khmer, when the pack gives it.
	AuthorityKm string `json:"authority_km,omitempty"`
	Citation    string `json:"citation"`
	Verified    bool   `json:"verified"`
	Note        string `json:"note,omitempty"`
}

// Person is someone in the plan: the mechanism that releases them, who must
// act, and what the outbreak model reads (age, illness, cell).
type Person struct {
	ID           string           `json:"id"`
	Facility     string           `json:"facility"`
	Mechanism    domain.Mechanism `json:"mechanism"`
	Authority    string           `json:"authority"`
	Unlawful     bool             `json:"unlawful"`
	ConfirmedLaw bool             `json:"unlawful_on_confirmed_law,omitempty"`
	Priority     int              `json:"priority"`
	Groups       []Group          `json:"groups"`
	Age          int              `json:"age"` // -1 when unknown
	Chronic      bool             `json:"chronic_illness"`
	Cell         string           `json:"cell,omitempty"`
}

// sentenceReductionMaxDays: a reduction is 3 to 12 months (kh-2020 EL-04),
// so it releases only someone with at most 12 months left to serve.
const sentenceReductionMaxDays = 365

// cand is a person as the selection reads them.
type cand struct {
	res       *screening.Result
	unlawful  bool
	confirmed bool
	open      uint32 // bit i: mechanism i of the plan's preference order is open and releases
	excl      uint8  // bit i: Exclusions[i] holds
}

// Compute makes the plan from the screening results of asOf (everyone held
// at the end of that day) and the estate. It does not read the store.
func Compute(asOf domain.Date, pack *rules.Pack, results []screening.Result, estate []FacilityIn, opt Options) (*Plan, error) {
	all := PackMechanisms(pack)
	enabled := opt.Mechanisms
	if enabled == nil {
		enabled = all
	}
	for _, m := range enabled {
		if !slices.Contains(all, m) {
			return nil, domain.Invalid("mechanisms", "unknown mechanism %q", m)
		}
	}
	if len(all) > 32 {
		return nil, errf("a pack with more than 32 release mechanisms")
	}
	older := opt.OlderAge
	if older == 0 {
		older = domain.OlderAge
		for _, p := range pack.Params {
			if n, ok := p.Value.(int64); ok && p.Name == "older_age" {
				older = int(n)
			}
		}
	}
	facIdx := make(map[string]int, len(estate))
	for i, f := range estate {
		facIdx[f.ID] = i
	}
	if opt.Facility != "" {
		if _, ok := facIdx[opt.Facility]; !ok {
			return nil, domain.Invalid("facility", "no facility %q in the register", opt.Facility)
		}
	}
	// Candidates per facility, in the order to act: unlawful first, then by
	// priority score, then by id (screening.Sort).
	byFac := make([][]cand, len(estate))
	var notes []string
	unknownFac := 0
	sorted := slices.Clone(results)
	screening.Sort(sorted)
	for i := range sorted {
		r := &sorted[i]
		fi, ok := facIdx[r.Facility]
		if !ok {
			unknownFac++
			continue
		}
		c := cand{res: r, unlawful: r.Unlawful, confirmed: r.ConfirmedLaw}
		for _, f := range r.Fired {
			if f.Kind != rules.Eligible || f.Mechanism == "" {
				continue
			}
			if f.Mechanism == domain.MechReduction && (!r.Traits.HasDaysLeft || r.Traits.DaysLeft > sentenceReductionMaxDays) {
				continue
			}
			if k := slices.Index(all, f.Mechanism); k >= 0 {
				c.open |= 1 << k
			}
		}
		t := r.Traits
		for k, on := range []bool{t.Violent, t.Felony, t.Drug, t.Grave} {
			if on {
				c.excl |= 1 << k
			}
		}
		byFac[fi] = append(byFac[fi], c)
	}
	if unknownFac > 0 {
		notes = append(notes, sprintf("%d people are held in facilities not in the register's estate and are left out", unknownFac))
	}
	var mechMask uint32
	for _, m := range enabled {
		mechMask |= 1 << slices.Index(all, m)
	}
	var exclMask uint8
	for _, e := range opt.Exclude {
		exclMask |= 1 << slices.Index(Exclusions, e)
	}

	// What the target asks of each facility.
	needs := make([]int, len(estate))
	basis := make([]string, len(estate))
	targetPop := make([]*int, len(estate))
	facNotes := make([]string, len(estate))
	pop := func(i int) int { return len(byFac[i]) }
	switch opt.Target.Kind {
	case TargetCapacity, TargetDensity:
		fellBack := 0
		for i, f := range estate {
			allowed, b := f.Capacity, "capacity"
			if opt.Target.Kind == TargetDensity {
				if f.Cells > 0 && f.Measured == f.Cells {
					allowed, b = int(math.Floor(f.AreaM2/opt.Target.M2+1e-9)), "density"
				} else {
					fellBack++
					facNotes[i] = sprintf("%d of %d cells measured: the target falls back to the official capacity", f.Measured, f.Cells)
				}
			}
			basis[i] = b
			if b == "capacity" && f.Capacity <= 0 {
				facNotes[i] = joinNote(facNotes[i], "no official capacity on record: only those held unlawfully are in the plan")
				continue
			}
			a := allowed
			targetPop[i] = &a
			needs[i] = max(0, pop(i)-allowed)
		}
		if fellBack > 0 {
			notes = append(notes, sprintf("%d facilities have cells not all measured: their target is the official capacity, not %s m² a person", fellBack, fmtFloat(opt.Target.M2)))
		}
	case TargetReleases, TargetPledge:
		n := opt.Target.N
		if opt.Target.Kind == TargetPledge {
			n = opt.PledgeNeeds
		}
		excess := make([]int, len(estate))
		pops := make([]int, len(estate))
		for i, f := range estate {
			basis[i] = "releases"
			pops[i] = pop(i)
			if f.Capacity > 0 {
				excess[i] = max(0, pops[i]-f.Capacity)
			}
		}
		needs = share(n, excess, pops, estate)
	default:
		return nil, domain.Invalid("target", "unknown target %q", opt.Target.Kind)
	}

	p := &Plan{AsOf: asOf, Target: opt.Target.String(), Facility: opt.Facility, Pack: pack.ID + " " + pack.Version,
		Mechanisms: enabled, Disabled: []domain.Mechanism{}, Exclude: opt.Exclude, Costs: []Cost{}, People: []Person{}, Notes: notes}
	if p.Exclude == nil {
		p.Exclude = []Exclusion{}
	}
	for _, m := range all {
		if !slices.Contains(enabled, m) {
			p.Disabled = append(p.Disabled, m)
		}
	}
	if p.Notes == nil {
		p.Notes = []string{}
	}
	authority := map[domain.Mechanism]string{}
	for _, m := range append([]domain.Mechanism{rules.ReleaseUnlawful}, all...) {
		a := Authority{Mechanism: m, Authority: "not declared in the rule pack"}
		if info, ok := pack.Mechanism(m); ok {
			a = Authority{Mechanism: m, Authority: info.Authority, AuthorityKm: info.AuthorityKm, Citation: info.Citation, Verified: info.Verified, Note: info.Note}
		}
		authority[m] = a.Authority
		if m == rules.ReleaseUnlawful || slices.Contains(enabled, m) {
			p.Authorities = append(p.Authorities, a)
		}
	}

	show := func(i int) bool { return opt.Facility == "" || estate[i].ID == opt.Facility }
	nat := Totals{ByMechanism: zeroMech(enabled), ByGroup: zeroGroups()}
	for i, f := range estate {
		if !show(i) {
			continue
		}
		fp := Facility{ID: f.ID, Name: f.Name, Basis: basis[i], Population: pop(i), Before: pop(i), Capacity: f.Capacity,
			TargetPopulation: targetPop[i], Need: needs[i], ByMechanism: zeroMech(enabled), ByGroup: zeroGroups(), Note: facNotes[i]}
		sel := selectIn(byFac[i], needs[i], mechMask, exclMask)
		for _, s := range sel {
			c := byFac[i][s.idx]
			m := rules.ReleaseUnlawful
			if !c.unlawful {
				m = all[s.mech]
			} else {
				fp.Unlawful++
				if !c.confirmed {
					fp.UnlawfulUnconfirmed++
				}
			}
			fp.ByMechanism[string(m)]++
			gs := groupsOf(c.res.Traits, older)
			for _, g := range gs {
				fp.ByGroup[string(g)]++
			}
			t := c.res.Traits
			p.People = append(p.People, Person{ID: c.res.Person, Facility: f.ID, Mechanism: m, Authority: authority[m],
				Unlawful: c.unlawful, ConfirmedLaw: c.unlawful && c.confirmed, Priority: c.res.Priority, Groups: gs,
				Age: t.Age, Chronic: t.Chronic, Cell: t.Cell})
		}
		fp.Releases = len(sel)
		fp.After = fp.Before - fp.Releases
		fp.Gap = max(0, fp.Need-fp.Releases)
		fp.OccupancyBefore, fp.OccupancyAfter = occupancy(fp.Before, f.Capacity), occupancy(fp.After, f.Capacity)
		p.Facilities = append(p.Facilities, fp)

		nat.Facilities++
		nat.Population += fp.Population
		nat.Before += fp.Before
		nat.After += fp.After
		nat.Capacity += f.Capacity
		nat.Need += fp.Need
		nat.Releases += fp.Releases
		nat.Unlawful += fp.Unlawful
		nat.UnlawfulUnconfirmed += fp.UnlawfulUnconfirmed
		nat.Gap += fp.Gap
		for k, v := range fp.ByMechanism {
			nat.ByMechanism[k] += v
		}
		for k, v := range fp.ByGroup {
			nat.ByGroup[k] += v
		}
	}
	nat.OccupancyBefore, nat.OccupancyAfter = occupancy(nat.Before, nat.Capacity), occupancy(nat.After, nat.Capacity)
	p.National = nat
	p.TotalReleases, p.UnlawfulIncluded, p.UnlawfulUnconfirmed = nat.Releases, nat.Unlawful, nat.UnlawfulUnconfirmed
	if p.Facilities == nil {
		p.Facilities = []Facility{}
	}

	// The cost of each choice: the same plan with that one choice undone.
	releasesWith := func(mm uint32, em uint8) []int {
		out := make([]int, len(estate))
		for i := range estate {
			if show(i) {
				out[i] = len(selectIn(byFac[i], needs[i], mm, em))
			}
		}
		return out
	}
	cost := func(choice, value string, with []int) {
		c := Cost{Choice: choice, Value: value, ByFacility: map[string]int{}}
		for _, fp := range p.Facilities {
			k := facIdx[fp.ID]
			if d := with[k] - fp.Releases; d > 0 {
				c.Lost += d
				c.ByFacility[fp.ID] = d
			}
		}
		p.Costs = append(p.Costs, c)
	}
	for _, m := range p.Disabled {
		cost("mechanism_disabled", string(m), releasesWith(mechMask|1<<slices.Index(all, m), exclMask))
	}
	for _, e := range p.Exclude {
		cost("excluded", string(e), releasesWith(mechMask, exclMask&^(1<<slices.Index(Exclusions, e))))
	}
	return p, nil
}

type picked struct {
	idx  int
	mech int // index in the preference order; -1 for unlawful
}

// selectIn picks, from a facility's candidates in order, everyone held
// unlawfully, then people with an enabled mechanism and no excluded
// category until need releases are reached.
func selectIn(cs []cand, need int, mechMask uint32, exclMask uint8) []picked {
	var out []picked
	for i := range cs {
		if cs[i].unlawful {
			out = append(out, picked{i, -1})
		}
	}
	for i := range cs {
		if len(out) >= need {
			break
		}
		c := &cs[i]
		if c.unlawful || c.excl&exclMask != 0 {
			continue
		}
		if open := c.open & mechMask; open != 0 {
			out = append(out, picked{i, lowestBit(open)})
		}
	}
	return out
}

func lowestBit(x uint32) int {
	for k := 0; k < 32; k++ {
		if x&(1<<k) != 0 {
			return k
		}
	}
	return -1
}

// share divides n releases among facilities in proportion to their excess
// over capacity (largest remainders, ties to the larger excess, then the
// facility id); what exceeds the total excess is shared in proportion to
// population the same way.
func share(n int, excess, pops []int, estate []FacilityIn) []int {
	out := make([]int, len(excess))
	total := 0
	for _, e := range excess {
		total += e
	}
	if n <= total {
		return apportion(n, excess, estate)
	}
	copy(out, excess)
	rest := apportion(n-total, pops, estate)
	for i := range out {
		out[i] += rest[i]
	}
	return out
}

// apportion divides n in proportion to weights by largest remainders.
func apportion(n int, weights []int, estate []FacilityIn) []int {
	out := make([]int, len(weights))
	total := 0
	for _, w := range weights {
		total += w
	}
	if total == 0 || n == 0 {
		return out
	}
	type rem struct {
		i    int
		frac int64 // remainder numerator over total
	}
	rems := make([]rem, 0, len(weights))
	given := 0
	for i, w := range weights {
		q := int64(n) * int64(w)
		out[i] = int(q / int64(total))
		given += out[i]
		rems = append(rems, rem{i, q % int64(total)})
	}
	sort.Slice(rems, func(a, b int) bool {
		x, y := rems[a], rems[b]
		return cmp.Or(cmp.Compare(y.frac, x.frac), cmp.Compare(weights[y.i], weights[x.i]), cmp.Compare(estate[x.i].ID, estate[y.i].ID)) < 0
	})
	for k := 0; given < n; k++ {
		out[rems[k].i]++
		given++
	}
	return out
}

func groupsOf(t screening.Traits, older int) []Group {
	gs := []Group{}
	if t.Age >= older {
		gs = append(gs, GroupOlder)
	}
	if t.Ill {
		gs = append(gs, GroupIll)
	}
	if t.Pregnant {
		gs = append(gs, GroupPregnant)
	}
	if t.Mother {
		gs = append(gs, GroupMothers)
	}
	if t.Age >= 0 && t.Age < 18 {
		gs = append(gs, GroupChildren)
	}
	if t.Minor {
		gs = append(gs, GroupMinor)
	}
	return gs
}

func zeroMech(enabled []domain.Mechanism) map[string]int {
	m := map[string]int{string(rules.ReleaseUnlawful): 0}
	for _, e := range enabled {
		m[string(e)] = 0
	}
	return m
}

func zeroGroups() map[string]int {
	m := map[string]int{}
	for _, g := range Groups {
		m[string(g)] = 0
	}
	return m
}

// occupancy is population over capacity in per cent, to one decimal; nil
// with no capacity.
func occupancy(pop, capacity int) *float64 {
	if capacity <= 0 {
		return nil
	}
	v := math.Round(float64(pop)*1000/float64(capacity)) / 10
	return &v
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
