package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// Text responses are gzipped for clients that accept it, and unzip to the
// very bytes sent to clients that do not; the dashboard, the page read on
// the slowest connections, stays under 30 KB compressed.
func TestCompression(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	c := f.client()
	c.cookies["lang"] = "en"
	for _, p := range []string{"/?as_of=2020-12-31", "/static/habeas.css", "/reports/2020-12-31/data/facilities.csv",
		"/reports/2020-12-31/data/report.json", "/api/v1/report?as_of=2020-12-31", "/methodology/stats", "/pledges"} {
		c.header = map[string][]string{"Accept-Encoding": {"identity"}}
		plain := c.get(p)
		c.header = map[string][]string{"Accept-Encoding": {"gzip, deflate, br"}}
		zipped := c.get(p)
		if plain.code != 200 || zipped.code != 200 {
			t.Fatalf("%s: %d and %d", p, plain.code, zipped.code)
		}
		if plain.header.Get("Content-Encoding") != "" {
			t.Errorf("%s: encoded (%s) for a client that asked for identity", p, plain.header.Get("Content-Encoding"))
		}
		if zipped.header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: not gzipped (%q)", p, zipped.header.Get("Content-Encoding"))
			continue
		}
		if !strings.Contains(zipped.header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s: Vary %q does not name Accept-Encoding", p, zipped.header.Get("Vary"))
		}
		zr, err := gzip.NewReader(strings.NewReader(zipped.body))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		// The generated time of a report may differ between two requests;
		// everything else must be the same bytes.
		if !bytes.Equal(b, []byte(plain.body)) && !strings.Contains(p, "report") {
			t.Errorf("%s: the gzipped body unzips to %d bytes, the plain one is %d", p, len(b), len(plain.body))
		}
		if len(zipped.body) >= len(plain.body) {
			t.Errorf("%s: %d bytes gzipped, %d plain", p, len(zipped.body), len(plain.body))
		}
		if p == "/?as_of=2020-12-31" && len(zipped.body) > 30*1024 {
			t.Errorf("the dashboard is %d bytes compressed, over 30 KB", len(zipped.body))
		}
	}
	// A spreadsheet is compressed already: passed as it is.
	c.header = map[string][]string{"Accept-Encoding": {"gzip"}}
	if res := c.get("/static/fonts/"); res.header.Get("Content-Encoding") == "gzip" && strings.HasPrefix(res.header.Get("Content-Type"), "font/") {
		t.Error("a font was gzipped")
	}
}

// The public dashboard carries an ETag of its ledger head, date and
// language: asked again with it, it answers 304 with no body; in the other
// language or for another date it is a new page.
func TestDashboardETag(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	c := f.client()
	c.cookies["lang"] = "en"
	c.header = map[string][]string{"Accept-Encoding": {"identity"}}
	first := c.get("/?as_of=2020-12-31")
	et := first.header.Get("ETag")
	if first.code != 200 || et == "" {
		t.Fatalf("dashboard: %d, ETag %q", first.code, et)
	}
	c.header["If-None-Match"] = []string{et}
	if again := c.get("/?as_of=2020-12-31"); again.code != 304 || again.body != "" {
		t.Errorf("asked again with its ETag: %d, %d bytes", again.code, len(again.body))
	}
	c.cookies["lang"] = "km"
	if km := c.get("/?as_of=2020-12-31"); km.code != 200 || km.header.Get("ETag") == et {
		t.Errorf("in Khmer with the English ETag: %d, ETag %q", km.code, km.header.Get("ETag"))
	}
	c.cookies["lang"] = "en"
	if other := c.get("/?as_of=2020-11-30"); other.code != 200 {
		t.Errorf("another date with the first date's ETag: %d", other.code)
	}
}
