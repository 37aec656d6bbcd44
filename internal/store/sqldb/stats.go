package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// facilityIDs maps facility numbers back to ids.
func (d *DB) facilityIDs(ctx context.Context) (map[int64]string, error) {
	nos, err := d.facilityNumbers(ctx, d.reader(ctx))
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(nos))
	for id, no := range nos {
		out[no] = id
	}
	return out, nil
}

// AgeBands are the lower bounds of the age bands Population and Held group
// by: those the register was created with (see the AgeBands option).
func (d *DB) AgeBands() []int { return slices.Clone(d.ageBands) }

// Population groups the people held on asOf.
func (d *DB) Population(ctx context.Context, asOf domain.Date) ([]store.PopRow, error) {
	pop, _, err := d.Held(ctx, asOf, 0)
	return pop, err
}

// Held sums the aggregate projection (see agg.go) up to asOf: a few dozen
// rows per group rather than one per person held.
func (d *DB) Held(ctx context.Context, asOf domain.Date, cells int) ([]store.PopRow, []store.CellCount, error) {
	ids, err := d.facilityIDs(ctx)
	if err != nil {
		return nil, nil, err
	}
	type key struct {
		fno, cat int64
		band     int
	}
	sums := map[key]int{}
	var k key
	err = d.sumAggregate(ctx, "population", "agg_pop", "fno, cat, band", asOf, []any{&k.fno, &k.cat, &k.band}, func(n int64) {
		sums[k] += int(n)
	})
	if err != nil {
		return nil, nil, err
	}
	cellCounts := map[int64]map[string]int{}
	if cells > 0 {
		var fno int64
		// Most rows add to a cell already counted: the label is read as raw
		// bytes and made a string only for a cell seen for the first time.
		var cell sql.RawBytes
		err = d.sumAggregate(ctx, "cells", "agg_cells", "fno, cell", asOf, []any{&fno, &cell}, func(n int64) {
			m := cellCounts[fno]
			if m == nil {
				m = map[string]int{}
				cellCounts[fno] = m
			}
			if _, ok := m[string(cell)]; ok {
				m[string(cell)] += int(n)
			} else {
				m[string(cell)] = int(n)
			}
		})
		if err != nil {
			return nil, nil, err
		}
	}
	for k, n := range sums {
		if n == 0 {
			delete(sums, k)
		}
	}
	pop := make([]store.PopRow, 0, len(sums))
	for k, n := range sums {
		sex, st, drug := catDecode(k.cat)
		pop = append(pop, store.PopRow{Facility: ids[k.fno], Sex: sex, Status: st, Drug: drug, AgeBand: k.band, Count: n})
	}
	sortPop(pop)
	var cc []store.CellCount
	for fno, m := range cellCounts {
		for cell, n := range m {
			if n != 0 {
				cc = append(cc, store.CellCount{Facility: ids[fno], Cell: cell, Count: n})
			}
		}
	}
	sort.Slice(cc, func(i, j int) bool {
		a, b := cc[i], cc[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Facility != b.Facility {
			return a.Facility < b.Facility
		}
		return a.Cell < b.Cell
	})
	if cells <= 0 {
		cc = nil
	}
	return pop, cc[:min(max(cells, 0), len(cc))], nil
}

// sortPop orders population rows by facility, sex, status, drug and band.
func sortPop(pop []store.PopRow) {
	sort.Slice(pop, func(i, j int) bool {
		a, b := pop[i], pop[j]
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
}

// FlagsOn sums the aggregate projection (see agg.go) up to asOf.
func (d *DB) FlagsOn(ctx context.Context, asOf domain.Date) ([]store.FlagRow, error) {
	ids, err := d.facilityIDs(ctx)
	if err != nil {
		return nil, err
	}
	type key struct {
		fno  int64
		kind string
	}
	rows := map[key]int{}
	var k key
	err = d.sumAggregate(ctx, "vulnerabilities", "agg_flags", "fno, kind", asOf, []any{&k.fno, &k.kind}, func(n int64) {
		rows[k] += int(n)
	})
	if err != nil {
		return nil, err
	}
	out := make([]store.FlagRow, 0, len(rows))
	for k, n := range rows {
		if n != 0 {
			out = append(out, store.FlagRow{Facility: ids[k.fno], Kind: domain.FlagKind(k.kind), Count: n})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Facility != out[j].Facility {
			return out[i].Facility < out[j].Facility
		}
		return out[i].Kind < out[j].Kind
	})
	return out, nil
}

func (d *DB) CellsOn(ctx context.Context, asOf domain.Date, limit int) ([]store.CellCount, error) {
	if limit <= 0 {
		return nil, nil
	}
	_, cc, err := d.Held(ctx, asOf, limit)
	return cc, err
}

func (d *DB) Admissions(ctx context.Context, from, to domain.Date) (all, drug []store.FacilityCount, err error) {
	err = d.eachReplica(ctx, "admissions", `SELECT facility_in, COUNT(*), SUM(drug) FROM episodes
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
	err := d.eachReplica(ctx, "releases", `SELECT facility_out, mechanism, COUNT(*) FROM episodes
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

// digestPage is how many persons ProjectionDigests reads at a time.
const digestPage = 1000

// ProjectionDigests reads the projection tables a page of persons at a time,
// in id order, and fingerprints every person's rows, table by table. The
// pages are bounded by the ids of the persons table; each table is read for
// the same range of ids, so that rows of an id missing from persons (a
// tampered table) are still found. Memory holds one page, and one query is
// open at a time, so that the caller can read the ledger meanwhile from the
// same pool.
func (d *DB) ProjectionDigests(ctx context.Context, fn func(string, store.Digest) error) error {
	// Each scan reads one row and returns its person and how to digest it.
	type scanFn func(r *sql.Rows) (string, func(*store.Digester), error)
	tables := []struct {
		t      int
		query  string // rows of the persons in a range, in digest order
		person string // its person id column
		order  string
		scan   scanFn
	}{
		{store.TPersons, "SELECT " + personCols + " FROM persons", "id", "id", func(r *sql.Rows) (string, func(*store.Digester), error) {
			p, err := scanPerson(r)
			return p.ID, func(dg *store.Digester) { dg.Person(p) }, err
		}},
		{store.TStays, "SELECT person, facility, cell, from_date, to_date, status, drug, sex, dob FROM stays", "person", "person, from_date",
			func(r *sql.Rows) (string, func(*store.Digester), error) {
				var s domain.Stay
				var from, to, drug, dob int64
				var status, sex string
				err := r.Scan(&s.Person, &s.Facility, &s.Cell, &from, &to, &status, &drug, &sex, &dob)
				s.From, s.To, s.Status, s.Drug, s.Sex, s.DOB = domain.Date(from), domain.Date(to), domain.LegalStatus(status), drug != 0, domain.Sex(sex), domain.Date(dob)
				return s.Person, func(dg *store.Digester) { dg.Stay(s) }, err
			}},
		{store.TEpisodes, "SELECT person, n, admitted, facility_in, ended, end_kind, mechanism, facility_out, status_at_end, drug FROM episodes", "person", "person, n",
			func(r *sql.Rows) (string, func(*store.Digester), error) {
				var e domain.Episode
				var adm, ended, drug int64
				var endKind, mech, st string
				err := r.Scan(&e.Person, &e.N, &adm, &e.FacilityIn, &ended, &endKind, &mech, &e.FacilityOut, &st, &drug)
				e.Admitted, e.Ended, e.EndKind, e.Mechanism, e.StatusAtEnd, e.Drug = domain.Date(adm), domain.Date(ended), domain.Kind(endKind), domain.Mechanism(mech), domain.LegalStatus(st), drug != 0
				return e.Person, func(dg *store.Digester) { dg.Episode(e) }, err
			}},
		{store.TFlags, "SELECT person, kind, from_date, to_date, child_dob, detail FROM flags", "person", "person, from_date, kind, child_dob, to_date, detail",
			func(r *sql.Rows) (string, func(*store.Digester), error) {
				var f domain.Flag
				var kind string
				var from, to, cdob int64
				err := r.Scan(&f.Person, &kind, &from, &to, &cdob, &f.Detail)
				f.Kind, f.From, f.To, f.ChildDOB = domain.FlagKind(kind), domain.Date(from), domain.Date(to), domain.Date(cdob)
				return f.Person, func(dg *store.Digester) { dg.Flag(f) }, err
			}},
	}
	var lo string // the last id of the page before; none before the first
	for first := true; ; first = false {
		// The page ends at the digestPage-th person after lo, or is the
		// last page, open-ended.
		// Conditions with no OR, so that both databases read an index range.
		var conds []string
		var args []any
		if !first {
			conds, args = append(conds, "%[1]s > ?"), append(args, lo)
		}
		cond := func(col string) string {
			if len(conds) == 0 {
				return ""
			}
			return " WHERE " + fmt.Sprintf(strings.Join(conds, " AND "), col)
		}
		var hi string
		n := 0
		err := d.each(ctx, "projections", "SELECT id FROM persons"+cond("id")+" ORDER BY id LIMIT ?", append(args, digestPage),
			func(r *sql.Rows) error {
				n++
				return r.Scan(&hi)
			})
		if err != nil {
			return err
		}
		last := n < digestPage
		if !last {
			conds, args = append(conds, "%[1]s <= ?"), append(args, hi)
		}
		parts := map[string]*[store.NTables][32]byte{}
		for _, tb := range tables {
			var cur string
			var dg *store.Digester
			flush := func() {
				if dg == nil {
					return
				}
				p := parts[cur]
				if p == nil {
					p = &[store.NTables][32]byte{store.EmptyDigest, store.EmptyDigest, store.EmptyDigest, store.EmptyDigest}
					parts[cur] = p
				}
				p[tb.t] = dg.Sum()
			}
			err := d.each(ctx, "projections", tb.query+cond(tb.person)+" ORDER BY "+tb.order, args, func(r *sql.Rows) error {
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
				return err
			}
			flush()
		}
		ids := make([]string, 0, len(parts))
		for id := range parts {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			if err := fn(id, store.CombineDigests(parts[id])); err != nil {
				return err
			}
		}
		if last {
			return nil
		}
		lo = hi
	}
}
