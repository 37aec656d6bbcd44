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
		WHERE s.to_date > ? AND s.from_date <= ?
		GROUP BY s.facility, band, chronic, housing`
	args = append(args, string(domain.FlagChronic), int64(asOf), int64(asOf), dormitoryFrom, int64(asOf), int64(asOf))
	var out []store.StratumRow
	err := d.eachReplica(ctx, "strata", q, args, func(r *sql.Rows) error {
		var row store.StratumRow
		var chronic, housing int
		if err := r.Scan(&row.Facility, &row.AgeBand, &chronic, &housing, &row.Count); err != nil {
			return fmt.Errorf("reading strata: %w", err)
		}
		row.Chronic = chronic == 1
		row.Housing = []store.Housing{store.HousingUnknown, store.HousingCell, store.HousingDormitory}[housing]
		out = append(out, row)
		return nil
	})
	if err != nil {
		return nil, err
	}
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
	return out, nil
}
