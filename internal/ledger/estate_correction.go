package ledger

import (
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// correctEstate applies a correction of a census or facility record: a
// count or a capacity that a source later revised, or that was typed wrong.
// The original stays in the ledger; the projection row it made is replaced.
//
// The correction names the target's facility in its envelope, so that the
// projections can be rebuilt from the ledger alone. A facility record keeps
// its date (a change from another date is a new facility event); a census
// record may move to another facility or date. Neither can be voided: the
// projections keep no way to remove a row.
func (w *writer) correctEstate(ev *domain.Event, target store.StoredEvent, c *domain.CorrectionData) error {
	kind := target.Kind
	if ev.Person != "" {
		return domain.Invalid("person", "event %d is a %s record, which concerns no person", c.Target, kind)
	}
	if ev.Facility != target.Facility {
		return domain.Invalid("facility", "must be %q, the facility of the %s record %d", target.Facility, kind, c.Target)
	}
	if c.Void {
		return domain.Invalid("data.void", "a %s record cannot be voided: correct it with the right figures", kind)
	}
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
	switch d := c.Data.(type) {
	case *domain.CensusData:
		if _, ok := w.facilities[fac]; !ok {
			return domain.Invalid("data.facility", "unknown facility %q", fac)
		}
		w.pending.Census = append(w.pending.Census, store.Census{Seq: c.Target, Facility: fac, Date: c.Date,
			Category: d.Category, Count: d.Count, Source: d.Source})
	case *domain.FacilityData:
		if fac != target.Facility {
			return domain.Invalid("data.facility", "a facility record cannot move to another facility (%s)", target.Facility)
		}
		if c.Date != target.Date {
			return domain.Invalid("data.date", "must stay %s, the date of the facility record: a change from another date is a new facility event", target.Date)
		}
		f := store.Facility{ID: fac, Name: d.Name, Kind: d.Kind, Province: d.Province,
			Capacity: d.Capacity, CapacityDate: c.Date, CapacitySource: d.CapacitySource}
		if old, ok := w.facilities[fac]; !ok || old.CapacityDate <= c.Date {
			w.facilities[fac] = f
		}
		w.pending.Facilities = append(w.pending.Facilities, f)
		w.pending.Capacities = append(w.pending.Capacities, store.Capacity{Facility: fac, From: c.Date, Capacity: d.Capacity, Source: d.CapacitySource})
	default:
		return domain.Invalid("data.data", "must be the details of a %s record", kind)
	}
	return nil
}

// foldEstateCorrection is the rebuild's side of correctEstate: the corrected
// record replaces the projection row of its target.
func foldEstateCorrection(ev *domain.Event, c *domain.CorrectionData, facs map[string]store.Facility, caps map[string]store.Capacity, cells map[string]store.Cell, census map[int64]store.Census) {
	fac := c.Facility
	if fac == "" {
		fac = ev.Facility
	}
	switch d := c.Data.(type) {
	case *domain.CensusData:
		census[c.Target] = store.Census{Seq: c.Target, Facility: fac, Date: c.Date, Category: d.Category, Count: d.Count, Source: d.Source}
	case *domain.FacilityData:
		// The same rule as a facility record of that date.
		foldEstate(&domain.Event{Kind: domain.KFacility, Date: c.Date, Facility: fac, Data: d}, facs, caps, cells, census)
	}
}
