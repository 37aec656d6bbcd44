package disclosure_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/disclosure"
)

// report declares a transparency report of the size habeas publishes: 30
// facilities in 8 provinces; facility × 12 overlapping groups with exact
// national columns; facility × sex and facility × status sharing the
// facility totals and an exact national population; province × group
// linked to the facilities; releases by mechanism × facility with exact
// national counts per mechanism (the pledge figures).
func report(tb testing.TB, seed uint64) *disclosure.Set {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	const nf, np = 30, 8
	facilities := names("facility", nf)
	provinces := names("province", np)
	provinceOf := make([]int, nf)
	for f := range provinceOf {
		provinceOf[f] = f % np
	}
	population := make([]int, nf)
	for f := range population {
		population[f] = 15 + rng.IntN(2500)
	}
	population[3] = 9 // a small police lock-up
	share := func(n int, p float64) int {
		return int(float64(n)*p*(0.5+rng.Float64())) % (n + 1)
	}
	groups := []string{"pretrial", "untried", "appeal", "women", "minors", "children", "pregnant", "elderly", "drug", "foreign", "unlawful", "sick"}
	rate := []float64{0.7, 0.4, 0.3, 0.09, 0.03, 0.005, 0.004, 0.02, 0.55, 0.04, 0.01, 0.02}
	byGroup := make([][]int, nf)
	for f := range byGroup {
		byGroup[f] = make([]int, len(groups))
		for g := range groups {
			byGroup[f][g] = share(population[f], rate[g])
		}
	}
	national := func(g string) string { return "national/" + g }
	s := disclosure.NewSet()
	fac, err := s.Grid("facility", facilities, groups, byGroup, disclosure.GridOptions{NoRowTotals: true, ColTotal: national, ExactColTotals: true})
	if err != nil {
		tb.Fatal(err)
	}
	byProvince := make([][]int, np)
	for p := range byProvince {
		byProvince[p] = make([]int, len(groups))
	}
	for f := range facilities {
		for g := range groups {
			byProvince[provinceOf[f]][g] += byGroup[f][g]
		}
	}
	prov, err := s.Grid("province", provinces, groups, byProvince, disclosure.GridOptions{NoRowTotals: true, ColTotal: national, ExactColTotals: true})
	if err != nil {
		tb.Fatal(err)
	}
	for p := range provinces {
		for g := range groups {
			var parts []string
			for f := range facilities {
				if provinceOf[f] == p {
					parts = append(parts, fac.Cells[f][g])
				}
			}
			if err := s.Sum(prov.Cells[p][g], parts...); err != nil {
				tb.Fatal(err)
			}
		}
	}
	sex := make([][]int, nf)
	status := make([][]int, nf)
	for f := range facilities {
		w := share(population[f], 0.09)
		sex[f] = []int{w, population[f] - w}
		u := share(population[f], 0.4)
		a := share(population[f]-u, 0.3)
		status[f] = []int{u, a, population[f] - u - a}
	}
	linked := disclosure.GridOptions{
		RowTotal:       func(f string) string { return "population/" + f },
		Total:          "population",
		ExactColTotals: true,
		ExactTotal:     true,
	}
	if _, err := s.Grid("sex", facilities, []string{"women", "men"}, sex, linked); err != nil {
		tb.Fatal(err)
	}
	if _, err := s.Grid("status", facilities, []string{"untried", "appeal", "convicted"}, status, linked); err != nil {
		tb.Fatal(err)
	}
	mechanisms := []string{"bail", "pardon", "parole", "sentence-served", "acquittal", "reduction"}
	releases := make([][]int, len(mechanisms))
	for m := range releases {
		releases[m] = make([]int, nf)
		for f := range facilities {
			releases[m][f] = share(population[f], 0.01*float64(m+1))
		}
	}
	if _, err := s.Grid("releases", mechanisms, facilities, releases, disclosure.GridOptions{
		RowTotal: func(m string) string { return "pledge/" + m }, ExactRowTotals: true, ExactTotal: true,
	}); err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestWholeReport(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			s := report(t, seed)
			start := time.Now()
			r, err := disclosure.Protect(s, 5)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d counts: %d primary, %d secondary suppressions in %v",
				len(s.Keys()), len(r.Primary()), len(r.Secondary()), time.Since(start))
			checkPolicy(t, s, r)
			checkAttackFails(t, s, r)
			b, err := disclosure.Bounds(r.Published())
			if err != nil {
				t.Fatal(err)
			}
			exhaustive := 0
			for _, iv := range b {
				if iv.Exhaustive {
					exhaustive++
				}
			}
			t.Logf("the attack searched %d of %d suppressed counts exhaustively", exhaustive, len(b))
			naive, err := disclosure.PrimaryOnly(s, 5)
			if err != nil {
				t.Fatal(err)
			}
			got, err := disclosure.Recover(naive.Published())
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				t.Error("primary suppression alone leaked nothing: the attack or the report is too weak to test anything")
			}
		})
	}
}

func BenchmarkProtectReport(b *testing.B) {
	s := report(b, 1)
	b.ResetTimer()
	for b.Loop() {
		if _, err := disclosure.Protect(s, 5); err != nil {
			b.Fatal(err)
		}
	}
}
