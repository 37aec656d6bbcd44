package ledger_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
)

// refusedStream is a load in which some events break rules that depend on
// the register's state, and others depend on those: refused[i] marks the
// events (1-based, as the ledger numbers them) the register must refuse.
func refusedStream() (evs []*domain.Event, refused map[int]bool) {
	d := domain.MustDate
	release := func(p, date string) *domain.Event {
		return &domain.Event{Kind: domain.KRelease, Date: d(date), Person: p, Data: &domain.ReleaseData{Mechanism: domain.MechDropped}}
	}
	admit := func(p, date, fac string) *domain.Event {
		return &domain.Event{Kind: domain.KAdmission, Date: d(date), Person: p, Facility: fac, Data: &domain.AdmissionData{Status: domain.StatusPretrial,
			Case: &domain.Case{ID: "K-" + p, Procedure: domain.ProcOrdinary}}}
	}
	charge := func(p, date string) *domain.Event {
		return &domain.Event{Kind: domain.KCharge, Date: d(date), Person: p, Data: &domain.ChargeData{Case: "K-" + p,
			Charges: []domain.Charge{{Offence: "theft", Class: domain.Misdemeanor, MaxMonths: 36}}}}
	}
	refused = map[int]bool{}
	add := func(bad bool, ev *domain.Event) {
		evs = append(evs, ev)
		if bad {
			refused[len(evs)] = true
		}
	}
	add(false, personEvents("P1")[0])
	add(false, personEvents("P1")[1])
	add(true, release("P2", "2020-02-01")) // P2 is not registered
	add(false, personEvents("P3")[0])
	add(true, admit("P3", "2020-02-01", "XX9")) // an unknown facility
	add(true, charge("P3", "2020-02-10"))       // depends on the refused admission: P3 is not held
	add(true, release("P3", "2020-03-01"))      // so does this
	add(false, admit("P3", "2020-04-01", "PP1"))
	add(false, charge("P3", "2020-04-10"))
	// Apply changes the file before it finds the unknown status: the file
	// must be as it was for what follows.
	add(true, &domain.Event{Kind: domain.KExtension, Date: d("2020-02-15"), Person: "P1", Data: &domain.OrderData{
		Order: domain.Order{Kind: domain.OrderDetention, Authority: "judge", Reference: "E1", Issued: d("2020-02-15")}, Status: "remand"}})
	add(false, release("P1", "2020-03-01"))
	// A late entry, refolded from the transaction: P1 was not held then.
	add(true, &domain.Event{Kind: domain.KHearing, Date: d("2020-01-05"), Person: "P1", Data: &domain.HearingData{Court: "Phnom Penh", Case: "K-P1"}})
	add(true, release("P1", "2020-03-05")) // released already
	add(false, personEvents("P4")[0])
	add(false, personEvents("P4")[1])
	return evs, refused
}

// With Refused, a load leaves out each event the register refuses, and
// those that fail because of it, and goes on; what it writes is what the
// stream without them writes. Refused returning false stops the load as
// before, writing nothing.
func TestLoadRefused(t *testing.T) {
	forBoth(t, func(t *testing.T, dsn func(testing.TB) string) {
		ctx := context.Background()
		db, svc := newService(t, dsn(t))
		registerFacility(t, svc)
		h0, err := db.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}

		// Refused saying no: the first refusal stops everything.
		evs, _ := refusedStream()
		asked := 0
		_, err = svc.LoadWith(ctx, registrar, ledger.LoadOptions{Refused: func(int, error) bool { asked++; return false }}, emitAll(evs))
		var ee *ledger.EventError
		if !errors.As(err, &ee) || ee.Line != 3 || asked != 1 {
			t.Fatalf("a refusal not taken: %v (asked %d times)", err, asked)
		}
		if h, err := db.Head(ctx); err != nil || h != h0 {
			t.Fatalf("a refused load moved the head to %v (%v)", h, err)
		}

		evs, want := refusedStream()
		got := map[int]bool{}
		res, err := svc.LoadWith(ctx, registrar, ledger.LoadOptions{Refused: func(line int, err error) bool {
			if field, _, _ := domain.FieldOf(err); errors.As(err, new(*ledger.EventError)) || domain.ErrorCode(err) != domain.ErrInvalid || field == "" {
				t.Errorf("event %d: the refusal %v is not invalid input naming its field", line, err)
			}
			got[line] = true
			return true
		}}, emitAll(evs))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("refused events %v, want %v", got, want)
		}
		if res.Events != len(evs)-len(want) {
			t.Fatalf("%d events written, want %d", res.Events, len(evs)-len(want))
		}
		ps, err := db.Persons(ctx, []string{"P1", "P3", "P4"})
		if err != nil {
			t.Fatal(err)
		}
		if p := ps["P1"]; p.InCustody || p.ExitDate != domain.MustDate("2020-03-01") || !ps["P3"].InCustody || ps["P3"].Admitted != domain.MustDate("2020-04-01") || !ps["P4"].InCustody {
			t.Fatalf("persons after the load: %+v", ps)
		}

		// The same register, loaded without the refused events.
		_, clean := newService(t, dsn(t))
		registerFacility(t, clean)
		all, _ := refusedStream()
		var kept []*domain.Event
		for i, ev := range all {
			if !want[i+1] {
				kept = append(kept, ev)
			}
		}
		if _, err := clean.Load(ctx, registrar, emitAll(kept)); err != nil {
			t.Fatal(err)
		}
		if a, b := export(t, svc), export(t, clean); !bytes.Equal(a, b) {
			t.Fatalf("the load with refusals differs from the load without the refused events:\n%s\n---\n%s", a, b)
		}
		if rep, err := svc.Verify(ctx, ""); err != nil || !rep.OK() {
			t.Fatalf("verify after a load with refusals: %+v %v", rep, err)
		}
	})
}
