// Package intake imports spreadsheets into the register: rows read by
// tabular, interpreted by a mapping, checked, compared with what the register
// already holds, and appended as ledger events in one transaction.
//
// An import is all or nothing unless the caller asks to skip invalid rows,
// and then the rows left out are written, with their reasons, to a rejects
// file the user can correct and import again. Importing the same file twice
// changes nothing the second time; importing a corrected file records
// correction events for the figures that changed, never overwriting them.
package intake

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/mapping"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/tabular"
)

// What a file holds.
type What string

const (
	Facilities What = "facilities" // facilities and their capacity over time
	Census     What = "census"     // counts per facility and date (and facilities, when mapped)
	Cells      What = "cells"      // cells of registered facilities: label, floor area, capacity, category
)

// Service imports spreadsheets through the ledger service.
type Service struct {
	st  store.Store
	led *ledger.Service
	now func() time.Time
	log *slog.Logger
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets "today", the date of correction events (tests pin it, and
// must pin the ledger service's clock the same way).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// New returns the import service over a store and its ledger service.
func New(st store.Store, led *ledger.Service, opts ...Option) *Service {
	s := &Service{st: st, led: led, now: time.Now, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Options say what to import and how.
type Options struct {
	What What
	// File names the data file in messages and in the reasons of
	// correction events.
	File string
	// DryRun checks everything, against the register too, and writes
	// nothing.
	DryRun bool
	// SkipInvalid loads the valid rows and leaves out the others, which are
	// written to Rejects; without it one invalid row stops the whole import.
	SkipInvalid bool
	// Rejects receives the rows left out as CSV: their row number, the
	// reason, then the row as it was. Required with SkipInvalid.
	Rejects io.Writer
	// Progress, when set, is called from time to time.
	Progress func(Progress)
	Actor    ledger.Actor
	// Charges is a charges sheet loaded together with an admissions sheet,
	// so that the charges on the day of an admission enter with it.
	Charges *Table
}

// Progress is how far an import has come.
type Progress struct {
	Phase string  // "reading", "checking" or "writing"
	Rows  int     // rows read so far
	Done  float64 // share of the phase done, 0..1; -1 when unknown
}

// Result says what an import did, counted in rows of the file.
type Result struct {
	Rows       int // data rows read (blank rows are not counted)
	New        int // rows that added something to the register
	Unchanged  int // rows the register already held as they are
	Corrected  int // rows that corrected a figure the register held
	Skipped    int // rows the mapping's skip rules leave out (totals, notes)
	Duplicates int // rows repeating an earlier row of the file
	NoCounts   int // census rows whose counts are all blank or missing: nothing is known, nothing recorded
	Rejected   int // rows left out as invalid (only with SkipInvalid)
	Events     int // ledger events appended (or that would be, in a dry run)
	DryRun     bool
	// Warnings are what looks wrong without being refused: each names the
	// file and row.
	Warnings []string
	// Also counts the rows of the charges sheet of an admissions import.
	Also *Result
}

// RowError is a problem with one row: it names the file, the row as a
// spreadsheet shows it, and the column. It is always invalid input
// (errors.Is(err, domain.ErrInvalid)); Err is the domain's error when the
// row breaks one of the domain's rules, with the event's field path.
type RowError struct {
	File string
	// Sheet is the worksheet of a workbook holding several tables (a
	// KoboToolbox export), "" otherwise.
	Sheet  string
	Row    int
	Column string
	Msg    string
	Err    error
}

func (e *RowError) Unwrap() error {
	if e.Err != nil {
		return e.Err
	}
	return domain.ErrInvalid
}

func (e *RowError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Sheet != "" {
		fmt.Fprintf(&b, ": sheet %q", e.Sheet)
	}
	if e.Row > 0 {
		fmt.Fprintf(&b, ": row %d", e.Row)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, ": column %q", e.Column)
	}
	b.WriteString(": ")
	b.WriteString(clipMsg(e.Msg))
	return b.String()
}

// maxMsg bounds one problem's message: cell values quoted in it are clipped
// (tabular.Clip), and this catches any that is not, so that one bad row
// cannot make a message of kilobytes.
const maxMsg = 400

func clipMsg(s string) string {
	if len(s) <= maxMsg {
		return s
	}
	cut := maxMsg
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// RowErrors are the problems of an import refused as a whole.
type RowErrors struct {
	Errs  []*RowError // the first ones, in row order
	Total int         // how many problems in all
}

// Unwrap makes the whole refusal invalid input, as each problem is.
func (e *RowErrors) Unwrap() []error {
	out := make([]error, len(e.Errs))
	for i, re := range e.Errs {
		out[i] = re
	}
	return out
}

// maxReported bounds the problems kept for the message.
const maxReported = 20

func (e *RowErrors) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d problem(s); nothing was imported", e.Total)
	for _, re := range e.Errs {
		b.WriteString("\n  ")
		b.WriteString(re.Error())
	}
	if e.Total > len(e.Errs) {
		fmt.Fprintf(&b, "\n  ... and %d more (use --skip-invalid --rejects FILE to load the valid rows and list every problem)", e.Total-len(e.Errs))
	}
	return b.String()
}

// Import reads every row of r, interprets it with the mapping and appends
// what is new or corrected to the register.
func (s *Service) Import(ctx context.Context, r tabular.Reader, m *mapping.Mapping, opt Options) (*Result, error) {
	if opt.SkipInvalid && opt.Rejects == nil {
		return nil, errors.New("skipping invalid rows needs a file for them (--rejects)")
	}
	if opt.File == "" {
		opt.File = "input"
	}
	switch opt.What {
	case Facilities:
		if err := m.Require("import facilities", "facility.id", "facility.name", "facility.kind", "facility.province"); err != nil {
			return nil, err
		}
		if m.Fields["facility.capacity_date"] == nil && m.Fields["census.date"] == nil {
			return nil, mapping.Errors{{File: m.File, Line: m.Line, Msg: "facility.capacity_date is needed to import facilities: the date from which the capacity holds (a column, or {value: 2020-02-29})"}}
		}
	case Census:
		if err := m.Require("import census counts", "facility.id", "census.date", "census.counts"); err != nil {
			return nil, err
		}
		if m.Source == "" && m.Fields["census.source"] == nil {
			return nil, mapping.Errors{{File: m.File, Line: m.Line, Msg: "source is needed to import census counts: who published the figures (every count records it)"}}
		}
	case Cells:
		if err := m.Require("import cells", "cell.facility", "cell.label", "cell.capacity"); err != nil {
			return nil, err
		}
	case People, Admissions, Charges:
		return s.importRegister(ctx, r, m, opt)
	default:
		return nil, fmt.Errorf("cannot import %q: choose facilities, cells, census, people, admissions or charges", opt.What)
	}
	b, err := m.Bind(r.Header(), opt.File)
	if err != nil {
		return nil, err
	}
	res := &Result{DryRun: opt.DryRun}
	rd := &reading{s: s, b: b, opt: opt, res: res}
	if err := rd.readAll(ctx, r); err != nil {
		return nil, err
	}
	return s.finish(ctx, rd)
}

// reading holds the rows of the file as they are interpreted.
type reading struct {
	s    *Service
	b    *mapping.Bound
	opt  Options
	res  *Result
	rows []*row
	errs []*RowError
	nerr int
	// reg plans the register's own sheets (people, admissions, charges).
	reg *regPlan
}

// row is one data row: what it says, and what became of it.
type row struct {
	num    int
	cells  []string
	fac    *facRec
	census []censusRec
	cell   *cellRec
	bad    []*RowError
	// dup marks a row whose every record repeats an earlier row; dups are
	// the rows that repeat this one.
	dup  bool
	dups []*row
	// sent: an event planned from the row was handed to the ledger.
	sent   bool
	status status
	// sheet and rec are set for the rows of people, admissions and charges
	// sheets: the file the row is from and what it says.
	sheet *sheet
	rec   any
}

type status int

const (
	unchanged status = iota
	added
	corrected
)

func (rd *reading) rowErr(rw *row, column, format string, args ...any) {
	rw.bad = append(rw.bad, &RowError{File: rd.opt.File, Row: rw.num, Column: column, Msg: fmt.Sprintf(format, args...)})
}

// cellErr turns an error from the mapping into a row error.
func (rd *reading) cellErr(rw *row, field string, err error) {
	var ce *mapping.CellError
	if errors.As(err, &ce) {
		rd.rowErr(rw, ce.Column, "%s (%s)", ce.Msg, field)
		return
	}
	rd.rowErr(rw, "", "%s: %v", field, err)
}

func (rd *reading) progress(phase string, done float64) {
	if rd.opt.Progress != nil {
		rd.opt.Progress(Progress{Phase: phase, Rows: rd.res.Rows, Done: done})
	}
}

func (rd *reading) readAll(ctx context.Context, r tabular.Reader) error {
	return rd.eachRow(ctx, r, rd.opt.File, rd.b, rd.res, func(tr tabular.Row) {
		rw := &row{num: tr.Num, cells: append([]string(nil), tr.Cells...)}
		if rd.opt.What == Cells {
			rd.interpretCell(rw, tr)
		} else {
			rd.interpret(rw, tr)
		}
		rd.rows = append(rd.rows, rw)
	})
}

// eachRow calls fn with every row of a file that the mapping does not skip,
// counting rows and skips in res. Between chunks of rows it reports progress
// and stops when ctx is done: nothing has been written yet at this stage.
func (rd *reading) eachRow(ctx context.Context, r tabular.Reader, file string, b *mapping.Bound, res *Result, fn func(tabular.Row)) error {
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("import interrupted while reading %s, nothing was written: %w", file, err)
			}
			rd.progress("reading", r.Progress())
		}
		tr, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		res.Rows++
		if b.Skip(tr) {
			res.Skipped++
			continue
		}
		fn(tr)
	}
	rd.progress("reading", 1)
	return nil
}

// reject records a row's problems: with SkipInvalid the row is left out and
// written to the rejects file, otherwise the import will fail.
func (rd *reading) reject(rw *row, errs ...*RowError) {
	rd.nerr += len(errs)
	for _, e := range errs {
		if len(rd.errs) < maxReported {
			rd.errs = append(rd.errs, e)
		}
	}
	rw.bad = errs
}

// rejectCells neutralises the cells of a rejected row as any sheet habeas
// writes (tabular.Cell): the columns the mapping reads numbers from keep
// their numbers, the rest is text. b is nil for the header.
func rejectCells(b *mapping.Bound, cells []string) []string {
	var num map[int]bool
	if b != nil {
		num = b.NumberColumns()
	}
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = tabular.Cell(c, num[i])
	}
	return out
}

// writeRejects writes the rows left out, in row order.
func (rd *reading) writeRejects(rows []*row) error {
	w := csv.NewWriter(rd.opt.Rejects)
	header := append([]string{"row", "problem"}, rejectCells(nil, rd.b.Header)...)
	if err := w.Write(header); err != nil {
		return fmt.Errorf("writing the rejects file: %w", err)
	}
	for _, rw := range rows {
		msgs := make([]string, len(rw.bad))
		for i, e := range rw.bad {
			msgs[i] = strings.TrimPrefix(e.Error(), fmt.Sprintf("%s: row %d: ", e.File, e.Row))
		}
		rec := append([]string{fmt.Sprint(rw.num), strings.Join(msgs, "; ")}, rejectCells(rd.b, rw.cells)...)
		if err := w.Write(rec); err != nil {
			return fmt.Errorf("writing the rejects file: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("writing the rejects file: %w", err)
	}
	return nil
}
