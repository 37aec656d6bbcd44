package web_test

import (
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// An unknown facility is a 404 page in the reader's language; a known one
// is linked from the dashboard's table, says when it was last updated and
// is served for month-ends only to the public, like the dashboard.
func TestFacilityPage(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	c := f.client()
	for lang, want := range map[string]string{"en": "There is no such facility in the register.", "km": "មិនមានទីកន្លែងឃុំឃាំងនេះនៅក្នុងបញ្ជីទេ។"} {
		c.cookies["lang"] = lang
		res := c.get("/facilities/NO-SUCH-PLACE")
		if res.code != 404 || !strings.Contains(res.body, want) {
			t.Errorf("%s: an unknown facility: %d, want 404 saying %q", lang, res.code, want)
		}
	}
	c.cookies["lang"] = "en"
	// The link keeps the date unless it is the default one.
	if dash := c.get("/"); !strings.Contains(dash.body, `href="/facilities/CC1"`) {
		t.Fatal("the dashboard's table does not link the facility's page")
	}
	if dash := c.get("/?as_of=2020-06-30"); !strings.Contains(dash.body, `href="/facilities/CC1?as_of=2020-06-30"`) {
		t.Fatal("the dashboard of June does not link the facility's page of June")
	}
	res := c.get("/facilities/CC1?as_of=2020-12-31")
	if res.code != 200 || !strings.Contains(res.body, `id="freshness"`) || !strings.Contains(res.body, "Last updated") {
		t.Errorf("the facility's page: %d, no last update", res.code)
	}
	if res := c.get("/facilities/CC1?as_of=2020-12-15"); res.code != 403 {
		t.Errorf("a day other than a month-end, to the public: %d, want 403", res.code)
	}
}
