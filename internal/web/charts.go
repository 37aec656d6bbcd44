package web

import (
	"fmt"
	"html/template"

	"github.com/habeas-kh/habeas/internal/chart"
	"github.com/habeas-kh/habeas/internal/pledges"
)

// The charts are internal/chart's, the printable report's too: the pages
// give them their texts in the page's language.

// pledgeBar draws progress toward a pledge's target (capped at the end of
// the bar when the target is passed).
func pledgeBar(p *page, pr pledges.Progress) template.HTML {
	label := fmt.Sprintf(p.Lang.T("pledges.bar"), p.Lang.Num(pr.Achieved), p.Lang.Num(pr.Target), p.Lang.Pct(pr.Pct))
	return chart.Progress(pr.Achieved, pr.Target, label)
}

// MonthYear is a month in words: "March 2020", "មីនា ២០២០".
func (l Lang) MonthYear(month, year int) string { return l.fmt().MonthYear(month, year) }
