package intake

import (
	"context"
	"encoding/csv"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// regPlan compares people, admissions and charges sheets with the register.
type regPlan struct {
	main    *sheet
	charges *sheet // with an admissions sheet, its charges
}

// dedupe finds rows that repeat an earlier one: the same person, or the
// same person's admission on the same day. Identical rows are duplicates;
// different ones are an error naming both rows. Charges are not compared:
// two charges of the same offence on one case are two counts.
func (p *regPlan) dedupe(rd *reading) {
	type first struct {
		rw *row
	}
	seen := map[string]first{}
	for _, rw := range rd.rows {
		if rw.bad != nil || rw.sheet != p.main {
			continue
		}
		var key, what string
		switch r := rw.rec.(type) {
		case *personRec:
			key, what = r.id, "person "+r.id
		case *admRec:
			key, what = r.person+"\x00"+r.date.String(), fmt.Sprintf("the admission of %s on %s", r.person, r.date)
		default:
			continue
		}
		f, ok := seen[key]
		if !ok {
			seen[key] = first{rw}
			continue
		}
		if reflect.DeepEqual(f.rw.rec, rw.rec) {
			rw.dup = true
			f.rw.dups = append(f.rw.dups, rw)
			continue
		}
		rd.reject(rw, &RowError{File: rw.sheet.file, Row: rw.num, Msg: fmt.Sprintf("%s is also in row %d, differently", what, f.rw.num)})
	}
}

// storedPerson is what the register holds about a person, with corrections
// applied.
type storedPerson struct {
	registered bool
	regSeq     int64 // the registration: the first person event entered
	regDate    domain.Date
	idSeq      int64 // the identity in force: the last person event entered
	idDate     domain.Date
	identity   domain.PersonData
	adms       []*storedAdm
	changes    []*storedChange
}

type storedAdm struct {
	seq      int64
	date     domain.Date
	facility string
	data     *domain.AdmissionData
	end      *domain.Event // release, death or escape; nil while held
}

type storedChange struct {
	seq     int64
	date    domain.Date
	caseID  string
	charges []domain.Charge
}

// sheetKinds are the events the sheets are made of, and corrections.
var sheetKinds = map[domain.Kind]bool{domain.KPerson: true, domain.KAdmission: true, domain.KCharge: true,
	domain.KRelease: true, domain.KDeath: true, domain.KEscape: true, domain.KCorrection: true}

// decodeSheetEvents decodes the events of a person the sheets are made of:
// decoding is most of the cost of reading a file, and verdicts, hearings,
// health ... are most of the events.
func decodeSheetEvents(stored []store.StoredEvent) ([]*domain.Event, error) {
	keep := make([]store.StoredEvent, 0, len(stored))
	for _, se := range stored {
		if sheetKinds[se.Kind] {
			keep = append(keep, se)
		}
	}
	return store.DecodeEvents(keep)
}

func summarize(evs []*domain.Event) *storedPerson {
	sp := &storedPerson{}
	var cur *storedAdm
	for _, ev := range domain.Effective(evs) {
		switch d := ev.Data.(type) {
		case *domain.PersonData:
			if !sp.registered || ev.Seq < sp.regSeq {
				sp.regSeq, sp.regDate = ev.Seq, ev.Date
			}
			if !sp.registered || ev.Seq > sp.idSeq {
				sp.idSeq, sp.idDate, sp.identity = ev.Seq, ev.Date, *d
			}
			sp.registered = true
		case *domain.AdmissionData:
			cur = &storedAdm{seq: ev.Seq, date: ev.Date, facility: ev.Facility, data: d}
			sp.adms = append(sp.adms, cur)
		case *domain.ReleaseData, *domain.DeathData, *domain.EscapeData:
			if cur != nil && cur.end == nil {
				cur.end = ev
			}
		case *domain.ChargeData:
			c := &storedChange{seq: ev.Seq, date: ev.Date, caseID: d.Case, charges: d.Charges}
			if c.caseID == "" && cur != nil && cur.data.Case != nil {
				c.caseID = cur.data.Case.ID
			}
			sp.changes = append(sp.changes, c)
		}
	}
	return sp
}

// personRows are the rows of an import about one person.
type personRows struct {
	person  *row
	adms    []*row
	charges []*row
	// tainted: a row of the person was left out because of another.
	tainted bool
}

// plan compares the rows with the register, person by person, and returns
// the events that make the register say what the rows say.
func (p *regPlan) plan(ctx context.Context, rd *reading, rows []*row) ([]planned, map[*row][]*RowError, error) {
	s := rd.s
	bad := map[*row][]*RowError{}
	byPerson := map[string]*personRows{}
	get := func(id string) *personRows {
		pr := byPerson[id]
		if pr == nil {
			pr = &personRows{}
			byPerson[id] = pr
		}
		return pr
	}
	for _, rw := range rows {
		rw.status = unchanged
		if rw.dup {
			continue
		}
		switch r := rw.rec.(type) {
		case *personRec:
			get(r.id).person = rw
		case *admRec:
			pr := get(r.person)
			pr.adms = append(pr.adms, rw)
		case *chargeRec:
			pr := get(r.person)
			pr.charges = append(pr.charges, rw)
		}
	}
	ids := make([]string, 0, len(byPerson))
	for id := range byPerson {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	facs := map[string]bool{}
	if p.main.what != People {
		fs, err := s.st.Facilities(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("reading the facilities: %w", err)
		}
		for _, f := range fs {
			facs[f.ID] = true
		}
	}
	cells := map[string]bool{}
	if p.main.what == Admissions {
		cs, err := s.st.Cells(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("reading the cells: %w", err)
		}
		for _, c := range cs {
			cells[c.Facility+"\x00"+c.Label] = true
		}
	}
	h, err := s.st.Head(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the ledger head: %w", err)
	}
	pl := &personPlanner{rd: rd, facs: facs, cells: cells, bad: bad, today: domain.DateOf(s.now().UTC())}
	const batch = 2048
	for lo := 0; lo < len(ids); lo += batch {
		if err := ctx.Err(); err != nil {
			return nil, nil, fmt.Errorf("import interrupted while checking against the register, nothing was written: %w", err)
		}
		rd.progress("checking", float64(lo)/float64(len(ids)))
		part := ids[lo:min(lo+batch, len(ids))]
		var stored map[string][]store.StoredEvent
		if h.Seq > 0 {
			if stored, err = s.st.PersonEvents(ctx, part); err != nil {
				return nil, nil, fmt.Errorf("reading the register's files of the people in %s: %w", rd.opt.File, err)
			}
		}
		for _, id := range part {
			sp := &storedPerson{}
			if evs := stored[id]; len(evs) > 0 {
				dec, err := decodeSheetEvents(evs)
				if err != nil {
					return nil, nil, fmt.Errorf("reading the file of %s: %w (run habeas verify)", id, err)
				}
				sp = summarize(dec)
			}
			pl.person(id, sp, byPerson[id])
		}
	}
	return append(pl.events, pl.corrections...), bad, nil
}

// personPlanner turns one person's rows into events.
type personPlanner struct {
	rd    *reading
	facs  map[string]bool
	cells map[string]bool // facility NUL label
	bad   map[*row][]*RowError
	today domain.Date
	// people names the people sheet imported with the admissions, if any.
	people      string
	events      []planned
	corrections []planned
}

func (pl *personPlanner) fail(rw *row, field, format string, args ...any) {
	col := ""
	if field != "" {
		col = columnOf(rw.sheet.b, field)
	}
	pl.bad[rw] = append(pl.bad[rw], &RowError{File: rw.sheet.file, Row: rw.num, Column: col, Msg: fmt.Sprintf(format, args...)})
}

func mark(rw *row, s status) {
	if s > rw.status {
		rw.status = s
	}
}

func (pl *personPlanner) correct(rw *row, also []*row, person string, target int64, kind domain.Kind, date domain.Date, facility, what string, data any) {
	reason := fmt.Sprintf("revised by %s row %d", rw.sheet.file, rw.num)
	if what != "" {
		reason += ": " + what
	}
	pl.corrections = append(pl.corrections, planned{ev: &domain.Event{Kind: domain.KCorrection, Date: pl.today, Person: person,
		Data: &domain.CorrectionData{Target: target, TargetKind: kind, Reason: reason, Date: date, Facility: facility, Data: data}}, row: rw, also: also})
	mark(rw, corrected)
}

// episode is one custody episode of a person, from the sheet, the register
// or both.
type episode struct {
	date     domain.Date
	facility string
	caseID   string
	rw       *row // the admission row, nil for an episode only the register has
	rec      *admRec
	st       *storedAdm
	endDate  domain.Date
	hasEnd   bool
	// charges at admission, and later changes, from the charges sheet
	atAdmission *chargeGroup
	changes     []*chargeGroup
}

type chargeGroup struct {
	caseID  string
	date    domain.Date
	rows    []*row
	charges []domain.Charge
}

// others are the rows of g but rw (nil for no group).
func (g *chargeGroup) others(rw *row) []*row {
	if g == nil {
		return nil
	}
	out := make([]*row, 0, len(g.rows))
	for _, o := range g.rows {
		if o != rw {
			out = append(out, o)
		}
	}
	return out
}

func (pl *personPlanner) person(id string, sp *storedPerson, pr *personRows) {
	if rw := pr.person; rw != nil {
		pl.identity(id, sp, rw)
		if len(pr.adms) == 0 && len(pr.charges) == 0 {
			return
		}
		if !sp.registered && pl.bad[rw] == nil {
			// Registered by this import, just before the episodes.
			sp = &storedPerson{registered: true}
		}
	}
	if !sp.registered {
		for _, rw := range append(append([]*row(nil), pr.adms...), pr.charges...) {
			if pl.people != "" {
				pl.fail(rw, "person.id", "person %s is neither in the register nor, valid, in %s", id, pl.people)
			} else {
				pl.fail(rw, "person.id", "person %s is not in the register: import people first", id)
			}
		}
		return
	}
	// Episodes: the register's, matched with the sheet's by date.
	var eps []*episode
	byDate := map[domain.Date]*episode{}
	for _, a := range sp.adms {
		e := &episode{date: a.date, facility: a.facility, st: a}
		if a.data.Case != nil {
			e.caseID = a.data.Case.ID
		}
		if a.end != nil {
			e.endDate, e.hasEnd = a.end.Date, true
		}
		eps = append(eps, e)
		byDate[a.date] = e
	}
	for _, rw := range pr.adms {
		r := rw.rec.(*admRec)
		if !pl.facs[r.facility] {
			pl.fail(rw, "admission.facility", "unknown facility %q: import facilities first", r.facility)
			continue
		}
		if c := r.data.Cell; c != "" && !pl.cells[r.facility+"\x00"+c] {
			pl.fail(rw, "admission.cell", "no cell %q is registered in %s: register the facility's cells first (cell events, habeas import events), or leave the column out of the mapping", c, r.facility)
			continue
		}
		e := byDate[r.date]
		if e == nil {
			e = &episode{date: r.date}
			eps = append(eps, e)
			byDate[r.date] = e
		}
		e.rw, e.rec, e.facility = rw, r, r.facility
		if r.data.Case != nil {
			e.caseID = r.data.Case.ID
		}
		if r.end != "" {
			e.endDate, e.hasEnd = r.endDate, true
		}
	}
	sort.Slice(eps, func(i, j int) bool { return eps[i].date < eps[j].date })
	// One custody at a time.
	var live []*episode
	for i, e := range eps {
		if e.rw != nil && pl.bad[e.rw] != nil {
			continue
		}
		if i > 0 {
			prev := eps[i-1]
			if prev.rw == nil || pl.bad[prev.rw] == nil {
				where := "in the register"
				if prev.rw != nil {
					where = fmt.Sprintf("row %d", prev.rw.num)
				}
				blame := e.rw
				if blame == nil {
					blame = prev.rw
				}
				switch {
				case blame == nil:
				case !prev.hasEnd:
					pl.fail(blame, "admission.date", "%s is already held in %s since %s (%s), with no release before the admission on %s", id, prev.facility, prev.date, where, e.date)
					continue
				case prev.endDate > e.date:
					pl.fail(blame, "admission.date", "%s is held in %s from %s until %s (%s), which overlaps the admission on %s", id, prev.facility, prev.date, prev.endDate, where, e.date)
					continue
				}
			}
		}
		live = append(live, e)
	}
	// Charges, grouped by case and date: the charges in force from that day.
	var groups []*chargeGroup
	gkey := map[string]*chargeGroup{}
	for _, rw := range pr.charges {
		r := rw.rec.(*chargeRec)
		k := r.caseID + "\x00" + r.date.String()
		g := gkey[k]
		if g == nil {
			g = &chargeGroup{caseID: r.caseID, date: r.date}
			gkey[k] = g
			groups = append(groups, g)
		}
		g.rows = append(g.rows, rw)
		g.charges = append(g.charges, r.charge)
	}
	for _, g := range groups {
		var home *episode
		for _, e := range live {
			if e.caseID != g.caseID {
				continue
			}
			if e.date == g.date {
				home = e
				e.atAdmission = g
				break
			}
			if e.date < g.date && (!e.hasEnd || g.date <= e.endDate) {
				home = e
				e.changes = append(e.changes, g)
				break
			}
		}
		if home == nil {
			for _, rw := range g.rows {
				pl.fail(rw, "charge.case", "%s is not held on case %s on %s: no admission on this case covers the date (import the admissions first)", id, g.caseID, g.date)
			}
		}
	}
	// The events, in date order; corrections at the end.
	var evs []planned
	for _, e := range live {
		evs = pl.episode(id, sp, e, evs)
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].ev.Date < evs[j].ev.Date })
	pl.events = append(pl.events, evs...)
}

// identity plans a people row.
func (pl *personPlanner) identity(id string, sp *storedPerson, rw *row) {
	r := rw.rec.(*personRec)
	if !sp.registered {
		data := r.data
		pl.events = append(pl.events, planned{ev: &domain.Event{Kind: domain.KPerson, Date: r.date, Person: id, Data: &data}, row: rw})
		mark(rw, added)
		return
	}
	single := sp.idSeq == sp.regSeq
	if sp.identity == r.data && (!single || sp.regDate == r.date) {
		return
	}
	date := sp.idDate
	if single {
		date = r.date
	}
	data := r.data
	pl.correct(rw, nil, id, sp.idSeq, domain.KPerson, date, "", personDiff(sp, r, single), &data)
}

func personDiff(sp *storedPerson, r *personRec, single bool) string {
	var diffs []string
	a, b := reflect.ValueOf(sp.identity), reflect.ValueOf(r.data)
	t := a.Type()
	for i := range t.NumField() {
		if !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			diffs = append(diffs, name)
		}
	}
	if single && sp.regDate != r.date {
		diffs = append(diffs, fmt.Sprintf("registered %s, now %s", sp.regDate, r.date))
	}
	return "changed " + strings.Join(diffs, ", ")
}

// episode plans an episode's admission, charges and end.
func (pl *personPlanner) episode(id string, sp *storedPerson, e *episode, evs []planned) []planned {
	markGroup := func(g *chargeGroup, s status) {
		if g == nil {
			return
		}
		for _, rw := range g.rows {
			mark(rw, s)
		}
	}
	var charges []domain.Charge
	if g := e.atAdmission; g != nil {
		charges = g.charges
	}
	switch {
	case e.st == nil:
		// A new admission.
		d := e.rec.data
		if d.Case != nil {
			c := *d.Case
			c.Charges = charges
			d.Case = &c
		}
		evs = append(evs, planned{ev: &domain.Event{Kind: domain.KAdmission, Date: e.date, Person: id, Facility: e.facility, Data: &d}, row: e.rw, also: e.atAdmission.others(e.rw)})
		markGroup(e.atAdmission, added)
		mark(e.rw, added)
	default:
		d := *e.st.data
		if r := e.rec; r != nil {
			if r.data.Cell != "" {
				d.Cell = r.data.Cell
			}
			d.Status = r.data.Status
			if r.data.Order != nil {
				d.Order = r.data.Order
			}
			if rc := r.data.Case; rc != nil {
				c := *rc
				if d.Case != nil {
					c.Charges = d.Case.Charges
				}
				d.Case = &c
			}
		}
		if e.atAdmission != nil && d.Case != nil {
			c := *d.Case
			c.Charges = charges
			d.Case = &c
		}
		if e.facility != e.st.facility || !reflect.DeepEqual(d, *e.st.data) {
			rw := e.rw
			if rw == nil {
				rw = e.atAdmission.rows[0]
			}
			pl.correct(rw, e.atAdmission.others(rw), id, e.st.seq, domain.KAdmission, e.date, e.facility, "the admission as the sheet gives it", &d)
			markGroup(e.atAdmission, corrected)
		}
	}
	for _, g := range e.changes {
		data := &domain.ChargeData{Case: g.caseID, Charges: g.charges}
		var old *storedChange
		for _, c := range sp.changes {
			if c.date == g.date && c.caseID == g.caseID {
				old = c
			}
		}
		switch {
		case old == nil:
			evs = append(evs, planned{ev: &domain.Event{Kind: domain.KCharge, Date: g.date, Person: id, Data: data}, row: g.rows[0], also: g.rows[1:]})
			markGroup(g, added)
		case !reflect.DeepEqual(old.charges, g.charges):
			pl.correct(g.rows[0], g.rows[1:], id, old.seq, domain.KCharge, g.date, "", "the charges as the sheet gives them", data)
			markGroup(g, corrected)
		}
	}
	r := e.rec
	if r == nil || r.end == "" {
		return evs
	}
	kind, data := domain.KRelease, any(&domain.ReleaseData{Mechanism: domain.Mechanism(r.end), Authority: r.endAuth, Reference: r.endRef})
	switch r.end {
	case endDeath:
		kind, data = domain.KDeath, &domain.DeathData{}
	case endEscape:
		kind, data = domain.KEscape, &domain.EscapeData{}
	}
	var old *domain.Event
	if e.st != nil {
		old = e.st.end
	}
	switch {
	case old == nil:
		evs = append(evs, planned{ev: &domain.Event{Kind: kind, Date: r.endDate, Person: id, Data: data}, row: e.rw})
		mark(e.rw, added)
	case old.Kind != kind:
		pl.fail(e.rw, "admission.release_mechanism", "the register records a %s of %s on %s, this row a %s: correct the register's event itself (habeas import events, docs/interchange.md section 11)", old.Kind, id, old.Date, r.end)
	default:
		switch d := old.Data.(type) {
		case *domain.ReleaseData:
			n := *d
			n.Mechanism = domain.Mechanism(r.end)
			if r.endAuth != "" {
				n.Authority = r.endAuth
			}
			if r.endRef != "" {
				n.Reference = r.endRef
			}
			if n != *d || old.Date != r.endDate {
				pl.correct(e.rw, nil, id, old.Seq, kind, r.endDate, "", fmt.Sprintf("release on %s by %s, was %s by %s", r.endDate, n.Mechanism, old.Date, d.Mechanism), &n)
			}
		default:
			if old.Date != r.endDate {
				pl.correct(e.rw, nil, id, old.Seq, kind, r.endDate, "", fmt.Sprintf("%s on %s, was %s", kind, r.endDate, old.Date), old.Data)
			}
		}
	}
	return evs
}

// writeRejects writes the rows left out of each sheet to its rejects file.
func (p *regPlan) writeRejects(rd *reading) error {
	for _, sh := range []*sheet{p.main, p.charges} {
		if sh == nil {
			continue
		}
		var rows []*row
		for _, rw := range rd.rows {
			if rw.sheet == sh && rw.bad != nil {
				sh.res.Rejected++
				rows = append(rows, rw)
			}
		}
		if err := writeSheetRejects(sh, rows); err != nil {
			return err
		}
	}
	return nil
}

// writeSheetRejects writes rows left out of a sheet to its rejects file:
// the row number, the problems, then the row as it was.
func writeSheetRejects(sh *sheet, rows []*row) error {
	w := csv.NewWriter(sh.rejects)
	if err := w.Write(append([]string{"row", "problem"}, rejectCells(nil, sh.b.Header)...)); err != nil {
		return fmt.Errorf("writing the rejects of %s: %w", sh.file, err)
	}
	for _, rw := range rows {
		msgs := make([]string, len(rw.bad))
		for i, e := range rw.bad {
			msgs[i] = strings.TrimPrefix(e.Error(), fmt.Sprintf("%s: row %d: ", e.File, e.Row))
		}
		if err := w.Write(append([]string{fmt.Sprint(rw.num), strings.Join(msgs, "; ")}, rejectCells(sh.b, rw.cells)...)); err != nil {
			return fmt.Errorf("writing the rejects of %s: %w", sh.file, err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("writing the rejects of %s: %w", sh.file, err)
	}
	return nil
}
