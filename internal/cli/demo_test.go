package cli_test

import (
	"encoding/json"
	"testing"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

type figures struct {
	Population          int     `json:"population"`
	Capacity            int     `json:"capacity"`
	OccupancyPct        float64 `json:"occupancy_pct"`
	PretrialShare       float64 `json:"pretrial_share"`
	WomenShare          float64 `json:"women_share"`
	MinorsShare         float64 `json:"minors_share"`
	ChildrenWithMothers int     `json:"children_with_mothers"`
	Period              *struct {
		Drug int `json:"admitted_drug_related"`
	} `json:"period"`
	LargestCells []struct {
		Facility   string `json:"facility"`
		Population int    `json:"population"`
	} `json:"largest_cells"`
}

func statsOn(t *testing.T, dsn string, args ...string) figures {
	t.Helper()
	out := mustRun(t, append([]string{"--db", dsn, "stats", "--format", "json"}, args...)...)
	var f figures
	if err := json.Unmarshal([]byte(out), &f); err != nil {
		t.Fatalf("stats JSON: %v", err)
	}
	return f
}

// TestDemoCalibration builds the full demo register in a SQLite file and
// reads, through `habeas stats`, the published figures it is calibrated to
// (domain.md sections 1 and 2).
func TestDemoCalibration(t *testing.T) {
	dsn := dbtest.SQLiteDSN(t)
	mustRun(t, "--db", dsn, "demo")
	march := statsOn(t, dsn, "--as-of", "2020-03-31", "--cells", "1")
	if march.Population != 38990 || march.Capacity != 26593 {
		t.Errorf("2020-03-31: %d held for %d places; want 38,990 for 26,593", march.Population, march.Capacity)
	}
	if march.OccupancyPct < 146 || march.OccupancyPct > 147 {
		t.Errorf("occupancy %.1f%%, want about 146.6%%", march.OccupancyPct)
	}
	if march.PretrialShare < 0.73 || march.PretrialShare > 0.76 {
		t.Errorf("not finally convicted: %.3f, want 73-76%%", march.PretrialShare)
	}
	if march.WomenShare < 0.07 || march.WomenShare > 0.09 || march.MinorsShare < 0.03 || march.MinorsShare > 0.05 {
		t.Errorf("women %.3f (want about 8%%), minors %.3f (want about 4%%)", march.WomenShare, march.MinorsShare)
	}
	if len(march.LargestCells) != 1 || march.LargestCells[0].Population < 530 {
		t.Errorf("largest cell: %+v, want one holding at least 530 people", march.LargestCells)
	}
	if p := statsOn(t, dsn, "--as-of", "2016-12-31").Population; p < 21681 || p > 22119 {
		t.Errorf("2016-12-31: %d held, want 21,900 ± 1%%", p)
	}
	if c := statsOn(t, dsn, "--as-of", "2020-06-30").ChildrenWithMothers; c != 101 {
		t.Errorf("children with their mothers on 2020-06-30: %d, want 101", c)
	}
	if c := statsOn(t, dsn, "--as-of", "2015-12-31").ChildrenWithMothers; c != 30 {
		t.Errorf("children with their mothers on 2015-12-31: %d, want 30", c)
	}
	drug := statsOn(t, dsn, "--as-of", "2020-07-23", "--from", "2017-01-01").Period.Drug
	if drug < 54097 || drug > 57443 {
		t.Errorf("admissions on drug charges 2017-01-01..2020-07-23: %d, want about 55,770 (± 3%%)", drug)
	}
}
