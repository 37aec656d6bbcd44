package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/mapping"
	"github.com/habeas-kh/habeas/internal/tabular"
)

// Declarations are figures authorities declared (habeas import
// declarations): one row, one declaration event.
const Declarations What = "declarations"

// declFields are the fields of a declaration read as text, with the JSON
// field of the event each fills (for errors the domain reports by field).
var declFields = map[string]string{
	"declaration.pledge": "data.pledge", "declaration.counts": "data.counts", "declaration.facility": "data.facility",
	"declaration.area": "data.area", "declaration.mechanism": "data.mechanism", "declaration.group": "data.group",
	"declaration.declared_by": "data.declared_by", "declaration.source": "data.source", "declaration.note": "data.note",
}

// ImportDeclarations reads every row of r as a declared figure and appends
// the new ones to the register, all in one transaction, or none: a row that
// cannot be read, or that the domain or the register refuses, stops the
// import and is named with its column. A declaration the register already
// holds (same date and content) is not entered again, so importing a file
// twice changes nothing; there are no corrections of declarations, since
// an authority's figure is what it said, and a new figure is a new
// declaration.
func (s *Service) ImportDeclarations(ctx context.Context, r tabular.Reader, m *mapping.Mapping, opt Options) (*Result, error) {
	if opt.File == "" {
		opt.File = "input"
	}
	if opt.SkipInvalid {
		return nil, errors.New("declarations are imported all or none: correct the rows named and import again (--skip-invalid is not available)")
	}
	if err := m.Require("import declarations", "declaration.date", "declaration.figure", "declaration.declared_by", "declaration.source"); err != nil {
		return nil, err
	}
	if len(m.Reasons) > 0 && len(m.Flags) == 0 {
		return nil, mapping.Errors{{File: m.File, Line: m.Line, Msg: "flags is needed with declaration.reasons: the values that mark a reason as given, e.g. flags: [x]"}}
	}
	b, err := m.Bind(r.Header(), opt.File)
	if err != nil {
		return nil, err
	}
	held, err := s.heldDeclarations(ctx)
	if err != nil {
		return nil, err
	}
	res := &Result{DryRun: opt.DryRun}
	rd := &reading{s: s, b: b, opt: opt, res: res}
	var evs []planned
	seen := map[string]bool{}
	err = rd.eachRow(ctx, r, opt.File, b, res, func(tr tabular.Row) {
		rw := &row{num: tr.Num, cells: tr.Cells}
		ev := rd.declaration(rw, tr)
		if rw.bad != nil {
			rd.reject(rw, rw.bad...)
			return
		}
		k := declKey(ev)
		switch {
		case seen[k]:
			res.Duplicates++
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s: row %d repeats an earlier row: entered once", opt.File, tr.Num))
		case held[k]:
			res.Unchanged++
		default:
			res.New++
			evs = append(evs, planned{ev: ev, row: rw})
		}
		seen[k] = true
	})
	if err != nil {
		return nil, err
	}
	if rd.nerr > 0 {
		return nil, &RowErrors{Errs: sortErrs(rd.errs), Total: rd.nerr}
	}
	if len(evs) == 0 {
		return res, nil
	}
	lr, err := s.append(ctx, rd, evs, nil)
	if err != nil {
		var ee *ledger.EventError
		if errors.As(err, &ee) && ee.Line >= 1 && ee.Line <= len(evs) {
			rw := evs[ee.Line-1].row
			return nil, &RowErrors{Errs: []*RowError{{File: opt.File, Row: rw.num, Msg: "the register refuses it: " + ee.Err.Error(), Err: ee.Err}}, Total: 1}
		}
		return nil, err
	}
	res.Events = lr.Events
	return res, nil
}

// declaration reads one row; its problems are left in rw.bad.
func (rd *reading) declaration(rw *row, tr tabular.Row) *domain.Event {
	b := rd.b
	if ce := b.Shape(tr); ce != nil {
		rd.rowErr(rw, ce.Column, "%s", ce.Msg)
		return nil
	}
	cols := map[string]string{} // event field -> the column it came from
	text := func(field string) string {
		v, col, err := b.Get(field, tr)
		if err == mapping.ErrNoValue {
			return ""
		}
		if err != nil {
			rd.cellErr(rw, field, err)
			return ""
		}
		if f, ok := declFields[field]; ok {
			cols[f] = col
		}
		return v
	}
	date := func(field string) domain.Date {
		d, _, err := b.Date(field, tr)
		if err != nil {
			rd.cellErr(rw, field, err)
		}
		return d
	}
	d := &domain.DeclarationData{Pledge: text("declaration.pledge"), Counts: domain.DeclaredKind(text("declaration.counts")),
		Facility: text("declaration.facility"), Area: text("declaration.area"), Mechanism: domain.Mechanism(text("declaration.mechanism")),
		Group: domain.Group(text("declaration.group")), DeclaredBy: text("declaration.declared_by"), Source: text("declaration.source"),
		Note: text("declaration.note"), AsOf: date("declaration.as_of"), From: date("declaration.from")}
	day, ok, err := b.Date("declaration.date", tr)
	switch {
	case err != nil:
		rd.cellErr(rw, "declaration.date", err)
	case !ok:
		rd.rowErr(rw, b.ColumnOf("declaration.date"), "no date: the day the figure was declared is needed (declaration.date)")
	}
	fig, ok, err := b.Whole("declaration.figure", tr)
	switch {
	case err != nil:
		rd.cellErr(rw, "declaration.figure", err)
	case !ok:
		rd.rowErr(rw, b.ColumnOf("declaration.figure"), "no figure: a row declaring no number is not a declaration (skip such rows in the mapping)")
	}
	d.Figure = fig
	if b.Has("declaration.population_before") {
		n, ok, err := b.Whole("declaration.population_before", tr)
		if err != nil {
			rd.cellErr(rw, "declaration.population_before", err)
		} else if ok {
			d.PopulationBefore = &n
		}
	}
	for _, cat := range b.M.Reasons {
		field := "declaration.reasons." + cat
		v, col, err := b.Get(field, tr)
		if err == mapping.ErrNoValue {
			continue
		}
		if err != nil {
			rd.cellErr(rw, field, err)
			continue
		}
		if !isFlag(v, b.M.Flags) {
			rd.rowErr(rw, col, "%s is not a flag (%s:%d flags: %s): a reason is never guessed; list the value under flags: or missing: in the mapping",
				tabular.Clip(v), b.M.File, b.M.Line, strings.Join(b.M.Flags, ", "))
			continue
		}
		d.Reasons = append(d.Reasons, cat)
	}
	if rw.bad != nil {
		return nil
	}
	if err := d.Validate(day); err != nil {
		field, msg, _ := domain.FieldOf(err)
		col := cols[field]
		if col == "" {
			// No value: the column the mapping reads it from.
			for mf, df := range declFields {
				if df == field {
					col = b.ColumnOf(mf)
				}
			}
		}
		rw.bad = append(rw.bad, &RowError{File: rd.opt.File, Row: rw.num, Column: col, Msg: field + ": " + msg, Err: err})
		return nil
	}
	return &domain.Event{Kind: domain.KDeclaration, Date: day, Data: d}
}

func isFlag(v string, flags []string) bool {
	for _, f := range flags {
		if strings.EqualFold(strings.TrimSpace(v), strings.TrimSpace(f)) {
			return true
		}
	}
	return false
}

// declKey identifies a declaration by its date and content.
func declKey(ev *domain.Event) string {
	b, err := json.Marshal(ev.Data)
	if err != nil {
		panic(err) // a DeclarationData always encodes
	}
	return ev.Date.String() + " " + string(b)
}

// heldDeclarations are the keys of the declarations the register holds.
func (s *Service) heldDeclarations(ctx context.Context) (map[string]bool, error) {
	stored, err := s.st.Commitments(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the declarations held: %w", err)
	}
	held := map[string]bool{}
	for _, se := range stored {
		if se.Kind != domain.KDeclaration {
			continue
		}
		ev, err := domain.DecodeEvent(se.Body)
		if err != nil {
			return nil, fmt.Errorf("reading event %d: %w", se.Seq, err)
		}
		held[declKey(ev)] = true
	}
	return held, nil
}
