package ledger_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
)

// TestEstateKeptBetweenWrites: the writer keeps the facilities and cells
// between transactions, and must still see a cell another process (another
// Service on the same database) registered since, and must not keep a cell
// from a transaction that was refused.
func TestEstateKeptBetweenWrites(t *testing.T) {
	forBoth(t, func(t *testing.T, dsn func(testing.TB) string) {
		ctx := context.Background()
		db, svc := newService(t, dsn(t))
		importFixture(t, svc)
		other := ledger.New(db, ledger.WithClock(func() time.Time { return testNow }))
		assign := func(svc *ledger.Service, cell string) error {
			line := `{"kind":"cell_assignment","date":"2020-06-02","person":"P1","data":{"cell":"` + cell + `"}}`
			_, err := svc.Import(ctx, strings.NewReader(line), "assign.jsonl", registrar)
			return err
		}
		// svc has read the estate (the fixture's import); a first
		// assignment to an unknown cell is refused and leaves it cached.
		if err := assign(svc, "C7"); err == nil || !strings.Contains(err.Error(), `no cell "C7"`) {
			t.Fatalf("assignment to a cell not yet registered: %v, want it refused naming C7", err)
		}
		// Another process registers the cell: svc's next write sees it.
		cell := `{"kind":"cell","date":"2020-05-01","facility":"PP-KDL","data":{"label":"C7","capacity":10}}`
		if _, err := other.Import(ctx, strings.NewReader(cell), "cell.jsonl", registrar); err != nil {
			t.Fatal(err)
		}
		if err := assign(svc, "C7"); err != nil {
			t.Errorf("assignment to a cell another process registered since: %v", err)
		}
		// A transaction that registers a cell and is then refused leaves
		// no trace of the cell in the writer's estate.
		refused := strings.Join([]string{
			`{"kind":"cell","date":"2020-05-01","facility":"PP-KDL","data":{"label":"D9","capacity":10}}`,
			`{"kind":"cell_assignment","date":"2020-06-03","person":"NOBODY","data":{"cell":"D9"}}`,
		}, "\n")
		_, err := svc.Import(ctx, strings.NewReader(refused), "refused.jsonl", registrar)
		var de *domain.Error
		if err == nil || !errors.As(err, &de) {
			t.Fatalf("a file with an event of an unknown person: %v, want it refused", err)
		}
		if err := assign(svc, "D9"); err == nil || !strings.Contains(err.Error(), `no cell "D9"`) {
			t.Errorf("assignment to a cell of a refused transaction: %v, want it refused naming D9", err)
		}
		rep, err := svc.Verify(ctx, "")
		if err != nil || !rep.OK() {
			t.Fatalf("verify: %v %+v", err, rep)
		}
	})
}
