package intake

import (
	"fmt"
	"sync"
)

// refusals gathers, during one load (with SkipInvalid), the rows whose
// events the register refused for reasons of its state (a person not in
// custody on that date, an admission before the registration ...), which
// only the ledger sees. The ledger leaves such an event out and goes on
// (ledger.LoadOptions.Refused), so the import needs one pass, not one per
// refusal; and it writes what the import of the sheets without the rows
// listed as rejected writes.
//
// That holds when leaving a row out changes the plan of no other row. It
// does not when an event of the row was already entered (the row's release
// refused after its admission was accepted), or when the plan of the
// person left out rows that might have been planned without this one (a
// second admission refused as overlapping one the register then refuses):
// refuse then declines, and the import starts again without the row, as
// before. Events that failed because of a refused one (the charges of a
// refused admission) are refused in turn, and reported the same way.
type refusals struct {
	mu   sync.Mutex
	rows []*row // in the order refused
	errs map[*row]*RowError
	file func(*row) string
}

func newRefusals(file func(*row) string) *refusals {
	return &refusals{errs: map[*row]*RowError{}, file: file}
}

// refuse decides whether the event planned as p, which the register
// refuses with err, is left out, its rows with it; first says whether it is
// the first event emitted from p.row in this load. It is called from the
// ledger's goroutine.
func (rf *refusals) refuse(p planned, first bool, err error) bool {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.errs[p.row] != nil {
		return true // a later event of a row already left out
	}
	if !first || p.tainted {
		return false
	}
	rf.add(p.row, &RowError{File: rf.file(p.row), Row: p.row.num, Msg: "the register refuses it: " + err.Error(), Err: err})
	for _, o := range p.also {
		rf.add(o, &RowError{File: rf.file(o), Row: o.num, Msg: fmt.Sprintf("the register refuses it with %s row %d: %v", rf.file(p.row), p.row.num, err), Err: err})
	}
	return true
}

func (rf *refusals) add(rw *row, e *RowError) {
	if rf.errs[rw] != nil {
		return
	}
	rf.errs[rw] = e
	rf.rows = append(rf.rows, rw)
	for _, d := range rw.dups {
		rf.add(d, &RowError{File: e.File, Row: d.num, Msg: fmt.Sprintf("repeats row %d, and %s", rw.num, e.Msg), Err: e.Err})
	}
}

// each calls fn for every row left out, with its error, in the order they
// were refused (after the load: without the lock). rf may be nil.
func (rf *refusals) each(fn func(*row, *RowError)) {
	if rf == nil {
		return
	}
	for _, rw := range rf.rows {
		fn(rw, rf.errs[rw])
	}
}
