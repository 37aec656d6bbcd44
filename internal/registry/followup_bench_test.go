package registry_test

import (
	"context"
	"testing"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/demo"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/registry"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// BenchmarkQueueFollowUps: the queue's first page on a demo register, with
// no follow-up (the baseline), with one step for every tenth person held,
// and filtered by state and by "my follow-ups"; and the first page after a
// write of one step (the screening kept, the steps brought up to date).
func BenchmarkQueueFollowUps(b *testing.B) {
	ctx := context.Background()
	db := dbtest.Open(b, dbtest.SQLiteDSN(b))
	if _, err := ledger.New(db).Load(ctx, ledger.Actor{Name: "bench"}, func(emit func(*domain.Event) error) error {
		return demo.Generate(ctx, demo.Options{Seed: 5, People: 5000}, emit)
	}); err != nil {
		b.Fatal(err)
	}
	pack, err := rules.Builtin(rules.BuiltinID)
	if err != nil {
		b.Fatal(err)
	}
	reg := registry.New(db, ledger.New(db), auth.New(db, auth.WithArgon2(auth.Argon2Params{Time: 1, Memory: 64, Threads: 1})), pack, nil)
	admin := &auth.Principal{User: "a", Role: auth.Admin, Via: "bench"}
	page := func(b *testing.B, q registry.QueueQuery) {
		// Brought up to date first (b.Loop times from its first call): the
		// page as users read it between writes.
		if _, err := reg.Queue(ctx, admin, q); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := reg.Queue(ctx, admin, q); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("no-steps", func(b *testing.B) { page(b, registry.QueueQuery{}) })
	q, err := reg.Queue(ctx, admin, registry.QueueQuery{Limit: -1})
	if err != nil {
		b.Fatal(err)
	}
	all, err := reg.QueueExport(ctx, admin, registry.QueueQuery{}, "csv")
	if err != nil {
		b.Fatal(err)
	}
	for i, r := range all.Persons {
		if i%10 != 0 {
			continue
		}
		if _, err := reg.Record(ctx, admin, &domain.Event{Kind: domain.KFollowUp, Date: q.AsOf, Person: r.Person,
			Data: &domain.FollowUpData{Action: domain.FollowTake}}); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%d people held, %d with a step", len(all.Persons), (len(all.Persons)+9)/10)
	b.Run("steps", func(b *testing.B) { page(b, registry.QueueQuery{}) })
	b.Run("steps-assigned", func(b *testing.B) { page(b, registry.QueueQuery{FollowUp: registry.FollowAssigned}) })
	b.Run("steps-mine", func(b *testing.B) { page(b, registry.QueueQuery{Mine: true}) })
	b.Run("after-a-step", func(b *testing.B) {
		id := all.Persons[1].Person
		if _, err := reg.Queue(ctx, admin, registry.QueueQuery{}); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := reg.Record(ctx, admin, &domain.Event{Kind: domain.KFollowUp, Date: q.AsOf, Person: id,
				Data: &domain.FollowUpData{Action: domain.FollowPetition}}); err != nil {
				b.Fatal(err)
			}
			if _, err := reg.Queue(ctx, admin, registry.QueueQuery{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
