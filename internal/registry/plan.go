package registry

import (
	"context"
	"fmt"
	"slices"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/plan"
	"github.com/habeas-kh/habeas/internal/scenario"
	"github.com/habeas-kh/habeas/internal/screening"
	"github.com/habeas-kh/habeas/internal/store"
)

// Plans are computed here, for the staff application, from the screening
// the service keeps current after every write (queue.go): no screening is
// run for a plan of the register's date. The computation is package plan's.

// Plan is a decongestion plan on asOf (NoDate: the register's date). It
// lists people by id, so it needs the screening nationally, or in the one
// facility asked for.
func (s *Service) Plan(ctx context.Context, p *auth.Principal, asOf domain.Date, opt plan.Options) (*plan.Plan, error) {
	if err := s.mayPlan(p, opt.Facility); err != nil {
		return nil, err
	}
	c, err := s.screenedOn(ctx, asOf)
	if err != nil {
		return nil, err
	}
	if c.asOf == domain.NoDate {
		return nil, domain.Invalid("as_of", "the register is empty: there is no one to plan for")
	}
	rs := make([]screening.Result, 0, len(c.results))
	for _, r := range c.results {
		rs = append(rs, r)
	}
	return plan.Make(ctx, s.st, s.pack, c.asOf, rs, opt)
}

// mayPlan: a plan shares national targets among every facility, so a user
// restricted to some facilities plans for one of them only.
func (s *Service) mayPlan(p *auth.Principal, facility string) error {
	if err := p.Require(auth.ReadScreening, facility); err != nil {
		return err
	}
	if facility == "" && p.Scope(auth.ReadScreening) != nil {
		return domain.Forbidden("a national plan needs the screening of every facility: choose one of yours")
	}
	return nil
}

// SavePlan computes a plan and enters it in the ledger under name, as the
// principal: the people in it by id, its aggregates per facility. It
// returns the plan and the event's sequence number.
func (s *Service) SavePlan(ctx context.Context, p *auth.Principal, name string, asOf domain.Date, opt plan.Options) (*plan.Plan, int64, error) {
	if err := p.Require(auth.EditPledges, ""); err != nil {
		return nil, 0, err
	}
	if err := (&domain.PlanData{Name: name, Publish: true}).Validate(); err != nil {
		return nil, 0, err
	}
	pl, err := s.Plan(ctx, p, asOf, opt)
	if err != nil {
		return nil, 0, err
	}
	ev := &domain.Event{Kind: domain.KPlan, Date: pl.AsOf, Data: pl.Entry(name)}
	seqs, _, err := s.record(ctx, p, nil, []*domain.Event{ev})
	if err != nil {
		return nil, 0, fmt.Errorf("saving plan %q: %w", name, err)
	}
	return pl, seqs[0], nil
}

// PublishPlan makes a saved plan's aggregates public. With sc, it runs the
// plan's national outbreak scenario (scenario.Public: on the plan's date,
// sc's runs, days, seed and parameters) and publishes its figures with the
// plan, in the same entry: computed once, so that the public page is cheap
// and its figures do not move; nil publishes no scenario.
func (s *Service) PublishPlan(ctx context.Context, p *auth.Principal, name string, sc *scenario.Options) (int64, error) {
	if err := p.Require(auth.EditPledges, ""); err != nil {
		return 0, err
	}
	saved, err := plan.ReadSaved(ctx, s.plans(), name)
	if err != nil {
		return 0, err
	}
	if saved.Published {
		return 0, &domain.Error{Code: domain.ErrConflict, Field: "name", Msg: fmt.Sprintf("plan %q is already published", name)}
	}
	data := &domain.PlanData{Name: name, Publish: true}
	if sc != nil {
		if data.Scenario, err = scenario.Public(ctx, s.st, saved, *sc); err != nil {
			return 0, err
		}
	}
	ev := &domain.Event{Kind: domain.KPlan, Date: saved.Plan.AsOf, Data: data}
	seqs, _, err := s.record(ctx, p, nil, []*domain.Event{ev})
	if err != nil {
		return 0, fmt.Errorf("publishing plan %q: %w", name, err)
	}
	return seqs[0], nil
}

// PlanProgress follows a saved plan: planned against done, and the people
// of the plan still held, by id. Staff only: the reader must be able to
// screen every facility of the plan.
func (s *Service) PlanProgress(ctx context.Context, p *auth.Principal, name string) (*plan.Progress, error) {
	saved, err := plan.ReadSaved(ctx, s.plans(), name)
	if err != nil {
		return nil, err
	}
	if err := s.mayPlan(p, saved.Plan.Facility); err != nil {
		return nil, err
	}
	return plan.Track(ctx, s.st, saved)
}

// PublishedPlan is a published plan's progress as anyone may see it:
// counts only, through the disclosure control. A plan saved and not
// published is not found, as one never saved.
func (s *Service) PublishedPlan(ctx context.Context, name string, threshold int) (*plan.PublicProgress, error) {
	saved, err := plan.ReadSaved(ctx, s.plans(), name)
	if err != nil || !saved.Published {
		return nil, domain.NotFound("no published plan %q", name)
	}
	pr, err := plan.Track(ctx, s.st, saved)
	if err != nil {
		return nil, err
	}
	return pr.Public(threshold)
}

// PlanScenario runs the outbreak model against a saved plan for a staff
// user who may follow it (PlanProgress's permission): opt's runs and days
// are bounded for the web (scenario.WebMaxRuns, WebMaxDays) and its errors
// name the field.
func (s *Service) PlanScenario(ctx context.Context, p *auth.Principal, name string, opt scenario.Options) (*scenario.Result, error) {
	saved, err := plan.ReadSaved(ctx, s.plans(), name)
	if err != nil {
		return nil, err
	}
	if err := s.mayPlan(p, saved.Plan.Facility); err != nil {
		return nil, err
	}
	switch {
	case opt.Runs < 1 || opt.Runs > scenario.WebMaxRuns:
		return nil, domain.Invalid("runs", "%d is out of range: want 1 to %d", opt.Runs, scenario.WebMaxRuns)
	case opt.Days < 1 || opt.Days > scenario.WebMaxDays:
		return nil, domain.Invalid("days", "%d is out of range: want 1 to %d", opt.Days, scenario.WebMaxDays)
	}
	opt.SeriesEvery = scenario.SeriesEvery(opt.Days)
	return scenario.Run(ctx, s.st, saved, opt)
}

// SavedPlans lists the names of the saved plans a user may follow (as
// PlanProgress), in the order saved.
func (s *Service) SavedPlans(ctx context.Context, p *auth.Principal) ([]string, error) {
	if !p.Can(auth.ReadScreening) {
		return nil, domain.Forbidden("a plan's scenario needs the screening")
	}
	all, err := plan.ReadAll(ctx, s.plans())
	if err != nil {
		return nil, err
	}
	var out []string
	for _, sv := range all {
		if s.mayPlan(p, sv.Plan.Facility) == nil {
			out = append(out, sv.Plan.Name)
		}
	}
	return out, nil
}

// PublicScenario is a published plan's national scenario as anyone may see
// it, beside the plan's protected counts.
type PublicScenario struct {
	Plan *plan.PublicProgress `json:"plan"`
	// Scenario is nil when none was published with the plan, or when the
	// plan's national count of releases is withheld by the disclosure
	// control (the scenario's released count would give it away).
	Scenario *domain.PlanScenario `json:"scenario"`
	// Withheld says the scenario exists but is withheld.
	Withheld bool `json:"withheld,omitempty"`
}

// PublishedScenario is what the public scenario page and its JSON show:
// both are made here, from the figures stored when the plan was published.
func (s *Service) PublishedScenario(ctx context.Context, name string, threshold int) (*PublicScenario, error) {
	saved, err := plan.ReadSaved(ctx, s.plans(), name)
	if err != nil || !saved.Published {
		return nil, domain.NotFound("no published plan %q", name)
	}
	pr, err := plan.Track(ctx, s.st, saved)
	if err != nil {
		return nil, err
	}
	pub, err := pr.Public(threshold)
	if err != nil {
		return nil, err
	}
	out := &PublicScenario{Plan: pub, Scenario: saved.Scenario}
	if out.Scenario != nil && pub.Planned == nil {
		out.Scenario, out.Withheld = nil, true
	}
	return out, nil
}

// plans is the store's reading of plans; a store that keeps none (a test's)
// has none saved.
func (s *Service) plans() store.PlanStore {
	if ps, ok := s.st.(store.PlanStore); ok {
		return ps
	}
	return noPlans{}
}

type noPlans struct{}

func (noPlans) Plans(context.Context) ([]store.StoredEvent, error) { return nil, nil }

// PublishedPlans lists the names of the published plans, in the order saved.
func (s *Service) PublishedPlans(ctx context.Context) ([]string, error) {
	all, err := plan.ReadAll(ctx, s.plans())
	if err != nil {
		return nil, err
	}
	var out []string
	for _, sv := range all {
		if sv.Published && !slices.Contains(out, sv.Plan.Name) {
			out = append(out, sv.Plan.Name)
		}
	}
	return out, nil
}
