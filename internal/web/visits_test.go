package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/restricted"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/visits"
	"github.com/habeas-kh/habeas/internal/web"
)

// visitsFixture serves a small register with LICADHO (its key held by the
// server) and dara, its monitor of CC1; the visit date is ten days before
// the register's last day.
func visitsFixture(t *testing.T) (*fixture, domain.Date, string) {
	t.Helper()
	ctx := t.Context()
	dsn := dbtest.SQLiteDSN(t)
	base := newFixture(t, dsn, 300)
	svc := newServices(t, base.db)
	au := auth.New(base.db, auth.WithArgon2(cheap), auth.WithOrgs(base.db))
	svc.Auth = au
	root := auth.System("setup", "test")
	if err := au.AddOrg(ctx, root, store.Org{ID: "licadho", Name: "LICADHO", Kind: auth.OrgMonitoring}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "licadho.key")
	if _, err := restricted.Generate(file); err != nil {
		t.Fatal(err)
	}
	keys, err := restricted.Load(map[string]string{"licadho": file})
	if err != nil {
		t.Fatal(err)
	}
	svc.Visits = visits.New(base.db, ledger.New(base.db), keys, au)
	if err := au.AddUser(ctx, root, auth.NewUser{Name: "dara", Password: password, Role: auth.Monitor, Facilities: []string{"CC1"}, Org: "licadho"}); err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(svc, web.Options{Log: testLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	asOf, err := srv.Registry().AsOf(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: base.db, srv: srv, person: base.person}
	f.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(f.ts.Close)
	return f, asOf.AddDays(-10), dsn
}

// visitFormValues is a visit as a clerk types it: two cells, an interview and
// its allegation, a recommendation.
func visitFormValues(day domain.Date) url.Values {
	return url.Values{"facility": {"CC1"}, "date": {day.String()}, "visit_id": {"lic-cc1-1"}, "team": {"Dara, Sophea"},
		"obs_total": {"5000"}, "obs_women": {""},
		"cell_label": {"B4"}, "cell_use": {"dormitory"}, "cell_area": {"68"}, "cell_people": {"85"}, "cell_toilets": {"1"}, "cell_litres": {"170"},
		"cell_label_2": {"C1"}, "cell_use_2": {"single"}, "cell_area_2": {"10.8"}, "cell_people_2": {"2"},
		"iv_consent": {"1"}, "iv_pseudonym": {"K-1"}, "iv_summary": {"WQX-testimony: beaten on arrest"},
		"al_kind": {"torture"}, "al_date": {day.AddDays(-30).String()}, "al_place": {"WQX police post"}, "al_interview": {"1"},
		"rec_id": {"cc1-r1"}, "rec_text": {"Open block C to relieve B4"}, "rec_addressee": {"GDP"}}
}

// TestVisitForm: a monitor's bad input comes back with everything typed
// kept and each message on its field, nothing stored; the saved visit's
// interviews are not in the database file; the indicators page shows the
// figures computed here from the measures; a later visit follows the
// recommendation up; prison staff cannot use the form.
func TestVisitForm(t *testing.T) {
	f, day, dsn := visitsFixture(t)
	c := f.login("dara")
	head, _ := f.db.Head(t.Context())
	bad := visitFormValues(day)
	bad.Set("obs_total", "40")  // fewer than in cell B4
	bad.Set("cell_area_2", "0") // zero area
	bad.Del("al_date")          // an allegation without a date
	res := c.post("/staff/visits", bad)
	if res.code != http.StatusBadRequest {
		t.Fatalf("a bad visit: %d", res.code)
	}
	// The rules stop at a visit's first problem: here the cell holding more
	// than were counted, shown with the form's own (the date left out).
	for _, want := range []string{`value="WQX police post"`, "WQX-testimony: beaten on arrest", ">Open block C to relieve B4<", `name="cell_area_2" value="0"`,
		`value="40"`, "When it happened: is required", "85 people in the cell is more than everyone present at the facility, 40"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("the refused form lacks %q", want)
		}
	}
	// Each message is on its field: its label is marked and holds it.
	for _, field := range []string{"cell_people", "al_date"} {
		if !regexp.MustCompile(`<label class="invalid">[^<]*<span class="lbl">[^\n]*<span class="err">[^<]+</span><input name="` + field + `"`).MatchString(res.body) {
			t.Errorf("no message on field %s", field)
		}
	}
	bad.Set("obs_total", "5000")
	res = c.post("/staff/visits", bad)
	if res.code != http.StatusBadRequest || !strings.Contains(res.body, "Floor area (m²) (2): must be more than 0 m²; got 0.0") {
		t.Fatalf("a cell of zero area: %d\n%s", res.code, res.body)
	}
	// In Khmer, the message is Khmer.
	c.cookies["lang"] = "km"
	if res := c.post("/staff/visits", bad); res.code != http.StatusBadRequest || !strings.Contains(res.body, "ត្រូវតែធំជាង ០ ម²; បានបញ្ចូល ០,០") {
		t.Errorf("a cell of zero area, in Khmer: %d %q", res.code, regexp.MustCompile(`<span class="err">[^<]*`).FindAllString(res.body, -1))
	}
	delete(c.cookies, "lang")
	if h, _ := f.db.Head(t.Context()); h != head {
		t.Fatalf("refused visits changed the ledger: %+v, was %+v", h, head)
	}
	res = c.post("/staff/visits", visitFormValues(day))
	if res.code != http.StatusSeeOther {
		t.Fatalf("saving the visit: %d\n%s", res.code, res.body)
	}
	// Measures: B4 68 m² for 85 people (0.8 m² each, 85 per toilet, 170 L:
	// 2 L each, below 3); C1 10.8 m² for 2 (5.4 each). Over the visit:
	// 78.8 m² for 87 people, 0.9 m² each.
	ind := c.get("/staff/visits/indicators?facility=CC1")
	if ind.code != http.StatusOK {
		t.Fatalf("indicators: %d", ind.code)
	}
	for _, want := range []string{"<td>lic-cc1-1</td>", `<td class="n below">0.9</td>`, `<td class="n">85.0</td>`, `<td class="n below">2.0</td>`,
		"<td>B4</td>", `<td class="n below">0.8</td>`, `<td class="n">5.4</td>`, `class="flagged"`, "Open block C to relieve B4", "Not yet followed up"} {
		if !strings.Contains(ind.body, want) {
			t.Errorf("the indicators page lacks %q", want)
		}
	}
	if strings.Contains(ind.body, "WQX") {
		t.Error("the indicators page shows an interview or an allegation")
	}
	for _, p := range []string{dsn, dsn + "-wal"} {
		if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), "WQX") {
			t.Errorf("%s holds an interview in clear", p)
		}
	}
	// A later visit: the form offers the earlier recommendation, and
	// follows it up.
	form := c.get("/staff/visits?facility=CC1")
	if !strings.Contains(form.body, `<option value="cc1-r1"`) {
		t.Errorf("the form does not offer the earlier recommendation")
	}
	later := url.Values{"facility": {"CC1"}, "date": {day.AddDays(5).String()}, "visit_id": {"lic-cc1-2"}, "team": {"Dara"},
		"fu_rec": {"cc1-r1"}, "fu_status": {"partly_implemented"}, "fu_note": {"block C half open"}}
	if res := c.post("/staff/visits", later); res.code != http.StatusSeeOther {
		t.Fatalf("the follow-up visit: %d\n%s", res.code, res.body)
	}
	if ind := c.get("/staff/visits/indicators?facility=CC1"); !strings.Contains(ind.body, "Partly implemented") || !strings.Contains(ind.body, "lic-cc1-2") {
		t.Errorf("the follow-up is not shown")
	}
	// A registrar may not record visits.
	if res := f.login("registrar").post("/staff/visits", visitFormValues(day)); res.code != http.StatusForbidden {
		t.Errorf("a registrar posting a visit: %d", res.code)
	}
}

// TestVisitPagesBrowser: the form (refused, with its messages), and the
// indicators page fit a 360 px phone and a desktop, in English and Khmer.
// Screenshots go to $HABEAS_E2E_OUT/visits.
func TestVisitPagesBrowser(t *testing.T) {
	exe := browser(t)
	f, day, _ := visitsFixture(t)
	if res := f.login("dara").post("/staff/visits", visitFormValues(day)); res.code != http.StatusSeeOther {
		t.Fatalf("saving a visit: %d", res.code)
	}
	// A count before the last month-end, for the dashboard.
	monthEnd := domain.MakeDate(day.Year(), day.Month(), 1).AddDays(-1)
	if res := f.login("dara").post("/staff/visits", url.Values{"facility": {"CC1"}, "date": {monthEnd.AddDays(-3).String()}, "visit_id": {"lic-cc1-0"},
		"team": {"Dara"}, "obs_total": {"240"}}); res.code != http.StatusSeeOther {
		t.Fatalf("saving a visit: %d", res.code)
	}
	out := os.Getenv("HABEAS_E2E_OUT")
	if out == "" {
		out = filepath.Join(os.TempDir(), "habeas-e2e")
	}
	out = filepath.Join(out, "visits")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
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
			// The form refused: a cell of zero area, typed in the browser.
			// The language cookie, as the switch sets it: the form is posted
			// without the query's lang.
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(base+"/lang/"+lang+"?next=/staff/visits"),
				chromedp.Navigate(base+"/staff/visits?facility=CC1"),
				chromedp.WaitVisible(css("#visit-form button[type=submit]")),
				chromedp.SetValue(css("select[name=facility]"), "CC1"),
				chromedp.SendKeys(css("input[name=date]"), day.AddDays(1).String()),
				chromedp.SendKeys(css("input[name=visit_id]"), "lic-cc1-x"),
				chromedp.SendKeys(css("input[name=team]"), "Dara"),
				chromedp.SendKeys(css("input[name=cell_label]"), "A1"),
				chromedp.SetValue(css("select[name=cell_use]"), "dormitory"),
				chromedp.SendKeys(css("input[name=cell_area]"), "0"),
				chromedp.SendKeys(css("input[name=cell_people]"), "12"),
				chromedp.Click(css(`#visit-form button[type=submit]:not([name])`)),
				chromedp.WaitVisible(css(".flash.error")),
			); err != nil {
				t.Fatalf("%d px %s, the form: %v", width, lang, err)
			}
			check := func(what string) {
				got, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
				if err != nil {
					t.Fatal(err)
				}
				if int64(got) > width {
					t.Errorf("the %s (%s) is %d px wide on a %d px screen", what, lang, got, width)
				}
				if buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
					os.WriteFile(filepath.Join(out, what+"_"+lang+"_"+strconv.FormatInt(width, 10)+".png"), buf, 0o644)
				}
			}
			check("form")
			if v, err := chromedp.Run(ctx, chromedp.Value(css("input[name=cell_label]"))); err != nil || v != "A1" {
				t.Errorf("the refused form lost the cell's label: %q %v", v, err)
			}
			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/staff/visits/indicators?facility=CC1&lang="+lang), chromedp.WaitReady(css("#indicators"))); err != nil {
				t.Fatalf("%d px %s, the indicators: %v", width, lang, err)
			}
			check("indicators")
			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/?as_of="+monthEnd.String()+"&lang="+lang), chromedp.WaitReady(css("#observed-table"))); err != nil {
				t.Fatalf("%d px %s, the dashboard: %v", width, lang, err)
			}
			check("dashboard")
			if buf, err := chromedp.Run(ctx, chromedp.Screenshot(css("#observed"))); err == nil {
				os.WriteFile(filepath.Join(out, "dashboard_observed_"+lang+"_"+strconv.FormatInt(width, 10)+".png"), buf, 0o644)
			}
		}
	}
}

// TestObservedFiguresAgree: the dashboard shows, for a facility a monitor
// visited, the official figure, the monitors' count and their difference,
// the same figures as the report's JSON and observed.csv; the monitors'
// count is the one typed in the form, and the official one the register's
// population of the day, read here by another path (Population, which
// scans the stays, where the report reads the aggregates).
func TestObservedFiguresAgree(t *testing.T) {
	f, _, _ := visitsFixture(t)
	ctx := t.Context()
	asOf, err := f.srv.Registry().AsOf(ctx)
	if err != nil {
		t.Fatal(err)
	}
	date := domain.MakeDate(asOf.Year(), asOf.Month(), 1).AddDays(-1) // the last month-end before the register's end
	day := date.AddDays(-5)
	v := url.Values{"facility": {"CC1"}, "date": {day.String()}, "visit_id": {"lic-cc1-obs"}, "team": {"Dara"}, "obs_total": {"5000"}}
	if res := f.login("dara").post("/staff/visits", v); res.code != http.StatusSeeOther {
		t.Fatalf("saving the visit: %d\n%s", res.code, res.body)
	}
	rows, err := f.db.Population(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	official := 0
	for _, r := range rows {
		if r.Facility == "CC1" {
			official += r.Count
		}
	}
	if official <= 5 {
		t.Fatalf("CC1 holds %d on %s: too few for the test", official, day)
	}
	c := f.client()
	c.cookies["lang"] = "en"
	get := func(u string) string {
		t.Helper()
		res := c.get(u)
		if res.code != http.StatusOK {
			t.Fatalf("%s: %d", u, res.code)
		}
		return res.body
	}
	var rep struct {
		Observed []struct {
			Facility   string `json:"facility_id"`
			Date       string `json:"date"`
			Observed   *int   `json:"observed"`
			Official   *int   `json:"official"`
			Difference *int   `json:"difference"`
		} `json:"observed"`
	}
	if err := json.Unmarshal([]byte(get("/reports/"+date.String()+"/data/report.json")), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Observed) != 1 || rep.Observed[0].Facility != "CC1" || rep.Observed[0].Date != day.String() || rep.Observed[0].Observed == nil ||
		*rep.Observed[0].Observed != 5000 || rep.Observed[0].Official == nil || *rep.Observed[0].Official != official || *rep.Observed[0].Difference != 5000-official {
		t.Fatalf("report.json observed: %+v (want 5000 beside %d on %s)", rep.Observed, official, day)
	}
	csvRows, err := csv.NewReader(strings.NewReader(get("/reports/" + date.String() + "/data/observed.csv"))).ReadAll()
	if err != nil || len(csvRows) != 3 {
		t.Fatalf("observed.csv: %v %v", csvRows, err)
	}
	row := csvRows[2] // after the header and the HXL tags
	dash := parseHTML(t, get("/?as_of="+date.String()))
	cells := tableRows(t, byID(t, dash, "observed-table"))
	if len(cells) != 1 {
		t.Fatalf("the dashboard's observed table: %v", cells)
	}
	for _, c := range []struct{ what, dash, csv, want string }{
		{"official", cells[0][2], row[5], strconv.Itoa(official)},
		{"observed", cells[0][4], row[3], "5000"},
		{"difference", strings.Fields(cells[0][6])[0], row[7], strconv.Itoa(5000 - official)},
	} {
		if !sameFigure(c.dash, c.want) || !sameFigure(c.csv, c.want) {
			t.Errorf("%s: the dashboard shows %q, observed.csv %q, want %s", c.what, c.dash, c.csv, c.want)
		}
	}
}
