package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/markers"
	"github.com/habeas-kh/habeas/internal/restricted"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/web"
)

// markersFixture serves a small register with two monitoring
// organisations, their keys, and a user of each (dara of licadho, vann of
// adhoc), besides the usual users of the prison administration.
func markersFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	base := newFixture(t, dbtest.SQLiteDSN(t), 300)
	svc := newServices(t, base.db)
	au := auth.New(base.db, auth.WithArgon2(cheap), auth.WithOrgs(base.db))
	svc.Auth = au
	dir := t.TempDir()
	files := map[string]string{}
	root := auth.System("setup", "test")
	for _, o := range []string{"licadho", "adhoc"} {
		if err := au.AddOrg(ctx, root, store.Org{ID: o, Name: strings.ToUpper(o), Kind: auth.OrgMonitoring}); err != nil {
			t.Fatal(err)
		}
		files[o] = filepath.Join(dir, o+".key")
		if _, err := restricted.Generate(files[o]); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := restricted.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	svc.Markers = markers.New(base.db, ledger.New(base.db), keys, au)
	for name, org := range map[string]string{"dara": "licadho", "vann": "adhoc"} {
		if err := au.AddUser(ctx, root, auth.NewUser{Name: name, Password: password, Role: auth.Monitor, Facilities: []string{"CC1"}, Org: org}); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := web.New(svc, web.Options{Log: testLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: base.db, srv: srv, person: base.person}
	f.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(f.ts.Close)
	return f
}

// TestMarkersPage: a monitor of a monitoring organisation marks a person
// from the staff page and reads their organisation's markers; a marker
// without a source comes back with the error at the field and nothing
// stored; another organisation's monitor does not see it; the prison
// administration's users may not open the page; in Khmer the page uses the
// glossary's terms and no ISO date.
func TestMarkersPage(t *testing.T) {
	f := markersFixture(t)
	dara := f.login("dara")
	page := dara.get("/staff/markers")
	if page.code != 200 || !strings.Contains(page.body, `action="/staff/markers"`) || !strings.Contains(page.body, `href="/staff/markers"`) {
		t.Fatalf("dara's markers page: %d\n%s", page.code, page.body)
	}
	head, _ := f.db.Head(t.Context())
	form := url.Values{"date": {"2020-12-30"}, "category": {"political"}, "pseudonym": {"Zq-page-7"}, "facility": {"CC1"},
		"source_kind": {"interview"}}
	res := dara.post("/staff/markers", form)
	if res.code != 400 || !regexp.MustCompile(`(?s)class="invalid".{0,400}name="source_reference"`).MatchString(res.body) {
		t.Errorf("a marker without a source: %d\n%s", res.code, res.body)
	}
	if h, _ := f.db.Head(t.Context()); h != head {
		t.Errorf("a refused marker was stored")
	}
	form.Set("source_reference", "notes of the December visit, file 9")
	res = dara.post("/staff/markers", form)
	if res.code != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/staff/markers?saved=") {
		t.Fatalf("adding a marker: %d %s", res.code, res.body)
	}
	page = dara.get(res.header.Get("Location"))
	if !strings.Contains(page.body, "~Zq-page-7") || !strings.Contains(page.body, "notes of the December visit, file 9") ||
		!strings.Contains(page.body, "Held on politically motivated grounds") {
		t.Errorf("the marker is not listed:\n%s", page.body)
	}
	km := dara.get("/staff/markers?lang=km")
	if !strings.Contains(km.body, "សញ្ញាសម្គាល់ការព្រួយបារម្ភ") || !strings.Contains(km.body, "ជាប់ឃុំដោយហេតុផលនយោបាយ") ||
		regexp.MustCompile(`\b20\d\d-\d\d-\d\d\b`).MatchString(stripValues(km.body)) {
		t.Errorf("the Khmer page:\n%s", km.body)
	}
	if other := f.login("vann").get("/staff/markers"); other.code != 200 || strings.Contains(other.body, "Zq-page-7") {
		t.Errorf("adhoc's monitor: %d, sees licadho's marker: %v", other.code, strings.Contains(other.body, "Zq-page-7"))
	}
	// The public dashboard shows the national count, protected: one marker
	// is a count from 1 to 5, hidden.
	dash := f.login("").get("/")
	if dash.code != 200 || !strings.Contains(dash.body, `id="concerns-table"`) || strings.Contains(dash.body, "Zq-page-7") {
		t.Errorf("the dashboard's concerns: %d, table %v", dash.code, strings.Contains(dash.body, `id="concerns-table"`))
	}
	if m := regexp.MustCompile(`(?s)id="concerns-table".*?</table>`).FindString(dash.body); strings.Contains(m, ">1<") {
		t.Errorf("a count of one marker is published:\n%s", m)
	}
	for _, who := range []string{"admin", "monitor", "registrar"} {
		if res := f.login(who).get("/staff/markers"); res.code != http.StatusForbidden || strings.Contains(res.body, "Zq-page-7") {
			t.Errorf("%s of the prison administration: %d", who, res.code)
		}
	}
}

// stripValues drops the attributes that carry what was typed (a date field
// keeps the ISO date it was given), leaving the text a reader sees.
func stripValues(html string) string {
	return regexp.MustCompile(`value="[^"]*"`).ReplaceAllString(html, "")
}

// TestMarkersPageBrowser: the page fits a 360 px phone and a desktop, in
// English and Khmer, with a marker listed.
func TestMarkersPageBrowser(t *testing.T) {
	exe := browser(t)
	f := markersFixture(t)
	if res := f.login("dara").post("/staff/markers", url.Values{"date": {"2020-12-30"}, "category": {"ill_treatment"}, "pseudonym": {"Zq-b-1"},
		"facility": {"CC1"}, "source_kind": {"family"}, "source_reference": {"account of his sister, given at the CC1 gate on visiting day"}}); res.code != http.StatusSeeOther {
		t.Fatalf("adding a marker: %d", res.code)
	}
	ctx, cancel := browserContext(t, exe)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	base := strings.Replace(f.ts.URL, "127.0.0.1", "localhost", 1)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(css("input[name=name]"), "dara"),
		chromedp.SendKeys(css("input[name=password]"), password),
		chromedp.Submit(css("input[name=password]")),
		chromedp.WaitReady(css(`form[action="/logout"]`)),
	); err != nil {
		t.Fatalf("signing in: %v", err)
	}
	for _, width := range []int64{1280, phoneWidth} {
		for _, lang := range []string{"en", "km"} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800), chromedp.Navigate(base+"/staff/markers?lang="+lang),
				chromedp.WaitVisible(css("#marker-form button[type=submit]")), chromedp.WaitReady(css("#marker-list"))); err != nil {
				t.Fatalf("%d px %s: %v", width, lang, err)
			}
			got, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
			if err != nil {
				t.Fatal(err)
			}
			if int64(got) > width {
				t.Errorf("the markers page (%s) is %d px wide on a %d px screen", lang, got, width)
			}
		}
	}
}
