// Package i18n formats numbers and dates for the two languages of habeas,
// English and Khmer: the one place the web pages, the printable report and
// the rule packs' Khmer reasons take them from, so that a figure reads the
// same wherever it is shown.
package i18n

import (
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"github.com/habeas-kh/habeas/internal/domain"
)

// Lang is a language of the interface.
type Lang string

const (
	English Lang = "en"
	Khmer   Lang = "km"
)

// Langs are the languages, English first (the default).
var Langs = []Lang{English, Khmer}

// Parse returns the language of a code ("en", "km"), and false for any other.
func Parse(s string) (Lang, bool) {
	switch Lang(s) {
	case English, Khmer:
		return Lang(s), true
	}
	return English, false
}

// printers are read only: a message.Printer is safe for concurrent use.
var printers = map[Lang]*message.Printer{English: message.NewPrinter(language.English), Khmer: message.NewPrinter(language.Khmer)}

func (l Lang) printer() *message.Printer {
	if p, ok := printers[l]; ok {
		return p
	}
	return printers[English]
}

// Num formats an integer with the language's grouping (CLDR: 38,990 and
// ៣៨.៩៩០): Khmer text writes the digits in Khmer numerals.
func (l Lang) Num(n int) string { return l.Digits(l.printer().Sprintf("%d", n)) }

// Digits writes the digits of s in the language's numerals.
func (l Lang) Digits(s string) string {
	if l == Khmer {
		return KhmerDigits(s)
	}
	return s
}

// Dec formats a number with one decimal.
func (l Lang) Dec(f float64) string {
	return l.Digits(l.printer().Sprint(number.Decimal(f, number.MaxFractionDigits(1), number.MinFractionDigits(1))))
}

// Pct formats a percentage given as 0-100 (or more, for occupancy).
func (l Lang) Pct(f float64) string { return l.Dec(f) + "%" }

var (
	monthsEn = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	monthsKm = [...]string{"មករា", "កុម្ភៈ", "មីនា", "មេសា", "ឧសភា", "មិថុនា", "កក្កដា", "សីហា", "កញ្ញា", "តុលា", "វិច្ឆិកា", "ធ្នូ"}
)

// Month is the name of a month (1-12).
func (l Lang) Month(m int) string {
	if l == Khmer {
		return monthsKm[m-1]
	}
	return monthsEn[m-1]
}

// MonthYear is "March 2020", "មីនា ២០២០".
func (l Lang) MonthYear(month, year int) string {
	return l.Month(month) + " " + l.Digits(strconv.Itoa(year))
}

// Date formats a date in words: "31 December 2020", "៣១ ធ្នូ ២០២០".
func (l Lang) Date(d domain.Date) string {
	if d == domain.NoDate {
		return "—"
	}
	return l.Digits(strconv.Itoa(d.Day())) + " " + l.Month(d.Month()) + " " + l.Digits(strconv.Itoa(d.Year()))
}

// isoDate finds the dates the services write (2020-03-31), with a time
// when there is one (2020-03-31T10:00); decimal finds a number with a
// decimal point, as strconv writes it (66.7).
var (
	isoDate = regexp.MustCompile(`\b(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z)?)?`)
	decimal = regexp.MustCompile(`\b\d+\.\d+\b`)
)

// Text puts the dates and digits of a text the code wrote (a rule's
// computed value, a date of the register) in the language's form: in Khmer,
// an ISO date becomes words and every digit a Khmer numeral, so that no
// Latin digit stands beside Khmer ones.
func (l Lang) Text(s string) string {
	if l != Khmer {
		return s
	}
	s = isoDate.ReplaceAllStringFunc(s, func(m string) string {
		sub := isoDate.FindStringSubmatch(m)
		d, err := domain.ParseDate(sub[1])
		if err != nil {
			return m
		}
		if sub[2] != "" && sub[3] != "" {
			return l.Date(d) + " ម៉ោង " + sub[2] + " UTC"
		}
		if sub[2] != "" {
			return l.Date(d) + " ម៉ោង " + sub[2]
		}
		return l.Date(d)
	})
	s = decimal.ReplaceAllStringFunc(s, func(m string) string {
		f, err := strconv.ParseFloat(m, 64)
		if err != nil {
			return m
		}
		return l.Dec(f)
	})
	return KhmerDigits(s)
}

// KhmerDigits writes the digits of s in Khmer numerals, as Khmer dates are.
func KhmerDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '០' + (r - '0')
		}
		return r
	}, s)
}
