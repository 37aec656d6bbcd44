package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestCrawlPublic: no public page or public API response, in either
// language, contains a person's name, identifier or date of birth.
func TestCrawlPublic(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), 500)
	c := f.client()
	pages := []string{"/", "/reports", "/pledges", "/data", "/login", "/data/facilities.csv", "/api/v1/stats",
		"/api/v1/openapi.json", "/?as_of=2018-06-30", "/api/v1/stats?as_of=2017-12-31", "/static/habeas.css"}
	seen := map[string]bool{}
	for len(pages) > 0 {
		p := pages[0]
		pages = pages[1:]
		for _, lang := range []string{"en", "km"} {
			u := p
			if strings.Contains(u, "?") {
				u += "&lang=" + lang
			} else {
				u += "?lang=" + lang
			}
			if seen[u] {
				continue
			}
			seen[u] = true
			res := c.get(u)
			if res.code != 200 {
				t.Errorf("%s: %d", u, res.code)
				continue
			}
			for _, n := range f.names {
				// Ids are checked as whole words: "P12" is in "P123".
				if strings.Contains(res.body, n) && (len(n) > 6 || wordIn(res.body, n)) {
					t.Errorf("public page %s contains %q", u, n)
				}
			}
			// Follow the site's own links to public pages.
			for _, m := range hrefs(res.body) {
				if strings.HasPrefix(m, "/") && !strings.HasPrefix(m, "/staff") && !strings.HasPrefix(m, "/lang/") && !strings.HasPrefix(m, "/static/fonts") {
					pages = append(pages, m)
				}
			}
		}
	}
	if len(seen) < 20 {
		t.Errorf("crawled only %d pages", len(seen))
	}
}

func wordIn(s, w string) bool {
	for i := strings.Index(s, w); i >= 0; {
		before := i == 0 || !isWord(s[i-1])
		after := i+len(w) == len(s) || !isWord(s[i+len(w)])
		if before && after {
			return true
		}
		j := strings.Index(s[i+1:], w)
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

func isWord(b byte) bool {
	return b == '-' || b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

func hrefs(body string) []string {
	var out []string
	for _, part := range strings.Split(body, `href="`)[1:] {
		if i := strings.IndexByte(part, '"'); i > 0 {
			u := strings.ReplaceAll(part[:i], "&amp;", "&")
			out = append(out, u)
		}
	}
	return out
}

// TestSignIn: sessions, cookies, logout, rate limiting and cross-origin
// protection.
func TestSignIn(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), 200)
	c := f.client()
	res := c.get("/staff/register")
	if res.code != 303 || !strings.HasPrefix(res.header.Get("Location"), "/login?next=") {
		t.Fatalf("staff page without a session: %d %v", res.code, res.header.Get("Location"))
	}
	res = c.post("/login", url.Values{"name": {"registrar"}, "password": {password}, "next": {"/staff/queue"}})
	if res.code != 303 || res.header.Get("Location") != "/staff/queue" {
		t.Fatalf("login: %d %s", res.code, res.header.Get("Location"))
	}
	ck := res.header.Get("Set-Cookie")
	for _, want := range []string{"habeas_session=", "HttpOnly", "Secure", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(ck, want) {
			t.Errorf("session cookie %q lacks %s", ck, want)
		}
	}
	if res := c.get("/staff/register"); res.code != 200 || res.header.Get("Cache-Control") != "no-store" {
		t.Errorf("register after login: %d %v", res.code, res.header.Get("Cache-Control"))
	}
	// A form posted from another site is refused, and changes nothing.
	evil := f.client()
	evil.cookies = c.cookies
	evil.header.Set("Sec-Fetch-Site", "cross-site")
	if res := evil.post("/logout", nil); res.code != 403 {
		t.Errorf("cross-site logout: %d", res.code)
	}
	evil.header.Del("Sec-Fetch-Site")
	evil.header.Set("Origin", "https://evil.example")
	if res := evil.post("/staff/account/tokens", url.Values{"label": {"x"}}); res.code != 403 {
		t.Errorf("cross-origin token creation: %d", res.code)
	}
	if res := c.get("/staff/register"); res.code != 200 {
		t.Errorf("the session was ended by a refused request: %d", res.code)
	}
	// Logout ends the session on the server, not only in the browser.
	old := c.cookies["habeas_session"]
	if res := c.post("/logout", nil); res.code != 303 {
		t.Errorf("logout: %d", res.code)
	}
	stale := f.client()
	stale.cookies["habeas_session"] = old
	if res := stale.get("/staff/register"); res.code != 303 {
		t.Errorf("old session after logout: %d", res.code)
	}
	// Five wrong passwords lock the name.
	bad := f.client()
	for i := 0; i < 5; i++ {
		if res := bad.post("/login", url.Values{"name": {"legal"}, "password": {"wrong password"}}); res.code != 401 || !strings.Contains(res.body, "Wrong user name or password") {
			t.Fatalf("wrong password: %d", res.code)
		}
	}
	if res := bad.post("/login", url.Values{"name": {"legal"}, "password": {password}}); res.code != 429 {
		t.Errorf("sixth try: %d, want 429", res.code)
	}
	// Hostile input in the login form is shown escaped.
	res = f.client().post("/login", url.Values{"name": {`"><script>alert(1)</script>`}, "password": {"x"}})
	if strings.Contains(res.body, "<script>alert") || !strings.Contains(res.body, "&lt;script&gt;") && !strings.Contains(res.body, "&#34;&gt;&lt;script") {
		t.Errorf("login form echoes input unescaped:\n%s", res.body)
	}
}

// TestRecordForms: an admission and a release through the forms, with the
// release counted on the public dashboard; bad and hostile input changes
// nothing and is shown escaped.
func TestRecordForms(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), 300)
	ctx := context.Background()
	reg := f.login("registrar")
	head := func() int64 { h, _ := f.db.Head(ctx); return h.Seq }
	releases := func() string {
		body := f.client().get("/").body
		i := strings.Index(body, `id="releases">`)
		return body[i+len(`id="releases">`) : i+strings.Index(body[i:], "<")]
	}
	before, releasedBefore := head(), releases()

	hostile := `<img src=x onerror=alert(1)> Robert'); DROP TABLE persons;--`
	form := url.Values{"person_id": {"T-0001"}, "name": {hostile}, "sex": {"F"}, "dob": {"1990-02-30"}, "dob_basis": {"declared"},
		"date": {"2020-12-31"}, "facility": {"CC1"}, "status": {"pretrial"}, "order_kind": {"detention_order"},
		"order_expires": {"2021-06-30"}, "case": {"C-1"}, "offence": {"theft"}, "class": {"misdemeanour"}, "max_months": {"36"}}
	res := reg.post("/staff/admit", form)
	if res.code != 400 || !strings.Contains(res.body, "dob") || !strings.Contains(res.body, "must be a date that exists") {
		t.Fatalf("bad date of birth: %d\n%s", res.code, res.body)
	}
	if strings.Contains(res.body, "<img src=x") || !strings.Contains(res.body, "&lt;img src=x") {
		t.Error("the form echoes the name unescaped")
	}
	if head() != before {
		t.Fatal("a refused form wrote to the ledger")
	}
	// A registrar of CC1 cannot admit into another facility.
	form.Set("dob", "1990-02-03")
	form.Set("facility", "CC2")
	if res := reg.post("/staff/admit", form); res.code != 403 {
		t.Errorf("admission into a facility not assigned: %d", res.code)
	}
	// Oversized bodies are refused.
	big := url.Values{"name": {strings.Repeat("x", 70<<10)}}
	if res := reg.post("/staff/admit", big); res.code != 413 {
		t.Errorf("huge form: %d", res.code)
	}
	form.Set("facility", "CC1")
	res = reg.post("/staff/admit", form)
	if res.code != 303 || !strings.HasPrefix(res.header.Get("Location"), "/staff/persons/T-0001?saved=") {
		t.Fatalf("admission: %d %s\n%s", res.code, res.header.Get("Location"), res.body)
	}
	page := reg.get("/staff/persons/T-0001")
	if page.code != 200 || strings.Contains(page.body, "<img src=x") || !strings.Contains(page.body, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Fatalf("person page: %d", page.code)
	}
	if !strings.Contains(page.body, "recorded") && !strings.Contains(page.body, "registrar") {
		t.Error("the timeline does not say who recorded the events")
	}
	// Release without a mechanism: refused with a clear message.
	rel := url.Values{"date": {"2020-12-31"}, "mechanism": {""}}
	if res := reg.post("/staff/persons/T-0001/record/release", rel); res.code != 400 || !strings.Contains(res.body, "mechanism") {
		t.Errorf("release without mechanism: %d", res.code)
	}
	rel.Set("mechanism", "judicial_supervision")
	if res := reg.post("/staff/persons/T-0001/record/release", rel); res.code != 303 {
		t.Fatalf("release: %d\n%s", res.code, res.body)
	}
	if got := releases(); got == releasedBefore {
		t.Errorf("the release is not counted on the dashboard: %s before and after", got)
	}
	// Correction of the release (void): shown, never hidden.
	p2 := reg.get("/staff/persons/T-0001")
	seq := lastSeq(p2.body)
	if res := reg.post("/staff/persons/T-0001/record/correction", url.Values{"target": {fmt.Sprint(seq)}, "reason": {"entered for the wrong person"}, "void": {"1"}}); res.code != 303 {
		t.Fatalf("correction: %d\n%s", res.code, res.body)
	}
	p3 := reg.get("/staff/persons/T-0001")
	if !strings.Contains(p3.body, `class="superseded"`) || !strings.Contains(p3.body, "voided") || !strings.Contains(p3.body, fmt.Sprintf("#%d", seq)) {
		t.Errorf("the voided release is not shown as such")
	}
	// The audit trail of the registrar lists the writes.
	trail := reg.get("/api/v1/users/registrar/audit")
	var a struct {
		Entries []struct{ Action, Subject, Via string }
	}
	if json.Unmarshal([]byte(trail.body), &a) != nil || len(a.Entries) != 4 || a.Entries[3].Action != "user.add" || a.Entries[0].Subject != "T-0001" || !strings.HasPrefix(a.Entries[0].Via, "web ") {
		t.Errorf("audit trail: %s", trail.body)
	}
}

// lastSeq is the highest event number in a person page's timeline.
func lastSeq(body string) int64 {
	var max int64
	for _, part := range strings.Split(body, `<tr id="ev`)[1:] {
		var n int64
		fmt.Sscanf(part, "%d", &n)
		if n > max {
			max = n
		}
	}
	return max
}
