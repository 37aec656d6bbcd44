package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// commitmentKinds are read by a partial index (migration 00002), so finding
// the few pledges among millions of custody events costs nothing.
const commitmentKinds = "('pledge', 'declaration', 'reform')"

func (d *DB) Commitments(ctx context.Context) ([]store.StoredEvent, error) {
	return d.commitmentsOn(ctx, d.reader(ctx))
}

func (a *appender) Commitments(ctx context.Context) ([]store.StoredEvent, error) {
	return a.d.commitmentsOn(ctx, a.c)
}

func (d *DB) commitmentsOn(ctx context.Context, q querier) ([]store.StoredEvent, error) {
	var out []store.StoredEvent
	err := d.eachOn(ctx, q, "pledges and reforms", "SELECT "+eventCols+" FROM events WHERE kind IN "+commitmentKinds+" ORDER BY seq", nil,
		func(r *sql.Rows) error {
			e, err := scanEvent(r)
			if err != nil {
				return fmt.Errorf("reading pledges and reforms: %w", err)
			}
			out = append(out, e)
			return nil
		})
	return out, err
}

// FollowUps reads the follow-up steps by their partial index (migration
// 00014).
func (d *DB) FollowUps(ctx context.Context, from int64, fn func(store.StoredEvent) error) error {
	return d.eachReplica(ctx, "follow-ups", "SELECT "+eventCols+" FROM events WHERE kind = 'follow_up' AND seq >= ? ORDER BY seq", []any{from},
		func(r *sql.Rows) error {
			e, err := scanEvent(r)
			if err != nil {
				return fmt.Errorf("reading follow-ups: %w", err)
			}
			return fn(e)
		})
}

// Plans reads the plan events (migration 00010).
func (d *DB) Plans(ctx context.Context) ([]store.StoredEvent, error) {
	return d.plansOn(ctx, d.reader(ctx))
}

func (a *appender) Plans(ctx context.Context) ([]store.StoredEvent, error) {
	return a.d.plansOn(ctx, a.c)
}

// plansOn reads the plan events by the partial index of migration 00010.
func (d *DB) plansOn(ctx context.Context, q querier) ([]store.StoredEvent, error) {
	var out []store.StoredEvent
	err := d.eachOn(ctx, q, "plans", "SELECT "+eventCols+" FROM events WHERE kind = 'plan' ORDER BY seq", nil,
		func(r *sql.Rows) error {
			e, err := scanEvent(r)
			if err != nil {
				return fmt.Errorf("reading plans: %w", err)
			}
			out = append(out, e)
			return nil
		})
	return out, err
}

// Visits reads the monitoring visits (migration 00011).
func (d *DB) Visits(ctx context.Context, facility string) ([]store.StoredEvent, error) {
	return d.visitsOn(ctx, d.reader(ctx), facility)
}

func (a *appender) Visits(ctx context.Context, facility string) ([]store.StoredEvent, error) {
	return a.d.visitsOn(ctx, a.c, facility)
}

func (a *appender) EstateChangedSince(ctx context.Context, seq int64) (bool, error) {
	// A range of the primary key from seq: the few events since the
	// writer's last transaction, or once all of an import made meanwhile.
	var n int
	err := a.c.QueryRowContext(ctx, a.d.q("SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE seq > ? AND kind IN ('facility', 'cell', 'correction') LIMIT 1) AS x"), seq).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("looking for changes of the estate after event %d: %w", seq, err)
	}
	return n > 0, nil
}

// visitsOn reads the visits by the partial index of migration 00011.
func (d *DB) visitsOn(ctx context.Context, q querier, facility string) ([]store.StoredEvent, error) {
	query := "SELECT " + eventCols + " FROM events WHERE kind = 'visit'"
	var args []any
	if facility != "" {
		query += " AND facility = ?"
		args = append(args, facility)
	}
	var out []store.StoredEvent
	err := d.eachOn(ctx, q, "visits", query+" ORDER BY facility, date, seq", args,
		func(r *sql.Rows) error {
			e, err := scanEvent(r)
			if err != nil {
				return fmt.Errorf("reading visits: %w", err)
			}
			out = append(out, e)
			return nil
		})
	return out, err
}

func (d *DB) ReleaseRows(ctx context.Context, from, to domain.Date) ([]store.ReleaseRow, error) {
	type key struct {
		person string
		date   domain.Date
	}
	var out []store.ReleaseRow
	idx := map[key]int{}
	args := []any{int64(from), int64(to), string(domain.KRelease)}
	err := d.eachReplica(ctx, "releases", `SELECT e.person, e.ended, e.facility_out, e.mechanism, p.sex, p.dob, e.status_at_end, e.drug
		FROM episodes e JOIN persons p ON p.id = e.person
		WHERE e.ended >= ? AND e.ended <= ? AND e.end_kind = ?`, args,
		func(r *sql.Rows) error {
			var rr store.ReleaseRow
			var person, mech, sex, status string
			var ended, dob, drug int64
			if err := r.Scan(&person, &ended, &rr.Facility, &mech, &sex, &dob, &status, &drug); err != nil {
				return fmt.Errorf("reading releases: %w", err)
			}
			rr.Date, rr.Mechanism, rr.Sex, rr.DOB = domain.Date(ended), domain.Mechanism(mech), domain.Sex(sex), domain.Date(dob)
			rr.Status, rr.Drug = domain.LegalStatus(status), drug != 0
			idx[key{person, rr.Date}] = len(out)
			out = append(out, rr)
			return nil
		})
	if err != nil {
		return nil, err
	}
	// A vulnerability counts when it was in force on the last day held.
	err = d.eachReplica(ctx, "vulnerabilities at release", `SELECT f.person, e.ended, f.kind
		FROM episodes e JOIN flags f ON f.person = e.person AND f.from_date < e.ended AND f.to_date >= e.ended
		WHERE e.ended >= ? AND e.ended <= ? AND e.end_kind = ?`, args,
		func(r *sql.Rows) error {
			var person, kind string
			var ended int64
			if err := r.Scan(&person, &ended, &kind); err != nil {
				return fmt.Errorf("reading vulnerabilities at release: %w", err)
			}
			if i, ok := idx[key{person, domain.Date(ended)}]; ok {
				k := domain.FlagKind(kind)
				if !slices.Contains(out[i].Flags, k) {
					out[i].Flags = append(out[i].Flags, k)
				}
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	for i := range out {
		slices.Sort(out[i].Flags)
	}
	slices.SortStableFunc(out, func(a, b store.ReleaseRow) int {
		if a.Date != b.Date {
			return int(a.Date) - int(b.Date)
		}
		if a.Facility != b.Facility {
			if a.Facility < b.Facility {
				return -1
			}
			return 1
		}
		if a.Mechanism != b.Mechanism {
			if a.Mechanism < b.Mechanism {
				return -1
			}
			return 1
		}
		return 0
	})
	return out, nil
}

func (d *DB) PopulationChanges(ctx context.Context) ([]store.PopChange, error) {
	names := map[int64]string{}
	err := d.eachReplica(ctx, "facilities", "SELECT no, id FROM facilities", nil, func(r *sql.Rows) error {
		var no int64
		var id string
		if err := r.Scan(&no, &id); err != nil {
			return fmt.Errorf("reading facilities: %w", err)
		}
		names[no] = id
		return nil
	})
	if err != nil {
		return nil, err
	}
	// One pass over the covering index, aggregated here: grouping in SQL
	// sorts every stay, which costs more than reading them.
	acc := map[int64]*store.PopChange{}
	add := func(date, fno int64, in bool) {
		month := date / 100
		k := month<<20 | fno
		c := acc[k]
		if c == nil {
			c = &store.PopChange{Month: domain.Date(month*100 + 1).AddMonths(1).AddDays(-1), Facility: names[fno]}
			acc[k] = c
		}
		if in {
			c.In++
		} else {
			c.Out++
		}
	}
	err = d.eachReplica(ctx, "stays by month", `SELECT from_date, to_date, fno FROM stays WHERE to_date > from_date`, nil,
		func(r *sql.Rows) error {
			var from, to, fno int64
			if err := r.Scan(&from, &to, &fno); err != nil {
				return fmt.Errorf("reading stays by month: %w", err)
			}
			add(from, fno, true)
			if domain.Date(to) != domain.OpenEnd {
				add(to, fno, false)
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	out := make([]store.PopChange, 0, len(acc))
	for _, c := range acc {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b store.PopChange) int {
		if a.Month != b.Month {
			return int(a.Month) - int(b.Month)
		}
		return strings.Compare(a.Facility, b.Facility)
	})
	return out, nil
}

func (d *DB) SaveScreening(ctx context.Context, s store.ScreeningSummary) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("saving a screening summary: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, d.q("DELETE FROM screenings WHERE as_of = ? AND pack = ?"), int64(s.AsOf), s.Pack); err != nil {
		return fmt.Errorf("replacing a screening summary: %w", err)
	}
	ins := d.q(`INSERT INTO screenings (as_of, pack, head, computed_at, reviewed_by, reviewed_on, facility, kind, rule, people)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	for _, c := range s.Counts {
		if _, err := tx.ExecContext(ctx, ins, int64(s.AsOf), s.Pack, s.Head, s.ComputedAt, s.ReviewedBy, int64(s.ReviewedOn),
			c.Facility, c.Kind, c.Rule, c.People); err != nil {
			return fmt.Errorf("saving a screening summary: %s %s %s of %s: %w", c.Facility, c.Kind, c.Rule, s.AsOf, err)
		}
	}
	if len(s.Counts) == 0 {
		// An empty screening is a result too: remember that it was done.
		if _, err := tx.ExecContext(ctx, ins, int64(s.AsOf), s.Pack, s.Head, s.ComputedAt, s.ReviewedBy, int64(s.ReviewedOn),
			"", "", "", 0); err != nil {
			return fmt.Errorf("saving a screening summary: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("saving a screening summary: %w", err)
	}
	d.wrote(ctx) // its reader's next reads see it (replica.go)
	return nil
}

func (d *DB) Screening(ctx context.Context, asOf domain.Date) (store.ScreeningSummary, bool, error) {
	var out store.ScreeningSummary
	found := false
	err := d.eachReplica(ctx, "screening summary", `SELECT pack, head, computed_at, reviewed_by, reviewed_on, facility, kind, rule, people
		FROM screenings WHERE as_of = ? AND computed_at = (SELECT MAX(computed_at) FROM screenings WHERE as_of = ?)
		ORDER BY pack, facility, kind, rule`, []any{int64(asOf), int64(asOf)},
		func(r *sql.Rows) error {
			var c store.ScreeningCount
			var pack, head, at, by string
			var on int64
			if err := r.Scan(&pack, &head, &at, &by, &on, &c.Facility, &c.Kind, &c.Rule, &c.People); err != nil {
				return fmt.Errorf("reading the screening summary: %w", err)
			}
			if found && pack != out.Pack {
				return nil // two packs saved in the same second: keep the first
			}
			found = true
			out.AsOf, out.Pack, out.Head, out.ComputedAt = asOf, pack, head, at
			out.ReviewedBy, out.ReviewedOn = by, domain.Date(on)
			if c.Kind != "" {
				out.Counts = append(out.Counts, c)
			}
			return nil
		})
	return out, found, err
}

func (d *DB) CountEvents(ctx context.Context, kind domain.Kind, from, to domain.Date) (int, error) {
	var n int64
	err := d.reader(ctx).QueryRowContext(ctx, d.q("SELECT COUNT(*) FROM events WHERE date >= ? AND date <= ? AND kind = ?"),
		int64(from), int64(to), string(kind)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("counting %s events: %w", kind, err)
	}
	return int(n), nil
}
