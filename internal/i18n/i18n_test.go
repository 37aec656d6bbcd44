package i18n

import (
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
)

func TestFormats(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{English.Num(38990), "38,990"},
		{Khmer.Num(38990), "៣៨.៩៩០"},
		{Khmer.Pct(98.5), "៩៨,៥%"},
		{English.Pct(98.5), "98.5%"},
		{Khmer.Date(domain.MustDate("2020-12-31")), "៣១ ធ្នូ ២០២០"},
		{English.Date(domain.MustDate("2020-12-31")), "31 December 2020"},
		{Khmer.MonthYear(3, 2020), "មីនា ២០២០"},
		// A text the code wrote: dates in words, decimals with the Khmer
		// separator, every digit a Khmer numeral.
		{Khmer.Text("held 12 days since 2020-03-01, 66.7% served, arrested 2020-02-28T10:30"),
			"held ១២ days since ១ មីនា ២០២០, ៦៦,៧% served, arrested ២៨ កុម្ភៈ ២០២០ ម៉ោង ១០:៣០"},
		{English.Text("since 2020-03-01"), "since 2020-03-01"},
		{Khmer.Text("2026-12-06T09:35:29Z"), "៦ ធ្នូ ២០២៦ ម៉ោង ០៩:៣៥ UTC"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
