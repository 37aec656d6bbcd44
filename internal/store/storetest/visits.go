package storetest

import (
	"context"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

func visitEvent(date, facility, id string, total int) *domain.Event {
	return NewEvent(domain.KVisit, d(date), "", facility, &domain.VisitData{ID: id, Team: []string{"monitor"},
		Observed: domain.HeadCount{Total: &total}})
}

// testVisits: visits come back, and only they, by facility, date and
// sequence (a visit entered late is in its place by date), for one facility
// or all, and through a write transaction.
func testVisits(t *testing.T, s store.Store) {
	ctx := context.Background()
	got, err := s.Visits(ctx, "")
	fatalIf(t, err, "visits of an empty store")
	if len(got) != 0 {
		t.Fatalf("empty store: %d visits", len(got))
	}
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
	b.Facility(d("2020-01-01"), "PP", "PP", domain.Prison, 300, "GDP")
	v1 := b.Add(visitEvent("2020-03-10", "PP", "v1", 410))
	v2 := b.Add(visitEvent("2020-02-10", "CC1", "v2", 2100))
	b.Register(d("2020-02-11"), "A", Man("A", d("1990-01-01")))
	v3 := b.Add(visitEvent("2020-01-20", "PP", "v3", 390)) // entered after a later visit
	b.Append(t, s)
	seqs := func(evs []store.StoredEvent) []int64 {
		var out []int64
		for _, e := range evs {
			out = append(out, e.Seq)
		}
		return out
	}
	all, err := s.Visits(ctx, "")
	fatalIf(t, err, "visits")
	sameList(t, "all visits (CC1, then PP by date)", seqs(all), []int64{v2, v3, v1})
	pp, err := s.Visits(ctx, "PP")
	fatalIf(t, err, "visits to PP")
	sameList(t, "visits to PP by date", seqs(pp), []int64{v3, v1})
	none, err := s.Visits(ctx, "NOWHERE")
	fatalIf(t, err, "visits to an unknown facility")
	if len(none) != 0 {
		t.Errorf("visits to an unknown facility: %d", len(none))
	}
	ev, err := domain.DecodeEvent(pp[1].Body)
	fatalIf(t, err, "decoding a visit")
	if v, ok := ev.Data.(*domain.VisitData); !ok || v.ID != "v1" || *v.Observed.Total != 410 || ev.Facility != "PP" {
		t.Errorf("the visit read back: %+v", ev)
	}
	a, err := s.BeginAppend(ctx)
	fatalIf(t, err, "BeginAppend")
	inTx, err := a.Visits(ctx, "PP")
	a.Rollback(ctx)
	fatalIf(t, err, "visits through a write transaction")
	sameList(t, "visits through a write transaction", seqs(inTx), []int64{v3, v1})
}
