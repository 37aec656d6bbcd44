package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/report"
	"github.com/habeas-kh/habeas/internal/stats"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestCrawlPublic: no public page or public API response, in either
// language, contains a person's name, identifier or date of birth; and no
// public JSON or CSV carries a count that the report of its date hides.
func TestCrawlPublic(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	c := f.client()
	pages := []string{"/", "/reports", "/pledges", "/data", "/login", "/data/facilities.csv", "/api/v1/report",
		"/api/v1/openapi.json", "/?as_of=2018-06-30", "/api/v1/report?as_of=2017-12-31", "/static/habeas.css"}
	seen := map[string]bool{}
	hidden := map[string]*hiddenCounts{}
	checked := 0
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
			if n := f.checkHidden(t, u, res, hidden); n > 0 {
				checked++
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
	if checked < 6 || len(hidden) < 2 {
		t.Errorf("only %d responses of %d dates were checked for hidden counts", checked, len(hidden))
	}
	// The check is not blind: the unprotected figures, for staff, do carry
	// hidden counts.
	res := f.login("admin").get("/api/v1/stats?as_of=2017-12-31")
	var v any
	if res.code != 200 || json.Unmarshal([]byte(res.body), &v) != nil {
		t.Fatalf("the raw figures: %d", res.code)
	}
	if leaks := hidden["2017-12-31"].walk(v, "", nil); len(leaks) == 0 {
		t.Error("the raw figures show no hidden count: the check proves nothing")
	}
}

// hiddenCounts are the counts the report of a date hides: facility ->
// column -> the true value (from the unprotected figures), and facility ->
// release mechanism (or "total") for the releases by facility.
type hiddenCounts struct {
	facility map[string]map[string]int
	releases map[string]map[string]bool
}

// hiddenOf builds the report of a date, independently of the server, and
// reads what it hides from its disclosure result.
func (f *fixture) hiddenOf(t *testing.T, date string) *hiddenCounts {
	t.Helper()
	ctx := context.Background()
	asOf := domain.MustDate(date)
	rep, err := report.Build(ctx, f.db, report.Options{AsOf: asOf, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := stats.Compute(ctx, f.db, asOf, stats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	value := map[string]map[string]int{}
	for _, fs := range raw.Facilities {
		value[fs.ID] = map[string]int{"population": fs.Population, "pretrial": fs.Pretrial, "women": fs.Women, "minors": fs.Minors,
			"children_with_mothers": fs.Children, "drug_related": fs.Drug}
	}
	h := &hiddenCounts{facility: map[string]map[string]int{}, releases: map[string]map[string]bool{}}
	hide := func(fac, col string) {
		if v, ok := value[fac][col]; ok {
			if h.facility[fac] == nil {
				h.facility[fac] = map[string]int{}
			}
			h.facility[fac][col] = v
		}
	}
	n := 0
	for _, key := range rep.Disclosure().Published().Suppressed {
		parts := strings.Split(key, "/")
		if len(parts) != 3 {
			continue
		}
		switch parts[0] {
		case "facility":
			hide(parts[1], parts[2])
			n++
		case "releases":
			if h.releases[parts[1]] == nil {
				h.releases[parts[1]] = map[string]bool{}
			}
			h.releases[parts[1]][parts[2]] = true
		}
	}
	// A column too small nationally to break down is hidden in every
	// facility without being a disclosure cell.
	for _, fr := range rep.Facilities {
		for col, cell := range fr.Counts {
			if cell.Suppressed {
				hide(fr.ID, col)
			}
		}
	}
	if n == 0 {
		t.Fatalf("the report of %s hides no facility count: the check proves nothing", date)
	}
	return h
}

// walk lists where v, a JSON document, carries a hidden count: a number
// under the name of a hidden column in an object of that facility (the
// shape of the report and of the raw figures alike), the occupancy of a
// facility whose population is hidden, or a value in a hidden cell of a
// table of releases by facility.
func (h *hiddenCounts) walk(v any, fac string, path []string) []string {
	var leaks []string
	switch v := v.(type) {
	case map[string]any:
		if id, ok := v["id"].(string); ok && h.facility[id] != nil {
			fac, path = id, nil
		}
		if rows, ok := v["rows"].([]any); ok {
			leaks = append(leaks, h.releaseTable(rows, v)...)
		}
		for k, x := range v {
			if k == "facility_history" {
				// Earlier month-ends, each hidden at least as that month's
				// report hides it (TestFacilityHistoryHidesWhatMonthlyReportsHide);
				// the last point is the facility table's cell (TestFiguresAgree).
				continue
			}
			if k == "census" {
				continue // census counts are another source, with keys of their own
			}
			leaks = append(leaks, h.walk(x, fac, append(slices.Clip(path), k))...)
		}
	case []any:
		for _, x := range v {
			leaks = append(leaks, h.walk(x, fac, path)...)
		}
	case float64:
		if fac == "" || len(path) == 0 {
			break
		}
		for col, val := range h.facility[fac] {
			if slices.Contains(path, col) && v == float64(val) {
				leaks = append(leaks, fmt.Sprintf("%s %s = %v", fac, strings.Join(path, "."), v))
			}
		}
		if _, ok := h.facility[fac]["population"]; ok && path[len(path)-1] == "occupancy_pct" {
			leaks = append(leaks, fmt.Sprintf("%s occupancy_pct = %v with the population hidden", fac, v))
		}
	}
	return leaks
}

// releaseTable checks a table of rows by columns of cells, with totals:
// a hidden cell of a facility must be published without its value.
func (h *hiddenCounts) releaseTable(rows []any, t map[string]any) []string {
	var leaks []string
	cols, _ := t["columns"].([]any)
	cells, _ := t["cells"].([]any)
	totals, _ := t["totals"].([]any)
	shown := func(c any) bool {
		m, ok := c.(map[string]any)
		return !ok || m["value"] != nil
	}
	for i, r := range rows {
		fac, _ := r.(string)
		if h.releases[fac] == nil {
			continue
		}
		if h.releases[fac]["total"] && i < len(totals) && shown(totals[i]) {
			leaks = append(leaks, fmt.Sprintf("releases from %s: total %v", fac, totals[i]))
		}
		row, _ := cells[i].([]any)
		for j, c := range row {
			if m, _ := cols[j].(string); h.releases[fac][m] && shown(c) {
				leaks = append(leaks, fmt.Sprintf("releases from %s by %s: %v", fac, m, c))
			}
		}
	}
	return leaks
}

// checkHidden checks a public JSON or CSV response against the report of
// its date; it returns how many counts it checked.
func (f *fixture) checkHidden(t *testing.T, u string, res response, hidden map[string]*hiddenCounts) int {
	t.Helper()
	ct := res.header.Get("Content-Type")
	if strings.Contains(u, "openapi.json") || !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "text/csv") {
		return 0
	}
	of := func(date string) *hiddenCounts {
		if hidden[date] == nil {
			hidden[date] = f.hiddenOf(t, date)
		}
		return hidden[date]
	}
	if strings.HasPrefix(ct, "text/csv") {
		rows, err := csv.NewReader(strings.NewReader(res.body)).ReadAll()
		if err != nil || len(rows) < 2 || rows[1][0] != "#loc+code" {
			return 0 // not a table by facility
		}
		date := regexp.MustCompile(`\d{4}-\d{2}-\d{2}`).FindString(res.header.Get("Content-Disposition"))
		if date == "" {
			t.Errorf("%s: no date in %q", u, res.header.Get("Content-Disposition"))
			return 0
		}
		h, n := of(date), 0
		releases := strings.Contains(u, "releases_by_facility")
		for _, row := range rows[2:] {
			for j, v := range row {
				col := rows[0][j]
				var hide bool
				switch {
				case releases:
					hide = h.releases[row[0]][col]
				case strings.Contains(u, "facilities.csv"):
					_, hide = h.facility[row[0]][col]
					if col == "occupancy_pct" && v != "" {
						_, hide = h.facility[row[0]]["population"]
					}
				}
				if hide && v != "*" {
					t.Errorf("%s: %s %s is %s; the report hides it", u, row[0], col, v)
				}
				n++
			}
		}
		return n
	}
	var v any
	if err := json.Unmarshal([]byte(res.body), &v); err != nil {
		t.Errorf("%s: %v", u, err)
		return 0
	}
	date, _ := v.(map[string]any)["as_of"].(string)
	if date == "" {
		return 0
	}
	for _, l := range of(date).walk(v, "", nil) {
		t.Errorf("%s carries a hidden count: %s", u, l)
	}
	return 1
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
	// Wrong passwords earn a delay (TestSignInDelays tests it further).
	bad := f.client()
	for i := 0; i < 4; i++ {
		if res := bad.post("/login", url.Values{"name": {"legal"}, "password": {"wrong password"}}); res.code != 401 || !strings.Contains(res.body, "Wrong user name or password") {
			t.Fatalf("wrong password: %d", res.code)
		}
	}
	if res := bad.post("/login", url.Values{"name": {"legal"}, "password": {password}}); res.code != 429 || res.header.Get("Retry-After") == "" {
		t.Errorf("fifth try: %d Retry-After %q, want 429 with Retry-After", res.code, res.header.Get("Retry-After"))
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
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	ctx := context.Background()
	reg := f.login("registrar")
	head := func() int64 { h, _ := f.db.Head(ctx); return h.Seq }
	releases := func() string {
		body := f.client().get("/").body
		i := strings.Index(body, `id="fig-released">`)
		if i < 0 {
			t.Fatalf("no releases on the dashboard:\n%.2000s", body)
		}
		return body[i+len(`id="fig-released">`) : i+strings.Index(body[i:], "<")]
	}
	before, releasedBefore := head(), releases()

	hostile := `<img src=x onerror=alert(1)> Robert'); DROP TABLE persons;--`
	form := url.Values{"person_id": {"T-0001"}, "name": {hostile}, "sex": {"F"}, "dob": {"1990-02-30"}, "dob_basis": {"declared"},
		"date": {"2020-12-31"}, "facility": {"CC1"}, "status": {"pretrial"}, "order_kind": {"detention_order"},
		"order_expires": {"2021-06-30"}, "case": {"C-1"}, "procedure": {"ordinary"}, "offence": {"theft"}, "class": {"misdemeanour"}, "max_months": {"36"}}
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
	if json.Unmarshal([]byte(trail.body), &a) != nil {
		t.Fatalf("audit trail: %s", trail.body)
	}
	// Opening the file is in it too (Mandela Rule 6), apart from the writes.
	writes, reads := a.Entries[:0:0], 0
	for _, e := range a.Entries {
		if e.Action == auth.ActPersonRead && e.Subject == "T-0001" {
			reads++
		} else {
			writes = append(writes, e)
		}
	}
	if len(writes) != 4 || writes[3].Action != "user.add" || writes[0].Subject != "T-0001" || !strings.HasPrefix(writes[0].Via, "web ") || reads == 0 {
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

// TestAccountForms: a signed-in user's own account: a wrong current
// password or a refused new one shows the page again with the reason and
// changes nothing; a token is shown once; a changed password takes effect.
func TestAccountForms(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), 200)
	c := f.login("registrar")
	res := c.post("/staff/account/password", url.Values{"current": {"not it"}, "password": {"another good password"}})
	if res.code != 400 || !strings.Contains(res.body, "is not your current password") {
		t.Errorf("wrong current password: %d\n%.300s", res.code, res.body)
	}
	res = c.post("/staff/account/password", url.Values{"current": {password}, "password": {"short"}})
	if res.code != 400 || !strings.Contains(res.body, "must have at least") {
		t.Errorf("too short a password: %d\n%.300s", res.code, res.body)
	}
	res = c.post("/staff/account/tokens", url.Values{"label": {strings.Repeat("x", 101)}})
	if res.code != 400 || !strings.Contains(res.body, "must have at most 100 characters") {
		t.Errorf("too long a token label: %d\n%.300s", res.code, res.body)
	}
	res = c.post("/staff/account/tokens", url.Values{"label": {"laptop"}})
	if res.code != 200 || !strings.Contains(res.body, "laptop") {
		t.Errorf("token creation: %d\n%.300s", res.code, res.body)
	}
	if again := c.get("/staff/account"); strings.Count(again.body, "laptop") == 0 {
		t.Errorf("the account page does not list the new token")
	}
	// The refusals changed nothing: the old password still signs in.
	if res := f.client().post("/login", url.Values{"name": {"registrar"}, "password": {password}}); res.code != 303 {
		t.Fatalf("old password after refused changes: %d", res.code)
	}
	res = c.post("/staff/account/password", url.Values{"current": {password}, "password": {"another good password"}})
	if res.code != 303 || res.header.Get("Location") != "/login" {
		t.Errorf("password change: %d %s", res.code, res.header.Get("Location"))
	}
	if res := f.client().post("/login", url.Values{"name": {"registrar"}, "password": {password}}); res.code != 401 {
		t.Errorf("old password after the change: %d, want 401", res.code)
	}
	if res := f.client().post("/login", url.Values{"name": {"registrar"}, "password": {"another good password"}}); res.code != 303 {
		t.Errorf("new password: %d, want 303", res.code)
	}
}

// TestAppealAndDismissalForms: the forms that record an appeal, by either
// side, and the court's dismissal of the charges (issue 15, item 7); what
// they record is what screening reads, and they are offered only to those
// who may record them.
func TestAppealAndDismissalForms(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), 200)
	ctx := context.Background()
	reg := f.login("registrar")
	admit := url.Values{"person_id": {"T-0100"}, "name": {"Test Person"}, "sex": {"M"}, "dob": {"1990-02-03"}, "dob_basis": {"declared"},
		"date": {"2020-11-02"}, "facility": {"CC1"}, "status": {"pretrial"}, "order_kind": {"detention_order"}, "order_issued": {"2020-11-02"},
		"order_expires": {"2021-05-02"}, "case": {"C-100"}, "procedure": {"ordinary"}, "offence": {"theft"}, "class": {"misdemeanour"}, "max_months": {"36"}}
	if res := reg.post("/staff/admit", admit); res.code != 303 {
		t.Fatalf("admission: %d\n%s", res.code, res.body)
	}
	page := reg.get("/staff/persons/T-0100")
	for _, link := range []string{`href="/staff/persons/T-0100/record/appeal"`, `href="/staff/persons/T-0100/record/dismissal"`} {
		if !strings.Contains(page.body, link) {
			t.Errorf("the person page does not offer %s", link)
		}
	}
	key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`)
	for _, c := range []struct{ form, lang, want string }{
		{"appeal", "en", "The prosecution"}, {"appeal", "km", "អយ្យការ"}, {"appeal", "km", "ជនជាប់ចោទ ឬមេធាវីការពារក្ដី"},
		{"dismissal", "en", "Charges dismissed by the court"}, {"dismissal", "km", "ការលើកលែងចោទប្រកាន់ដោយតុលាការ"},
	} {
		res := reg.get("/staff/persons/T-0100/record/" + c.form + "?lang=" + c.lang)
		if res.code != 200 || !strings.Contains(res.body, c.want) || !key.MatchString(res.body) || !strings.Contains(res.body, `value="C-100"`) {
			t.Errorf("%s form in %s: %d, want %q, an idempotency key and the case C-100 filled in", c.form, c.lang, res.code, c.want)
		}
	}
	state := func() domain.PersonState {
		t.Helper()
		pv, err := f.srv.Registry().Person(ctx, auth.System("check", "test"), "T-0100")
		if err != nil {
			t.Fatal(err)
		}
		return pv.State
	}
	// Who appealed must be said, and be one of the two sides.
	for _, by := range []string{"", "defense"} {
		res := reg.post("/staff/persons/T-0100/record/appeal", url.Values{"date": {"2020-11-20"}, "case": {"C-100"}, "by": {by}})
		if res.code != 400 || !strings.Contains(res.body, `class="err"`) {
			t.Errorf("appeal by %q: %d, want the form back with the error at its field", by, res.code)
		}
	}
	if res := reg.post("/staff/persons/T-0100/record/appeal", url.Values{"date": {"2020-11-20"}, "case": {"C-999"}, "by": {"defence"}}); res.code != 400 || !strings.Contains(res.body, "C-100") {
		t.Errorf("appeal on another case: %d, want refused naming the person's case", res.code)
	}
	if res := reg.post("/staff/persons/T-0100/record/appeal", url.Values{"date": {"2020-11-20"}, "case": {"C-100"}, "by": {"prosecution"}}); res.code != 303 {
		t.Fatalf("appeal: %d\n%s", res.code, res.body)
	}
	if !state().ProsecutionAppeal {
		t.Error("the prosecution's appeal is not on the file")
	}
	// The dismissal decides that appeal: the person stays held, with no
	// appeal against the dismissal yet, so screening asks for a review
	// while the prosecution may still appeal (RV-03).
	if res := reg.post("/staff/persons/T-0100/record/dismissal", url.Values{"date": {"2020-12-01"}, "case": {"C-100"}, "court": {"Phnom Penh Court of First Instance"}}); res.code != 303 {
		t.Fatalf("dismissal: %d\n%s", res.code, res.body)
	}
	s := state()
	if s.Status != domain.StatusAcquitted || s.Verdict != domain.OutcomeDismissed || s.VerdictDate != domain.MustDate("2020-12-01") || s.ProsecutionAppeal || !s.InCustody {
		t.Errorf("after the dismissal: status %s, verdict %q on %s, prosecution appeal %v, in custody %v", s.Status, s.Verdict, s.VerdictDate, s.ProsecutionAppeal, s.InCustody)
	}
	if page := reg.get("/staff/persons/T-0100"); !strings.Contains(page.body, "RV-03") || !strings.Contains(page.body, "charges dismissed by the judgment of 2020-12-01") {
		t.Errorf("the person's screening does not show RV-03 after the dismissal")
	}
	if res := reg.post("/staff/persons/T-0100/record/appeal", url.Values{"date": {"2020-12-10"}, "case": {"C-100"}, "by": {"prosecution"}}); res.code != 303 {
		t.Fatalf("appeal against the dismissal: %d\n%s", res.code, res.body)
	}
	if page := reg.get("/staff/persons/T-0100"); !strings.Contains(page.body, "RV-02") {
		t.Errorf("the person's screening does not show RV-02 once the prosecution appealed the dismissal")
	}
	// A legal officer records appeals, not verdicts; a monitor neither.
	if res := f.login("legal").get("/staff/persons/T-0100/record/dismissal"); res.code != 403 {
		t.Errorf("dismissal form for a legal officer: %d, want 403", res.code)
	}
	if res := f.login("monitor").get("/staff/persons/T-0100/record/appeal"); res.code != 403 {
		t.Errorf("appeal form for a monitor: %d, want 403", res.code)
	}
}
