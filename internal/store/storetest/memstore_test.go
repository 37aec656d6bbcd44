package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// memStore is an in-memory store.Store that keeps the same rows a database
// would (not the files themselves), to check the suite and document the
// semantics it expects. Readers see the committed state; a writer (Append,
// BeginAppend, ReplaceProjections) holds the write lock, works on a copy and
// swaps it in on commit.
type memStore struct {
	wmu    sync.Mutex // the write lock
	mu     sync.Mutex // guards st and closed
	closed bool
	st     *memState
	// screenings is a cache outside the ledger, kept as the database keeps it.
	screenings map[domain.Date][]store.ScreeningSummary
	// screened and screenedState are the stored current screening.
	screened      map[string]store.ScreenedPerson
	screenedState *store.ScreenedState
}

// memState is the content of the store: what its tables hold.
type memState struct {
	events     []store.StoredEvent // events[i].Seq == i+1
	facilities map[string]store.Facility
	capacities map[capKey]store.Capacity
	cells      map[cellKey]store.Cell
	census     map[int64]store.Census
	persons    map[string]*personRows // rows are never changed in place
	audit      []store.AuditEntry
	keys       map[[2]string]store.IdempotencyKey
}

func (s *memState) clone() *memState {
	return &memState{events: slices.Clip(s.events), facilities: maps.Clone(s.facilities),
		capacities: maps.Clone(s.capacities), cells: maps.Clone(s.cells), census: maps.Clone(s.census),
		persons: maps.Clone(s.persons), audit: slices.Clip(s.audit), keys: maps.Clone(s.keys)}
}

func (s *memState) head() store.Head {
	if n := len(s.events); n > 0 {
		return store.Head{Seq: s.events[n-1].Seq, Hash: s.events[n-1].Hash}
	}
	return store.Head{Hash: domain.GenesisHash}
}

type capKey struct {
	facility string
	from     domain.Date
}

type cellKey struct{ facility, label string }

// personRows are the projection rows of one person.
type personRows struct {
	person   store.Person
	stays    []domain.Stay
	episodes []domain.Episode
	flags    []domain.Flag
}

func rowsOf(f *domain.PersonFile) *personRows {
	return &personRows{person: store.PersonOf(f), stays: slices.Clone(f.Stays),
		episodes: slices.Clone(f.Episodes), flags: slices.Clone(f.Flags)}
}

// file rebuilds the parts of a file the rows keep: what DigestFile covers.
func (r *personRows) file() *domain.PersonFile {
	p := r.person
	return &domain.PersonFile{ID: p.ID, Registered: true,
		Identity: domain.PersonData{Name: p.Name, Sex: p.Sex, DOB: p.DOB, DOBBasis: p.DOBBasis, Nationality: p.Nationality},
		State: domain.PersonState{InCustody: p.InCustody, Facility: p.Facility, Cell: p.Cell, Status: p.Status,
			Admitted: p.Admitted, LastDate: p.LastDate, Exit: p.ExitKind, ExitDate: p.ExitDate, Mechanism: p.Mechanism},
		Stays: slices.Clone(r.stays), Episodes: slices.Clone(r.episodes), Flags: slices.Clone(r.flags)}
}

func newMemStore() *memStore {
	return &memStore{st: &memState{facilities: map[string]store.Facility{}, capacities: map[capKey]store.Capacity{},
		cells: map[cellKey]store.Cell{}, census: map[int64]store.Census{}, persons: map[string]*personRows{}}}
}

var errClosed = errors.New("memstore: closed")

// state returns the committed state, which readers may use without a lock:
// a state is never changed once committed.
func (m *memStore) state() (*memState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, errClosed
	}
	return m.st, nil
}

func (m *memStore) Dialect() string { return "memory" }

func (m *memStore) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}

func (m *memStore) Head(ctx context.Context) (store.Head, error) {
	st, err := m.state()
	if err != nil {
		return store.Head{}, err
	}
	return st.head(), nil
}

func (m *memStore) LatestDate(ctx context.Context) (domain.Date, error) {
	st, err := m.state()
	if err != nil {
		return domain.NoDate, err
	}
	latest := domain.NoDate
	for _, e := range st.events {
		latest = max(latest, e.Date)
	}
	return latest, nil
}

func (m *memStore) Append(ctx context.Context, b *store.Batch) error {
	a, err := m.BeginAppend(ctx)
	if err != nil {
		return err
	}
	defer a.Rollback(ctx)
	if err := a.Write(ctx, b); err != nil {
		return err
	}
	return a.Commit(ctx)
}

// memAppender is an open write transaction: it holds the write lock and
// changes a copy of the state.
type memAppender struct {
	m         *memStore
	st        *memState
	done      bool
	noPersons bool
}

func (m *memStore) BeginAppend(ctx context.Context) (store.Appender, error) {
	m.wmu.Lock()
	st, err := m.state()
	if err != nil {
		m.wmu.Unlock()
		return nil, err
	}
	return &memAppender{m: m, st: st.clone(), noPersons: len(st.persons) == 0}, nil
}

func (a *memAppender) NoPersons() bool { return a.noPersons }

func (a *memAppender) IdempotencyKey(ctx context.Context, user, key string) (store.IdempotencyKey, bool, error) {
	k, ok := a.st.keys[[2]string{user, key}]
	return k, ok, nil
}

func (a *memAppender) PutIdempotencyKey(ctx context.Context, k store.IdempotencyKey, expiredBefore time.Time) error {
	maps.DeleteFunc(a.st.keys, func(_ [2]string, v store.IdempotencyKey) bool { return v.Created.Before(expiredBefore) })
	if _, ok := a.st.keys[[2]string{k.User, k.Key}]; ok {
		return errors.New("memstore: idempotency key exists")
	}
	if a.st.keys == nil {
		a.st.keys = map[[2]string]store.IdempotencyKey{}
	}
	a.st.keys[[2]string{k.User, k.Key}] = k
	return nil
}

func (m *memStore) IdempotencyKey(ctx context.Context, user, key string) (store.IdempotencyKey, bool, error) {
	st, err := m.state()
	if err != nil {
		return store.IdempotencyKey{}, false, err
	}
	k, ok := st.keys[[2]string{user, key}]
	return k, ok, nil
}

func (a *memAppender) AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	if a.done {
		return e, errors.New("memstore: transaction already finished")
	}
	head := store.Head{Hash: domain.GenesisHash}
	if n := len(a.st.audit); n > 0 {
		head = store.Head{Seq: a.st.audit[n-1].Seq, Hash: a.st.audit[n-1].Hash}
	}
	e = e.Follow(head)
	a.st.audit = append(a.st.audit, e)
	return e, nil
}

func (a *memAppender) Commitments(ctx context.Context) ([]store.StoredEvent, error) {
	if a.done {
		return nil, errors.New("memstore: transaction already finished")
	}
	return memCommitments(a.st), nil
}

func (a *memAppender) EstateChangedSince(ctx context.Context, seq int64) (bool, error) {
	if a.done {
		return false, errors.New("memstore: transaction already finished")
	}
	for _, e := range a.st.events[min(max(seq, 0), int64(len(a.st.events))):] {
		if e.Kind == domain.KFacility || e.Kind == domain.KCell || e.Kind == domain.KCorrection {
			return true, nil
		}
	}
	return false, nil
}

func (a *memAppender) Visits(ctx context.Context, facility string) ([]store.StoredEvent, error) {
	if a.done {
		return nil, errors.New("memstore: transaction already finished")
	}
	return memVisits(a.st, facility), nil
}

func (a *memAppender) Head() store.Head { return a.st.head() }

func (a *memAppender) Commit(ctx context.Context) error {
	if a.done {
		return errors.New("memstore: transaction already finished")
	}
	a.done = true
	if err := ctx.Err(); err != nil {
		// Cancelled before it took effect: nothing is written.
		a.m.wmu.Unlock()
		return fmt.Errorf("memstore: committing: %w", err)
	}
	defer a.m.wmu.Unlock()
	a.m.mu.Lock()
	defer a.m.mu.Unlock()
	if a.m.closed {
		return errClosed
	}
	a.m.st = a.st
	return nil
}

func (a *memAppender) Rollback(ctx context.Context) error {
	if !a.done {
		a.done = true
		a.m.wmu.Unlock()
	}
	return nil
}

func (a *memAppender) PersonEvents(ctx context.Context, ids []string) (map[string][]store.StoredEvent, error) {
	if a.done {
		return nil, errors.New("memstore: transaction already finished")
	}
	return memPersonEvents(a.st, ids), nil
}

func (a *memAppender) Event(ctx context.Context, seq int64) (store.StoredEvent, bool, error) {
	if a.done {
		return store.StoredEvent{}, false, errors.New("memstore: transaction already finished")
	}
	e, ok := memEvent(a.st, seq)
	return e, ok, nil
}

// Write checks everything a database would refuse before changing anything,
// so that a failed Write leaves the transaction as it was.
func (a *memAppender) Write(ctx context.Context, b *store.Batch) error {
	if a.done {
		return errors.New("memstore: transaction already finished")
	}
	st := a.st
	h := st.head()
	if len(b.Events) > 0 {
		if first := b.Events[0]; first.Seq != h.Seq+1 || first.Prev != h.Hash {
			return fmt.Errorf("appending seq %d after %d: %w", first.Seq, h.Seq, store.ErrChainConflict)
		}
	}
	seqs := map[int64]bool{}
	for _, e := range b.Events {
		if e.Seq <= h.Seq || seqs[e.Seq] {
			return fmt.Errorf("memstore: duplicate event seq %d", e.Seq)
		}
		seqs[e.Seq] = true
	}
	for i, e := range b.Events {
		if e.Seq != h.Seq+int64(i)+1 {
			// A database would store the gap; the fake keeps events dense.
			return fmt.Errorf("memstore: event seq %d out of order", e.Seq)
		}
	}
	ids := map[string]bool{}
	for _, f := range b.Persons {
		if ids[f.ID] {
			return fmt.Errorf("memstore: person %s twice in a batch", f.ID)
		}
		ids[f.ID] = true
		if _, ok := st.persons[f.ID]; ok && b.NewPersons {
			return fmt.Errorf("memstore: person %s already exists", f.ID)
		}
	}
	for _, e := range b.Events {
		st.events = append(st.events, cloneEvent(e))
	}
	for _, f := range b.Persons {
		st.persons[f.ID] = rowsOf(f)
	}
	for _, f := range b.Facilities {
		st.facilities[f.ID] = f
	}
	for _, c := range b.Capacities {
		st.capacities[capKey{c.Facility, c.From}] = c
	}
	for _, c := range b.Cells {
		st.cells[cellKey{c.Facility, c.Label}] = c
	}
	for _, c := range b.Census {
		st.census[c.Seq] = c
	}
	return nil
}

func cloneEvent(e store.StoredEvent) store.StoredEvent {
	e.Body = slices.Clone(e.Body)
	return e
}

func (m *memStore) Events(ctx context.Context, from int64, fn func(store.StoredEvent) error) error {
	st, err := m.state()
	if err != nil {
		return err
	}
	for _, e := range st.events {
		if e.Seq < from {
			continue
		}
		if err := fn(cloneEvent(e)); err != nil {
			return err
		}
	}
	return nil
}

func (m *memStore) PersonEvents(ctx context.Context, ids []string) (map[string][]store.StoredEvent, error) {
	st, err := m.state()
	if err != nil {
		return nil, err
	}
	return memPersonEvents(st, ids), nil
}

func memPersonEvents(st *memState, ids []string) map[string][]store.StoredEvent {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	out := map[string][]store.StoredEvent{}
	for _, e := range st.events {
		if e.Person != "" && want[e.Person] {
			out[e.Person] = append(out[e.Person], cloneEvent(e))
		}
	}
	return out
}

func (m *memStore) EventsByPerson(ctx context.Context, fn func(string, []store.StoredEvent) error) error {
	st, err := m.state()
	if err != nil {
		return err
	}
	by := map[string][]store.StoredEvent{}
	for _, e := range st.events {
		if e.Person != "" {
			by[e.Person] = append(by[e.Person], cloneEvent(e))
		}
	}
	ids := make([]string, 0, len(by))
	for id := range by {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if err := fn(id, by[id]); err != nil {
			return err
		}
	}
	return nil
}

func (m *memStore) Event(ctx context.Context, seq int64) (store.StoredEvent, bool, error) {
	st, err := m.state()
	if err != nil {
		return store.StoredEvent{}, false, err
	}
	e, ok := memEvent(st, seq)
	return e, ok, nil
}

func memEvent(st *memState, seq int64) (store.StoredEvent, bool) {
	if seq < 1 || seq > int64(len(st.events)) {
		return store.StoredEvent{}, false
	}
	return cloneEvent(st.events[seq-1]), true
}

func values[K comparable, V any](m map[K]V) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func (m *memStore) Facilities(ctx context.Context) ([]store.Facility, error) {
	st, err := m.state()
	if err != nil {
		return nil, err
	}
	return values(st.facilities), nil
}

func (m *memStore) Cells(ctx context.Context) ([]store.Cell, error) {
	st, err := m.state()
	if err != nil {
		return nil, err
	}
	return values(st.cells), nil
}

func (m *memStore) Capacities(ctx context.Context) ([]store.Capacity, error) {
	st, err := m.state()
	if err != nil {
		return nil, err
	}
	return values(st.capacities), nil
}

func (m *memStore) Census(ctx context.Context) ([]store.Census, error) {
	st, err := m.state()
	if err != nil {
		return nil, err
	}
	return values(st.census), nil
}

func (m *memStore) Persons(ctx context.Context, ids []string) (map[string]store.Person, error) {
	st, err := m.state()
	if err != nil {
		return nil, err
	}
	out := map[string]store.Person{}
	for _, id := range ids {
		if r, ok := st.persons[id]; ok {
			out[id] = r.person
		}
	}
	return out, nil
}

func (m *memStore) PersonExists(ctx context.Context, ids []string) (map[string]bool, error) {
	st, err := m.state()
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, id := range ids {
		_, out[id] = st.persons[id]
	}
	return out, nil
}

func inStay(st domain.Stay, asOf domain.Date) bool { return st.From <= asOf && asOf < st.To }

// AgeBands: the memstore groups by the default bands.
func (m *memStore) AgeBands() []int { return domain.AgeBands() }

func (m *memStore) Population(ctx context.Context, asOf domain.Date) ([]store.PopRow, error) {
	st, err := m.state()
	if err != nil {
		return nil, err
	}
	counts := map[store.PopRow]int{}
	for _, r := range st.persons {
		for _, st := range r.stays {
			if !inStay(st, asOf) {
				continue
			}
			band := -1
			if st.DOB != domain.NoDate {
				age := (int(asOf) - int(st.DOB)) / 10000
				for _, lo := range m.AgeBands() {
					if age >= lo {
						band = lo
					}
				}
			}
			counts[store.PopRow{Facility: st.Facility, Sex: st.Sex, Status: st.Status, Drug: st.Drug, AgeBand: band}]++
		}
	}
	out := make([]store.PopRow, 0, len(counts))
	for k, n := range counts {
		k.Count = n
		out = append(out, k)
	}
	return out, nil
}

func (m *memStore) CapacityOn(ctx context.Context, asOf domain.Date) ([]store.Capacity, error) {
	st, err := m.state()
	if err != nil {
		return nil, err
	}
	best := map[string]store.Capacity{}
	for _, c := range st.capacities {
		if c.From > asOf {
			continue
		}
		if b, ok := best[c.Facility]; !ok || c.From > b.From {
			best[c.Facility] = c
		}
	}
	return values(best), nil
}

func (m *memStore) FlagsOn(ctx context.Context, asOf domain.Date) ([]store.FlagRow, error) {
	st, err := m.state()
	if err != nil {
		return nil, err
	}
	type key struct {
		facility string
		kind     domain.FlagKind
	}
	counts := map[key]int{}
	for _, r := range st.persons {
		fac := ""
		for _, st := range r.stays {
			if inStay(st, asOf) {
				fac = st.Facility
			}
		}
		if fac == "" {
			continue
		}
		kinds := map[domain.FlagKind]int{}
		for _, fl := range r.flags {
			if fl.From <= asOf && asOf < fl.To {
				kinds[fl.Kind]++
			}
		}
		for k, n := range kinds {
			if k != domain.FlagChild {
				n = 1
			}
			counts[key{fac, k}] += n
		}
	}
	var out []store.FlagRow
	for k, n := range counts {
		out = append(out, store.FlagRow{Facility: k.facility, Kind: k.kind, Count: n})
	}
	return out, nil
}

func (m *memStore) Strata(ctx context.Context, asOf domain.Date, bands []int, dormitoryFrom int) ([]store.StratumRow, error) {
	return m.strata(asOf, nil, bands, dormitoryFrom)
}

func (m *memStore) StrataOf(ctx context.Context, asOf domain.Date, ids []string, bands []int, dormitoryFrom int) ([]store.StratumRow, error) {
	only := map[string]bool{}
	for _, id := range ids {
		only[id] = true
	}
	return m.strata(asOf, only, bands, dormitoryFrom)
}

// strata counts everyone held (only nil) or the people in only.
func (m *memStore) strata(asOf domain.Date, only map[string]bool, bands []int, dormitoryFrom int) ([]store.StratumRow, error) {
	if err := domain.CheckAgeBands(bands); err != nil {
		return nil, err
	}
	st, err := m.state()
	if err != nil {
		return nil, err
	}
	type key struct {
		facility string
		band     int
		chronic  bool
		housing  store.Housing
	}
	counts := map[key]int{}
	for id, r := range st.persons {
		if only != nil && !only[id] {
			continue
		}
		for _, s := range r.stays {
			if !inStay(s, asOf) {
				continue
			}
			k := key{facility: s.Facility, band: domain.AgeBandOf(bands, s.DOB.AgeOn(asOf))}
			for _, fl := range r.flags {
				k.chronic = k.chronic || fl.Kind == domain.FlagChronic && fl.From <= asOf && asOf < fl.To
			}
			if c, ok := st.cells[cellKey{s.Facility, s.Cell}]; ok {
				k.housing = store.HousingCell
				if c.Capacity >= dormitoryFrom {
					k.housing = store.HousingDormitory
				}
			}
			counts[k]++
		}
	}
	var out []store.StratumRow
	for k, n := range counts {
		out = append(out, store.StratumRow{Facility: k.facility, AgeBand: k.band, Chronic: k.chronic, Housing: k.housing, Count: n})
	}
	return out, nil
}

func (m *memStore) CellsOn(ctx context.Context, asOf domain.Date, limit int) ([]store.CellCount, error) {
	st, err := m.state()
	if err != nil {
		return nil, err
	}
	counts := map[cellKey]int{}
	for _, r := range st.persons {
		for _, st := range r.stays {
			if inStay(st, asOf) && st.Cell != "" {
				counts[cellKey{st.Facility, st.Cell}]++
			}
		}
	}
	var out []store.CellCount
	for k, n := range counts {
		out = append(out, store.CellCount{Facility: k.facility, Cell: k.label, Count: n})
	}
	slices.SortFunc(out, func(a, b store.CellCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Facility, b.Facility), cmp.Compare(a.Cell, b.Cell))
	})
	if limit >= 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (m *memStore) Admissions(ctx context.Context, from, to domain.Date) (all, drug []store.FacilityCount, err error) {
	st, err := m.state()
	if err != nil {
		return nil, nil, err
	}
	a, dr := map[string]int{}, map[string]int{}
	for _, r := range st.persons {
		for _, e := range r.episodes {
			if from <= e.Admitted && e.Admitted <= to {
				a[e.FacilityIn]++
				if e.Drug {
					dr[e.FacilityIn]++
				}
			}
		}
	}
	for f, n := range a {
		all = append(all, store.FacilityCount{Facility: f, Count: n})
		drug = append(drug, store.FacilityCount{Facility: f, Count: dr[f]}) // zero rows included
	}
	return all, drug, nil
}

func (m *memStore) Releases(ctx context.Context, from, to domain.Date) ([]store.MechanismCount, error) {
	st, err := m.state()
	if err != nil {
		return nil, err
	}
	counts := map[store.MechanismCount]int{}
	for _, r := range st.persons {
		for _, e := range r.episodes {
			if e.EndKind == domain.KRelease && from <= e.Ended && e.Ended <= to {
				counts[store.MechanismCount{Facility: e.FacilityOut, Mechanism: e.Mechanism}]++
			}
		}
	}
	var out []store.MechanismCount
	for k, n := range counts {
		k.Count = n
		out = append(out, k)
	}
	return out, nil
}

func (m *memStore) ProjectionDigests(ctx context.Context, fn func(string, store.Digest) error) error {
	st, err := m.state()
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(st.persons))
	for id := range st.persons {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if err := fn(id, store.DigestFile(st.persons[id].file())); err != nil {
			return err
		}
	}
	return nil
}

// AggregateProblems finds none: memStore answers from the stays themselves.
func (m *memStore) AggregateProblems(ctx context.Context, limit int) ([]string, error) {
	return nil, nil
}

func (m *memStore) ReplaceProjections(ctx context.Context, files func(yield func(*domain.PersonFile) error) error) error {
	// Like a database transaction: build the new rows, and swap them in only
	// when all of them were produced.
	a, err := m.BeginAppend(ctx)
	if err != nil {
		return err
	}
	defer a.Rollback(ctx)
	fresh := map[string]*personRows{}
	err = files(func(f *domain.PersonFile) error {
		if _, ok := fresh[f.ID]; ok {
			return fmt.Errorf("memstore: person %s twice in a rebuild", f.ID)
		}
		fresh[f.ID] = rowsOf(f)
		return nil
	})
	if err != nil {
		return err
	}
	ma := a.(*memAppender)
	ma.st.persons = fresh
	return ma.Commit(ctx)
}

func (m *memStore) PopulationOn(ctx context.Context, days []domain.Date) (map[domain.Date][]store.PopRow, error) {
	out := map[domain.Date][]store.PopRow{}
	for _, day := range days {
		pop, err := m.Population(ctx, day)
		if err != nil {
			return nil, err
		}
		out[day] = pop
	}
	return out, nil
}

func (m *memStore) Held(ctx context.Context, asOf domain.Date, cells int) ([]store.PopRow, []store.CellCount, error) {
	pop, err := m.Population(ctx, asOf)
	if err != nil {
		return nil, nil, err
	}
	cc, err := m.CellsOn(ctx, asOf, cells)
	return pop, cc, err
}

func (m *memStore) Commitments(ctx context.Context) ([]store.StoredEvent, error) {
	st, err := m.state()
	if err != nil {
		return nil, err
	}
	return memCommitments(st), nil
}

func (m *memStore) FollowUps(ctx context.Context, from int64, fn func(store.StoredEvent) error) error {
	st, err := m.state()
	if err != nil {
		return err
	}
	for _, e := range st.events {
		if e.Kind == domain.KFollowUp && e.Seq >= from {
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *memStore) Visits(ctx context.Context, facility string) ([]store.StoredEvent, error) {
	st, err := m.state()
	if err != nil {
		return nil, err
	}
	return memVisits(st, facility), nil
}

func memVisits(st *memState, facility string) []store.StoredEvent {
	var out []store.StoredEvent
	for _, e := range st.events {
		if e.Kind == domain.KVisit && (facility == "" || e.Facility == facility) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b store.StoredEvent) int {
		return cmp.Or(cmp.Compare(a.Facility, b.Facility), cmp.Compare(a.Date, b.Date), cmp.Compare(a.Seq, b.Seq))
	})
	return out
}

func memCommitments(st *memState) []store.StoredEvent {
	var out []store.StoredEvent
	for _, e := range st.events {
		switch e.Kind {
		case domain.KPledge, domain.KDeclaration, domain.KReform:
			out = append(out, e)
		}
	}
	return out
}

func (m *memStore) ReleaseRows(ctx context.Context, from, to domain.Date) ([]store.ReleaseRow, error) {
	st, err := m.state()
	if err != nil {
		return nil, err
	}
	var out []store.ReleaseRow
	for _, r := range st.persons {
		for _, e := range r.episodes {
			if e.EndKind != domain.KRelease || e.Ended < from || e.Ended > to {
				continue
			}
			rr := store.ReleaseRow{Date: e.Ended, Facility: e.FacilityOut, Mechanism: e.Mechanism, Sex: r.person.Sex,
				DOB: r.person.DOB, Status: e.StatusAtEnd, Drug: e.Drug}
			for _, f := range r.flags {
				if f.From < e.Ended && f.To >= e.Ended && !slices.Contains(rr.Flags, f.Kind) {
					rr.Flags = append(rr.Flags, f.Kind)
				}
			}
			slices.Sort(rr.Flags)
			out = append(out, rr)
		}
	}
	slices.SortStableFunc(out, func(a, b store.ReleaseRow) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.Facility, b.Facility), cmp.Compare(a.Mechanism, b.Mechanism))
	})
	return out, nil
}

func (m *memStore) PopulationChanges(ctx context.Context) ([]store.PopChange, error) {
	st, err := m.state()
	if err != nil {
		return nil, err
	}
	type key struct {
		date domain.Date
		fac  string
	}
	acc := map[key]*store.PopChange{}
	get := func(d domain.Date, f string) *store.PopChange {
		c := acc[key{d, f}]
		if c == nil {
			c = &store.PopChange{Month: d, Facility: f}
			acc[key{d, f}] = c
		}
		return c
	}
	monthEnd := func(d domain.Date) domain.Date { return (d/100*100 + 1).AddMonths(1).AddDays(-1) }
	for _, r := range st.persons {
		for _, s := range r.stays {
			if s.To <= s.From {
				continue
			}
			get(monthEnd(s.From), s.Facility).In++
			if s.To != domain.OpenEnd {
				get(monthEnd(s.To), s.Facility).Out++
			}
		}
	}
	out := make([]store.PopChange, 0, len(acc))
	for _, c := range acc {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b store.PopChange) int {
		return cmp.Or(cmp.Compare(a.Month, b.Month), cmp.Compare(a.Facility, b.Facility))
	})
	return out, nil
}

func (m *memStore) SaveScreening(ctx context.Context, s store.ScreeningSummary) error {
	m.wmu.Lock()
	defer m.wmu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errClosed
	}
	if m.screenings == nil {
		m.screenings = map[domain.Date][]store.ScreeningSummary{}
	}
	s.Counts = slices.Clone(s.Counts)
	list := slices.DeleteFunc(slices.Clone(m.screenings[s.AsOf]), func(o store.ScreeningSummary) bool { return o.Pack == s.Pack })
	m.screenings[s.AsOf] = append(list, s)
	return nil
}

func (m *memStore) Screening(ctx context.Context, asOf domain.Date) (store.ScreeningSummary, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return store.ScreeningSummary{}, false, errClosed
	}
	var best store.ScreeningSummary
	found := false
	for _, s := range m.screenings[asOf] {
		if !found || s.ComputedAt > best.ComputedAt || (s.ComputedAt == best.ComputedAt && s.Pack < best.Pack) {
			best, found = s, true
		}
	}
	best.Counts = slices.Clone(best.Counts)
	slices.SortFunc(best.Counts, func(a, b store.ScreeningCount) int {
		return cmp.Or(cmp.Compare(a.Facility, b.Facility), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Rule, b.Rule))
	})
	return best, found, nil
}

func (m *memStore) CurrentScreening(ctx context.Context, fn func(store.ScreenedPerson) error) (store.ScreenedState, bool, error) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return store.ScreenedState{}, false, errClosed
	}
	if m.screenedState == nil {
		m.mu.Unlock()
		return store.ScreenedState{}, false, nil
	}
	st := *m.screenedState
	rows := slices.Collect(maps.Values(m.screened))
	m.mu.Unlock()
	slices.SortFunc(rows, func(a, b store.ScreenedPerson) int { return cmp.Compare(a.Person, b.Person) })
	for _, r := range rows {
		r.Result = slices.Clone(r.Result)
		if err := fn(r); err != nil {
			return store.ScreenedState{}, false, err
		}
	}
	return st, true, nil
}

func (m *memStore) SaveCurrentScreening(ctx context.Context, st store.ScreenedState, all bool, put []store.ScreenedPerson, drop []string) error {
	m.wmu.Lock()
	defer m.wmu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errClosed
	}
	for _, p := range put {
		if p.Person == "" || p.Result == nil {
			return fmt.Errorf("saving the current screening: a row with no person or no result")
		}
	}
	next := maps.Clone(m.screened)
	if all || next == nil {
		next = map[string]store.ScreenedPerson{}
	}
	if !all {
		for _, id := range drop {
			delete(next, id)
		}
	}
	for _, p := range put {
		p.Result = slices.Clone(p.Result)
		next[p.Person] = p
	}
	m.screened, m.screenedState = next, &st
	return nil
}

func (m *memStore) CountEvents(ctx context.Context, kind domain.Kind, from, to domain.Date) (int, error) {
	st, err := m.state()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range st.events {
		if e.Kind == kind && from <= e.Date && e.Date <= to {
			n++
		}
	}
	return n, nil
}
