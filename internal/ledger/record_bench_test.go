package ledger_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
)

// BenchmarkRecordOneOn records one census event per operation, committed
// on its own, as an API write does, into a copy of the register named by
// HABEAS_BENCH_DB (a SQLite file; a large register shows what the tree's
// tiles cost to keep current). bench/checkpoint.sh runs it on this tree
// and on a baseline without the tree, each on a register its own binary
// built.
func BenchmarkRecordOneOn(b *testing.B) {
	src := os.Getenv("HABEAS_BENCH_DB")
	if src == "" {
		b.Skip("HABEAS_BENCH_DB names no register to write into")
	}
	dst := filepath.Join(b.TempDir(), "h.db")
	if err := copyFile(src, dst); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	db, err := sqldb.Open(ctx, dst, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	facs, err := db.Facilities(ctx)
	if err != nil || len(facs) == 0 {
		b.Fatalf("no facility in %s: %v", src, err)
	}
	svc := ledger.New(db)
	actor := ledger.Actor{Name: "bench", Via: "bench"}
	day := domain.MustDate("2020-12-31")
	i := 0
	for b.Loop() {
		i++
		if _, err := svc.Record(ctx, actor, &domain.Event{Kind: domain.KCensus, Date: day, Facility: facs[0].ID,
			Data: &domain.CensusData{Category: "total", Count: i, Source: "bench"}}); err != nil {
			b.Fatal(err)
		}
	}
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
