package web

import (
	"fmt"
	"html/template"
	"net/http"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/report"
)

// facilityView is the public page of one facility: its row of the
// dashboard's facility table, its history and its releases, all of the
// report the dashboard shows for the same date (report.FacilityHistory),
// so that every figure on it is the figure of the table, the CSV and the
// JSON.
type facilityView struct {
	*dashView
	Row *report.FacilityRow
	H   *report.FacilityHistory
	// Chart draws the months from the last hidden count on (a line cannot
	// cross a count that is not published); ChartFrom is its first month.
	Chart     template.HTML
	ChartFrom string
	// Releases are the facility's row of the releases table (nil when the
	// report breaks releases down by no facility, or not this one), with
	// the table's mechanisms.
	Releases  []report.Cell
	RelTotal  report.Cell
	Mechs     []string
	ICRC      float64
	BelowICRC bool
}

func (s *Server) facilityPage(w http.ResponseWriter, r *http.Request) {
	v, ok := s.publicView(w, r)
	if !ok {
		return
	}
	l := langOf(r)
	h, row, ok := v.R.History(r.PathValue("id"))
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, l.T("facility.unknown"))
		return
	}
	fv := facilityView{dashView: v, Row: row, H: h, ICRC: report.ICRCSpaceM2}
	if h.SpacePerPersonM2 != nil {
		fv.BelowICRC = *h.SpacePerPersonM2 < report.ICRCSpaceM2
	}
	rel := v.R.Releases.ByFacility
	for i, id := range rel.Rows {
		if id == row.ID {
			fv.Releases, fv.RelTotal, fv.Mechs = rel.Cells[i], rel.Totals[i], rel.Columns
		}
	}
	// The chart starts after the last hidden month.
	start := 0
	for i, p := range h.Points {
		if p.Population.Value == nil {
			start = i + 1
		}
	}
	var pts []report.Point
	for _, p := range h.Points[start:] {
		pts = append(pts, report.Point{Date: p.Date, Population: *p.Population.Value, Capacity: p.Capacity})
	}
	if len(pts) >= 2 {
		fv.ChartFrom = pts[0].Date
		fv.Chart = report.TrendChart(pts, fmt.Sprintf(l.T("facility.chart"), row.Name), l.T("dash.population"), l.T("dash.capacity"),
			func(f float64) string { return l.Num(int(f + 0.5)) },
			func(y int) string { return l.digits(itoa(y)) },
			func(d domain.Date, f float64) string {
				return l.Num(int(f+0.5)) + " · " + l.MonthYear(d.Month(), d.Year())
			})
	}
	s.render(w, r, http.StatusOK, "facility.html", s.newPage(r, "facility.title", fv))
}

// AsOfQuery is the query that keeps a page's date in a link: none when the
// date is the one the reader gets by default (the last complete month-end
// for the public, the latest day for staff), so that the addresses people
// share and cite carry a date only when they need one.
func (p *page) AsOfQuery(v *dashView) string {
	def := v.Latest.LastMonthEnd()
	if p.User != nil {
		def = v.Latest
	}
	if v.AsOf == def {
		return ""
	}
	return "?as_of=" + v.AsOf.String()
}

// Dash is the dashboard's view the page is of (for AsOfQuery).
func (v facilityView) Dash() *dashView { return v.dashView }
