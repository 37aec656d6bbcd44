package ledger_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
)

// registerFacility records the facility the load tests admit people to.
func registerFacility(t *testing.T, svc *ledger.Service) {
	t.Helper()
	_, err := svc.Record(context.Background(), registrar, &domain.Event{Kind: domain.KFacility, Date: domain.MustDate("2019-01-01"), Facility: "PP1",
		Data: &domain.FacilityData{Name: "Prison One", Kind: domain.Prison, Province: "Kandal", Capacity: 100}})
	if err != nil {
		t.Fatal(err)
	}
}

func personEvents(id string) []*domain.Event {
	return []*domain.Event{
		{Kind: domain.KPerson, Date: domain.MustDate("2020-01-10"), Person: id, Data: &domain.PersonData{Name: "Person " + id, Sex: domain.Sex("M"), DOBBasis: domain.DOBUnknown}},
		{Kind: domain.KAdmission, Date: domain.MustDate("2020-01-10"), Person: id, Facility: "PP1", Data: &domain.AdmissionData{Status: domain.StatusPretrial}},
	}
}

func emitAll(evs []*domain.Event) func(emit func(*domain.Event) error) error {
	return func(emit func(*domain.Event) error) error {
		for _, ev := range evs {
			if err := emit(ev); err != nil {
				return err
			}
		}
		return nil
	}
}

// A caller's word that persons are new spares their lookup; were it wrong
// about a person the register holds, the load fails and writes nothing.
func TestLoadStoredHint(t *testing.T) {
	forBoth(t, func(t *testing.T, dsn func(testing.TB) string) {
		ctx := context.Background()
		db, svc := newService(t, dsn(t))
		registerFacility(t, svc)
		asked := map[string]bool{}
		hint := ledger.LoadOptions{Stored: func(p string) bool { asked[p] = true; return false }}
		if _, err := svc.LoadWith(ctx, registrar, hint, emitAll(append(personEvents("P1"), personEvents("P2")...))); err != nil {
			t.Fatal(err)
		}
		if !asked["P1"] || !asked["P2"] {
			t.Fatalf("the hint was asked about %v", asked)
		}
		ps, err := db.Persons(ctx, []string{"P1", "P2"})
		if err != nil || !ps["P1"].InCustody || !ps["P2"].InCustody {
			t.Fatalf("persons after a load of new persons: %+v %v", ps, err)
		}
		h, err := db.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// P1 is held: a release with the wrong hint finds no registration.
		release := &domain.Event{Kind: domain.KRelease, Date: domain.MustDate("2020-03-01"), Person: "P1", Data: &domain.ReleaseData{Mechanism: domain.MechDropped}}
		if _, err := svc.LoadWith(ctx, registrar, hint, emitAll([]*domain.Event{release})); err == nil {
			t.Fatal("a release of a person the hint wrongly calls new was accepted")
		}
		// A new registration of P1 collides with the stored one.
		if _, err := svc.LoadWith(ctx, registrar, hint, emitAll(personEvents("P1")[:1])); err == nil {
			t.Fatal("a registration of a person the hint wrongly calls new was accepted")
		}
		if h2, err := db.Head(ctx); err != nil || h2 != h {
			t.Fatalf("a failed load moved the head from %v to %v (%v)", h, h2, err)
		}
		// Told the truth, the same release is applied.
		truth := ledger.LoadOptions{Stored: func(p string) bool { return p == "P1" || p == "P2" }}
		release.Seq, release.RecordedAt, release.RecordedBy, release.Via, release.Prev, release.Hash = 0, "", "", "", "", ""
		if _, err := svc.LoadWith(ctx, registrar, truth, emitAll([]*domain.Event{release})); err != nil {
			t.Fatal(err)
		}
		if ps, err := db.Persons(ctx, []string{"P1"}); err != nil || ps["P1"].InCustody {
			t.Fatalf("P1 after the release: %+v %v", ps, err)
		}
	})
}

// A load larger than the writer keeps in memory writes out the files of
// persons not seen for a while; a person seen again after that is read back
// through the transaction and continues from where their file stood.
func TestLoadReadsBackEvictedFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 50,000 events")
	}
	forBoth(t, func(t *testing.T, dsn func(testing.TB) string) {
		ctx := context.Background()
		db, svc := newService(t, dsn(t))
		registerFacility(t, svc)
		const n = 25000
		res, err := svc.LoadWith(ctx, registrar, ledger.LoadOptions{Stored: func(string) bool { return false }}, func(emit func(*domain.Event) error) error {
			for i := range n {
				for _, ev := range personEvents(fmt.Sprintf("P%05d", i)) {
					if err := emit(ev); err != nil {
						return err
					}
				}
			}
			// The first persons' files were written out long ago.
			for _, id := range []string{"P00000", "P00001"} {
				if err := emit(&domain.Event{Kind: domain.KRelease, Date: domain.MustDate("2020-03-01"), Person: id, Data: &domain.ReleaseData{Mechanism: domain.MechDropped}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Events != 2*n+2 || res.Persons != n {
			t.Fatalf("load: %+v, want %d events of %d persons", res, 2*n+2, n)
		}
		ps, err := db.Persons(ctx, []string{"P00000", "P00001", "P00002", fmt.Sprintf("P%05d", n-1)})
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 4 || ps["P00000"].InCustody || ps["P00001"].ExitDate != domain.MustDate("2020-03-01") || !ps["P00002"].InCustody || !ps[fmt.Sprintf("P%05d", n-1)].InCustody {
			t.Fatalf("persons after the load: %+v", ps)
		}
		pop, err := db.Population(ctx, domain.MustDate("2020-06-30"))
		if err != nil {
			t.Fatal(err)
		}
		held := 0
		for _, r := range pop {
			held += r.Count
		}
		if held != n-2 {
			t.Fatalf("%d held on 2020-06-30, want %d", held, n-2)
		}
	})
}
