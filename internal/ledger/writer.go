package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"strings"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// writer validates a stream of events against the register as it stands and
// appends them in one transaction. Person files touched are kept in memory
// and their projections written at commit.
type writer struct {
	s      *Service
	ap     store.Appender
	actor  Actor
	file   string
	now    time.Time
	nowStr string // now as RFC 3339, see nowText
	today  domain.Date
	head   store.Head
	first  int64 // the sequence number of the first event this transaction writes
	// audit, when set, is the entry that indexes the events written (Record);
	// otherwise commit writes one naming their range (an import).
	audit *store.AuditEntry
	// restore, when set, writes in the transaction, instead of the entry
	// commit would write, what a backup kept beside the ledger (see
	// LoadOptions.Restore).
	restore func(ctx context.Context, ap store.Appender, head store.Head) error
	// key, when set, is the idempotency key written with the events; keys
	// created before keyExpired are deleted.
	key        *store.IdempotencyKey
	keyExpired time.Time
	noPersons  bool // the register held no person: no stored file needs loading
	// maybeStored, when set, says which persons may have stored events;
	// the others are new (LoadOptions.Stored).
	maybeStored func(person string) bool
	// trusted writers (the built-in demo generator) may set the attribution
	// fields themselves.
	trusted bool
	// origins, when set, are the hashes that events brought in an offline
	// bundle had where they were recorded, written with them (bundle.go).
	origins map[*domain.Event]store.Origin
	// refused, when set, may leave out an event the register refuses
	// (LoadOptions.Refused); a refused event must then leave no trace.
	refused func(line int, err error) bool

	// line is the position in the input of the event being applied.
	line int
	// unsettled holds, for each person, the late event (with its line and
	// why) after which their file does not hold together yet: an earlier
	// custody entered late, whose admission overlaps the custody that
	// follows until its end (release, escape or death) is entered too.
	// Each further event of the person refolds the file; the transaction
	// is refused at commit while one is left (see settled).
	unsettled map[string]unsettled

	// estate is the facilities and cells as they stand, with what this
	// transaction registered (estate.go). While estateShared, it is the
	// Service's cached estate, which other transactions read: it is copied
	// before this one changes it.
	estate       *domain.Estate
	estateShared bool
	// pledges and reforms known so far (loaded on the first commitment
	// event), so a declaration can be checked against its pledge.
	pledges map[string]bool
	reforms map[string]bool
	// plans saved so far, by name: whether published (loaded on the first
	// plan event)
	plans map[string]bool
	// visits and recommendations known so far (loaded on the first visit):
	// a visit's id is unique, and a follow-up is of a recommendation made
	// at an earlier visit to the same facility.
	visits map[string]bool
	recs   map[string]recMade
	files  map[string]*domain.PersonFile
	stored map[string]bool // person in files had events before this transaction

	pending    store.Batch
	flushEvery int
	count      int
	// personsSeen counts the distinct persons this transaction touched.
	personsSeen int

	// Batches are written by a goroutine of their own (see pipeline.go), so
	// that the database works while the next events are validated.
	jobs    chan writeJob
	wdone   chan struct{}
	werr    error // owned by the write goroutine until it is synced or done
	gen     int
	touched map[string]int // person -> flush generation of their last event
	// evicted holds a hash of every person whose file was written out and
	// dropped from memory. A national load evicts millions: hashes take a
	// fraction of the memory of the ids (which would also keep the rows they
	// were read from alive). A collision only makes a new person be looked
	// for in the transaction, where nothing is found.
	evicted map[uint64]struct{}
	seed    maphash.Seed
}

func (w *writer) wasEvicted(id string) bool {
	_, ok := w.evicted[maphash.String(w.seed, id)]
	return ok
}

func (s *Service) begin(ctx context.Context, actor Actor, file string) (*writer, error) {
	if actor.Name == "" {
		return nil, fmt.Errorf("no user: every entry must say who made it")
	}
	ap, est, err := s.beginWithEstate(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Second)
	w := &writer{s: s, ap: ap, actor: actor, file: file, now: now, today: domain.DateOf(now), head: ap.Head(),
		estate: est, estateShared: true, files: map[string]*domain.PersonFile{},
		stored: map[string]bool{}, flushEvery: 20000,
		touched: map[string]int{}, evicted: map[uint64]struct{}{}, seed: maphash.MakeSeed()}
	w.first = w.head.Seq + 1
	w.startWriter(ctx)
	w.noPersons = ap.NoPersons()
	return w, nil
}

// nowText is the writer's time as recorded_at, formatted once.
func (w *writer) nowText() string {
	if w.nowStr == "" {
		w.nowStr = w.now.Format(time.RFC3339)
	}
	return w.nowStr
}

func (w *writer) rollback(ctx context.Context) {
	w.stopWriter()
	w.ap.Rollback(ctx)
}

// FacilityKind implements domain.FacilityLookup over the facilities known so
// far, including those registered earlier in the same transaction.
func (w *writer) FacilityKind(id string) (domain.FacilityKind, bool) {
	return w.estate.FacilityKind(id)
}

// loadFiles brings the stored files of persons into memory before their
// events are applied. Files written before this transaction are read through
// the pool; files this transaction wrote out (evicted) through the
// transaction itself, once the write goroutine has caught up.
func (w *writer) loadFiles(ctx context.Context, ids []string) error {
	var before, mine []string
	seen := map[string]bool{}
	for _, id := range ids {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		w.touched[id] = w.gen
		if _, ok := w.files[id]; ok {
			continue
		}
		switch {
		case w.wasEvicted(id):
			mine = append(mine, id)
		case w.maybeStored != nil && !w.maybeStored(id):
			// New, as the caller knows: nothing to read.
			w.personsSeen++
			w.files[id] = &domain.PersonFile{ID: id}
		default:
			before = append(before, id)
		}
	}
	load := func(need []string, read func(context.Context, []string) (map[string][]store.StoredEvent, error)) error {
		if len(need) == 0 {
			return nil
		}
		var evs map[string][]store.StoredEvent
		if read != nil {
			var err error
			if evs, err = read(ctx, need); err != nil {
				return err
			}
		}
		for _, id := range need {
			if !w.wasEvicted(id) {
				w.personsSeen++
			}
			stored := evs[id]
			if len(stored) == 0 {
				w.files[id] = &domain.PersonFile{ID: id}
				continue
			}
			f, err := projectStored(id, stored, w)
			if err != nil {
				return fmt.Errorf("the stored file of %s does not fold: %w (run habeas verify)", id, err)
			}
			w.files[id] = f
			w.stored[id] = true
		}
		return nil
	}
	var readBefore func(context.Context, []string) (map[string][]store.StoredEvent, error)
	if !w.noPersons {
		readBefore = w.s.st.PersonEvents
	}
	if err := load(before, readBefore); err != nil {
		return err
	}
	if len(mine) > 0 {
		if err := w.sync(); err != nil {
			return err
		}
		return load(mine, w.ap.PersonEvents)
	}
	return nil
}

// projectStored folds stored events into a person's file.
func projectStored(id string, stored []store.StoredEvent, fac domain.FacilityLookup) (*domain.PersonFile, error) {
	evs, err := store.DecodeEvents(stored)
	if err != nil {
		return nil, err
	}
	return domain.Project(id, evs, fac, domain.NoDate)
}

// prepare fills the envelope fields the writer owns and checks the ones the
// caller may give (an imported backup carries seq, recorded_at/by, prev and
// hash, which must agree with the ledger).
func (w *writer) prepare(ev *domain.Event, seq int64) error {
	if ev.Seq != 0 && ev.Seq != seq {
		return domain.Invalid("seq", "is %d but the ledger's next sequence number is %d", ev.Seq, seq)
	}
	ev.Seq = seq
	// Who recorded an event, when and through what are set by habeas. Only a
	// backup, whose lines carry their hash, brings them along, and the hash
	// proves they are the ones habeas wrote.
	nowText := w.nowText()
	if ev.Hash == "" && !w.trusted {
		switch {
		case ev.RecordedAt != "":
			return domain.Invalid("recorded_at", "is set by habeas when the event is entered; only a backup line with its hash may carry it")
		case ev.RecordedBy != "":
			return domain.Invalid("recorded_by", "is set by habeas (the user entering the event); only a backup line with its hash may carry it")
		case ev.Via != "":
			return domain.Invalid("via", "is set by habeas; only a backup line with its hash may carry it")
		}
		ev.RecordedAt, ev.RecordedBy, ev.Via = nowText, w.actor.Name, w.actor.Via
	}
	if ev.RecordedAt == "" {
		ev.RecordedAt = nowText
	}
	if ev.RecordedBy == "" {
		ev.RecordedBy, ev.Via = w.actor.Name, w.actor.Via
	}
	rec := w.now
	if ev.RecordedAt != nowText {
		// Only events brought with their envelope (a backup) are parsed;
		// the ones stamped now, nearly all of a load, need not be.
		var err error
		rec, err = time.Parse(time.RFC3339, ev.RecordedAt)
		if err != nil || !strings.HasSuffix(ev.RecordedAt, "Z") {
			return domain.Invalid("recorded_at", "must be an RFC 3339 time in UTC such as 2020-03-31T09:30:00Z")
		}
		if rec.After(w.now.Add(time.Minute)) {
			return domain.Invalid("recorded_at", "%s is in the future", ev.RecordedAt)
		}
	}
	if ev.RecordedBy == "" {
		return domain.Invalid("recorded_by", "missing")
	}
	if ev.Hash != "" {
		// A backup line that carries its hash is accepted as it was written:
		// rules that came in later (a person's identifier, text) would
		// otherwise make an old register impossible to restore. verify lists
		// the events that break them. Text with a NUL, which an old SQLite
		// register may hold, is the exception on a database that cannot
		// store it: refused here, at its line, rather than by the database
		// at the commit, nameless.
		if field, ok := ev.FindNUL(); ok && !w.s.holdsNUL() {
			return domain.Invalid(field, "contains a NUL character, which PostgreSQL cannot store: a register holding this event can be restored into SQLite only, where habeas verify lists it")
		}
		return ev.ValidateWritten(rec)
	}
	return ev.Validate(rec)
}

// add validates one event and queues it. line is its position for errors.
func (w *writer) add(ctx context.Context, ev *domain.Event, line int) error {
	seq := w.head.Seq + 1
	if err := w.prepare(ev, seq); err != nil {
		return asEventError(w.file, line, err)
	}
	w.line = line
	if err := w.apply(ctx, ev); err != nil {
		return asEventError(w.file, line, err)
	}
	body, err := domain.Body(ev)
	if err != nil {
		return asEventError(w.file, line, err)
	}
	return w.chain(ev, body, line)
}

// chain appends an applied event with its body to the pending batch.
func (w *writer) chain(ev *domain.Event, body []byte, line int) error {
	hash := domain.ChainHash(w.head.Hash, body)
	if ev.Prev != "" && ev.Prev != w.head.Hash {
		return &EventError{File: w.file, Line: line, Err: domain.Invalid("prev", "does not match the hash of the previous event in this ledger")}
	}
	if ev.Hash != "" && ev.Hash != hash {
		return &EventError{File: w.file, Line: line, Err: domain.Invalid("hash", "does not match the event's content: the line was changed after it was exported")}
	}
	ev.Prev, ev.Hash = w.head.Hash, hash
	w.pending.Events = append(w.pending.Events, store.StoredEvent{Seq: ev.Seq, Kind: ev.Kind, Date: ev.Date,
		Person: ev.Person, Facility: ev.Facility, Body: body, Prev: ev.Prev, Hash: hash})
	// A restricted record's wrapped data key is kept beside its event, by
	// seq and part, in the same transaction: not in the body, so that
	// destroying it leaves the chain as it was.
	if sp, ok := ev.Data.(domain.SealedPayload); ok {
		for part, r := range sp.SealedRecords() {
			if r.Wrapped != nil {
				w.pending.RecordKeys = append(w.pending.RecordKeys, store.RecordKey{Seq: ev.Seq, Part: part, Org: r.Org, Wrapped: r.Wrapped})
			}
		}
	}
	if o, ok := w.origins[ev]; ok {
		o.Seq = ev.Seq
		w.pending.Origins = append(w.pending.Origins, o)
	}
	w.head = store.Head{Seq: ev.Seq, Hash: hash}
	w.count++
	return nil
}

// apply checks the event against the register and updates in-memory state.
func (w *writer) apply(ctx context.Context, ev *domain.Event) error {
	switch d := ev.Data.(type) {
	case *domain.FacilityData, *domain.CellData, *domain.CensusData:
		return w.applyEstate(ev) // estate.go
	case *domain.CorrectionData:
		return w.applyCorrection(ctx, ev, d)
	case *domain.PledgeData, *domain.DeclarationData, *domain.ReformData:
		return w.applyCommitment(ctx, ev)
	case *domain.FollowUpData:
		return w.applyFollowUp(ctx, ev)
	case *domain.PlanData:
		return w.applyPlan(ctx, d)
	case *domain.MarkerData:
		// Nothing in the register to check it against: its person, if
		// from the register, is inside the sealed record, which the
		// ledger cannot read (the markers service checks it before
		// sealing).
		return nil
	case *domain.VisitData:
		return w.applyVisit(ctx, ev, d)
	}
	if err := w.loadFiles(ctx, []string{ev.Person}); err != nil {
		return err
	}
	f := w.files[ev.Person]
	if w.refolds(ev) {
		// A late entry: refold the file with the event in its place by date.
		if err := w.refold(ctx, ev.Person, ev); err != nil {
			// Unwrapped, the error is a check of the event itself against
			// its date; wrapped, another event of the file fails with this
			// one in its place.
			if e, ok := err.(*domain.Error); ok && e.Code == domain.ErrInvalid {
				return err
			}
			bad := domain.Invalid("date", "out of order: %s is before %s's last event (%s), and entered there the file does not hold together: %v",
				ev.Date, ev.Person, f.State.LastDate, err)
			if wait, werr := w.mayWait(ctx, ev); werr != nil {
				return werr
			} else if !wait {
				return bad
			}
			if _, ok := w.unsettled[ev.Person]; !ok {
				if w.unsettled == nil {
					w.unsettled = map[string]unsettled{}
				}
				w.unsettled[ev.Person] = unsettled{line: w.line, err: bad}
			}
			return nil
		}
		delete(w.unsettled, ev.Person)
		return nil
	}
	if err := w.checkCell(ev, f); err != nil {
		return err
	}
	if err := checkCase(f, ev); err != nil {
		return err
	}
	if w.refused == nil {
		// Apply may have changed the file before failing; the transaction
		// is then abandoned as a whole, so the half-changed file is never
		// written.
		return f.Apply(ev, w)
	}
	// The event may be left out and the load go on: the file must then be
	// as if it had never been applied. A copy is cheaper than refolding
	// the person from the transaction, which on the bulk load of an empty
	// register reads without indexes.
	before := f.Clone()
	if err := f.Apply(ev, w); err != nil {
		*f = *before
		return err
	}
	return nil
}

// refuse reports whether the event at line, which the register refused
// with err, is to be left out (LoadOptions.Refused). Only invalid input is
// offered: every path that refuses it leaves the writer's state as it was
// (apply restores the person's file; the estate, the commitments, a refold
// and a correction change nothing until they hold).
func (w *writer) refuse(line int, err error) bool {
	if w.refused == nil || domain.ErrorCode(err) != domain.ErrInvalid {
		return false
	}
	var ee *EventError
	if errors.As(err, &ee) {
		err = ee.Err
	}
	return w.refused(line, err)
}

// refolds reports whether applying ev rebuilds the person's file from the
// ledger: a correction, or an event dated before the person's last one.
func (w *writer) refolds(ev *domain.Event) bool {
	if ev.Kind == domain.KCorrection {
		return true
	}
	if _, ok := w.unsettled[ev.Person]; ok && ev.Kind != domain.KPerson {
		return true // the file in memory is not the ledger's yet
	}
	f := w.files[ev.Person]
	return f != nil && f.Registered && ev.Kind.PersonKind() && ev.Kind != domain.KPerson && ev.Date < f.State.LastDate
}

// unsettled is a late event after which a person's file does not hold
// together yet.
type unsettled struct {
	line int
	err  error
}

// mayWait reports whether a late event whose file does not hold together
// may wait for the rest of the transaction: an admission opening an earlier
// custody, entered late, overlaps the custody after it until its release is
// entered too, and the events between them come one at a time. It waits
// only when it holds on its own date (the person was not in custody then,
// and so on) and with an import that is refused as a whole when it fails;
// a load that leaves refused events out (LoadOptions.Refused) cannot take
// back an event once chained.
func (w *writer) mayWait(ctx context.Context, ev *domain.Event) (bool, error) {
	if w.refused != nil || ev.Kind == domain.KCorrection {
		return false, nil
	}
	if _, ok := w.unsettled[ev.Person]; !ok && ev.Kind != domain.KAdmission {
		return false, nil
	}
	stored, err := w.ap.PersonEvents(ctx, []string{ev.Person})
	if err != nil {
		return false, err
	}
	evs, err := store.DecodeEvents(stored[ev.Person])
	if err != nil {
		return false, err
	}
	// Folded up to its date, with it: what came after is not looked at.
	if _, err := domain.Project(ev.Person, append(evs, ev), w, ev.Date); err == nil {
		return true, nil
	}
	// It fails there; it may wait only when the file fails there without
	// it too (an event of the current custody while the earlier one is
	// still open): otherwise the fault is its own.
	_, err = domain.Project(ev.Person, evs, w, ev.Date)
	return err != nil && ev.Kind != domain.KAdmission, nil
}

// settled refuses the transaction when a person's file still does not
// hold together, naming the late event after which it stopped.
func (w *writer) settled() error {
	var first *unsettled
	for _, u := range w.unsettled {
		if first == nil || u.line < first.line {
			first = &u
		}
	}
	if first == nil {
		return nil
	}
	return asEventError(w.file, first.line, fmt.Errorf("%w (an earlier custody entered late needs its end, a release, escape or death, in the same entry)", first.err))
}

// checkCell checks that a cell named by the event is registered in the
// facility it belongs to; f is the person's file as it stands on the event's
// date.
func (w *writer) checkCell(ev *domain.Event, f *domain.PersonFile) error {
	check := func(field, fac, cell string) error {
		if cell == "" {
			return nil
		}
		if _, ok := w.estate.Cells[domain.CellKey{Facility: fac, Label: cell}]; ok {
			return nil
		}
		return domain.Invalid(field, "no cell %q is registered in %s", cell, fac)
	}
	switch d := ev.Data.(type) {
	case *domain.AdmissionData:
		return check("data.cell", ev.Facility, d.Cell)
	case *domain.TransferData:
		return check("data.cell", d.To, d.Cell)
	case *domain.CellAssignData:
		if d.Cell == "" {
			return domain.Invalid("data.cell", "missing")
		}
		return check("data.cell", f.State.Facility, d.Cell)
	}
	return nil
}

// applyCorrection checks that the target exists and that the person's file
// still folds with the correction applied, then replaces the file.
func (w *writer) applyCorrection(ctx context.Context, ev *domain.Event, c *domain.CorrectionData) error {
	// The target may have been entered earlier in this transaction: write out
	// what is queued and read through the transaction.
	if err := w.flush(ctx); err != nil {
		return err
	}
	if err := w.sync(); err != nil {
		return err
	}
	se, found, err := w.ap.Event(ctx, c.Target)
	if err != nil {
		return err
	}
	if !found {
		return domain.Invalid("data.target", "no event %d in the ledger", c.Target)
	}
	kind, person := se.Kind, se.Person
	if kind != c.TargetKind {
		return domain.Invalid("data.target_kind", "event %d is of kind %s, not %s", c.Target, kind, c.TargetKind)
	}
	if kind == domain.KCensus || kind == domain.KFacility {
		return w.correctEstate(ev, se, c) // estate.go
	}
	if kind == domain.KFollowUp {
		// A step is superseded by the next step, not corrected: the
		// follow-up's history stays as it was worked.
		return domain.Invalid("data.target", "a follow-up step is not corrected: record the next step of the follow-up instead")
	}
	if !kind.PersonKind() || kind == domain.KCorrection {
		return domain.Invalid("data.target", "a %s event cannot be corrected: record a new %s event (or correct the original event, not a correction)", kind, kind)
	}
	if person != ev.Person {
		return domain.Invalid("person", "event %d concerns %s, not %s", c.Target, person, ev.Person)
	}
	if !c.Void && c.Date == domain.NoDate {
		return domain.Invalid("data.date", "missing: the corrected event's date")
	}
	if !c.Void {
		repl := &domain.Event{Kind: kind, Date: c.Date, Person: person, Facility: c.Facility, Data: c.Data}
		if err := repl.ValidateWritten(w.now); err != nil {
			return domain.InField("data", err)
		}
		if err := repl.ValidateTexts(); err != nil {
			return domain.InField("data", err)
		}
	}
	if kind == domain.KPerson && c.Void {
		return domain.Invalid("data.void", "a person's registration cannot be voided: correct it, or void their other events")
	}
	if !c.Void {
		if err := w.checkCell(&domain.Event{Kind: kind, Person: person, Facility: c.Facility, Data: c.Data}, w.files[person]); err != nil {
			return domain.InField("data", err)
		}
	}
	if err := w.refold(ctx, person, ev); err != nil {
		return domain.Invalid("data", "with this correction the file of %s no longer holds together: %v", person, err)
	}
	return nil
}

// refold rebuilds a person's file from every event of theirs in the ledger
// plus ev, which is placed by date; it replaces the file when the fold holds.
func (w *writer) refold(ctx context.Context, person string, ev *domain.Event) error {
	if err := w.flush(ctx); err != nil {
		return err
	}
	if err := w.sync(); err != nil {
		return err
	}
	stored, err := w.ap.PersonEvents(ctx, []string{person})
	if err != nil {
		return err
	}
	evs, err := store.DecodeEvents(stored[person])
	if err != nil {
		return err
	}
	if ev.Kind != domain.KCorrection {
		// A late entry is checked against the person's situation on its date.
		then, err := domain.Project(person, evs, w, ev.Date)
		if err != nil {
			return err
		}
		if err := w.checkCell(ev, then); err != nil {
			return err
		}
		if err := checkCase(then, ev); err != nil {
			return err
		}
	}
	evs = append(evs, ev)
	f, err := domain.Project(person, evs, w, domain.NoDate)
	if err != nil {
		return err
	}
	if _, seen := w.files[person]; !seen {
		w.stored[person] = true
	}
	w.files[person] = f
	return nil
}

// checkCase refuses court events about a case other than the person's
// current one.
func checkCase(f *domain.PersonFile, ev *domain.Event) error {
	var c string
	switch d := ev.Data.(type) {
	case *domain.VerdictData:
		c = d.Case
	case *domain.AppealData:
		c = d.Case
	case *domain.HearingData:
		c = d.Case
	default:
		return nil
	}
	if c != "" && f.State.Case != nil && f.State.Case.ID != "" && c != f.State.Case.ID {
		return domain.Invalid("data.case", "%s is held on case %s, not %s", f.ID, f.State.Case.ID, c)
	}
	return nil
}

// flush hands queued events to the write goroutine (not yet the person
// projections, which are written when a file is evicted or at commit).
func (w *writer) flush(ctx context.Context) error {
	if len(w.pending.Events) == 0 && len(w.pending.Facilities) == 0 && len(w.pending.Cells) == 0 && len(w.pending.Census) == 0 {
		return nil
	}
	b := w.pending
	w.pending = store.Batch{}
	return w.send(ctx, &b)
}

// maybeFlush flushes a full batch and writes out the files of persons not
// seen for two batches, so that memory stays bounded on a whole country's
// register. A person seen again later is read back through the transaction.
func (w *writer) maybeFlush(ctx context.Context) error {
	if len(w.pending.Events) < w.flushEvery {
		return nil
	}
	if err := w.flush(ctx); err != nil {
		return err
	}
	w.gen++
	var fresh, changed []*domain.PersonFile
	for id, f := range w.files {
		if w.touched[id] >= w.gen-1 {
			continue
		}
		stored := w.stored[id]
		delete(w.files, id)
		delete(w.touched, id)
		delete(w.stored, id)
		if !f.Registered && len(f.Episodes) == 0 {
			continue
		}
		if stored {
			changed = append(changed, f)
		} else {
			fresh = append(fresh, f)
		}
		w.evicted[maphash.String(w.seed, id)] = struct{}{}
	}
	return w.writeFiles(ctx, fresh, changed)
}

// writeFiles sends person projections to be written: new persons by plain
// insert, the others replacing their stored rows.
func (w *writer) writeFiles(ctx context.Context, fresh, changed []*domain.PersonFile) error {
	sortFiles(fresh)
	sortFiles(changed)
	const chunk = 20000
	for lo := 0; lo < len(fresh); lo += chunk {
		if err := w.send(ctx, &store.Batch{Persons: fresh[lo:min(lo+chunk, len(fresh))], NewPersons: true}); err != nil {
			return err
		}
	}
	for lo := 0; lo < len(changed); lo += chunk {
		if err := w.send(ctx, &store.Batch{Persons: changed[lo:min(lo+chunk, len(changed))]}); err != nil {
			return err
		}
	}
	return nil
}

// commit writes the rest and the projections of every person still in
// memory, then commits.
func (w *writer) commit(ctx context.Context) error {
	if err := w.settled(); err != nil {
		return err
	}
	if err := w.flush(ctx); err != nil {
		return err
	}
	var fresh, changed []*domain.PersonFile
	for id, f := range w.files {
		if !f.Registered && len(f.Episodes) == 0 {
			continue
		}
		if w.stored[id] {
			changed = append(changed, f)
		} else {
			fresh = append(fresh, f)
		}
	}
	if err := w.writeFiles(ctx, fresh, changed); err != nil {
		return err
	}
	if err := w.stopWriter(); err != nil {
		return err
	}
	if w.restore != nil {
		if err := w.restore(ctx, w.ap, w.head); err != nil {
			return err
		}
	} else if err := w.appendAudit(ctx); err != nil {
		return err
	}
	if w.key != nil {
		if err := w.ap.PutIdempotencyKey(ctx, *w.key, w.keyExpired); err != nil {
			return err
		}
	}
	return w.ap.Commit(ctx)
}

// appendAudit writes, in the transaction of the events, the audit entry that
// names them: committed together, no event is without its entry (verify
// checks it), and no entry names an event that is not there.
func (w *writer) appendAudit(ctx context.Context) error {
	if w.head.Seq < w.first {
		return nil // nothing written
	}
	a := store.AuditEntry{At: w.now, Actor: w.actor.Name, Via: w.actor.Via, Action: store.ActEventImport, Subject: w.file}
	if w.audit != nil {
		a.Action, a.Subject, a.Detail = w.audit.Action, w.audit.Subject, w.audit.Detail
	} else {
		d, err := json.Marshal(map[string]int64{"from": w.first, "to": w.head.Seq})
		if err != nil {
			return fmt.Errorf("encoding the audit detail: %w", err)
		}
		a.Detail = string(d)
	}
	if _, err := w.ap.AppendAudit(ctx, a); err != nil {
		return fmt.Errorf("writing the audit entry of events %d to %d: %w", w.first, w.head.Seq, err)
	}
	return nil
}

// applyCommitment checks what a pledge, declaration or reform refers to.
// They have no projection: readers fold them from the ledger (they are few).
func (w *writer) applyCommitment(ctx context.Context, ev *domain.Event) error {
	if w.pledges == nil {
		w.pledges, w.reforms = map[string]bool{}, map[string]bool{}
		// Read through the transaction: a bulk load holds locks (its
		// indexes are dropped) that a read from outside it would wait on
		// for ever.
		var stored []store.StoredEvent
		if w.head.Seq > 0 {
			var err error
			if stored, err = w.ap.Commitments(ctx); err != nil {
				return fmt.Errorf("reading the recorded pledges and reforms: %w", err)
			}
		}
		evs, err := store.DecodeEvents(stored)
		if err != nil {
			return err
		}
		for _, e := range evs {
			switch d := e.Data.(type) {
			case *domain.PledgeData:
				w.pledges[d.ID] = true
			case *domain.ReformData:
				w.reforms[d.ID] = true
			}
		}
	}
	switch d := ev.Data.(type) {
	case *domain.PledgeData:
		for i, f := range d.Facilities {
			if _, ok := w.FacilityKind(f); !ok {
				return domain.Invalid(fmt.Sprintf("data.facilities[%d]", i), "unknown facility %q", f)
			}
		}
		w.pledges[d.ID] = true
	case *domain.DeclarationData:
		if d.Pledge != "" && !w.pledges[d.Pledge] {
			return domain.Invalid("data.pledge", "no pledge %q has been recorded", d.Pledge)
		}
		if d.Facility != "" {
			if _, ok := w.FacilityKind(d.Facility); !ok {
				return domain.Invalid("data.facility", "unknown facility %q (a place the register does not hold is an area)", d.Facility)
			}
		}
	case *domain.ReformData:
		if !w.reforms[d.ID] && strings.TrimSpace(d.Title) == "" {
			return domain.Invalid("data.title", "missing: %q is a new reform, so its first entry needs a title", d.ID)
		}
		w.reforms[d.ID] = true
	}
	return nil
}

// applyFollowUp checks a step of a follow-up: it is about a person of the
// register. It is not custody, so it is not folded into the file (a step
// dated after the person's last custody event does not make the next one
// late), and any date up to today is accepted.
func (w *writer) applyFollowUp(ctx context.Context, ev *domain.Event) error {
	if err := w.loadFiles(ctx, []string{ev.Person}); err != nil {
		return err
	}
	if f := w.files[ev.Person]; f == nil || !f.Registered {
		return domain.Invalid("person", "no person %q in the register", ev.Person)
	}
	return nil
}

// applyPlan checks a plan against those saved before: a name is saved once,
// and a plan is published once, after it is saved.
func (w *writer) applyPlan(ctx context.Context, d *domain.PlanData) error {
	if w.plans == nil {
		w.plans = map[string]bool{}
		if w.head.Seq > 0 {
			ps, ok := w.ap.(store.PlanStore)
			if !ok {
				return fmt.Errorf("this store cannot keep plans")
			}
			stored, err := ps.Plans(ctx)
			if err != nil {
				return fmt.Errorf("reading the saved plans: %w", err)
			}
			evs, err := store.DecodeEvents(stored)
			if err != nil {
				return err
			}
			for _, e := range evs {
				if p, ok := e.Data.(*domain.PlanData); ok {
					w.plans[p.Name] = w.plans[p.Name] || p.Publish
				}
			}
		}
	}
	published, saved := w.plans[d.Name]
	switch {
	case d.Publish && !saved:
		return domain.Invalid("data.name", "no plan %q has been saved", d.Name)
	case d.Publish && published:
		return &domain.Error{Code: domain.ErrConflict, Field: "data.name", Msg: fmt.Sprintf("plan %q is already published", d.Name)}
	case !d.Publish && saved:
		return &domain.Error{Code: domain.ErrConflict, Field: "data.name", Msg: fmt.Sprintf("a plan named %q is already saved: choose another name", d.Name)}
	}
	w.plans[d.Name] = d.Publish
	return nil
}
