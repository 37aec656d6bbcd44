package domain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Date is a calendar date encoded as the integer YYYYMMDD. The encoding keeps
// dates ordered as integers, readable in the database, and makes age in
// completed years a single integer division: (asOf - dob) / 10000. Zero means
// unknown.
type Date int32

// NoDate is the unknown date.
const NoDate Date = 0

// OpenEnd marks an interval that has not ended; it sorts after every real date.
const OpenEnd Date = 99991231

// MakeDate builds a Date from its parts; it does not validate them.
func MakeDate(y, m, d int) Date { return Date(y*10000 + m*100 + d) }

// DateOf returns the calendar date of t in UTC.
func DateOf(t time.Time) Date {
	y, m, d := t.UTC().Date()
	return MakeDate(y, int(m), d)
}

// ParseDate reads an ISO date (YYYY-MM-DD).
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return NoDate, fmt.Errorf("date %q is not in the form YYYY-MM-DD", s)
	}
	y, err1 := strconv.Atoi(s[0:4])
	m, err2 := strconv.Atoi(s[5:7])
	d, err3 := strconv.Atoi(s[8:10])
	if err1 != nil || err2 != nil || err3 != nil {
		return NoDate, fmt.Errorf("date %q is not in the form YYYY-MM-DD", s)
	}
	dt := MakeDate(y, m, d)
	if y < 1850 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return NoDate, fmt.Errorf("date %q does not exist", s)
	}
	return dt, nil
}

// MustDate is ParseDate for literals known to be valid (tests, built-in data).
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func (d Date) Year() int  { return int(d) / 10000 }
func (d Date) Month() int { return int(d) / 100 % 100 }
func (d Date) Day() int   { return int(d) % 100 }

func (d Date) String() string {
	if d == NoDate {
		return ""
	}
	if d == OpenEnd {
		return "open"
	}
	b := make([]byte, 10)
	y, m, dd := d.Year(), d.Month(), d.Day()
	b[0], b[1], b[2], b[3] = byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10)
	b[4] = '-'
	b[5], b[6] = byte('0'+m/10), byte('0'+m%10)
	b[7] = '-'
	b[8], b[9] = byte('0'+dd/10), byte('0'+dd%10)
	return string(b)
}

// DayNumber counts days since 1970-01-01 (proleptic Gregorian), so that
// differences between dates are plain subtraction.
func (d Date) DayNumber() int {
	y, m, dd := d.Year(), d.Month(), d.Day()
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + dd - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// FromDayNumber is the inverse of DayNumber.
func FromDayNumber(z int) Date {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	dd := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return MakeDate(y, m, dd)
}

// AddDays returns the date n days later (earlier when n is negative).
func (d Date) AddDays(n int) Date { return FromDayNumber(d.DayNumber() + n) }

// AddMonths adds calendar months, clamping the day to the end of a shorter
// month (31 January + 1 month = 28 or 29 February), as courts count months.
func (d Date) AddMonths(n int) Date {
	y, m := d.Year(), d.Month()-1+n
	y += m / 12
	m %= 12
	if m < 0 {
		m += 12
		y--
	}
	day := d.Day()
	if lim := daysIn(y, m+1); day > lim {
		day = lim
	}
	return MakeDate(y, m+1, day)
}

// DaysSince returns d - earlier in days.
func (d Date) DaysSince(earlier Date) int { return d.DayNumber() - earlier.DayNumber() }

// AgeOn returns the age in completed years of someone born on d, on the given
// date. A person born on 29 February comes of age on 1 March in common years.
func (d Date) AgeOn(on Date) int {
	if d == NoDate || on == NoDate {
		return -1
	}
	return (int(on) - int(d)) / 10000
}

func daysIn(y, m int) int {
	switch m {
	case 4, 6, 9, 11:
		return 30
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	}
	return 31
}

func (d Date) MarshalJSON() ([]byte, error) {
	if d == NoDate {
		return []byte(`""`), nil
	}
	return []byte(`"` + d.String() + `"`), nil
}

// UnmarshalJSON reports problems as *json.UnmarshalTypeError so that the
// decoder adds the path of the field to the error.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	// A date has no escapes, so the quotes are simply cut off: decoding it as
	// a JSON string costs a validation pass and an allocation per date, and a
	// ledger import reads several dates in each of millions of events.
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && bytes.IndexByte(b[1:n-1], '\\') < 0 && bytes.IndexByte(b[1:n-1], '"') < 0 {
		s = string(b[1 : n-1])
	} else if err := json.Unmarshal(b, &s); err != nil {
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[Date]()}
	}
	if s == "" {
		*d = NoDate
		return nil
	}
	v, err := ParseDate(s)
	if err != nil {
		return &json.UnmarshalTypeError{Value: strconv.Quote(s), Type: reflect.TypeFor[Date]()}
	}
	*d = v
	return nil
}

// ParseTypedDate reads a date as people in Cambodia type it on a form: day
// first (31/12/2020, 31-12-2020, 31.12.2020, day and month of one or two
// digits), or ISO (2020-12-31), in Latin or Khmer digits (៣១/១២/២០២០). The
// year has four digits, so that 31/12/20 is not guessed at. A date that
// does not exist (31/02/2020) is refused, never rolled over to another day.
func ParseTypedDate(s string) (Date, error) {
	t := LatinDigits(strings.TrimSpace(s))
	if len(t) == 10 && t[4] == '-' && t[7] == '-' {
		return ParseDate(t)
	}
	var parts []string
	for _, sep := range []string{"/", "-", "."} {
		if p := strings.Split(t, sep); len(p) == 3 {
			parts = p
			break
		}
	}
	bad := fmt.Errorf("date %q is not written day/month/year (31/12/2020) or year-month-day (2020-12-31)", s)
	if parts == nil || len(parts[0]) < 1 || len(parts[0]) > 2 || len(parts[1]) < 1 || len(parts[1]) > 2 || len(parts[2]) != 4 {
		return NoDate, bad
	}
	var n [3]int
	for i, p := range parts {
		for _, c := range p {
			if c < '0' || c > '9' {
				return NoDate, bad
			}
		}
		n[i], _ = strconv.Atoi(p)
	}
	d, m, y := n[0], n[1], n[2]
	if y < 1850 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return NoDate, fmt.Errorf("date %q does not exist", s)
	}
	return MakeDate(y, m, d), nil
}

// LatinDigits writes Khmer digits (U+17E0–U+17E9) as Latin ones.
func LatinDigits(s string) string {
	if !strings.ContainsFunc(s, isKhmerDigit) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isKhmerDigit(r) {
			return '0' + (r - '០')
		}
		return r
	}, s)
}

func isKhmerDigit(r rune) bool { return r >= '០' && r <= '៩' }

// DayFirst writes d day first in Latin digits (31/12/2020), as people in
// Cambodia write dates; a page in Khmer writes its digits in Khmer.
func (d Date) DayFirst() string {
	if d == NoDate {
		return ""
	}
	return fmt.Sprintf("%02d/%02d/%04d", d.Day(), d.Month(), d.Year())
}

// IsMonthEnd reports whether d is the last day of its month.
func (d Date) IsMonthEnd() bool { return d != NoDate && d.AddDays(1).Day() == 1 }

// LastMonthEnd is the last day of a month on or before d (NoDate for
// NoDate): the public side's figures are those of month ends, and the
// screening keeper keeps the last one current.
func (d Date) LastMonthEnd() Date {
	if d == NoDate || d.IsMonthEnd() {
		return d
	}
	return d.AddDays(-d.Day())
}
