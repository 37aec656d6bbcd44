package tabular

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A spreadsheet program reads a cell that starts with = + - @ (and, in some
// programs, a tab or carriage return) as a formula: a person named
// =HYPERLINK("http://…") in an exported register would become a live link,
// or worse, on the desk of whoever opens the file. Every text cell habeas
// writes is therefore neutralised with a leading apostrophe, the mark
// spreadsheet users already know for "this is text", and the readers take it
// off again, so that an export imports back exactly.

// formulaStart reports whether s would be read as a formula.
func formulaStart(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// needsMark reports whether a text cell is written with a leading
// apostrophe: it would be read as a formula, or it already starts with
// apostrophes before such a character (so that the one the reader takes off
// is always the one the writer put there).
func needsMark(s string) bool { return formulaStart(strings.TrimLeft(s, "'")) }

// EscapeText neutralises a text cell for a spreadsheet: a value that would
// be read as a formula gets a leading apostrophe. Numbers are not text: a
// column of numbers is written as it is (see Writer.Numeric), so that -2910
// stays a number.
func EscapeText(s string) string {
	if needsMark(s) {
		return "'" + s
	}
	return s
}

// UnescapeText takes off the apostrophe EscapeText puts on; any other value
// is returned as it is.
func UnescapeText(s string) string {
	if strings.HasPrefix(s, "'") && needsMark(s[1:]) {
		return s[1:]
	}
	return s
}

// IsNumber reports whether s is a plain number as habeas writes them
// (strconv's decimal form, finite), which a spreadsheet may read as one.
func IsNumber(s string) bool {
	if s == "" || strings.ContainsAny(s, "xXpP_iInN") {
		return false
	}
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && !math.IsInf(f, 0)
}

// Cell writes one cell of a spreadsheet: as it is when its column holds
// numbers and it is one, otherwise neutralised as text.
func Cell(s string, numeric bool) string {
	if numeric && IsNumber(s) {
		return s
	}
	return EscapeText(s)
}

// Clip shortens a cell value quoted in a message: a stray quote can make the
// rest of a file one cell, and a message must stay readable.
func Clip(s string) string {
	const most = 60
	if len(s) <= most {
		return strconv.Quote(s)
	}
	cut := most
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…(" + strconv.Itoa(len(s)) + " bytes)"
}
