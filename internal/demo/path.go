package demo

import (
	"math"

	"github.com/habeas-kh/habeas/internal/domain"
)

// Key dates (day numbers).
var (
	dayStart  = domain.MustDate("2015-01-01").DayNumber() // the register opens
	day2016   = domain.MustDate("2016-12-31").DayNumber()
	day2017   = domain.MustDate("2017-01-01").DayNumber()
	dayPeak   = domain.MustDate("2020-03-31").DayNumber()
	dayPlateu = domain.MustDate("2020-04-30").DayNumber() // releases of the 2020 reforms start in May
	dayEnd    = End.DayNumber()
	dayPolice = domain.MustDate("2020-01-01").DayNumber() // police custody records start
)

// dateTable holds the dates of the days the generator mostly works with
// (filled once at start-up, read-only afterwards).
var (
	dateTableFrom = domain.MustDate("1990-01-01").DayNumber()
	dateTable     = func() []domain.Date {
		n := domain.MustDate("2040-12-31").DayNumber() - dateTableFrom + 1
		t := make([]domain.Date, n)
		for i := range t {
			t[i] = domain.FromDayNumber(dateTableFrom + i)
		}
		return t
	}()
)

func dateOf(day int) domain.Date {
	if i := day - dateTableFrom; i >= 0 && i < len(dateTable) {
		return dateTable[i]
	}
	return domain.FromDayNumber(day)
}

func addMonths(day, m int) int { return dateOf(day).AddMonths(m).DayNumber() }

// concave rises from 0 to 1 on [0, 1], faster at first.
func concave(x, a float64) float64 { return (1 - math.Exp(-a*x)) / (1 - math.Exp(-a)) }

// pathShape is a population path at scale 1: linear growth to the end of
// 2016, the campaign's growth to March 2020, a plateau in April, then the
// slow decline of the 2020 reforms.
type pathShape struct {
	start, end2016, peak, end float64
}

func (p pathShape) at(day int) float64 {
	switch {
	case day <= day2016:
		x := float64(day-dayStart) / float64(day2016-dayStart)
		return p.start + (p.end2016-p.start)*x
	case day <= dayPeak:
		x := float64(day-day2016) / float64(dayPeak-day2016)
		return p.end2016 + (p.peak-p.end2016)*concave(x, 0.9)
	case day <= dayPlateu:
		return p.peak
	}
	x := float64(day-dayPlateu) / float64(dayEnd-dayPlateu)
	return p.peak - (p.peak-p.end)*concave(x, 1.5)
}

// The prison system: 21,900 at the end of 2016, 38,990 on 31 March 2020
// (domain.md section 1).
var prisonPath = pathShape{start: 18300, end2016: 21900, peak: basePeople, end: 35500}

// Drug detention centres.
var drugPath = pathShape{start: 1700, end2016: 2100, peak: 3400, end: 3000}

// Police custody (records from 2020) and the juvenile centre: constant.
const (
	policePop   = 16
	juvenilePop = 45
)

// pool is a set of beds: bed k exists from open(k) to close(k) and is always
// occupied, one stay after another, so that the population of the pool on
// any day is exactly the number of beds that exist that day.
type pool struct {
	kind  int
	start int     // first day of the path
	pop   []int32 // population by day from start to End
	peak  int     // index of the first maximum
	beds  int
}

func newPool(kind, people int) *pool {
	scale := float64(people) / basePeople
	p := &pool{kind: kind, start: dayStart}
	var f func(day int) float64
	switch kind {
	case poolPrison:
		// scale exactly: on the peak day f*people/basePeople == people.
		f = func(day int) float64 { return prisonPath.at(day) * float64(people) / basePeople }
	case poolDrug:
		f = func(day int) float64 { return drugPath.at(day) * scale }
	case poolPolice:
		p.start = dayPolice
		f = func(int) float64 { return policePop * scale }
	default:
		f = func(int) float64 { return juvenilePop * scale }
	}
	n := dayEnd - p.start + 1
	p.pop = make([]int32, n)
	for i := range p.pop {
		p.pop[i] = int32(round(f(p.start + i)))
	}
	// Enforce the single-peak shape against rounding surprises.
	for i := 1; i < n; i++ {
		if p.pop[i] > p.pop[p.peak] {
			p.peak = i
		}
	}
	for i := 1; i <= p.peak; i++ {
		p.pop[i] = max(p.pop[i], p.pop[i-1])
	}
	for i := p.peak + 1; i < n; i++ {
		p.pop[i] = min(p.pop[i], p.pop[i-1])
	}
	p.beds = int(p.pop[p.peak])
	return p
}

// open returns the day bed k comes into use, and whether it exists from the
// start of the path.
func (p *pool) open(k int) (int, bool) {
	if int(p.pop[0]) > k {
		return p.start, true
	}
	lo, hi := 0, p.peak
	for lo < hi {
		m := (lo + hi) / 2
		if int(p.pop[m]) > k {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return p.start + lo, false
}

// close returns the day bed k goes out of use (its last stay ends that day),
// or a day after End if it never does.
func (p *pool) close(k int) int {
	n := len(p.pop)
	if int(p.pop[n-1]) > k {
		return dayEnd + 1
	}
	lo, hi := p.peak+1, n-1
	for lo < hi {
		m := (lo + hi) / 2
		if int(p.pop[m]) <= k {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return p.start + lo
}

// at returns the pool's population on a day within its path.
func (p *pool) at(day int) int {
	if day < p.start || day > dayEnd {
		return 0
	}
	return int(p.pop[day-p.start])
}

// validDate reports whether d is a day of the calendar (a date moved by a
// whole number of years may fall on a 29 February that does not exist).
func validDate(d domain.Date) bool {
	_, err := domain.ParseDate(d.String())
	return err == nil
}
