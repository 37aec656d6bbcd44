package ledger_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/stats"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

var testNow = time.Date(2021, 1, 5, 10, 0, 0, 0, time.UTC)

var registrar = ledger.Actor{Name: "registrar", Via: "test"}

func newService(t *testing.T, dsn string) (*sqldb.DB, *ledger.Service) {
	t.Helper()
	db := dbtest.Open(t, dsn)
	return db, ledger.New(db, ledger.WithClock(func() time.Time { return testNow }))
}

func fixture(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/register.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func importFixture(t *testing.T, svc *ledger.Service) ledger.ImportResult {
	t.Helper()
	res, err := svc.Import(context.Background(), bytes.NewReader(fixture(t)), "register.jsonl", registrar)
	if err != nil {
		t.Fatalf("importing the fixture: %v", err)
	}
	return res
}

func export(t *testing.T, svc *ledger.Service) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := svc.Export(context.Background(), &buf); err != nil {
		t.Fatalf("export: %v", err)
	}
	return buf.Bytes()
}

func forBoth(t *testing.T, fn func(t *testing.T, dsn func(testing.TB) string)) {
	for _, b := range dbtest.Backends {
		t.Run(b.Name, func(t *testing.T) { fn(t, b.DSN) })
	}
}

func TestFixtureFigures(t *testing.T) {
	forBoth(t, func(t *testing.T, dsn func(testing.TB) string) {
		db, svc := newService(t, dsn(t))
		res := importFixture(t, svc)
		if res.Events != 15 || res.Persons != 3 {
			t.Fatalf("imported %d events, %d persons; want 15 and 3", res.Events, res.Persons)
		}
		ctx := context.Background()
		type want struct {
			pop, pretrial, women, minors, children, drug int
		}
		cases := map[string]want{
			// P3 was released on 25 March by the correction, not on 20 March.
			"2020-03-22": {pop: 3, pretrial: 3, women: 1, minors: 1, children: 1, drug: 1},
			"2020-03-25": {pop: 2, pretrial: 2, women: 1, minors: 0, children: 1, drug: 1},
			"2020-03-31": {pop: 2, pretrial: 2, women: 1, minors: 0, children: 1, drug: 1},
			// P2's final verdict on 1 April.
			"2020-04-01": {pop: 2, pretrial: 1, women: 1, minors: 0, children: 1, drug: 1},
			// P2 released on 1 August with her child.
			"2020-08-01": {pop: 1, pretrial: 1, women: 0, minors: 0, children: 0, drug: 1},
			"2020-01-09": {},
		}
		for day, w := range cases {
			s, err := stats.Compute(ctx, db, domain.MustDate(day), stats.Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := want{s.Population, s.Pretrial, s.Women, s.Minors, s.ChildrenWithMothers, s.DrugRelated}
			if got != w {
				t.Errorf("%s: got %+v, want %+v", day, got, w)
			}
			if s.Capacity != 150 {
				t.Errorf("%s: capacity %d, want 150", day, s.Capacity)
			}
		}
		s, err := stats.Compute(ctx, db, domain.MustDate("2020-03-16"), stats.Options{From: domain.MustDate("2020-01-01"), Cells: 3})
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]stats.FacilityStats{}
		for _, f := range s.Facilities {
			byID[f.ID] = f
		}
		// P1 moved to Kandal on 15 March; P3 is there too.
		if byID["PP-KDL"].Population != 2 || byID["CC1"].Population != 1 {
			t.Errorf("per facility on 2020-03-16: %+v", byID)
		}
		if s.Period.Admitted != 3 || s.Period.Drug != 1 || s.Period.Released != 0 {
			t.Errorf("period: %+v", s.Period)
		}
		if s.OccupancyPct != 2.0 {
			t.Errorf("occupancy %v, want 2.0 (3 of 150)", s.OccupancyPct)
		}
		s, _ = stats.Compute(ctx, db, domain.MustDate("2020-12-31"), stats.Options{From: domain.MustDate("2020-01-01")})
		if s.Period.Released != 2 || len(s.Period.ReleasedBy) != 2 {
			t.Errorf("releases in 2020: %+v", s.Period)
		}
	})
}

// TestRoundTrip exports, imports into the other kind of database and exports
// again, in both directions: the bytes and the head hash must not change.
func TestRoundTrip(t *testing.T) {
	orders := [][2]dbtest.Backend{{dbtest.Backends[0], dbtest.Backends[1]}, {dbtest.Backends[1], dbtest.Backends[0]}}
	for _, o := range orders {
		t.Run(o[0].Name+"_to_"+o[1].Name, func(t *testing.T) {
			_, a := newService(t, o[0].DSN(t))
			importFixture(t, a)
			first := export(t, a)
			_, b := newService(t, o[1].DSN(t))
			res, err := b.Import(context.Background(), bytes.NewReader(first), "backup.jsonl", ledger.Actor{Name: "someone else", Via: "restore"})
			if err != nil {
				t.Fatalf("restoring: %v", err)
			}
			second := export(t, b)
			if !bytes.Equal(first, second) {
				t.Fatalf("export after restore differs:\n%s\n---\n%s", first, second)
			}
			lines := strings.Split(strings.TrimSpace(string(first)), "\n")
			if !strings.Contains(lines[len(lines)-1], res.Head.Hash) {
				t.Errorf("restored head %s is not the exported head", res.Head.Hash)
			}
			// The restore keeps who recorded each event, not who restored it.
			if strings.Contains(string(second), "someone else") {
				t.Errorf("restore rewrote recorded_by")
			}
			rep, err := b.Verify(context.Background(), res.Head.Hash)
			if err != nil || !rep.OK() {
				t.Fatalf("verify after restore: %v %+v", err, rep)
			}
		})
	}
}
