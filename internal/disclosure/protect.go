package disclosure

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// DefaultThreshold is the largest count protected when none is configured:
// counts of 1 to 5 people are not shown at a detailed level.
const DefaultThreshold = 5

// Rule is how much a suppressed small count must stay hidden.
type Rule int

const (
	// AboveThreshold, the default, requires that the published figures
	// leave open that every primary cell holds more than the threshold:
	// they must not confine it to the 1..threshold range that suppression
	// hides. Every other suppressed cell must not be determined.
	AboveThreshold Rule = iota
	// NotExact only requires that no suppressed cell is determined (its
	// feasible interval is at least 1 wide). It is the weaker common
	// standard, for reports whose exact totals make AboveThreshold
	// impossible.
	NotExact
)

func (r Rule) String() string {
	switch r {
	case AboveThreshold:
		return "above-threshold"
	case NotExact:
		return "not-exact"
	}
	return "rule(" + strconv.Itoa(int(r)) + ")"
}

// Options configure Protect.
type Options struct {
	// Threshold: non-exact counts from 1 to Threshold are suppressed. Zero
	// means DefaultThreshold.
	Threshold int
	Rule      Rule
}

// Reason says why a key is or is not shown.
type Reason int

const (
	// Shown: the count is published.
	Shown Reason = iota
	// Primary: the count is 1..threshold and not exact.
	Primary
	// Secondary: the count is hidden so that a primary one cannot be
	// recomputed from the published figures.
	Secondary
)

func (r Reason) String() string {
	switch r {
	case Shown:
		return "shown"
	case Primary:
		return "primary"
	case Secondary:
		return "secondary"
	}
	return "reason(" + strconv.Itoa(int(r)) + ")"
}

// Result is the outcome of Protect: which keys are shown and which are
// suppressed, and why. It is a snapshot: later changes to the Set do not
// affect it.
type Result struct {
	threshold int
	rule      Rule
	keys      []string
	index     map[string]int
	values    []int
	reasons   []Reason
	relations []Relation
}

// Protect decides what to suppress in s with the default rule.
func Protect(s *Set, threshold int) (*Result, error) {
	return ProtectWith(s, Options{Threshold: threshold})
}

// ProtectWith decides what to suppress in s: primary suppression of every
// non-exact count from 1 to the threshold, then secondary suppression until
// every suppressed count satisfies the rule (see docs/disclosure.md). It
// fails, naming the cell, when a small count cannot be protected without
// suppressing an exact one.
func ProtectWith(s *Set, opt Options) (*Result, error) {
	return protect(s, opt, true)
}

func protect(s *Set, opt Options, secondary bool) (*Result, error) {
	if opt.Threshold == 0 {
		opt.Threshold = DefaultThreshold
	}
	if opt.Threshold < 1 {
		return nil, fmt.Errorf("disclosure: protecting: threshold %d is below 1", opt.Threshold)
	}
	if opt.Rule != AboveThreshold && opt.Rule != NotExact {
		return nil, fmt.Errorf("disclosure: protecting: unknown %v", opt.Rule)
	}
	p := newProtector(s, opt)
	for i, v := range p.values {
		if !p.exact[i] && v >= 1 && v <= opt.Threshold {
			p.reasons[i] = Primary
		}
	}
	if secondary {
		if err := p.run(); err != nil {
			return nil, err
		}
	}
	r := &Result{
		threshold: opt.Threshold,
		rule:      opt.Rule,
		keys:      p.keys,
		index:     make(map[string]int, len(p.keys)),
		values:    p.values,
		reasons:   p.reasons,
		relations: s.Relations(),
	}
	for i, k := range p.keys {
		r.index[k] = i
	}
	return r, nil
}

// protector holds the working state of one Protect call.
type protector struct {
	thr     int
	rule    Rule
	keys    []string
	values  []int
	exact   []bool
	rels    []relation
	relsOf  [][]int // relations each cell takes part in
	reasons []Reason
	// Suppressing more only widens what an attacker must consider: every
	// point that was feasible stays feasible with the new unknowns at their
	// true values. So a cell once found safe stays safe, and the extremes
	// seen in any feasible point stay valid witnesses.
	safe           []bool
	seenLo, seenHi []float64
}

func newProtector(s *Set, opt Options) *protector {
	n := len(s.keys)
	p := &protector{
		thr:     opt.Threshold,
		rule:    opt.Rule,
		keys:    slices.Clone(s.keys),
		values:  slices.Clone(s.values),
		exact:   slices.Clone(s.exact),
		rels:    s.relations,
		relsOf:  make([][]int, n),
		reasons: make([]Reason, n),
		safe:    make([]bool, n),
		seenLo:  make([]float64, n),
		seenHi:  make([]float64, n),
	}
	for i, v := range p.values {
		p.seenLo[i], p.seenHi[i] = float64(v), float64(v)
	}
	for ri, r := range p.rels {
		p.relsOf[r.total] = append(p.relsOf[r.total], ri)
		for _, c := range r.parts {
			p.relsOf[c] = append(p.relsOf[c], ri)
		}
	}
	return p
}

func (p *protector) suppressed(i int) bool { return p.reasons[i] != Shown }

// members returns the cells of relation r, total first.
func (p *protector) members(r int) []int {
	rel := p.rels[r]
	return append([]int{rel.total}, rel.parts...)
}

// run adds secondary suppressions until the audit passes. Each round audits
// every changed component, then gives each failing cell one complement,
// skipping cells whose relations already changed this round (they are
// audited again first); so a round either adds a suppression or ends.
func (p *protector) run() error {
	for {
		var failing []int
		for _, comp := range p.components() {
			if !slices.ContainsFunc(comp, func(c int) bool { return !p.safe[c] }) {
				continue
			}
			failing = append(failing, p.audit(comp)...)
		}
		if len(failing) == 0 {
			return nil
		}
		// Primary cells first, then by declaration, so results are stable.
		slices.SortFunc(failing, func(a, b int) int {
			if p.reasons[a] != p.reasons[b] {
				return int(p.reasons[a]) - int(p.reasons[b])
			}
			return a - b
		})
		touched := map[int]bool{}
		added := 0
		var firstErr error
		for _, c := range failing {
			if slices.ContainsFunc(p.relsOf[c], func(r int) bool { return touched[r] }) {
				continue
			}
			k, err := p.complement(c)
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			p.reasons[k] = Secondary
			added++
			for _, r := range p.relsOf[k] {
				touched[r] = true
			}
		}
		if added == 0 {
			if firstErr == nil {
				firstErr = errors.New("disclosure: protecting: no complementary cell found")
			}
			return firstErr
		}
	}
}

// components groups the suppressed cells that share relations, directly or
// through other suppressed cells: only cells of one component constrain
// each other.
func (p *protector) components() [][]int {
	parent := make([]int, len(p.keys))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for r := range p.rels {
		first := -1
		for _, m := range p.members(r) {
			if !p.suppressed(m) {
				continue
			}
			if first < 0 {
				first = m
				continue
			}
			if a, b := find(first), find(m); a != b {
				parent[b] = a
			}
		}
	}
	groups := map[int][]int{}
	var roots []int
	for i := range p.keys {
		if !p.suppressed(i) {
			continue
		}
		root := find(i)
		if _, ok := groups[root]; !ok {
			roots = append(roots, root)
		}
		groups[root] = append(groups[root], i)
	}
	out := make([][]int, len(roots))
	for i, r := range roots {
		out[i] = groups[r]
	}
	return out
}

// target is the value a failing cell's upper bound must reach.
func (p *protector) target(c int) int {
	if p.reasons[c] == Primary && p.rule == AboveThreshold {
		return p.thr + 1
	}
	return p.values[c] + 1
}

// estimate is an upper bound on c from relation r alone, knowing every
// other suppressed member is at least 1; math.MaxInt when r does not bound c.
func (p *protector) estimate(c, r int) int {
	rel := p.rels[r]
	if rel.total == c {
		for _, q := range rel.parts {
			if p.suppressed(q) {
				return math.MaxInt
			}
		}
		return p.values[c]
	}
	if p.suppressed(rel.total) {
		return math.MaxInt
	}
	est := p.values[rel.total]
	for _, q := range rel.parts {
		if q == c {
			continue
		}
		if p.suppressed(q) {
			est--
		} else {
			est -= p.values[q]
		}
	}
	return est
}

// suppressible reports whether m may become a secondary suppression: it is
// shown, not exact and not zero (zeros are always shown), and none of its
// relations would leave it the only unknown for good.
func (p *protector) suppressible(m int) bool {
	if p.suppressed(m) || p.exact[m] || p.values[m] == 0 {
		return false
	}
	for _, r := range p.relsOf[m] {
		ok := false
		for _, q := range p.members(r) {
			if q == m {
				continue
			}
			if p.suppressed(q) || (!p.exact[q] && p.values[q] > 0) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// open counts the relations of k, other than via, that have no suppressed
// member: suppressing k there would need a further complement.
func (p *protector) open(k, via int) int {
	n := 0
	for _, r := range p.relsOf[k] {
		if r == via {
			continue
		}
		if !slices.ContainsFunc(p.members(r), p.suppressed) {
			n++
		}
	}
	return n
}

type candidate struct {
	cell, level, open, value int
	short                    bool // would not lift the estimate to the target
}

func better(a, b candidate) bool {
	if a.level != b.level {
		return a.level < b.level
	}
	if a.short != b.short {
		return !a.short
	}
	if a.open != b.open {
		return a.open < b.open
	}
	if a.value != b.value {
		return a.value < b.value
	}
	return a.cell < b.cell
}

// complement chooses the next cell to suppress for failing cell c: a cell in
// the relation that bounds c most tightly if one does, preferring one that
// lifts the bound enough, closes on cells already suppressed and is small;
// otherwise the nearest suppressible cell through c's relations.
func (p *protector) complement(c int) (int, error) {
	target := p.target(c)
	bound, tight := -1, math.MaxInt
	for _, r := range p.relsOf[c] {
		if e := p.estimate(c, r); e < tight {
			bound, tight = r, e
		}
	}
	if bound >= 0 && tight < target {
		best := candidate{cell: -1}
		rel := p.rels[bound]
		for _, k := range p.members(bound) {
			if k == c || !p.suppressible(k) {
				continue
			}
			lift := math.MaxInt
			if k != rel.total && c != rel.total {
				lift = tight + p.values[k] - 1
			}
			cand := candidate{cell: k, open: p.open(k, bound), value: p.values[k], short: lift < target}
			if best.cell < 0 || better(cand, best) {
				best = cand
			}
		}
		if best.cell < 0 {
			return -1, p.blocked(c, bound)
		}
		return best.cell, nil
	}
	// No single relation explains the failure (bounds through suppressed
	// totals, or a lower bound): search outwards through suppressed cells.
	seenRel := map[int]bool{}
	seenCell := map[int]bool{c: true}
	frontier := []int{c}
	for level := 0; len(frontier) > 0; level++ {
		best := candidate{cell: -1}
		var next []int
		for _, f := range frontier {
			for _, r := range p.relsOf[f] {
				if seenRel[r] {
					continue
				}
				seenRel[r] = true
				for _, k := range p.members(r) {
					if p.suppressed(k) {
						if !seenCell[k] {
							seenCell[k] = true
							next = append(next, k)
						}
						continue
					}
					if !p.suppressible(k) {
						continue
					}
					cand := candidate{cell: k, level: level, open: p.open(k, r), value: p.values[k]}
					if best.cell < 0 || better(cand, best) {
						best = cand
					}
				}
			}
		}
		if best.cell >= 0 {
			return best.cell, nil
		}
		frontier = next
	}
	if bound >= 0 && tight < math.MaxInt {
		return -1, p.blocked(c, bound)
	}
	var exact []string
	for r := range seenRel {
		for _, q := range p.members(r) {
			if p.exact[q] && !slices.Contains(exact, strconv.Quote(p.keys[q])) {
				exact = append(exact, strconv.Quote(p.keys[q]))
			}
		}
	}
	if len(exact) > 0 {
		// Structured, as blocked is, so that the caller can publish less
		// detail (no one sum is to blame: the exact counts are).
		slices.Sort(exact)
		return -1, &BlockedError{Cell: p.keys[c], Exact: exact}
	}
	return -1, fmt.Errorf("disclosure: cannot protect %q: no count around it can be suppressed", p.keys[c])
}

// blocked explains why c cannot be protected through relation r.
func (p *protector) blocked(c, r int) error {
	var exact []string
	for _, q := range p.members(r) {
		if q != c && p.exact[q] {
			exact = append(exact, strconv.Quote(p.keys[q]))
		}
	}
	total := p.keys[p.rels[r].total]
	return &BlockedError{Cell: p.keys[c], Sum: total, Exact: exact}
}

// BlockedError says that a small count cannot be protected because the
// sum it belongs to leaves nothing else to hide: the other counts are zero
// or exact. The caller can publish less detail (merge the sum's columns, say)
// and try again.
type BlockedError struct {
	Cell string // the count that cannot be protected
	// Sum is the total of the relation that pins it; "" when every way of
	// hiding it runs into exact counts of several relations (Exact).
	Sum   string
	Exact []string // quoted exact keys in that relation, if any
}

func (e *BlockedError) Error() string {
	if e.Sum == "" {
		return fmt.Sprintf("disclosure: cannot protect %q without suppressing exact %s; publish fewer details or use the not-exact rule",
			e.Cell, strings.Join(e.Exact, ", "))
	}
	if len(e.Exact) == 0 {
		return fmt.Sprintf("disclosure: cannot protect %q: the other counts of the sum %q are zero or cannot be hidden", e.Cell, e.Sum)
	}
	return fmt.Sprintf("disclosure: cannot protect %q without suppressing exact %s (sum %q); publish fewer details or use the not-exact rule",
		e.Cell, strings.Join(e.Exact, ", "), e.Sum)
}

// Threshold is the threshold the result was computed with.
func (r *Result) Threshold() int { return r.threshold }

// Rule is the rule the result was computed with.
func (r *Result) Rule() Rule { return r.rule }

// Suppressed reports whether key is hidden; false for an unknown key.
func (r *Result) Suppressed(key string) bool {
	i, ok := r.index[key]
	return ok && r.reasons[i] != Shown
}

// Reason says why key is shown or hidden.
func (r *Result) Reason(key string) (Reason, error) {
	i, ok := r.index[key]
	if !ok {
		return Shown, fmt.Errorf("disclosure: reason for %q: unknown key", key)
	}
	return r.reasons[i], nil
}

// Primary lists the primary suppressions, in declaration order.
func (r *Result) Primary() []string { return r.with(Primary) }

// Secondary lists the secondary suppressions, in declaration order.
func (r *Result) Secondary() []string { return r.with(Secondary) }

func (r *Result) with(reason Reason) []string {
	var out []string
	for i, k := range r.keys {
		if r.reasons[i] == reason {
			out = append(out, k)
		}
	}
	return out
}
