package report

import (
	"html/template"

	"github.com/habeas-kh/habeas/internal/chart"
	"github.com/habeas-kh/habeas/internal/domain"
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

var monthNames = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}

// trendChart is the report's trend, in English.
func trendChart(pts []Point) template.HTML {
	if len(pts) == 0 {
		return ""
	}
	return TrendChart(pts, "People held and official capacity at the end of each month, "+pts[0].Date+" to "+pts[len(pts)-1].Date,
		"People held", "Official capacity",
		func(f float64) string { return count(int(f + 0.5)) }, nil,
		func(d domain.Date, f float64) string {
			return count(int(f+0.5)) + " · " + monthNames[d.Month()-1] + " " + itoa(d.Year())
		})
}

// occupancyChart draws each facility's occupancy as a bar, with the 100%
// line; facilities whose population is not published are left out.
func occupancyChart(fs []FacilityRow) template.HTML {
	var bars []chart.Bar
	for _, f := range fs {
		if f.OccupancyPct != nil {
			b := chart.Bar{Label: f.Name, Value: *f.OccupancyPct, Text: pct1(*f.OccupancyPct)}
			if *f.OccupancyPct > 100 {
				b.Class = "over"
			}
			bars = append(bars, b)
		}
	}
	return chart.Bars{Title: "Occupancy of each facility: people held as a percentage of official capacity", Bars: bars, Ref: 100, RefLabel: "100%"}.SVG()
}

// mechanismChart draws releases by mechanism.
func mechanismChart(cs []pledges.Count) template.HTML {
	var bars []chart.Bar
	for _, c := range cs {
		bars = append(bars, chart.Bar{Label: MechanismLabel(c.Key), Value: float64(c.Count), Text: count(c.Count)})
	}
	return chart.Bars{Title: "Releases by legal mechanism", Bars: bars}.SVG()
}

// pledgeBar draws progress toward a target.
func pledgeBar(p pledges.Progress) template.HTML {
	return chart.Progress(p.Achieved, p.Target, count(p.Achieved)+" of "+count(p.Target)+" ("+pct1(p.Pct)+")")
}
