package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
)

// The aggregate projection answers "how many were held on a date" without
// reading the people held. Every stay adds +1 to its group on its first day
// and -1 on its end day (the day it no longer counts), and the figure of a
// date is the sum of the deltas up to it. Summing every day since the first
// admission would read as many rows as the stays themselves, so each delta
// is added to three buckets, told apart by their number of digits: its year
// (YYYY), its month (YYYYMM) and its day (YYYYMMDD). The sum up to D is that
// of the years before D's year, the months of D's year before D's month and
// the days of D's month up to D: a few dozen rows per group.
//
// Three tables hold the groups the statistics report:
//   - agg_pop: facility number, category (catCode) and age band. A stay is
//     split where the person's age band changes, on the first day on which
//     the age (as Held computes it) reaches the band's lower bound.
//   - agg_cells: facility number and cell label, for stays with a cell.
//   - agg_flags: facility number and flag kind: a person counts once per
//     facility and kind while any flag of that kind overlaps a stay there,
//     except children (FlagChild), one per flag and stay.
//
// The store keeps them in the transaction that writes the stays and flags:
// a person's rows are subtracted before they are deleted and the new rows
// added, the deltas of a whole transaction summed in memory and written as
// one upsert per bucket (sooner when they grow large). A bulk load into an
// empty register and a rebuild of every projection recompute them from the
// stays and flags at commit instead, a range of years at a time, which
// costs less than summing every person's changes as they come. Buckets that
// sum to zero are kept: they read as nothing, and verify compares the
// non-zero sums only.

// defaultAggFlushAt is how many day buckets a writer holds in memory before
// it writes them (DB.aggFlushAt; tests lower it), about 50 MB. A rebuild
// holds up to sixteen times as many changes at once (yearChunks): they sum
// into far fewer buckets (many stays start and end on the same days in the
// same groups), and every range of years costs another read of all the
// stays and flags: at a million people (9 million stays) the import of the
// ledger took 1,452 s with four times the budget, 1,200 s with sixteen, for
// 0.8 GB more memory at its peak (bench/RESULTS.md). (The stays and flags
// are now read once, see aggSource.)
const defaultAggFlushAt = 1 << 20

type popKey struct {
	bucket, fno int32
	cat         int16
	band        int8
}

type cellKey struct {
	bucket, fno int32
	cell        string
}

type flagKey struct {
	bucket, fno int32
	kind        string
}

// aggDelta is a sum of changes to the aggregate tables, not yet written:
// by day until rollUp adds them to their months and years.
type aggDelta struct {
	pop   map[popKey]int64
	cells map[cellKey]int64
	flags map[flagKey]int64
	// written: some deltas were flushed already, so the tables are no
	// longer known to be empty.
	written bool
	// Only the changes dated in the years [lo, hi) are kept, when hi > 0.
	lo, hi int64
	// hist, when not nil, only counts the changes by year.
	hist map[int64]int64
	// bands are the register's age bands (DB.ageBands).
	bands []int
}

func newAggDelta(bands []int) *aggDelta {
	return &aggDelta{pop: map[popKey]int64{}, cells: map[cellKey]int64{}, flags: map[flagKey]int64{}, bands: bands}
}

func (a *aggDelta) size() int { return len(a.pop) + len(a.cells) + len(a.flags) }

// rollUp adds the day buckets' sums to their months and years. The changes
// are summed by day as they come, and by month and year only here: a third
// of the work, on far fewer keys.
func (a *aggDelta) rollUp() {
	rollUpTable(a.pop, func(k popKey, b int32) popKey { k.bucket = b; return k }, func(k popKey) int32 { return k.bucket })
	rollUpTable(a.cells, func(k cellKey, b int32) cellKey { k.bucket = b; return k }, func(k cellKey) int32 { return k.bucket })
	rollUpTable(a.flags, func(k flagKey, b int32) flagKey { k.bucket = b; return k }, func(k flagKey) int32 { return k.bucket })
}

func rollUpTable[K comparable](m map[K]int64, with func(K, int32) K, bucket func(K) int32) {
	up := map[K]int64{}
	for k, n := range m {
		if b := bucket(k); b >= 10000000 && n != 0 {
			up[with(k, b/100)] += n
			up[with(k, b/10000)] += n
		}
	}
	for k, n := range up {
		m[k] += n
	}
}

// skip reports whether a change dated date is left out (and counts it, for
// a histogram).
func (a *aggDelta) skip(date int64) bool {
	if a.hist != nil {
		a.hist[date/10000]++
		return true
	}
	return a.hi > 0 && (date < a.lo*10000 || date >= a.hi*10000)
}

func (a *aggDelta) addPop(date int64, fno, cat int64, band int, n int64) {
	if a.skip(date) {
		return
	}
	a.pop[popKey{int32(date), int32(fno), int16(cat), int8(band)}] += n
}

func (a *aggDelta) addCell(date int64, fno int64, cell string, n int64) {
	if a.skip(date) {
		return
	}
	a.cells[cellKey{int32(date), int32(fno), cell}] += n
}

func (a *aggDelta) addFlag(date int64, fno int64, kind string, n int64) {
	if a.skip(date) {
		return
	}
	a.flags[flagKey{int32(date), int32(fno), kind}] += n
}

// aggStay and aggFlag are the columns of a stay and a flag the aggregates
// are computed from.
type aggStay struct {
	fno, cat, dob, from, to int64
	cell                    string
}

type aggFlag struct {
	kind     string
	from, to int64
}

func stayOf(s *domain.Stay, fno int64) aggStay {
	return aggStay{fno: fno, cat: catCode(s.Sex, s.Status, s.Drug), dob: int64(s.DOB), from: int64(s.From), to: int64(s.To), cell: s.Cell}
}

func flagOf(f *domain.Flag) aggFlag {
	return aggFlag{kind: string(f.Kind), from: int64(f.From), to: int64(f.To)}
}

// bandOn is the age band among bands on date of a person born on dob (not
// NoDate), as Held computes it: the age in whole years, clamped to 0..199.
func bandOn(bands []int, dob, date int64) int {
	age := date/10000 - dob/10000
	if dob%10000 > date%10000 {
		age--
	}
	return domain.AgeBandOf(bands, int(min(max(age, 0), 199)))
}

// birthday is the first day on which a person born on dob is age years old
// by bandOn: the anniversary, or 1 March for 29 February in a common year.
func birthday(dob int64, age int) int64 {
	y, md := dob/10000+int64(age), dob%10000
	if md == 229 && !(y%4 == 0 && (y%100 != 0 || y%400 == 0)) {
		md = 301
	}
	return y*10000 + md
}

// addStay adds (sign +1) or removes (-1) a stay's population and cell counts.
func (a *aggDelta) addStay(s aggStay, sign int64) {
	if s.from >= s.to {
		return // held on no date
	}
	if s.cell != "" {
		a.addCell(s.from, s.fno, s.cell, sign)
		a.addCell(s.to, s.fno, s.cell, -sign)
	}
	if s.dob == 0 {
		a.addPop(s.from, s.fno, s.cat, -1, sign)
		a.addPop(s.to, s.fno, s.cat, -1, -sign)
		return
	}
	cur, band := s.from, bandOn(a.bands, s.dob, s.from)
	for _, lo := range a.bands[1:] {
		t := birthday(s.dob, lo)
		if t <= cur {
			continue
		}
		if t >= s.to {
			break
		}
		if nb := bandOn(a.bands, s.dob, t); nb != band {
			a.addPop(cur, s.fno, s.cat, band, sign)
			a.addPop(t, s.fno, s.cat, band, -sign)
			cur, band = t, nb
		}
	}
	a.addPop(cur, s.fno, s.cat, band, sign)
	a.addPop(s.to, s.fno, s.cat, band, -sign)
}

// span is a half-open interval of dates.
type span struct{ from, to int64 }

// flagPair is the overlap of a flag with a stay of the same person.
type flagPair struct {
	kind        string
	fno, lo, hi int64
}

// addFlags adds (sign +1) or removes (-1) the flag counts of one person,
// from all their stays and flags.
func (a *aggDelta) addFlags(stays []aggStay, flags []aggFlag, sign int64) {
	if len(flags) == 0 || len(stays) == 0 {
		return
	}
	var pairs []flagPair
	for _, f := range flags {
		for _, s := range stays {
			pairs = append(pairs, flagPair{f.kind, s.fno, max(f.from, s.from), min(f.to, s.to)})
		}
	}
	a.addFlagPairs(pairs, sign)
}

// addFlagPairs adds (sign +1) or removes (-1) the flag counts of one person,
// from every pair of their flags and stays.
func (a *aggDelta) addFlagPairs(pairs []flagPair, sign int64) {
	type fk struct {
		fno  int64
		kind string
	}
	var spans map[fk][]span
	for _, p := range pairs {
		if p.lo >= p.hi {
			continue
		}
		if p.kind == string(domain.FlagChild) {
			a.addFlag(p.lo, p.fno, p.kind, sign)
			a.addFlag(p.hi, p.fno, p.kind, -sign)
			continue
		}
		if spans == nil {
			spans = map[fk][]span{}
		}
		k := fk{p.fno, p.kind}
		spans[k] = append(spans[k], span{p.lo, p.hi})
	}
	// A person counts once while any of their flags of a kind overlaps a
	// stay at the facility: the union of the overlaps.
	for k, ss := range spans {
		slices.SortFunc(ss, func(x, y span) int { return cmp.Compare(x.from, y.from) })
		cur := ss[0]
		for _, s := range ss[1:] {
			if s.from <= cur.to {
				cur.to = max(cur.to, s.to)
				continue
			}
			a.addFlag(cur.from, k.fno, k.kind, sign)
			a.addFlag(cur.to, k.fno, k.kind, -sign)
			cur = s
		}
		a.addFlag(cur.from, k.fno, k.kind, sign)
		a.addFlag(cur.to, k.fno, k.kind, -sign)
	}
}

// addFile adds (sign +1) or removes (-1) the contribution of a person file.
func (a *aggDelta) addFile(f *domain.PersonFile, fno map[string]int64, sign int64) {
	stays := make([]aggStay, len(f.Stays))
	for i := range f.Stays {
		stays[i] = stayOf(&f.Stays[i], fno[f.Stays[i].Facility])
		a.addStay(stays[i], sign)
	}
	if len(f.Flags) == 0 {
		return
	}
	flags := make([]aggFlag, len(f.Flags))
	for i := range f.Flags {
		flags[i] = flagOf(&f.Flags[i])
	}
	a.addFlags(stays, flags, sign)
}

// subtractStored removes the contribution of the stored stays and flags of
// persons, read through q (the transaction about to delete them).
func (d *DB) subtractStored(ctx context.Context, q querier, a *aggDelta, in string, args []any) error {
	stays := map[string][]aggStay{}
	err := d.eachOn(ctx, q, "stays", "SELECT person, fno, cat, dob, cell, from_date, to_date FROM stays WHERE person IN ("+in+")", args,
		func(r *sql.Rows) error {
			var p string
			var s aggStay
			if err := r.Scan(&p, &s.fno, &s.cat, &s.dob, &s.cell, &s.from, &s.to); err != nil {
				return fmt.Errorf("reading stays: %w", err)
			}
			a.addStay(s, -1)
			stays[p] = append(stays[p], s)
			return nil
		})
	if err != nil {
		return err
	}
	flags := map[string][]aggFlag{}
	err = d.eachOn(ctx, q, "flags", "SELECT person, kind, from_date, to_date FROM flags WHERE person IN ("+in+")", args,
		func(r *sql.Rows) error {
			var p string
			var f aggFlag
			if err := r.Scan(&p, &f.kind, &f.from, &f.to); err != nil {
				return fmt.Errorf("reading flags: %w", err)
			}
			flags[p] = append(flags[p], f)
			return nil
		})
	if err != nil {
		return err
	}
	for p, fs := range flags {
		a.addFlags(stays[p], fs, -1)
	}
	return nil
}

// flush writes the deltas and empties a. When the tables are known to be
// empty (a bulk load, a rebuild) and nothing was written yet, the rows are
// inserted in bulk; otherwise each is added to its bucket.
func (d *DB) flush(ctx context.Context, c *sql.Conn, a *aggDelta, empty bool) error {
	plain := empty && !a.written
	a.written = true
	a.rollUp()
	if err := flushTable(ctx, d, c, "agg_pop", []string{"bucket", "fno", "cat", "band"}, a.pop, plain, func(x, y popKey) int {
		return cmp.Or(cmp.Compare(x.bucket, y.bucket), cmp.Compare(x.fno, y.fno), cmp.Compare(x.cat, y.cat), cmp.Compare(x.band, y.band))
	}, func(k popKey, r []any) {
		r[0], r[1], r[2], r[3] = int64(k.bucket), int64(k.fno), int64(k.cat), int64(k.band)
	}); err != nil {
		return err
	}
	if err := flushTable(ctx, d, c, "agg_cells", []string{"bucket", "fno", "cell"}, a.cells, plain, func(x, y cellKey) int {
		return cmp.Or(cmp.Compare(x.bucket, y.bucket), cmp.Compare(x.fno, y.fno), strings.Compare(x.cell, y.cell))
	}, func(k cellKey, r []any) {
		r[0], r[1], r[2] = int64(k.bucket), int64(k.fno), k.cell
	}); err != nil {
		return err
	}
	if err := flushTable(ctx, d, c, "agg_flags", []string{"bucket", "fno", "kind"}, a.flags, plain, func(x, y flagKey) int {
		return cmp.Or(cmp.Compare(x.bucket, y.bucket), cmp.Compare(x.fno, y.fno), strings.Compare(x.kind, y.kind))
	}, func(k flagKey, r []any) {
		r[0], r[1], r[2] = int64(k.bucket), int64(k.fno), k.kind
	}); err != nil {
		return err
	}
	clear(a.pop)
	clear(a.cells)
	clear(a.flags)
	return nil
}

// flushTable writes the non-zero deltas of one table in key order, which
// appends to the primary key's b-tree rather than inserting at random.
func flushTable[K comparable](ctx context.Context, d *DB, c *sql.Conn, table string, keyCols []string, m map[K]int64, plain bool,
	compare func(K, K) int, fill func(K, []any)) error {
	keys := make([]K, 0, len(m))
	for k, n := range m {
		if n != 0 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	slices.SortFunc(keys, compare)
	cols := append(slices.Clip(keyCols), "n")
	nk := len(keyCols)
	fillRow := func(i int, r []any) {
		fill(keys[i], r)
		r[nk] = m[keys[i]]
	}
	if plain {
		if err := d.bulk(ctx, c, table, cols, len(keys), fillRow); err != nil {
			return fmt.Errorf("writing %s: %w", table, err)
		}
		return nil
	}
	// Keys are distinct, as PostgreSQL requires of one upsert.
	per := min(len(keys), 256)
	stmt := func(rows int) string {
		one := "(" + placeholders(len(cols)) + ")"
		return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(one+",", rows), ",") +
			" ON CONFLICT (" + strings.Join(keyCols, ", ") + ") DO UPDATE SET n = " + table + ".n + excluded.n"
	}
	st, err := c.PrepareContext(ctx, d.q(stmt(per)))
	if err != nil {
		return fmt.Errorf("preparing %s update: %w", table, err)
	}
	defer st.Close()
	args := make([]any, per*len(cols))
	for lo := 0; lo < len(keys); lo += per {
		rows := min(per, len(keys)-lo)
		a := args[:rows*len(cols)]
		for j := range rows {
			fillRow(lo+j, a[j*len(cols):(j+1)*len(cols)])
		}
		if rows == per {
			_, err = st.ExecContext(ctx, a...)
		} else {
			_, err = c.ExecContext(ctx, d.q(stmt(rows)), a...)
		}
		if err != nil {
			return fmt.Errorf("updating %s: %w", table, err)
		}
	}
	return nil
}

var aggTables = []string{"agg_pop", "agg_cells", "agg_flags"}

// aggSource is what the aggregates are computed from: every stay, and every
// pair of a flag and a stay of the same person, grouped by person. It is
// read once and held compactly (24 and 16 bytes a row; the dates are days
// as yyyymmdd and fit in 32 bits), so that a large register's ranges of
// years (yearChunks) are each computed from memory: at a million people
// every range used to cost another read of 9 million stays.
type aggSource struct {
	stays []srcStay
	pairs []srcPair
	// ends[i] is where the pairs of the i-th person with flags end.
	ends []int
	// names are the cell labels and flag kinds, by number; 0 is "".
	names []string
}

type srcStay struct{ fno, cat, dob, from, to, cell int32 }

type srcPair struct{ kind, fno, lo, hi int32 }

// readAggSource reads the stays and flags through q.
func (d *DB) readAggSource(ctx context.Context, q querier) (*aggSource, error) {
	src := &aggSource{names: []string{""}}
	num := map[string]int32{"": 0}
	name := func(s string) int32 {
		n, ok := num[s]
		if !ok {
			n = int32(len(src.names))
			num[s] = n
			src.names = append(src.names, s)
		}
		return n
	}
	var bad error
	i32 := func(what string, v int64) int32 {
		if v < math.MinInt32 || v > math.MaxInt32 {
			bad = fmt.Errorf("reading %s: value %d out of range", what, v)
		}
		return int32(v)
	}
	// Population and cells: each stay on its own, in any order.
	err := d.eachOn(ctx, q, "stays", "SELECT fno, cat, dob, cell, from_date, to_date FROM stays", nil, func(r *sql.Rows) error {
		var s aggStay
		if err := r.Scan(&s.fno, &s.cat, &s.dob, &s.cell, &s.from, &s.to); err != nil {
			return fmt.Errorf("reading stays: %w", err)
		}
		src.stays = append(src.stays, srcStay{i32("stays", s.fno), i32("stays", s.cat), i32("stays", s.dob),
			i32("stays", s.from), i32("stays", s.to), name(s.cell)})
		return bad
	})
	if err != nil {
		return nil, err
	}
	// Flags: every pair of a flag and a stay of the same person, person by
	// person.
	var cur string
	err = d.eachOn(ctx, q, "flags", `SELECT f.person, f.kind, f.from_date, f.to_date, s.fno, s.from_date, s.to_date
		FROM flags f JOIN stays s ON s.person = f.person ORDER BY f.person`, nil, func(r *sql.Rows) error {
		var p string
		var f aggFlag
		var s aggStay
		if err := r.Scan(&p, &f.kind, &f.from, &f.to, &s.fno, &s.from, &s.to); err != nil {
			return fmt.Errorf("reading flags: %w", err)
		}
		if p != cur && len(src.pairs) > 0 {
			src.ends = append(src.ends, len(src.pairs))
		}
		cur = p
		src.pairs = append(src.pairs, srcPair{name(f.kind), i32("flags", s.fno), i32("flags", max(f.from, s.from)), i32("flags", min(f.to, s.to))})
		return bad
	})
	if err != nil {
		return nil, err
	}
	if len(src.pairs) > 0 {
		src.ends = append(src.ends, len(src.pairs))
	}
	return src, nil
}

// addTo adds to a the aggregates of the source (those of the years a keeps).
func (src *aggSource) addTo(a *aggDelta) {
	for _, s := range src.stays {
		a.addStay(aggStay{fno: int64(s.fno), cat: int64(s.cat), dob: int64(s.dob), from: int64(s.from), to: int64(s.to), cell: src.names[s.cell]}, 1)
	}
	var pairs []flagPair
	lo := 0
	for _, hi := range src.ends {
		pairs = pairs[:0]
		for _, p := range src.pairs[lo:hi] {
			pairs = append(pairs, flagPair{src.names[p.kind], int64(p.fno), int64(p.lo), int64(p.hi)})
		}
		a.addFlagPairs(pairs, 1)
		lo = hi
	}
}

// yearChunks splits the years into ranges [lo, hi) whose changes are few
// enough to be held in memory at once, from a first pass that counts them:
// the aggregates of a large register are computed range by range, each
// range's buckets apart from the others'. The ranges cover every year.
func (d *DB) yearChunks(src *aggSource) [][2]int64 {
	budget := int64(16 * d.aggFlushAt) // see defaultAggFlushAt
	// A stay makes a few changes (a start, an end, a birthday or two), and
	// so does a flag: a small register is done in one range, without the
	// pass that counts.
	if 6*int64(len(src.stays))+4*int64(len(src.pairs)) <= budget {
		return [][2]int64{{0, 10000}}
	}
	h := &aggDelta{hist: map[int64]int64{}, bands: d.ageBands}
	src.addTo(h)
	years := make([]int64, 0, len(h.hist))
	for y := range h.hist {
		years = append(years, y)
	}
	slices.Sort(years)
	var out [][2]int64
	lo, n := int64(0), int64(0)
	for _, y := range years {
		if n > 0 && n+h.hist[y] > budget {
			out = append(out, [2]int64{lo, y})
			lo, n = y, 0
		}
		n += h.hist[y]
	}
	return append(out, [2]int64{lo, 10000})
}

// rebuildAggregates replaces the aggregate tables with a computation from
// the stays and flags tables, read and written through c, a range of years
// at a time, each inserted in key order.
func (d *DB) rebuildAggregates(ctx context.Context, c *sql.Conn) error {
	if err := d.clearAggregates(ctx, c); err != nil {
		return err
	}
	src, err := d.readAggSource(ctx, c)
	if err != nil {
		return err
	}
	for _, ch := range d.yearChunks(src) {
		// Each range is seconds of computing on a large register, without
		// a statement that would notice a cancellation.
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("computing the aggregates of the years from %d: %w", ch[0], err)
		}
		a := newAggDelta(d.ageBands)
		a.lo, a.hi = ch[0], ch[1]
		src.addTo(a)
		// Each range's buckets are new to the tables.
		if err := d.flush(ctx, c, a, true); err != nil {
			return err
		}
	}
	return nil
}

// sumAggregate sums the buckets of a table up to asOf, calling fn with each
// row's key columns scanned into dest and its count.
func (d *DB) sumAggregate(ctx context.Context, what, table, keyCols string, asOf domain.Date, dest []any, fn func(n int64)) error {
	// Three range scans of the primary key, one per level: the years before
	// asOf's year (no month or day bucket is below 10000), the months of its
	// year before its month, the days of its month up to it.
	a := int64(asOf)
	y, m := a/10000, a/100
	var n int64
	row := append(slices.Clip(dest), &n)
	q := "SELECT " + keyCols + ", n FROM " + table + " WHERE bucket < ?" +
		" UNION ALL SELECT " + keyCols + ", n FROM " + table + " WHERE bucket >= ? AND bucket < ?" +
		" UNION ALL SELECT " + keyCols + ", n FROM " + table + " WHERE bucket >= ? AND bucket <= ?"
	return d.eachReplica(ctx, what, q, []any{y, y * 100, m, m * 100, a}, func(r *sql.Rows) error {
		if err := r.Scan(row...); err != nil {
			return fmt.Errorf("reading %s: %w", what, err)
		}
		fn(n)
		return nil
	})
}

// aggregatesPending reports whether the aggregate projection has to be
// built (a database made before it existed).
func (d *DB) aggregatesPending(ctx context.Context, q querier) (bool, error) {
	var n int64
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM agg_pending").Scan(&n); err != nil {
		return false, fmt.Errorf("reading the state of the aggregate projection: %w", err)
	}
	return n > 0, nil
}

// buildAggregates builds the aggregate projection of a register whose
// schema predates it, from its stays and flags, once: migration 00004 marks
// it pending.
func (d *DB) buildAggregates(ctx context.Context) error {
	pending, err := d.aggregatesPending(ctx, d.db)
	if err != nil || !pending {
		return err
	}
	ap, err := d.BeginAppend(ctx)
	if err != nil {
		return err
	}
	a := ap.(*appender)
	defer a.abort(ctx)
	// Another process may have built it while this one waited for the lock.
	if pending, err = d.aggregatesPending(ctx, a.c); err != nil || !pending {
		return err
	}
	start := time.Now()
	// A warning, so that it shows by default: on a large register the
	// command that upgrades it pauses for a while.
	d.log.Warn("upgrading the register: building the aggregate projection of the statistics from the stays and flags (once; a minute or more on a large register)")
	if err := d.rebuildAggregates(ctx, a.c); err != nil {
		return fmt.Errorf("building the aggregate projection: %w", err)
	}
	if err := a.Commit(ctx); err != nil {
		return err
	}
	d.log.Info("built the aggregate projection", "seconds", time.Since(start).Seconds())
	return nil
}

// clearAggregates empties the aggregate tables and marks them built.
func (d *DB) clearAggregates(ctx context.Context, c *sql.Conn) error {
	for _, t := range append(slices.Clip(aggTables), "agg_pending") {
		if _, err := c.ExecContext(ctx, "DELETE FROM "+t); err != nil {
			return fmt.Errorf("clearing %s: %w", t, err)
		}
	}
	return nil
}

// AggregateProblems compares the stored aggregate projection with one
// computed afresh from the stored stays and flags, and describes up to
// limit buckets that differ. It computes a range of years at a time, so that
// memory stays bounded on a large register.
func (d *DB) AggregateProblems(ctx context.Context, limit int) ([]string, error) {
	var out []string
	report := func(table string, key string, stored, want int64) {
		if len(out) < limit {
			out = append(out, fmt.Sprintf("aggregate %s, bucket %s: stored %d, computed from the stays and flags %d", table, key, stored, want))
		}
	}
	src, err := d.readAggSource(ctx, d.db)
	if err != nil {
		return nil, err
	}
	var b, fno, cat, band int64
	var s string
	for _, ch := range d.yearChunks(src) {
		fresh := newAggDelta(d.ageBands)
		fresh.lo, fresh.hi = ch[0], ch[1]
		src.addTo(fresh)
		fresh.rollUp()
		// The buckets of the years [lo, hi), by their number of digits.
		lo, hi := ch[0], ch[1]
		where := "(bucket >= ? AND bucket < ?) OR (bucket >= ? AND bucket < ?) OR (bucket >= ? AND bucket < ?)"
		args := []any{lo, hi, max(lo*100, 100000), hi * 100, max(lo*10000, 10000000), hi * 10000}
		if err := compareAggregate(ctx, d, "agg_pop", "bucket, fno, cat, band", where, args, []any{&b, &fno, &cat, &band}, fresh.pop,
			func() popKey { return popKey{int32(b), int32(fno), int16(cat), int8(band)} },
			func(k popKey) string {
				return fmt.Sprintf("%d (facility no. %d, category %03d, age band %d)", k.bucket, k.fno, k.cat, k.band)
			}, report); err != nil {
			return nil, err
		}
		if err := compareAggregate(ctx, d, "agg_cells", "bucket, fno, cell", where, args, []any{&b, &fno, &s}, fresh.cells,
			func() cellKey { return cellKey{int32(b), int32(fno), s} },
			func(k cellKey) string { return fmt.Sprintf("%d (facility no. %d, cell %q)", k.bucket, k.fno, k.cell) }, report); err != nil {
			return nil, err
		}
		if err := compareAggregate(ctx, d, "agg_flags", "bucket, fno, kind", where, args, []any{&b, &fno, &s}, fresh.flags,
			func() flagKey { return flagKey{int32(b), int32(fno), s} },
			func(k flagKey) string { return fmt.Sprintf("%d (facility no. %d, %s)", k.bucket, k.fno, k.kind) }, report); err != nil {
			return nil, err
		}
	}
	// Buckets that are no year, month or day are never read, and never
	// written either.
	for _, t := range aggTables {
		var n int64
		if err := d.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t+` WHERE NOT (bucket >= 0 AND bucket < 10000 OR
			bucket >= 100000 AND bucket < 1000000 OR bucket >= 10000000 AND bucket < 100000000) AND n <> 0`).Scan(&n); err != nil {
			return nil, fmt.Errorf("reading %s: %w", t, err)
		}
		if n > 0 && len(out) < limit {
			out = append(out, fmt.Sprintf("aggregate %s: %d rows whose bucket is no year, month or day", t, n))
		}
	}
	pending, err := d.aggregatesPending(ctx, d.db)
	if err != nil {
		return nil, err
	}
	if pending && len(out) < limit {
		out = append(out, "the aggregate projection is marked as not built")
	}
	return out, nil
}

// compareAggregate reports the buckets of table whose stored sum differs
// from want, consuming want.
func compareAggregate[K comparable](ctx context.Context, d *DB, table, cols, where string, args []any, dest []any, want map[K]int64,
	key func() K, name func(K) string, report func(table, key string, stored, want int64)) error {
	var n int64
	err := d.each(ctx, table, "SELECT "+cols+", n FROM "+table+" WHERE "+where, args, func(r *sql.Rows) error {
		if err := r.Scan(append(slices.Clip(dest), &n)...); err != nil {
			return fmt.Errorf("reading %s: %w", table, err)
		}
		k := key()
		if w := want[k]; w != n {
			report(table, name(k), n, w)
		}
		delete(want, k)
		return nil
	})
	if err != nil {
		return err
	}
	var missing []K
	for k, w := range want {
		if w != 0 {
			missing = append(missing, k)
		}
	}
	// Reported in a stable order, so that two runs say the same.
	slices.SortFunc(missing, func(x, y K) int { return strings.Compare(name(x), name(y)) })
	for _, k := range missing {
		report(table, name(k), 0, want[k])
	}
	return nil
}
