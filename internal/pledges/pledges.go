// Package pledges measures what was promised against what the register
// records: progress of each pledge as of a date, the figures authorities
// declared beside the recorded count, and where each reform stands.
package pledges

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// Count is a labelled count.
type Count struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// Declared is a figure an authority declared, next to what the register
// recorded up to the same date.
type Declared struct {
	Date       string `json:"date"`
	AsOf       string `json:"as_of"`
	Figure     int    `json:"figure"`
	DeclaredBy string `json:"declared_by"`
	Source     string `json:"source"`
	Note       string `json:"note,omitempty"`
	// Recorded is the register's count up to AsOf; nil when the register
	// cannot count this pledge (no cases recorded).
	Recorded   *int `json:"recorded"`
	Difference *int `json:"difference"` // Figure - Recorded
}

// Progress is one pledge as of a date.
type Progress struct {
	ID         string  `json:"id"`
	Title      string  `json:"title"`
	MadeBy     string  `json:"made_by"`
	Kind       string  `json:"kind"`
	Announced  string  `json:"announced"`
	Start      string  `json:"start"`
	Deadline   string  `json:"deadline"`
	Target     int     `json:"target"`
	Counts     string  `json:"counts"` // what counts toward it, in words
	Source     string  `json:"source"`
	Note       string  `json:"note,omitempty"`
	Amendments int     `json:"amendments"`
	AsOf       string  `json:"as_of"`
	DaysLeft   int     `json:"days_left"` // 0 once the deadline has passed
	Status     string  `json:"status"`    // not_started, open, met, missed
	Achieved   int     `json:"achieved"`  // the best count available: the register's, or the latest declared
	Basis      string  `json:"basis"`     // register or declared
	Pct        float64 `json:"pct_of_target"`
	Recorded   *int    `json:"recorded"` // the register's count; nil when it cannot count
	// ByPolicy is the register's count without the releases that happen
	// with no policy at all (Routine): what the promise itself delivered.
	// nil for a pledge that does not count releases, or when the register
	// cannot count.
	ByPolicy    *int       `json:"recorded_by_policy"`
	ByPolicyPct *float64   `json:"pct_of_target_by_policy"`
	ByMech      []Count    `json:"by_mechanism,omitempty"`
	ByGroup     []Count    `json:"by_group,omitempty"`
	Declared    []Declared `json:"declared"`
}

// ReformView is a reform and its status on the date.
type ReformView struct {
	ID         string                `json:"id"`
	Title      string                `json:"title"`
	PromisedBy string                `json:"promised_by"`
	Status     string                `json:"status"`
	Since      string                `json:"since"`
	Source     string                `json:"source"`
	Note       string                `json:"note,omitempty"`
	History    []domain.ReformChange `json:"-"`
	Changes    []Change              `json:"history"`
}

// Change is one dated status.
type Change struct {
	Date   string `json:"date"`
	Status string `json:"status"`
	Source string `json:"source"`
	Note   string `json:"note,omitempty"`
}

// Result is every pledge and reform as of a date.
type Result struct {
	AsOf    string       `json:"as_of"`
	Pledges []Progress   `json:"pledges"`
	Reforms []ReformView `json:"reforms"`
	// Declared are the figures authorities declared not about a pledge.
	Declared *DeclaredSummary `json:"declared"`
}

// Routine are the mechanisms by which people leave prison with no policy
// at all: a sentence ends, a court acquits, a sick person is moved to a
// hospital, or the register does not know why. A pledge to release people
// that counts them claims what would have happened anyway, so its progress
// is also shown without them (Progress.ByPolicy).
var Routine = []domain.Mechanism{domain.MechServed, domain.MechAcquittal, domain.MechHospital, domain.MechOther}

// IsRoutine reports whether a release by m happens with no policy.
func IsRoutine(m domain.Mechanism) bool { return slices.Contains(Routine, m) }

// Load reads the recorded commitments.
func Load(ctx context.Context, st store.Store, asOf domain.Date) (*domain.Commitments, error) {
	stored, err := st.Commitments(ctx)
	if err != nil {
		return nil, err
	}
	evs := make([]*domain.Event, 0, len(stored))
	for _, se := range stored {
		ev, err := domain.DecodeEvent(se.Body)
		if err != nil {
			return nil, fmt.Errorf("reading event %d: %w", se.Seq, err)
		}
		evs = append(evs, ev)
	}
	return domain.FoldCommitments(evs, asOf), nil
}

// GroupsOf lists the groups a release is counted in.
func GroupsOf(r store.ReleaseRow) []domain.Group {
	var g []domain.Group
	if r.Sex == domain.Female {
		g = append(g, domain.GroupWomen)
	}
	if r.DOB != domain.NoDate {
		// Age on the last day held.
		age := r.DOB.AgeOn(r.Date.AddDays(-1))
		if age < 18 {
			g = append(g, domain.GroupMinors)
		}
		if age >= domain.OlderAge {
			g = append(g, domain.GroupOlder)
		}
	}
	if slices.ContainsFunc(r.Flags, func(f domain.FlagKind) bool {
		return f == domain.FlagChronic || f == domain.FlagMental || f == domain.FlagDisability
	}) {
		g = append(g, domain.GroupIll)
	}
	if slices.Contains(r.Flags, domain.FlagPregnant) {
		g = append(g, domain.GroupPregnant)
	}
	if slices.Contains(r.Flags, domain.FlagChild) {
		g = append(g, domain.GroupMothers)
	}
	if r.Status.NotFinal() {
		g = append(g, domain.GroupPretrial)
	}
	if r.Drug {
		g = append(g, domain.GroupDrug)
	}
	return g
}

// Compute measures every pledge and reform recorded by asOf.
func Compute(ctx context.Context, st store.Store, asOf domain.Date) (*Result, error) {
	return ComputeWith(ctx, st, asOf, nil, domain.NoDate)
}

// ComputeWith is Compute reusing releases already read: rows are every
// release from `from` to asOf (nil when none were read). They are read again
// only when a pledge counts releases before from.
func ComputeWith(ctx context.Context, st store.Store, asOf domain.Date, have []store.ReleaseRow, haveFrom domain.Date) (*Result, error) {
	c, err := Load(ctx, st, asOf)
	if err != nil {
		return nil, fmt.Errorf("reading pledges: %w", err)
	}
	res := &Result{AsOf: asOf.String(), Pledges: []Progress{}, Reforms: []ReformView{}}
	// One read of the releases covers every release pledge.
	from, to := domain.NoDate, domain.NoDate
	for _, p := range c.Pledges {
		if p.Kind != domain.PledgeReleases {
			continue
		}
		if from == domain.NoDate || p.Start < from {
			from = p.Start
		}
		if end := min(p.Deadline, asOf); end > to {
			to = end
		}
	}
	var rows []store.ReleaseRow
	switch {
	case from == domain.NoDate || from > to:
	case haveFrom != domain.NoDate && haveFrom <= from && to <= asOf:
		// Rows outside a pledge's span are not counted by it (Counts).
		rows = have
	default:
		if rows, err = st.ReleaseRows(ctx, from, to); err != nil {
			return nil, fmt.Errorf("reading releases: %w", err)
		}
	}
	groups := make([][]domain.Group, len(rows))
	for i, r := range rows {
		groups[i] = GroupsOf(r)
	}
	for _, p := range c.Pledges {
		pr, err := progress(ctx, st, p, asOf, rows, groups)
		if err != nil {
			return nil, err
		}
		res.Pledges = append(res.Pledges, pr)
	}
	for _, r := range c.Reforms {
		ch, ok := r.Status(asOf)
		if !ok {
			continue
		}
		v := ReformView{ID: r.ID, Title: r.Title, PromisedBy: r.PromisedBy, Status: string(ch.Status), Since: ch.Date.String(),
			Source: ch.Source, Note: ch.Note}
		for _, h := range r.History {
			if h.Date <= asOf {
				v.Changes = append(v.Changes, Change{Date: h.Date.String(), Status: string(h.Status), Source: h.Source, Note: h.Note})
			}
		}
		res.Reforms = append(res.Reforms, v)
	}
	if res.Declared, err = declared(ctx, st, c.Declarations); err != nil {
		return nil, fmt.Errorf("summing declared figures: %w", err)
	}
	return res, nil
}

func progress(ctx context.Context, st store.Store, p *domain.Pledge, asOf domain.Date, rows []store.ReleaseRow, groups [][]domain.Group) (Progress, error) {
	pr := Progress{ID: p.ID, Title: p.Title, MadeBy: p.MadeBy, Kind: string(p.Kind), Announced: p.Announced.String(),
		Start: p.Start.String(), Deadline: p.Deadline.String(), Target: p.Target, Counts: describe(&p.PledgeData),
		Source: p.Source, Note: p.Note, Amendments: p.Versions - 1, AsOf: asOf.String(), Declared: []Declared{}}
	if asOf < p.Deadline {
		pr.DaysLeft = p.Deadline.DayNumber() - asOf.DayNumber()
	}
	// count is the register's count up to a date, or false when it has none.
	var count func(upTo domain.Date) (int, bool, error)
	switch p.Kind {
	case domain.PledgeReleases:
		byMech, byGroup := map[domain.Mechanism]int{}, map[domain.Group]int{}
		policy := 0
		for i, r := range rows {
			if r.Date <= asOf && p.Counts(r.Date, r.Facility, r.Mechanism, groups[i]) {
				byMech[r.Mechanism]++
				if !IsRoutine(r.Mechanism) {
					policy++
				}
				for _, g := range groups[i] {
					byGroup[g]++
				}
			}
		}
		pct := pctOf(policy, p.Target)
		pr.ByPolicy, pr.ByPolicyPct = &policy, &pct
		for _, m := range domain.Mechanisms {
			if byMech[m] > 0 {
				pr.ByMech = append(pr.ByMech, Count{string(m), byMech[m]})
			}
		}
		for _, g := range domain.ReleaseGroups {
			pr.ByGroup = append(pr.ByGroup, Count{string(g), byGroup[g]})
		}
		count = func(upTo domain.Date) (int, bool, error) {
			n := 0
			for i, r := range rows {
				if r.Date <= upTo && p.Counts(r.Date, r.Facility, r.Mechanism, groups[i]) {
					n++
				}
			}
			return n, true, nil
		}
	case domain.PledgeBacklog:
		count = func(upTo domain.Date) (int, bool, error) {
			end := min(upTo, p.Deadline)
			if end < p.Start {
				return 0, true, nil
			}
			n, err := st.CountEvents(ctx, domain.KVerdict, p.Start, end)
			if err != nil {
				return 0, false, fmt.Errorf("counting cases cleared for %s: %w", p.ID, err)
			}
			// A register that records no judgments at all cannot count cases.
			return n, n > 0, nil
		}
	}
	n, ok, err := count(asOf)
	if err != nil {
		return pr, err
	}
	if ok {
		pr.Recorded = &n
		pr.Achieved, pr.Basis = n, "register"
	}
	for _, d := range p.Declarations {
		upTo := d.AsOf
		if upTo == domain.NoDate {
			upTo = d.Date
		}
		dv := Declared{Date: d.Date.String(), AsOf: upTo.String(), Figure: d.Figure, DeclaredBy: d.DeclaredBy, Source: d.Source, Note: d.Note}
		if rec, ok, err := count(upTo); err != nil {
			return pr, err
		} else if ok {
			diff := d.Figure - rec
			dv.Recorded, dv.Difference = &rec, &diff
		}
		pr.Declared = append(pr.Declared, dv)
	}
	if !ok && len(pr.Declared) > 0 {
		pr.Achieved, pr.Basis = pr.Declared[len(pr.Declared)-1].Figure, "declared"
	}
	if pr.Basis == "" {
		pr.Basis = "none"
	}
	pr.Pct = pctOf(pr.Achieved, p.Target)
	switch {
	case asOf < p.Start:
		pr.Status = "not_started"
	case pr.Achieved >= p.Target:
		pr.Status = "met"
	case asOf > p.Deadline:
		pr.Status = "missed"
	default:
		pr.Status = "open"
	}
	return pr, nil
}

// pctOf is n as a percentage of target, to one decimal.
func pctOf(n, target int) float64 {
	return math.Round(1000*float64(n)/float64(target)) / 10
}

// describe says in words what counts toward a pledge.
func describe(p *domain.PledgeData) string {
	if p.Kind == domain.PledgeBacklog {
		return fmt.Sprintf("first-instance judgments recorded from %s to %s", p.Start, p.Deadline)
	}
	s := "releases"
	if len(p.Mechanisms) > 0 {
		s += " by " + join(p.Mechanisms)
	} else {
		s += " by any legal mechanism"
	}
	if len(p.Groups) > 0 {
		s += " of people in the groups " + join(p.Groups)
	}
	if len(p.Facilities) > 0 {
		s += " from " + join(p.Facilities)
	}
	return s + fmt.Sprintf(", from %s to %s", p.Start, p.Deadline)
}

func join[T ~string](vs []T) string {
	out := ""
	for i, v := range vs {
		if i > 0 {
			out += ", "
		}
		out += string(v)
	}
	return out
}
