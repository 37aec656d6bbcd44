package intake

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/mapping"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/tabular"
)

// facRec is what a row says about a facility.
type facRec struct {
	id       string
	date     domain.Date // from when the capacity holds
	capacity int
	capKnown bool
	name     string
	kind     domain.FacilityKind
	province string
	source   string
	dup      bool // repeats an earlier row
}

// censusRec is one count of a row.
type censusRec struct {
	facility string
	date     domain.Date
	category string
	count    int
	source   string
	note     string
}

// describes reports whether the mapping reads facility details from the
// rows, so that a census import also registers and updates facilities.
func describes(b *mapping.Bound) bool {
	for _, f := range []string{"facility.name", "facility.kind", "facility.province", "facility.capacity"} {
		if b.Has(f) {
			return true
		}
	}
	return false
}

// interpret reads a row's records; problems go to the row.
func (rd *reading) interpret(rw *row, tr tabular.Row) {
	b := rd.b
	if !rd.shape(rw, b, tr) {
		return
	}
	if col, ok := b.Total(tr); ok {
		rd.rowErr(rw, col, "%s looks like a total, not a facility: leave the row out with a skip rule (skip: [{column: %q, equals: %s}]), or keep such rows with totals: [] in the mapping",
			tabular.Clip(tr.Cell(headerIndex(b, col))), col, tabular.Clip(tr.Cell(headerIndex(b, col))))
		rd.reject(rw, rw.bad...)
		return
	}
	id, _, err := b.Get("facility.id", tr)
	if err == mapping.ErrNoValue {
		rd.rowErr(rw, columnOf(b, "facility.id"), "the facility identifier is missing")
	} else if err != nil {
		rd.cellErr(rw, "facility.id", err)
	}
	var censusDate domain.Date
	if rd.opt.What == Census {
		d, ok, err := b.Date("census.date", tr)
		switch {
		case err != nil:
			rd.cellErr(rw, "census.date", err)
		case !ok:
			rd.rowErr(rw, columnOf(b, "census.date"), "the date of the counts is missing")
		default:
			censusDate = d
		}
	}
	if rd.opt.What == Facilities || describes(b) {
		f := &facRec{id: id}
		f.name = rd.text(rw, tr, "facility.name")
		f.province = rd.text(rw, tr, "facility.province")
		if k := rd.text(rw, tr, "facility.kind"); k != "" {
			if !domain.In(domain.FacilityKind(k), domain.FacilityKinds) {
				rd.rowErr(rw, columnOf(b, "facility.kind"), "%s is not a kind of facility habeas knows (%s): translate it with values: in the mapping's facility.kind",
					tabular.Clip(k), kindList())
			}
			f.kind = domain.FacilityKind(k)
		}
		n, ok, err := b.Whole("facility.capacity", tr)
		switch {
		case err != nil:
			rd.cellErr(rw, "facility.capacity", err)
		case ok && n < 0:
			rd.rowErr(rw, columnOf(b, "facility.capacity"), "a capacity cannot be negative (%d)", n)
		case ok && n > domain.MaxFacilityCount:
			rd.rowErr(rw, columnOf(b, "facility.capacity"), "a capacity of %d is more places than any facility has (at most %d): check the cell", n, domain.MaxFacilityCount)
		case ok:
			f.capacity, f.capKnown = n, true
		}
		if b.Has("facility.capacity_date") {
			d, ok, err := b.Date("facility.capacity_date", tr)
			switch {
			case err != nil:
				rd.cellErr(rw, "facility.capacity_date", err)
			case !ok:
				rd.rowErr(rw, columnOf(b, "facility.capacity_date"), "the date of the capacity is missing")
			default:
				f.date = d
			}
		} else if rd.opt.What == Facilities {
			d, ok, err := b.Date("census.date", tr)
			switch {
			case err != nil:
				rd.cellErr(rw, "census.date", err)
			case !ok:
				rd.rowErr(rw, columnOf(b, "census.date"), "the date is missing")
			default:
				f.date = d
			}
		} else {
			f.date = censusDate
		}
		f.source = rd.text(rw, tr, "facility.capacity_source")
		if f.source == "" {
			f.source = b.M.Source
		}
		rw.fac = f
	}
	if rd.opt.What == Census {
		source := rd.text(rw, tr, "census.source")
		if source == "" {
			source = b.M.Source
		}
		if source == "" {
			rd.rowErr(rw, columnOf(b, "census.source"), "the source of the counts is missing")
		}
		note := rd.text(rw, tr, "census.note")
		for _, cat := range b.M.Categories {
			field := "census.counts." + cat
			n, ok, err := b.Whole(field, tr)
			switch {
			case err != nil:
				rd.cellErr(rw, field, err)
			case !ok:
				// A blank is unknown, never zero: nothing is recorded.
			case n < 0:
				rd.rowErr(rw, columnOf(b, field), "a count cannot be negative (%d)", n)
			case n > domain.MaxFacilityCount:
				rd.rowErr(rw, columnOf(b, field), "%d people is more than any facility holds (at most %d): check the cell", n, domain.MaxFacilityCount)
			default:
				rw.census = append(rw.census, censusRec{facility: id, date: censusDate, category: cat, count: n, source: source, note: note})
			}
		}
		if len(rw.bad) == 0 && len(rw.census) == 0 {
			rd.res.NoCounts++
		}
	}
	if len(rw.bad) > 0 {
		rd.reject(rw, rw.bad...)
	}
}

// shape checks the row's width against the header (mapping.Bound.Shape);
// a row of the wrong width is rejected at once, since its cells cannot be
// trusted to be in their columns.
func (rd *reading) shape(rw *row, b *mapping.Bound, tr tabular.Row) bool {
	ce := b.Shape(tr)
	if ce == nil {
		return true
	}
	rd.rowErr(rw, ce.Column, "%s", ce.Msg)
	rd.reject(rw, rw.bad...)
	return false
}

// headerIndex is the index of a column of the header, -1 when absent.
func headerIndex(b *mapping.Bound, col string) int {
	for i, h := range b.Header {
		if h == col {
			return i
		}
	}
	return -1
}

// text reads an optional text field; a translation error goes to the row.
func (rd *reading) text(rw *row, tr tabular.Row, field string) string {
	v, _, err := rd.b.Get(field, tr)
	if err == mapping.ErrNoValue {
		return ""
	}
	if err != nil {
		rd.cellErr(rw, field, err)
		return ""
	}
	return v
}

// columnOf names the first column a field reads, for messages.
func columnOf(b *mapping.Bound, field string) string {
	f := b.M.Fields[field]
	if f == nil {
		return ""
	}
	for _, a := range f.Alts {
		if a.Column != "" {
			return a.Column
		}
		if len(a.Columns) > 0 {
			return strings.Join(a.Columns, " + ")
		}
	}
	return ""
}

func kindList() string {
	k := make([]string, len(domain.FacilityKinds))
	for i, v := range domain.FacilityKinds {
		k[i] = string(v)
	}
	return strings.Join(k, ", ")
}

// dedupe finds rows that repeat an earlier one. The same figure twice is
// harmless and counted as a duplicate; two different figures for the same
// facility, date and category are an error naming both rows.
func (rd *reading) dedupe() {
	type facFirst struct {
		rec *facRec
		row int
	}
	type censusFirst struct {
		count int
		row   int
	}
	facs := map[string]facFirst{}
	counts := map[string]censusFirst{}
	for _, rw := range rd.rows {
		if rw.bad != nil {
			continue
		}
		repeated := false
		var errs []*RowError
		if f := rw.fac; f != nil {
			key := f.id + "\x00" + f.date.String()
			if first, ok := facs[key]; ok {
				if field, msg := facConflict(first.rec, f); msg != "" {
					errs = append(errs, &RowError{File: rd.opt.File, Row: rw.num, Column: columnOf(rd.b, field),
						Msg: fmt.Sprintf("facility %s on %s: %s than row %d says", f.id, f.date, msg, first.row)})
				} else {
					f.dup, repeated = true, true
				}
			} else {
				facs[key] = facFirst{f, rw.num}
			}
		}
		var kept []censusRec
		for _, c := range rw.census {
			key := c.facility + "\x00" + c.date.String() + "\x00" + c.category
			if first, ok := counts[key]; ok {
				if first.count != c.count {
					errs = append(errs, &RowError{File: rd.opt.File, Row: rw.num, Column: columnOf(rd.b, "census.counts."+c.category),
						Msg: fmt.Sprintf("facility %s on %s: %s is %d here but %d in row %d", c.facility, c.date, c.category, c.count, first.count, first.row)})
				}
				repeated = true
				continue
			}
			counts[key] = censusFirst{c.count, rw.num}
			kept = append(kept, c)
		}
		rw.census = kept
		if len(errs) > 0 {
			rd.reject(rw, errs...)
			continue
		}
		// A row that only repeats earlier rows; a row of missing counts has
		// nothing to repeat and is not one.
		rw.dup = repeated && (rw.fac == nil || rw.fac.dup) && len(kept) == 0
	}
	rd.warnSums()
}

// warnSums warns of a count that equals the sum of the other rows' counts
// of its date and category: a total under a facility's name, which the
// total words (mapping totals) did not catch, would double the figure.
func (rd *reading) warnSums() {
	type entry struct {
		rw *row
		c  censusRec
	}
	groups := map[string][]entry{}
	var order []string
	for _, rw := range rd.rows {
		if rw.bad != nil {
			continue
		}
		for _, c := range rw.census {
			key := c.date.String() + "\x00" + c.category
			if groups[key] == nil {
				order = append(order, key)
			}
			groups[key] = append(groups[key], entry{rw, c})
		}
	}
	for _, key := range order {
		g := groups[key]
		if len(g) < 3 {
			continue // with two rows, equal counts are a coincidence
		}
		sum := 0
		for _, e := range g {
			sum += e.c.count
		}
		for _, e := range g {
			if e.c.count > 0 && 2*e.c.count == sum {
				rd.res.Warnings = append(rd.res.Warnings, fmt.Sprintf("%s: row %d: %s of %s on %s is %d, the sum of the other %d rows of that date: if it is a total, leave it out (a skip rule in the mapping)",
					rd.opt.File, e.rw.num, e.c.category, e.c.facility, e.c.date, e.c.count, len(g)-1))
			}
		}
	}
}

// capacityAt is the capacity in force on a date in a facility's history, 0
// when none is known.
func capacityAt(hist []store.Capacity, d domain.Date) int {
	n := 0
	for _, h := range hist {
		if h.From <= d {
			n = h.Capacity
		}
	}
	return n
}

// maxOccupancy is how many times its capacity a facility is taken to hold
// at most: the most crowded prisons reported hold a few times theirs, so a
// count far above it is a misread cell.
const maxOccupancy = 100

// facConflict says how two records of a facility on one date disagree, and
// which field does.
func facConflict(a, b *facRec) (string, string) {
	switch {
	case a.capKnown && b.capKnown && a.capacity != b.capacity:
		return "facility.capacity", fmt.Sprintf("the capacity is %d here, other", b.capacity)
	case a.name != "" && b.name != "" && a.name != b.name:
		return "facility.name", fmt.Sprintf("the name is %s here, other", tabular.Clip(b.name))
	case a.kind != "" && b.kind != "" && a.kind != b.kind:
		return "facility.kind", fmt.Sprintf("the kind is %s here, other", b.kind)
	case a.province != "" && b.province != "" && a.province != b.province:
		return "facility.province", fmt.Sprintf("the province is %s here, other", tabular.Clip(b.province))
	}
	return "", ""
}

// planned is an event to append and the row it comes from.
type planned struct {
	ev  *domain.Event
	row *row
	// also are the other rows the event is made of (the charges of an
	// admission, the other charges of a change): refused, it takes them
	// with it.
	also []*row
	// tainted: the plan of the person left out rows that could have been
	// planned had this event's row not been there (refusals.refuse).
	tainted bool
}

// registerState is what the register holds about facilities and counts.
type registerState struct {
	facs   map[string]store.Facility
	caps   map[string][]store.Capacity // by facility, in date order
	census map[string]store.Census     // by facility, date, category
	// facSeq finds the facility event of a facility and date, read from
	// the ledger only when a capacity is corrected.
	facSeq map[string]int64
	// cells by facility and label, read by a cells import only.
	cells map[string]store.Cell
}

func (s *Service) loadState(ctx context.Context) (*registerState, error) {
	st := &registerState{facs: map[string]store.Facility{}, caps: map[string][]store.Capacity{}, census: map[string]store.Census{}}
	facs, err := s.st.Facilities(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the facilities: %w", err)
	}
	for _, f := range facs {
		st.facs[f.ID] = f
	}
	caps, err := s.st.Capacities(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the capacities: %w", err)
	}
	for _, c := range caps {
		st.caps[c.Facility] = append(st.caps[c.Facility], c)
	}
	for _, h := range st.caps {
		sort.Slice(h, func(i, j int) bool { return h[i].From < h[j].From })
	}
	cs, err := s.st.Census(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the census records: %w", err)
	}
	for _, c := range cs {
		key := c.Facility + "\x00" + c.Date.String() + "\x00" + c.Category
		if old, ok := st.census[key]; !ok || c.Seq > old.Seq {
			st.census[key] = c
		}
	}
	return st, nil
}

// facilityEvent finds the ledger event that recorded a facility on a date.
func (s *Service) facilityEvent(ctx context.Context, st *registerState, id string, date domain.Date) (int64, error) {
	if st.facSeq == nil {
		st.facSeq = map[string]int64{}
		err := s.st.Events(ctx, 1, func(e store.StoredEvent) error {
			if e.Kind == domain.KFacility {
				st.facSeq[e.Facility+"\x00"+e.Date.String()] = e.Seq
			}
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("reading the facility records: %w", err)
		}
	}
	seq, ok := st.facSeq[id+"\x00"+date.String()]
	if !ok {
		return 0, fmt.Errorf("the register has a capacity of %s on %s but no facility event for it (run habeas verify)", id, date)
	}
	return seq, nil
}

// plan compares the rows with the register and returns the events that make
// the register say what the rows say, and the rows that cannot be loaded.
func (rd *reading) plan(ctx context.Context, st *registerState, rows []*row) ([]planned, map[*row][]*RowError, error) {
	file := rd.opt.File
	bad := map[*row][]*RowError{}
	var facEvents, censusEvents, corrections []planned
	today := domain.DateOf(rd.s.now().UTC())
	for _, rw := range rows {
		rw.status = unchanged
	}
	mark := func(rw *row, s status) {
		if s > rw.status {
			rw.status = s
		}
	}

	// Facilities, each in date order.
	type recRow struct {
		f  *facRec
		rw *row
	}
	byFac := map[string][]recRow{}
	var order []string
	for _, rw := range rows {
		if rw.fac == nil || rw.fac.dup {
			continue
		}
		if _, seen := byFac[rw.fac.id]; !seen {
			order = append(order, rw.fac.id)
		}
		byFac[rw.fac.id] = append(byFac[rw.fac.id], recRow{rw.fac, rw})
	}
	// capsAfter is each facility's capacities with this file's, for the
	// check of counts against them.
	capsAfter := map[string][]store.Capacity{}
	known := map[string]bool{}
	for id := range st.facs {
		known[id] = true
	}
	for _, id := range order {
		recs := byFac[id]
		sort.SliceStable(recs, func(i, j int) bool { return recs[i].f.date < recs[j].f.date })
		cur, exists := st.facs[id]
		hist := append([]store.Capacity(nil), st.caps[id]...)
		stored := map[domain.Date]bool{}
		for _, h := range hist {
			stored[h.From] = true
		}
		for _, rr := range recs {
			f, rw := rr.f, rr.rw
			if !exists {
				if f.name == "" || f.kind == "" || f.province == "" {
					bad[rw] = append(bad[rw], &RowError{File: file, Row: rw.num, Msg: fmt.Sprintf("facility %s is not in the register: its name, kind and province are needed to register it", id)})
					continue
				}
				cur = store.Facility{ID: id, Name: f.name, Kind: f.kind, Province: f.province, Capacity: f.capacity, CapacityDate: f.date, CapacitySource: f.source}
				exists = true
				hist = insertCap(hist, store.Capacity{Facility: id, From: f.date, Capacity: f.capacity, Source: f.source})
				facEvents = append(facEvents, planned{ev: facilityEvent(cur, f.date), row: rw})
				known[id] = true
				mark(rw, added)
				continue
			}
			name, kind, province := orDefault(f.name, cur.Name), domain.FacilityKind(orDefault(string(f.kind), string(cur.Kind))), orDefault(f.province, cur.Province)
			descChanged := f.date >= cur.CapacityDate && (name != cur.Name || kind != cur.Kind || province != cur.Province)
			var inForce *store.Capacity
			var exact bool
			for i := range hist {
				if hist[i].From <= f.date {
					inForce = &hist[i]
				}
			}
			exact = inForce != nil && inForce.From == f.date
			capChanged := f.capKnown && (inForce == nil || inForce.Capacity != f.capacity)
			if !capChanged && !descChanged {
				continue
			}
			capacity := f.capacity
			if !f.capKnown && inForce != nil {
				capacity = inForce.Capacity
			}
			next := store.Facility{ID: id, Name: name, Kind: kind, Province: province, Capacity: capacity, CapacityDate: f.date, CapacitySource: f.source}
			if exact && stored[f.date] {
				seq, err := rd.s.facilityEvent(ctx, st, id, f.date)
				if err != nil {
					return nil, nil, err
				}
				reason := fmt.Sprintf("revised by %s row %d", file, rw.num)
				if capChanged {
					reason = fmt.Sprintf("revised by %s row %d: capacity was %d, now %d", file, rw.num, inForce.Capacity, capacity)
				}
				corrections = append(corrections, planned{ev: &domain.Event{Kind: domain.KCorrection, Date: today, Facility: id,
					Data: &domain.CorrectionData{Target: seq, TargetKind: domain.KFacility, Reason: reason, Date: f.date,
						Data: facilityData(next)}}, row: rw})
				inForce.Capacity = capacity
				mark(rw, corrected)
			} else {
				hist = insertCap(hist, store.Capacity{Facility: id, From: f.date, Capacity: capacity, Source: f.source})
				facEvents = append(facEvents, planned{ev: facilityEvent(next, f.date), row: rw})
				mark(rw, added)
			}
			if f.date >= cur.CapacityDate {
				cur = next
			}
		}
		capsAfter[id] = hist
	}

	// Counts, in row order.
	for _, rw := range rows {
		if bad[rw] != nil {
			continue
		}
		for _, c := range rw.census {
			if !known[c.facility] {
				bad[rw] = append(bad[rw], &RowError{File: file, Row: rw.num, Column: columnOf(rd.b, "facility.id"),
					Msg: fmt.Sprintf("facility %s is not in the register: import facilities first, or map its name, kind and province", c.facility)})
				break
			}
			hist, ok := capsAfter[c.facility]
			if !ok {
				hist = st.caps[c.facility]
			}
			if capacity := capacityAt(hist, c.date); capacity > 0 && c.count > maxOccupancy*capacity {
				bad[rw] = append(bad[rw], &RowError{File: file, Row: rw.num, Column: columnOf(rd.b, "census.counts."+c.category),
					Msg: fmt.Sprintf("%s of %s on %s is %d, more than %d times its capacity of %d: check the cell", c.category, c.facility, c.date, c.count, maxOccupancy, capacity)})
				break
			}
			data := &domain.CensusData{Category: c.category, Count: c.count, Source: c.source, Note: c.note}
			old, ok := st.census[c.facility+"\x00"+c.date.String()+"\x00"+c.category]
			switch {
			case !ok:
				censusEvents = append(censusEvents, planned{ev: &domain.Event{Kind: domain.KCensus, Date: c.date, Facility: c.facility, Data: data}, row: rw})
				mark(rw, added)
			case old.Count != c.count:
				reason := fmt.Sprintf("revised by %s row %d: %s was %d, now %d", file, rw.num, c.category, old.Count, c.count)
				corrections = append(corrections, planned{ev: &domain.Event{Kind: domain.KCorrection, Date: today, Facility: old.Facility,
					Data: &domain.CorrectionData{Target: old.Seq, TargetKind: domain.KCensus, Reason: reason, Date: c.date, Data: data}}, row: rw})
				mark(rw, corrected)
			}
		}
	}
	out := append(facEvents, censusEvents...)
	return append(out, corrections...), bad, nil
}

func insertCap(hist []store.Capacity, c store.Capacity) []store.Capacity {
	i := sort.Search(len(hist), func(i int) bool { return hist[i].From >= c.From })
	hist = append(hist, store.Capacity{})
	copy(hist[i+1:], hist[i:])
	hist[i] = c
	return hist
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func facilityData(f store.Facility) *domain.FacilityData {
	return &domain.FacilityData{Name: f.Name, Kind: f.Kind, Province: f.Province, Capacity: f.Capacity, CapacitySource: f.CapacitySource}
}

func facilityEvent(f store.Facility, date domain.Date) *domain.Event {
	return &domain.Event{Kind: domain.KFacility, Date: date, Facility: f.ID, Data: facilityData(f)}
}
