package ledger_test

import (
	"context"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestRecord enters events one form at a time, as the web application will.
func TestRecord(t *testing.T) {
	ctx := context.Background()
	db, svc := newService(t, dbtest.SQLiteDSN(t))
	importFixture(t, svc)
	clerk := registrar
	clerk.Name = "clerk.kandal"
	seqs, err := svc.Record(ctx, clerk,
		&domain.Event{Kind: domain.KComplaint, Date: domain.MustDate("2020-09-01"), Person: "P1",
			Data: &domain.ComplaintData{Subject: "beaten during transfer", IllTreatment: true, To: "prison director"}},
		&domain.Event{Kind: domain.KRelease, Date: domain.MustDate("2020-09-02"), Person: "P1", Facility: "PP-KDL",
			Data: &domain.ReleaseData{Mechanism: domain.MechBail, Authority: "Investigating judge", Reference: "JS-2020-077"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 2 || seqs[0] != 16 || seqs[1] != 17 {
		t.Fatalf("sequence numbers %v, want [16 17]", seqs)
	}
	ev, ok, err := db.Event(ctx, 17)
	if err != nil || !ok || !strings.Contains(string(ev.Body), `"recorded_by":"clerk.kandal"`) || !strings.Contains(string(ev.Body), `"recorded_at":"2021-01-05T10:00:00Z"`) {
		t.Fatalf("the release is not attributed to the clerk: %s %v", ev.Body, err)
	}
	p, _ := db.Persons(ctx, []string{"P1"})
	if p["P1"].InCustody || p["P1"].Mechanism != domain.MechBail {
		t.Errorf("P1 after release: %+v", p["P1"])
	}
	// A second release of the same person is refused, and the valid event
	// entered with it in the same call is not written either.
	before, _ := db.Head(ctx)
	_, err = svc.Record(ctx, clerk,
		&domain.Event{Kind: domain.KHearing, Date: domain.MustDate("2020-09-03"), Person: "P2", Data: &domain.HearingData{}},
		&domain.Event{Kind: domain.KRelease, Date: domain.MustDate("2020-09-03"), Person: "P1", Data: &domain.ReleaseData{Mechanism: domain.MechAmnesty}})
	if err == nil || !strings.Contains(err.Error(), "event 1: person: P2 is not in custody") {
		t.Fatalf("want P2's hearing refused first: %v", err)
	}
	if after, _ := db.Head(ctx); after != before {
		t.Errorf("a refused call wrote events: %v -> %v", before, after)
	}
	if _, err := svc.Record(ctx, clerk, &domain.Event{Kind: domain.KComplaint, Date: domain.MustDate("2020-09-03"), Person: "P1", Data: &domain.ComplaintData{}}); err == nil {
		t.Error("a complaint without subject was accepted")
	}
	rep, err := svc.Verify(ctx, "")
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep)
	}
}
