package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/disclosure"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/report"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// publicPeople is the size of the demo register the public pages are
// tested on: small enough that its reports hide many facility counts (the
// tests that check "*" need some) and, before 2020, the whole column of
// children living with their mothers (so few nationally that it is shown
// nationally only), while the tables of 2020 keep every column; and quick
// to build (the protection of smaller registers takes longer to settle).
const publicPeople = 1200

// TestDashboardIsTheReport: the public dashboard shows the numbers of
// report.Build for the same date, and hides the same facility counts; the
// pledges page shows the demo's pledges and the declared figure.
func TestDashboardIsTheReport(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	c := f.client()
	for _, date := range []string{"2020-12-31", "2019-06-30"} {
		rep, err := report.Build(context.Background(), f.db, report.Options{AsOf: domain.MustDate(date), Now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		res := c.get("/?lang=en&as_of=" + date)
		if res.code != 200 {
			t.Fatalf("dashboard of %s: %d", date, res.code)
		}
		fig := func(key string) string {
			m := regexp.MustCompile(`id="fig-` + key + `">([^<]*)<`).FindStringSubmatch(res.body)
			if m == nil {
				t.Fatalf("%s: no figure %s on the dashboard", date, key)
			}
			return strings.ReplaceAll(m[1], ",", "")
		}
		for _, n := range rep.National {
			if n.Unit == "percent" {
				continue
			}
			if got := fig(n.Key); got != strconv.Itoa(int(n.Value)) {
				t.Errorf("%s: %s is %s on the dashboard, %v in the report", date, n.Key, got, n.Value)
			}
		}
		hidden := 0
		for _, fr := range rep.Facilities {
			m := regexp.MustCompile(`(?s)<tr id="facility-` + regexp.QuoteMeta(fr.ID) + `">(.*?)</tr>`).FindStringSubmatch(res.body)
			if m == nil {
				t.Errorf("%s: facility %s is not on the dashboard", date, fr.ID)
				continue
			}
			cells := map[string]string{}
			for _, cm := range regexp.MustCompile(`data-col="([a-z_]+)">([^<]*)<`).FindAllStringSubmatch(m[1], -1) {
				cells[cm[1]] = strings.ReplaceAll(html.UnescapeString(cm[2]), ",", "")
			}
			if len(cells) != len(fr.Counts) {
				t.Errorf("%s %s: %d counts on the dashboard, %d in the report", date, fr.ID, len(cells), len(fr.Counts))
			}
			for key, cell := range fr.Counts {
				want := "*"
				if cell.Suppressed {
					hidden++
				} else {
					want = strconv.Itoa(*cell.Value)
				}
				if cells[key] != want {
					t.Errorf("%s %s %s: %q on the dashboard, %q in the report", date, fr.ID, key, cells[key], want)
				}
			}
		}
		if hidden == 0 {
			t.Errorf("%s: the report hides no facility count; the test proves nothing", date)
		}
		// The downloads are the report's own files.
		res = c.get("/reports/" + date + "/data/report.json")
		var got struct {
			AsOf     string `json:"as_of"`
			National []report.Figure
		}
		if res.code != 200 || json.Unmarshal([]byte(res.body), &got) != nil || got.AsOf != date || len(got.National) != len(rep.National) {
			t.Errorf("report.json of %s: %d %.200s", date, res.code, res.body)
		}
	}

	res := c.get("/pledges?lang=en")
	if res.code != 200 || !strings.Contains(res.body, "Release up to 10,000 prisoners") {
		t.Fatalf("pledges page: %d", res.code)
	}
	m := regexp.MustCompile(`(?s)<article class="pledge" id="pledge-backlog-campaign">(.*?)</article>`).FindStringSubmatch(res.body)
	if m == nil || !strings.Contains(m[1], `<td class="n">3,500</td>`) || !strings.Contains(m[1], "Ministry of Justice, as reported") {
		t.Errorf("the backlog campaign lacks its declared 3,500:\n%s", m)
	}
	for _, want := range []string{`class="progress"`, "Target", "Days left", "Reforms and demands", "stalled", "Early and conditional release"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("pledges page lacks %q", want)
		}
	}
	if res := c.get("/pledges?lang=km"); res.code != 200 || !strings.Contains(res.body, "គោលដៅ") || !strings.Contains(res.body, "៣,៥០០") && !strings.Contains(res.body, "៣.៥០០") {
		t.Errorf("pledges page in Khmer: %d", res.code)
	}
}

// TestReportsPage: the current report and every open-data file, for any
// date of the register; a bad or empty date is a clear 400 or 404.
func TestReportsPage(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	c := f.client()
	res := c.get("/reports?lang=en")
	if res.code != 200 || !strings.Contains(res.body, `href="/reports/2020-12-31/"`) {
		t.Fatalf("reports page: %d\n%.2000s", res.code, res.body)
	}
	files := []string{"data/report.json", "data/national.csv", "data/facilities.csv", "data/trend.csv", "data/releases_by_mechanism.csv",
		"data/releases_by_facility.csv", "data/releases_by_province.csv", "data/releases_by_group.csv", "data/pledges.csv",
		"data/declared_figures.csv", "data/reforms.csv"}
	for _, name := range files {
		if !strings.Contains(res.body, `href="/reports/2020-12-31/`+name+`"`) {
			t.Errorf("the reports page does not offer %s", name)
		}
	}
	res = c.get("/reports?as_of=2019-06-30")
	if res.code != 200 || !strings.Contains(res.body, `href="/reports/2019-06-30/data/pledges.csv"`) {
		t.Errorf("reports page for a date: %d", res.code)
	}
	page := c.get("/reports/2019-06-30/")
	if page.code != 200 || !strings.Contains(page.body, "2019-06-30") || !strings.Contains(page.body, `href="report.css"`) ||
		!strings.HasPrefix(page.header.Get("Content-Type"), "text/html") {
		t.Errorf("the report page: %d %v", page.code, page.header)
	}
	if res := c.get("/reports/2019-06-30/report.css"); res.code != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/css") {
		t.Errorf("the report's stylesheet: %d %v", res.code, res.header)
	}
	res = c.get("/reports/2019-06-30/data/facilities.csv")
	if res.code != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(res.header.Get("Content-Disposition"), "habeas-2019-06-30-facilities.csv") || !strings.Contains(res.body, "#loc+code") {
		t.Errorf("facilities.csv: %d %v", res.code, res.header)
	}
	for path, want := range map[string]int{
		"/reports?as_of=2020-13-01":             400,
		"/reports?as_of=yesterday":              400,
		"/reports?as_of=2001-01-31":             404,
		"/reports?as_of=2099-01-31":             404,
		"/reports/2001-01-31/":                  404,
		"/reports/2001-01-31/data/report.json":  404,
		"/reports/2020-02-30/":                  400,
		"/reports/2020-12-31/data/people.csv":   404,
		"/reports/2020-12-31/data/":             404,
		"/?as_of=2001-01-31":                    404,
		"/pledges?as_of=2001-01-31":             404,
		"/data/facilities.csv?as_of=2001-01-31": 404,
	} {
		res := c.get(path)
		if res.code != want {
			t.Errorf("%s: %d, want %d\n%.300s", path, res.code, want, res.body)
		}
		if want == 404 && strings.HasPrefix(path, "/reports?") && !strings.Contains(res.body, "no data") {
			t.Errorf("%s: the page does not say why:\n%.1000s", path, res.body)
		}
	}
}

// failingDB is the register with one read of the report failing: the
// population changes the trend is computed from.
type failingDB struct {
	*sqldb.DB
	err error
}

func (d failingDB) PopulationChanges(context.Context) ([]store.PopChange, error) { return nil, d.err }

// TestReportUnavailable: when the report cannot be built, the public pages
// and the public API say it cannot be published (503), show neither the
// error nor anything from the register, and the rest of the site works. Two
// causes: the database fails, and disclosure control refuses every way of
// publishing (report.Build still returns a *disclosure.BlockedError when
// leaving a breakdown out does not help, for instance when it is the total
// of releases that is too small; the store returns one here to reach that
// path).
func TestReportUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name, want, wantKm string
		err                error
	}{
		{"database", "cannot be published at the moment", "មិនអាចផ្សព្វផ្សាយបាននៅពេលនេះ",
			errors.New("pq: connection reset while reading facility/CC1")},
		{"blocked", "cannot be published: some counts are so small", "ចំនួនខ្លះតូចពេក",
			&disclosure.BlockedError{Cell: "facility/CC1/minors", Sum: "national/prison_system/minors", Exact: []string{"national/prison_system/minors"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixtureOn(t, dbtest.SQLiteDSN(t), 300, func(db *sqldb.DB) servedDB { return failingDB{db, tc.err} })
			c := f.client()
			secret := func(body string) {
				t.Helper()
				if strings.Contains(body, "facility/CC1") || strings.Contains(body, "connection reset") {
					t.Errorf("the error is shown:\n%.500s", body)
				}
				for _, n := range f.names {
					if strings.Contains(body, n) && (len(n) > 6 || wordIn(body, n)) {
						t.Errorf("the page shows %q", n)
					}
				}
			}
			for _, p := range []string{"/", "/pledges", "/reports", "/reports/2020-12-31/", "/reports/2020-12-31/data/report.json",
				"/data/facilities.csv", "/?as_of=2019-06-30"} {
				res := c.get(p)
				if res.code != 503 || !strings.Contains(res.body, tc.want) || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
					t.Errorf("%s: %d %s\n%.300s", p, res.code, res.header.Get("Content-Type"), res.body)
				}
				secret(res.body)
			}
			if res := c.get("/?lang=km"); res.code != 503 || !strings.Contains(res.body, tc.wantKm) {
				t.Errorf("in Khmer: %d\n%.300s", res.code, res.body)
			}
			res := c.get("/api/v1/report")
			var e struct{ Code, Message string }
			if res.code != 503 || json.Unmarshal([]byte(res.body), &e) != nil || e.Code != "unavailable" || !strings.Contains(e.Message, tc.want) {
				t.Errorf("/api/v1/report: %d %s", res.code, res.body)
			}
			checkOpenAPI(t, openAPIRouter(t), "GET", "/api/v1/report", res.code, res.header, []byte(res.body))
			secret(res.body)
			// A date the register has no data for is still a 404, and the
			// rest of the site works.
			if res := c.get("/?as_of=2001-01-31"); res.code != 404 {
				t.Errorf("a date before the register: %d", res.code)
			}
			for _, p := range []string{"/data", "/login", "/static/habeas.css"} {
				if res := c.get(p); res.code != 200 {
					t.Errorf("%s: %d", p, res.code)
				}
			}
			if res := f.login("admin").get("/staff/register"); res.code != 200 {
				t.Errorf("the register, signed in: %d", res.code)
			}
		})
	}
}
