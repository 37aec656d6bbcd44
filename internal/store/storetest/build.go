package storetest

import (
	"fmt"
	"maps"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// The audit fields the helpers put on every event they make.
const (
	RecordedAt = "2025-01-02T03:04:05Z"
	RecordedBy = "storetest"
)

// Lookup is a domain.FacilityLookup over a map of facility kinds.
type Lookup map[string]domain.FacilityKind

// FacilityKind implements domain.FacilityLookup.
func (l Lookup) FacilityKind(id string) (domain.FacilityKind, bool) {
	k, ok := l[id]
	return k, ok
}

// NewEvent makes an unsealed event with the helpers' audit fields.
func NewEvent(kind domain.Kind, date domain.Date, person, facility string, data any) *domain.Event {
	return &domain.Event{Kind: kind, Date: date, Person: person, Facility: facility,
		RecordedAt: RecordedAt, RecordedBy: RecordedBy, Data: data}
}

// Seal gives ev the sequence number and previous hash that follow head,
// encodes its canonical body and hashes it. It returns the ledger row and the
// head after the event.
func Seal(head store.Head, ev *domain.Event) (store.StoredEvent, store.Head, error) {
	ev.Seq = head.Seq + 1
	ev.Prev, ev.Hash = "", ""
	body, err := domain.Body(ev)
	if err != nil {
		return store.StoredEvent{}, head, err
	}
	ev.Prev, ev.Hash = head.Hash, domain.ChainHash(head.Hash, body)
	return StoredOf(ev, body), store.Head{Seq: ev.Seq, Hash: ev.Hash}, nil
}

// StoredOf is the ledger row of a sealed event with its canonical body: the
// index columns are copied from the event.
func StoredOf(ev *domain.Event, body []byte) store.StoredEvent {
	return store.StoredEvent{Seq: ev.Seq, Kind: ev.Kind, Date: ev.Date, Person: ev.Person, Facility: ev.Facility,
		Body: body, Prev: ev.Prev, Hash: ev.Hash}
}

// Decode parses a ledger row back into an event with typed data, as the
// person fold needs it.
func Decode(se store.StoredEvent) (*domain.Event, error) {
	ev, err := domain.DecodeEvent(se.Body)
	if err != nil {
		return nil, fmt.Errorf("decoding event %d: %w", se.Seq, err)
	}
	ev.Seq, ev.Prev, ev.Hash = se.Seq, se.Prev, se.Hash
	return ev, nil
}

// FileOf projects a person's decoded events (in sequence order) into their
// file, as of the end of the ledger.
func FileOf(id string, evs []*domain.Event, fac domain.FacilityLookup) (*domain.PersonFile, error) {
	f, err := domain.Project(id, evs, fac, domain.NoDate)
	if err != nil {
		return nil, fmt.Errorf("projecting %s: %w", id, err)
	}
	return f, nil
}

// Builder prepares one batch that continues a ledger: each event added is
// sealed at once (so its sequence number is known), and Build projects the
// files of the persons the batch touches. The facility, cell and census rows
// of the batch are those domain.Estate, the one fold of the estate, gives
// for its events, as the ledger writer would send them. A Builder is not
// safe for concurrent use.
type Builder struct {
	ledger      *Ledger // nil for a standalone builder: every person is new
	start, head store.Head
	estate      *domain.Estate // the facilities only, as the writer keeps them
	events      []store.StoredEvent
	decoded     []*domain.Event
	persons     []string
	pevs        map[string][]*domain.Event
	facilities  []store.Facility
	capacities  []store.Capacity
	cells       []store.Cell
	census      []store.Census
	built       *store.Batch
	err         error
}

// NewBuilder starts a batch after head, for a ledger whose facilities are
// known (the batch may register more); all persons are taken as new. Only
// the facilities' kinds are known, so a record of one of them in the batch
// counts as its latest.
func NewBuilder(head store.Head, facilities Lookup) *Builder {
	e := &domain.Estate{Facilities: make(map[string]domain.Facility, len(facilities))}
	for id, kind := range facilities {
		e.Facilities[id] = domain.Facility{ID: id, Kind: kind}
	}
	return &Builder{start: head, head: head, estate: e, pevs: map[string][]*domain.Event{}}
}

// Start is the head the batch continues; Head is the head after it.
func (b *Builder) Start() store.Head { return b.start }

// Head is the ledger head after the events added so far.
func (b *Builder) Head() store.Head { return b.head }

// Decoded returns the events added so far, decoded from their bodies.
func (b *Builder) Decoded() []*domain.Event { return b.decoded }

// Err is the first error met while adding events.
func (b *Builder) Err() error { return b.err }

// Add seals ev after the events added so far and records the rows it implies.
// It returns the event's sequence number (0 after an error, see Err).
func (b *Builder) Add(ev *domain.Event) int64 {
	if b.err != nil {
		return 0
	}
	if b.built != nil {
		b.err = fmt.Errorf("event added after Build")
		return 0
	}
	se, next, err := Seal(b.head, ev)
	if err != nil {
		b.err = err
		return 0
	}
	dev, err := Decode(se)
	if err != nil {
		b.err = err
		return 0
	}
	if err := b.applyEstate(dev); err != nil {
		b.err = err
		return 0
	}
	if dev.Person != "" {
		if _, ok := b.pevs[dev.Person]; !ok {
			b.persons = append(b.persons, dev.Person)
		}
		b.pevs[dev.Person] = append(b.pevs[dev.Person], dev)
	}
	b.events = append(b.events, se)
	b.decoded = append(b.decoded, dev)
	b.head = next
	return se.Seq
}

// applyEstate folds a facility, cell or census event, or a correction of
// one (a correction that concerns no person), into the estate and keeps the
// rows it changes.
func (b *Builder) applyEstate(ev *domain.Event) error {
	switch d := ev.Data.(type) {
	case *domain.FacilityData, *domain.CellData, *domain.CensusData:
	case *domain.CorrectionData:
		if ev.Person != "" {
			return nil
		}
		if d.TargetKind != domain.KCensus && d.TargetKind != domain.KFacility {
			return fmt.Errorf("event %d: a correction of a %s without a person has no estate rows", ev.Seq, d.TargetKind)
		}
	default:
		return nil
	}
	ch, err := b.estate.Apply(ev)
	if err != nil {
		return fmt.Errorf("event %d: %w", ev.Seq, err)
	}
	if f := ch.Facility; f != nil {
		b.facilities = upsert(b.facilities, *f, func(x store.Facility) bool { return x.ID == f.ID })
	}
	if c := ch.Capacity; c != nil {
		b.capacities = upsert(b.capacities, *c, func(x store.Capacity) bool { return x.Facility == c.Facility && x.From == c.From })
	}
	if c := ch.Cell; c != nil {
		b.cells = upsert(b.cells, *c, func(x store.Cell) bool { return x.Facility == c.Facility && x.Label == c.Label })
	}
	if c := ch.Census; c != nil {
		b.census = upsert(b.census, *c, func(x store.Census) bool { return x.Seq == c.Seq })
	}
	return nil
}

// upsert replaces the first element matching same, or appends v.
func upsert[T any](rows []T, v T, same func(T) bool) []T {
	for i := range rows {
		if same(rows[i]) {
			rows[i] = v
			return rows
		}
	}
	return append(rows, v)
}

// Build returns the batch: the sealed events, the files of every person it
// touches (projected from all their events, earlier ones included when the
// builder belongs to a Ledger) and the facility, cell and census rows.
// NewPersons is set when no touched person is known to the ledger. The rows
// are fresh copies: a caller may tamper with them.
func (b *Builder) Build() (*store.Batch, error) {
	if b.err != nil {
		return nil, b.err
	}
	batch := &store.Batch{
		Events:     append([]store.StoredEvent(nil), b.events...),
		Facilities: append([]store.Facility(nil), b.facilities...),
		Capacities: append([]store.Capacity(nil), b.capacities...),
		Cells:      append([]store.Cell(nil), b.cells...),
		Census:     append([]store.Census(nil), b.census...),
	}
	for i := range batch.Events {
		batch.Events[i].Body = append([]byte(nil), batch.Events[i].Body...)
	}
	allNew := true
	for _, id := range b.persons {
		var evs []*domain.Event
		if b.ledger != nil {
			evs = append(evs, b.ledger.events[id]...)
			if _, ok := b.ledger.files[id]; ok {
				allNew = false
			}
		}
		evs = append(evs, b.pevs[id]...)
		f, err := FileOf(id, evs, b.estate)
		if err != nil {
			return nil, err
		}
		batch.Persons = append(batch.Persons, f)
	}
	batch.NewPersons = len(batch.Persons) > 0 && allNew
	b.built = batch
	return batch, nil
}

// Append builds the batch, appends it to s and, for a ledger's builder,
// commits it to the ledger. It stops the test on any error.
func (b *Builder) Append(t testing.TB, s store.Store) *store.Batch {
	t.Helper()
	batch, err := b.Build()
	if err != nil {
		t.Fatalf("building batch: %v", err)
	}
	if err := s.Append(t.Context(), batch); err != nil {
		t.Fatalf("appending %d events after seq %d: %v", len(batch.Events), b.start.Seq, err)
	}
	if b.ledger != nil {
		if err := b.ledger.Commit(b); err != nil {
			t.Fatal(err)
		}
	}
	return batch
}

// Ledger is the test's own model of what has been appended: the chain, the
// facilities, every person's events and current file. Batches begun from it
// project files from the whole history of each person. It is not safe for
// concurrent use.
type Ledger struct {
	head       store.Head
	facilities map[string]domain.Facility // as the estate fold leaves them
	stored     []store.StoredEvent
	events     map[string][]*domain.Event
	files      map[string]*domain.PersonFile
	order      []string // persons in order of first appearance
}

// NewLedger models an empty ledger.
func NewLedger() *Ledger {
	return &Ledger{head: store.Head{Hash: domain.GenesisHash}, facilities: map[string]domain.Facility{},
		events: map[string][]*domain.Event{}, files: map[string]*domain.PersonFile{}}
}

// Begin starts a batch after the store's current head.
func (l *Ledger) Begin(t testing.TB, s store.Store) *Builder {
	t.Helper()
	h, err := s.Head(t.Context())
	if err != nil {
		t.Fatalf("Head: %v", err)
	}
	return l.BeginAt(h)
}

// BeginAt starts a batch after a given head: the head of an open write
// transaction (store.Appender), for instance.
func (l *Ledger) BeginAt(head store.Head) *Builder {
	b := NewBuilder(head, nil)
	b.estate.Facilities = maps.Clone(l.facilities)
	b.ledger = l
	return b
}

// Commit records a built batch that the store accepted.
func (l *Ledger) Commit(b *Builder) error {
	if b.ledger != l || b.built == nil {
		return fmt.Errorf("commit of a batch not built from this ledger")
	}
	if b.start != l.head {
		return fmt.Errorf("commit of a batch after seq %d, but the ledger is at seq %d", b.start.Seq, l.head.Seq)
	}
	l.head = b.head
	l.facilities = maps.Clone(b.estate.Facilities)
	for _, se := range b.events { // the builder's own rows, not the batch a caller may tamper with
		se.Body = append([]byte(nil), se.Body...)
		l.stored = append(l.stored, se)
	}
	for _, id := range b.persons {
		if _, ok := l.events[id]; !ok {
			l.order = append(l.order, id)
		}
		l.events[id] = append(l.events[id], b.pevs[id]...)
	}
	for _, f := range b.built.Persons {
		l.files[f.ID] = f.Clone()
	}
	return nil
}

// Head is the head of the modelled ledger.
func (l *Ledger) Head() store.Head { return l.head }

// Stored returns copies of every appended ledger row, in sequence order.
func (l *Ledger) Stored() []store.StoredEvent {
	out := make([]store.StoredEvent, len(l.stored))
	for i, se := range l.stored {
		se.Body = append([]byte(nil), se.Body...)
		out[i] = se
	}
	return out
}

// Persons lists the persons with events, in order of first appearance.
func (l *Ledger) Persons() []string { return append([]string(nil), l.order...) }

// File returns (a copy of) the current file of a person, or nil.
func (l *Ledger) File(id string) *domain.PersonFile {
	if f, ok := l.files[id]; ok {
		return f.Clone()
	}
	return nil
}

// Files returns copies of every current file, in order of first appearance.
func (l *Ledger) Files() []*domain.PersonFile {
	out := make([]*domain.PersonFile, 0, len(l.files))
	for _, id := range l.order {
		if f, ok := l.files[id]; ok {
			out = append(out, f.Clone())
		}
	}
	return out
}

// Facilities returns the kinds of the facilities registered so far.
func (l *Ledger) Facilities() Lookup {
	kinds := make(Lookup, len(l.facilities))
	for id, f := range l.facilities {
		kinds[id] = f.Kind
	}
	return kinds
}
