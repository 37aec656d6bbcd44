package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// Strata groups the stays in force on asOf in one query. The age band is a
// CASE over dates of birth, not over ages: Date is YYYYMMDD, so someone is
// at least A years old on asOf exactly when dob <= asOf - A*10000 (the rule
// of domain.Date.AgeOn), and the query needs no date arithmetic that the
// two dialects would write differently.
func (d *DB) Strata(ctx context.Context, asOf domain.Date, bands []int, dormitoryFrom int) ([]store.StratumRow, error) {
	if err := domain.CheckAgeBands(bands); err != nil {
		return nil, err
	}
	q, args := strataQuery(asOf, bands, dormitoryFrom, 0)
	var out []store.StratumRow
	if err := d.eachReplica(ctx, "strata", q, args, scanStrata(&out)); err != nil {
		return nil, err
	}
	sortStrata(out)
	return out, nil
}

// StrataOf is Strata over the given people only, in chunks of an IN list:
// each chunk is one aggregate query, and the chunks' counts add up, since a
// person is held in one stay at a time.
func (d *DB) StrataOf(ctx context.Context, asOf domain.Date, ids []string, bands []int, dormitoryFrom int) ([]store.StratumRow, error) {
	if err := domain.CheckAgeBands(bands); err != nil {
		return nil, err
	}
	type key struct {
		facility string
		band     int
		chronic  bool
		housing  store.Housing
	}
	sum := map[key]int{}
	err := inChunks(ids, func(people []any) error {
		q, args := strataQuery(asOf, bands, dormitoryFrom, len(people))
		var rows []store.StratumRow
		if err := d.each(ctx, "strata", q, append(args, people...), scanStrata(&rows)); err != nil {
			return err
		}
		for _, r := range rows {
			sum[key{r.Facility, r.AgeBand, r.Chronic, r.Housing}] += r.Count
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]store.StratumRow, 0, len(sum))
	for k, n := range sum {
		out = append(out, store.StratumRow{Facility: k.facility, AgeBand: k.band, Chronic: k.chronic, Housing: k.housing, Count: n})
	}
	sortStrata(out)
	return out, nil
}

// strataQuery is the aggregate query of Strata, restricted to people
// placeholders (the last arguments) when people > 0.
func strataQuery(asOf domain.Date, bands []int, dormitoryFrom int, people int) (string, []any) {
	var band strings.Builder
	var args []any
	band.WriteString("CASE WHEN s.dob = 0 THEN -1")
	for i := len(bands) - 1; i > 0; i-- {
		fmt.Fprintf(&band, " WHEN s.dob <= ? THEN %d", bands[i])
		args = append(args, int64(asOf)-int64(bands[i])*10000)
	}
	band.WriteString(" ELSE 0 END")
	q := `SELECT s.facility, ` + band.String() + ` AS band,
		CASE WHEN EXISTS (SELECT 1 FROM flags f WHERE f.person = s.person AND f.kind = ? AND f.from_date <= ? AND f.to_date > ?)
			THEN 1 ELSE 0 END AS chronic,
		CASE WHEN c.capacity IS NULL THEN 0 WHEN c.capacity >= ? THEN 2 ELSE 1 END AS housing,
		COUNT(*)
		FROM stays s LEFT JOIN cells c ON c.facility = s.facility AND c.label = s.cell
		WHERE s.to_date > ? AND s.from_date <= ?`
	if people > 0 {
		q += ` AND s.person IN (` + placeholders(people) + `)`
	}
	q += ` GROUP BY s.facility, band, chronic, housing`
	args = append(args, string(domain.FlagChronic), int64(asOf), int64(asOf), dormitoryFrom, int64(asOf), int64(asOf))
	return q, args
}

func scanStrata(out *[]store.StratumRow) func(r *sql.Rows) error {
	return func(r *sql.Rows) error {
		var row store.StratumRow
		var chronic, housing int
		if err := r.Scan(&row.Facility, &row.AgeBand, &chronic, &housing, &row.Count); err != nil {
			return fmt.Errorf("reading strata: %w", err)
		}
		row.Chronic = chronic == 1
		row.Housing = []store.Housing{store.HousingUnknown, store.HousingCell, store.HousingDormitory}[housing]
		*out = append(*out, row)
		return nil
	}
}

func sortStrata(out []store.StratumRow) {
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Facility != b.Facility {
			return a.Facility < b.Facility
		}
		if a.AgeBand != b.AgeBand {
			return a.AgeBand < b.AgeBand
		}
		if a.Chronic != b.Chronic {
			return !a.Chronic
		}
		return a.Housing < b.Housing
	})
}
