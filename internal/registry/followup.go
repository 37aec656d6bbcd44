package registry

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/screening"
	"github.com/habeas-kh/habeas/internal/store"
)

// FollowUpState is where a person's follow-up stands on a date, derived
// from its steps (domain.FollowUpData) when read (docs/followups.md).
type FollowUpState string

const (
	FollowOpen       FollowUpState = "open"     // no one has taken it
	FollowAssigned   FollowUpState = "assigned" // taken, nothing done yet
	FollowPetition   FollowUpState = "petition_filed"
	FollowHearing    FollowUpState = "hearing_requested"
	FollowReleased   FollowUpState = "released" // recorded as ending in a release the ledger has not yet
	FollowNotPursued FollowUpState = "not_pursued"
	FollowSnoozed    FollowUpState = "snoozed"
	FollowClosed     FollowUpState = "closed" // derived: see ClosedReleased, ClosedRuleGone
)

// FollowUpStates in the order the queue lists them.
var FollowUpStates = []FollowUpState{FollowOpen, FollowAssigned, FollowPetition, FollowHearing, FollowReleased,
	FollowNotPursued, FollowSnoozed, FollowClosed}

// Why a follow-up is closed without a step saying so.
const (
	// ClosedReleased: the person is no longer held on the date asked.
	ClosedReleased = "released"
	// ClosedRuleGone: no rule of the follow-up's kind holds for the person,
	// nor will within the queue's look-ahead, on the date asked.
	ClosedRuleGone = "rule_no_longer_holds"
)

// FollowUp is a person's follow-up as it stands on a date.
type FollowUp struct {
	State    FollowUpState `json:"state"`
	Assignee string        `json:"assignee,omitempty"`
	Rule     string        `json:"rule,omitempty"`
	// Reason is the coded reason of a follow-up not pursued, or why one is
	// closed (ClosedReleased, ClosedRuleGone).
	Reason string      `json:"reason,omitempty"`
	Note   string      `json:"note,omitempty"`
	Until  domain.Date `json:"until,omitempty"` // snoozed until (the first day it is back)
	// Steps counts the steps of the follow-up; Last and LastBy are the date
	// and author of the latest.
	Steps  int         `json:"steps"`
	Last   domain.Date `json:"last_step,omitempty"`
	LastBy string      `json:"last_by,omitempty"`
}

// releaseKinds are the kinds of rule a follow-up naming no rule concerns:
// those that open a way out of custody.
var releaseKinds = []rules.Kind{rules.Unlawful, rules.Review, rules.Eligible}

// deriveFollowUp is the follow-up of a person on asOf from all their
// follow-up steps (in sequence order): only the steps of the custody that
// began on since (those dated before belong to an earlier stay) and dated
// no later than asOf count. r is the person's screening on asOf, nil when
// they are not held then; kindOf says the kind of a rule of the pack.
func deriveFollowUp(steps []*domain.Event, since, asOf domain.Date, r *screening.Result, kindOf func(string) (rules.Kind, bool)) FollowUp {
	fu := FollowUp{State: FollowOpen}
	before := FollowOpen // the state a snooze set aside
	for _, ev := range steps {
		d, ok := ev.Data.(*domain.FollowUpData)
		if !ok || ev.Date < since || ev.Date > asOf {
			continue
		}
		fu.Steps++
		fu.Last, fu.LastBy = ev.Date, ev.RecordedBy
		if d.Rule != "" {
			fu.Rule = d.Rule
		}
		if fu.State != FollowSnoozed {
			before = fu.State
		}
		fu.Reason, fu.Note, fu.Until = "", d.Note, domain.NoDate
		switch d.Action {
		case domain.FollowTake:
			fu.Assignee, fu.State = d.Assignee, FollowAssigned
		case domain.FollowSnoozed:
			fu.State, fu.Until = FollowSnoozed, d.Until
		case domain.FollowNotPursued:
			fu.State, fu.Reason = FollowNotPursued, string(d.Reason)
		default:
			fu.State = FollowUpState(d.Action)
		}
	}
	if fu.State == FollowSnoozed && asOf >= fu.Until {
		// The snooze is over: the follow-up is back as it was.
		fu.State, fu.Until = before, domain.NoDate
	}
	if fu.Steps == 0 {
		return fu
	}
	if r == nil {
		fu.State, fu.Reason, fu.Until = FollowClosed, ClosedReleased, domain.NoDate
		return fu
	}
	kinds := releaseKinds
	if k, ok := kindOf(fu.Rule); ok && fu.Rule != "" {
		kinds = []rules.Kind{k}
	}
	holds := slices.ContainsFunc(r.Fired, func(f screening.Fired) bool { return slices.Contains(kinds, f.Kind) }) ||
		slices.ContainsFunc(r.Upcoming, func(f screening.Fired) bool { return slices.Contains(kinds, f.Kind) }) ||
		slices.ContainsFunc(r.Undecided, func(u screening.Undecided) bool { return slices.Contains(kinds, u.Kind) })
	if !holds {
		fu.State, fu.Reason, fu.Until = FollowClosed, ClosedRuleGone, domain.NoDate
	}
	return fu
}

// ruleKind is the kind of a rule of the pack (not of a data check).
func (s *Service) ruleKind(id string) (rules.Kind, bool) {
	for _, r := range s.pack.Rules {
		if r.ID == id {
			return r.Kind, true
		}
	}
	return "", false
}

// checkFollowUp checks a step of a follow-up about the person of lf beyond
// what the ledger checks: its rule is one of the pack's, and a follow-up is
// taken by, or for, a user who may work it (a legal officer, or a registrar
// of the facility holding the person on the step's date). A step taking it
// with no assignee is taken by p.
func (s *Service) checkFollowUp(ctx context.Context, p *auth.Principal, lf *ledgerFile, batch []*domain.Event, ev *domain.Event, d *domain.FollowUpData) error {
	if d.Rule != "" {
		if _, ok := s.ruleKind(d.Rule); !ok {
			return domain.Invalid("data.rule", "no rule %q in the pack", d.Rule)
		}
	}
	if d.Action != domain.FollowTake {
		return nil
	}
	d.Assignee = strings.TrimSpace(d.Assignee)
	if d.Assignee == "" {
		d.Assignee = p.User
	}
	if d.Assignee == p.User {
		return nil // p's own right to write the step is checked with it
	}
	held, err := lf.with(batch).heldOn(ev.Date, math.MaxInt64)
	if err != nil {
		return err
	}
	if err := s.auth.MayBeAssigned(ctx, p, d.Assignee, Required(domain.KFollowUp), held); err != nil {
		return domain.InField("data", err)
	}
	return nil
}

// followIndex is the follow-up steps of the ledger up to a head, by person.
type followIndex map[string][]*domain.Event

// readSteps reads the follow-up steps with from <= seq <= upTo into idx
// (a copy of it when it is shared: the slices of the index are never
// appended to in place).
func (s *Service) readSteps(ctx context.Context, idx followIndex, from, upTo int64) (followIndex, error) {
	out := followIndex{}
	for k, v := range idx {
		out[k] = slices.Clip(v)
	}
	err := s.st.FollowUps(ctx, from, func(e store.StoredEvent) error {
		if e.Seq > upTo {
			return nil
		}
		dec, err := store.DecodeEvents([]store.StoredEvent{e})
		if err != nil {
			return err
		}
		out[e.Person] = append(out[e.Person], dec[0])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the follow-ups: %w", err)
	}
	return out, nil
}

// followUps derives, once per screening, the follow-up of everyone with a
// step: those held (their row of the queue) and those who are not any more
// (closed, released), with the stored state of the people with steps.
func (s *Service) followUps(ctx context.Context, c *queueCache) (map[string]FollowUp, map[string]store.Person, error) {
	c.followMu.Lock()
	defer c.followMu.Unlock()
	if c.follow != nil {
		return c.follow, c.followPersons, nil
	}
	ids := make([]string, 0, len(c.steps))
	for id := range c.steps {
		ids = append(ids, id)
	}
	persons, err := s.st.Persons(ctx, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the people with follow-ups: %w", err)
	}
	out := make(map[string]FollowUp, len(ids))
	for _, id := range ids {
		per := persons[id]
		var r *screening.Result
		if res, ok := c.results[id]; ok {
			r = &res
		}
		// The steps of the stay under way on the date, or of the last one:
		// an admission later than the date asked began after it.
		since := per.Admitted
		if since > c.asOf {
			since = domain.NoDate
		}
		out[id] = deriveFollowUp(c.steps[id], since, c.asOf, r, s.ruleKind)
	}
	c.follow, c.followPersons = out, persons
	return out, persons, nil
}

// PersonFollowUp is the follow-up of the person of v on v.AsOf, from the
// events of their file (nil when the file holds no step).
func (s *Service) personFollowUp(v *PersonView, evs []*domain.Event) *FollowUp {
	var steps []*domain.Event
	for _, ev := range evs {
		if ev.Kind == domain.KFollowUp {
			steps = append(steps, ev)
		}
	}
	if len(steps) == 0 || v.AsOf == domain.NoDate {
		return nil
	}
	since := v.State.Admitted
	if since > v.AsOf {
		since = domain.NoDate
	}
	fu := deriveFollowUp(steps, since, v.AsOf, v.Screening, s.ruleKind)
	if fu.Steps == 0 {
		return nil
	}
	return &fu
}
