package report_test

import (
	"testing"

	"github.com/habeas-kh/habeas/internal/report"
)

func n(v int) report.Cell { return report.Cell{Value: &v} }

// Compare lists the figures shown in both reports with another value: not
// a count hidden in either (that would undo the hiding), not the releases
// of another period, not the same month of the trend twice.
func TestCompare(t *testing.T) {
	hidden := report.Cell{Suppressed: true}
	pub := &report.Report{AsOf: "2020-11-30", From: "2019-12-01",
		National: []report.Figure{{Key: "population", Value: 100, Unit: "people"}, {Key: "capacity", Value: 50, Unit: "places"}, {Key: "released", Value: 7}},
		Facilities: []report.FacilityRow{{ID: "A", Counts: map[string]report.Cell{"population": n(60), "women": hidden, "minors": n(0)}},
			{ID: "B", Counts: map[string]report.Cell{"population": n(40)}}},
		Trend: []report.Point{{Date: "2020-10-31", Population: 90, Capacity: 50}, {Date: "2020-11-30", Population: 100, Capacity: 50}}}
	cur := &report.Report{AsOf: "2020-11-30", From: "2020-01-01",
		National: []report.Figure{{Key: "population", Value: 101, Unit: "people"}, {Key: "capacity", Value: 50, Unit: "places"}, {Key: "released", Value: 9}},
		Facilities: []report.FacilityRow{{ID: "A", Counts: map[string]report.Cell{"population": n(61), "women": n(3), "minors": hidden}},
			{ID: "B", Counts: map[string]report.Cell{"population": n(40)}}},
		Trend: []report.Point{{Date: "2020-10-31", Population: 91, Capacity: 50}, {Date: "2020-11-30", Population: 101, Capacity: 50}}}
	got := map[string][2]float64{}
	for _, r := range report.Compare(4, pub, cur) {
		if r.Report != 4 || r.ReportAsOf != "2020-11-30" {
			t.Errorf("%s: against report %d of %s", r.Key, r.Report, r.ReportAsOf)
		}
		got[r.Key] = [2]float64{r.Was, r.Now}
	}
	want := map[string][2]float64{
		"national/all/population":     {100, 101},
		"facility/A/population":       {60, 61},
		"trend/2020-10-31/population": {90, 91},
	}
	if len(got) != len(want) {
		t.Errorf("revisions %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %v, want %v", k, got[k], w)
		}
	}
	// The same period: the releases are compared.
	cur.From = pub.From
	found := false
	for _, r := range report.Compare(4, pub, cur) {
		found = found || (r.Key == "national/all/released" && r.Was == 7 && r.Now == 9)
	}
	if !found {
		t.Error("releases over the same period that changed are not a revision")
	}
}
