package registry_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/demo"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/registry"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestCorrection: the service resolves the event a correction targets,
// refuses a target that is not the person's and a user who may not record
// what it corrects, and the event it builds is one Record accepts.
func TestCorrection(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t, dbtest.SQLiteDSN(t))
	_, err := ledger.New(db).Load(ctx, ledger.Actor{Name: "test"}, func(emit func(*domain.Event) error) error {
		return demo.Generate(ctx, demo.Options{Seed: 5, People: 300}, emit)
	})
	if err != nil {
		t.Fatal(err)
	}
	reg := open(t, db)
	admin := &auth.Principal{User: "a", Role: auth.Admin, Via: "test"}
	cc1 := &auth.Principal{User: "r", Role: auth.Registrar, Facilities: []string{"CC1"}, Via: "test"}
	cc2 := &auth.Principal{User: "s", Role: auth.Registrar, Facilities: []string{"CC2"}, Via: "test"}
	monitor := &auth.Principal{User: "m", Role: auth.Monitor, Facilities: []string{"CC1"}, Via: "test"}

	held := func(fac string) (string, store.StoredEvent) {
		t.Helper()
		ps, err := db.SearchPersons(ctx, store.PersonQuery{Facility: fac, InCustody: true, Limit: 1})
		if err != nil || len(ps) == 0 {
			t.Fatalf("no one held in %s: %v", fac, err)
		}
		evs, err := db.PersonEvents(ctx, []string{ps[0].ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs[ps[0].ID] {
			if e.Kind == domain.KAdmission {
				return ps[0].ID, e
			}
		}
		t.Fatalf("%s has no admission", ps[0].ID)
		return "", store.StoredEvent{}
	}
	person, adm := held("CC1")
	_, elsewhere := held("PP-PNH")
	orig, err := domain.DecodeEvent(adm.Body)
	if err != nil {
		t.Fatal(err)
	}

	invalid := func(err error, field string) bool {
		f, _, ok := domain.FieldOf(err)
		return ok && f == field
	}
	for _, c := range []struct {
		name string
		p    *auth.Principal
		req  registry.CorrectionRequest
		ok   func(error) bool
	}{
		{"the public", nil, registry.CorrectionRequest{Target: adm.Seq, Reason: "r", Void: true},
			func(err error) bool { return errors.Is(err, domain.ErrUnauthenticated) }},
		{"another person's event", admin, registry.CorrectionRequest{Target: elsewhere.Seq, Reason: "r", Void: true},
			func(err error) bool { return invalid(err, "target") }},
		{"no such event", admin, registry.CorrectionRequest{Target: 1 << 40, Reason: "r", Void: true},
			func(err error) bool { return invalid(err, "target") }},
		{"void and a date", admin, registry.CorrectionRequest{Target: adm.Seq, Reason: "r", Void: true, NewDate: orig.Date},
			func(err error) bool { return invalid(err, "new_date") }},
		{"neither", admin, registry.CorrectionRequest{Target: adm.Seq, Reason: "r"},
			func(err error) bool { return invalid(err, "new_date") }},
		{"a monitor", monitor, registry.CorrectionRequest{Target: adm.Seq, Reason: "r", Void: true},
			func(err error) bool { return errors.Is(err, domain.ErrForbidden) }},
		{"a registrar of another facility", cc2, registry.CorrectionRequest{Target: adm.Seq, Reason: "r", Void: true},
			func(err error) bool { return errors.Is(err, domain.ErrForbidden) }},
	} {
		if ev, err := reg.Correction(ctx, c.p, person, c.req); ev != nil || !c.ok(err) {
			t.Errorf("%s: %v", c.name, err)
		}
	}

	ev, err := reg.Correction(ctx, cc1, person, registry.CorrectionRequest{Target: adm.Seq, Reason: "typo", Void: true})
	want := &domain.Event{Kind: domain.KCorrection, Person: person, Date: orig.Date,
		Data: &domain.CorrectionData{Target: adm.Seq, TargetKind: domain.KAdmission, Reason: "typo", Void: true}}
	if err != nil || !reflect.DeepEqual(ev, want) {
		t.Errorf("void: %+v %v", ev, err)
	}
	// A later date: the correction is entered on it, and keeps what the
	// admission said.
	later := orig.Date.AddDays(2)
	ev, err = reg.Correction(ctx, cc1, person, registry.CorrectionRequest{Target: adm.Seq, Reason: "wrong day", NewDate: later})
	if err != nil {
		t.Fatal(err)
	}
	cd, _ := ev.Data.(*domain.CorrectionData)
	if ev.Date != later || cd == nil || cd.Date != later || cd.Facility != orig.Facility || !reflect.DeepEqual(cd.Data, orig.Data) {
		t.Errorf("a new date: %+v %+v", ev, cd)
	}
	if _, err := reg.Record(ctx, cc1, ev); err != nil {
		t.Errorf("recording the correction: %v", err)
	}
}
