package report

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"

	"github.com/habeas-kh/habeas/internal/pledges"
)

// The charts are plain SVG written into the page: no script, no library to
// load, readable when printed, and each carries a text equivalent (title and
// the tables beside it) for screen readers.

// trendChart draws population against capacity by month.
func trendChart(pts []Point) template.HTML {
	if len(pts) < 2 {
		return ""
	}
	const w, h, left, right, top, bottom = 640.0, 240.0, 56.0, 12.0, 12.0, 28.0
	maxV := 0
	for _, p := range pts {
		maxV = max(maxV, p.Population, p.Capacity)
	}
	if maxV == 0 {
		return ""
	}
	step := niceStep(float64(maxV) / 4)
	top5 := math.Ceil(float64(maxV)/step) * step
	x := func(i int) float64 { return left + (w-left-right)*float64(i)/float64(len(pts)-1) }
	y := func(v int) float64 { return top + (h-top-bottom)*(1-float64(v)/top5) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="trend-title"><title id="trend-title">People held and official capacity at the end of each month, %s to %s</title>`,
		w, h, pts[0].Date, pts[len(pts)-1].Date)
	for v := 0.0; v <= top5; v += step {
		fmt.Fprintf(&b, `<line class="grid" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/><text class="axis" x="%.1f" y="%.1f" text-anchor="end">%s</text>`,
			left, w-right, y(int(v)), y(int(v)), left-4, y(int(v))+4, fmtInt(int(v)))
	}
	for i, p := range pts {
		if strings.HasSuffix(p.Date, "-12-31") || i == 0 {
			fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x(i), h-8, p.Date[:4])
		}
	}
	line := func(class string, v func(Point) int) {
		var d strings.Builder
		for i, p := range pts {
			cmd := "L"
			if i == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%.1f %.1f", cmd, x(i), y(v(p)))
		}
		fmt.Fprintf(&b, `<path class="%s" d="%s"/>`, class, d.String())
	}
	line("capacity", func(p Point) int { return p.Capacity })
	line("population", func(p Point) int { return p.Population })
	last := pts[len(pts)-1]
	fmt.Fprintf(&b, `<text class="label population-label" x="%.1f" y="%.1f" text-anchor="end">%s held</text>`, x(len(pts)-1), y(last.Population)-6, fmtInt(last.Population))
	fmt.Fprintf(&b, `<text class="label capacity-label" x="%.1f" y="%.1f" text-anchor="end">capacity %s</text>`, x(len(pts)-1), y(last.Capacity)+14, fmtInt(last.Capacity))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// occupancyChart draws each facility's occupancy as a bar, with the 100%
// line; facilities whose population is not published are left out.
func occupancyChart(fs []FacilityRow) template.HTML {
	var rows []FacilityRow
	maxV := 100.0
	for _, f := range fs {
		if f.OccupancyPct != nil {
			rows = append(rows, f)
			maxV = max(maxV, *f.OccupancyPct)
		}
	}
	if len(rows) == 0 {
		return ""
	}
	const w, left, right, barH, gap = 640.0, 190.0, 48.0, 14.0, 4.0
	h := float64(len(rows))*(barH+gap) + 24
	x := func(v float64) float64 { return left + (w-left-right)*v/maxV }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="occ-title"><title id="occ-title">Occupancy of each facility: people held as a percentage of official capacity</title>`, w, h)
	for i, f := range rows {
		yy := float64(i)*(barH+gap) + 4
		class := "bar"
		if *f.OccupancyPct > 100 {
			class = "bar over"
		}
		fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%.1f" text-anchor="end">%s</text><rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/><text class="axis" x="%.1f" y="%.1f">%.0f%%</text>`,
			left-4, yy+barH-3, html.EscapeString(f.Name), class, left, yy, x(*f.OccupancyPct)-left, barH, x(*f.OccupancyPct)+3, yy+barH-3, *f.OccupancyPct)
	}
	fmt.Fprintf(&b, `<line class="full" x1="%.1f" x2="%.1f" y1="0" y2="%.1f"/><text class="axis" x="%.1f" y="%.1f" text-anchor="middle">100%%</text></svg>`,
		x(100), x(100), h-16, x(100), h-4)
	return template.HTML(b.String())
}

// mechanismChart draws releases by mechanism.
func mechanismChart(cs []pledges.Count) template.HTML {
	if len(cs) == 0 {
		return ""
	}
	maxV := 0
	for _, c := range cs {
		maxV = max(maxV, c.Count)
	}
	const w, left, right, barH, gap = 640.0, 190.0, 60.0, 16.0, 5.0
	h := float64(len(cs))*(barH+gap) + 4
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="mech-title"><title id="mech-title">Releases by legal mechanism</title>`, w, h)
	for i, c := range cs {
		yy := float64(i)*(barH+gap) + 2
		bw := (w - left - right) * float64(c.Count) / float64(maxV)
		fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%.1f" text-anchor="end">%s</text><rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/><text class="axis" x="%.1f" y="%.1f">%s</text>`,
			left-4, yy+barH-4, html.EscapeString(MechanismLabel(c.Key)), left, yy, bw, barH, left+bw+3, yy+barH-4, fmtInt(c.Count))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// pledgeBar draws progress toward a target.
func pledgeBar(p pledges.Progress) template.HTML {
	const w, h = 400.0, 18.0
	frac := math.Min(1, float64(p.Achieved)/float64(max(p.Target, 1)))
	return template.HTML(fmt.Sprintf(`<svg class="progress" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s of %s (%.1f%%)"><rect class="track" x="0" y="0" width="%.0f" height="%.0f"/><rect class="done" x="0" y="0" width="%.1f" height="%.0f"/></svg>`,
		w, h, fmtInt(p.Achieved), fmtInt(p.Target), p.Pct, w, h, w*frac, h))
}

// niceStep rounds a step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}
