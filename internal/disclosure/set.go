// Package disclosure protects the small counts of a public report: it decides
// which published numbers to suppress so that no count of 1 to a threshold
// people at a detailed level is shown, and so that no suppressed count can be
// worked back from the totals and the other tables of the same report.
//
// A report declares every number it publishes in a Set, with the additive
// relations between them (a total is the sum of its parts). Protect chooses
// the primary suppressions (small counts) and the secondary ones (cells hidden
// only so that the primary ones cannot be recomputed). Bounds and Recover are
// an attacker, written independently of Protect, that a test can run on a
// whole published report.
package disclosure

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// A Set is every published number of one report, keyed, with the additive
// relations between them. The same key used in two tables is the same number,
// which is how tables that share marginals are linked. A Set is not safe for
// concurrent use.
type Set struct {
	keys      []string
	index     map[string]int
	values    []int
	exact     []bool
	relations []relation
	seen      map[string]bool // canonical form of each relation, to drop repeats
}

// relation says values[total] = sum of values[parts].
type relation struct {
	total int
	parts []int
}

// Relation is one published additive relation: Total = sum of Parts.
type Relation struct {
	Total string   `json:"total"`
	Parts []string `json:"parts"`
}

// NewSet returns an empty Set.
func NewSet() *Set {
	return &Set{index: map[string]int{}, seen: map[string]bool{}}
}

// Add declares a published count. An exact count (a national total, a count of
// releases against a pledge) is published as it is and is never suppressed.
// Declaring a key again is allowed, since tables share numbers, but it must
// carry the same value; a key declared exact once is exact.
func (s *Set) Add(key string, value int, exact bool) error {
	if key == "" {
		return errors.New("disclosure: adding a count: empty key")
	}
	if value < 0 {
		return fmt.Errorf("disclosure: adding %q: negative count %d", key, value)
	}
	if i, ok := s.index[key]; ok {
		if s.values[i] != value {
			return fmt.Errorf("disclosure: adding %q: declared again with %d, was %d", key, value, s.values[i])
		}
		s.exact[i] = s.exact[i] || exact
		return nil
	}
	s.index[key] = len(s.keys)
	s.keys = append(s.keys, key)
	s.values = append(s.values, value)
	s.exact = append(s.exact, exact)
	return nil
}

// Sum declares total = sum of parts. Every key must have been added, and the
// values must add up: a report whose tables do not add up is wrong before
// any question of disclosure.
func (s *Set) Sum(total string, parts ...string) error {
	ti, ok := s.index[total]
	if !ok {
		return fmt.Errorf("disclosure: relating %q: total not added", total)
	}
	if len(parts) == 0 {
		return fmt.Errorf("disclosure: relating %q: no parts", total)
	}
	r := relation{total: ti, parts: make([]int, 0, len(parts))}
	dup := map[int]bool{ti: true}
	sum := 0
	for _, p := range parts {
		pi, ok := s.index[p]
		if !ok {
			return fmt.Errorf("disclosure: relating %q: part %q not added", total, p)
		}
		if dup[pi] {
			return fmt.Errorf("disclosure: relating %q: %q appears twice", total, p)
		}
		dup[pi] = true
		r.parts = append(r.parts, pi)
		sum += s.values[pi]
	}
	if sum != s.values[ti] {
		return fmt.Errorf("disclosure: relating %q: parts add up to %d, total is %d", total, sum, s.values[ti])
	}
	canon := canonical(r)
	if s.seen[canon] {
		return nil
	}
	s.seen[canon] = true
	s.relations = append(s.relations, r)
	return nil
}

func canonical(r relation) string {
	parts := append([]int(nil), r.parts...)
	slices.Sort(parts)
	var b strings.Builder
	fmt.Fprintf(&b, "%d=", r.total)
	for _, p := range parts {
		fmt.Fprintf(&b, "%d,", p)
	}
	return b.String()
}

// Value returns the value declared for key.
func (s *Set) Value(key string) (int, bool) {
	i, ok := s.index[key]
	if !ok {
		return 0, false
	}
	return s.values[i], true
}

// Exact reports whether key was declared exact.
func (s *Set) Exact(key string) bool {
	i, ok := s.index[key]
	return ok && s.exact[i]
}

// Keys returns the declared keys in the order they were first added.
func (s *Set) Keys() []string { return append([]string(nil), s.keys...) }

// Relations returns the declared relations.
func (s *Set) Relations() []Relation {
	out := make([]Relation, len(s.relations))
	for i, r := range s.relations {
		out[i] = Relation{Total: s.keys[r.total], Parts: make([]string, len(r.parts))}
		for j, p := range r.parts {
			out[i].Parts[j] = s.keys[p]
		}
	}
	return out
}

// GridOptions shape the keys and totals of a Grid.
type GridOptions struct {
	// Cell names the key of a cell; nil means name/row/col.
	Cell func(row, col string) string
	// RowTotal and ColTotal name the keys of the row and column totals; nil
	// means name/row/total and name/total/col. Giving the same names as
	// another table (facility totals, say) links the two tables.
	RowTotal func(row string) string
	ColTotal func(col string) string
	// Total names the grand total; "" means name/total. There is a grand
	// total only when there are both row and column totals.
	Total string
	// NoRowTotals leaves out the row totals, for tables whose columns are
	// not a partition of the row (women, minors and pre-trial overlap).
	NoRowTotals bool
	// NoColTotals leaves out the column totals.
	NoColTotals bool
	// Exact marks which numbers must be published as they are.
	ExactCells, ExactRowTotals, ExactColTotals, ExactTotal bool
}

// GridKeys are the keys a Grid declared.
type GridKeys struct {
	Cells     [][]string // [row][col]
	RowTotals []string   // nil with NoRowTotals
	ColTotals []string   // nil with NoColTotals
	Total     string     // "" without a grand total
}

// Grid declares a rows × cols table with its totals, computed from values,
// and the relations between them.
func (s *Set) Grid(name string, rows, cols []string, values [][]int, opt GridOptions) (GridKeys, error) {
	var k GridKeys
	if len(values) != len(rows) {
		return k, fmt.Errorf("disclosure: grid %q: %d rows of values for %d rows", name, len(values), len(rows))
	}
	cell := opt.Cell
	if cell == nil {
		cell = func(r, c string) string { return name + "/" + r + "/" + c }
	}
	rowTotal := opt.RowTotal
	if rowTotal == nil {
		rowTotal = func(r string) string { return name + "/" + r + "/total" }
	}
	colTotal := opt.ColTotal
	if colTotal == nil {
		colTotal = func(c string) string { return name + "/total/" + c }
	}
	k.Cells = make([][]string, len(rows))
	colSums := make([]int, len(cols))
	grand := 0
	for i, r := range rows {
		if len(values[i]) != len(cols) {
			return k, fmt.Errorf("disclosure: grid %q: row %q has %d values for %d columns", name, r, len(values[i]), len(cols))
		}
		k.Cells[i] = make([]string, len(cols))
		for j, c := range cols {
			k.Cells[i][j] = cell(r, c)
			if err := s.Add(k.Cells[i][j], values[i][j], opt.ExactCells); err != nil {
				return k, fmt.Errorf("grid %q: %w", name, err)
			}
			colSums[j] += values[i][j]
			grand += values[i][j]
		}
	}
	if !opt.NoRowTotals {
		k.RowTotals = make([]string, len(rows))
		for i, r := range rows {
			k.RowTotals[i] = rowTotal(r)
			sum := 0
			for _, v := range values[i] {
				sum += v
			}
			if err := s.Add(k.RowTotals[i], sum, opt.ExactRowTotals); err != nil {
				return k, fmt.Errorf("grid %q: %w", name, err)
			}
			if err := s.Sum(k.RowTotals[i], k.Cells[i]...); err != nil {
				return k, fmt.Errorf("grid %q: %w", name, err)
			}
		}
	}
	if !opt.NoColTotals {
		k.ColTotals = make([]string, len(cols))
		for j, c := range cols {
			k.ColTotals[j] = colTotal(c)
			if err := s.Add(k.ColTotals[j], colSums[j], opt.ExactColTotals); err != nil {
				return k, fmt.Errorf("grid %q: %w", name, err)
			}
			col := make([]string, len(rows))
			for i := range rows {
				col[i] = k.Cells[i][j]
			}
			if err := s.Sum(k.ColTotals[j], col...); err != nil {
				return k, fmt.Errorf("grid %q: %w", name, err)
			}
		}
	}
	if !opt.NoRowTotals && !opt.NoColTotals {
		k.Total = opt.Total
		if k.Total == "" {
			k.Total = name + "/total"
		}
		if err := s.Add(k.Total, grand, opt.ExactTotal); err != nil {
			return k, fmt.Errorf("grid %q: %w", name, err)
		}
		if err := s.Sum(k.Total, k.RowTotals...); err != nil {
			return k, fmt.Errorf("grid %q: %w", name, err)
		}
		if err := s.Sum(k.Total, k.ColTotals...); err != nil {
			return k, fmt.Errorf("grid %q: %w", name, err)
		}
	}
	return k, nil
}
