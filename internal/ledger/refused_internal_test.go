package ledger

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// An event the person's fold refuses after it began changing the file
// (an extension with an unknown status: the order is replaced and counted
// before the status is checked) leaves the file as it was when the writer
// may go on after a refusal.
func TestRefusedApplyRestoresTheFile(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			d := domain.MustDate
			s := New(dbtest.Open(t, be.DSN(t)), WithClock(func() time.Time { return time.Date(2021, 1, 5, 10, 0, 0, 0, time.UTC) }))
			actor := Actor{Name: "registrar", Via: "test"}
			if _, err := s.Record(ctx, actor, &domain.Event{Kind: domain.KFacility, Date: d("2019-01-01"), Facility: "PP1",
				Data: &domain.FacilityData{Name: "Prison One", Kind: domain.Prison, Province: "Kandal", Capacity: 100}}); err != nil {
				t.Fatal(err)
			}
			ext := func() *domain.Event {
				return &domain.Event{Kind: domain.KExtension, Date: d("2020-02-15"), Person: "P1", Data: &domain.OrderData{
					Order: domain.Order{Kind: domain.OrderDetention, Authority: "judge", Reference: "E1", Issued: d("2020-02-15")}, Status: "remand"}}
			}
			for _, refusable := range []bool{false, true} {
				w, err := s.begin(ctx, actor, "")
				if err != nil {
					t.Fatal(err)
				}
				if refusable {
					w.refused = func(int, error) bool { return true }
				}
				for _, ev := range []*domain.Event{
					{Kind: domain.KPerson, Date: d("2020-01-10"), Person: "P1", Data: &domain.PersonData{Name: "Person P1", Sex: "M", DOBBasis: domain.DOBUnknown}},
					{Kind: domain.KAdmission, Date: d("2020-01-10"), Person: "P1", Facility: "PP1", Data: &domain.AdmissionData{Status: domain.StatusPretrial}},
				} {
					if err := w.add(ctx, ev, 1); err != nil {
						t.Fatal(err)
					}
				}
				before := w.files["P1"].Clone()
				ev := ext()
				if err := w.prepare(ev, w.head.Seq+1); err != nil {
					t.Fatalf("the extension is refused before its fold: %v", err)
				}
				if err := w.apply(ctx, ev); domain.ErrorCode(err) != domain.ErrInvalid {
					t.Fatalf("an extension with an unknown status: %v", err)
				}
				same := reflect.DeepEqual(w.files["P1"], before)
				switch {
				case refusable && !same:
					t.Fatalf("the refused extension changed the file:\n%+v\nwas\n%+v", w.files["P1"].State, before.State)
				case !refusable && same:
					// The case this guards against: without a refusal
					// the load is abandoned, and the file may stay changed.
					t.Fatal("the fold no longer changes the file before refusing this extension: find another case for this test")
				}
				w.rollback(ctx)
			}
		})
	}
}
