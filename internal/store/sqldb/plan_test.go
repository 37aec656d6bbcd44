package sqldb_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestPersonEventsUseTheIndex: the events of a person are read through the
// index on events' persons, on both databases. The index is partial (the
// estate's events, with an empty person, are not in it), and SQLite cannot
// use it for a query that does not exclude them: each write and each
// opening of a file then read the whole ledger, 50 ms a time at 24,000
// events.
func TestPersonEventsUseTheIndex(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			db := dbtest.Open(t, be.DSN(t))
			ctx := t.Context()
			for _, n := range []int{1, 3} {
				args := make([]any, n)
				for i := range args {
					args[i] = fmt.Sprintf("P%d", i)
				}
				q := sqldb.PersonEventsSQL(n)
				explain := "EXPLAIN QUERY PLAN " + q
				if be.Name == sqldb.Postgres {
					for i := 1; i <= n; i++ {
						q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
					}
					explain = "EXPLAIN " + q
				}
				// A connection of its own: PostgreSQL is told to avoid a
				// sequential scan whenever it has another way, so that the
				// plan of an empty table shows whether the index is usable.
				conn, err := db.SQL().Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if be.Name == sqldb.Postgres {
					if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
						t.Fatal(err)
					}
				}
				rows, err := conn.QueryContext(ctx, explain, args...)
				if err != nil {
					t.Fatalf("%s: %v", explain, err)
				}
				var plan []string
				cols, _ := rows.Columns()
				for rows.Next() {
					vals := make([]any, len(cols))
					ptrs := make([]any, len(cols))
					for i := range vals {
						ptrs[i] = &vals[i]
					}
					if err := rows.Scan(ptrs...); err != nil {
						t.Fatal(err)
					}
					plan = append(plan, strings.TrimSpace(string(asText(vals[len(vals)-1]))))
				}
				rows.Close()
				if be.Name == sqldb.Postgres {
					conn.ExecContext(ctx, "RESET enable_seqscan")
				}
				conn.Close()
				text := strings.Join(plan, "\n")
				if !strings.Contains(text, "events_person") {
					t.Errorf("the events of %d persons are not read through events_person:\n%s\n%s", n, q, text)
				}
			}
		})
	}
}

func asText(v any) []byte {
	switch v := v.(type) {
	case string:
		return []byte(v)
	case []byte:
		return v
	}
	return nil
}
