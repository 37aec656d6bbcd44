package storetest

import (
	"context"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// PlanStore is a store that keeps decongestion plans.
type PlanStore interface {
	store.Store
	store.PlanStore
}

// RunPlans runs the conformance tests of the plans' reading.
func RunPlans(t *testing.T, open func(t *testing.T) PlanStore) {
	t.Run("Plans", func(t *testing.T) { testPlans(t, open(t)) })
}

// testPlans: the plan events come back, and only they, in ledger order,
// with their bodies, from the store and through a write transaction.
func testPlans(t *testing.T, s PlanStore) {
	ctx := context.Background()
	got, err := s.Plans(ctx)
	fatalIf(t, err, "plans of an empty store")
	if len(got) != 0 {
		t.Fatalf("empty store: %d plans", len(got))
	}
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
	b.Register(d("2020-05-11"), "A", Man("A", d("1990-01-01")))
	saved := b.Add(NewEvent(domain.KPlan, d("2020-07-01"), "", "", &domain.PlanData{Name: "june", AsOf: d("2020-06-30"),
		Target: "capacity", Pack: "kh-2020 2020.1",
		Facilities: []domain.PlanFacility{{ID: "CC1", Before: 1, Capacity: 1600, Releases: 1}},
		People:     []domain.PlanPerson{{Person: "A", Facility: "CC1", Mechanism: domain.MechBail}}}))
	b.Add(NewEvent(domain.KPledge, d("2020-07-02"), "", "", &domain.PledgeData{ID: "P1", Title: "Release 10,000",
		MadeBy: "Minister of Interior", Kind: domain.PledgeReleases, Start: d("2020-05-10"), Deadline: d("2020-11-10"), Target: 10000, Source: "statement"}))
	pub := b.Add(NewEvent(domain.KPlan, d("2020-07-03"), "", "", &domain.PlanData{Name: "june", Publish: true}))
	b.Append(t, s)
	got, err = s.Plans(ctx)
	fatalIf(t, err, "plans")
	var seqs []int64
	for _, e := range got {
		seqs = append(seqs, e.Seq)
	}
	if !sameList(t, "plan seqs", seqs, []int64{saved, pub}) {
		return
	}
	evs, err := store.DecodeEvents(got)
	fatalIf(t, err, "decoding the plans")
	p, ok := evs[0].Data.(*domain.PlanData)
	if !ok || p.Name != "june" || len(p.People) != 1 || p.People[0].Person != "A" || p.People[0].Mechanism != domain.MechBail ||
		len(p.Facilities) != 1 || p.Facilities[0].Releases != 1 {
		t.Errorf("the saved plan read back: %+v", evs[0].Data)
	}
	if p, ok := evs[1].Data.(*domain.PlanData); !ok || !p.Publish || p.Name != "june" {
		t.Errorf("the publishing entry read back: %+v", evs[1].Data)
	}
	c, err := s.Commitments(ctx)
	fatalIf(t, err, "commitments")
	if len(c) != 1 || c[0].Kind != domain.KPledge {
		t.Errorf("commitments took plans: %+v", c)
	}
	a, err := s.BeginAppend(ctx)
	fatalIf(t, err, "BeginAppend")
	defer a.Rollback(ctx)
	ps, ok := a.(store.PlanStore)
	if !ok {
		t.Fatal("the store's write transaction cannot read plans")
	}
	inTx, err := ps.Plans(ctx)
	fatalIf(t, err, "plans through a write transaction")
	sameList(t, "plans through a write transaction", inTx, got)
}
