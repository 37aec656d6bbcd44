package domain_test

import (
	"bufio"
	"os"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
)

// BenchmarkDecodeEvent decodes interchange lines from the file named by
// HABEAS_DECODE_SAMPLE (an export), the import's most expensive step.
func BenchmarkDecodeEvent(b *testing.B) {
	path := os.Getenv("HABEAS_DECODE_SAMPLE")
	if path == "" {
		b.Skip("HABEAS_DECODE_SAMPLE names no export to decode")
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	b.ResetTimer()
	for b.Loop() {
		for _, l := range lines {
			if _, err := domain.DecodeEvent(l); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(lines))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
