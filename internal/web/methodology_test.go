package web_test

import (
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/docs"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// The methodology page serves the project's own documents, in English and
// marked so on Khmer pages, and nothing else of the docs folder.
func TestMethodology(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	c := f.client()
	for _, lang := range []string{"en", "km"} {
		c.cookies["lang"] = lang
		idx := c.get("/methodology")
		if idx.code != 200 {
			t.Fatalf("%s /methodology: %d", lang, idx.code)
		}
		for _, n := range docs.Public {
			if !strings.Contains(idx.body, `href="/methodology/`+n+`"`) {
				t.Errorf("%s: the methodology page does not list %s", lang, n)
			}
			res := c.get("/methodology/" + n)
			if res.code != 200 || !strings.Contains(res.body, `<article class="doc" lang="en">`) {
				t.Errorf("%s /methodology/%s: %d, or the document is not marked English", lang, n, res.code)
			}
		}
		// The screening document is the one the headline figures link to.
		if res := c.get("/methodology/screening"); !strings.Contains(res.body, "LB-01") {
			t.Errorf("%s: the screening document does not list the rules", lang)
		}
	}
	for _, p := range []string{"/methodology/access", "/methodology/accounts", "/methodology/..%2Fgo.mod", "/methodology/nothing"} {
		if res := c.get(p); res.code != 404 {
			t.Errorf("%s: %d, want 404 (not a public document)", p, res.code)
		}
	}
	c.cookies["lang"] = "en"
	if !strings.Contains(c.get("/methodology").body, `id="screening"`) {
		t.Error("the methodology page has no #screening for the headline's figures to link to")
	}
	if dash := c.get("/?as_of=2020-12-31"); strings.Contains(dash.body, `id="fig-held_without_basis"`) && !strings.Contains(dash.body, `href="/methodology#screening"`) {
		t.Error("the headline's screening figures do not link to the screening methodology")
	}
}
