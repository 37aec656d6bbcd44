package web_test

import (
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestUncachedReportsAreLimitedPerClient: an anonymous client asking for
// report after report of dates no one asked for is refused with 429 and a
// Retry-After once past its allowance, so that it cannot keep the server
// building; the dashboard, cached, still answers it and everyone else.
func TestUncachedReportsAreLimitedPerClient(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), 300)
	f.srv.Warm(t.Context())
	c := f.client()
	refused := 0
	// Month ends: the public reads nothing else (TestPublicMonthEnds).
	monthEnd := func(m int) string { return domain.MakeDate(2019, m+1, 1).AddDays(-1).String() }
	for m := 1; m <= 12; m++ {
		res := c.get("/api/v1/report?as_of=" + monthEnd(m))
		switch res.code {
		case 200:
		case 429:
			refused++
			if res.header.Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After")
			}
		default:
			t.Fatalf("report of %s: %d %s", monthEnd(m), res.code, res.body)
		}
	}
	if refused != 6 {
		t.Errorf("%d of 12 uncached reports refused, want 6 (six builds a minute per client)", refused)
	}
	for range 20 {
		if res := c.get("/"); res.code != 200 {
			t.Fatalf("the dashboard after the limit: %d", res.code)
		}
		if res := c.get("/api/v1/report?as_of=2019-01-31"); res.code != 200 {
			t.Fatalf("a cached report after the limit: %d", res.code)
		}
	}
}
