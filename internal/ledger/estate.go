package ledger

import (
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
