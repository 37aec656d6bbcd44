package disclosure

import (
	"fmt"
	"math/big"
	"slices"
)

// Published is what a reader of a report sees: the shown counts, the keys
// shown with the suppression marker, and the relations between them (which
// a reader can infer from the table layout anyway).
type Published struct {
	Values     map[string]int `json:"values"`
	Suppressed []string       `json:"suppressed"`
	Relations  []Relation     `json:"relations"`
}

// Published returns what the report shows.
func (r *Result) Published() Published {
	p := Published{Values: map[string]int{}, Relations: slices.Clone(r.relations)}
	for i, k := range r.keys {
		if r.reasons[i] == Shown {
			p.Values[k] = r.values[i]
		} else {
			p.Suppressed = append(p.Suppressed, k)
		}
	}
	return p
}

// Interval is what an attacker can tell about one suppressed count.
type Interval struct {
	Lo, Hi int
	// Unbounded: nothing published caps the count; Hi is meaningless.
	Unbounded bool
	// Exhaustive: Lo and Hi are the smallest and largest integer values of
	// a solution of the whole publication (found by search); otherwise they
	// are bounds that the true extremes lie within.
	Exhaustive bool
}

// Determined reports whether the count is recovered exactly.
func (iv Interval) Determined() bool { return !iv.Unbounded && iv.Lo == iv.Hi }

// searchBudget caps the search nodes spent on one component, so the attack
// stays fast on a whole report; beyond it the bounds are not exhaustive.
const searchBudget = 200_000

// Bounds attacks a publication: for every suppressed key it works out the
// range of values consistent with the shown counts, the relations,
// integrality and the publication rule that zeros are always shown (so a
// suppressed count is at least 1). It uses exact rational elimination,
// bound propagation and, for small components, a search over integer
// solutions; it shares no code with Protect's audit, so a test can use it
// to check Protect.
func Bounds(p Published) (map[string]Interval, error) {
	a, err := newAttack(p)
	if err != nil {
		return nil, err
	}
	if err := a.eliminate(); err != nil {
		return nil, err
	}
	all := make([]int, len(a.rows))
	for i := range all {
		all[i] = i
	}
	if !a.propagate(a.lo, a.hi, all) {
		return nil, fmt.Errorf("disclosure: attacking: the publication has no solution")
	}
	for _, comp := range a.components() {
		a.search(comp)
	}
	out := make(map[string]Interval, len(a.keys))
	for i, k := range a.keys {
		iv := Interval{Lo: int(a.lo[i]), Exhaustive: a.tight[i]}
		if a.hi[i] >= inf {
			iv.Unbounded = true
		} else {
			iv.Hi = int(a.hi[i])
		}
		out[k] = iv
	}
	return out, nil
}

// Recover returns the suppressed counts that the publication determines:
// a safe publication gives an empty map.
func Recover(p Published) (map[string]int, error) {
	b, err := Bounds(p)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for k, iv := range b {
		if iv.Determined() {
			out[k] = iv.Lo
		}
	}
	return out, nil
}

// inf stands for no upper bound. Counts are far below it, and products of
// bounds with the small coefficients kept by integral stay within int64.
const inf = int64(1) << 40

// row is sum(coef[i] * x[vars[i]]) = rhs, in integers.
type row struct {
	vars []int
	coef []int64
	rhs  int64
}

type attack struct {
	keys   []string
	rows   []row
	lo, hi []int64
	tight  []bool
	rowsOf [][]int
}

func newAttack(p Published) (*attack, error) {
	a := &attack{}
	index := map[string]int{}
	for _, k := range p.Suppressed {
		if _, ok := p.Values[k]; ok {
			return nil, fmt.Errorf("disclosure: attacking: %q is both shown and suppressed", k)
		}
		if _, ok := index[k]; ok {
			continue
		}
		index[k] = len(a.keys)
		a.keys = append(a.keys, k)
	}
	n := len(a.keys)
	a.lo, a.hi, a.tight = make([]int64, n), make([]int64, n), make([]bool, n)
	for i := range a.lo {
		a.lo[i], a.hi[i] = 1, inf
	}
	a.rowsOf = make([][]int, n)
	for _, rel := range p.Relations {
		coef := map[int]int64{}
		var rhs int64
		term := func(k string, c int64) error {
			if i, ok := index[k]; ok {
				coef[i] += c
				return nil
			}
			v, ok := p.Values[k]
			if !ok {
				return fmt.Errorf("disclosure: attacking: relation %q uses %q, neither shown nor suppressed", rel.Total, k)
			}
			rhs -= c * int64(v)
			return nil
		}
		if err := term(rel.Total, -1); err != nil {
			return nil, err
		}
		for _, q := range rel.Parts {
			if err := term(q, 1); err != nil {
				return nil, err
			}
		}
		r := row{rhs: rhs}
		for i := 0; i < n; i++ {
			if c := coef[i]; c != 0 {
				r.vars = append(r.vars, i)
				r.coef = append(r.coef, c)
			}
		}
		if len(r.vars) == 0 {
			if rhs != 0 {
				return nil, fmt.Errorf("disclosure: attacking: relation %q does not add up", rel.Total)
			}
			continue
		}
		a.addRow(r)
	}
	return a, nil
}

func (a *attack) addRow(r row) {
	for _, v := range r.vars {
		a.rowsOf[v] = append(a.rowsOf[v], len(a.rows))
	}
	a.rows = append(a.rows, r)
}

// eliminate brings the equalities to reduced row echelon form over the
// rationals. A reduced row with a single unknown gives that unknown away;
// the other reduced rows are combinations of relations that propagation
// can exploit (differences between tables).
func (a *attack) eliminate() error {
	n := len(a.keys)
	var m [][]*big.Rat // dense rows, n coefficients then the right-hand side
	for _, r := range a.rows {
		d := make([]*big.Rat, n+1)
		for i := range d {
			d[i] = new(big.Rat)
		}
		for i, v := range r.vars {
			d[v].SetInt64(r.coef[i])
		}
		d[n].SetInt64(r.rhs)
		m = append(m, d)
	}
	rank := 0
	tmp := new(big.Rat)
	for col := 0; col < n && rank < len(m); col++ {
		piv := -1
		for i := rank; i < len(m); i++ {
			if m[i][col].Sign() != 0 {
				piv = i
				break
			}
		}
		if piv < 0 {
			continue
		}
		m[rank], m[piv] = m[piv], m[rank]
		inv := new(big.Rat).Inv(m[rank][col])
		for j := col; j <= n; j++ {
			m[rank][j].Mul(m[rank][j], inv)
		}
		for i := range m {
			if i == rank || m[i][col].Sign() == 0 {
				continue
			}
			f := new(big.Rat).Set(m[i][col])
			for j := col; j <= n; j++ {
				m[i][j].Sub(m[i][j], tmp.Mul(f, m[rank][j]))
			}
		}
		rank++
	}
	for i := rank; i < len(m); i++ {
		if m[i][n].Sign() != 0 {
			return fmt.Errorf("disclosure: attacking: the relations contradict each other")
		}
	}
	for i := 0; i < rank; i++ {
		if r, ok := integral(m[i]); ok {
			a.addRow(r)
		}
	}
	return nil
}

// integral scales a reduced row to the smallest integer row. A row whose
// integers would be too large to propagate safely is dropped: the original
// relations still define the same solutions, the attack is only weaker.
func integral(d []*big.Rat) (row, bool) {
	n := len(d) - 1
	lcm := big.NewInt(1)
	g := new(big.Int)
	for _, x := range d {
		if x.Sign() == 0 {
			continue
		}
		den := x.Denom()
		g.GCD(nil, nil, lcm, den)
		lcm.Mul(lcm, new(big.Int).Quo(den, g))
	}
	ints := make([]*big.Int, len(d))
	gcd := new(big.Int)
	for j, x := range d {
		v := new(big.Int).Mul(x.Num(), new(big.Int).Quo(lcm, x.Denom()))
		ints[j] = v
		if v.Sign() != 0 {
			gcd.GCD(nil, nil, gcd, new(big.Int).Abs(v))
		}
	}
	limit := big.NewInt(1 << 12)
	var r row
	for j, v := range ints {
		if v.Sign() == 0 {
			if j == n {
				r.rhs = 0
			}
			continue
		}
		v.Quo(v, gcd)
		if new(big.Int).Abs(v).Cmp(limit) > 0 {
			return row{}, false
		}
		if j == n {
			r.rhs = v.Int64()
			continue
		}
		r.vars = append(r.vars, j)
		r.coef = append(r.coef, v.Int64())
	}
	return r, true
}

// propagate tightens lo and hi to a fixpoint of the rows, rounding to
// integers; false when some unknown has no value left.
func (a *attack) propagate(lo, hi []int64, rows []int) bool {
	queue := slices.Clone(rows)
	queued := make([]bool, len(a.rows))
	for _, r := range rows {
		queued[r] = true
	}
	// Each pass only narrows integer bounds, but a cycle of relations can
	// narrow them one step at a time; the cap keeps that finite and the
	// bounds stay valid when it is hit.
	for steps := 0; len(queue) > 0 && steps < 50*len(rows)+1000; steps++ {
		ri := queue[0]
		queue = queue[1:]
		queued[ri] = false
		ok := tighten(a.rows[ri], lo, hi, func(v int) {
			for _, o := range a.rowsOf[v] {
				if !queued[o] {
					queued[o] = true
					queue = append(queue, o)
				}
			}
		})
		if !ok {
			return false
		}
	}
	return true
}

// tighten bounds each unknown of row r by the bounds of the others:
// coef_k x_k = rhs - sum_{i != k} coef_i x_i. The sums are taken once per
// row, so a bound narrowed here is used only on the row's next visit, which
// changed schedules.
func tighten(r row, lo, hi []int64, changed func(v int)) bool {
	var sumMin, sumMax int64 // of coef_i x_i over the finite contributions
	var minInf, maxInf int   // how many contributions are unbounded
	for i, v := range r.vars {
		c := r.coef[i]
		if c > 0 {
			sumMin += c * lo[v]
			if hi[v] >= inf {
				maxInf++
			} else {
				sumMax += c * hi[v]
			}
		} else {
			sumMax += c * lo[v]
			if hi[v] >= inf {
				minInf++
			} else {
				sumMin += c * hi[v]
			}
		}
	}
	for k, v := range r.vars {
		c := r.coef[k]
		// the others' contributions: remove v's own
		oMin, oMax, oMinInf, oMaxInf := sumMin, sumMax, minInf, maxInf
		if c > 0 {
			oMin -= c * lo[v]
			if hi[v] >= inf {
				oMaxInf--
			} else {
				oMax -= c * hi[v]
			}
		} else {
			oMax -= c * lo[v]
			if hi[v] >= inf {
				oMinInf--
			} else {
				oMin -= c * hi[v]
			}
		}
		nlo, nhi := lo[v], hi[v]
		if oMinInf == 0 { // c x_v <= rhs - oMin
			if c > 0 {
				nhi = min(nhi, floorDiv(r.rhs-oMin, c))
			} else {
				nlo = max(nlo, ceilDiv(r.rhs-oMin, c))
			}
		}
		if oMaxInf == 0 { // c x_v >= rhs - oMax
			if c > 0 {
				nlo = max(nlo, ceilDiv(r.rhs-oMax, c))
			} else {
				nhi = min(nhi, floorDiv(r.rhs-oMax, c))
			}
		}
		if nlo > nhi {
			return false
		}
		if nlo != lo[v] || nhi != hi[v] {
			lo[v], hi[v] = nlo, nhi
			changed(v)
		}
	}
	return true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }

// components groups the unknowns that share rows.
func (a *attack) components() [][]int {
	seen := make([]bool, len(a.keys))
	var out [][]int
	for s := range a.keys {
		if seen[s] {
			continue
		}
		seen[s] = true
		comp := []int{s}
		for q := 0; q < len(comp); q++ {
			for _, ri := range a.rowsOf[comp[q]] {
				for _, v := range a.rows[ri].vars {
					if !seen[v] {
						seen[v] = true
						comp = append(comp, v)
					}
				}
			}
		}
		out = append(out, comp)
	}
	return out
}

// search finds the exact integer extremes of each unknown of comp by
// depth-first search with propagation, within searchBudget nodes.
func (a *attack) search(comp []int) {
	for _, v := range comp {
		if a.hi[v] >= inf {
			return // an uncapped unknown cannot be enumerated
		}
	}
	rows := a.rowsIn(comp)
	budget := searchBudget
	for _, v := range comp {
		if a.lo[v] == a.hi[v] {
			a.tight[v] = true
			continue
		}
		lo, okLo := a.extreme(comp, rows, v, true, &budget)
		hi, okHi := a.extreme(comp, rows, v, false, &budget)
		if okLo && okHi {
			a.lo[v], a.hi[v], a.tight[v] = lo, hi, true
		}
	}
}

// extreme returns the smallest (or largest) value of v in an integer
// solution, trying values from the near end of its bounds.
func (a *attack) extreme(comp, rows []int, v int, smallest bool, budget *int) (int64, bool) {
	step, from, to := int64(1), a.lo[v], a.hi[v]
	if !smallest {
		step, from, to = -1, a.hi[v], a.lo[v]
	}
	for x := from; ; x += step {
		lo, hi := slices.Clone(a.lo), slices.Clone(a.hi)
		lo[v], hi[v] = x, x
		found, done := a.feasible(comp, rows, lo, hi, budget)
		if !done {
			return 0, false
		}
		if found {
			return x, true
		}
		if x == to {
			return 0, false // cannot happen: the true values are a solution
		}
	}
}

// feasible reports whether some integer point within lo..hi satisfies every
// row; done is false when the budget ran out.
func (a *attack) feasible(comp, rows []int, lo, hi []int64, budget *int) (found, done bool) {
	*budget--
	if *budget < 0 {
		return false, false
	}
	if !a.propagate(lo, hi, rows) {
		return false, true
	}
	branch, width := -1, inf
	for _, v := range comp {
		if w := hi[v] - lo[v]; w > 0 && w < width {
			branch, width = v, w
		}
	}
	if branch < 0 {
		return a.satisfied(rows, lo), true
	}
	for x := lo[branch]; x <= hi[branch]; x++ {
		l, h := slices.Clone(lo), slices.Clone(hi)
		l[branch], h[branch] = x, x
		found, done := a.feasible(comp, rows, l, h, budget)
		if !done || found {
			return found, done
		}
	}
	return false, true
}

func (a *attack) satisfied(rows []int, x []int64) bool {
	for _, ri := range rows {
		r := a.rows[ri]
		var sum int64
		for i, u := range r.vars {
			sum += r.coef[i] * x[u]
		}
		if sum != r.rhs {
			return false
		}
	}
	return true
}

// rowsIn lists the rows that mention an unknown of comp.
func (a *attack) rowsIn(comp []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, v := range comp {
		for _, ri := range a.rowsOf[v] {
			if !seen[ri] {
				seen[ri] = true
				out = append(out, ri)
			}
		}
	}
	return out
}
