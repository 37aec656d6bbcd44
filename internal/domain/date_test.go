package domain

import (
	"testing"
	"time"
)

// TestDayNumbers checks the day arithmetic against the time package for
// every day from 1900 to 2100.
func TestDayNumbers(t *testing.T) {
	start := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 73415; i++ {
		tm := start.AddDate(0, 0, i)
		d := DateOf(tm)
		if got, want := d.DayNumber(), int(tm.Unix()/86400); got != want {
			t.Fatalf("%s: day number %d, want %d", d, got, want)
		}
		if back := FromDayNumber(d.DayNumber()); back != d {
			t.Fatalf("%s: round trip gives %s", d, back)
		}
		if next := d.AddDays(1); next != DateOf(tm.AddDate(0, 0, 1)) {
			t.Fatalf("%s + 1 day = %s", d, next)
		}
	}
}

func TestAddMonthsClampsToMonthEnd(t *testing.T) {
	cases := map[string]struct {
		n    int
		want string
	}{
		"2020-01-31": {1, "2020-02-29"},
		"2019-01-31": {1, "2019-02-28"},
		"2020-08-31": {-6, "2020-02-29"},
		"2020-03-15": {18, "2021-09-15"},
		"2020-12-01": {1, "2021-01-01"},
		"2021-01-10": {-1, "2020-12-10"},
	}
	for from, c := range cases {
		if got := MustDate(from).AddMonths(c.n); got.String() != c.want {
			t.Errorf("%s %+d months = %s, want %s", from, c.n, got, c.want)
		}
	}
}

func TestAgeOn(t *testing.T) {
	cases := []struct {
		dob, on string
		want    int
	}{
		{"2004-02-29", "2022-02-28", 17}, // a 29 February birthday comes on 1 March in common years
		{"2004-02-29", "2022-03-01", 18},
		{"2004-02-29", "2024-02-29", 20},
		{"2006-05-10", "2020-05-09", 13},
		{"2006-05-10", "2020-05-10", 14},
		{"1960-12-31", "2020-12-31", 60},
	}
	for _, c := range cases {
		if got := MustDate(c.dob).AgeOn(MustDate(c.on)); got != c.want {
			t.Errorf("born %s, on %s: %d, want %d", c.dob, c.on, got, c.want)
		}
	}
	if NoDate.AgeOn(MustDate("2020-01-01")) != -1 {
		t.Error("unknown date of birth should give -1")
	}
}

func TestParseDateRejects(t *testing.T) {
	for _, s := range []string{"2020-02-30", "2019-02-29", "2020-13-01", "2020-1-01", "20200101", "", "1800-01-01", "2020-00-10"} {
		if _, err := ParseDate(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
	if _, err := ParseDate("2020-02-29"); err != nil {
		t.Errorf("2020-02-29 refused: %v", err)
	}
}

// TestParseTypedDate: the ways a date is typed on a form in Cambodia, and
// dates that do not exist, which are refused rather than rolled over.
func TestParseTypedDate(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Date // NoDate: refused
	}{
		{"2020-12-31", MakeDate(2020, 12, 31)},
		{"31/12/2020", MakeDate(2020, 12, 31)},
		{"31-12-2020", MakeDate(2020, 12, 31)},
		{"31.12.2020", MakeDate(2020, 12, 31)},
		{"1/2/2021", MakeDate(2021, 2, 1)},
		{" 05/03/2019 ", MakeDate(2019, 3, 5)},
		{"៣១/១២/២០២០", MakeDate(2020, 12, 31)},
		{"២០២០-១២-៣១", MakeDate(2020, 12, 31)},
		{"29/02/2020", MakeDate(2020, 2, 29)}, // a leap year
		{"31/02/2020", NoDate},
		{"29/02/2021", NoDate},
		{"31/04/2020", NoDate},
		{"00/01/2020", NoDate},
		{"12/13/2020", NoDate}, // month first is not a Cambodian way
		{"2020-02-30", NoDate},
		{"31/12/20", NoDate}, // a two-digit year is not guessed
		{"31/12/1849", NoDate},
		{"31/12-2020", NoDate},
		{"31/12/2020/1", NoDate},
		{"a1/12/2020", NoDate},
		{"+1/12/2020", NoDate},
		{"", NoDate},
		{"yesterday", NoDate},
	} {
		got, err := ParseTypedDate(c.in)
		if c.want == NoDate {
			if err == nil {
				t.Errorf("ParseTypedDate(%q) = %v, want an error", c.in, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseTypedDate(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	if s := MakeDate(2020, 3, 5).DayFirst(); s != "05/03/2020" {
		t.Errorf("DayFirst = %q, want 05/03/2020", s)
	}
}
