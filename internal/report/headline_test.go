package report_test

import (
	"context"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/report"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/screening"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
)

// The headline figures carry their change since the previous month-end,
// which is the difference between this report's figure and the same
// figure of the report built for that month-end, and the rate per 100,000
// of Cambodia's 2019 census population (15,552,221).
func TestHeadline(t *testing.T) {
	path, err := demoDB()
	if err != nil {
		t.Fatal(err)
	}
	// A copy, to keep a screening of the previous month-end the other
	// tests do not expect.
	cp := filepath.Join(t.TempDir(), "demo.db")
	copyFile(t, path, cp)
	ctx := context.Background()
	st, err := sqldb.Open(ctx, cp, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	prev := domain.MustDate("2020-09-30")

	byKey := func(r *report.Report) map[string]report.Figure {
		m := map[string]report.Figure{}
		for _, f := range r.National {
			m[f.Key] = f
		}
		return m
	}
	headline := []string{"population", "occupancy_pct", "pretrial", "held_without_basis",
		"held_without_basis_confirmed_law", "held_without_basis_unconfirmed_law"}
	people := map[string]bool{"population": true, "pretrial": true, "held_without_basis": true,
		"held_without_basis_confirmed_law": true, "held_without_basis_unconfirmed_law": true}

	// No screening was kept for 30 September: the register's figures have
	// a change, the screening's do not.
	cur := byKey(build(t, st, report.Options{AsOf: asOf}))
	before := byKey(build(t, st, report.Options{AsOf: prev}))
	for _, k := range []string{"population", "occupancy_pct", "pretrial"} {
		f := cur[k]
		if f.Change == nil || f.PreviousDate != "2020-09-30" || math.Abs(*f.Change-(f.Value-before[k].Value)) > 0.051 {
			t.Errorf("%s: change %v since %q, where %v on 2020-10-31 and %v on 2020-09-30", k, deref(f.Change), f.PreviousDate, f.Value, before[k].Value)
		}
	}
	if f := cur["held_without_basis"]; f.Change != nil {
		t.Errorf("held without legal basis has a change (%v) with no screening kept for 30 September", *f.Change)
	}

	p, err := rules.Load(rules.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := screening.Run(ctx, st, p, screening.Options{AsOf: prev})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := rep.Saved(now)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveScreening(ctx, sum); err != nil {
		t.Fatal(err)
	}
	r := build(t, st, report.Options{AsOf: asOf})
	cur, before = byKey(r), byKey(build(t, st, report.Options{AsOf: prev}))
	for _, k := range headline {
		f, ok := cur[k]
		if !ok || !f.Headline {
			t.Fatalf("%s is not a headline figure: %+v", k, f)
		}
		b, ok := before[k]
		if !ok {
			t.Fatalf("the report of 2020-09-30 has no %s", k)
		}
		if f.Change == nil || math.Abs(*f.Change-(f.Value-b.Value)) > 0.051 {
			t.Errorf("%s: change %v, where %v now and %v on 2020-09-30", k, deref(f.Change), f.Value, b.Value)
		}
		if people[k] {
			want := math.Round(f.Value*100000/15552221*10) / 10
			if f.Per100k == nil || *f.Per100k != want {
				t.Errorf("%s: %v per 100,000, want %v (%v people)", k, f.Per100k, want, f.Value)
			}
		} else if f.Per100k != nil {
			t.Errorf("%s is not a count of people but has a rate %v", k, *f.Per100k)
		}
	}
	for _, k := range []string{"women", "released", "capacity"} {
		if f := cur[k]; f.Headline || f.Change != nil || f.Per100k != nil {
			t.Errorf("%s is not a headline figure: %+v", k, f)
		}
	}
	if r.PopulationBase == nil || r.PopulationBase.Value != 15552221 || r.PopulationBase.Year != 2019 || r.PopulationBase.Source == "" {
		t.Errorf("the population rates are of: %+v", r.PopulationBase)
	}
	if cur["population"].Value < 1000 {
		t.Fatalf("the demo holds %v people: the check above proves little", cur["population"].Value)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}
