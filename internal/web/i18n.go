package web

import (
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/text/language"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/i18n"
)

// Lang is a language of the interface.
type Lang string

const (
	English Lang = "en"
	Khmer   Lang = "km"
)

// langOf picks the language: ?lang=, then the cookie set by /lang/ (what a
// user chose wins, so that a shared office computer shows what its user
// last chose), then the browser's Accept-Language, then English.
func langOf(r *http.Request) Lang {
	v := r.URL.Query().Get("lang")
	if v == "" {
		if c, err := r.Cookie("lang"); err == nil {
			v = c.Value
		}
	}
	if v == "" {
		// No choice made: the browser's languages decide (issue 16, 17).
		tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
		if err == nil && len(tags) > 0 {
			if _, i, c := langMatcher.Match(tags...); c != language.No && i == 1 {
				return Khmer
			}
		}
	}
	if Lang(v) == Khmer {
		return Khmer
	}
	return English
}

// langMatcher matches a browser's languages to the two of the pages, in
// the order of Lang's values (English first: the default).
var langMatcher = language.NewMatcher([]language.Tag{language.English, language.Khmer})

// The formats of numbers and dates are internal/i18n's, shared with the
// printable report and the rule packs' Khmer reasons: one function each.

func (l Lang) fmt() i18n.Lang { return i18n.Lang(l) }

// Num formats an integer with the language's grouping (CLDR: 38,990 and 38.990).
// Khmer text writes the digits in Khmer numerals.
func (l Lang) Num(n int) string { return l.fmt().Num(n) }

func (l Lang) digits(s string) string { return l.fmt().Digits(s) }

// Dec formats a number with one decimal.
func (l Lang) Dec(f float64) string { return l.fmt().Dec(f) }

// Pct formats a percentage given as 0-100 (or more, for occupancy).
func (l Lang) Pct(f float64) string { return l.fmt().Pct(f) }

// Date formats a date in words: "31 December 2020", "៣១ ធ្នូ ២០២០".
func (l Lang) Date(d domain.Date) string { return l.fmt().Date(d) }

func itoa(n int) string { return strconv.Itoa(n) }

// T returns the text of a key in the language; an unknown key shows itself
// (a test checks that every key the templates and handlers use has a text).
func (l Lang) T(key string) string {
	c, err := messages()
	if err != nil {
		return key
	}
	if s, ok := c[i18n.Lang(l)][key]; ok {
		return s
	}
	if s, ok := c[i18n.English][key]; ok {
		return s
	}
	return key
}

// fieldLabel is the label of a form's field in the language; for a field
// of a repeated row ("offence_2"), the label of its column and the row's
// number.
func (l Lang) fieldLabel(name string) string {
	if hasMessage("field." + name) {
		return l.T("field." + name)
	}
	if i := strings.LastIndexByte(name, '_'); i > 0 {
		if n, err := strconv.Atoi(name[i+1:]); err == nil && hasMessage("field."+name[:i]) {
			return l.T("field."+name[:i]) + " (" + l.digits(strconv.Itoa(n)) + ")"
		}
	}
	return name
}

// hasMessage reports whether the catalogue has a text for key.
func hasMessage(key string) bool {
	c, err := messages()
	if err != nil {
		return false
	}
	_, ok := c[i18n.English][key]
	return ok
}

// The text of the interface is internal/i18n's catalogue (messages/en.yaml
// and messages/km.yaml there), shared with the printable report: its
// files, its loader and the catalogue read once.
var (
	messageFiles  = i18n.Files
	loadCatalogue = i18n.Load
	messages      = i18n.Messages
)

// langs are the languages of the interface; each has its file in the
// catalogue's messages/.
var langs = []Lang{English, Khmer}

func messageFile(l Lang) string { return "messages/" + string(l) + ".yaml" }
