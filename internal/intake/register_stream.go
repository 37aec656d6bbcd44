package intake

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/mapping"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/tabular"
)

// Sheet is one sheet of a whole register's import. It is opened once per
// pass: a pass that finds the sheets out of person order starts again from
// the top (as, rarely, one that the ledger refuses a row of whose leaving
// out changes the plan of other rows: see refusals).
type Sheet struct {
	Open func() (tabular.Reader, error)
	// Mapping of the sheet; nil reads habeas's own layout.
	Mapping *mapping.Mapping
	File    string
	// Rejects receives the rows left out (with SkipInvalid).
	Rejects io.Writer
}

// RegisterSheets are the sheets of a register: people, and optionally
// their admissions and the charges that go with them.
type RegisterSheets struct {
	People, Admissions, Charges *Sheet
}

// RegisterResult says what the import of a register did, sheet by sheet.
type RegisterResult struct {
	People, Admissions, Charges *Result // nil for a sheet not given
	Events                      int
	DryRun                      bool
	// InMemory is set when the sheets were not in person order and were
	// held in memory to be grouped by person.
	InMemory bool
}

// smallLedger bounds the ledgers that ImportRegister counts the persons of
// (a scan) rather than look each person up.
const smallLedger = 1_000_000

// errUnordered stops a streaming pass over sheets not in person order.
var errUnordered = errors.New("the sheets are not in person order")

// ImportRegister loads people, admissions and charges sheets in one pass
// and one transaction. The sheets are read side by side, person by person
// (habeas exports them in person id order; other sheets are grouped in
// memory first), each person's rows compared with the register and turned
// into events in date order, and the events streamed into the ledger while
// the next rows are read. A person the register does not hold needs no
// reading: its events enter as new.
func (s *Service) ImportRegister(ctx context.Context, in RegisterSheets, opt Options) (*RegisterResult, error) {
	if in.People == nil && in.Admissions == nil {
		return nil, errors.New("import register: give a people sheet, an admissions sheet or both")
	}
	if in.Charges != nil && in.Admissions == nil {
		return nil, errors.New("import register: a charges sheet goes with an admissions sheet")
	}
	if opt.SkipInvalid {
		for _, sh := range []*Sheet{in.People, in.Admissions, in.Charges} {
			if sh != nil && sh.Rejects == nil {
				return nil, fmt.Errorf("skipping invalid rows needs a file for the rows of %s left out", sh.File)
			}
		}
	}
	facs, err := s.st.Facilities(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the facilities: %w", err)
	}
	cells, err := s.st.Cells(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the cells: %w", err)
	}
	h, err := s.st.Head(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the ledger head: %w", err)
	}
	noPersons := h.Seq == 0
	if !noPersons && h.Seq <= smallLedger {
		// A register holding facilities and cells only (the usual start of
		// a national load) has no person to compare with: one count spares
		// a lookup per person.
		n, err := s.st.CountEvents(ctx, domain.KPerson, domain.MakeDate(1, 1, 1), domain.OpenEnd)
		if err != nil {
			return nil, err
		}
		noPersons = n == 0
	}
	rp := &regPass{s: s, in: in, opt: opt, noPersons: noPersons,
		facs: map[string]bool{}, cells: map[string]bool{}, excluded: map[rowKey]*RowError{}}
	for _, f := range facs {
		rp.facs[f.ID] = true
	}
	for _, c := range cells {
		rp.cells[c.Facility+"\x00"+c.Label] = true
	}
	for attempt := 0; ; attempt++ {
		res, err := rp.run(ctx)
		switch {
		case err == nil:
			return res, nil
		case ctx.Err() != nil:
			return nil, fmt.Errorf("import interrupted, nothing was written: %w", ctx.Err())
		case errors.Is(err, errUnordered) && !rp.inMemory:
			s.log.Info("the sheets are not in person order: grouping them in memory", "cause", err)
			rp.inMemory = true
			continue
		}
		rerr, key := rp.refused(err)
		if rerr == nil {
			return nil, err
		}
		if !opt.SkipInvalid {
			return nil, &RowErrors{Errs: []*RowError{rerr}, Total: 1}
		}
		if attempt >= maxLedgerRejects {
			return nil, fmt.Errorf("the register refused more than %d rows; nothing was imported (last: %v)", maxLedgerRejects, rerr)
		}
		rp.excluded[key] = rerr
		// The rows this pass left out stay out.
		rp.rf.each(func(rw *row, e *RowError) { rp.excluded[rowKey{rw.sheet.pos, rw.num}] = e })
	}
}

// rowKey names a row of a sheet: the sheet's place among people,
// admissions and charges, and the row's number.
type rowKey struct {
	sheet int
	num   int
}

// regPass is an import of a register, one attempt at a time.
type regPass struct {
	s   *Service
	in  RegisterSheets
	opt Options
	// noPersons: the register holds no person, so every person is new.
	noPersons   bool
	facs, cells map[string]bool
	inMemory    bool
	// excluded are rows the ledger refused in an earlier attempt (with
	// SkipInvalid): left out from the start.
	excluded map[rowKey]*RowError

	// Per attempt.
	rd     *reading
	sheets []*sheet // people, admissions, charges; nil when not given
	// refs[(n-1) % len] is what the n-th emitted event was planned from
	// (its event left out), to name its row when the ledger refuses the
	// event; the ledger lags the planner by a few chunks only. Written by
	// the planner before it emits the event, read by the ledger after it
	// received it.
	refs    []refSlot
	emitted int
	// rf gathers the rows the ledger refused in this pass (SkipInvalid).
	rf *refusals
	// stored holds a hash of each person that has events in the register,
	// read by the ledger's goroutine as the planner adds to it. Hashes keep
	// it small on a national register; a collision only makes the ledger
	// look a new person up.
	mu     sync.Mutex
	stored map[uint64]struct{}
	seed   maphash.Seed
}

const refRing = 1 << 17

type refSlot struct {
	p     planned
	first bool // the first event emitted from p.row
}

// refused turns the ledger's refusal of an emitted event into the error of
// the row it came from; nil when err is not such a refusal.
func (rp *regPass) refused(err error) (*RowError, rowKey) {
	var ee *ledger.EventError
	if !errors.As(err, &ee) || ee.Line < 1 || ee.Line > rp.emitted || rp.emitted-ee.Line >= refRing {
		return nil, rowKey{}
	}
	rw := rp.refs[(ee.Line-1)%refRing].p.row
	return &RowError{File: rw.sheet.file, Row: rw.num, Msg: "the register refuses it: " + ee.Err.Error(), Err: ee.Err}, rowKey{rw.sheet.pos, rw.num}
}

// onRefused is the ledger's LoadOptions.Refused: the row of the event
// refused at line is left out (refusals.refuse).
func (rp *regPass) onRefused(line int, err error) bool {
	slot := rp.refs[(line-1)%refRing]
	return rp.rf.refuse(slot.p, slot.first, err)
}

func (rp *regPass) isStored(id string) bool {
	h := maphash.String(rp.seed, id)
	rp.mu.Lock()
	defer rp.mu.Unlock()
	_, ok := rp.stored[h]
	return ok
}

// run is one attempt: every sheet read from the top, the events streamed
// into one transaction.
func (rp *regPass) run(ctx context.Context) (*RegisterResult, error) {
	rp.rd = &reading{s: rp.s, opt: rp.opt, res: &Result{DryRun: rp.opt.DryRun}}
	rp.refs = make([]refSlot, refRing)
	rp.rf = newRefusals(func(rw *row) string { return rw.sheet.file })
	rp.emitted = 0
	rp.stored = map[uint64]struct{}{}
	rp.seed = maphash.MakeSeed()
	rp.sheets = make([]*sheet, 3)
	out := &RegisterResult{DryRun: rp.opt.DryRun, InMemory: rp.inMemory}
	whats := []What{People, Admissions, Charges}
	var names []string
	for i, in := range []*Sheet{rp.in.People, rp.in.Admissions, rp.in.Charges} {
		if in == nil {
			continue
		}
		r, err := in.Open()
		if err != nil {
			return nil, err
		}
		defer r.Close()
		m := in.Mapping
		if m == nil {
			if m, err = mapping.Default(string(whats[i]), r.Header()); err != nil {
				return nil, fmt.Errorf("%s: %w (or give a mapping)", in.File, err)
			}
		}
		if err := requireRegister(whats[i], m); err != nil {
			return nil, err
		}
		b, err := m.Bind(r.Header(), in.File)
		if err != nil {
			return nil, err
		}
		sh := &sheet{what: whats[i], file: in.File, b: b, rejects: in.Rejects, res: &Result{DryRun: rp.opt.DryRun}, pos: i}
		sh.reader = r
		rp.sheets[i] = sh
		names = append(names, in.File)
	}
	out.People, out.Admissions, out.Charges = resOf(rp.sheets[0]), resOf(rp.sheets[1]), resOf(rp.sheets[2])

	actor := rp.opt.Actor
	if actor.Via == "" {
		actor.Via = "import " + strings.Join(names, ", ")
	}
	var rejected []*row
	gen := func(emit func(*domain.Event) error) error {
		var err error
		rejected, err = rp.stream(ctx, emit)
		return err
	}
	lopt := ledger.LoadOptions{DryRun: rp.opt.DryRun, Stored: rp.isStored}
	if rp.opt.SkipInvalid {
		lopt.Refused = rp.onRefused
	}
	lres, err := rp.s.led.LoadWith(ctx, actor, lopt, gen)
	if err != nil {
		return nil, err
	}
	out.Events = lres.Events
	if rp.opt.SkipInvalid {
		// The rows the ledger refused were counted as planned.
		rp.rf.each(func(rw *row, e *RowError) {
			r := rw.sheet.res
			switch {
			case rw.dup:
				r.Duplicates--
			case rw.status == added:
				r.New--
			case rw.status == corrected:
				r.Corrected--
			default:
				r.Unchanged--
			}
			r.Rejected++
			rp.rd.reject(rw, e)
			rejected = append(rejected, rw)
		})
		sort.SliceStable(rejected, func(i, j int) bool { return rejected[i].num < rejected[j].num })
		for _, sh := range rp.sheets {
			if sh == nil {
				continue
			}
			var rows []*row
			for _, rw := range rejected {
				if rw.sheet == sh {
					rows = append(rows, rw)
				}
			}
			if err := writeSheetRejects(sh, rows); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func resOf(sh *sheet) *Result {
	if sh == nil {
		return nil
	}
	return sh.res
}

// stream merges the sheets person by person, plans each person and emits
// the events; it returns the rows left out (with SkipInvalid).
func (rp *regPass) stream(ctx context.Context, emit func(*domain.Event) error) ([]*row, error) {
	sctx, cancel := context.WithCancel(ctx)
	today := domain.DateOf(rp.s.now().UTC())
	var srcs []*rowStream
	defer func() {
		// The sheets are closed after this returns: their readers must be
		// done with them.
		cancel()
		for _, src := range srcs {
			if src != nil {
				<-src.done
			}
		}
	}()
	for _, sh := range rp.sheets {
		if sh == nil {
			srcs = append(srcs, nil)
			continue
		}
		src := rp.newStream(sctx, sh, today)
		if rp.inMemory {
			if err := src.gather(); err != nil {
				return nil, err
			}
		}
		srcs = append(srcs, src)
	}
	peopleFile := ""
	if rp.sheets[0] != nil {
		peopleFile = rp.sheets[0].file
	}
	pl := &personPlanner{rd: rp.rd, facs: rp.facs, cells: rp.cells, bad: map[*row][]*RowError{}, today: today, people: peopleFile}
	var rejected []*row
	failed := false
	reject := func(rw *row, errs ...*RowError) {
		rp.rd.reject(rw, errs...)
		rw.sheet.res.Rejected++
		if rp.opt.SkipInvalid {
			rejected = append(rejected, rw)
		} else {
			failed = true
		}
	}
	for _, src := range srcs {
		if src != nil {
			src.reject = reject
		}
	}
	send := func(p planned) error {
		if failed {
			return nil // only checking now: the import fails at the end
		}
		rp.refs[rp.emitted%refRing] = refSlot{p: planned{row: p.row, also: p.also, tainted: p.tainted}, first: !p.row.sent}
		p.row.sent = true
		rp.emitted++
		return emit(p.ev)
	}
	const batch = 1024
	type group struct {
		id string
		pr *personRows
	}
	groups := make([]group, 0, batch)
	total := 0
	flush := func() error {
		if len(groups) == 0 {
			return nil
		}
		rp.progress("writing", total, srcs)
		var stored map[string][]store.StoredEvent
		if !rp.noPersons {
			ids := make([]string, len(groups))
			for i, g := range groups {
				ids[i] = g.id
			}
			var err error
			if stored, err = rp.s.st.PersonEvents(ctx, ids); err != nil {
				return fmt.Errorf("reading the register's files of the people in the sheets: %w", err)
			}
			rp.mu.Lock()
			for id := range stored {
				rp.stored[maphash.String(rp.seed, id)] = struct{}{}
			}
			rp.mu.Unlock()
		}
		for _, g := range groups {
			sp := &storedPerson{}
			if evs := stored[g.id]; len(evs) > 0 {
				dec, err := decodeSheetEvents(evs)
				if err != nil {
					return fmt.Errorf("reading the file of %s: %w (run habeas verify)", g.id, err)
				}
				sp = summarize(dec)
			}
			if err := rp.planPerson(pl, g.id, sp, g.pr, reject, send); err != nil {
				return err
			}
		}
		groups = groups[:0]
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// The next person: the least id at the head of a sheet.
		id, any := "", false
		for _, src := range srcs {
			if src == nil {
				continue
			}
			rw, err := src.peek()
			if err != nil {
				return nil, err
			}
			if rw != nil && (!any || personOf(rw) < id) {
				id, any = personOf(rw), true
			}
		}
		if !any {
			break
		}
		pr := &personRows{}
		for i, src := range srcs {
			for src != nil {
				rw, err := src.peek()
				if err != nil {
					return nil, err
				}
				if rw == nil || personOf(rw) != id {
					break
				}
				src.next()
				switch i {
				case 0:
					if pr.person == nil {
						pr.person = rw
					} else if sameRec(pr.person, rw) {
						rw.dup = true
						pr.person.dups = append(pr.person.dups, rw)
						rw.sheet.res.Duplicates++
					} else {
						pr.tainted = true
						reject(rw, &RowError{File: rw.sheet.file, Row: rw.num, Msg: fmt.Sprintf("person %s is also in row %d, differently", id, pr.person.num)})
					}
				case 1:
					a := rw.rec.(*admRec)
					var dupOf *row
					for _, o := range pr.adms {
						if o.rec.(*admRec).date == a.date {
							dupOf = o
						}
					}
					switch {
					case dupOf == nil:
						pr.adms = append(pr.adms, rw)
					case sameRec(dupOf, rw):
						rw.dup = true
						dupOf.dups = append(dupOf.dups, rw)
						rw.sheet.res.Duplicates++
					default:
						pr.tainted = true
						reject(rw, &RowError{File: rw.sheet.file, Row: rw.num, Msg: fmt.Sprintf("the admission of %s on %s is also in row %d, differently", id, a.date, dupOf.num)})
					}
				default:
					pr.charges = append(pr.charges, rw)
				}
			}
		}
		groups = append(groups, group{id, pr})
		total++
		if len(groups) == batch {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	// Corrections come last: each reads its target through the transaction.
	for _, p := range pl.corrections {
		if err := send(p); err != nil {
			return nil, err
		}
	}
	for _, src := range srcs {
		if src != nil {
			if err := src.err(); err != nil {
				return nil, err
			}
		}
	}
	rp.progress("writing", total, srcs)
	if failed {
		return nil, &RowErrors{Errs: sortErrs(rp.rd.errs), Total: rp.rd.nerr}
	}
	return rejected, nil
}

// planPerson plans one person's rows and emits the events. A row the plan
// refuses is rejected and the person planned again without it.
func (rp *regPass) planPerson(pl *personPlanner, id string, sp *storedPerson, pr *personRows, reject func(*row, ...*RowError), send func(planned) error) error {
	tainted, nc0 := pr.tainted, len(pl.corrections)
	for {
		nc := len(pl.corrections)
		pl.events = pl.events[:0]
		for _, rw := range pr.rows() {
			rw.status = unchanged
		}
		pl.person(id, sp, pr)
		if len(pl.bad) == 0 {
			break
		}
		pl.corrections = pl.corrections[:nc]
		for rw, errs := range pl.bad {
			reject(rw, errs...)
		}
		clear(pl.bad)
		tainted = true
		pr = pr.valid()
		if !rp.opt.SkipInvalid {
			// Nothing is written: the rest is only checked.
			pl.events = pl.events[:0]
			break
		}
	}
	for _, rw := range pr.rows() {
		if rw.bad != nil {
			continue
		}
		switch rw.status {
		case added:
			rw.sheet.res.New++
		case corrected:
			rw.sheet.res.Corrected++
		default:
			rw.sheet.res.Unchanged++
		}
	}
	if tainted {
		for i := range pl.events {
			pl.events[i].tainted = true
		}
		for i := nc0; i < len(pl.corrections); i++ {
			pl.corrections[i].tainted = true
		}
	}
	for _, p := range pl.events {
		if err := send(p); err != nil {
			return err
		}
	}
	pl.events = pl.events[:0]
	return nil
}

func (pr *personRows) rows() []*row {
	out := make([]*row, 0, 1+len(pr.adms)+len(pr.charges))
	if pr.person != nil {
		out = append(out, pr.person)
	}
	return append(append(out, pr.adms...), pr.charges...)
}

// valid is pr without its rejected rows.
func (pr *personRows) valid() *personRows {
	out := &personRows{}
	if pr.person != nil && pr.person.bad == nil {
		out.person = pr.person
	}
	for _, rw := range pr.adms {
		if rw.bad == nil {
			out.adms = append(out.adms, rw)
		}
	}
	for _, rw := range pr.charges {
		if rw.bad == nil {
			out.charges = append(out.charges, rw)
		}
	}
	return out
}

// sameRec reports whether two rows say the same (a repeat is a duplicate,
// not an error).
func sameRec(a, b *row) bool { return reflect.DeepEqual(a.rec, b.rec) }

func personOf(rw *row) string {
	switch r := rw.rec.(type) {
	case *personRec:
		return r.id
	case *admRec:
		return r.person
	case *chargeRec:
		return r.person
	}
	return ""
}

func (rp *regPass) progress(phase string, persons int, srcs []*rowStream) {
	if rp.opt.Progress == nil {
		return
	}
	rows, done := 0, -1.0
	for _, src := range srcs {
		if src == nil {
			continue
		}
		rows += int(src.sh.read.Load())
		if p := math.Float64frombits(src.sh.prog.Load()); p >= 0 && (done < 0 || p < done) {
			done = p
		}
	}
	rp.opt.Progress(Progress{Phase: phase, Rows: rows, Done: done})
}

// rowStream reads a sheet a chunk ahead, the rows of a chunk interpreted on
// every core, and serves them in file order, each valid row's person no
// less than the one before (or, gathered, sorted by person).
type rowStream struct {
	ctx    context.Context
	sh     *sheet
	chunks chan rowChunk
	done   chan struct{} // closed when the reading goroutine has ended
	cur    []*row
	i      int
	last   string
	lastRw int
	rerr   error
	reject func(*row, ...*RowError)
	// excluded rows are rejected with the ledger's reason of an earlier
	// attempt.
	excluded map[rowKey]*RowError
}

type rowChunk struct {
	rows []*row
	err  error
}

func (rp *regPass) newStream(ctx context.Context, sh *sheet, today domain.Date) *rowStream {
	now := rp.s.now()
	src := &rowStream{ctx: ctx, sh: sh, chunks: make(chan rowChunk, 2), done: make(chan struct{}), excluded: rp.excluded}
	keep := rp.opt.SkipInvalid
	sh.prog.Store(math.Float64bits(0))
	go func() {
		defer close(src.done)
		defer close(src.chunks)
		workers := max(1, runtime.GOMAXPROCS(0))
		const chunk = 4096
		buf := make([]*row, 0, chunk)
		send := func(c rowChunk) bool {
			select {
			case src.chunks <- c:
				return true
			case <-ctx.Done():
				return false
			}
		}
		interpret := func() bool {
			parallelRows(buf, workers, func(rw *row, tr tabular.Row) { rp.rd.interpretRegister(sh, rw, tr, now) })
			if !keep {
				for _, rw := range buf {
					if rw.bad == nil {
						rw.cells = nil // rejects are only written with SkipInvalid
					}
				}
			}
			ok := send(rowChunk{rows: buf})
			buf = make([]*row, 0, chunk)
			return ok
		}
		for {
			tr, err := sh.reader.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				send(rowChunk{err: err})
				return
			}
			sh.res.Rows++
			if sh.res.Rows%1024 == 0 {
				sh.read.Store(int64(sh.res.Rows))
				sh.prog.Store(math.Float64bits(sh.reader.Progress()))
			}
			if sh.b.Skip(tr) {
				sh.res.Skipped++
				continue
			}
			buf = append(buf, &row{num: tr.Num, cells: append([]string(nil), tr.Cells...), sheet: sh})
			if len(buf) == chunk && !interpret() {
				return
			}
		}
		if len(buf) > 0 {
			interpret()
		}
	}()
	return src
}

// peek returns the next valid row without taking it, nil at the end. Rows
// found invalid on the way are rejected.
func (s *rowStream) peek() (*row, error) {
	for {
		if s.i == len(s.cur) {
			c, ok := <-s.chunks
			if !ok {
				return nil, s.ctx.Err()
			}
			if c.err != nil {
				s.rerr = c.err
				return nil, c.err
			}
			s.cur, s.i = c.rows, 0
			continue
		}
		rw := s.cur[s.i]
		if rw.bad == nil {
			if e := s.excluded[rowKey{s.sh.pos, rw.num}]; e != nil {
				rw.bad = []*RowError{e}
			}
		}
		if rw.bad != nil {
			s.i++
			s.reject(rw, rw.bad...)
			continue
		}
		p := personOf(rw)
		if p < s.last {
			return nil, fmt.Errorf("%s: row %d (person %s) comes after row %d (person %s): %w", s.sh.file, rw.num, p, s.lastRw, s.last, errUnordered)
		}
		s.last, s.lastRw = p, rw.num
		return rw, nil
	}
}

func (s *rowStream) next() { s.i++ }

func (s *rowStream) err() error { return s.rerr }

// gather reads the whole sheet and sorts its rows by person (then row), for
// sheets not kept in person order.
func (s *rowStream) gather() error {
	var all []*row
	for c := range s.chunks {
		if c.err != nil {
			return c.err
		}
		all = append(all, c.rows...)
	}
	if err := s.ctx.Err(); err != nil {
		return err
	}
	sort.SliceStable(all, func(i, j int) bool { return personOf(all[i]) < personOf(all[j]) })
	ch := make(chan rowChunk, 1)
	ch <- rowChunk{rows: all}
	close(ch)
	s.chunks = ch
	return nil
}
