package disclosure_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/disclosure"
)

var (
	rows3 = []string{"f1", "f2", "f3"}
	cols3 = []string{"a", "b", "c"}
)

func TestPrimarySuppression(t *testing.T) {
	s := disclosure.NewSet()
	values := map[string]int{"zero": 0, "one": 1, "three": 3, "four": 4, "five": 5, "six": 6, "big": 900, "exact-two": 2}
	for k, v := range values {
		if err := s.Add(k, v, k == "exact-two"); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		threshold int
		hidden    []string
	}{
		{5, []string{"one", "three", "four", "five"}},
		{3, []string{"one", "three"}},
		{0, []string{"one", "three", "four", "five"}}, // zero means the default, 5
		{10, []string{"one", "three", "four", "five", "six"}},
	} {
		t.Run(fmt.Sprint(c.threshold), func(t *testing.T) {
			r := mustProtect(t, s, disclosure.Options{Threshold: c.threshold})
			hidden := map[string]bool{}
			for _, k := range c.hidden {
				hidden[k] = true
			}
			for k := range values {
				if r.Suppressed(k) != hidden[k] {
					t.Errorf("%s suppressed = %v, want %v", k, r.Suppressed(k), hidden[k])
				}
			}
			// Unrelated counts need no secondary suppression.
			if sec := r.Secondary(); len(sec) != 0 {
				t.Errorf("secondary %v", sec)
			}
		})
	}
	if _, err := disclosure.Protect(s, -1); err == nil {
		t.Error("negative threshold accepted")
	}
	if _, err := disclosure.ProtectWith(s, disclosure.Options{Rule: disclosure.Rule(7)}); err == nil {
		t.Error("unknown rule accepted")
	}
}

func TestSingleTableOneSmallCellInARow(t *testing.T) {
	s := disclosure.NewSet()
	k := grid(t, s, "t", rows3, cols3, [][]int{{3, 14, 22}, {17, 12, 30}, {9, 19, 40}}, disclosure.GridOptions{ExactTotal: true})
	r := mustProtect(t, s, disclosure.Options{})
	if got := r.Primary(); len(got) != 1 || got[0] != k.Cells[0][0] {
		t.Fatalf("primary %v", got)
	}
	// A lone cell in a table with both margins needs at least a rectangle.
	if n := len(r.Secondary()); n < 3 {
		t.Errorf("%d secondary suppressions, want at least 3", n)
	}
	bruteCheck(t, r, 146)
}

func TestSmallCellAloneInRowAndColumn(t *testing.T) {
	s := disclosure.NewSet()
	rows := []string{"f1", "f2", "f3", "f4"}
	cols := []string{"a", "b", "c", "d"}
	k := grid(t, s, "t", rows, cols, [][]int{
		{40, 31, 22, 50},
		{33, 28, 2, 45},
		{61, 19, 27, 38},
		{25, 44, 36, 29},
	}, disclosure.GridOptions{ExactColTotals: true, ExactTotal: true})
	r := mustProtect(t, s, disclosure.Options{})
	if !r.Suppressed(k.Cells[1][2]) {
		t.Fatal("the small cell is shown")
	}
	for _, key := range k.ColTotals {
		if r.Suppressed(key) {
			t.Errorf("exact column total %s suppressed", key)
		}
	}
}

// Facility × sex and facility × status share the facility totals and the
// national total; either table alone would let the other be undone.
func TestLinkedTablesSharingFacilityTotals(t *testing.T) {
	s := disclosure.NewSet()
	facilities := []string{"f1", "f2", "f3", "f4"}
	opt := disclosure.GridOptions{
		RowTotal:       func(f string) string { return "population/" + f },
		Total:          "population",
		ExactColTotals: true,
		ExactTotal:     true,
	}
	sex := grid(t, s, "sex", facilities, []string{"women", "men"}, [][]int{{2, 40}, {12, 60}, {9, 25}, {7, 33}}, opt)
	status := grid(t, s, "status", facilities, []string{"pretrial", "convicted"}, [][]int{{20, 22}, {30, 42}, {4, 30}, {15, 25}}, opt)
	r := mustProtect(t, s, disclosure.Options{})
	for _, key := range []string{sex.Cells[0][0], status.Cells[2][0]} {
		if reason, _ := r.Reason(key); reason != disclosure.Primary {
			t.Errorf("%s is %v", key, reason)
		}
	}
	// Without secondary suppression the facility total gives both away.
	naive, err := disclosure.PrimaryOnly(s, 5)
	if err != nil {
		t.Fatal(err)
	}
	got, err := disclosure.Recover(naive.Published())
	if err != nil {
		t.Fatal(err)
	}
	if got[sex.Cells[0][0]] != 2 || got[status.Cells[2][0]] != 4 {
		t.Errorf("primary-only publication: attack recovered %v, want both small cells", got)
	}
}

// A national table by group and a per-facility table whose column totals are
// the national figures, with provinces in between: a province total minus
// its other facility gives a facility away.
func TestNationalProvinceAndFacilityTables(t *testing.T) {
	s := disclosure.NewSet()
	groups := []string{"women", "minors", "drug"}
	facilities := []string{"f1", "f2", "f3", "f4", "f5"}
	province := map[string]string{"f1": "p1", "f2": "p1", "f3": "p2", "f4": "p2", "f5": "p2"}
	values := [][]int{
		{3, 0, 40},
		{25, 6, 51},
		{14, 2, 33},
		{8, 11, 19},
		{30, 9, 62},
	}
	national := func(g string) string { return "national/" + g }
	fac := grid(t, s, "facility", facilities, groups, values, disclosure.GridOptions{NoRowTotals: true, ColTotal: national, ExactColTotals: true})
	provinces := []string{"p1", "p2"}
	pv := make([][]int, 2)
	for pi, p := range provinces {
		pv[pi] = make([]int, len(groups))
		for fi, f := range facilities {
			if province[f] != p {
				continue
			}
			for g := range groups {
				pv[pi][g] += values[fi][g]
			}
		}
	}
	prov := grid(t, s, "province", provinces, groups, pv, disclosure.GridOptions{NoRowTotals: true, ColTotal: national, ExactColTotals: true})
	for pi, p := range provinces {
		for g := range groups {
			var parts []string
			for fi, f := range facilities {
				if province[f] == p {
					parts = append(parts, fac.Cells[fi][g])
				}
			}
			if err := s.Sum(prov.Cells[pi][g], parts...); err != nil {
				t.Fatal(err)
			}
		}
	}
	r := mustProtect(t, s, disclosure.Options{})
	for _, g := range groups {
		if r.Suppressed(national(g)) {
			t.Errorf("national %s suppressed", g)
		}
	}
	naive, err := disclosure.PrimaryOnly(s, 5)
	if err != nil {
		t.Fatal(err)
	}
	got, err := disclosure.Recover(naive.Published())
	if err != nil {
		t.Fatal(err)
	}
	// f1 women = p1 women - f2 women
	if got[fac.Cells[0][0]] != 3 {
		t.Errorf("primary-only publication: attack recovered %v, want facility/f1/women = 3", got)
	}
}

// Hiding a small cell and one neighbour in its row is not enough: the
// neighbour is alone in its column, so the column total gives it, and then
// the row gives the small cell.
func TestRowOnlyComplementLeaksThroughColumn(t *testing.T) {
	s := disclosure.NewSet()
	k := grid(t, s, "t", rows3, cols3, [][]int{{3, 14, 22}, {17, 12, 30}, {9, 19, 40}}, disclosure.GridOptions{})
	r := mustProtect(t, s, disclosure.Options{})
	pub := r.Published()
	// Forge the naive publication from the protected one.
	naive := disclosure.Published{Values: map[string]int{}, Relations: pub.Relations,
		Suppressed: []string{k.Cells[0][0], k.Cells[0][1]}}
	for _, key := range s.Keys() {
		if key != k.Cells[0][0] && key != k.Cells[0][1] {
			naive.Values[key], _ = s.Value(key)
		}
	}
	got, err := disclosure.Recover(naive)
	if err != nil {
		t.Fatal(err)
	}
	if got[k.Cells[0][0]] != 3 || got[k.Cells[0][1]] != 14 {
		t.Fatalf("naive row complement: attack recovered %v, want both cells", got)
	}
	// Protect's complements never stand alone in a line of the table.
	for i := range rows3 {
		if n := countSuppressed(r, k.Cells[i]); n == 1 {
			t.Errorf("row %d has a single suppressed cell", i)
		}
	}
	for j := range cols3 {
		col := []string{k.Cells[0][j], k.Cells[1][j], k.Cells[2][j]}
		if n := countSuppressed(r, col); n == 1 {
			t.Errorf("column %d has a single suppressed cell", j)
		}
	}
}

func countSuppressed(r *disclosure.Result, keys []string) int {
	n := 0
	for _, k := range keys {
		if r.Suppressed(k) {
			n++
		}
	}
	return n
}

// Two small counts adding up to an exact national total cannot be hidden:
// the total confines them to the small range whatever else is hidden.
func TestExactTotalMakesProtectionImpossible(t *testing.T) {
	build := func(v []int) *disclosure.Set {
		s := disclosure.NewSet()
		grid(t, s, "minors", []string{"f1", "f2", "f3"}, []string{"n"}, [][]int{{v[0]}, {v[1]}, {v[2]}}, disclosure.GridOptions{
			NoRowTotals: true, ColTotal: func(string) string { return "national/minors" }, ExactColTotals: true,
		})
		return s
	}
	s := build([]int{1, 3, 0})
	_, err := disclosure.Protect(s, 5)
	if err == nil || !strings.Contains(err.Error(), `"national/minors"`) || !strings.Contains(err.Error(), `"minors/f`) {
		t.Fatalf("got %v, want an error naming the cell and the exact total", err)
	}
	// The weaker rule accepts it: 1 + 3 = 4 leaves each of them 1..3.
	r := mustProtect(t, s, disclosure.Options{Rule: disclosure.NotExact})
	if len(r.Primary()) != 2 {
		t.Errorf("primary %v", r.Primary())
	}
	// 1 + 1 = 2 with zeros shown gives both away under any rule.
	_, err = disclosure.ProtectWith(build([]int{1, 1, 0}), disclosure.Options{Rule: disclosure.NotExact})
	if err == nil {
		t.Fatal("1 + 1 = exact 2 was accepted")
	}
}

func TestMarkers(t *testing.T) {
	s := disclosure.NewSet()
	grid(t, s, "t", rows3, cols3, [][]int{{3, 14, 22}, {17, 12, 30}, {9, 19, 0}}, disclosure.GridOptions{})
	r := mustProtect(t, s, disclosure.Options{})
	hidden, err := r.Cell("t/f1/a")
	if err != nil {
		t.Fatal(err)
	}
	zero, err := r.Cell("t/f3/c")
	if err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal([]disclosure.Cell{hidden, zero})
	if err != nil {
		t.Fatal(err)
	}
	if string(j) != `[{"value":null,"suppressed":true},{"value":0}]` {
		t.Errorf("JSON %s", j)
	}
	if hidden.CSV() != "*" || zero.CSV() != "0" {
		t.Errorf("CSV %q %q", hidden.CSV(), zero.CSV())
	}
	if _, err := r.Cell("nope"); err == nil {
		t.Error("unknown key published")
	}
	if r.Suppressed("nope") {
		t.Error("unknown key reported suppressed")
	}
}

// bruteCheck enumerates every integer solution of a small publication: each
// suppressed count must take at least two values, and each primary one a
// value above the threshold.
func bruteCheck(t *testing.T, r *disclosure.Result, limit int) {
	t.Helper()
	pub := r.Published()
	lo, hi, n := brute(t, pub, limit)
	if n == 0 {
		t.Fatal("brute force found no solution, not even the true one")
	}
	for _, k := range pub.Suppressed {
		if lo[k] == hi[k] {
			t.Errorf("brute force: %s is always %d", k, lo[k])
		}
	}
	for _, k := range r.Primary() {
		if hi[k] <= r.Threshold() {
			t.Errorf("brute force: primary %s is at most %d", k, hi[k])
		}
	}
	b, err := disclosure.Bounds(pub)
	if err != nil {
		t.Fatal(err)
	}
	for k, iv := range b {
		if iv.Exhaustive && (iv.Lo != lo[k] || iv.Hi != hi[k]) {
			t.Errorf("Bounds says %s in %d..%d exhaustively, brute force %d..%d", k, iv.Lo, iv.Hi, lo[k], hi[k])
		}
	}
}

// A whole table of a few people under an exact grand total: the total gives
// the only non-zero cell away through the hidden margins.
func TestImpossibleThroughHiddenMargins(t *testing.T) {
	s := disclosure.NewSet()
	grid(t, s, "t", []string{"f1", "f2"}, []string{"a", "b"}, [][]int{{0, 0}, {3, 0}}, disclosure.GridOptions{ExactTotal: true})
	_, err := disclosure.Protect(s, 5)
	if err == nil || !strings.Contains(err.Error(), `exact "t/total"`) {
		t.Fatalf("got %v, want an error naming the exact total", err)
	}
}
