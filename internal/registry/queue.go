package registry

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/screening"
	"github.com/habeas-kh/habeas/internal/store"
)

// Within is the look-ahead of the screening queue: who will cross a limit
// in the next 30 days.
const Within = 30

// MaxAhead is how far past the register's date the queue may be asked
// for: the file as it stands, moved forward a year, is as far as a
// projection with no new entries means anything.
const MaxAhead = 366

// queueCache is the screening of the whole register at one ledger head. A
// national register takes minutes to screen, so the queue is computed once
// and, after each write, only the people written about are screened again.
type queueCache struct {
	head    store.Head
	asOf    domain.Date
	results map[string]screening.Result
	// on is the date each result was screened on (the current screening
	// only): the date its reasons' day counts are of (Service.rendered).
	on    map[string]domain.Date
	steps followIndex // the follow-up steps up to head

	// The follow-ups derived from steps on asOf, once (Service.followUps).
	followMu      sync.Mutex
	follow        map[string]FollowUp
	followPersons map[string]store.Person
}

// QueueQuery filters the screening queue.
type QueueQuery struct {
	Facility  string
	Rule      string           // a rule that fired or will fire
	Mechanism domain.Mechanism // an open release mechanism
	Group     string           // a priority rule (an at-risk group)
	Crossing  bool             // only people crossing an unlawful limit within 30 days
	Kind      rules.Kind       // only people for whom a rule of this kind holds
	// FollowUp keeps the people whose follow-up is in this state; Mine,
	// those whose follow-up is assigned to the reader. With either, people
	// no longer held whose follow-up closed when they left are listed too
	// (when no filter of the screening is in force: they have none).
	FollowUp FollowUpState
	Mine     bool
	// AsOf is the date screened; NoDate is Today's, which the queue keeps
	// current after every write.
	AsOf   domain.Date
	Limit  int
	Offset int
	// Khmer: the page's reasons also in Khmer (Fired.ReasonKm), for a
	// reader of the Khmer pages.
	Khmer bool
}

// QueueRow is a person in the queue.
type QueueRow struct {
	screening.Result
	Name     string   `json:"name"`
	FollowUp FollowUp `json:"follow_up"`
}

// Queue is a page of the screening queue.
type Queue struct {
	AsOf    domain.Date `json:"as_of"`
	Head    store.Head  `json:"ledger_head"`
	Pack    string      `json:"pack"`
	Total   int         `json:"total"`
	Persons []QueueRow  `json:"persons"`
	// HeldUnlawfully and DataToCheck count everyone screened in the
	// facilities the reader may see (only the one asked for, if any),
	// whatever the other filters: the people held unlawfully split by
	// whether the law is confirmed, and the records each data check lists.
	HeldUnlawfully screening.HeldUnlawfully `json:"held_unlawfully"`
	DataToCheck    []screening.CheckCount   `json:"data_to_check"`
	// Today is the queue's date unless another was asked for, and how it
	// was chosen (Service.Today).
	Today Today `json:"today"`
	// Facets count the people the filters select (all of Total, not only
	// this page) by each value a filter can take: a caseload at a glance.
	Facets Facets `json:"facets"`
}

// Facets count the people of a queue by the values of each filter.
type Facets struct {
	Kind      []Facet `json:"kind"`      // a rule of this kind holds
	Rule      []Facet `json:"rule"`      // the rule holds, or will within 30 days (Upcoming)
	Mechanism []Facet `json:"mechanism"` // a release mechanism is open
	Group     []Facet `json:"group"`     // an at-risk group (priority rule) holds
	Facility  []Facet `json:"facility"`
	Check     []Facet `json:"check"`     // a data check lists the person
	FollowUp  []Facet `json:"follow_up"` // the state of the person's follow-up
}

// Facet is one value of a filter and the number of people with it; values
// no one has are left out.
type Facet struct {
	Value    string `json:"value"`
	Title    string `json:"title,omitempty"` // the rule's title, for rules and groups
	People   int    `json:"people"`
	Upcoming int    `json:"upcoming,omitempty"` // for rules: people it will hold for within 30 days
}

// Queue returns the screening queue the principal may see: unlawful first,
// then by priority.
func (s *Service) Queue(ctx context.Context, p *auth.Principal, q QueueQuery) (*Queue, error) {
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 100
	}
	return s.queuePage(ctx, p, q)
}

// QueueExport is the whole queue the filters select, every page, for a
// spreadsheet. The export is entered in the audit trail before the rows
// are returned: a list of names leaving the system must be on record, as
// the opening of a file is. The entry keeps the filters, the date and the
// ledger sequence rather than every person listed: those three give the
// same list again (a queue export runs to tens of thousands of people).
func (s *Service) QueueExport(ctx context.Context, p *auth.Principal, q QueueQuery, format string) (*Queue, error) {
	q.Offset, q.Limit = 0, -1
	out, err := s.queuePage(ctx, p, q)
	if err != nil {
		return nil, err
	}
	detail := map[string]any{"format": format, "as_of": out.AsOf.String(), "ledger_seq": out.Head.Seq, "rows": len(out.Persons),
		"filters": q.filters()}
	if err := s.auth.Record(ctx, p, auth.ActQueueExport, "queue", detail); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("recording that %s exported the queue: %w", p.User, err)
		}
		s.log.Error("an export was refused: it could not be entered in the audit trail", "user", p.User, "err", err)
		return nil, ErrExportNotRecorded
	}
	return out, nil
}

// filters are the filters in force, by their query names, for the audit
// trail.
func (q QueueQuery) filters() map[string]string {
	f := map[string]string{}
	for k, v := range map[string]string{"facility": q.Facility, "rule": q.Rule, "mechanism": string(q.Mechanism), "group": q.Group,
		"kind": string(q.Kind)} {
		if v != "" {
			f[k] = v
		}
	}
	if q.Crossing {
		f["crossing"] = "1"
	}
	if q.FollowUp != "" {
		f["follow_up"] = string(q.FollowUp)
	}
	if q.Mine {
		f["mine"] = "1"
	}
	if q.AsOf != domain.NoDate {
		f["as_of"] = q.AsOf.String()
	}
	return f
}

// queuePage is a page of the queue, or all of it when q.Limit < 0.
func (s *Service) queuePage(ctx context.Context, p *auth.Principal, q QueueQuery) (*Queue, error) {
	if err := p.Require(auth.ReadScreening, q.Facility); err != nil {
		return nil, err
	}
	if q.Rule != "" && !slices.ContainsFunc(s.pack.Rules, func(r *rules.Rule) bool { return r.ID == q.Rule }) &&
		!slices.ContainsFunc(s.pack.Checks, func(r *rules.Rule) bool { return r.ID == q.Rule }) {
		return nil, domain.Invalid("rule", "no rule or data check %q in the pack", q.Rule)
	}
	if q.Group != "" && !slices.ContainsFunc(s.pack.Rules, func(r *rules.Rule) bool { return r.ID == q.Group && r.Kind == rules.Priority }) {
		return nil, domain.Invalid("group", "no priority rule %q in the pack", q.Group)
	}
	if q.Mechanism != "" && !domain.In(q.Mechanism, domain.Mechanisms) {
		return nil, domain.Invalid("mechanism", "unknown release mechanism %q", q.Mechanism)
	}
	if q.Kind != "" && !slices.Contains(rules.Kinds, q.Kind) {
		return nil, domain.Invalid("kind", "unknown kind of rule %q", q.Kind)
	}
	if q.FollowUp != "" && !slices.Contains(FollowUpStates, q.FollowUp) {
		return nil, domain.Invalid("follow_up", "unknown state of a follow-up %q", q.FollowUp)
	}
	c, err := s.screenedOn(ctx, q.AsOf)
	if err != nil {
		return nil, err
	}
	follow, followPersons, err := s.followUps(ctx, c)
	if err != nil {
		return nil, err
	}
	fuOf := func(id string) FollowUp {
		if fu, ok := follow[id]; ok {
			return fu
		}
		return FollowUp{State: FollowOpen}
	}
	today, err := s.Today(ctx)
	if err != nil {
		return nil, err
	}
	scope := p.Scope(auth.ReadScreening)
	var all []screening.Result
	tally := screening.NewTally(s.pack)
	// stateCount counts the follow-up states of the people the other
	// filters select, so that each count is what its filter lists.
	stateCount := map[FollowUpState]int{}
	followed := func(fu FollowUp) bool {
		return (q.FollowUp == "" || fu.State == q.FollowUp) && (!q.Mine || (fu.Assignee == p.User && fu.State != FollowOpen))
	}
	for _, r := range c.results {
		if (q.Facility != "" && r.Facility != q.Facility) || (scope != nil && !slices.Contains(scope, r.Facility)) {
			continue
		}
		tally.Add(&r)
		if !matches(r, q) {
			continue
		}
		fu := fuOf(r.Person)
		if !q.Mine || fu.Assignee == p.User {
			stateCount[fu.State]++
		}
		if followed(fu) {
			all = append(all, r)
		}
	}
	// People no longer held have no screening: they are in the queue only
	// for their follow-up, closed when they left, and only while no filter
	// of the screening is in force.
	if q.Rule == "" && q.Kind == "" && q.Mechanism == "" && q.Group == "" && !q.Crossing {
		for id, fu := range follow {
			if _, held := c.results[id]; held || fu.Steps == 0 {
				continue
			}
			per := followPersons[id]
			if (q.Facility != "" && per.Facility != q.Facility) || (scope != nil && !slices.Contains(scope, per.Facility)) {
				continue
			}
			if q.Mine && fu.Assignee != p.User {
				continue
			}
			stateCount[fu.State]++
			if (q.FollowUp != "" || q.Mine) && followed(fu) {
				all = append(all, screening.Result{Person: id, Facility: per.Facility, Status: per.Status, Fired: []screening.Fired{}})
			}
		}
	}
	screening.Sort(all)
	sum := tally.Summary()
	out := &Queue{AsOf: c.asOf, Head: c.head, Pack: s.pack.ID + " " + s.pack.Version, Total: len(all), Persons: []QueueRow{},
		HeldUnlawfully: sum.HeldUnlawfully, DataToCheck: sum.DataToCheck, Today: today, Facets: s.facets(all)}
	for _, st := range FollowUpStates {
		if n := stateCount[st]; n > 0 {
			out.Facets.FollowUp = append(out.Facets.FollowUp, Facet{Value: string(st), People: n})
		}
	}
	if q.Limit < 0 {
		q.Limit = len(all)
	}
	lo := min(max(q.Offset, 0), len(all))
	hi := min(lo+q.Limit, len(all))
	page, err := s.rendered(ctx, c, all[lo:hi])
	if err != nil {
		return nil, err
	}
	if q.Khmer {
		if err := s.withKhmer(ctx, c, page); err != nil {
			return nil, fmt.Errorf("giving the reasons in Khmer: %w", err)
		}
	}
	ids := make([]string, len(page))
	for i, r := range page {
		ids[i] = r.Person
	}
	names, err := s.st.Persons(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, r := range page {
		out.Persons = append(out.Persons, QueueRow{Result: s.withoutHealth(p, r), Name: names[r.Person].Name, FollowUp: fuOf(r.Person)})
	}
	return out, nil
}

// withoutHealth is r as p may see it: the reasons of the rules and data
// checks that read health facts (a pregnancy and its due date, an illness,
// children) are withheld from a reader who may not read health data in the
// person's facility, as the person's file withholds the health records.
func (s *Service) withoutHealth(p *auth.Principal, r screening.Result) screening.Result {
	if p.CanIn(auth.ReadHealth, r.Facility) {
		return r
	}
	hide := func(fs []screening.Fired) []screening.Fired {
		if !slices.ContainsFunc(fs, func(f screening.Fired) bool { return s.readsHealth(f.Rule) }) {
			return fs
		}
		out := slices.Clone(fs)
		for i := range out {
			if s.readsHealth(out[i].Rule) {
				out[i].Reason, out[i].ReasonKm, out[i].Withheld = "", "", true
			}
		}
		return out
	}
	r.Fired, r.Upcoming, r.Checks = hide(r.Fired), hide(r.Upcoming), hide(r.Checks)
	return r
}

func (s *Service) readsHealth(id string) bool {
	for _, r := range s.pack.Rules {
		if r.ID == id {
			return r.ReadsHealth()
		}
	}
	for _, r := range s.pack.Checks {
		if r.ID == id {
			return r.ReadsHealth()
		}
	}
	return false
}

// CheckRow is a person a data check lists: the record to correct.
type CheckRow struct {
	Person   string `json:"person"`
	Name     string `json:"name"`
	Facility string `json:"facility"`
	Check    string `json:"check"`
	Title    string `json:"title"`
	Reason   string `json:"reason"`
	Withheld bool   `json:"withheld,omitempty"` // the reason reads health data the reader may not see
}

// DataToCheck lists the records the pack's data checks hold for, among the
// people the principal may screen (in facility only, when given), by
// facility, check and person: what staff are to correct.
func (s *Service) DataToCheck(ctx context.Context, p *auth.Principal, facility string) (asOf domain.Date, head store.Head, rows []CheckRow, err error) {
	if err := p.Require(auth.ReadScreening, facility); err != nil {
		return domain.NoDate, store.Head{}, nil, err
	}
	c, err := s.screened(ctx)
	if err != nil {
		return domain.NoDate, store.Head{}, nil, err
	}
	scope := p.Scope(auth.ReadScreening)
	var listed []screening.Result
	for _, r := range c.results {
		if len(r.Checks) == 0 || (facility != "" && r.Facility != facility) || (scope != nil && !slices.Contains(scope, r.Facility)) {
			continue
		}
		listed = append(listed, r)
	}
	if listed, err = s.rendered(ctx, c, listed); err != nil {
		return domain.NoDate, store.Head{}, nil, err
	}
	var ids []string
	for _, r := range listed {
		ids = append(ids, r.Person)
		r = s.withoutHealth(p, r)
		for _, ch := range r.Checks {
			rows = append(rows, CheckRow{Person: r.Person, Facility: r.Facility, Check: ch.Rule, Reason: ch.Reason, Withheld: ch.Withheld})
		}
	}
	names, err := s.st.Persons(ctx, ids)
	if err != nil {
		return domain.NoDate, store.Head{}, nil, err
	}
	titles := map[string]string{}
	for _, ch := range s.pack.Checks {
		titles[ch.ID] = ch.Title
	}
	for i := range rows {
		rows[i].Name, rows[i].Title = names[rows[i].Person].Name, titles[rows[i].Check]
	}
	slices.SortFunc(rows, func(a, b CheckRow) int {
		return cmp.Or(cmp.Compare(a.Facility, b.Facility), cmp.Compare(a.Check, b.Check), cmp.Compare(a.Person, b.Person))
	})
	// The export names people, as an opened file does: it is given only
	// once it is on record, with whom it lists (Mandela Rules 6 and 9).
	slices.Sort(ids)
	detail := map[string]any{"as_of": c.asOf.String(), "ledger_seq": c.head.Seq, "rows": len(rows), "persons": nonNilIDs(ids)}
	if err := s.auth.Record(ctx, p, auth.ActChecksExport, facility, detail); err != nil {
		if ctx.Err() != nil {
			return domain.NoDate, store.Head{}, nil, fmt.Errorf("recording that %s exported the data to check: %w", p.User, err)
		}
		s.log.Error("the data to check was not exported: the export could not be entered in the audit trail", "user", p.User, "facility", facility, "err", err)
		return domain.NoDate, store.Head{}, nil, ErrExportNotRecorded
	}
	return c.asOf, c.head, rows, nil
}

func nonNilIDs(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// ErrExportNotRecorded refuses an export of personal data whose making
// could not be entered in the audit trail.
var ErrExportNotRecorded = &domain.Error{Code: domain.ErrUnavailable,
	Msg: "the export is not given: it could not be entered in the audit trail; try again in a moment"}

func matches(r screening.Result, q QueueQuery) bool {
	if q.Kind != "" && !slices.ContainsFunc(r.Fired, func(f screening.Fired) bool { return f.Kind == q.Kind }) {
		return false
	}
	if q.Crossing && !slices.ContainsFunc(r.Upcoming, func(f screening.Fired) bool { return f.Kind == rules.Unlawful }) {
		return false
	}
	if q.Rule != "" && !slices.ContainsFunc(r.Fired, func(f screening.Fired) bool { return f.Rule == q.Rule }) &&
		!slices.ContainsFunc(r.Upcoming, func(f screening.Fired) bool { return f.Rule == q.Rule }) &&
		!slices.ContainsFunc(r.Checks, func(f screening.Fired) bool { return f.Rule == q.Rule }) {
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

// Horizon is how far ahead a stored result's next change is looked for:
// a person whose result has not changed by then is screened again anyway.
// The steps go day by day, so the first screening of a register costs in
// proportion: at 400 days it took 3.7 times the CPU of a screening without
// next changes on a 20,000-person demo, and a million-person register pays
// it again for every facility change. At 90 days a person with nothing
// coming is screened again about four times a year: a day's share of a
// million is some 11,000 people, a second's work.
const Horizon = 90

// ScreeningWork counts the screening the service has done since it was
// made: full screenings of the register (screening.Run) for the current
// queue, and people screened one by one to bring it up to date. The
// stored screening is what keeps the first at zero after a restart.
type ScreeningWork struct {
	Full   int64 `json:"full"`
	People int64 `json:"people"`
}

// ScreeningWork is the screening done so far.
func (s *Service) ScreeningWork() ScreeningWork {
	return ScreeningWork{Full: s.work.full.Load(), People: s.work.people.Load()}
}

// screened returns the screening at the current head on today's date. It
// is kept in memory and in the store (store.CurrentScreening), and brought
// up to date, never started over: after a start from what the store holds,
// then for the events appended since (by this server or any other process)
// by screening again only the people they touch, and when the date moves
// only the people whose result may have changed by then (their
// NextChange). A full screening is the first one of a register, or after
// the rule pack changed, a facility changed, or the ledger or the date
// went back.
func (s *Service) screened(ctx context.Context) (*queueCache, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// The head and the events after it read from one place (see
	// store.SettleReads): a cache brought up to a head must hold all of it.
	ctx = store.SettleReads(ctx, s.st)
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
	if c != nil && c.head.Seq > head.Seq && store.ReplicaReadsAllowed(ctx) {
		// A read replica a moment behind the head this cache was brought
		// to by a reader of the primary: the cache is the newer state,
		// and screening everyone again for the older would be wasted.
		return c, nil
	}
	if asOf == domain.NoDate {
		return &queueCache{head: head, results: map[string]screening.Result{}}, nil
	}
	if c == nil {
		if c, err = s.loadScreened(ctx); err != nil {
			// The stored screening is derived: a damaged one is screened
			// again, not a reason to refuse the queue.
			s.log.Warn("the stored screening cannot be read; screening the register again", "err", err)
			c = nil
		}
	}
	if c == nil || c.asOf > asOf || c.head.Seq > head.Seq {
		return s.screenAll(ctx, asOf)
	}
	touched := map[string]bool{}
	full, steps := false, false
	err = s.st.Events(ctx, c.head.Seq+1, func(e store.StoredEvent) error {
		switch {
		case e.Seq > head.Seq:
			// Appended since the head was read: the next call's.
		case e.Kind == domain.KFollowUp:
			// The staff's work, not custody: the screening is unchanged.
			steps = true
		case e.Person != "":
			touched[e.Person] = true
		case e.Kind == domain.KFacility:
			full = true // a facility changed kind: everyone's facts may change
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if full {
		return s.screenAll(ctx, asOf)
	}
	next := &queueCache{head: head, asOf: asOf, results: make(map[string]screening.Result, len(c.results)),
		on: make(map[string]domain.Date, len(c.on)), steps: c.steps}
	shift := asOf.DaysSince(c.asOf)
	for id, r := range c.results {
		if r.NextChange <= asOf {
			touched[id] = true // expired: its rules may have changed by today
			continue
		}
		if shift > 0 && r.Traits.HasDaysLeft {
			r.Traits.DaysLeft -= shift
		}
		next.results[id], next.on[id] = r, c.on[id]
	}
	if steps {
		if next.steps, err = s.readSteps(ctx, c.steps, c.head.Seq+1, head.Seq); err != nil {
			return nil, err
		}
	}
	put, drop, err := s.rescreen(ctx, next, touched)
	if err != nil {
		return nil, err
	}
	if err := s.st.SaveCurrentScreening(ctx, store.ScreenedState{Seq: head.Seq, AsOf: asOf, Pack: s.pack.Hash}, false, put, drop); err != nil {
		// The queue is right in memory; the next start catches up from
		// further back.
		s.log.Warn("the current screening could not be stored", "err", err)
	}
	s.queue = next
	return next, nil
}

// screenAgain screens some people on their files up to head as of asOf,
// one at a time (screening.Screen, which gives the reasons in Khmer too):
// those a write touched, or the people of one page of the queue. People
// not held on asOf are left out.
func (s *Service) screenAgain(ctx context.Context, ids []string, head store.Head, asOf domain.Date, kinds screening.Kinds) (map[string]screening.Result, error) {
	stored, err := s.st.PersonEvents(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]screening.Result, len(ids))
	for _, id := range ids {
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
			out[id] = r
		}
	}
	return out, nil
}

// withKhmer gives the page's reasons in Khmer: the cached screening of the
// whole register keeps them in English only (a second language for a
// million people would double its memory), so the page's people are
// screened again, on the same ledger head and date, and their Khmer
// reasons taken from that.
func (s *Service) withKhmer(ctx context.Context, c *queueCache, page []screening.Result) error {
	var ids []string
	for _, r := range page {
		if len(r.Fired)+len(r.Upcoming)+len(r.Checks) > 0 {
			ids = append(ids, r.Person)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	kinds, err := s.kinds(ctx)
	if err != nil {
		return err
	}
	again, err := s.screenAgain(ctx, ids, c.head, c.asOf, kinds)
	if err != nil {
		return err
	}
	km := func(fs, from []screening.Fired) {
		for i := range fs {
			for _, f := range from {
				if f.Rule == fs[i].Rule {
					fs[i].ReasonKm = f.ReasonKm
				}
			}
		}
	}
	for i := range page {
		a, ok := again[page[i].Person]
		if !ok {
			continue
		}
		r := &page[i]
		r.Fired, r.Upcoming, r.Checks = slices.Clone(r.Fired), slices.Clone(r.Upcoming), slices.Clone(r.Checks)
		km(r.Fired, a.Fired)
		km(r.Upcoming, a.Upcoming)
		km(r.Checks, a.Checks)
	}
	return nil
}

// rescreen screens the people of ids again on c's date, at c's head, into
// c, and returns the rows to store and the people no longer held.
func (s *Service) rescreen(ctx context.Context, c *queueCache, ids map[string]bool) (put []store.ScreenedPerson, drop []string, err error) {
	if len(ids) == 0 {
		return nil, nil, nil
	}
	kinds, err := s.kinds(ctx)
	if err != nil {
		return nil, nil, err
	}
	list := make([]string, 0, len(ids))
	for id := range ids {
		list = append(list, id)
	}
	slices.Sort(list)
	// A few thousand at a time: after a month away every pretrial detainee
	// may be due.
	for len(list) > 0 {
		n := min(len(list), 2000)
		part := list[:n]
		list = list[n:]
		stored, err := s.st.PersonEvents(ctx, part)
		if err != nil {
			return nil, nil, err
		}
		for _, id := range part {
			r, held, err := s.screenOne(id, stored[id], kinds, c.head.Seq, c.asOf)
			if err != nil {
				return nil, nil, err
			}
			delete(c.results, id)
			delete(c.on, id)
			if !held {
				drop = append(drop, id)
				continue
			}
			b, err := screening.EncodeResult(s.pack, &r)
			if err != nil {
				return nil, nil, err
			}
			c.results[id], c.on[id] = r, c.asOf
			put = append(put, store.ScreenedPerson{Person: id, AsOf: c.asOf, NextChange: r.NextChange, Result: b})
		}
	}
	s.work.people.Add(int64(len(ids)))
	return put, drop, nil
}

// screenOne screens one person on asOf from their events up to the ledger
// sequence upTo, with the date of the result's next change.
func (s *Service) screenOne(id string, evs []store.StoredEvent, kinds screening.Kinds, upTo int64, asOf domain.Date) (screening.Result, bool, error) {
	// Keep to the head read, as a full screening does.
	for len(evs) > 0 && evs[len(evs)-1].Seq > upTo {
		evs = evs[:len(evs)-1]
	}
	dec, err := store.DecodeEvents(evs)
	if err != nil {
		return screening.Result{}, false, err
	}
	f, err := domain.Project(id, dec, kinds, asOf)
	if err != nil {
		return screening.Result{}, false, fmt.Errorf("folding the file of %s: %w", id, err)
	}
	r, ok := screening.ScreenAhead(s.pack, f, kinds, asOf, Within, Horizon)
	return r, ok, nil
}

// screenAll screens the whole register on asOf and stores the result: the
// first screening, and the one after anything that may change everyone's.
func (s *Service) screenAll(ctx context.Context, asOf domain.Date) (*queueCache, error) {
	s.work.full.Add(1)
	rep, err := screening.Run(ctx, s.st, s.pack, screening.Options{AsOf: asOf, Within: Within, Horizon: Horizon})
	if err != nil {
		return nil, fmt.Errorf("screening as of %s: %w", asOf, err)
	}
	c := &queueCache{head: rep.Head, asOf: asOf, results: make(map[string]screening.Result, rep.Len()),
		on: make(map[string]domain.Date, rep.Len())}
	put := make([]store.ScreenedPerson, 0, rep.Len())
	for r := range rep.Persons() {
		c.results[r.Person], c.on[r.Person] = r, asOf
		b, err := screening.EncodeResult(s.pack, &r)
		if err != nil {
			return nil, err
		}
		put = append(put, store.ScreenedPerson{Person: r.Person, AsOf: asOf, NextChange: r.NextChange, Result: b})
	}
	if c.steps, err = s.readSteps(ctx, nil, 0, rep.Head.Seq); err != nil {
		return nil, err
	}
	if err := s.st.SaveCurrentScreening(ctx, store.ScreenedState{Seq: rep.Head.Seq, AsOf: asOf, Pack: s.pack.Hash}, true, put, nil); err != nil {
		s.log.Warn("the current screening could not be stored", "err", err)
	}
	s.queue = c
	return c, nil
}

// loadScreened is the stored screening, in one read, or nil when there is
// none or it was made with another rule pack. Its head has the sequence
// only: the catch-up reads on from it.
func (s *Service) loadScreened(ctx context.Context) (*queueCache, error) {
	results := map[string]screening.Result{}
	on := map[string]domain.Date{}
	st, ok, err := s.st.CurrentScreening(ctx, func(p store.ScreenedPerson) error {
		r, err := screening.DecodeResult(s.pack, p.Result)
		if err != nil {
			return fmt.Errorf("%s: %w", p.Person, err)
		}
		results[p.Person], on[p.Person] = r, p.AsOf
		return nil
	})
	if err != nil || !ok {
		return nil, err
	}
	if st.Pack != s.pack.Hash {
		return nil, nil // decoded against the wrong rules; thrown away
	}
	for id, r := range results {
		// The days left of a sentence count down from the day screened.
		if d := st.AsOf.DaysSince(on[id]); d != 0 && r.Traits.HasDaysLeft {
			r.Traits.DaysLeft -= d
			results[id] = r
		}
	}
	c := &queueCache{head: store.Head{Seq: st.Seq}, asOf: st.AsOf, results: results, on: on}
	if c.steps, err = s.readSteps(ctx, nil, 0, st.Seq); err != nil {
		return nil, err
	}
	return c, nil
}

// rendered is rs with the reasons of those screened on another day than
// c's rendered again for c's date, so that the day counts in them are
// today's: their rules are the same until their next change, which has
// not come, but "held 41 days" was 40 yesterday. Only the rows asked for
// (a page) are screened again, from their files.
func (s *Service) rendered(ctx context.Context, c *queueCache, rs []screening.Result) ([]screening.Result, error) {
	var ids []string
	for _, r := range rs {
		if on, ok := c.on[r.Person]; ok && on != c.asOf {
			ids = append(ids, r.Person)
		}
	}
	if len(ids) == 0 {
		return rs, nil
	}
	kinds, err := s.kinds(ctx)
	if err != nil {
		return nil, err
	}
	stored, err := s.st.PersonEvents(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(rs)
	for i, r := range out {
		if on, ok := c.on[r.Person]; !ok || on == c.asOf {
			continue
		}
		fresh, held, err := s.screenOne(r.Person, stored[r.Person], kinds, c.head.Seq, c.asOf)
		if err != nil {
			return nil, err
		}
		if held {
			out[i] = fresh
		}
	}
	return out, nil
}

// facets counts rs by the values of each filter of the queue.
func (s *Service) facets(rs []screening.Result) Facets {
	t := screening.NewTally(s.pack)
	mech := map[domain.Mechanism]int{}
	for i := range rs {
		t.Add(&rs[i])
		var seen []domain.Mechanism
		for _, f := range rs[i].Fired {
			if f.Mechanism != "" && !slices.Contains(seen, f.Mechanism) {
				seen = append(seen, f.Mechanism)
				mech[f.Mechanism]++
			}
		}
	}
	sum := t.Summary()
	// Every list present, empty when no one has a value: clients iterate.
	out := Facets{Kind: []Facet{}, Rule: []Facet{}, Mechanism: []Facet{}, Group: []Facet{}, Facility: []Facet{}, Check: []Facet{},
		FollowUp: []Facet{}}
	for _, k := range sum.ByKind {
		if k.Persons > 0 {
			out.Kind = append(out.Kind, Facet{Value: string(k.Kind), People: k.Persons})
		}
	}
	titles := make(map[string]*rules.Rule, len(s.pack.Rules))
	for _, r := range s.pack.Rules {
		titles[r.ID] = r
	}
	for _, c := range sum.ByRule {
		if c.Fired == 0 && c.Upcoming == 0 {
			continue
		}
		r := titles[c.Rule]
		f := Facet{Value: c.Rule, Title: r.Title, People: c.Fired, Upcoming: c.Upcoming}
		out.Rule = append(out.Rule, f)
		if r.Kind == rules.Priority && c.Fired > 0 {
			f.Upcoming = 0
			out.Group = append(out.Group, f)
		}
	}
	for _, m := range domain.Mechanisms {
		if mech[m] > 0 {
			out.Mechanism = append(out.Mechanism, Facet{Value: string(m), People: mech[m]})
		}
	}
	for _, fc := range sum.ByFacility {
		out.Facility = append(out.Facility, Facet{Value: fc.Facility, People: fc.Screened})
	}
	for _, c := range sum.DataToCheck {
		if c.People > 0 {
			out.Check = append(out.Check, Facet{Value: c.Check, Title: c.Title, People: c.People})
		}
	}
	return out
}

// screenedOn is the screening on date d: the current one, kept up to date
// after every write, when d is the register's date or not given; another
// date is screened in full and kept until the ledger or the date changes
// (a lawyer looking back at the end of a month pages through one date).
func (s *Service) screenedOn(ctx context.Context, d domain.Date) (*queueCache, error) {
	latest, err := s.AsOf(ctx)
	if err != nil {
		return nil, err
	}
	if d == domain.NoDate || d == latest {
		return s.screened(ctx)
	}
	if latest != domain.NoDate && d > latest.AddDays(MaxAhead) {
		return nil, domain.Invalid("as_of", "no later than %s: a screening looks at most %d days past today (%s)",
			latest.AddDays(MaxAhead), MaxAhead, latest)
	}
	// Its own lock: a full screening of another date must not hold up the
	// current queue other users are working.
	s.datedMu.Lock()
	defer s.datedMu.Unlock()
	head, err := s.st.Head(ctx)
	if err != nil {
		return nil, err
	}
	if c := s.dated; c != nil && c.head == head && c.asOf == d {
		return c, nil
	}
	rep, err := screening.Run(ctx, s.st, s.pack, screening.Options{AsOf: d, Within: Within})
	if err != nil {
		return nil, fmt.Errorf("screening as of %s: %w", d, err)
	}
	c := &queueCache{head: rep.Head, asOf: d, results: make(map[string]screening.Result, rep.Len())}
	for r := range rep.Persons() {
		c.results[r.Person] = r
	}
	if c.steps, err = s.readSteps(ctx, nil, 0, rep.Head.Seq); err != nil {
		return nil, err
	}
	s.dated = c
	return c, nil
}
