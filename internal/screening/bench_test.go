package screening

import (
	"context"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/demo"
)

// BenchmarkScreen screens the demo register (People 3000: about 13,000
// people in the ledger, 3,000 held at the end of 2020) and, in the same run,
// only reads the same people and computes their facts without evaluating any
// rule. It reports both times and their ratio; the goal is a ratio
// of at most 1.5 (rules compiled once, evaluated in parallel).
func BenchmarkScreen(b *testing.B) {
	db := demoStore(b)
	pack := builtin(b)
	ctx := context.Background()
	var read, screen time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := Run(ctx, db, pack, Options{AsOf: demo.End, FactsOnly: true}); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := Run(ctx, db, pack, Options{AsOf: demo.End}); err != nil {
			b.Fatal(err)
		}
		read += t1.Sub(t0)
		screen += time.Since(t1)
	}
	b.ReportMetric(float64(read.Milliseconds())/float64(b.N), "read-ms/op")
	b.ReportMetric(float64(screen.Milliseconds())/float64(b.N), "screen-ms/op")
	b.ReportMetric(float64(screen)/float64(read), "screen/read")
}
