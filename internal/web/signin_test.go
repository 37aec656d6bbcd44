package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestOpenRedirect: neither the language switch nor a successful sign-in
// sends the browser to another site, however the next parameter is written.
// The queries are given as sent on the wire, so the server's one decoding is
// part of the test.
func TestOpenRedirect(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), 50)
	hostile := []string{
		"/%09/evil.com", "/%5Ctevil.com", "/%5C%5Cevil.com", "%5C%5C/evil.com", "%5C/evil.com",
		"//evil.com", "/%2F%2Fevil.com", "https://evil.com", "javascript:alert(1)", "/%0D%0A/evil.com",
		"%09//evil.com", "/%09%09/evil.com",
	}
	for _, q := range hostile {
		if res := f.client().get("/lang/km?next=" + q); res.code != http.StatusSeeOther || res.header.Get("Location") != "/" {
			t.Errorf("/lang/km?next=%s: %d Location %q, want 303 to /", q, res.code, res.header.Get("Location"))
		}
		next, err := url.QueryUnescape(q)
		if err != nil {
			t.Fatal(err)
		}
		// The sign-in form carries next in a hidden field; after signing in
		// the browser goes there (/ means the staff home).
		c := f.client()
		if res := c.get("/login?next=" + q); res.code != 200 || !strings.Contains(res.body, `name="next" value="/"`) {
			t.Errorf("/login?next=%s keeps the target in the form: %d", q, res.code)
		}
		res := c.post("/login", url.Values{"name": {"registrar"}, "password": {password}, "next": {next}})
		if res.code != http.StatusSeeOther || res.header.Get("Location") != "/staff" {
			t.Errorf("POST /login next=%q: %d Location %q, want 303 to /staff", next, res.code, res.header.Get("Location"))
		}
	}
	for q, want := range map[string]string{
		"/staff/queue": "/staff/queue",
		"/staff/register%3Ffacility%3DCC1%26q%3Dsok": "/staff/register?facility=CC1&q=sok",
		"/%09staff/queue": "/staff/queue",
	} {
		if res := f.client().get("/lang/en?next=" + q); res.header.Get("Location") != want {
			t.Errorf("/lang/en?next=%s: Location %q, want %q", q, res.header.Get("Location"), want)
		}
		next, _ := url.QueryUnescape(q)
		if res := f.client().post("/login", url.Values{"name": {"registrar"}, "password": {password}, "next": {next}}); res.header.Get("Location") != want {
			t.Errorf("POST /login next=%q: Location %q, want %q", next, res.header.Get("Location"), want)
		}
	}
}
