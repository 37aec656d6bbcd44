package ledger_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestCorrectCensusAndFacility: a revised count and a revised capacity are
// recorded as corrections; the projections show the revised figures, the
// originals stay in the ledger, verify rebuilds the same rows, and what
// cannot be corrected this way is refused with a reason.
func TestCorrectCensusAndFacility(t *testing.T) {
	forBoth(t, func(t *testing.T, dsn func(testing.TB) string) {
		ctx := context.Background()
		db, svc := newService(t, dsn(t))
		d := domain.MustDate
		seqs, err := svc.Record(ctx, registrar,
			&domain.Event{Kind: domain.KFacility, Date: d("2020-01-31"), Facility: "F1",
				Data: &domain.FacilityData{Name: "Verona", Kind: domain.Prison, Province: "Veneto", Capacity: 335, CapacitySource: "bulletin"}},
			&domain.Event{Kind: domain.KFacility, Date: d("2020-02-29"), Facility: "F1",
				Data: &domain.FacilityData{Name: "Verona", Kind: domain.Prison, Province: "Veneto", Capacity: 340, CapacitySource: "bulletin"}},
			&domain.Event{Kind: domain.KCensus, Date: d("2020-01-31"), Facility: "F1",
				Data: &domain.CensusData{Category: "total", Count: 588, Source: "bulletin"}})
		if err != nil {
			t.Fatal(err)
		}
		fac1, census := seqs[0], seqs[2]
		correct := func(target int64, kind domain.Kind, date domain.Date, fac string, data any, void bool) error {
			_, err := svc.Record(ctx, registrar, &domain.Event{Kind: domain.KCorrection, Date: d("2021-01-04"), Facility: fac,
				Data: &domain.CorrectionData{Target: target, TargetKind: kind, Reason: "bulletin revised", Date: date, Data: data, Void: void}})
			return err
		}
		if err := correct(census, domain.KCensus, d("2020-01-31"), "F1", &domain.CensusData{Category: "total", Count: 590, Source: "bulletin, revised"}, false); err != nil {
			t.Fatal(err)
		}
		// The earlier capacity record is corrected: history changes, the
		// facility's current row (of 2020-02-29) does not.
		if err := correct(fac1, domain.KFacility, d("2020-01-31"), "F1",
			&domain.FacilityData{Name: "Verona", Kind: domain.Prison, Province: "Veneto", Capacity: 330, CapacitySource: "bulletin, revised"}, false); err != nil {
			t.Fatal(err)
		}
		cs, err := db.Census(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 1 || cs[0].Seq != census || cs[0].Count != 590 || cs[0].Source != "bulletin, revised" {
			t.Errorf("census rows %+v, want the revised count under the original's seq", cs)
		}
		caps, err := db.CapacityOn(ctx, d("2020-02-10"))
		if err != nil {
			t.Fatal(err)
		}
		if len(caps) != 1 || caps[0].Capacity != 330 {
			t.Errorf("capacity on 2020-02-10: %+v, want the corrected 330", caps)
		}
		facs, _ := db.Facilities(ctx)
		if len(facs) != 1 || facs[0].Capacity != 340 || facs[0].CapacityDate != d("2020-02-29") {
			t.Errorf("current facility row %+v, want the 2020-02-29 record unchanged", facs)
		}
		rep, err := svc.Verify(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() {
			t.Fatalf("verify after corrections: %+v", rep.Problems)
		}
		// The rows corrections wrote are checked like the others: changed
		// behind habeas's back, they differ from the rebuild.
		for _, c := range []struct{ tamper, undo, words string }{
			{fmt.Sprintf("UPDATE census SET count = 600 WHERE seq = %d", census), fmt.Sprintf("UPDATE census SET count = 590 WHERE seq = %d", census),
				fmt.Sprintf("census record %d differs from the ledger", census)},
			{"UPDATE capacities SET capacity = 335 WHERE from_date = 20200131", "UPDATE capacities SET capacity = 330 WHERE from_date = 20200131",
				"capacity of F1 from 2020-01-31 differs"},
		} {
			if _, err := db.SQL().ExecContext(ctx, c.tamper); err != nil {
				t.Fatal(err)
			}
			rep, err := svc.Verify(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() || len(rep.Problems) == 0 || !strings.Contains(rep.Problems[0].What, c.words) {
				t.Errorf("%s: verify %+v, want %q", c.tamper, rep.Problems, c.words)
			}
			if _, err := db.SQL().ExecContext(ctx, c.undo); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			name         string
			target       int64
			kind         domain.Kind
			date         domain.Date
			fac          string
			data         any
			void         bool
			field, words string
		}{
			{"void a count", census, domain.KCensus, 0, "F1", nil, true, "data.void", "cannot be voided"},
			{"wrong envelope facility", census, domain.KCensus, d("2020-01-31"), "F2", &domain.CensusData{Category: "total", Count: 1, Source: "x"}, false, "facility", "must be \"F1\""},
			{"negative count", census, domain.KCensus, d("2020-01-31"), "F1", &domain.CensusData{Category: "total", Count: -1, Source: "x"}, false, "data.data.count", "negative"},
			{"capacity moved in time", fac1, domain.KFacility, d("2020-01-15"), "F1", &domain.FacilityData{Name: "Verona", Kind: domain.Prison, Province: "Veneto", Capacity: 1}, false, "data.date", "must stay 2020-01-31"},
		} {
			err := correct(c.target, c.kind, c.date, c.fac, c.data, c.void)
			_, ok := err.(*ledger.EventError)
			field, msg, invalid := domain.FieldOf(err)
			if !ok || !invalid || field != c.field || !strings.Contains(msg, c.words) {
				t.Errorf("%s: %v, want %s: ...%s...", c.name, err, c.field, c.words)
			}
		}
		// A person's event still needs its person.
		_, err = svc.Record(ctx, registrar, &domain.Event{Kind: domain.KCorrection, Date: d("2021-01-04"),
			Data: &domain.CorrectionData{Target: census, TargetKind: domain.KCensus, Reason: "x", Date: d("2020-01-31"),
				Data: &domain.CensusData{Category: "total", Count: 1, Source: "x"}}})
		if field, _, ok := domain.FieldOf(err); !ok || field != "facility" {
			t.Errorf("census correction without the facility: %v", err)
		}
		var n int
		_ = db.Events(ctx, 1, func(store.StoredEvent) error { n++; return nil })
		if n != 5 {
			t.Errorf("%d events, want the 3 originals and 2 corrections", n)
		}
	})
}

// TestDryRunWritesNothing: DryRun checks against the register and leaves
// it as it was.
func TestDryRunWritesNothing(t *testing.T) {
	ctx := context.Background()
	db, svc := newService(t, dbtest.SQLiteDSN(t))
	gen := func(evs ...*domain.Event) func(func(*domain.Event) error) error {
		return func(emit func(*domain.Event) error) error {
			for _, ev := range evs {
				if err := emit(ev); err != nil {
					return err
				}
			}
			return nil
		}
	}
	fac := &domain.Event{Kind: domain.KFacility, Date: domain.MustDate("2020-01-31"), Facility: "F1",
		Data: &domain.FacilityData{Name: "A", Kind: domain.Prison, Province: "P", Capacity: 10}}
	res, err := svc.DryRun(ctx, registrar, gen(fac))
	if err != nil || res.Events != 1 {
		t.Fatalf("dry run: %+v %v", res, err)
	}
	if h, _ := db.Head(ctx); h.Seq != 0 {
		t.Fatalf("a dry run wrote %d events", h.Seq)
	}
	census := &domain.Event{Kind: domain.KCensus, Date: domain.MustDate("2020-01-31"), Facility: "F9",
		Data: &domain.CensusData{Category: "total", Count: 1, Source: "x"}}
	if _, err := svc.DryRun(ctx, registrar, gen(census)); err == nil || !strings.Contains(err.Error(), "unknown facility") {
		t.Errorf("dry run of a count for an unknown facility: %v", err)
	}
}

// TestEstateCorrectionOfTheTargetsKind: a correction carries the details of
// the kind of record it corrects. The writer used to go by the details'
// type, so that a count "corrected" with a facility's details wrote a
// facility row (and one of a facility record, with a count, a census row
// under the facility record's number), and the ledger took a correction
// that no longer decodes (its details are read as the target's kind): verify
// then failed on a ledger habeas itself had written.
func TestEstateCorrectionOfTheTargetsKind(t *testing.T) {
	forBoth(t, func(t *testing.T, dsn func(testing.TB) string) {
		ctx := context.Background()
		db, svc := newService(t, dsn(t))
		d := domain.MustDate
		verona := &domain.FacilityData{Name: "Verona", Kind: domain.Prison, Province: "Veneto", Capacity: 335, CapacitySource: "bulletin"}
		seqs, err := svc.Record(ctx, registrar,
			&domain.Event{Kind: domain.KFacility, Date: d("2020-01-31"), Facility: "F1", Data: verona},
			&domain.Event{Kind: domain.KCensus, Date: d("2020-01-31"), Facility: "F1",
				Data: &domain.CensusData{Category: "total", Count: 588, Source: "bulletin"}})
		if err != nil {
			t.Fatal(err)
		}
		fac, census := seqs[0], seqs[1]
		for _, c := range []struct {
			target int64
			kind   domain.Kind
			data   any
			words  string
		}{
			{census, domain.KCensus, &domain.FacilityData{Name: "Verona", Kind: domain.Prison, Province: "Veneto", Capacity: 1, CapacitySource: "x"}, "census record"},
			{fac, domain.KFacility, &domain.CensusData{Category: "total", Count: 1, Source: "x"}, "facility record"},
		} {
			_, err := svc.Record(ctx, registrar, &domain.Event{Kind: domain.KCorrection, Date: d("2021-01-04"), Facility: "F1",
				Data: &domain.CorrectionData{Target: c.target, TargetKind: c.kind, Reason: "revised", Date: d("2020-01-31"), Data: c.data}})
			_, ok := err.(*ledger.EventError)
			field, msg, invalid := domain.FieldOf(err)
			if !ok || !invalid || field != "data.data" || !strings.Contains(msg, "must be the details of a "+c.words) {
				t.Errorf("a %s corrected with %T: %v, want data.data: must be the details of a %s", c.kind, c.data, err, c.words)
			}
		}
		facs, _ := db.Facilities(ctx)
		caps, _ := db.Capacities(ctx)
		cs, _ := db.Census(ctx)
		if len(facs) != 1 || facs[0].Capacity != 335 || len(caps) != 1 || caps[0].Capacity != 335 || len(cs) != 1 || cs[0].Count != 588 {
			t.Errorf("rows after refused corrections: %+v %+v %+v, want the originals", facs, caps, cs)
		}
		rep, err := svc.Verify(ctx, "")
		if err != nil || !rep.OK() {
			t.Fatalf("verify: %v %+v", err, rep)
		}
	})
}
