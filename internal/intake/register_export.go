package intake

import (
	"context"
	"fmt"
	"runtime"
	"strconv"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/mapping"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/tabular"
)

// ExportRegister writes the people, admissions or charges of the register,
// as the ledger holds them with corrections applied, one person after
// another in id order. With a mapping the sheet has the source's column
// names, date format and words; without one, habeas's own layout, which
// `habeas import` reads back without a mapping.
//
// What the sheets leave out (transfers, verdicts, hearings, health ...) is
// only in the full ledger (habeas export events).
func ExportRegister(ctx context.Context, st store.Store, what What, m *mapping.Mapping, w tabular.Writer) (int, error) {
	cols, ok := mapping.RegisterLayouts[string(what)]
	if !ok {
		return 0, fmt.Errorf("cannot export %q: choose people, admissions or charges", what)
	}
	fields := make([]string, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		fields[i], names[i] = c.Field, c.Name
	}
	if m == nil {
		var err error
		if m, err = mapping.Default(string(what), names); err != nil {
			return 0, err
		}
	}
	out, err := m.Out(fields)
	if err != nil {
		return 0, err
	}
	w.Numeric(out.Numeric()...)
	if err := w.Write(out.Header()); err != nil {
		return 0, fmt.Errorf("exporting %s: %w", what, err)
	}
	type job struct {
		ids  []string
		evs  [][]store.StoredEvent
		rows [][]string
		err  error
		done chan struct{}
	}
	workers := max(1, runtime.GOMAXPROCS(0))
	jobs := make(chan *job, workers)
	queue := make(chan *job, 2*workers)
	for range workers {
		go func() {
			for j := range jobs {
				j.rows, j.err = registerRows(what, out, j.ids, j.evs)
				close(j.done)
			}
		}()
	}
	// Persons are read in order, turned into rows on every core, and
	// written in order.
	n := 0
	werr := make(chan error, 1)
	go func() {
		var err error
		for j := range queue {
			<-j.done
			if err != nil {
				continue
			}
			if j.err != nil {
				err = j.err
				continue
			}
			for _, r := range j.rows {
				if err = w.Write(r); err != nil {
					err = fmt.Errorf("exporting %s: %w", what, err)
					break
				}
				n++
			}
		}
		werr <- err
	}()
	cur := &job{done: make(chan struct{})}
	send := func() {
		queue <- cur
		jobs <- cur
		cur = &job{done: make(chan struct{})}
	}
	rerr := st.EventsByPerson(ctx, func(person string, evs []store.StoredEvent) error {
		cur.ids = append(cur.ids, person)
		cur.evs = append(cur.evs, evs)
		if len(cur.ids) == 512 {
			send()
		}
		return ctx.Err()
	})
	if len(cur.ids) > 0 {
		send()
	}
	close(jobs)
	close(queue)
	if err := <-werr; err != nil {
		return n, err
	}
	if rerr != nil {
		return n, fmt.Errorf("exporting %s: %w", what, rerr)
	}
	return n, w.Close()
}

// registerRows makes the rows of some persons.
func registerRows(what What, out *mapping.Out, ids []string, stored [][]store.StoredEvent) ([][]string, error) {
	var rows [][]string
	for i, id := range ids {
		evs, err := decodeSheetEvents(stored[i])
		if err != nil {
			return nil, fmt.Errorf("reading the file of %s: %w", id, err)
		}
		sp := summarize(evs)
		emit := func(vals ...string) { rows = append(rows, out.Row(vals, nil)) }
		switch what {
		case People:
			if !sp.registered {
				continue
			}
			d := sp.identity
			emit(id, sp.regDate.String(), d.Name, d.OtherNames, string(d.Sex), d.Gender, dateText(d.DOB), string(d.DOBBasis), d.Nationality, d.IDDocument)
		case Admissions:
			for _, a := range sp.adms {
				d := a.data
				var o domain.Order
				if d.Order != nil {
					o = *d.Order
				}
				var c domain.Case
				if d.Case != nil {
					c = *d.Case
				}
				var endDate, end, auth, ref string
				if ev := a.end; ev != nil {
					endDate = ev.Date.String()
					switch e := ev.Data.(type) {
					case *domain.ReleaseData:
						end, auth, ref = string(e.Mechanism), e.Authority, e.Reference
					case *domain.DeathData:
						end = endDeath
					default:
						end = endEscape
					}
				}
				emit(id, a.date.String(), a.facility, d.Cell, string(d.Status), string(o.Kind), o.Authority, o.Reference,
					dateText(o.Issued), dateText(o.Expires), c.ID, c.Court, string(c.Procedure), dateText(c.OffenceDate),
					endDate, end, auth, ref)
			}
		case Charges:
			charge := func(caseID string, date domain.Date, cs []domain.Charge) {
				for _, c := range cs {
					emit(id, caseID, date.String(), c.Offence, string(c.Class), strconv.Itoa(c.MinMonths), strconv.Itoa(c.MaxMonths),
						yesNo(c.Life), yesNo(c.Drug), yesNo(c.Violent), yesNo(c.Grave))
				}
			}
			// The charges at admission, then each change, in date order.
			ci := 0
			for k, a := range sp.adms {
				if a.data.Case != nil {
					charge(a.data.Case.ID, a.date, a.data.Case.Charges)
				}
				for ; ci < len(sp.changes); ci++ {
					c := sp.changes[ci]
					if k+1 < len(sp.adms) && c.date >= sp.adms[k+1].date {
						break
					}
					charge(c.caseID, c.date, c.charges)
				}
			}
		}
	}
	return rows, nil
}

func dateText(d domain.Date) string {
	if d == domain.NoDate {
		return ""
	}
	return d.String()
}

func yesNo(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
