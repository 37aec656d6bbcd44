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
	if q.Facilities != nil && len(q.Facilities) == 0 {
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
		where = append(where, "facility IN ("+placeholders(len(q.Facilities))+")")
		for _, f := range q.Facilities {
			args = append(args, f)
		}
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
	err := d.each(ctx, "persons", query, args, func(r *sql.Rows) error {
		p, err := scanPerson(r)
		out = append(out, p)
		return err
	})
	return out, err
}
