package disclosure_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/habeas-kh/habeas/internal/disclosure"
)

// randomCount is zero a fifth of the time, small three tenths, else larger.
func randomCount(rng *rand.Rand) int {
	switch x := rng.IntN(10); {
	case x < 2:
		return 0
	case x < 5:
		return 1 + rng.IntN(5)
	default:
		return 6 + rng.IntN(60)
	}
}

func randomValues(rng *rand.Rand, rows, cols int) [][]int {
	v := make([][]int, rows)
	for i := range v {
		v[i] = make([]int, cols)
		for j := range v[i] {
			v[i][j] = randomCount(rng)
		}
	}
	return v
}

func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

func TestRandomGrids(t *testing.T) {
	for seed := uint64(1); seed <= 60; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			rows, cols := 2+rng.IntN(8), 2+rng.IntN(6)
			s := disclosure.NewSet()
			v := randomValues(rng, rows, cols)
			v[rng.IntN(rows)][rng.IntN(cols)] += 50 // an exact total of a few people cannot be protected
			grid(t, s, "t", names("f", rows), names("g", cols), v, disclosure.GridOptions{ExactTotal: true})
			mustProtect(t, s, disclosure.Options{Threshold: 1 + rng.IntN(5)})
		})
	}
}

// Two tables sharing facility totals, with exact national columns: each
// column gets one large facility so that the exact totals leave room.
func TestRandomLinkedGrids(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 11))
			rows := 3 + rng.IntN(8)
			a, b := randomValues(rng, rows, 2), randomValues(rng, rows, 3)
			for j := range a[0] {
				a[rng.IntN(rows)][j] += 100
			}
			// b's rows must add up to a's: put the difference in one column.
			for i := range b {
				diff := a[i][0] + a[i][1] - (b[i][0] + b[i][1] + b[i][2])
				for k := 0; diff != 0; k = (k + 1) % 3 {
					step := min(max(diff, -b[i][k]), 40)
					b[i][k] += step
					diff -= step
				}
			}
			for j := range b[0] {
				if col := colSum(b, j); col < 20 {
					t.Skipf("column %d adds up to %d only", j, col)
				}
			}
			s := disclosure.NewSet()
			opt := disclosure.GridOptions{
				RowTotal:       func(f string) string { return "population/" + f },
				Total:          "population",
				ExactColTotals: true,
				ExactTotal:     true,
			}
			grid(t, s, "sex", names("f", rows), []string{"w", "m"}, a, opt)
			grid(t, s, "status", names("f", rows), []string{"u", "p", "c"}, b, opt)
			mustProtect(t, s, disclosure.Options{})
		})
	}
}

func colSum(v [][]int, j int) int {
	s := 0
	for i := range v {
		s += v[i][j]
	}
	return s
}

// The attacker itself, on random suppression patterns of tiny tables: its
// exhaustive intervals must be exactly what enumerating every integer
// solution gives, and any interval must contain the brute-force range.
func TestBoundsAgreesWithBruteForce(t *testing.T) {
	determined, exhaustive := 0, 0
	for seed := uint64(1); seed <= 300; seed++ {
		rng := rand.New(rand.NewPCG(seed, 3))
		rows, cols := 2, 2+rng.IntN(2)
		v := make([][]int, rows)
		for i := range v {
			v[i] = make([]int, cols)
			for j := range v[i] {
				v[i][j] = rng.IntN(6)
			}
		}
		s := disclosure.NewSet()
		k := grid(t, s, "t", names("r", rows), names("c", cols), v, disclosure.GridOptions{})
		grand, _ := s.Value(k.Total)
		pub := disclosure.Published{Values: map[string]int{}, Relations: s.Relations()}
		for _, key := range s.Keys() {
			x, _ := s.Value(key)
			// at most four unknowns keep the enumeration small
			if x > 0 && len(pub.Suppressed) < 4 && rng.IntN(3) == 0 {
				pub.Suppressed = append(pub.Suppressed, key)
			} else {
				pub.Values[key] = x
			}
		}
		// A count of a solution can exceed the true grand total only when
		// the grand total is hidden; twice it is ample for these tables,
		// and the unbounded check below widens it again.
		limit := 2*grand + 2
		lo, hi, n := brute(t, pub, limit)
		if n == 0 {
			t.Fatalf("seed %d: brute force found no solution", seed)
		}
		b, err := disclosure.Bounds(pub)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		rec, err := disclosure.Recover(pub)
		if err != nil {
			t.Fatal(err)
		}
		var wider map[string]int
		for _, key := range pub.Suppressed {
			iv := b[key]
			if iv.Lo > lo[key] || (!iv.Unbounded && iv.Hi < hi[key]) {
				t.Errorf("seed %d: %s bounds %+v exclude solutions %d..%d", seed, key, iv, lo[key], hi[key])
			}
			if iv.Unbounded {
				// The enumeration's own limit capped it: a higher limit
				// must let it grow.
				if wider == nil {
					_, wider, _ = brute(t, pub, 2*limit)
				}
				if wider[key] <= hi[key] {
					t.Errorf("seed %d: %s unbounded, but brute force stops at %d", seed, key, hi[key])
				}
			}
			if iv.Exhaustive {
				exhaustive++
				if iv.Lo != lo[key] || iv.Hi != hi[key] {
					t.Errorf("seed %d: %s bounds %+v, brute force %d..%d", seed, key, iv, lo[key], hi[key])
				}
			}
			if !iv.Unbounded {
				x, ok := rec[key]
				if want := lo[key] == hi[key]; ok != want || (ok && x != lo[key]) {
					t.Errorf("seed %d: Recover %s = %d, %v; brute force %d..%d", seed, key, x, ok, lo[key], hi[key])
				}
			}
			if _, ok := rec[key]; ok {
				determined++
			}
		}
	}
	// Random patterns on tiny tables leak often; if none did, or nothing was
	// searched, the checks above would prove little.
	if determined == 0 || exhaustive == 0 {
		t.Fatalf("%d cells recovered, %d searched exhaustively", determined, exhaustive)
	}
	t.Logf("%d cells recovered, %d searched exhaustively", determined, exhaustive)
}

func TestBoundsRejectsBadPublications(t *testing.T) {
	rel := []disclosure.Relation{{Total: "t", Parts: []string{"a", "b"}}}
	cases := map[string]disclosure.Published{
		"unknown key":   {Values: map[string]int{"t": 5, "a": 2}, Relations: rel},
		"shown and hid": {Values: map[string]int{"t": 5, "a": 2, "b": 3}, Suppressed: []string{"a"}, Relations: rel},
		"not adding up": {Values: map[string]int{"t": 5, "a": 2, "b": 4}, Relations: rel},
		"no solution":   {Values: map[string]int{"t": 5, "a": 5}, Suppressed: []string{"b"}, Relations: rel},
	}
	for name, p := range cases {
		if _, err := disclosure.Bounds(p); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
