package disclosure_test

import (
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/disclosure"
)

func TestAddRejectsConflictsAndBadValues(t *testing.T) {
	s := disclosure.NewSet()
	if err := s.Add("a", 3, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Add("a", 3, true); err != nil {
		t.Fatalf("same key, same value: %v", err)
	}
	err := s.Add("a", 4, false)
	if err == nil || !strings.Contains(err.Error(), `"a"`) {
		t.Fatalf("same key, different value: got %v, want an error naming the key", err)
	}
	if err := s.Add("b", -1, false); err == nil {
		t.Fatal("negative count accepted")
	}
	if err := s.Add("", 1, false); err == nil {
		t.Fatal("empty key accepted")
	}
	// Declaring "a" exact once made it exact: it is never suppressed.
	r, err := disclosure.Protect(s, 5)
	if err != nil {
		t.Fatal(err)
	}
	if r.Suppressed("a") {
		t.Fatal("a key declared exact in one table was suppressed")
	}
}

func TestSumErrors(t *testing.T) {
	s := disclosure.NewSet()
	for k, v := range map[string]int{"t": 10, "p": 4, "q": 6, "r": 1} {
		if err := s.Add(k, v, false); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name  string
		total string
		parts []string
		want  string
	}{
		{"inconsistent", "t", []string{"p", "r"}, "add up to 5, total is 10"},
		{"unknown part", "t", []string{"p", "zz"}, `"zz" not added`},
		{"unknown total", "zz", []string{"p"}, `"zz"`},
		{"no parts", "t", nil, "no parts"},
		{"repeated part", "t", []string{"p", "p"}, "twice"},
		{"total among parts", "t", []string{"t"}, "twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := s.Sum(c.total, c.parts...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
	if err := s.Sum("t", "p", "q"); err != nil {
		t.Fatalf("a correct sum: %v", err)
	}
}

func TestGridDeclaresCellsTotalsAndRelations(t *testing.T) {
	s := disclosure.NewSet()
	k, err := s.Grid("g", []string{"f1", "f2"}, []string{"w", "m"}, [][]int{{1, 9}, {20, 30}}, disclosure.GridOptions{
		RowTotal:   func(r string) string { return "pop/" + r },
		ExactTotal: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"g/f1/w": 1, "g/f2/m": 30, "pop/f1": 10, "pop/f2": 50, "g/total/w": 21, "g/total/m": 39, "g/total": 60}
	for key, v := range want {
		got, ok := s.Value(key)
		if !ok || got != v {
			t.Errorf("%s = %d, %v; want %d", key, got, ok, v)
		}
	}
	if k.Cells[1][0] != "g/f2/w" || k.RowTotals[0] != "pop/f1" || k.ColTotals[1] != "g/total/m" || k.Total != "g/total" {
		t.Errorf("keys: %+v", k)
	}
	// two row sums, two column sums, the grand total twice
	if n := len(s.Relations()); n != 6 {
		t.Errorf("%d relations, want 6", n)
	}
	// A second table sharing the facility totals must agree with them.
	_, err = s.Grid("h", []string{"f1", "f2"}, []string{"a", "b"}, [][]int{{5, 6}, {25, 25}}, disclosure.GridOptions{
		RowTotal: func(r string) string { return "pop/" + r },
	})
	if err == nil || !strings.Contains(err.Error(), `"pop/f1"`) {
		t.Fatalf("linked table with a different facility total: got %v", err)
	}
}

func TestGridShapeErrors(t *testing.T) {
	s := disclosure.NewSet()
	if _, err := s.Grid("g", []string{"a", "b"}, []string{"x"}, [][]int{{1}}, disclosure.GridOptions{}); err == nil {
		t.Error("missing row accepted")
	}
	if _, err := s.Grid("g", []string{"a"}, []string{"x", "y"}, [][]int{{1}}, disclosure.GridOptions{}); err == nil {
		t.Error("short row accepted")
	}
}

func TestGridWithoutRowTotals(t *testing.T) {
	s := disclosure.NewSet()
	k, err := s.Grid("g", []string{"f1", "f2"}, []string{"women", "minors"}, [][]int{{3, 0}, {10, 4}}, disclosure.GridOptions{NoRowTotals: true, ExactColTotals: true})
	if err != nil {
		t.Fatal(err)
	}
	if k.RowTotals != nil || k.Total != "" {
		t.Errorf("row totals or grand total declared: %+v", k)
	}
	if n := len(s.Relations()); n != 2 {
		t.Errorf("%d relations, want 2 (the columns)", n)
	}
}
