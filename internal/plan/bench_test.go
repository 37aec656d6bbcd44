package plan

import (
	"context"
	"os"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/screening"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
)

// BenchmarkPlan times a plan for a whole register (bench/plan.sh gives it
// the default demo register in HABEAS_PLAN_DB) from its screening as the
// server keeps it (registry.KeepScreenings and the queue hold the screening
// of a date in memory, current after every write): Read is reading that
// screening and the estate alone, Plan is the same and the whole plan with
// a mechanism switched off and two exclusions (the costs computed too).
func BenchmarkPlan(b *testing.B) {
	dsn := os.Getenv("HABEAS_PLAN_DB")
	if dsn == "" {
		b.Skip("HABEAS_PLAN_DB names no register (see bench/plan.sh)")
	}
	ctx := context.Background()
	db, err := sqldb.Open(ctx, dsn, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	pack, err := rules.Load(rules.BuiltinID)
	if err != nil {
		b.Fatal(err)
	}
	asOf := domain.MustDate("2020-12-31")
	if s := os.Getenv("HABEAS_PLAN_AS_OF"); s != "" {
		asOf = domain.MustDate(s)
	}
	rep, err := screening.Run(ctx, db, pack, screening.Options{AsOf: asOf})
	if err != nil {
		b.Fatal(err)
	}
	kept := make(map[string]screening.Result, rep.Len())
	for r := range rep.Persons() {
		kept[r.Person] = r
	}
	read := func() ([]screening.Result, []FacilityIn) {
		rs := make([]screening.Result, 0, len(kept))
		for _, r := range kept {
			rs = append(rs, r)
		}
		est, err := Estate(ctx, db, asOf)
		if err != nil {
			b.Fatal(err)
		}
		return rs, est
	}
	b.Run("Read", func(b *testing.B) {
		for b.Loop() {
			read()
		}
	})
	mechs := []domain.Mechanism{domain.MechSuspended, domain.MechConditional, domain.MechPardon, domain.MechReduction}
	b.Run("Plan", func(b *testing.B) {
		for b.Loop() {
			rs, est := read()
			p, err := Compute(asOf, pack, rs, est, Options{Target: Target{Kind: TargetCapacity}, Mechanisms: mechs,
				Exclude: []Exclusion{ExcludeViolent, ExcludeGrave}})
			if err != nil || len(p.Costs) != 3 {
				b.Fatal(err, p.Costs)
			}
		}
	})
}
