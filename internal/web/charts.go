package web

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	"github.com/habeas-kh/habeas/internal/pledges"
)

// Charts are SVG written on the server: no script, a few kilobytes, and
// readable without styles. Labels are escaped like any other text.

type bar struct {
	Label string
	Value float64
	Text  string // the value as shown
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// hbars draws horizontal bars, with an optional reference line (100%
// occupancy) at ref.
func hbars(title string, bars []bar, ref float64, refLabel string) template.HTML {
	const w, labelW, rowH, top = 640.0, 220.0, 22.0, 8.0
	maxV := ref
	for _, b := range bars {
		maxV = math.Max(maxV, b.Value)
	}
	if maxV <= 0 {
		maxV = 1
	}
	plotW := w - labelW - 70
	h := top + rowH*float64(len(bars)) + 24
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`, w, h, esc(title))
	fmt.Fprintf(&sb, `<title>%s</title>`, esc(title))
	for i, b := range bars {
		y := top + rowH*float64(i)
		bw := plotW * b.Value / maxV
		fmt.Fprintf(&sb, `<text x="%.0f" y="%.1f" text-anchor="end" class="lbl">%s</text>`, labelW-6, y+14, esc(b.Label))
		fmt.Fprintf(&sb, `<rect x="%.0f" y="%.1f" width="%.1f" height="%.0f" class="bar"/>`, labelW, y+3, bw, rowH-6)
		fmt.Fprintf(&sb, `<text x="%.1f" y="%.1f" class="val">%s</text>`, labelW+bw+4, y+14, esc(b.Text))
	}
	if ref > 0 {
		x := labelW + plotW*ref/maxV
		fmt.Fprintf(&sb, `<line x1="%.1f" x2="%.1f" y1="%.0f" y2="%.1f" class="ref"/>`, x, x, top, h-20)
		fmt.Fprintf(&sb, `<text x="%.1f" y="%.1f" text-anchor="middle" class="lbl">%s</text>`, x, h-6, esc(refLabel))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

type series struct {
	Name   string
	Class  string
	Values []float64
}

// lines draws series over labelled x points.
func lines(title string, xs []string, ss []series, fmtY func(float64) string) template.HTML {
	const w, h, left, right, top, bottom = 640.0, 280.0, 70.0, 20.0, 16.0, 50.0
	maxV := 0.0
	for _, s := range ss {
		for _, v := range s.Values {
			maxV = math.Max(maxV, v)
		}
	}
	if maxV <= 0 {
		maxV = 1
	}
	maxV *= 1.1
	pw, ph := w-left-right, h-top-bottom
	x := func(i int) float64 {
		if len(xs) < 2 {
			return left + pw/2
		}
		return left + pw*float64(i)/float64(len(xs)-1)
	}
	y := func(v float64) float64 { return top + ph*(1-v/maxV) }
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`, w, h, esc(title))
	fmt.Fprintf(&sb, `<title>%s</title>`, esc(title))
	for k := 0; k <= 4; k++ {
		v := maxV * float64(k) / 4
		fmt.Fprintf(&sb, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" class="grid"/>`, left, w-right, y(v), y(v))
		fmt.Fprintf(&sb, `<text x="%.0f" y="%.1f" text-anchor="end" class="lbl">%s</text>`, left-6, y(v)+4, esc(fmtY(v)))
	}
	for i, l := range xs {
		if l == "" {
			continue
		}
		fmt.Fprintf(&sb, `<text x="%.1f" y="%.0f" text-anchor="middle" class="lbl">%s</text>`, x(i), h-bottom+18, esc(l))
	}
	for si, s := range ss {
		var pts []string
		for i, v := range s.Values {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(v)))
		}
		fmt.Fprintf(&sb, `<polyline points="%s" class="line %s"/>`, strings.Join(pts, " "), esc(s.Class))
		for i, v := range s.Values {
			if len(s.Values) > 24 && i != len(s.Values)-1 {
				continue // a dot per month would be noise; the last one is labelled
			}
			fmt.Fprintf(&sb, `<circle cx="%.1f" cy="%.1f" r="3" class="dot %s"><title>%s</title></circle>`, x(i), y(v), esc(s.Class), esc(fmtY(v)))
		}
		lx := left + 10 + float64(si)*200
		fmt.Fprintf(&sb, `<line x1="%.0f" x2="%.0f" y1="%.0f" y2="%.0f" class="line %s"/>`, lx, lx+24, h-12, h-12, esc(s.Class))
		fmt.Fprintf(&sb, `<text x="%.0f" y="%.0f" class="lbl">%s</text>`, lx+30, h-8, esc(s.Name))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

// pledgeBar draws progress toward a pledge's target (capped at the end of
// the bar when the target is passed).
func pledgeBar(p *page, pr pledges.Progress) template.HTML {
	const w, h = 400.0, 16.0
	frac := math.Min(1, float64(pr.Achieved)/float64(max(pr.Target, 1)))
	label := fmt.Sprintf(p.Lang.T("pledges.bar"), p.Lang.Num(pr.Achieved), p.Lang.Num(pr.Target), p.Lang.Pct(pr.Pct))
	return template.HTML(fmt.Sprintf(`<svg class="progress" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg"><title>%s</title><rect class="track" x="0" y="0" width="%.0f" height="%.0f"/><rect class="done" x="0" y="0" width="%.1f" height="%.0f"/></svg>`,
		w, h, esc(label), esc(label), w, h, w*frac, h))
}
