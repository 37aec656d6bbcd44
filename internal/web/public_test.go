package web_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// publicURLs are every public page and file of the report of a date, read
// from the reports page's list of downloads (the CSVs and the JSON).
func publicURLs(t *testing.T, c *client, date string) []string {
	t.Helper()
	urls := []string{"/?as_of=" + date, "/reports?as_of=" + date, "/pledges?as_of=" + date, "/data", "/reports/" + date + "/",
		"/api/v1/report?as_of=" + date, "/data/facilities.csv?as_of=" + date}
	res := c.get("/reports?as_of=" + date)
	if res.code != 200 {
		t.Fatalf("reports page: %d", res.code)
	}
	n := 0
	for _, m := range regexp.MustCompile(`href="(/reports/`+date+`/data/[a-z_]+\.(?:csv|json))"`).FindAllStringSubmatch(res.body, -1) {
		urls = append(urls, m[1])
		n++
	}
	if n < 10 {
		t.Fatalf("the reports page lists %d files", n)
	}
	return urls
}

// TestSyntheticEverywhere: a register the demo wrote says so on every
// public page, the printable report, every CSV (a column on every row) and
// the JSON, in English and in Khmer; a register written otherwise says
// nothing of the kind.
func TestSyntheticEverywhere(t *testing.T) {
	const date = "2020-12-31"
	const en = "Synthetic data: no real person or prison figure"
	const km = "ទិន្នន័យសិប្បនិម្មិត៖ គ្មានបុគ្គលពិត ឬតួលេខពន្ធនាគារពិតទេ"
	demo := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	for _, lang := range []string{"en", "km"} {
		c := demo.client()
		c.cookies["lang"] = lang
		for _, u := range publicURLs(t, c, date) {
			res := c.get(u)
			if res.code != 200 {
				t.Errorf("%s: %d", u, res.code)
				continue
			}
			want := en
			html := strings.HasPrefix(res.header.Get("Content-Type"), "text/html")
			if html && lang == "km" {
				want = km // the printable report too is in Khmer
			}
			switch {
			case strings.HasSuffix(strings.SplitN(u, "?", 2)[0], ".csv"):
				rows, err := csv.NewReader(strings.NewReader(res.body)).ReadAll()
				if err != nil || len(rows) < 2 {
					t.Errorf("%s: %v", u, err)
					continue
				}
				last := len(rows[0]) - 1
				if rows[0][last] != "data_status" || rows[1][last] != "#meta+synthetic" {
					t.Errorf("%s: no synthetic column: %v", u, rows[0])
				}
				for _, row := range rows[2:] {
					if !strings.HasPrefix(row[last], en) {
						t.Errorf("%s: a row does not say it is synthetic: %v", u, row)
						break
					}
				}
			case strings.Contains(res.header.Get("Content-Type"), "json"):
				var r struct {
					Synthetic bool   `json:"synthetic"`
					Note      string `json:"synthetic_note"`
				}
				if err := json.Unmarshal([]byte(res.body), &r); err != nil || !r.Synthetic || !strings.HasPrefix(r.Note, en) {
					t.Errorf("%s: synthetic %v %q (%v)", u, r.Synthetic, r.Note, err)
				}
			default:
				if !strings.Contains(res.body, `id="synthetic"`) || !strings.Contains(res.body, want) {
					t.Errorf("%s (%s): no synthetic banner saying %q", u, lang, want)
				}
				if m := regexp.MustCompile(`<title>([^<]*)</title>`).FindStringSubmatch(res.body); m == nil || !strings.Contains(strings.ToUpper(m[1]), "SYNTHETIC") && !strings.Contains(m[1], "សិប្បនិម្មិត") {
					t.Errorf("%s (%s): the title does not say synthetic: %v", u, lang, m)
				}
			}
		}
	}
	real := newFixtureVia(t, dbtest.SQLiteDSN(t), publicPeople, nil, "import events.jsonl")
	c := real.client()
	for _, u := range publicURLs(t, c, date) {
		res := c.get(u)
		body := strings.ReplaceAll(res.body, `"synthetic": false`, "") // the JSON says it is not
		if res.code != 200 || strings.Contains(body, "ynthetic") || strings.Contains(body, "data_status") {
			t.Errorf("%s of a register not written by the demo: %d, or says synthetic", u, res.code)
		}
	}
}

// TestPublicMonthEnds: an anonymous client asking for a date that is not a
// month end is refused, on every page and file, with the reason; a
// signed-in user reads it; a month asked for (the public's form) is its
// last day.
func TestPublicMonthEnds(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	anon := f.client()
	anon.cookies["lang"] = "en"
	const mid = "2020-12-15"
	for _, u := range []string{"/?as_of=" + mid, "/reports?as_of=" + mid, "/pledges?as_of=" + mid, "/api/v1/report?as_of=" + mid,
		"/reports/" + mid + "/", "/reports/" + mid + "/data/national.csv", "/reports/" + mid + "/data/report.json", "/data/facilities.csv?as_of=" + mid} {
		res := anon.get(u)
		if res.code != http.StatusForbidden || !strings.Contains(res.body, "month end") || strings.Contains(res.body, "fig-population") {
			t.Errorf("anonymous %s: %d %.300s", u, res.code, res.body)
		}
	}
	res := anon.get("/")
	if res.code != 200 || !strings.Contains(res.body, "as of 31 December 2020") {
		t.Errorf("the public dashboard: %d", res.code)
	}
	if res := anon.get("/reports?as_of=2020-11"); res.code != 200 || !strings.Contains(res.body, `href="/reports/2020-11-30/"`) {
		t.Errorf("the report of a month: %d", res.code)
	}
	staff := f.login("analyst")
	for _, u := range []string{"/?as_of=" + mid, "/api/v1/report?as_of=" + mid, "/reports/" + mid + "/data/national.csv"} {
		if res := staff.get(u); res.code != 200 {
			t.Errorf("staff %s: %d", u, res.code)
		}
	}
}
