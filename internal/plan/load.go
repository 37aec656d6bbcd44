package plan

import (
	"context"
	"fmt"
	"slices"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/pledges"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/screening"
	"github.com/habeas-kh/habeas/internal/store"
)

// Estate reads what a plan needs of the facilities on asOf: the official
// capacity in force, and the cells with their floor areas.
func Estate(ctx context.Context, st store.Store, asOf domain.Date) ([]FacilityIn, error) {
	facs, err := st.Facilities(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the facilities: %w", err)
	}
	caps, err := st.CapacityOn(ctx, asOf)
	if err != nil {
		return nil, fmt.Errorf("reading the capacities on %s: %w", asOf, err)
	}
	cells, err := st.Cells(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the cells: %w", err)
	}
	out := make([]FacilityIn, len(facs))
	idx := map[string]int{}
	for i, f := range facs {
		out[i] = FacilityIn{ID: f.ID, Name: f.Name}
		idx[f.ID] = i
	}
	for _, c := range caps {
		if i, ok := idx[c.Facility]; ok {
			out[i].Capacity = c.Capacity
		}
	}
	for _, c := range cells {
		i, ok := idx[c.Facility]
		if !ok {
			continue
		}
		out[i].Cells++
		if c.AreaM2 > 0 {
			out[i].Measured++
			out[i].AreaM2 += c.AreaM2
		}
	}
	slices.SortFunc(out, func(a, b FacilityIn) int { return cmpString(a.ID, b.ID) })
	return out, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// PledgeNeeds is what a releases pledge still needs on asOf (its target
// less what the register counts toward it), and the mechanisms it counts
// (nil for any): a plan toward it uses only those.
func PledgeNeeds(ctx context.Context, st store.Store, asOf domain.Date, id string) (int, []domain.Mechanism, error) {
	c, err := pledges.Load(ctx, st, asOf)
	if err != nil {
		return 0, nil, fmt.Errorf("reading the pledges: %w", err)
	}
	i := slices.IndexFunc(c.Pledges, func(p *domain.Pledge) bool { return p.ID == id })
	if i < 0 {
		return 0, nil, domain.Invalid("target", "no pledge %q recorded by %s (habeas pledge list)", id, asOf)
	}
	pl := c.Pledges[i]
	if pl.Kind != domain.PledgeReleases {
		return 0, nil, domain.Invalid("target", "pledge %q counts %s, not releases: a plan cannot be made toward it", id, pl.Kind)
	}
	res, err := pledges.Compute(ctx, st, asOf)
	if err != nil {
		return 0, nil, fmt.Errorf("measuring pledge %q: %w", id, err)
	}
	for _, pr := range res.Pledges {
		if pr.ID == id {
			return max(0, pr.Target-pr.Achieved), pl.Mechanisms, nil
		}
	}
	return 0, nil, domain.Invalid("target", "no pledge %q", id)
}

// Make computes a plan from screening results of asOf read from st's
// register: it reads the estate and, for a pledge target, the pledge.
func Make(ctx context.Context, st store.Store, pack *rules.Pack, asOf domain.Date, results []screening.Result, opt Options) (*Plan, error) {
	est, err := Estate(ctx, st, asOf)
	if err != nil {
		return nil, err
	}
	var note string
	if opt.Target.Kind == TargetPledge {
		n, mechs, err := PledgeNeeds(ctx, st, asOf, opt.Target.Pledge)
		if err != nil {
			return nil, err
		}
		opt.PledgeNeeds = n
		if len(mechs) > 0 {
			if opt.Mechanisms == nil {
				opt.Mechanisms = PackMechanisms(pack)
			}
			var keep []domain.Mechanism
			for _, m := range opt.Mechanisms {
				if slices.Contains(mechs, m) {
					keep = append(keep, m)
				}
			}
			opt.Mechanisms = keep
			if opt.Mechanisms == nil {
				opt.Mechanisms = []domain.Mechanism{}
			}
			note = fmt.Sprintf("pledge %s counts only releases by %v: the plan uses only those mechanisms", opt.Target.Pledge, mechs)
		}
	}
	p, err := Compute(asOf, pack, results, est, opt)
	if err != nil {
		return nil, err
	}
	if opt.Target.Kind == TargetPledge {
		p.Notes = append(p.Notes, fmt.Sprintf("pledge %s still needs %d releases on %s", opt.Target.Pledge, opt.PledgeNeeds, asOf))
	}
	if note != "" {
		p.Notes = append(p.Notes, note)
	}
	return p, nil
}

// Screen runs the screening of asOf and returns its results: what the CLI
// plans from (the web plans from the registry's screening, kept current).
func Screen(ctx context.Context, st store.Store, pack *rules.Pack, asOf domain.Date) ([]screening.Result, error) {
	rep, err := screening.Run(ctx, st, pack, screening.Options{AsOf: asOf})
	if err != nil {
		return nil, fmt.Errorf("screening as of %s: %w", asOf, err)
	}
	out := make([]screening.Result, 0, rep.Len())
	for r := range rep.Persons() {
		out = append(out, r)
	}
	return out, nil
}
