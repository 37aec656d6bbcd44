package chart_test

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/chart"
	"github.com/habeas-kh/habeas/internal/domain"
)

// Ticks are 0 and multiples of 1, 2 or 5 times a power of ten, up to the
// first at or above the largest value: the values are worked out by hand.
func TestTicks(t *testing.T) {
	for _, c := range []struct {
		max  float64
		n    int
		want []float64
	}{
		// The national peak (38,990 people, March 2020): the dashboard
		// showed 10,722 / 21,445 / 32,167 / 42,889.
		{38990, 5, []float64{0, 10000, 20000, 30000, 40000}},
		{38990, 4, []float64{0, 10000, 20000, 30000, 40000}},
		{26593, 5, []float64{0, 10000, 20000, 30000}},
		{142.3, 5, []float64{0, 50, 100, 150}},
		{100, 5, []float64{0, 20, 40, 60, 80, 100}},
		{7, 5, []float64{0, 2, 4, 6, 8}},
		{1, 5, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{0, 5, []float64{0, 1}},
	} {
		got := chart.Ticks(c.max, c.n)
		if len(got) != len(c.want) {
			t.Errorf("Ticks(%v, %d) = %v, want %v", c.max, c.n, got, c.want)
			continue
		}
		for i := range got {
			if math.Abs(got[i]-c.want[i]) > 1e-9 {
				t.Errorf("Ticks(%v, %d) = %v, want %v", c.max, c.n, got, c.want)
				break
			}
		}
	}
	for _, raw := range []float64{0.03, 1, 7798, 9999, 10000, 10001, 123456} {
		s := chart.NiceStep(raw)
		m := s / math.Pow(10, math.Floor(math.Log10(s)+1e-12))
		if s < raw || (math.Abs(m-1) > 1e-9 && math.Abs(m-2) > 1e-9 && math.Abs(m-5) > 1e-9) {
			t.Errorf("NiceStep(%v) = %v: not a 1-2-5 step at or above it", raw, s)
		}
	}
}

// monthEnds are the month ends from January of one year to a date.
func monthEnds(from, to string) []domain.Date {
	var ds []domain.Date
	for m := domain.MustDate(from); m <= domain.MustDate(to); m = m.AddMonths(1) {
		ds = append(ds, m.AddMonths(1).AddDays(-1))
	}
	return ds
}

// The trend's years sit on their January points, once each, and the peak
// month's label sits on the peak: March 2020 falls after the 2020 label and
// before 2021's, not under 2019.
func TestYearsAndPeak(t *testing.T) {
	dates := monthEnds("2016-01-01", "2020-12-01")
	vals := make([]float64, len(dates))
	peak := -1
	for i, d := range dates {
		vals[i] = 20000 + float64(i)*300
		if d == domain.MustDate("2020-03-31") {
			vals[i], peak = 38990, i
		}
		if d > domain.MustDate("2020-03-31") {
			vals[i] = 36000
		}
	}
	c := chart.Lines{Title: "trend", Dates: dates, Series: []chart.Series{{Name: "held", Class: "pop", Values: vals}},
		Peak: func(d domain.Date, v float64) string { return fmt.Sprintf("%.0f %d-%02d", v, d.Year(), d.Month()) }}
	L := c.Layout()
	var years []string
	for _, y := range L.Years {
		years = append(years, y.S)
	}
	if got := strings.Join(years, " "); got != "2016 2017 2018 2019 2020" {
		t.Fatalf("year labels %q, want each year once, 2016 to 2020", got)
	}
	for k, y := range L.Years {
		jan := k * 12 // the January of 2016+k is point 12k
		if y.X != L.PointX[jan] || dates[jan].Month() != 1 {
			t.Errorf("label %s at x %.1f, want on its January point (x %.1f)", y.S, y.X, L.PointX[jan])
		}
	}
	if L.PeakIndex != peak || L.Peak == nil || L.Peak.X != L.PointX[peak] || L.Peak.S != "38990 2020-03" {
		t.Fatalf("peak %+v at index %d, want 38990 2020-03 on point %d (x %.1f)", L.Peak, L.PeakIndex, peak, L.PointX[peak])
	}
	// The year labelled on the left of the peak, nearest to it, is 2020.
	var left string
	for _, y := range L.Years {
		if y.X <= L.Peak.X {
			left = y.S
		}
	}
	if left != "2020" {
		t.Errorf("the peak of March 2020 reads as %s", left)
	}
	if want := 40000.0; L.Ticks[len(L.Ticks)-1] != want {
		t.Errorf("top tick %v, want %v", L.Ticks[len(L.Ticks)-1], want)
	}
	svg := string(c.SVG())
	for _, want := range []string{">2020</text>", ">38990 2020-03</text>", ">40000</text>"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the chart has no %s", want)
		}
	}
	if n := strings.Count(svg, ">2016</text>"); n != 1 {
		t.Errorf("2016 appears %d times", n)
	}
}

// A chart starting in a month other than January names its first year only
// when the next January is not right beside it.
func TestFirstYear(t *testing.T) {
	for _, c := range []struct {
		from string
		want string
	}{{"2016-03-01", "2016 2017"}, {"2016-11-01", "2017"}} {
		dates := monthEnds(c.from, "2017-06-01")
		L := chart.Lines{Dates: dates, Series: []chart.Series{{Values: make([]float64, len(dates))}}}.Layout()
		var ys []string
		for _, y := range L.Years {
			ys = append(ys, y.S)
		}
		if got := strings.Join(ys, " "); got != c.want {
			t.Errorf("from %s: years %q, want %q", c.from, got, c.want)
		}
	}
}

// Long facility names wrap, or are shortened with the whole name in a
// title: never cut by the edge of the chart.
func TestLabelsNotClipped(t *testing.T) {
	long := "Correctional Centre 1 (Prey Sar, men) and its annex for people awaiting transfer"
	c := chart.Bars{Title: "occupancy", Bars: []chart.Bar{
		{Label: "Correctional Centre 1 (Prey Sar, men)", Value: 250, Text: "250%"},
		{Label: long, Value: 80, Text: "80%"},
		{Label: "Kandal", Value: 120, Text: "120%"},
	}, Ref: 100, RefLabel: "100%"}
	L := c.Layout()
	for i, r := range L.Rows {
		for _, line := range r.Lines {
			if n := len([]rune(line)); n > chart.LabelChars {
				t.Errorf("row %d: line %q has %d characters, room for %d", i, line, n, chart.LabelChars)
			}
		}
	}
	if got := strings.Join(L.Rows[0].Lines, " "); got != "Correctional Centre 1 (Prey Sar, men)" || L.Rows[0].Short {
		t.Errorf("a name that fits on two lines: %q (short %v)", got, L.Rows[0].Short)
	}
	if !L.Rows[1].Short || !strings.HasSuffix(L.Rows[1].Lines[len(L.Rows[1].Lines)-1], "…") {
		t.Errorf("a name too long for two lines is not marked shortened: %q", L.Rows[1].Lines)
	}
	if len(L.Rows[2].Lines) != 1 || L.Rows[2].Lines[0] != "Kandal" {
		t.Errorf("a short name: %q", L.Rows[2].Lines)
	}
	svg := string(c.SVG())
	if !strings.Contains(svg, "<title>"+long+"</title>") {
		t.Error("the shortened name has no title with the whole name")
	}
	// Every label's text ends at the label column's right edge, inside the
	// viewBox; rows do not overlap.
	for _, m := range regexp.MustCompile(`<tspan x="(-?[0-9.]+)"`).FindAllStringSubmatch(svg, -1) {
		if m[1] == "" || strings.HasPrefix(m[1], "-") {
			t.Errorf("a label starts outside the chart: x=%s", m[1])
		}
	}
	for i := 1; i < len(L.Rows); i++ {
		if L.Rows[i].Y < L.Rows[i-1].Y+L.Rows[i-1].H {
			t.Errorf("row %d overlaps the one before", i)
		}
	}
	// The longest bar and its value stay inside the chart.
	if w := 230 + L.Rows[0].BarWidth; w > L.W-40 {
		t.Errorf("the longest bar ends at %.0f of %.0f: no room for its value", w, L.W)
	}
}

func TestWrap(t *testing.T) {
	for _, c := range []struct {
		s     string
		width int
		want  string
		short bool
	}{
		{"Prey Sar", 10, "Prey Sar", false},
		{"Correctional Centre 1", 12, "Correctional|Centre 1", false},
		{"a b c d e f", 3, "a b|c…", true}, // "c d…" would not fit in 3
		{"Abcdefghij", 4, "Abcd|efg…", true},
	} {
		lines, short := chart.Wrap(c.s, c.width, 2)
		if got := strings.Join(lines, "|"); got != c.want || short != c.short {
			t.Errorf("Wrap(%q, %d) = %q %v, want %q %v", c.s, c.width, got, short, c.want, c.short)
		}
	}
}

// A fan chart's scales, worked out by hand: the y axis from 0 to the round
// value above the highest band top, the x axis from day 0 at the left edge
// of the plot (64) to the last day at its right edge (640 - 16), with ticks
// on round days that do not run past the last day.
func TestFanLayout(t *testing.T) {
	days := []int{30, 60, 90, 120, 150, 180}
	c := chart.Fan{Title: "infected", Days: days, Bands: []chart.Band{
		{Name: "baseline", Class: "base", Median: []float64{10, 800, 300, 50, 5, 0}, Low: []float64{0, 200, 50, 0, 0, 0}, High: []float64{40, 1730, 900, 200, 30, 2}},
		{Name: "plan", Class: "plan", Median: []float64{5, 400, 200, 30, 3, 0}, Low: []float64{0, 100, 20, 0, 0, 0}, High: []float64{20, 900, 600, 100, 10, 1}},
	}}
	L := c.Layout()
	if want := []float64{0, 500, 1000, 1500, 2000}; fmt.Sprint(L.Ticks) != fmt.Sprint(want) {
		t.Errorf("y ticks %v, want %v", L.Ticks, want)
	}
	if want := []float64{0, 50, 100, 150}; fmt.Sprint(L.DayTicks) != fmt.Sprint(want) {
		t.Errorf("day ticks %v, want %v", L.DayTicks, want)
	}
	// The plot is 560 wide and 204 high, from y 24 down to 228.
	for _, c := range []struct{ got, want float64 }{
		{L.X(0), 64}, {L.X(180), 624}, {L.X(90), 344}, {L.PointX[0], 64 + 560.0*30/180},
		{L.Y(0), 228}, {L.Y(2000), 24}, {L.Y(1000), 126},
	} {
		if math.Abs(c.got-c.want) > 1e-9 {
			t.Errorf("got %v, want %v", c.got, c.want)
		}
	}
	svg := string(c.SVG())
	polys := regexp.MustCompile(`<polygon points="([^"]*)" class="band (\w+)"/>`).FindAllStringSubmatch(svg, -1)
	if len(polys) != 2 || polys[0][2] != "base" || polys[1][2] != "plan" {
		t.Fatalf("bands %v", polys)
	}
	// Each band goes out along its top and back along its bottom: 12 points.
	pts := strings.Fields(polys[0][1])
	if len(pts) != 12 || pts[1] != fmt.Sprintf("%.1f,%.1f", L.X(60), L.Y(1730)) || pts[10] != fmt.Sprintf("%.1f,%.1f", L.X(60), L.Y(200)) {
		t.Errorf("baseline band points %v", pts)
	}
	if n := strings.Count(svg, `class="line base"`); n != 2 { // the median and its legend
		t.Errorf("%d baseline lines", n)
	}
	if !strings.Contains(svg, ">baseline</text>") || !strings.Contains(svg, ">plan</text>") {
		t.Error("legend missing")
	}
	// Nothing to draw: no chart.
	if (chart.Fan{}).SVG() != "" {
		t.Error("an empty fan chart drew something")
	}
	// All zero: the axis still runs from 0 to 1.
	z := chart.Fan{Days: []int{1, 2}, Bands: []chart.Band{{Median: []float64{0, 0}, Low: []float64{0, 0}, High: []float64{0, 0}}}}.Layout()
	if fmt.Sprint(z.Ticks) != "[0 1]" {
		t.Errorf("all-zero ticks %v", z.Ticks)
	}
}
