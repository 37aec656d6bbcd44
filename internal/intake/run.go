package intake

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
)

// maxLedgerRejects bounds how many times an import with SkipInvalid starts
// again after the ledger refuses a row it cannot leave out in the same pass
// (see refusals): each costs a rolled-back transaction.
const maxLedgerRejects = 100

// finish checks the rows against each other and the register, then appends
// the events in one transaction (or checks them and writes nothing, in a dry
// run). A row the ledger refuses is, with SkipInvalid, left out: people,
// admissions and charges rows in the same transaction (see refusals), the
// others by starting the transaction again without it; without
// SkipInvalid the import fails.
func (s *Service) finish(ctx context.Context, rd *reading) (*Result, error) {
	if rd.reg != nil {
		rd.reg.dedupe(rd)
	} else if rd.opt.What == Cells {
		rd.dedupeCells()
	} else {
		rd.dedupe()
	}
	if rd.nerr > 0 && !rd.opt.SkipInvalid {
		return nil, &RowErrors{Errs: sortErrs(rd.errs), Total: rd.nerr}
	}
	rd.progress("checking", -1)
	var st *registerState
	var err error
	if rd.reg == nil {
		if st, err = s.loadState(ctx); err != nil {
			return nil, err
		}
	}
	var res ledger.ImportResult
	var evs []planned
	for attempt := 0; ; attempt++ {
		valid := make([]*row, 0, len(rd.rows))
		for _, rw := range rd.rows {
			if rw.bad == nil {
				valid = append(valid, rw)
			}
		}
		var bad map[*row][]*RowError
		if rd.reg != nil {
			evs, bad, err = rd.reg.plan(ctx, rd, valid)
		} else if rd.opt.What == Cells {
			evs, bad, err = rd.planCells(ctx, st, valid)
		} else {
			evs, bad, err = rd.plan(ctx, st, valid)
		}
		if err != nil {
			return nil, err
		}
		if len(bad) > 0 {
			for _, rw := range sortedRows(bad) {
				rd.reject(rw, bad[rw]...)
			}
			if !rd.opt.SkipInvalid {
				return nil, &RowErrors{Errs: sortErrs(rd.errs), Total: rd.nerr}
			}
			continue
		}
		if len(evs) == 0 {
			break
		}
		var rf *refusals
		var refused func(int, error) bool
		if rd.opt.SkipInvalid && rd.reg != nil {
			rf, refused = rd.refusalsOf(evs)
		}
		res, err = s.append(ctx, rd, evs, refused)
		if err == nil {
			rf.each(func(rw *row, e *RowError) { rd.reject(rw, e) })
			break
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("import of %s interrupted, nothing was written: %w", rd.opt.File, ctx.Err())
		}
		var ee *ledger.EventError
		if !errors.As(err, &ee) || ee.Line < 1 || ee.Line > len(evs) {
			return nil, err
		}
		rw := evs[ee.Line-1].row
		rerr := &RowError{File: rd.fileOf(rw), Row: rw.num, Msg: "the register refuses it: " + ee.Err.Error(), Err: ee.Err}
		if !rd.opt.SkipInvalid {
			return nil, &RowErrors{Errs: []*RowError{rerr}, Total: 1}
		}
		if attempt >= maxLedgerRejects {
			return nil, fmt.Errorf("%s: the register refused more than %d rows; nothing was imported (last: %v)", rd.opt.File, maxLedgerRejects, rerr)
		}
		rd.reject(rw, rerr)
		// The rows this attempt left out stay out.
		rf.each(func(rw *row, e *RowError) { rd.reject(rw, e) })
	}
	if rd.opt.SkipInvalid && rd.reg != nil {
		if err := rd.reg.writeRejects(rd); err != nil {
			return nil, err
		}
	} else if rd.opt.SkipInvalid {
		var rejected []*row
		for _, rw := range rd.rows {
			if rw.bad != nil {
				rejected = append(rejected, rw)
			}
		}
		rd.res.Rejected = len(rejected)
		if err := rd.writeRejects(rejected); err != nil {
			return nil, err
		}
	}
	rd.res.Events = res.Events
	for _, rw := range rd.rows {
		r := rd.res
		if rw.sheet != nil {
			r = rw.sheet.res
		}
		switch {
		case rw.bad != nil:
		case rw.dup:
			r.Duplicates++
		case rw.status == corrected:
			r.Corrected++
		case rw.status == added:
			r.New++
		default:
			r.Unchanged++
		}
	}
	return rd.res, nil
}

// fileOf names the file a row is from.
func (rd *reading) fileOf(rw *row) string {
	if rw.sheet != nil {
		return rw.sheet.file
	}
	return rd.opt.File
}

// sortErrs puts the problems in file and row order: rows are checked in
// parallel and against the register person by person.
func sortErrs(errs []*RowError) []*RowError {
	sort.SliceStable(errs, func(i, j int) bool {
		if errs[i].File != errs[j].File {
			return errs[i].File < errs[j].File
		}
		return errs[i].Row < errs[j].Row
	})
	return errs
}

// refusalsOf is, for a load of the people, admissions or charges events
// evs, the refusals it gathers and the ledger's LoadOptions.Refused that
// gathers them. The plan of a person any of whose rows was left out is
// taken as depending on the rows left out (refusals.refuse): a refusal of
// another of their rows then starts the import again.
func (rd *reading) refusalsOf(evs []planned) (*refusals, func(int, error) bool) {
	left := map[string]bool{}
	for _, rw := range rd.rows {
		if rw.bad != nil {
			left[personOf(rw)] = true
		}
	}
	first := make([]bool, len(evs))
	seen := map[*row]bool{}
	for i := range evs {
		p := &evs[i]
		first[i] = !seen[p.row]
		seen[p.row] = true
		p.tainted = left[p.ev.Person]
	}
	rf := newRefusals(rd.fileOf)
	return rf, func(line int, err error) bool {
		if line < 1 || line > len(evs) {
			return false
		}
		return rf.refuse(evs[line-1], first[line-1], err)
	}
}

// append runs the events through the ledger service in one transaction;
// refused, when set, is the ledger's LoadOptions.Refused.
func (s *Service) append(ctx context.Context, rd *reading, evs []planned, refused func(int, error) bool) (ledger.ImportResult, error) {
	gen := func(emit func(*domain.Event) error) error {
		for i, p := range evs {
			if i%4096 == 0 {
				rd.progress("writing", float64(i)/float64(len(evs)))
			}
			// The ledger fills in the envelope; a retry must start clean.
			ev := *p.ev
			if err := emit(&ev); err != nil {
				return err
			}
		}
		rd.progress("writing", 1)
		return nil
	}
	actor := rd.opt.Actor
	if actor.Via == "" {
		actor.Via = "import " + rd.opt.File
	}
	return s.led.LoadWith(ctx, actor, ledger.LoadOptions{DryRun: rd.opt.DryRun, Refused: refused}, gen)
}

func sortedRows(m map[*row][]*RowError) []*row {
	out := make([]*row, 0, len(m))
	for rw := range m {
		out = append(out, rw)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].num < out[j].num })
	return out
}
