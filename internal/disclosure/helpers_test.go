package disclosure_test

import (
	"slices"
	"testing"

	"github.com/habeas-kh/habeas/internal/disclosure"
)

// mustProtect runs Protect and checks every promise of the result against
// the attacker, which knows only what is published.
func mustProtect(t *testing.T, s *disclosure.Set, opt disclosure.Options) *disclosure.Result {
	t.Helper()
	r, err := disclosure.ProtectWith(s, opt)
	if err != nil {
		t.Fatalf("protect: %v", err)
	}
	checkPolicy(t, s, r)
	checkAttackFails(t, s, r)
	return r
}

// checkPolicy: every non-exact count 1..threshold is hidden, no exact count
// and no zero is hidden.
func checkPolicy(t *testing.T, s *disclosure.Set, r *disclosure.Result) {
	t.Helper()
	thr := r.Threshold()
	for _, k := range s.Keys() {
		v, _ := s.Value(k)
		reason, err := r.Reason(k)
		if err != nil {
			t.Fatal(err)
		}
		small := v >= 1 && v <= thr
		switch {
		case s.Exact(k) && reason != disclosure.Shown:
			t.Errorf("exact %s = %d suppressed (%v)", k, v, reason)
		case v == 0 && reason != disclosure.Shown:
			t.Errorf("zero %s suppressed", k)
		case !s.Exact(k) && small && reason != disclosure.Primary:
			t.Errorf("%s = %d is %v, want primary", k, v, reason)
		case reason == disclosure.Primary && !small:
			t.Errorf("%s = %d is primary", k, v)
		}
	}
}

// checkAttackFails runs the attacker on the publication: no suppressed
// count may be determined, and under AboveThreshold no primary count may
// be confined to 1..threshold. It also checks the attacker is sound: the
// true value lies within what it found.
func checkAttackFails(t *testing.T, s *disclosure.Set, r *disclosure.Result) {
	t.Helper()
	pub := r.Published()
	b, err := disclosure.Bounds(pub)
	if err != nil {
		t.Fatalf("attack: %v", err)
	}
	if len(b) != len(pub.Suppressed) {
		t.Fatalf("attack returned %d intervals for %d suppressed keys", len(b), len(pub.Suppressed))
	}
	primary := r.Primary()
	for k, iv := range b {
		v, _ := s.Value(k)
		if v < iv.Lo || (!iv.Unbounded && v > iv.Hi) {
			t.Errorf("attacker unsound: %s = %d outside %+v", k, v, iv)
		}
		if iv.Determined() {
			t.Errorf("attack recovers %s = %d", k, iv.Lo)
		}
		if r.Rule() == disclosure.AboveThreshold && slices.Contains(primary, k) && !iv.Unbounded && iv.Hi <= r.Threshold() {
			t.Errorf("attack confines primary %s to %d..%d", k, iv.Lo, iv.Hi)
		}
	}
}

// brute enumerates every integer solution of a publication, with each
// suppressed count from 1 to limit, checking each relation once all its
// unknowns are set. It is the slow, obviously right attacker for tiny
// tables; it returns the smallest and largest value of each suppressed key.
func brute(t *testing.T, pub disclosure.Published, limit int) (lo, hi map[string]int, solutions int) {
	t.Helper()
	idx := map[string]int{}
	for i, k := range pub.Suppressed {
		idx[k] = i
	}
	n := len(pub.Suppressed)
	type eq struct {
		coef map[int]int
		rhs  int
		last int
	}
	var eqs []eq
	for _, rel := range pub.Relations {
		e := eq{coef: map[int]int{}, last: -1}
		add := func(k string, c int) {
			if i, ok := idx[k]; ok {
				e.coef[i] += c
				e.last = max(e.last, i)
			} else {
				e.rhs -= c * pub.Values[k]
			}
		}
		add(rel.Total, -1)
		for _, p := range rel.Parts {
			add(p, 1)
		}
		eqs = append(eqs, e)
	}
	lo, hi = map[string]int{}, map[string]int{}
	x := make([]int, n)
	var rec func(i int)
	rec = func(i int) {
		if i == n {
			solutions++
			for j, k := range pub.Suppressed {
				if solutions == 1 || x[j] < lo[k] {
					lo[k] = x[j]
				}
				if solutions == 1 || x[j] > hi[k] {
					hi[k] = x[j]
				}
			}
			return
		}
		for v := 1; v <= limit; v++ {
			x[i] = v
			ok := true
			for _, e := range eqs {
				if e.last != i {
					continue
				}
				sum := 0
				for j, c := range e.coef {
					sum += c * x[j]
				}
				if sum != e.rhs {
					ok = false
					break
				}
			}
			if ok {
				rec(i + 1)
			}
		}
	}
	rec(0)
	return lo, hi, solutions
}

// grid declares a table.
func grid(t *testing.T, s *disclosure.Set, name string, rows, cols []string, v [][]int, opt disclosure.GridOptions) disclosure.GridKeys {
	t.Helper()
	k, err := s.Grid(name, rows, cols, v, opt)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
