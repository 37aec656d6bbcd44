package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// maxRangesPerQuery bounds the ranges of day buckets one statement reads:
// SQLite allows 500 terms in a compound SELECT.
const maxRangesPerQuery = 400

// popGroup is a group of the aggregate projection's agg_pop.
type popGroup struct {
	fno, cat int64
	band     int
}

// PopulationOn is Held's population for many days, from one read of the
// aggregate projection (see agg.go). The sum up to a day D of month M is
// that of every year before the first year asked and of the months up to
// M, and then either plus the days of M up to D or minus the days of M
// after D, whichever are fewer: on a month end, the usual day of a
// visit, no day bucket at all. So the read is the year buckets before the
// first day's year, the month buckets from that year to the last day's,
// and a few ranges of day buckets, instead of a few dozen rows per group
// and day; the sums are then carried forward month by month in memory.
func (d *DB) PopulationOn(ctx context.Context, days []domain.Date) (map[domain.Date][]store.PopRow, error) {
	days = slices.Clone(days)
	slices.Sort(days)
	days = slices.Compact(days)
	out := make(map[domain.Date][]store.PopRow, len(days))
	if len(days) == 0 {
		return out, nil
	}
	ids, err := d.facilityIDs(ctx)
	if err != nil {
		return nil, err
	}
	type dayPlan struct {
		day   int64
		month int64 // YYYYMM
		after bool  // the month's sum less the days after day, rather than the days up to it
	}
	plans := make([]dayPlan, len(days))
	var ranges [][2]int64 // inclusive ranges of day buckets
	for i, day := range days {
		a := int64(day)
		m := a / 100
		last := m*100 + int64(monthDays(a/10000, a/100%100))
		p := dayPlan{day: a, month: m, after: last-a < a%100}
		plans[i] = p
		switch {
		case p.after && a < last:
			ranges = append(ranges, [2]int64{a + 1, last})
		case !p.after:
			ranges = append(ranges, [2]int64{m*100 + 1, a})
		}
	}
	// Ranges come in day order; merge those that touch.
	merged := ranges[:0:0]
	for _, r := range ranges {
		if n := len(merged); n > 0 && r[0] <= merged[n-1][1]+1 {
			merged[n-1][1] = max(merged[n-1][1], r[1])
			continue
		}
		merged = append(merged, r)
	}
	firstYear, lastYear := plans[0].day/10000, plans[len(plans)-1].day/10000
	base := map[popGroup]int64{}              // the years before firstYear
	months := map[int64]map[popGroup]int64{}  // YYYYMM -> sums
	dayRows := map[int64]map[popGroup]int64{} // YYYYMMDD -> sums
	add := func(bucket int64, g popGroup, n int64) {
		var m map[popGroup]int64
		switch {
		case bucket < 10000:
			base[g] += n
			return
		case bucket < 1000000:
			if m = months[bucket]; m == nil {
				m = map[popGroup]int64{}
				months[bucket] = m
			}
		default:
			if m = dayRows[bucket]; m == nil {
				m = map[popGroup]int64{}
				dayRows[bucket] = m
			}
		}
		m[g] += n
	}
	var bucket, n int64
	var g popGroup
	dest := []any{&bucket, &g.fno, &g.cat, &g.band, &n}
	const cols = "SELECT bucket, fno, cat, band, n FROM agg_pop WHERE "
	for start := 0; start == 0 || start < len(merged); start += maxRangesPerQuery {
		var q strings.Builder
		var args []any
		if start == 0 {
			q.WriteString(cols + "bucket < ? UNION ALL " + cols + "bucket >= ? AND bucket <= ?")
			args = append(args, firstYear, firstYear*100+1, lastYear*100+12)
		}
		for _, r := range merged[start:min(start+maxRangesPerQuery, len(merged))] {
			if q.Len() > 0 {
				q.WriteString(" UNION ALL ")
			}
			q.WriteString(cols + "bucket >= ? AND bucket <= ?")
			args = append(args, r[0], r[1])
		}
		err := d.each(ctx, "the population on several days", q.String(), args, func(r *sql.Rows) error {
			if err := r.Scan(dest...); err != nil {
				return fmt.Errorf("reading the population on several days: %w", err)
			}
			add(bucket, g, n)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	monthKeys := slices.Sorted(maps.Keys(months))
	cum := base // the sums of the months before the next in monthKeys[next:]
	next := 0
	for i, p := range plans {
		for next < len(monthKeys) && monthKeys[next] < p.month {
			for g, n := range months[monthKeys[next]] {
				cum[g] += n
			}
			next++
		}
		sums := maps.Clone(cum)
		if p.after {
			for g, n := range months[p.month] {
				sums[g] += n
			}
			for day := p.day + 1; day <= p.month*100+31; day++ {
				for g, n := range dayRows[day] {
					sums[g] -= n
				}
			}
		} else {
			for day := p.month*100 + 1; day <= p.day; day++ {
				for g, n := range dayRows[day] {
					sums[g] += n
				}
			}
		}
		pop := make([]store.PopRow, 0, len(sums))
		for g, n := range sums {
			if n == 0 {
				continue
			}
			sex, st, drug := catDecode(g.cat)
			pop = append(pop, store.PopRow{Facility: ids[g.fno], Sex: sex, Status: st, Drug: drug, AgeBand: g.band, Count: int(n)})
		}
		sortPop(pop)
		out[days[i]] = pop
	}
	return out, nil
}

// monthDays is the number of days of a month.
func monthDays(y, m int64) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
