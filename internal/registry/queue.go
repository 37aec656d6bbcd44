package registry

import (
	"context"
	"fmt"
	"slices"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/screening"
	"github.com/habeas-kh/habeas/internal/store"
)

// Within is the look-ahead of the screening queue: who will cross a limit
// in the next 30 days.
const Within = 30

// queueCache is the screening of the whole register at one ledger head. A
// national register takes minutes to screen, so the queue is computed once
// and, after each write, only the people written about are screened again.
type queueCache struct {
	head    store.Head
	asOf    domain.Date
	results map[string]screening.Result
}

// QueueQuery filters the screening queue.
type QueueQuery struct {
	Facility  string
	Rule      string           // a rule that fired or will fire
	Mechanism domain.Mechanism // an open release mechanism
	Group     string           // a priority rule (an at-risk group)
	Crossing  bool             // only people crossing an unlawful limit within 30 days
	Limit     int
	Offset    int
}

// QueueRow is a person in the queue.
type QueueRow struct {
	screening.Result
	Name string `json:"name"`
}

// Queue is a page of the screening queue.
type Queue struct {
	AsOf    domain.Date `json:"as_of"`
	Head    store.Head  `json:"ledger_head"`
	Pack    string      `json:"pack"`
	Total   int         `json:"total"`
	Persons []QueueRow  `json:"persons"`
}

// Queue returns the screening queue the principal may see: unlawful first,
// then by priority.
func (s *Service) Queue(ctx context.Context, p *auth.Principal, q QueueQuery) (*Queue, error) {
	if err := p.Require(auth.ReadScreening, q.Facility); err != nil {
		return nil, err
	}
	if q.Rule != "" && !slices.ContainsFunc(s.pack.Rules, func(r *rules.Rule) bool { return r.ID == q.Rule }) {
		return nil, domain.Invalid("rule", "no rule %q in the pack", q.Rule)
	}
	if q.Group != "" && !slices.ContainsFunc(s.pack.Rules, func(r *rules.Rule) bool { return r.ID == q.Group && r.Kind == rules.Priority }) {
		return nil, domain.Invalid("group", "no priority rule %q in the pack", q.Group)
	}
	if q.Mechanism != "" && !domain.In(q.Mechanism, domain.Mechanisms) {
		return nil, domain.Invalid("mechanism", "unknown release mechanism %q", q.Mechanism)
	}
	c, err := s.screened(ctx)
	if err != nil {
		return nil, err
	}
	scope := p.Scope(auth.ReadScreening)
	var all []screening.Result
	for _, r := range c.results {
		if (q.Facility != "" && r.Facility != q.Facility) || (scope != nil && !slices.Contains(scope, r.Facility)) {
			continue
		}
		if !matches(r, q) {
			continue
		}
		all = append(all, r)
	}
	screening.Sort(all)
	out := &Queue{AsOf: c.asOf, Head: c.head, Pack: s.pack.ID + " " + s.pack.Version, Total: len(all), Persons: []QueueRow{}}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 100
	}
	lo := min(max(q.Offset, 0), len(all))
	hi := min(lo+q.Limit, len(all))
	page := all[lo:hi]
	ids := make([]string, len(page))
	for i, r := range page {
		ids[i] = r.Person
	}
	names, err := s.st.Persons(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, r := range page {
		out.Persons = append(out.Persons, QueueRow{Result: r, Name: names[r.Person].Name})
	}
	return out, nil
}

func matches(r screening.Result, q QueueQuery) bool {
	if q.Crossing && !slices.ContainsFunc(r.Upcoming, func(f screening.Fired) bool { return f.Kind == rules.Unlawful }) {
		return false
	}
	if q.Rule != "" && !slices.ContainsFunc(r.Fired, func(f screening.Fired) bool { return f.Rule == q.Rule }) &&
		!slices.ContainsFunc(r.Upcoming, func(f screening.Fired) bool { return f.Rule == q.Rule }) {
		return false
	}
	if q.Group != "" && !slices.ContainsFunc(r.Fired, func(f screening.Fired) bool { return f.Rule == q.Group }) {
		return false
	}
	if q.Mechanism != "" && !slices.ContainsFunc(r.Fired, func(f screening.Fired) bool { return f.Mechanism == q.Mechanism }) {
		return false
	}
	return true
}

// screened returns the screening at the current head, bringing the cache up
// to date: in full when the as-of date moved, else person by person for the
// events appended since.
func (s *Service) screened(ctx context.Context) (*queueCache, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	head, err := s.st.Head(ctx)
	if err != nil {
		return nil, err
	}
	asOf, err := s.AsOf(ctx)
	if err != nil {
		return nil, err
	}
	c := s.queue
	if c != nil && c.head == head && c.asOf == asOf {
		return c, nil
	}
	if asOf == domain.NoDate {
		return &queueCache{head: head, results: map[string]screening.Result{}}, nil
	}
	if c == nil || c.asOf != asOf || c.head.Seq > head.Seq {
		rep, err := screening.Run(ctx, s.st, s.pack, screening.Options{AsOf: asOf, Within: Within})
		if err != nil {
			return nil, fmt.Errorf("screening as of %s: %w", asOf, err)
		}
		c = &queueCache{head: rep.Head, asOf: asOf, results: make(map[string]screening.Result, rep.Len())}
		for r := range rep.Persons() {
			c.results[r.Person] = r
		}
		s.queue = c
		return c, nil
	}
	touched := map[string]bool{}
	full := false
	err = s.st.Events(ctx, c.head.Seq+1, func(e store.StoredEvent) error {
		if e.Person != "" {
			touched[e.Person] = true
		} else {
			full = true // a facility changed kind: everyone's facts may change
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if full {
		s.queue = nil
		s.mu.Unlock()
		defer s.mu.Lock()
		return s.screened(ctx)
	}
	kinds, err := s.kinds(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(touched))
	for id := range touched {
		ids = append(ids, id)
	}
	stored, err := s.st.PersonEvents(ctx, ids)
	if err != nil {
		return nil, err
	}
	next := &queueCache{head: head, asOf: asOf, results: make(map[string]screening.Result, len(c.results))}
	for k, v := range c.results {
		next.results[k] = v
	}
	for _, id := range ids {
		delete(next.results, id)
		evs := stored[id]
		// Keep to the head read above, as a full screening does.
		for len(evs) > 0 && evs[len(evs)-1].Seq > head.Seq {
			evs = evs[:len(evs)-1]
		}
		dec, err := store.DecodeEvents(evs)
		if err != nil {
			return nil, err
		}
		f, err := domain.Project(id, dec, kinds, asOf)
		if err != nil {
			return nil, fmt.Errorf("folding the file of %s: %w", id, err)
		}
		if r, ok := screening.Screen(s.pack, f, kinds, asOf, Within); ok {
			next.results[id] = r
		}
	}
	s.queue = next
	return next, nil
}
