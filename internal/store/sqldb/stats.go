package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// ageBandSQL computes the lower bound of the age band from a YYYYMMDD date of
// birth and the YYYYMMDD date passed as the first parameter.
func ageBandSQL() string {
	var b strings.Builder
	b.WriteString("CASE WHEN dob = 0 THEN -1")
	bands := store.AgeBands
	for i := len(bands) - 1; i >= 1; i-- {
		fmt.Fprintf(&b, " WHEN (? - dob) / 10000 >= %d THEN %d", bands[i], bands[i])
	}
	b.WriteString(" ELSE 0 END")
	return b.String()
}

func (d *DB) Population(ctx context.Context, asOf domain.Date) ([]store.PopRow, error) {
	args := []any{}
	for i := 1; i < len(store.AgeBands); i++ {
		args = append(args, int64(asOf))
	}
	args = append(args, int64(asOf), int64(asOf))
	var out []store.PopRow
	err := d.each(ctx, "population", `SELECT facility, sex, status, drug, `+ageBandSQL()+` AS band, COUNT(*)
		FROM stays WHERE to_date > ? AND from_date <= ?
		GROUP BY facility, sex, status, drug, band ORDER BY facility, sex, status, drug, band`, args,
		func(r *sql.Rows) error {
			var p store.PopRow
			var sex, status string
			var drug int64
			if err := r.Scan(&p.Facility, &sex, &status, &drug, &p.AgeBand, &p.Count); err != nil {
				return fmt.Errorf("reading population: %w", err)
			}
			p.Sex, p.Status, p.Drug = domain.Sex(sex), domain.LegalStatus(status), drug != 0
			out = append(out, p)
			return nil
		})
	return out, err
}

func (d *DB) FlagsOn(ctx context.Context, asOf domain.Date) ([]store.FlagRow, error) {
	a := int64(asOf)
	var out []store.FlagRow
	err := d.each(ctx, "vulnerabilities", `SELECT s.facility, f.kind, COUNT(*), COUNT(DISTINCT f.person)
		FROM flags f JOIN stays s ON s.person = f.person AND s.to_date > ? AND s.from_date <= ?
		WHERE f.to_date > ? AND f.from_date <= ?
		GROUP BY s.facility, f.kind ORDER BY s.facility, f.kind`, []any{a, a, a, a},
		func(r *sql.Rows) error {
			var fr store.FlagRow
			var kind string
			var rows, people int
			if err := r.Scan(&fr.Facility, &kind, &rows, &people); err != nil {
				return fmt.Errorf("reading vulnerabilities: %w", err)
			}
			fr.Kind = domain.FlagKind(kind)
			// Children are counted one by one; other flags count people.
			fr.Count = people
			if fr.Kind == domain.FlagChild {
				fr.Count = rows
			}
			out = append(out, fr)
			return nil
		})
	return out, err
}

func (d *DB) CellsOn(ctx context.Context, asOf domain.Date, limit int) ([]store.CellCount, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []store.CellCount
	err := d.each(ctx, "cell populations", `SELECT facility, cell, COUNT(*) AS n FROM stays
		WHERE to_date > ? AND from_date <= ? AND cell <> ''
		GROUP BY facility, cell ORDER BY n DESC, facility, cell LIMIT `+strconv.Itoa(limit), []any{int64(asOf), int64(asOf)},
		func(r *sql.Rows) error {
			var c store.CellCount
			if err := r.Scan(&c.Facility, &c.Cell, &c.Count); err != nil {
				return fmt.Errorf("reading cell populations: %w", err)
			}
			out = append(out, c)
			return nil
		})
	return out, err
}

func (d *DB) Admissions(ctx context.Context, from, to domain.Date) (all, drug []store.FacilityCount, err error) {
	err = d.each(ctx, "admissions", `SELECT facility_in, COUNT(*), SUM(drug) FROM episodes
		WHERE admitted >= ? AND admitted <= ? GROUP BY facility_in ORDER BY facility_in`, []any{int64(from), int64(to)},
		func(r *sql.Rows) error {
			var f string
			var n, dn int
			if err := r.Scan(&f, &n, &dn); err != nil {
				return fmt.Errorf("reading admissions: %w", err)
			}
			all = append(all, store.FacilityCount{Facility: f, Count: n})
			if dn > 0 {
				drug = append(drug, store.FacilityCount{Facility: f, Count: dn})
			}
			return nil
		})
	return all, drug, err
}

func (d *DB) Releases(ctx context.Context, from, to domain.Date) ([]store.MechanismCount, error) {
	var out []store.MechanismCount
	err := d.each(ctx, "releases", `SELECT facility_out, mechanism, COUNT(*) FROM episodes
		WHERE ended >= ? AND ended <= ? AND end_kind = ? GROUP BY facility_out, mechanism ORDER BY facility_out, mechanism`,
		[]any{int64(from), int64(to), string(domain.KRelease)},
		func(r *sql.Rows) error {
			var m store.MechanismCount
			var mech string
			if err := r.Scan(&m.Facility, &mech, &m.Count); err != nil {
				return fmt.Errorf("reading releases: %w", err)
			}
			m.Mechanism = domain.Mechanism(mech)
			out = append(out, m)
			return nil
		})
	return out, err
}

// ProjectionDigests streams each projection table in person order and
// fingerprints every person's rows, table by table.
func (d *DB) ProjectionDigests(ctx context.Context) (map[string]store.Digest, error) {
	parts := map[string]*[store.NTables][32]byte{}
	get := func(id string) *[store.NTables][32]byte {
		p := parts[id]
		if p == nil {
			p = &[store.NTables][32]byte{store.EmptyDigest, store.EmptyDigest, store.EmptyDigest, store.EmptyDigest}
			parts[id] = p
		}
		return p
	}
	// Each scan reads one row and returns its person and how to digest it.
	type scanFn func(r *sql.Rows) (string, func(*store.Digester), error)
	tables := []struct {
		t     int
		query string
		scan  scanFn
	}{
		{store.TPersons, "SELECT " + personCols + " FROM persons ORDER BY id", func(r *sql.Rows) (string, func(*store.Digester), error) {
			p, err := scanPerson(r)
			return p.ID, func(dg *store.Digester) { dg.Person(p) }, err
		}},
		{store.TStays, "SELECT person, facility, cell, from_date, to_date, status, drug, sex, dob FROM stays ORDER BY person, from_date",
			func(r *sql.Rows) (string, func(*store.Digester), error) {
				var s domain.Stay
				var from, to, drug, dob int64
				var status, sex string
				err := r.Scan(&s.Person, &s.Facility, &s.Cell, &from, &to, &status, &drug, &sex, &dob)
				s.From, s.To, s.Status, s.Drug, s.Sex, s.DOB = domain.Date(from), domain.Date(to), domain.LegalStatus(status), drug != 0, domain.Sex(sex), domain.Date(dob)
				return s.Person, func(dg *store.Digester) { dg.Stay(s) }, err
			}},
		{store.TEpisodes, "SELECT person, n, admitted, facility_in, ended, end_kind, mechanism, facility_out, status_at_end, drug FROM episodes ORDER BY person, n",
			func(r *sql.Rows) (string, func(*store.Digester), error) {
				var e domain.Episode
				var adm, ended, drug int64
				var endKind, mech, st string
				err := r.Scan(&e.Person, &e.N, &adm, &e.FacilityIn, &ended, &endKind, &mech, &e.FacilityOut, &st, &drug)
				e.Admitted, e.Ended, e.EndKind, e.Mechanism, e.StatusAtEnd, e.Drug = domain.Date(adm), domain.Date(ended), domain.Kind(endKind), domain.Mechanism(mech), domain.LegalStatus(st), drug != 0
				return e.Person, func(dg *store.Digester) { dg.Episode(e) }, err
			}},
		{store.TFlags, "SELECT person, kind, from_date, to_date, child_dob, detail FROM flags ORDER BY person, from_date, kind, child_dob, to_date, detail",
			func(r *sql.Rows) (string, func(*store.Digester), error) {
				var f domain.Flag
				var kind string
				var from, to, cdob int64
				err := r.Scan(&f.Person, &kind, &from, &to, &cdob, &f.Detail)
				f.Kind, f.From, f.To, f.ChildDOB = domain.FlagKind(kind), domain.Date(from), domain.Date(to), domain.Date(cdob)
				return f.Person, func(dg *store.Digester) { dg.Flag(f) }, err
			}},
	}
	for _, tb := range tables {
		var cur string
		var dg *store.Digester
		flush := func() {
			if dg != nil {
				get(cur)[tb.t] = dg.Sum()
			}
		}
		err := d.each(ctx, "projections", tb.query, nil, func(r *sql.Rows) error {
			id, add, err := tb.scan(r)
			if err != nil {
				return fmt.Errorf("reading projections: %w", err)
			}
			if dg == nil || id != cur {
				flush()
				cur, dg = id, store.NewDigester()
			}
			add(dg)
			return nil
		})
		if err != nil {
			return nil, err
		}
		flush()
	}
	out := make(map[string]store.Digest, len(parts))
	for id, p := range parts {
		out[id] = store.CombineDigests(p)
	}
	return out, nil
}
