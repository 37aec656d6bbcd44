package ledger

import (
	"context"
	"fmt"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// The estate (facilities, their capacities, cells, census counts) is folded
// by domain.Estate, for the writer as for verify. The store's rows are the
// domain's values (store.Facility is domain.Facility), so the fold's rows are
// written as they are.

// estateOf is the estate as the store holds it, as far as the writer and a
// rebuild need it: the facilities and cells. Capacities and census rows are
// left out (nothing the fold decides depends on them): the store keeps them.
func estateOf(facs []store.Facility, cells []store.Cell) *domain.Estate {
	e := &domain.Estate{Facilities: make(map[string]domain.Facility, len(facs)), Cells: make(map[domain.CellKey]domain.Cell, len(cells))}
	for _, f := range facs {
		e.Facilities[f.ID] = f
	}
	for _, c := range cells {
		e.Cells[domain.CellKey{Facility: c.Facility, Label: c.Label}] = c
	}
	return e
}

// applyEstate folds a facility, cell or census event, or a correction of
// one, into the writer's estate and queues the rows it changes.
func (w *writer) applyEstate(ev *domain.Event) error {
	if w.estateShared {
		w.estate, w.estateShared = w.estate.Clone(), false
	}
	ch, err := w.estate.Apply(ev)
	if err != nil {
		return err
	}
	if ch.Facility != nil {
		w.pending.Facilities = append(w.pending.Facilities, *ch.Facility)
	}
	if ch.Capacity != nil {
		w.pending.Capacities = append(w.pending.Capacities, *ch.Capacity)
	}
	if ch.Cell != nil {
		w.pending.Cells = append(w.pending.Cells, *ch.Cell)
	}
	if ch.Census != nil {
		w.pending.Census = append(w.pending.Census, *ch.Census)
	}
	return nil
}

// correctEstate checks a correction of a census or facility record against
// its target: a count or a capacity that a source later revised, or that
// was typed wrong. The original stays in the ledger; the estate fold
// replaces the projection row it made.
//
// The correction names the target's facility in its envelope, so that the
// projections can be rebuilt from the ledger alone. A facility record keeps
// its date (a change from another date is a new facility event); a census
// record may move to another facility or date. Neither can be voided: the
// projections keep no way to remove a row (the fold refuses it).
func (w *writer) correctEstate(ev *domain.Event, target store.StoredEvent, c *domain.CorrectionData) error {
	kind := target.Kind
	if ev.Person != "" {
		return domain.Invalid("person", "event %d is a %s record, which concerns no person", c.Target, kind)
	}
	if ev.Facility != target.Facility {
		return domain.Invalid("facility", "must be %q, the facility of the %s record %d", target.Facility, kind, c.Target)
	}
	if !c.Void {
		if c.Date == domain.NoDate {
			return domain.Invalid("data.date", "missing: the corrected record's date")
		}
		fac := c.Facility
		if fac == "" {
			fac = target.Facility
		}
		repl := &domain.Event{Kind: kind, Date: c.Date, Facility: fac, Data: c.Data}
		if err := repl.ValidateWritten(w.now); err != nil {
			return domain.InField("data", err)
		}
		if err := repl.ValidateTexts(); err != nil {
			return domain.InField("data", err)
		}
		if _, ok := c.Data.(*domain.FacilityData); ok && kind == domain.KFacility && c.Date != target.Date {
			return domain.Invalid("data.date", "must stay %s, the date of the facility record: a change from another date is a new facility event", target.Date)
		}
	}
	return w.applyEstate(ev)
}

// cachedEstate is the estate as it stood at the ledger head head. Every
// write starts from the facilities and cells (to check a cell or a
// facility's kind), and reading them took most of a single write's time: a
// million-person register has thousands of cells. They change rarely, so
// the Service keeps them between transactions and reads them again only
// when an event since says they may have changed (whichever process wrote
// it). The estate in it is never changed: a writer copies it first.
type cachedEstate struct {
	head store.Head
	e    *domain.Estate
}

// beginWithEstate opens the write transaction and returns the estate as of
// its head: the cached one when no event since may have changed it, else
// read again.
func (s *Service) beginWithEstate(ctx context.Context) (store.Appender, *domain.Estate, error) {
	for attempt := 0; ; attempt++ {
		c, err := s.estateCache(ctx)
		if err != nil {
			return nil, nil, err
		}
		ap, err := s.st.BeginAppend(ctx)
		if err != nil {
			return nil, nil, err
		}
		changed, err := s.estateChanged(ctx, ap, c)
		if err != nil {
			ap.Rollback(ctx)
			return nil, nil, err
		}
		head := ap.Head()
		if !changed {
			s.estMu.Lock()
			if s.est == c && c.head.Seq < head.Seq {
				s.est = &cachedEstate{head: head, e: c.e}
			}
			s.estMu.Unlock()
			return ap, c.e, nil
		}
		s.estMu.Lock()
		if s.est == c {
			s.est = nil
		}
		s.estMu.Unlock()
		if !ap.NoPersons() {
			// Under the write lock nothing else commits: the estate read
			// now is the head's.
			e, err := s.readEstate(ctx)
			if err != nil {
				ap.Rollback(ctx)
				return nil, nil, err
			}
			s.estMu.Lock()
			s.est = &cachedEstate{head: head, e: e}
			s.estMu.Unlock()
			return ap, e, nil
		}
		// A bulk load's transaction may lock the store against reads from
		// outside it: let go and read again before taking the lock.
		ap.Rollback(ctx)
		if attempt == 2 {
			return nil, nil, fmt.Errorf("reading the facilities and cells: they kept changing while the write began; try again")
		}
	}
}

// estateCache returns the cached estate, reading it when there is none.
// The head is read before the estate: an event appended in between makes
// the estate newer than its seq, which only causes one more read.
func (s *Service) estateCache(ctx context.Context) (*cachedEstate, error) {
	s.estMu.Lock()
	c := s.est
	s.estMu.Unlock()
	if c != nil {
		return c, nil
	}
	head, err := s.st.Head(ctx)
	if err != nil {
		return nil, err
	}
	e, err := s.readEstate(ctx)
	if err != nil {
		return nil, err
	}
	c = &cachedEstate{head: head, e: e}
	s.estMu.Lock()
	s.est = c
	s.estMu.Unlock()
	return c, nil
}

// estateChanged reports whether the cached estate c may differ from the
// estate at the transaction's head: an estate event was appended after it,
// or the ledger is not the one it was read from (shorter, or another event
// at its head: a database replaced under a running server).
func (s *Service) estateChanged(ctx context.Context, ap store.Appender, c *cachedEstate) (bool, error) {
	if c.head.Seq > ap.Head().Seq {
		return true, nil
	}
	if c.head.Seq > 0 {
		ev, ok, err := ap.Event(ctx, c.head.Seq)
		if err != nil {
			return false, err
		}
		if !ok || ev.Hash != c.head.Hash {
			return true, nil
		}
	}
	return ap.EstateChangedSince(ctx, c.head.Seq)
}

func (s *Service) readEstate(ctx context.Context) (*domain.Estate, error) {
	facs, err := s.st.Facilities(ctx)
	if err != nil {
		return nil, err
	}
	cells, err := s.st.Cells(ctx)
	if err != nil {
		return nil, err
	}
	return estateOf(facs, cells), nil
}
