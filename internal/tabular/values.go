package tabular

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/habeas-kh/habeas/internal/domain"
)

// Missing is the set of cell values that mean "not known". An empty cell is
// always missing; comparison ignores case and surrounding space.
type Missing map[string]bool

// NewMissing makes the set from the values a mapping lists.
func NewMissing(vals []string) Missing {
	m := Missing{"": true}
	for _, v := range vals {
		m[strings.ToLower(strings.TrimSpace(v))] = true
	}
	return m
}

// Is reports whether s means "not known". It is asked of every cell an
// import reads, so a short ASCII text is lowered on the stack rather than
// copied.
func (m Missing) Is(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) <= 32 {
		var buf [32]byte
		ascii := true
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c >= utf8.RuneSelf {
				ascii = false
				break
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
		}
		if ascii {
			return m[string(buf[:len(s)])]
		}
	}
	return m[strings.ToLower(s)]
}

// maxWhole bounds a parsed number: no count of people or places comes near
// it, and it keeps arithmetic on counts far from overflow.
const maxWhole = 1_000_000_000_000

// ParseWhole reads a whole number as spreadsheets write them: "1015",
// "1,015", "1 015" (also with a non-breaking or thin space), "1'015", and
// "535.0" from programs that store every number as a decimal. With
// decimalComma the roles of "." and "," are swapped ("1.015", "535,0").
// A thousands separator must group exactly three digits, so "1,5" is
// refused rather than read as 15.
func ParseWhole(s string, decimalComma bool) (int, error) {
	orig := s
	s = strings.TrimSpace(s)
	neg := false
	switch {
	case strings.HasPrefix(s, "-"), strings.HasPrefix(s, "\u2212"):
		neg = true
		s = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(s, "-"), "\u2212"))
	case strings.HasPrefix(s, "+"):
		s = strings.TrimSpace(s[1:])
	}
	dec, group := ".", ","
	if decimalComma {
		dec, group = ",", "."
	}
	intPart, frac, hasFrac := strings.Cut(s, dec)
	if hasFrac && strings.Trim(frac, "0") != "" {
		return 0, fmt.Errorf("%s is not a whole number", Clip(orig))
	}
	if hasFrac && frac == "" {
		return 0, fmt.Errorf("%s is not a number", Clip(orig))
	}
	// Split the integer part on any thousands separator.
	seps := func(r rune) bool {
		return string(r) == group || r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\''
	}
	groups := strings.FieldsFunc(intPart, seps)
	if len(groups) == 0 || strings.Join(groups, "") == "" {
		return 0, fmt.Errorf("%s is not a number", Clip(orig))
	}
	if strings.IndexFunc(intPart, seps) == 0 || (len(intPart) > 0 && strings.LastIndexFunc(intPart, seps) == len(intPart)-1) {
		return 0, fmt.Errorf("%s is not a number", Clip(orig))
	}
	if len(groups) > 1 {
		// Separators must group exactly three digits.
		if len(groups[0]) > 3 {
			return 0, fmt.Errorf("%s has a thousands separator in the wrong place", Clip(orig))
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, fmt.Errorf("%s has a thousands separator in the wrong place", Clip(orig))
			}
		}
	}
	digits := strings.Join(groups, "")
	for _, r := range digits {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%s is not a number", Clip(orig))
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > maxWhole {
		return 0, fmt.Errorf("%s is too large", Clip(orig))
	}
	if neg {
		n = -n
	}
	return int(n), nil
}

// DateParser reads dates in the formats a mapping lists. A format is written
// with the letters YYYY (year), YY (two-digit year: 69-99 are 1900s, 00-68
// 2000s), MM / M (month, with or without a leading zero), MMM (Jan), MMMM
// (January), DD / D (day); anything else is literal: "YYYY-MM-DD",
// "MM/DD/YYYY", "M/D/YY", "DD.MM.YYYY". The format "excel" reads a serial
// day number as Excel stores dates (43927 is 2020-04-06); only serials from
// 1950 to 2099 are taken, so that a year or a count is never read as a date.
type DateParser struct {
	formats []string
	layouts []string // "" for excel
}

// NewDateParser compiles the formats; an empty list means ISO dates only.
func NewDateParser(formats []string) (*DateParser, error) {
	if len(formats) == 0 {
		formats = []string{"YYYY-MM-DD"}
	}
	p := &DateParser{formats: formats}
	for _, f := range formats {
		if strings.EqualFold(strings.TrimSpace(f), "excel") {
			p.layouts = append(p.layouts, "")
			continue
		}
		l, err := Layout(f)
		if err != nil {
			return nil, err
		}
		p.layouts = append(p.layouts, l)
	}
	return p, nil
}

// Layout turns a date format into a Go time layout.
func Layout(format string) (string, error) {
	var b strings.Builder
	hasY, hasM, hasD := false, false, false
	for i := 0; i < len(format); {
		rest := format[i:]
		run := 1
		for run < len(rest) && rest[run] == rest[0] {
			run++
		}
		switch rest[0] {
		case 'Y':
			switch run {
			case 4:
				b.WriteString("2006")
			case 2:
				b.WriteString("06")
			default:
				return "", fmt.Errorf("date format %q: write the year as YYYY or YY", format)
			}
			hasY = true
		case 'M':
			l := map[int]string{1: "1", 2: "01", 3: "Jan", 4: "January"}[run]
			if l == "" {
				return "", fmt.Errorf("date format %q: write the month as M, MM, MMM or MMMM", format)
			}
			b.WriteString(l)
			hasM = true
		case 'D':
			l := map[int]string{1: "2", 2: "02"}[run]
			if l == "" {
				return "", fmt.Errorf("date format %q: write the day as D or DD", format)
			}
			b.WriteString(l)
			hasD = true
		default:
			if strings.ContainsAny(rest[:run], "0123456789") {
				return "", fmt.Errorf("date format %q: digits are not allowed; use YYYY, MM, DD", format)
			}
			b.WriteString(rest[:run])
		}
		i += run
	}
	if !hasY || !hasM || !hasD {
		return "", fmt.Errorf("date format %q must have a year (YYYY or YY), a month (MM) and a day (DD), or be \"excel\"", format)
	}
	return b.String(), nil
}

// Formats is the formats as the mapping wrote them, for messages.
func (p *DateParser) Formats() []string { return p.formats }

// Parse reads s with the first format that fits it.
func (p *DateParser) Parse(s string) (domain.Date, error) {
	s = strings.TrimSpace(s)
	for _, l := range p.layouts {
		if l == "" {
			if d, ok := excelSerial(s); ok {
				return d, nil
			}
			continue
		}
		if t, err := time.Parse(l, s); err == nil {
			return domain.DateOf(t), nil
		}
	}
	return domain.NoDate, fmt.Errorf("%s matches none of the date formats %s", Clip(s), strings.Join(p.formats, ", "))
}

// Serial day numbers of 1950-01-01 and 2099-12-31.
const (
	serialMin = 18264
	serialMax = 73050
)

// excelSerial reads an Excel serial date; a fraction (a time of day) is
// dropped.
func excelSerial(s string) (domain.Date, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) {
		return domain.NoDate, false
	}
	n := int(math.Floor(f))
	if n < serialMin || n > serialMax {
		return domain.NoDate, false
	}
	// Excel counts from 1899-12-30 for every date after February 1900.
	return domain.MakeDate(1899, 12, 30).AddDays(n), true
}
