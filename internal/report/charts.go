package report

import (
	"fmt"
	"html/template"
	"strconv"

	"github.com/habeas-kh/habeas/internal/chart"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/i18n"
	"github.com/habeas-kh/habeas/internal/pledges"
)

// The charts are internal/chart's, drawn the same on the dashboard and in
// the printable report; each carries a text equivalent (its title and the
// tables beside it) for screen readers.

// TrendChart draws the people held against the official capacity at the
// end of each month, the highest month labelled where it is. The texts and
// the formats of numbers and years are the page's.
func TrendChart(pts []Point, title, population, capacity string, fmtY func(float64) string, fmtYear func(int) string,
	peak func(domain.Date, float64) string) template.HTML {
	if len(pts) < 2 {
		return ""
	}
	c := chart.Lines{Title: title, FmtY: fmtY, FmtYear: fmtYear, Peak: peak,
		Series: []chart.Series{{Name: population, Class: "pop"}, {Name: capacity, Class: "cap"}}}
	for _, p := range pts {
		d, err := domain.ParseDate(p.Date)
		if err != nil {
			return "" // the report writes its own dates: not reached
		}
		c.Dates = append(c.Dates, d)
		c.Series[0].Values = append(c.Series[0].Values, float64(p.Population))
		c.Series[1].Values = append(c.Series[1].Values, float64(p.Capacity))
	}
	return c.SVG()
}

// trendChart is the report's trend in a language.
func trendChart(l i18n.Lang, pts []Point) template.HTML {
	if len(pts) == 0 {
		return ""
	}
	return TrendChart(pts, text(l, "report.trend_title", pts[0].Date, pts[len(pts)-1].Date),
		l.T("report.people_held"), l.T("report.official_capacity"),
		func(f float64) string { return l.Num(int(f + 0.5)) }, func(y int) string { return l.Digits(strconv.Itoa(y)) },
		func(d domain.Date, f float64) string {
			return l.Num(int(f+0.5)) + " · " + l.MonthYear(d.Month(), d.Year())
		})
}

// occupancyChart draws each facility's occupancy as a bar, with the 100%
// line; facilities whose population is not published are left out.
func occupancyChart(l i18n.Lang, fs []FacilityRow) template.HTML {
	var bars []chart.Bar
	for _, f := range fs {
		if f.OccupancyPct != nil {
			b := chart.Bar{Label: f.Name, Value: *f.OccupancyPct, Text: l.Pct(*f.OccupancyPct)}
			if l != i18n.English {
				b.Lang = string(i18n.English) // a facility's name is data, in English
			}
			if *f.OccupancyPct > 100 {
				b.Class = "over"
			}
			bars = append(bars, b)
		}
	}
	return chart.Bars{Title: l.T("report.occupancy_title"), Bars: bars, Ref: 100, RefLabel: l.Digits("100") + "%"}.SVG()
}

// mechanismChart draws releases by mechanism.
func mechanismChart(l i18n.Lang, cs []pledges.Count) template.HTML {
	var bars []chart.Bar
	for _, c := range cs {
		bars = append(bars, chart.Bar{Label: mechLabel(l, c.Key), Value: float64(c.Count), Text: l.Num(c.Count)})
	}
	return chart.Bars{Title: l.T("report.releases_title"), Bars: bars}.SVG()
}

// pledgeBar draws progress toward a target.
func pledgeBar(l i18n.Lang, p pledges.Progress) template.HTML {
	return chart.Progress(p.Achieved, p.Target, fmt.Sprintf(l.T("pledges.bar"), l.Num(p.Achieved), l.Num(p.Target), l.Pct(p.Pct)))
}
