package intake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/mapping"
	"github.com/habeas-kh/habeas/internal/tabular"
)

// The register's own sheets: one row per person, per custody episode, per
// charge (docs/import.md, "People, admissions and charges").
const (
	People     What = "people"
	Admissions What = "admissions"
	Charges    What = "charges"
)

// Table is a second sheet read together with the first: the charges that go
// with an admissions sheet.
type Table struct {
	Reader  tabular.Reader
	Mapping *mapping.Mapping
	File    string
	// Rejects receives the rows of this sheet left out (with SkipInvalid).
	Rejects io.Writer
}

// ends of an episode other than by a release mechanism, in the admissions
// sheet's release_mechanism column.
const (
	endDeath  = "death"
	endEscape = "escape"
)

// sheet is one file of an import and the mapping bound to it.
type sheet struct {
	what    What
	file    string
	b       *mapping.Bound
	rejects io.Writer
	res     *Result
	// reader, and how far it has come (rows read, share of the input as
	// float64 bits), for a sheet streamed by ImportRegister.
	reader tabular.Reader
	read   atomic.Int64
	prog   atomic.Uint64
	pos    int // 0 people, 1 admissions, 2 charges
}

// personRec is a row of a people sheet.
type personRec struct {
	id   string
	date domain.Date
	data domain.PersonData
}

// admRec is a row of an admissions sheet: an admission and, when the person
// has left, how.
type admRec struct {
	person   string
	date     domain.Date
	facility string
	data     domain.AdmissionData
	endDate  domain.Date
	end      string // a release mechanism, death or escape; "" while held
	endAuth  string
	endRef   string
}

// chargeRec is a row of a charges sheet.
type chargeRec struct {
	person string
	caseID string
	date   domain.Date
	charge domain.Charge
}

// requireRegister checks that a mapping maps what the sheet needs.
func requireRegister(what What, m *mapping.Mapping) error {
	switch what {
	case People:
		return m.Require("import people", "person.id", "person.date", "person.name", "person.sex")
	case Admissions:
		return m.Require("import admissions", "person.id", "admission.date", "admission.facility", "admission.status")
	default:
		return m.Require("import charges", "person.id", "charge.case", "charge.date", "charge.offence", "charge.class")
	}
}

// importRegister reads a people, admissions or charges sheet (and, with
// admissions, optionally its charges) and appends what is new or corrected.
func (s *Service) importRegister(ctx context.Context, r tabular.Reader, m *mapping.Mapping, opt Options) (*Result, error) {
	if err := requireRegister(opt.What, m); err != nil {
		return nil, err
	}
	b, err := m.Bind(r.Header(), opt.File)
	if err != nil {
		return nil, err
	}
	res := &Result{DryRun: opt.DryRun}
	rd := &reading{s: s, b: b, opt: opt, res: res}
	main := &sheet{what: opt.What, file: opt.File, b: b, rejects: opt.Rejects, res: res}
	rd.reg = &regPlan{main: main}
	if err := rd.readSheet(ctx, r, main); err != nil {
		return nil, err
	}
	if t := opt.Charges; t != nil {
		if opt.What != Admissions {
			return nil, errors.New("a charges sheet goes with an admissions sheet")
		}
		if err := requireRegister(Charges, t.Mapping); err != nil {
			return nil, err
		}
		cb, err := t.Mapping.Bind(t.Reader.Header(), t.File)
		if err != nil {
			return nil, err
		}
		if opt.SkipInvalid && t.Rejects == nil {
			return nil, errors.New("skipping invalid rows needs a file for the charges left out")
		}
		cs := &sheet{what: Charges, file: t.File, b: cb, rejects: t.Rejects, res: &Result{DryRun: opt.DryRun}}
		rd.reg.charges = cs
		res.Also = cs.res
		if err := rd.readSheet(ctx, t.Reader, cs); err != nil {
			return nil, err
		}
	}
	return s.finish(ctx, rd)
}

// readSheet reads every row of a sheet; rows are interpreted a chunk at a
// time on every core, since a national register has millions of them.
func (rd *reading) readSheet(ctx context.Context, r tabular.Reader, sh *sheet) error {
	workers := max(1, runtime.GOMAXPROCS(0))
	now := rd.s.now()
	const chunk = 4096
	buf := make([]*row, 0, chunk)
	flush := func() {
		parallelRows(buf, workers, func(rw *row, tr tabular.Row) { rd.interpretRegister(sh, rw, tr, now) })
		for _, rw := range buf {
			if rw.bad != nil {
				rd.reject(rw, rw.bad...)
			}
			if !rd.opt.SkipInvalid {
				rw.cells = nil // rejects are only written with SkipInvalid
			}
			rd.rows = append(rd.rows, rw)
		}
		buf = buf[:0]
	}
	err := rd.eachRow(ctx, r, sh.file, sh.b, sh.res, func(tr tabular.Row) {
		buf = append(buf, &row{num: tr.Num, cells: append([]string(nil), tr.Cells...), sheet: sh})
		if len(buf) == chunk {
			flush()
		}
	})
	if err != nil {
		return err
	}
	flush()
	return nil
}

// parallelRows interprets rows on several goroutines; each row is touched
// by one goroutine only.
func parallelRows(rows []*row, workers int, fn func(*row, tabular.Row)) {
	var wg sync.WaitGroup
	per := (len(rows) + workers - 1) / workers
	for lo := 0; lo < len(rows); lo += per {
		hi := min(lo+per, len(rows))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, rw := range rows[lo:hi] {
				fn(rw, tabular.Row{Num: rw.num, Cells: rw.cells})
			}
		}()
	}
	wg.Wait()
}

// field reads helpers bound to one row; problems go to the row.
type cellReader struct {
	rd     *reading
	sh     *sheet
	rw     *row
	tr     tabular.Row
	now    time.Time   // when the import runs: events are recorded now
	latest domain.Date // the latest date acceptable now (domain.LatestDate)
}

func (c *cellReader) err(field, format string, args ...any) {
	c.rw.bad = append(c.rw.bad, &RowError{File: c.sh.file, Row: c.rw.num, Column: columnOf(c.sh.b, field), Msg: fmt.Sprintf(format, args...)})
}

func (c *cellReader) fail(field string, err error) {
	var ce *mapping.CellError
	if errors.As(err, &ce) {
		c.rw.bad = append(c.rw.bad, &RowError{File: c.sh.file, Row: c.rw.num, Column: ce.Column, Msg: fmt.Sprintf("%s (%s)", ce.Msg, field)})
		return
	}
	c.rw.bad = append(c.rw.bad, &RowError{File: c.sh.file, Row: c.rw.num, Msg: fmt.Sprintf("%s: %v", field, err)})
}

// text reads a text field; required ones must have a value.
func (c *cellReader) text(field string, required bool, what string) string {
	v, _, err := c.sh.b.Get(field, c.tr)
	switch {
	case err == mapping.ErrNoValue:
		if required {
			c.err(field, "%s is missing", what)
		}
		return ""
	case err != nil:
		c.fail(field, err)
		return ""
	}
	return v
}

// date reads a date field, which may not lie in the future.
func (c *cellReader) date(field string, required bool, what string) domain.Date {
	d, ok, err := c.sh.b.Date(field, c.tr)
	switch {
	case err != nil:
		c.fail(field, err)
	case !ok:
		if required {
			c.err(field, "%s is missing", what)
		}
	case d > c.latest:
		c.err(field, "%s is in the future", d)
		return domain.NoDate
	default:
		return d
	}
	return domain.NoDate
}

func (c *cellReader) whole(field string) int {
	n, ok, err := c.sh.b.Whole(field, c.tr)
	switch {
	case err != nil:
		c.fail(field, err)
	case ok && n < 0:
		c.err(field, "cannot be negative (%d)", n)
	case ok:
		return n
	}
	return 0
}

func (c *cellReader) flag(field string) bool {
	v, _, err := c.sh.b.Bool(field, c.tr)
	if err != nil {
		c.fail(field, err)
	}
	return v
}

func oneOf[T ~string](c *cellReader, field, what string, v T, allowed []T) T {
	if v != "" && !domain.In(v, allowed) {
		list := make([]string, len(allowed))
		for i, a := range allowed {
			list[i] = string(a)
		}
		c.err(field, "%s is not a %s habeas knows (%s): translate it with values: in the mapping", tabular.Clip(string(v)), what, strings.Join(list, ", "))
	}
	return v
}

// interpretRegister reads one row of a people, admissions or charges sheet.
func (rd *reading) interpretRegister(sh *sheet, rw *row, tr tabular.Row, now time.Time) {
	if ce := sh.b.Shape(tr); ce != nil {
		// The cells cannot be trusted to be in their columns.
		rw.bad = append(rw.bad, &RowError{File: sh.file, Row: rw.num, Column: ce.Column, Msg: ce.Msg})
		return
	}
	c := &cellReader{rd: rd, sh: sh, rw: rw, tr: tr, now: now, latest: domain.LatestDate(now)}
	defer c.validate()
	switch sh.what {
	case People:
		p := &personRec{id: c.text("person.id", true, "the person's identifier")}
		p.date = c.date("person.date", true, "the date of registration")
		d := &p.data
		d.Name = c.text("person.name", true, "the name")
		d.OtherNames = c.text("person.other_names", false, "")
		d.Sex = oneOf(c, "person.sex", "sex (M, F or X)", domain.Sex(c.text("person.sex", true, "the sex")), domain.Sexes)
		d.Gender = c.text("person.gender", false, "")
		d.DOB = c.date("person.dob", false, "")
		d.DOBBasis = oneOf(c, "person.dob_basis", "way of establishing a date of birth", domain.DOBBasis(c.text("person.dob_basis", false, "")), domain.DOBBases)
		switch {
		case d.DOBBasis == "" && d.DOB == domain.NoDate:
			d.DOBBasis = domain.DOBUnknown
		case d.DOBBasis == "":
			c.err("person.dob_basis", "missing: say how the date of birth was established (document, declared or estimated; {value: declared} in the mapping for a whole file)")
		}
		d.Nationality = c.text("person.nationality", false, "")
		d.IDDocument = c.text("person.id_document", false, "")
		rw.rec = p
	case Admissions:
		a := &admRec{person: c.text("person.id", true, "the person's identifier")}
		a.date = c.date("admission.date", true, "the date of admission")
		a.facility = c.text("admission.facility", true, "the facility")
		d := &a.data
		d.Cell = c.text("admission.cell", false, "")
		d.Status = oneOf(c, "admission.status", "legal status", domain.LegalStatus(c.text("admission.status", true, "the legal status")), domain.LegalStatuses)
		o := domain.Order{
			Kind:      domain.OrderKind(c.text("admission.order_kind", false, "")),
			Authority: c.text("admission.order_authority", false, ""),
			Reference: c.text("admission.order_reference", false, ""),
			Issued:    c.date("admission.order_issued", false, ""),
			Expires:   c.date("admission.order_expires", false, ""),
		}
		if o != (domain.Order{}) {
			if o.Kind == "" {
				c.err("admission.order_kind", "the kind of commitment order is missing (the row gives other details of the order)")
			}
			oneOf(c, "admission.order_kind", "kind of commitment order", o.Kind, domain.OrderKinds)
			d.Order = &o
		}
		cs := domain.Case{
			ID:          c.text("admission.case", false, ""),
			Court:       c.text("admission.court", false, ""),
			Procedure:   domain.Procedure(c.text("admission.procedure", false, "")),
			OffenceDate: c.date("admission.offence_date", false, ""),
		}
		if cs.ID != "" || cs.Court != "" || cs.Procedure != "" || cs.OffenceDate != domain.NoDate {
			if cs.Procedure == "" {
				cs.Procedure = domain.ProcOrdinary
			}
			oneOf(c, "admission.procedure", "procedure", cs.Procedure, domain.Procedures)
			d.Case = &cs
		}
		a.endDate = c.date("admission.release_date", false, "")
		a.end = c.text("admission.release_mechanism", false, "")
		a.endAuth = c.text("admission.release_authority", false, "")
		a.endRef = c.text("admission.release_reference", false, "")
		switch {
		case a.end != "" && a.end != endDeath && a.end != endEscape && !domain.In(domain.Mechanism(a.end), domain.Mechanisms):
			list := make([]string, len(domain.Mechanisms))
			for i, m := range domain.Mechanisms {
				list[i] = string(m)
			}
			c.err("admission.release_mechanism", "%q is not a release mechanism habeas knows (%s, or death, escape): translate it with values: in the mapping", a.end, strings.Join(list, ", "))
		case a.endDate != domain.NoDate && a.end == "":
			c.err("admission.release_mechanism", "missing: every release must say by which legal mechanism (or death, escape)")
		case a.end != "" && a.endDate == domain.NoDate && len(rw.bad) == 0:
			c.err("admission.release_date", "the date of release is missing (the row gives the mechanism %s)", a.end)
		case a.endDate != domain.NoDate && a.date != domain.NoDate && a.endDate < a.date:
			c.err("admission.release_date", "released on %s, before the admission on %s", a.endDate, a.date)
		}
		rw.rec = a
	case Charges:
		ch := &chargeRec{person: c.text("person.id", true, "the person's identifier"), caseID: c.text("charge.case", true, "the case")}
		ch.date = c.date("charge.date", true, "the date of the charges")
		g := &ch.charge
		g.Offence = c.text("charge.offence", true, "the offence")
		g.Class = oneOf(c, "charge.class", "class of offence", domain.OffenceClass(c.text("charge.class", true, "the class of offence")), domain.OffenceClasses)
		g.MinMonths = c.whole("charge.min_months")
		g.MaxMonths = c.whole("charge.max_months")
		g.Life = c.flag("charge.life")
		g.Drug = c.flag("charge.drug")
		g.Violent = c.flag("charge.violent")
		g.Grave = c.flag("charge.grave")
		rw.rec = ch
	}
}

// validate checks the event a row that reads cleanly will become against
// the domain's rules, the ones the ledger applies, so that a row the
// import accepts is not refused when it is written; a problem is placed in
// the column that holds the field at fault.
func (c *cellReader) validate() {
	if len(c.rw.bad) > 0 || c.rw.rec == nil {
		return
	}
	var ev *domain.Event
	var prefix string // the sheet's name for the event's fields
	switch r := c.rw.rec.(type) {
	case *personRec:
		ev, prefix = &domain.Event{Kind: domain.KPerson, Date: r.date, Person: r.id, Data: &r.data}, "person"
	case *admRec:
		ev, prefix = &domain.Event{Kind: domain.KAdmission, Date: r.date, Person: r.person, Facility: r.facility, Data: &r.data}, "admission"
	case *chargeRec:
		ev = &domain.Event{Kind: domain.KCharge, Date: r.date, Person: r.person,
			Data: &domain.ChargeData{Case: r.caseID, Charges: []domain.Charge{r.charge}}}
		prefix = "charge"
	default:
		return
	}
	err := ev.Validate(c.now)
	if err == nil {
		return
	}
	path, msg, ok := domain.FieldOf(err)
	if !ok {
		c.rw.bad = append(c.rw.bad, &RowError{File: c.sh.file, Row: c.rw.num, Msg: err.Error(), Err: err})
		return
	}
	field := sheetField(prefix, path)
	c.rw.bad = append(c.rw.bad, &RowError{File: c.sh.file, Row: c.rw.num, Column: columnOf(c.sh.b, field), Msg: msg, Err: err})
}

// sheetField names, in the register sheets' mappings, the field that
// holds an event's field: "data.order.expires" of an admission is
// "admission.order_expires".
func sheetField(prefix, path string) string {
	switch {
	case path == "person":
		return "person.id"
	case path == "date", path == "facility":
		return prefix + "." + path
	case prefix == "person":
		return "person." + strings.TrimPrefix(path, "data.")
	case prefix == "charge":
		if rest, ok := strings.CutPrefix(path, "data.charges[0]."); ok {
			return "charge." + rest
		}
		return "charge." + strings.TrimPrefix(path, "data.")
	}
	// An admission.
	switch rest := strings.TrimPrefix(path, "data."); {
	case strings.HasPrefix(rest, "order."):
		return "admission.order_" + strings.TrimPrefix(rest, "order.")
	case rest == "case.id":
		return "admission.case"
	case strings.HasPrefix(rest, "case.charges"):
		return "admission.case"
	case strings.HasPrefix(rest, "case."):
		return "admission." + strings.TrimPrefix(rest, "case.")
	default:
		return "admission." + rest
	}
}
