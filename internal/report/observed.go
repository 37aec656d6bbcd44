package report

import (
	"context"
	"fmt"
	"strconv"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/monitor"
	"github.com/habeas-kh/habeas/internal/store"
)

// ObservedRow is, for one facility, the headcount monitors observed at
// their latest visit on or before the report's date, beside the official
// figure for the same day, each with its date and source. Only the total
// is published: nothing of a visit's restricted part is read.
type ObservedRow struct {
	Facility       string   `json:"facility_id"`
	Name           string   `json:"facility"`
	Date           string   `json:"date"` // of the visit, and of the official figure
	Observed       *int     `json:"observed"`
	ObservedSource string   `json:"observed_source"`
	Official       *int     `json:"official"`
	OfficialSource string   `json:"official_source"`
	Difference     *int     `json:"difference"`
	Pct            *float64 `json:"pct_of_official"`
	Flagged        bool     `json:"flagged"`
}

// observedRows compares each facility's latest visit with the official
// figure of its day. A count of 1 to threshold people is not published (nor
// the difference it would give away), as the facility tables do.
func observedRows(ctx context.Context, st store.Store, asOf domain.Date, threshold int, names map[string]string) ([]ObservedRow, error) {
	ds, err := monitor.Latest(ctx, st, asOf, monitor.DefaultParams)
	if err != nil {
		return nil, fmt.Errorf("comparing monitors' headcounts: %w", err)
	}
	out := []ObservedRow{}
	small := func(p *int) bool { return p != nil && *p > 0 && *p <= threshold }
	for _, d := range ds {
		if d.Category != "total" {
			continue
		}
		r := ObservedRow{Facility: d.Facility, Name: names[d.Facility], Date: d.Date, ObservedSource: "monitoring visit " + d.Visit,
			Difference: d.Difference, Pct: d.Pct, Flagged: d.Flagged}
		obs := d.Observed
		r.Observed, r.Official = &obs, d.Official
		switch d.Basis {
		case "register":
			r.OfficialSource = "habeas register (people held at the end of the day)"
		case "census":
			r.OfficialSource = "census count recorded for the day"
		default:
			r.OfficialSource = "none for the day"
		}
		if small(r.Observed) || small(r.Official) {
			r.Observed, r.Official, r.Difference, r.Pct, r.Flagged = nil, nil, nil, nil, false
			if !small(&obs) {
				r.Observed = &obs
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func (r *Report) observedTable() [][]string {
	t := [][]string{{"facility_id", "facility", "date", "observed", "observed_source", "official", "official_source", "difference", "pct_of_official", "flagged"},
		{"#loc+code", "#loc+name", "#date", "#population+observed+num", "#meta+source+observed", "#population+official+num", "#meta+source+official",
			"#population+difference+num", "#population+difference+pct", "#status+flagged"}}
	opt := func(p *int) string {
		if p == nil {
			return "*"
		}
		return strconv.Itoa(*p)
	}
	for _, o := range r.Observed {
		pct := ""
		if o.Pct != nil {
			pct = num(*o.Pct)
		}
		t = append(t, []string{o.Facility, o.Name, o.Date, opt(o.Observed), o.ObservedSource, opt(o.Official), o.OfficialSource, opt(o.Difference), pct,
			strconv.FormatBool(o.Flagged)})
	}
	return t
}
