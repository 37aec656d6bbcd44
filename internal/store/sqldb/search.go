package sqldb

import (
	"context"
	"database/sql"
	"strings"

	"github.com/habeas-kh/habeas/internal/store"
)

var _ store.PersonSearch = (*DB)(nil)

// SearchPersons matches the name with LIKE over the person projection: a
// scan, which on a national register takes a fraction of a second and needs
// no index of names to keep.
func (d *DB) SearchPersons(ctx context.Context, q store.PersonQuery) ([]store.Person, error) {
	if q.Facilities != nil && len(q.Facilities) == 0 && q.Registrar == "" {
		return nil, nil
	}
	var where []string
	var args []any
	if t := strings.TrimSpace(q.Text); t != "" {
		esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(t))
		where = append(where, `(id = ? OR lower(name) LIKE ? ESCAPE '\')`)
		args = append(args, t, "%"+esc+"%")
	}
	if q.Facilities != nil {
		scope := "facility IN (" + placeholders(len(q.Facilities)) + ")"
		if len(q.Facilities) == 0 {
			scope = "1 = 0"
		}
		for _, f := range q.Facilities {
			args = append(args, f)
		}
		if q.Registrar != "" {
			// People not admitted are few, and each is looked up by the
			// events_person index: the recorder is in the event's body only.
			scope = "(" + scope + " OR (facility = '' AND (SELECT " + d.recordedBy("e.body") +
				" FROM events e WHERE e.person = persons.id AND e.person <> '' AND e.kind = 'person' ORDER BY e.seq LIMIT 1) = ?))"
			args = append(args, q.Registrar)
		}
		where = append(where, scope)
	}
	if q.Facility != "" {
		where = append(where, "facility = ?")
		args = append(args, q.Facility)
	}
	if q.InCustody {
		where = append(where, "in_custody = 1")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	query := "SELECT " + personCols + " FROM persons"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY id LIMIT ? OFFSET ?"
	args = append(args, limit, max(q.Offset, 0))
	var out []store.Person
	err := d.eachReplica(ctx, "persons", query, args, func(r *sql.Rows) error {
		p, err := scanPerson(r)
		out = append(out, p)
		return err
	})
	return out, err
}

// recordedBy is the SQL that reads recorded_by from an event's body (its
// canonical JSON) in column col.
func (d *DB) recordedBy(col string) string {
	if d.dialect == Postgres {
		return "(" + col + "::jsonb ->> 'recorded_by')"
	}
	return "json_extract(" + col + ", '$.recorded_by')"
}
