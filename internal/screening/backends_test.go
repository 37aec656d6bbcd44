package screening

import (
	"bytes"
	"context"
	"testing"

	"github.com/habeas-kh/habeas/internal/demo"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestSameOnBothBackends loads the same small demo register into SQLite and
// PostgreSQL and screens both: the reports must be identical, person by
// person (rules fired, their reasons, upcoming and undecided rules), in the
// summary and in the ledger head they name.
func TestSameOnBothBackends(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a demo register on each backend")
	}
	ctx := context.Background()
	pack := builtin(t)
	dates := []domain.Date{demo.End, domain.MustDate("2020-03-31")}
	reports := map[string][][]byte{}
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			db := dbtest.Open(t, be.DSN(t))
			_, err := ledger.New(db).Load(ctx, ledger.Actor{Name: "test", Via: "screening test"}, func(emit func(*domain.Event) error) error {
				return demo.Generate(ctx, demo.Options{Seed: 1, People: 1500}, emit)
			})
			if err != nil {
				t.Fatalf("loading the demo register: %v", err)
			}
			head, err := db.Head(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range dates {
				rep, err := Run(ctx, db, pack, Options{AsOf: d, Within: 30})
				if err != nil {
					t.Fatalf("screening as of %s: %v", d, err)
				}
				fired := 0
				for r := range rep.Persons() {
					fired += len(r.Fired)
				}
				if rep.Summary.Screened < 1000 || fired == 0 || rep.Head != head {
					t.Fatalf("as of %s: %d screened, %d rules fired, head %+v (store head %+v)", d, rep.Summary.Screened, fired, rep.Head, head)
				}
				var buf bytes.Buffer
				if err := rep.WriteJSON(&buf); err != nil {
					t.Fatal(err)
				}
				reports[be.Name] = append(reports[be.Name], buf.Bytes())
			}
		})
	}
	if len(reports) < len(dbtest.Backends) {
		t.Skip("a backend was skipped: nothing to compare")
	}
	a, b := dbtest.Backends[0].Name, dbtest.Backends[1].Name
	for i, d := range dates {
		x, y := reports[a][i], reports[b][i]
		if bytes.Equal(x, y) {
			continue
		}
		lx, ly := bytes.Split(x, []byte("\n")), bytes.Split(y, []byte("\n"))
		for n := 0; n < len(lx) && n < len(ly); n++ {
			if !bytes.Equal(lx[n], ly[n]) {
				t.Fatalf("as of %s the reports differ first at line %d:\n%s: %s\n%s: %s", d, n+1, a, lx[n], b, ly[n])
			}
		}
		t.Fatalf("as of %s the reports differ in length: %s %d lines, %s %d lines", d, a, len(lx), b, len(ly))
	}
}
