package domain

import "maps"

// The estate is the other half of the register: the places of detention,
// their official capacity over time, their cells, and the counts recorded
// where there are no individual records (census). Like a person's file it is
// a fold of the ledger, and this is its one fold: the writer uses it to
// decide which rows an event writes, and verify to rebuild those rows from
// the ledger, so that the two cannot come to disagree.

// Facility is a place of detention as its latest record describes it. A
// record dated earlier than the one in force adds to the capacity history
// only.
type Facility struct {
	ID             string
	Name           string
	Kind           FacilityKind
	Province       string
	Capacity       int
	CapacityDate   Date // the date of the record in force
	CapacitySource string
}

// Capacity is one entry of a facility's capacity history, in force from
// From until the facility's next entry.
type Capacity struct {
	Facility string
	From     Date
	Capacity int
	Source   string
}

// Cell is a cell of a facility as its latest record describes it.
type Cell struct {
	Facility string
	Label    string
	AreaM2   float64
	Capacity int
	Category string
}

// Census is an aggregate count from a source without individual records.
type Census struct {
	Seq      int64 // the census event that recorded it; a correction keeps it
	Facility string
	Date     Date
	Category string
	Count    int
	Source   string
}

// CapacityKey identifies a capacity entry: one per facility and date.
type CapacityKey struct {
	Facility string
	From     Date
}

// CellKey identifies a cell: labels are unique within a facility.
type CellKey struct {
	Facility string
	Label    string
}

// Estate is the fold of the facility, cell and census events of the ledger
// and of their corrections. The fold reads only Facilities; the other maps
// are kept when they are not nil, so that a caller which has them elsewhere
// (the writer, whose store holds every census row) need not hold them in
// memory.
type Estate struct {
	Facilities map[string]Facility
	Capacities map[CapacityKey]Capacity
	Cells      map[CellKey]Cell
	Census     map[int64]Census // by the sequence number of the census event
}

// NewEstate is an empty estate that keeps everything.
func NewEstate() *Estate {
	return &Estate{Facilities: map[string]Facility{}, Capacities: map[CapacityKey]Capacity{},
		Cells: map[CellKey]Cell{}, Census: map[int64]Census{}}
}

// Clone is a copy of the estate that can be changed without changing e (a
// map left out of e stays left out).
func (e *Estate) Clone() *Estate {
	return &Estate{Facilities: maps.Clone(e.Facilities), Capacities: maps.Clone(e.Capacities), Cells: maps.Clone(e.Cells),
		Census: maps.Clone(e.Census)}
}

// FacilityKind implements FacilityLookup, so that persons are folded against
// the facilities registered so far.
func (e *Estate) FacilityKind(id string) (FacilityKind, bool) {
	f, ok := e.Facilities[id]
	return f.Kind, ok
}

// EstateChange is what one event changes in the estate. Each row given
// replaces the one with its key: a facility by ID, a capacity by facility and
// date, a cell by facility and label, a census by the census event's
// sequence number. Rows are only ever replaced, never removed, which is why a
// record of the estate can be corrected but not voided.
type EstateChange struct {
	Facility *Facility // nil when the record is older than the one in force
	Capacity *Capacity
	Cell     *Cell
	Census   *Census
}

// Apply folds one event into the estate and returns the rows it changed, or
// says why the event cannot apply to the estate as it stands; the estate is
// then unchanged. Events that concern no facility, cell or census (a
// person's, a pledge) change nothing. A correction given here is one of a
// facility or census record: a person's correction belongs to their file.
//
// The payload is taken as valid (the writer checks it before), and a
// correction as agreeing with its target, which only the ledger can show:
// the fold sees the correction, not the event it corrects. The correction
// takes effect where it stands in the ledger, after the events before it.
func (e *Estate) Apply(ev *Event) (EstateChange, error) {
	var ch EstateChange
	switch d := ev.Data.(type) {
	case *FacilityData:
		ch = e.facilityRecord(ev.Facility, ev.Date, d)
	case *CellData:
		if _, ok := e.Facilities[ev.Facility]; !ok {
			return ch, Invalid("facility", "unknown facility %q", ev.Facility)
		}
		ch.Cell = &Cell{Facility: ev.Facility, Label: d.Label, AreaM2: d.AreaM2, Capacity: d.Capacity, Category: d.Category}
	case *CensusData:
		if _, ok := e.Facilities[ev.Facility]; !ok {
			return ch, Invalid("facility", "unknown facility %q", ev.Facility)
		}
		ch.Census = &Census{Seq: ev.Seq, Facility: ev.Facility, Date: ev.Date, Category: d.Category, Count: d.Count, Source: d.Source}
	case *CorrectionData:
		var err error
		if ch, err = e.correction(ev, d); err != nil {
			return ch, err
		}
	default:
		return ch, nil
	}
	e.record(ch)
	return ch, nil
}

// facilityRecord is the change a facility record of date makes: an entry of
// the capacity history, and the facility's description unless a later
// record is in force. Records of the same date replace each other in ledger
// order.
func (e *Estate) facilityRecord(id string, date Date, d *FacilityData) EstateChange {
	ch := EstateChange{Capacity: &Capacity{Facility: id, From: date, Capacity: d.Capacity, Source: d.CapacitySource}}
	if old, ok := e.Facilities[id]; !ok || old.CapacityDate <= date {
		ch.Facility = &Facility{ID: id, Name: d.Name, Kind: d.Kind, Province: d.Province,
			Capacity: d.Capacity, CapacityDate: date, CapacitySource: d.CapacitySource}
	}
	return ch
}

// correction is the change a correction of a facility or census record
// makes: the corrected record replaces the rows its target made. The
// correction's envelope names the target's facility, so that this needs
// nothing but the ledger; its data may name another.
func (e *Estate) correction(ev *Event, c *CorrectionData) (EstateChange, error) {
	k := c.TargetKind
	if k != KCensus && k != KFacility {
		return EstateChange{}, Invalid("data.target_kind", "a %s event is not a facility or census record: only those are corrected without a person", k)
	}
	if c.Void {
		return EstateChange{}, Invalid("data.void", "a %s record cannot be voided: correct it with the right figures", k)
	}
	fac := c.Facility
	if fac == "" {
		fac = ev.Facility
	}
	switch d := c.Data.(type) {
	case *CensusData:
		if k != KCensus {
			break
		}
		// A count may move to another facility or date.
		if _, ok := e.Facilities[fac]; !ok {
			return EstateChange{}, Invalid("data.facility", "unknown facility %q", fac)
		}
		return EstateChange{Census: &Census{Seq: c.Target, Facility: fac, Date: c.Date, Category: d.Category, Count: d.Count, Source: d.Source}}, nil
	case *FacilityData:
		if k != KFacility {
			break
		}
		// A facility record stays its facility's (the writer also keeps its
		// date): corrected, it counts as a record of that date.
		if fac != ev.Facility {
			return EstateChange{}, Invalid("data.facility", "a facility record cannot move to another facility (%s)", ev.Facility)
		}
		return e.facilityRecord(fac, c.Date, d), nil
	}
	return EstateChange{}, Invalid("data.data", "must be the details of a %s record", k)
}

// record keeps the rows of a change.
func (e *Estate) record(ch EstateChange) {
	if f := ch.Facility; f != nil {
		e.Facilities[f.ID] = *f
	}
	if c := ch.Capacity; c != nil && e.Capacities != nil {
		e.Capacities[CapacityKey{c.Facility, c.From}] = *c
	}
	if c := ch.Cell; c != nil && e.Cells != nil {
		e.Cells[CellKey{c.Facility, c.Label}] = *c
	}
	if c := ch.Census; c != nil && e.Census != nil {
		e.Census[c.Seq] = *c
	}
}
