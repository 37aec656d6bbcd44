package screening

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"sync"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/store"
)

// Fired is a rule that holds for a person, with its reason filled in. For a
// rule that will fire within the look-ahead window, Date is the first day it
// does.
type Fired struct {
	Rule      string           `json:"rule"`
	Kind      rules.Kind       `json:"kind"`
	Mechanism domain.Mechanism `json:"mechanism,omitempty"`
	Citation  string           `json:"citation"`
	Verified  bool             `json:"verified"`
	Note      string           `json:"note,omitempty"`
	Weight    int              `json:"weight,omitempty"`
	Reason    string           `json:"reason"`
	// ReasonKm is the reason in Khmer, from the pack's reason_km: filled by
	// Screen (one person at a time, for a page), not by Run, whose results
	// for a whole register keep one language to save memory; empty when
	// the pack gives no Khmer.
	ReasonKm string      `json:"reason_km,omitempty"`
	Date     domain.Date `json:"date,omitempty"`
	// Withheld: the reason was taken out because it reads health data the
	// reader may not see (set by the services, never by screening).
	Withheld bool `json:"withheld,omitempty"`
}

// Undecided is a rule that could not be decided for a person.
type Undecided struct {
	Rule    string     `json:"rule"`
	Kind    rules.Kind `json:"kind"`
	Unknown []string   `json:"unknown_facts,omitempty"`
	Error   string     `json:"error,omitempty"`
}

// Result is the screening of one person.
type Result struct {
	Person   string             `json:"person"`
	Facility string             `json:"facility"`
	Status   domain.LegalStatus `json:"status"`
	Unlawful bool               `json:"unlawful"`
	// ConfirmedLaw: held unlawfully on confirmed law, that is at least one
	// verified unlawful rule holds. Unlawful and not ConfirmedLaw is held
	// unlawfully on law not yet confirmed.
	ConfirmedLaw bool        `json:"unlawful_on_confirmed_law"`
	Priority     int         `json:"priority"` // sum of the weights of the priority rules that fired
	Fired        []Fired     `json:"fired"`
	Upcoming     []Fired     `json:"upcoming,omitempty"`
	Undecided    []Undecided `json:"undecided,omitempty"`
	// Checks are the pack's data checks that hold: records that cannot be
	// right, listed for staff to correct. They are not law and change
	// nothing above.
	Checks []Fired `json:"data_to_check,omitempty"`
	// Traits are the few facts of the person that planning releases needs
	// besides the rules (exclusions, groups, housing). They stay out of the
	// screening's JSON: its documents are the rules' findings, and a
	// planner reads these through the plan.
	Traits Traits `json:"-"`
	// NextChange, when the screening looked for it (Options.Horizon,
	// ScreenAhead), is the first date after the one screened on which this
	// result may differ with the file as it stands: a rule or data check
	// starts or stops holding or being undecided, the person's traits
	// change (a birthday), they leave custody, or such a change comes
	// within the look-ahead and joins Upcoming. Until then the result holds
	// but for the day counts in its reasons. NoDate when not looked for.
	NextChange domain.Date `json:"-"`
}

// Traits are facts of a screened person kept with the result, for the
// plan (package plan) and the outbreak model, which group and exclude
// people by them. A fact unknown for the person (no charge on file, no
// date of birth) is false, or -1 for the age.
type Traits struct {
	Age     int  // completed years on the date screened; -1 when no date of birth
	Violent bool // fact violent: some charge is an offence of violence
	Felony  bool // fact charge_class == "felony": the most serious charge is a felony
	Drug    bool // fact drug: some charge is a drug offence
	Grave   bool // fact grave: genocide, a crime against humanity or a war crime
	Chronic bool // fact chronic_illness
	// Ill: chronic_illness, mental_illness or disability; Pregnant: fact
	// pregnant; Mother: a woman with children_in_custody or a
	// dependent_child; Minor: charged, the most serious charge not a felony
	// (charge_class petty or misdemeanour).
	Ill, Pregnant, Mother, Minor bool
	Cell                         string // the cell holding the person ("" when none recorded)
	// DaysLeft is fact days_left (days of a fixed sentence still to serve)
	// when HasDaysLeft: a sentence reduction of at most 12 months releases
	// only someone with that little left.
	DaysLeft    int
	HasDaysLeft bool
}

// traitsOf reads the traits from facts computed for the person.
func traitsOf(f *domain.PersonFile, v *rules.Values) Traits {
	t := Traits{Age: -1, Cell: f.State.Cell}
	if a, ok := v.Get(rules.FAge).(int64); ok {
		t.Age = int(a)
	}
	b := func(id rules.FactID) bool { x, _ := v.Get(id).(bool); return x }
	t.Violent, t.Drug, t.Grave, t.Chronic = b(rules.FViolent), b(rules.FDrug), b(rules.FGrave), b(rules.FChronicIllness)
	c, _ := v.Get(rules.FChargeClass).(string)
	t.Felony = c == string(domain.Felony)
	t.Minor = c != "" && !t.Felony
	t.Ill = t.Chronic || b(rules.FMentalIllness) || b(rules.FDisability)
	t.Pregnant = b(rules.FPregnant)
	kids, _ := v.Get(rules.FChildrenInCustody).(int64)
	t.Mother = f.Identity.Sex == domain.Female && (kids > 0 || b(rules.FDependentChild))
	if d, ok := v.Get(rules.FDaysLeft).(int64); ok {
		t.DaysLeft, t.HasDaysLeft = int(d), true
	}
	return t
}

// Options of a screening.
type Options struct {
	AsOf     domain.Date
	Facility string // only people held there; empty for all
	Within   int    // also list the rules that will fire in the next Within days
	Workers  int    // 0 means one per CPU
	// FactsOnly reads, folds and computes the facts but evaluates no rule:
	// the baseline the benchmark compares screening with.
	FactsOnly bool
	// Horizon, when positive, has each result carry its NextChange, looked
	// for up to Horizon days ahead (at least Within).
	Horizon int
}

// Screen evaluates a pack for one person whose file is folded as of
// opt.AsOf. ok is false when the person is not held at the end of that day.
// The reasons are given in Khmer too where the pack has them.
func Screen(p *rules.Pack, f *domain.PersonFile, kinds Kinds, asOf domain.Date, within int) (Result, bool) {
	var sc screener
	sc.pack, sc.kinds, sc.khmer = p, kinds, true
	return sc.screen(f, asOf, within)
}

// ScreenAhead is Screen, and also finds the result's NextChange, looking
// up to horizon days ahead (NextChange is asOf+horizon when nothing
// changes by then: screen the person again on that day anyway).
func ScreenAhead(p *rules.Pack, f *domain.PersonFile, kinds Kinds, asOf domain.Date, within, horizon int) (Result, bool) {
	sc := screener{pack: p, kinds: kinds, horizon: horizon}
	return sc.screen(f, asOf, within)
}

// screener holds one worker's buffers, reused from person to person.
type screener struct {
	pack     *rules.Pack
	kinds    Kinds
	vals     rules.Values
	outcomes []rules.Outcome
	future   []rules.Outcome
	checks   []rules.Outcome
	// horizon > 0: find the result's NextChange (ScreenAhead).
	horizon      int
	futureChecks []rules.Outcome
	// state and prev are the day's daySig and the one before it.
	state, prev []byte
	khmer       bool // also explain in Khmer (Fired.ReasonKm)
}

func (sc *screener) screen(f *domain.PersonFile, asOf domain.Date, within int) (Result, bool) {
	if !Held(f, asOf) {
		return Result{}, false
	}
	s := &f.State
	res := Result{Person: f.ID, Facility: s.Facility, Status: s.Status, Fired: []Fired{}}
	Facts(f, sc.kinds, asOf, &sc.vals)
	res.Traits = traitsOf(f, &sc.vals)
	sc.outcomes = sc.pack.Evaluate(&sc.vals, sc.outcomes)
	done := make(map[string]bool, len(sc.outcomes))
	for _, o := range sc.outcomes {
		r := o.Rule
		switch {
		case o.Fired:
			done[r.ID] = true
			res.Fired = append(res.Fired, sc.fired(r, domain.NoDate))
			if r.Kind == rules.Unlawful {
				res.Unlawful = true
				res.ConfirmedLaw = res.ConfirmedLaw || r.Verified
			}
			if r.Kind == rules.Priority {
				res.Priority += r.Weight
			}
		case o.Undecided:
			res.Undecided = append(res.Undecided, Undecided{Rule: r.ID, Kind: r.Kind, Unknown: o.Unknown, Error: o.Err})
		}
	}
	// A data check says what is wrong in the file today; an undecided one
	// lacks the data that would show a contradiction, which is none.
	sc.checks = sc.pack.EvaluateChecks(&sc.vals, sc.checks)
	for _, o := range sc.checks {
		if o.Fired {
			res.Checks = append(res.Checks, sc.fired(o.Rule, domain.NoDate))
		}
	}
	// Look ahead by moving the clock with the file as it stands: what will
	// happen if nothing is recorded in between (no extension, no verdict).
	// The same steps, carried on, find the next change.
	if sc.horizon > 0 {
		sc.state = daySig(sc.state[:0], true, sc.outcomes, sc.checks, res.Traits)
		res.NextChange = asOf.AddDays(max(sc.horizon, within))
	}
	for k := 1; ; k++ {
		d := asOf.AddDays(k)
		ahead := k <= within && len(done) < len(sc.outcomes)
		// A change after the look-ahead shows when it enters it, within
		// days before: the result expires then, if not sooner. So the steps
		// go on until no change can come into the look-ahead before the
		// one found (or the horizon).
		seek := sc.horizon > 0 && d.AddDays(-within) < res.NextChange
		if !ahead && !seek {
			break
		}
		Facts(f, sc.kinds, d, &sc.vals)
		sc.future = sc.pack.Evaluate(&sc.vals, sc.future)
		if k <= within {
			for _, o := range sc.future {
				if o.Fired && !done[o.Rule.ID] {
					done[o.Rule.ID] = true
					res.Upcoming = append(res.Upcoming, sc.fired(o.Rule, d))
				}
			}
		}
		if !seek {
			continue
		}
		sc.futureChecks = sc.pack.EvaluateChecks(&sc.vals, sc.futureChecks)
		t := traitsOf(f, &sc.vals)
		if t.HasDaysLeft {
			t.DaysLeft += k // they count down by a day a day: as of asOf
		}
		sc.prev, sc.state = sc.state, sc.prev
		sc.state = daySig(sc.state[:0], Held(f, d), sc.future, sc.futureChecks, t)
		if !slices.Equal(sc.state, sc.prev) {
			at := d
			if k > within {
				at = d.AddDays(-within)
			}
			res.NextChange = min(res.NextChange, at)
		}
	}
	return res, true
}

// daySig appends what must stay the same from day to day for a result to
// hold: whether the person is held, which rules hold or are undecided,
// which data checks hold, and the traits.
func daySig(buf []byte, held bool, outs, checks []rules.Outcome, t Traits) []byte {
	if !held {
		return append(buf, 'x')
	}
	for _, o := range outs {
		buf = append(buf, b2byte(o.Fired)|b2byte(o.Undecided)<<1)
	}
	for _, o := range checks {
		buf = append(buf, b2byte(o.Fired))
	}
	return appendTraits(buf, &t)
}

func b2byte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// fired is a rule that fired with its reason; everything else comes from
// the rule, which is what lets results keep only the reason (results.go).
func (sc *screener) fired(r *rules.Rule, d domain.Date) Fired {
	fr := fired(r, r.Explain(&sc.vals), d)
	if sc.khmer {
		fr.ReasonKm = r.ExplainKm(&sc.vals)
	}
	return fr
}

func fired(r *rules.Rule, reason string, d domain.Date) Fired {
	fr := Fired{Rule: r.ID, Kind: r.Kind, Mechanism: r.Mechanism, Citation: r.Citation, Verified: r.Verified,
		Weight: r.Weight, Reason: reason, Date: d}
	if !r.Verified {
		fr.Note = r.Note
	}
	return fr
}

// Run screens every person held at the end of opt.AsOf. People are read
// person by person from the store and screened on several goroutines, so
// memory holds the results, not the ledger, and the results are held packed
// (results.go) until they are sorted and written. Events appended after the
// screening starts are ignored, so the result is that of the head it names.
func Run(ctx context.Context, st store.Store, p *rules.Pack, opt Options) (*Report, error) {
	if opt.AsOf == domain.NoDate {
		return nil, fmt.Errorf("screening needs a date")
	}
	head, err := st.Head(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the ledger head: %w", err)
	}
	facs, err := st.Facilities(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the facilities: %w", err)
	}
	kinds := make(Kinds, len(facs))
	for _, f := range facs {
		kinds[f.ID] = f.Kind
	}
	if opt.Facility != "" {
		if _, ok := kinds[opt.Facility]; !ok {
			return nil, fmt.Errorf("no facility %q in the register", opt.Facility)
		}
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}

	type group struct {
		id  string
		evs []store.StoredEvent
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan []group, workers*2)
	batches := make(chan *batch, workers*2)
	sums := make([]*summer, workers)
	var readErr error
	go func() {
		defer close(chunks)
		var chunk []group
		n := 0
		readErr = st.EventsByPerson(ctx, func(id string, evs []store.StoredEvent) error {
			// Keep to the head read above: a later append must not change
			// a screening that names this head.
			k := len(evs)
			for k > 0 && evs[k-1].Seq > head.Seq {
				k--
			}
			if k == 0 {
				return nil
			}
			chunk = append(chunk, group{id, evs[:k]})
			n += k
			if n >= 2048 {
				select {
				case chunks <- chunk:
				case <-ctx.Done():
					return ctx.Err()
				}
				chunk, n = nil, 0
			}
			return nil
		})
		if readErr == nil && len(chunk) > 0 {
			select {
			case chunks <- chunk:
			case <-ctx.Done():
			}
		}
	}()

	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			sc := &screener{pack: p, kinds: kinds, horizon: opt.Horizon}
			enc := newEncoder(p)
			sum := newSummer(p)
			sums[w] = sum
			keep := func(out *batch, r *Result) bool {
				sum.add(r)
				if err := enc.add(out, r); err != nil {
					errs[w] = err
					cancel()
					return false
				}
				return true
			}
			for chunk := range chunks {
				out := &batch{}
				for _, g := range chunk {
					if leftBefore(g.evs, opt.AsOf) {
						continue
					}
					evs, err := store.DecodeEvents(g.evs)
					if err != nil {
						errs[w] = fmt.Errorf("decoding the events of %s: %w", g.id, err)
						cancel()
						return
					}
					f, err := domain.Project(g.id, evs, kinds, opt.AsOf)
					if err != nil {
						errs[w] = fmt.Errorf("folding the file of %s as of %s: %w (run habeas verify)", g.id, opt.AsOf, err)
						cancel()
						return
					}
					if !Held(f, opt.AsOf) || (opt.Facility != "" && f.State.Facility != opt.Facility) {
						continue
					}
					if opt.FactsOnly {
						Facts(f, kinds, opt.AsOf, &sc.vals)
						r := Result{Person: f.ID, Facility: f.State.Facility, Status: f.State.Status, Fired: []Fired{}, Traits: traitsOf(f, &sc.vals)}
						if !keep(out, &r) {
							return
						}
						continue
					}
					if r, ok := sc.screen(f, opt.AsOf, opt.Within); ok && !keep(out, &r) {
						return
					}
				}
				select {
				case batches <- out:
				case <-ctx.Done():
					return
				}
			}
		}(w)
	}
	go func() { wg.Wait(); close(batches) }()

	rs := &results{pack: p}
	for b := range batches {
		rs.add(b)
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if readErr != nil {
		return nil, fmt.Errorf("reading the ledger: %w", readErr)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rs.sort()
	sum := newSummer(p)
	for _, s := range sums {
		sum.merge(s)
	}
	return &Report{Pack: packInfo(p), Head: head, AsOf: opt.AsOf, Within: opt.Within, Facility: opt.Facility,
		Summary: sum.summary(), persons: rs}, nil
}

// Sort puts people held unlawfully first, then by priority score, highest
// first, then by id: the order in which to act.
func Sort(rs []Result) {
	sort.Slice(rs, func(i, j int) bool {
		a, b := &rs[i], &rs[j]
		if a.Unlawful != b.Unlawful {
			return a.Unlawful
		}
		if a.Priority != b.Priority {
			return a.Priority > b.Priority
		}
		return a.Person < b.Person
	})
}

// leftBefore reports, from the stored columns alone, that a person is not
// held at the end of asOf: their last event up to that day (in the order
// the fold applies them) ends custody, or they were never admitted. Most of
// a register's people have left; skipping them saves decoding their events.
// A file with corrections is always decoded, since a correction can move or
// void any event.
func leftBefore(evs []store.StoredEvent, asOf domain.Date) bool {
	var last *store.StoredEvent
	for i := range evs {
		e := &evs[i]
		if e.Kind == domain.KCorrection {
			return false
		}
		// A follow-up step is the staff's work, not custody: a step dated
		// after a release does not bring the person back.
		if e.Date <= asOf && e.Kind != domain.KPerson && e.Kind != domain.KFollowUp && (last == nil || e.Date >= last.Date) {
			last = e
		}
	}
	if last == nil {
		return true
	}
	switch last.Kind {
	case domain.KRelease, domain.KDeath, domain.KEscape:
		return true
	}
	return false
}
