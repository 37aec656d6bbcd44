package disclosure

import (
	"errors"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

// eps absorbs the floating-point error of the simplex on small integer data.
const eps = 1e-6

// lpProblem is what an attacker knows about one component of suppressed
// cells, shifted so the variables are y = x - 1 >= 0 (zeros are always
// published, so a suppressed count is known to be at least 1):
// A y = b over independent rows.
type lpProblem struct {
	a    *mat.Dense // nil when no relation constrains the component
	b    []float64
	cost []float64
	last []float64 // the last optimum, to start the next LP from
}

func (p *protector) problem(comp []int) *lpProblem {
	local := make(map[int]int, len(comp))
	for i, c := range comp {
		local[c] = i
	}
	n := len(comp)
	var rows [][]float64
	var rhs []float64
	seen := map[int]bool{}
	for _, c := range comp {
		for _, r := range p.relsOf[c] {
			if seen[r] {
				continue
			}
			seen[r] = true
			row := make([]float64, n)
			b := 0.0
			rel := p.rels[r]
			// parts - total = 0
			add := func(m int, coef float64) {
				if i, ok := local[m]; ok {
					row[i] += coef
					b -= coef // the shift by 1
				} else {
					b -= coef * float64(p.values[m])
				}
			}
			add(rel.total, -1)
			for _, q := range rel.parts {
				add(q, 1)
			}
			rows = append(rows, row)
			rhs = append(rhs, b)
		}
	}
	rows, rhs = independent(rows, rhs)
	pr := &lpProblem{b: rhs, cost: make([]float64, n)}
	if len(rows) == 0 {
		return pr
	}
	pr.a = mat.NewDense(len(rows), n, nil)
	for i, row := range rows {
		if rhs[i] < 0 {
			for j := range row {
				row[j] = -row[j]
			}
			rhs[i] = -rhs[i]
		}
		pr.a.SetRow(i, row)
	}
	return pr
}

// independent keeps a maximal set of linearly independent rows; the simplex
// needs full row rank, and tables with both margins always repeat one
// relation (the grand total two ways).
func independent(rows [][]float64, rhs []float64) ([][]float64, []float64) {
	var basis [][]float64 // reduced rows, each with its pivot column
	var pivots []int
	var keptRows [][]float64
	var keptRHS []float64
	for i, row := range rows {
		red := append([]float64(nil), row...)
		for k, brow := range basis {
			if f := red[pivots[k]]; f != 0 {
				for j := range red {
					red[j] -= f * brow[j]
				}
			}
		}
		piv, best := -1, 1e-9
		for j, v := range red {
			if math.Abs(v) > best {
				piv, best = j, math.Abs(v)
			}
		}
		if piv < 0 {
			continue // dependent: implied by the rows kept (the data are consistent)
		}
		f := red[piv]
		for j := range red {
			red[j] /= f
		}
		basis = append(basis, red)
		pivots = append(pivots, piv)
		keptRows = append(keptRows, row)
		keptRHS = append(keptRHS, rhs[i])
	}
	return keptRows, keptRHS
}

// extreme returns a feasible point where variable j is largest (max) or
// smallest. unbounded is true when no relation caps it. ok is false when the
// solver failed, which the caller treats as unsafe.
func (pr *lpProblem) extreme(j int, max bool) (point []float64, unbounded, ok bool) {
	if pr.a == nil {
		return nil, max, true
	}
	for i := range pr.cost {
		pr.cost[i] = 0
	}
	if max {
		pr.cost[j] = -1
	} else {
		pr.cost[j] = 1
	}
	_, x, err := lp.Simplex(pr.cost, pr.a, pr.b, 1e-10, pr.warmStart())
	if errors.Is(err, lp.ErrUnbounded) && max {
		return nil, true, true
	}
	if err != nil {
		return nil, false, false
	}
	pr.last = x
	return x, false, true
}

// warmStart turns the last optimum into a starting basis for the next LP of
// the same component, which only changes the objective: it saves the
// simplex's phase I, most of its cost. nil when there is none or it does not
// check out (lp.Simplex panics on a bad basis, so it is verified here with
// the same solve).
func (pr *lpProblem) warmStart() []int {
	if pr.last == nil {
		return nil
	}
	m, n := pr.a.Dims()
	var basis []int
	var ortho [][]float64 // orthonormal span of the chosen columns
	try := func(j int) {
		v := make([]float64, m)
		for i := range v {
			v[i] = pr.a.At(i, j)
		}
		for _, u := range ortho {
			d := 0.0
			for i := range v {
				d += u[i] * v[i]
			}
			for i := range v {
				v[i] -= d * u[i]
			}
		}
		norm := 0.0
		for _, x := range v {
			norm += x * x
		}
		if norm = math.Sqrt(norm); norm < 1e-8 {
			return
		}
		for i := range v {
			v[i] /= norm
		}
		ortho = append(ortho, v)
		basis = append(basis, j)
	}
	for j, x := range pr.last {
		if x > 1e-9 && len(basis) < m {
			try(j)
		}
	}
	for j := 0; j < n && len(basis) < m; j++ {
		if !slices.Contains(basis, j) {
			try(j)
		}
	}
	if len(basis) != m {
		return nil
	}
	ab := mat.NewDense(m, m, nil)
	for k, j := range basis {
		for i := 0; i < m; i++ {
			ab.Set(i, k, pr.a.At(i, j))
		}
	}
	xb := mat.NewVecDense(m, nil)
	if err := xb.SolveVec(ab, mat.NewVecDense(m, slices.Clone(pr.b))); err != nil {
		return nil
	}
	for i := 0; i < m; i++ {
		if xb.AtVec(i) < -1e-13 { // lp's initPosTol
			return nil
		}
	}
	return basis
}

// audit returns the cells of comp that the published figures pin too
// closely. Every feasible point an LP returns is kept as a witness: a cell
// already seen far enough from its value needs no LP of its own.
func (p *protector) audit(comp []int) []int {
	pr := p.problem(comp)
	witness := func(x []float64) {
		for i, v := range x {
			c := comp[i]
			p.seenLo[c] = math.Min(p.seenLo[c], v+1)
			p.seenHi[c] = math.Max(p.seenHi[c], v+1)
		}
	}
	strong := func(c int) bool { return p.reasons[c] == Primary && p.rule == AboveThreshold }
	need := float64(p.thr + 1)
	seen := func(c int) bool {
		if strong(c) {
			return p.seenHi[c] >= need-eps
		}
		return p.seenHi[c]-p.seenLo[c] >= 1-eps
	}
	var failing []int
	for i, c := range comp {
		if p.safe[c] {
			continue
		}
		if seen(c) {
			p.safe[c] = true
			continue
		}
		x, unbounded, ok := pr.extreme(i, true)
		if !ok {
			failing = append(failing, c)
			continue
		}
		if unbounded {
			p.safe[c] = true
			continue
		}
		witness(x)
		if !seen(c) && !strong(c) {
			if x, _, ok := pr.extreme(i, false); ok && x != nil {
				witness(x)
			}
		}
		if seen(c) {
			p.safe[c] = true
		} else {
			failing = append(failing, c)
		}
	}
	return failing
}
