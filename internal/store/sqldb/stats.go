package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// facilityIDs maps facility numbers back to ids.
func (d *DB) facilityIDs(ctx context.Context) (map[int64]string, error) {
	nos, err := d.facilityNumbers(ctx, d.db)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(nos))
	for id, no := range nos {
		out[no] = id
	}
	return out, nil
}

// ageBand is the lower bound of the band of an age, -1 when unknown.
func ageBand(age int) int {
	if age < 0 {
		return -1
	}
	b := 0
	for _, lo := range store.AgeBands {
		if age >= lo {
			b = lo
		}
	}
	return b
}

// Population groups the stays held on asOf by integer columns only (facility
// number, packed categories, year of birth, and whether the birthday has come
// this year), which SQLite sorts several times faster than text; ages and
// bands are worked out here.
func (d *DB) Population(ctx context.Context, asOf domain.Date) ([]store.PopRow, error) {
	ids, err := d.facilityIDs(ctx)
	if err != nil {
		return nil, err
	}
	a := int64(asOf)
	type key struct {
		fno, cat int64
		band     int
	}
	// SQLite groups by sorting, which costs more than scanning; the rows
	// are few columns of integers, so they are summed here instead.
	sums := map[key]int{}
	var bandOf [200]int8 // band by age, for ages 0..199
	for age := range bandOf {
		bandOf[age] = int8(ageBand(age))
	}
	year, mmdd := int64(asOf.Year()), a%10000
	err = d.each(ctx, "population", `SELECT fno, cat, dob FROM stays WHERE to_date > ? AND from_date <= ?`, []any{a, a},
		func(r *sql.Rows) error {
			var fno, cat, dob int64
			if err := r.Scan(&fno, &cat, &dob); err != nil {
				return fmt.Errorf("reading population: %w", err)
			}
			band := -1
			if dob != 0 {
				age := year - dob/10000
				if dob%10000 > mmdd {
					age--
				}
				band = int(bandOf[min(max(age, 0), 199)])
			}
			sums[key{fno, cat, band}]++
			return nil
		})
	if err != nil {
		return nil, err
	}
	out := make([]store.PopRow, 0, len(sums))
	for k, n := range sums {
		sex, st, drug := catDecode(k.cat)
		out = append(out, store.PopRow{Facility: ids[k.fno], Sex: sex, Status: st, Drug: drug, AgeBand: k.band, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Facility != b.Facility {
			return a.Facility < b.Facility
		}
		if a.Sex != b.Sex {
			return a.Sex < b.Sex
		}
		if a.Status != b.Status {
			return a.Status < b.Status
		}
		if a.Drug != b.Drug {
			return !a.Drug
		}
		return a.AgeBand < b.AgeBand
	})
	return out, nil
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
	ids, err := d.facilityIDs(ctx)
	if err != nil {
		return nil, err
	}
	// Counted per facility number, then per cell, reading the cell label as
	// raw bytes so that counting allocates nothing per row.
	counts := map[int64]map[string]int{}
	err = d.each(ctx, "cell populations", `SELECT fno, cell FROM stays
		WHERE to_date > ? AND from_date <= ? AND cell <> ''`, []any{int64(asOf), int64(asOf)},
		func(r *sql.Rows) error {
			var fno int64
			var cell sql.RawBytes
			if err := r.Scan(&fno, &cell); err != nil {
				return fmt.Errorf("reading cell populations: %w", err)
			}
			m := counts[fno]
			if m == nil {
				m = map[string]int{}
				counts[fno] = m
			}
			if _, ok := m[string(cell)]; ok {
				m[string(cell)]++
			} else {
				m[string(cell)] = 1
			}
			return nil
		})
	var out []store.CellCount
	for fno, m := range counts {
		for cell, n := range m {
			out = append(out, store.CellCount{Facility: ids[fno], Cell: cell, Count: n})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Facility != b.Facility {
			return a.Facility < b.Facility
		}
		return a.Cell < b.Cell
	})
	return out[:min(limit, len(out))], err
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
