package sqldb

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (d *DB) headOn(ctx context.Context, q querier) (store.Head, error) {
	h := store.Head{Hash: domain.GenesisHash}
	err := q.QueryRowContext(ctx, "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").Scan(&h.Seq, &h.Hash)
	if err == sql.ErrNoRows {
		return store.Head{Hash: domain.GenesisHash}, nil
	}
	if err != nil {
		return h, fmt.Errorf("reading the ledger head: %w", err)
	}
	return h, nil
}

func (d *DB) Head(ctx context.Context) (store.Head, error) { return d.headOn(ctx, d.reader(ctx)) }

const eventCols = "seq, kind, date, person, facility, body, prev, hash"

func scanEvent(rows interface{ Scan(...any) error }) (store.StoredEvent, error) {
	var e store.StoredEvent
	var kind string
	var date int64
	err := rows.Scan(&e.Seq, &kind, &date, &e.Person, &e.Facility, &e.Body, &e.Prev, &e.Hash)
	e.Kind, e.Date = domain.Kind(kind), domain.Date(date)
	return e, err
}

// each runs a query and calls fn for every row.
func (d *DB) each(ctx context.Context, what, query string, args []any, fn func(*sql.Rows) error) error {
	return d.eachOn(ctx, d.db, what, query, args, fn)
}

func (d *DB) eachOn(ctx context.Context, q querier, what, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, d.q(query), args...)
	if err != nil {
		return fmt.Errorf("reading %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", what, err)
	}
	return nil
}

func (d *DB) Events(ctx context.Context, from int64, fn func(store.StoredEvent) error) error {
	return d.eachReplica(ctx, "events", "SELECT "+eventCols+" FROM events WHERE seq >= ? ORDER BY seq", []any{from}, func(r *sql.Rows) error {
		e, err := scanEvent(r)
		if err != nil {
			return fmt.Errorf("reading events: %w", err)
		}
		return fn(e)
	})
}

func (d *DB) Event(ctx context.Context, seq int64) (store.StoredEvent, bool, error) {
	return d.eventOn(ctx, d.reader(ctx), seq)
}

func (a *appender) Event(ctx context.Context, seq int64) (store.StoredEvent, bool, error) {
	return a.d.eventOn(ctx, a.c, seq)
}

func (d *DB) eventOn(ctx context.Context, q querier, seq int64) (store.StoredEvent, bool, error) {
	e, err := scanEvent(q.QueryRowContext(ctx, d.q("SELECT "+eventCols+" FROM events WHERE seq = ?"), seq))
	if err == sql.ErrNoRows {
		return e, false, nil
	}
	if err != nil {
		return e, false, fmt.Errorf("reading event %d: %w", seq, err)
	}
	return e, true, nil
}

func (d *DB) PersonEvents(ctx context.Context, ids []string) (map[string][]store.StoredEvent, error) {
	return d.personEventsOn(ctx, d.reader(ctx), ids)
}

func (a *appender) PersonEvents(ctx context.Context, ids []string) (map[string][]store.StoredEvent, error) {
	return a.d.personEventsOn(ctx, a.c, ids)
}

// personEventsSQL reads the events of n persons. The index on events'
// persons leaves out the estate's events (an empty person), so the query
// says that it asks for none of them: SQLite uses a partial index only for
// a query whose terms imply the index's condition, and without it every
// write and every opening of a file read the whole ledger (found by the
// load campaign, bench/load.sh). PostgreSQL proves it from the values.
func personEventsSQL(n int) string {
	return "SELECT " + eventCols + " FROM events WHERE person IN (" + placeholders(n) + ") AND person <> '' ORDER BY seq"
}

func (d *DB) personEventsOn(ctx context.Context, q querier, ids []string) (map[string][]store.StoredEvent, error) {
	out := map[string][]store.StoredEvent{}
	err := inChunks(ids, func(args []any) error {
		return d.eachOn(ctx, q, "events of persons", personEventsSQL(len(args)), args,
			func(r *sql.Rows) error {
				e, err := scanEvent(r)
				if err != nil {
					return fmt.Errorf("reading events: %w", err)
				}
				out[e.Person] = append(out[e.Person], e)
				return nil
			})
	})
	return out, err
}

func (d *DB) EventsByPerson(ctx context.Context, fn func(string, []store.StoredEvent) error) error {
	var cur string
	var evs []store.StoredEvent
	err := d.each(ctx, "events by person", "SELECT "+eventCols+" FROM events WHERE person <> '' ORDER BY person, seq", nil,
		func(r *sql.Rows) error {
			e, err := scanEvent(r)
			if err != nil {
				return fmt.Errorf("reading events: %w", err)
			}
			if e.Person != cur && len(evs) > 0 {
				if err := fn(cur, evs); err != nil {
					return err
				}
				evs = nil
			}
			cur = e.Person
			evs = append(evs, e)
			return nil
		})
	if err == nil && len(evs) > 0 {
		err = fn(cur, evs)
	}
	return err
}

func inChunks(ids []string, fn func(args []any) error) error {
	const chunk = 500
	for lo := 0; lo < len(ids); lo += chunk {
		part := ids[lo:min(lo+chunk, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		if err := fn(args); err != nil {
			return err
		}
	}
	return nil
}

func (d *DB) Facilities(ctx context.Context) ([]store.Facility, error) {
	var out []store.Facility
	err := d.eachReplica(ctx, "facilities", "SELECT id, name, kind, province, capacity, capacity_date, capacity_source FROM facilities ORDER BY id", nil,
		func(r *sql.Rows) error {
			var f store.Facility
			var kind string
			var cd int64
			if err := r.Scan(&f.ID, &f.Name, &kind, &f.Province, &f.Capacity, &cd, &f.CapacitySource); err != nil {
				return fmt.Errorf("reading facilities: %w", err)
			}
			f.Kind, f.CapacityDate = domain.FacilityKind(kind), domain.Date(cd)
			out = append(out, f)
			return nil
		})
	return out, err
}

func (d *DB) Cells(ctx context.Context) ([]store.Cell, error) {
	var out []store.Cell
	err := d.eachReplica(ctx, "cells", "SELECT facility, label, area_m2, capacity, category FROM cells ORDER BY facility, label", nil,
		func(r *sql.Rows) error {
			var c store.Cell
			if err := r.Scan(&c.Facility, &c.Label, &c.AreaM2, &c.Capacity, &c.Category); err != nil {
				return fmt.Errorf("reading cells: %w", err)
			}
			out = append(out, c)
			return nil
		})
	return out, err
}

func scanCapacity(r *sql.Rows) (store.Capacity, error) {
	var c store.Capacity
	var from int64
	err := r.Scan(&c.Facility, &from, &c.Capacity, &c.Source)
	c.From = domain.Date(from)
	if err != nil {
		err = fmt.Errorf("reading capacities: %w", err)
	}
	return c, err
}

func (d *DB) Capacities(ctx context.Context) ([]store.Capacity, error) {
	var out []store.Capacity
	err := d.eachReplica(ctx, "capacities", "SELECT facility, from_date, capacity, source FROM capacities ORDER BY facility, from_date", nil,
		func(r *sql.Rows) error {
			c, err := scanCapacity(r)
			out = append(out, c)
			return err
		})
	return out, err
}

func (d *DB) CapacityOn(ctx context.Context, asOf domain.Date) ([]store.Capacity, error) {
	var out []store.Capacity
	err := d.eachReplica(ctx, "capacities", `SELECT c.facility, c.from_date, c.capacity, c.source FROM capacities c
		WHERE c.from_date = (SELECT MAX(c2.from_date) FROM capacities c2 WHERE c2.facility = c.facility AND c2.from_date <= ?)
		ORDER BY c.facility`, []any{int64(asOf)},
		func(r *sql.Rows) error {
			c, err := scanCapacity(r)
			out = append(out, c)
			return err
		})
	return out, err
}

func (d *DB) Census(ctx context.Context) ([]store.Census, error) {
	var out []store.Census
	err := d.eachReplica(ctx, "census", "SELECT seq, facility, date, category, count, source FROM census ORDER BY facility, category, date, seq", nil,
		func(r *sql.Rows) error {
			var c store.Census
			var date int64
			if err := r.Scan(&c.Seq, &c.Facility, &date, &c.Category, &c.Count, &c.Source); err != nil {
				return fmt.Errorf("reading census: %w", err)
			}
			c.Date = domain.Date(date)
			out = append(out, c)
			return nil
		})
	return out, err
}

const personCols = "id, name, sex, dob, dob_basis, nationality, in_custody, facility, cell, status, admitted, last_date, exit_kind, exit_date, mechanism"

func scanPerson(r *sql.Rows) (store.Person, error) {
	var p store.Person
	var sex, basis, status, exitKind, mech string
	var dob, inC, adm, last, exitDate int64
	err := r.Scan(&p.ID, &p.Name, &sex, &dob, &basis, &p.Nationality, &inC, &p.Facility, &p.Cell, &status, &adm, &last, &exitKind, &exitDate, &mech)
	if err != nil {
		return p, fmt.Errorf("reading persons: %w", err)
	}
	p.Sex, p.DOB, p.DOBBasis, p.InCustody = domain.Sex(sex), domain.Date(dob), domain.DOBBasis(basis), inC != 0
	p.Status, p.Admitted, p.LastDate = domain.LegalStatus(status), domain.Date(adm), domain.Date(last)
	p.ExitKind, p.ExitDate, p.Mechanism = domain.Kind(exitKind), domain.Date(exitDate), domain.Mechanism(mech)
	return p, nil
}

func (d *DB) Persons(ctx context.Context, ids []string) (map[string]store.Person, error) {
	out := map[string]store.Person{}
	err := inChunks(ids, func(args []any) error {
		return d.eachReplica(ctx, "persons", "SELECT "+personCols+" FROM persons WHERE id IN ("+placeholders(len(args))+")", args,
			func(r *sql.Rows) error {
				p, err := scanPerson(r)
				out[p.ID] = p
				return err
			})
	})
	return out, err
}

func (d *DB) PersonExists(ctx context.Context, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	err := inChunks(ids, func(args []any) error {
		return d.eachReplica(ctx, "persons", "SELECT id FROM persons WHERE id IN ("+placeholders(len(args))+")", args,
			func(r *sql.Rows) error {
				var id string
				if err := r.Scan(&id); err != nil {
					return fmt.Errorf("reading persons: %w", err)
				}
				out[id] = true
				return nil
			})
	})
	return out, err
}

func (d *DB) LatestDate(ctx context.Context) (domain.Date, error) {
	var v sql.NullInt64
	if err := d.reader(ctx).QueryRowContext(ctx, "SELECT MAX(date) FROM events").Scan(&v); err != nil {
		return 0, fmt.Errorf("reading the latest event date: %w", err)
	}
	return domain.Date(v.Int64), nil
}
