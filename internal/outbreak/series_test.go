package outbreak

import (
	"context"
	"reflect"
	"testing"
)

// TestSeries: the fan charts' series are the runs' own figures: the deaths
// at the end of the last day are each run's deaths, so their interval is
// the one the tables show, per facility and nationally; the infected are
// never more than the people ever infected; with no one to infect there is
// no one infected on any day; and the series do not depend on the workers.
func TestSeries(t *testing.T) {
	p := DefaultParams()
	fs := []Facility{homogeneous("A", 600, 300), homogeneous("B", 200, 250)}
	var rel []Release
	for range 50 {
		rel = append(rel, Release{Facility: "A", Stratum: Stratum{Age: 5, Housing: Dormitory}, Date: start.AddDays(10)})
	}
	in := Input{Params: p, Facilities: fs, Start: start, Days: 60, Runs: 40, Seed: 5, SeriesEvery: 7, Workers: 1}
	res, err := Run(context.Background(), in, &Scenario{Releases: rel})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Series
	if s == nil {
		t.Fatal("no series")
	}
	wantDays := []int{7, 14, 21, 28, 35, 42, 49, 56, 60}
	if !reflect.DeepEqual(s.Days, wantDays) {
		t.Fatalf("days %v, want %v", s.Days, wantDays)
	}
	last := len(wantDays) - 1
	if got := s.National.Baseline.Deaths[last]; got != res.Baseline.Deaths {
		t.Errorf("national baseline deaths on the last day %+v, the table's %+v", got, res.Baseline.Deaths)
	}
	if got := s.National.Plan.Deaths[last]; got != res.Plan.Deaths {
		t.Errorf("national plan deaths on the last day %+v, the table's %+v", got, res.Plan.Deaths)
	}
	for j, f := range res.Facilities {
		fsr := s.Facilities[j]
		if fsr.ID != f.ID || fsr.Baseline.Deaths[last] != f.Baseline.Deaths || fsr.Plan.Deaths[last] != f.Plan.Deaths {
			t.Errorf("facility %s: last deaths %+v / %+v, tables %+v / %+v", f.ID, fsr.Baseline.Deaths[last], fsr.Plan.Deaths[last], f.Baseline.Deaths, f.Plan.Deaths)
		}
		for pt := range wantDays {
			b := fsr.Baseline.Infected[pt]
			if b.P5 > b.Median || b.Median > b.P95 {
				t.Errorf("facility %s day %d: infected %+v out of order", f.ID, wantDays[pt], b)
			}
		}
	}
	// Deaths so far never fall.
	for pt := 1; pt <= last; pt++ {
		if s.National.Baseline.Deaths[pt].Median < s.National.Baseline.Deaths[pt-1].Median {
			t.Errorf("national median deaths fall from day %d to %d", wantDays[pt-1], wantDays[pt])
		}
	}
	in.Workers = 3
	res3, err := Run(context.Background(), in, &Scenario{Releases: rel})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res3.Series, res.Series) {
		t.Error("the series differ with 3 workers")
	}
	// Nobody infectious, no importation: nobody infected on any day.
	q := closedParams(3)
	q.InitialExposed = 0
	res, err = Run(context.Background(), Input{Params: q, Facilities: []Facility{homogeneous("A", 500, 500)}, Start: start, Days: 30, Runs: 10, Seed: 1, SeriesEvery: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Series.Days) != 30 || res.Series.National.Plan != nil {
		t.Fatalf("30 daily points and no plan expected: %d, %v", len(res.Series.Days), res.Series.National.Plan)
	}
	for pt, iv := range res.Series.National.Baseline.Infected {
		if iv != (Interval{}) {
			t.Errorf("day %d: %+v infected with nobody infectious", pt+1, iv)
		}
	}
}
