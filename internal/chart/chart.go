// Package chart draws the charts of the public pages and the printable
// report: plain SVG written on the server, no script, readable when printed
// and without styles. One package serves both, so the dashboard and the
// report cannot disagree on a scale or a label.
//
// A chart is laid out first (Layout, Bars.Layout: positions and texts,
// which the tests read) and then written as SVG. Text is given in the
// language of the page by the caller; numbers are formatted by the caller
// too (Khmer digits on Khmer pages).
package chart

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/habeas-kh/habeas/internal/domain"
)

func esc(s string) string { return template.HTMLEscapeString(s) }

// NiceStep rounds a step up to 1, 2 or 5 times a power of ten: ticks at
// multiples of it are numbers a reader can read off the axis.
func NiceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		// A little tolerance: 2000/4 is 500 even in floating point.
		if m*p >= raw*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// Ticks are round values from 0 to the first multiple of a 1-2-5 step at
// or above maxV, with at most about n intervals (n >= 1).
func Ticks(maxV float64, n int) []float64 {
	if n < 1 {
		n = 1
	}
	if maxV <= 0 {
		return []float64{0, 1}
	}
	step := NiceStep(maxV / float64(n))
	top := math.Ceil(maxV/step-1e-9) * step
	var ts []float64
	for k := 0; ; k++ {
		v := float64(k) * step
		ts = append(ts, v)
		if v >= top-step*1e-9 {
			break
		}
	}
	return ts
}

// Series is one line of a line chart: a value per point.
type Series struct {
	Name   string // in the legend
	Class  string // "pop", "cap": the stroke, styled by the page
	Values []float64
}

// Lines is a line chart over dated points (month ends).
type Lines struct {
	Title  string
	Dates  []domain.Date
	Series []Series
	// FmtY writes a value (tick labels, the peak); FmtYear a year (the
	// axis labels), both in the page's digits.
	FmtY    func(float64) string
	FmtYear func(int) string
	// Peak, when set, labels the highest point of the first series with
	// this text (e.g. "38,990 · March 2020"), at that point.
	Peak func(d domain.Date, v float64) string
}

// Text is a text placed on a chart.
type Text struct {
	X, Y float64
	S    string
}

// LinesLayout is where a line chart puts things, in its viewBox units.
type LinesLayout struct {
	W, H      float64
	Ticks     []float64 // values of the y-axis ticks
	TickY     []float64 // and their y
	PointX    []float64 // x of each date
	Years     []Text    // year labels, on the January points
	Peak      *Text     // the peak's label, when asked
	PeakIndex int
	y         func(float64) float64
}

const (
	lineW, lineH                                  = 640.0, 280.0
	lineLeft, lineRight, lineTop, lineBottomSpace = 64.0, 16.0, 24.0, 52.0
)

// Layout places the chart's axes and labels.
func (c Lines) Layout() LinesLayout {
	maxV := 0.0
	for _, s := range c.Series {
		for _, v := range s.Values {
			maxV = math.Max(maxV, v)
		}
	}
	ticks := Ticks(maxV, 5)
	top := ticks[len(ticks)-1]
	pw, ph := lineW-lineLeft-lineRight, lineH-lineTop-lineBottomSpace
	n := len(c.Dates)
	L := LinesLayout{W: lineW, H: lineH, Ticks: ticks, PeakIndex: -1}
	L.y = func(v float64) float64 { return lineTop + ph*(1-v/top) }
	for i := range n {
		x := lineLeft + pw/2
		if n > 1 {
			x = lineLeft + pw*float64(i)/float64(n-1)
		}
		L.PointX = append(L.PointX, x)
	}
	for _, t := range ticks {
		L.TickY = append(L.TickY, L.y(t))
	}
	fy := c.FmtYear
	if fy == nil {
		fy = func(y int) string { return fmt.Sprint(y) }
	}
	for i, d := range c.Dates {
		// A year's label sits on its January point, where the year begins;
		// a chart that starts later in a year names that year at its first
		// point only when the next January is far enough not to collide.
		first := i == 0 && d.Month() != 1 && (n <= 1 || d.Month() <= 9)
		if d.Month() == 1 || first {
			L.Years = append(L.Years, Text{L.PointX[i], lineH - lineBottomSpace + 18, fy(d.Year())})
		}
	}
	if c.Peak != nil && len(c.Series) > 0 && len(c.Series[0].Values) > 0 {
		vs := c.Series[0].Values
		pi := 0
		for i, v := range vs {
			if v > vs[pi] {
				pi = i
			}
		}
		L.PeakIndex = pi
		L.Peak = &Text{L.PointX[pi], L.y(vs[pi]) - 8, c.Peak(c.Dates[pi], vs[pi])}
	}
	return L
}

// SVG writes the chart.
func (c Lines) SVG() template.HTML {
	if len(c.Dates) == 0 {
		return ""
	}
	L := c.Layout()
	fmtY := c.FmtY
	if fmtY == nil {
		fmtY = func(f float64) string { return fmt.Sprint(f) }
	}
	var b strings.Builder
	lineFrame(&b, "lines", c.Title, L.W, L.H, L.Ticks, L.TickY, fmtY)
	base := L.H - lineBottomSpace
	for _, yl := range L.Years {
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" class="grid"/>`, yl.X, yl.X, base, base+5)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="%s" class="axis year">%s</text>`, yl.X, yl.Y, anchorAt(yl.X, L.W), esc(yl.S))
	}
	for si, s := range c.Series {
		var pts []string
		for i, v := range s.Values {
			if i < len(L.PointX) {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", L.PointX[i], L.y(v)))
			}
		}
		fmt.Fprintf(&b, `<polyline points="%s" class="line %s"/>`, strings.Join(pts, " "), esc(s.Class))
		if k := len(s.Values) - 1; k >= 0 && k < len(L.PointX) {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" class="dot %s"><title>%s</title></circle>`, L.PointX[k], L.y(s.Values[k]), esc(s.Class), esc(fmtY(s.Values[k])))
		}
		lx := lineLeft + float64(si)*220
		fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.0f" y2="%.0f" class="line %s"/>`, lx, lx+24, L.H-12, L.H-12, esc(s.Class))
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" class="lbl">%s</text>`, lx+30, L.H-8, esc(s.Name))
	}
	if p := L.Peak; p != nil {
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" class="dot peak"/>`, p.X, p.Y+8)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="%s" class="lbl peak">%s</text>`, p.X, p.Y, anchorAt(p.X, L.W), esc(p.S))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// anchorAt keeps a label near an edge inside the chart: it grows away from
// the edge rather than past it.
func anchorAt(x, w float64) string {
	switch {
	case x < w*0.15:
		return "start"
	case x > w*0.85:
		return "end"
	}
	return "middle"
}

// Bar is one bar of a bar chart.
type Bar struct {
	Label string
	Value float64
	Text  string // the value as shown
	Class string // extra class ("over": above the reference line)
	// Lang marks a label in another language than the page's: a name that
	// is data, with no translation yet (a facility's, on a Khmer page).
	Lang string
}

// Bars is a horizontal bar chart, with an optional reference line (100%
// occupancy) at Ref.
type Bars struct {
	Title    string
	Bars     []Bar
	Ref      float64
	RefLabel string
}

// Label room: long names (facility names run to 40 characters) wrap on two
// lines and, if still too long, are shortened with an ellipsis, the whole
// name kept in a title a pointer or screen reader shows. Never clipped.
const (
	barW, barLabelW, barValueW = 640.0, 230.0, 64.0
	barLine                    = 14.0 // a label line's height
	charW                      = 6.6  // an average character at 12px
)

// LabelChars is how many characters fit on a line of a bar label.
const LabelChars = 33 // (barLabelW - 8) / charW

// BarRow is where one bar goes.
type BarRow struct {
	Y, H     float64 // the row
	Lines    []string
	Short    bool // the label was shortened: the full one is in a title
	BarWidth float64
}

// BarsLayout is where a bar chart puts things.
type BarsLayout struct {
	W, H  float64
	Rows  []BarRow
	RefX  float64
	scale func(float64) float64
}

// Layout places the bars and wraps their labels.
func (c Bars) Layout() BarsLayout {
	maxV := c.Ref
	for _, b := range c.Bars {
		maxV = math.Max(maxV, b.Value)
	}
	if maxV <= 0 {
		maxV = 1
	}
	plotW := barW - barLabelW - barValueW
	L := BarsLayout{W: barW}
	L.scale = func(v float64) float64 { return plotW * v / maxV }
	y := 6.0
	for _, b := range c.Bars {
		lines, short := Wrap(b.Label, LabelChars, 2)
		h := 22.0
		if len(lines) > 1 {
			h = 8 + barLine*float64(len(lines))
		}
		L.Rows = append(L.Rows, BarRow{Y: y, H: h, Lines: lines, Short: short, BarWidth: L.scale(math.Max(0, b.Value))})
		y += h
	}
	L.H = y + 24
	if c.Ref > 0 {
		L.RefX = barLabelW + L.scale(c.Ref)
	}
	return L
}

// SVG writes the chart.
func (c Bars) SVG() template.HTML {
	if len(c.Bars) == 0 {
		return ""
	}
	L := c.Layout()
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart bars" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg"><title>%s</title>`,
		L.W, L.H, esc(c.Title), esc(c.Title))
	if c.Ref > 0 {
		// Drawn first, behind the bars and their values.
		fmt.Fprintf(&sb, `<line x1="%.1f" x2="%.1f" y1="4" y2="%.1f" class="ref"/>`, L.RefX, L.RefX, L.H-20)
	}
	for i, b := range c.Bars {
		r := L.Rows[i]
		ty := r.Y + r.H/2 - barLine*float64(len(r.Lines)-1)/2 + 4
		lang := ""
		if b.Lang != "" {
			lang = ` lang="` + esc(b.Lang) + `"`
		}
		fmt.Fprintf(&sb, `<text x="%.0f" y="%.1f" text-anchor="end" class="lbl"%s>`, barLabelW-6, ty, lang)
		if r.Short {
			fmt.Fprintf(&sb, `<title>%s</title>`, esc(b.Label))
		}
		for k, line := range r.Lines {
			dy := 0.0
			if k > 0 {
				dy = barLine
			}
			fmt.Fprintf(&sb, `<tspan x="%.0f" dy="%.0f">%s</tspan>`, barLabelW-6, dy, esc(line))
		}
		sb.WriteString(`</text>`)
		class := "bar"
		if b.Class != "" {
			class += " " + b.Class
		}
		fmt.Fprintf(&sb, `<rect x="%.0f" y="%.1f" width="%.1f" height="%.1f" class="%s"/>`, barLabelW, r.Y+r.H/2-8, r.BarWidth, 16.0, esc(class))
		fmt.Fprintf(&sb, `<text x="%.1f" y="%.1f" class="val">%s</text>`, barLabelW+r.BarWidth+4, r.Y+r.H/2+4, esc(b.Text))
	}
	if c.Ref > 0 {
		fmt.Fprintf(&sb, `<text x="%.1f" y="%.1f" text-anchor="middle" class="lbl">%s</text>`, L.RefX, L.H-6, esc(c.RefLabel))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

// Wrap breaks s into at most maxLines lines of at most width characters,
// at spaces; a word longer than a line is cut. When s does not fit, the
// last line ends with "…" and short is true.
func Wrap(s string, width, maxLines int) (lines []string, short bool) {
	if width < 2 {
		width = 2
	}
	cur := ""
	for _, w := range strings.Fields(s) {
		for utf8.RuneCountInString(w) > width {
			// A single word longer than a line: cut it.
			rs := []rune(w)
			if cur != "" {
				lines, cur = append(lines, cur), ""
			}
			lines = append(lines, string(rs[:width]))
			w = string(rs[width:])
		}
		switch {
		case cur == "":
			cur = w
		case utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(w) <= width:
			cur += " " + w
		default:
			lines, cur = append(lines, cur), w
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	if len(lines) > maxLines {
		return ellipsis(lines[:maxLines], width), true
	}
	return lines, false
}

// ellipsis ends the last line with "…", within width.
func ellipsis(lines []string, width int) []string {
	last := []rune(lines[len(lines)-1])
	if len(last) >= width {
		last = last[:width-1]
	}
	lines[len(lines)-1] = strings.TrimRight(string(last), " ,;") + "…"
	return lines
}

// Progress draws progress toward a target, capped at the end of the bar
// when the target is passed; label says it in words.
func Progress(achieved, target int, label string) template.HTML {
	const w, h = 400.0, 16.0
	frac := math.Min(1, float64(achieved)/float64(max(target, 1)))
	frac = math.Max(0, frac)
	return template.HTML(fmt.Sprintf(`<svg class="progress" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg"><title>%s</title><rect class="track" x="0" y="0" width="%.0f" height="%.0f"/><rect class="done" x="0" y="0" width="%.1f" height="%.0f"/></svg>`,
		w, h, esc(label), esc(label), w, h, w*frac, h))
}

// Band is one scenario of a fan chart: its median line over the shaded
// band from Low to High (the 90% interval of the runs), a value per day.
type Band struct {
	Name              string // in the legend
	Class             string // "base", "plan": the colours, styled by the page
	Median, Low, High []float64
}

// Fan is a fan chart over the days of a model run: one or more bands, the
// x axis in days from day 0 (the run's date).
type Fan struct {
	Title string
	Days  []int // the day of each value, ascending, all above 0
	Bands []Band
	// FmtY writes a value, FmtDay a day's tick label, both in the page's
	// digits; XLabel names the x axis ("days").
	FmtY   func(float64) string
	FmtDay func(int) string
	XLabel string
}

// FanLayout is where a fan chart puts things, in its viewBox units.
type FanLayout struct {
	W, H     float64
	Ticks    []float64 // values of the y-axis ticks
	TickY    []float64
	DayTicks []float64 // days of the x-axis ticks
	DayX     []float64 // and their x
	PointX   []float64 // x of each of Days
	x, y     func(float64) float64
}

// Y is the y of a value, X the x of a day.
func (L FanLayout) Y(v float64) float64   { return L.y(v) }
func (L FanLayout) X(day float64) float64 { return L.x(day) }

// Layout places the fan chart's axes: y from 0 to a round value at or
// above every band's top, x from day 0 to the last day, with round days
// as ticks.
func (c Fan) Layout() FanLayout {
	maxV := 0.0
	for _, b := range c.Bands {
		for _, vs := range [][]float64{b.Median, b.High} {
			for _, v := range vs {
				maxV = math.Max(maxV, v)
			}
		}
	}
	ticks := Ticks(maxV, 5)
	top := ticks[len(ticks)-1]
	pw, ph := lineW-lineLeft-lineRight, lineH-lineTop-lineBottomSpace
	last := 1.0
	if n := len(c.Days); n > 0 {
		last = math.Max(float64(c.Days[n-1]), 1)
	}
	L := FanLayout{W: lineW, H: lineH, Ticks: ticks}
	L.y = func(v float64) float64 { return lineTop + ph*(1-v/top) }
	L.x = func(d float64) float64 { return lineLeft + pw*d/last }
	for _, t := range ticks {
		L.TickY = append(L.TickY, L.y(t))
	}
	for _, d := range Ticks(last, 6) {
		if d <= last+1e-9 {
			L.DayTicks = append(L.DayTicks, d)
			L.DayX = append(L.DayX, L.x(d))
		}
	}
	for _, d := range c.Days {
		L.PointX = append(L.PointX, L.x(float64(d)))
	}
	return L
}

// SVG writes the fan chart: grid and ticks, each band as a shaded polygon
// with its median line on top, and a legend under the axis.
func (c Fan) SVG() template.HTML {
	if len(c.Days) == 0 || len(c.Bands) == 0 {
		return ""
	}
	L := c.Layout()
	fmtY := c.FmtY
	if fmtY == nil {
		fmtY = func(f float64) string { return fmt.Sprint(f) }
	}
	fmtDay := c.FmtDay
	if fmtDay == nil {
		fmtDay = func(d int) string { return fmt.Sprint(d) }
	}
	var b strings.Builder
	lineFrame(&b, "fan", c.Title, L.W, L.H, L.Ticks, L.TickY, fmtY)
	base := L.H - lineBottomSpace
	for i, d := range L.DayTicks {
		x := L.DayX[i]
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" class="grid"/>`, x, x, base, base+5)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="%s" class="axis day">%s</text>`, x, base+18, anchorAt(x, L.W), esc(fmtDay(int(d))))
	}
	if c.XLabel != "" {
		// Left of the first day tick: "day 0 50 100 …", never on a line.
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" text-anchor="end" class="axis">%s</text>`, lineLeft-6, base+18, esc(c.XLabel))
	}
	for _, bd := range c.Bands {
		var pts []string
		for i := range L.PointX {
			if i < len(bd.High) {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", L.PointX[i], L.y(bd.High[i])))
			}
		}
		for i := len(L.PointX) - 1; i >= 0; i-- {
			if i < len(bd.Low) {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", L.PointX[i], L.y(bd.Low[i])))
			}
		}
		fmt.Fprintf(&b, `<polygon points="%s" class="band %s"/>`, strings.Join(pts, " "), esc(bd.Class))
	}
	for si, bd := range c.Bands {
		var pts []string
		for i, v := range bd.Median {
			if i < len(L.PointX) {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", L.PointX[i], L.y(v)))
			}
		}
		fmt.Fprintf(&b, `<polyline points="%s" class="line %s"/>`, strings.Join(pts, " "), esc(bd.Class))
		lx := lineLeft + float64(si)*260
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="24" height="10" class="band %s"/>`, lx, L.H-17, esc(bd.Class))
		fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.0f" y2="%.0f" class="line %s"/>`, lx, lx+24, L.H-12, L.H-12, esc(bd.Class))
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" class="lbl">%s</text>`, lx+30, L.H-8, esc(bd.Name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// lineFrame opens the SVG of a chart drawn over time (class lines or fan)
// and draws its value axis: a grid line and a label at each tick.
func lineFrame(b *strings.Builder, class, title string, w, h float64, ticks, tickY []float64, fmtY func(float64) string) {
	fmt.Fprintf(b, `<svg class="chart %s" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg"><title>%s</title>`,
		class, w, h, esc(title), esc(title))
	for i, t := range ticks {
		fmt.Fprintf(b, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" class="grid"/>`, lineLeft, w-lineRight, tickY[i], tickY[i])
		fmt.Fprintf(b, `<text x="%.0f" y="%.1f" text-anchor="end" class="axis tick">%s</text>`, lineLeft-6, tickY[i]+4, esc(fmtY(t)))
	}
}
