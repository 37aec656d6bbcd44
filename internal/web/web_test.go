package web_test

import (
	"encoding/csv"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/web"
)

func TestPublicPages(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	c := f.client()
	res := c.get("/")
	if res.code != 200 || !strings.Contains(res.body, "Detention figures as of 31 December 2020") || !strings.Contains(res.body, "Correctional Centre 1") {
		t.Fatalf("dashboard: %d\n%s", res.code, res.body)
	}
	for _, want := range []string{"<svg", "Occupancy by facility", "Population and capacity since 2016", "Releases from 1 January 2020 to 31 December 2020",
		"Release up to 10,000 prisoners", `id="fig-population"`, "Held on drug charges in all facilities"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	csp := res.header.Get("Content-Security-Policy")
	for _, want := range []string{"frame-ancestors 'none'", "script-src 'self'", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %s", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(res.body, "<script") || strings.Contains(res.body, " style=") {
		t.Error("inline script or style on the dashboard")
	}
	if res.header.Get("X-Content-Type-Options") != "nosniff" || res.header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("security headers: %v", res.header)
	}
	// The public API gives the report, as the dashboard shows it.
	res = c.get("/api/v1/report?as_of=2020-03-31")
	var rep struct {
		AsOf     string `json:"as_of"`
		National []struct {
			Key   string  `json:"key"`
			Value float64 `json:"value"`
		} `json:"national"`
		Protection struct {
			Suppressed int `json:"suppressed_cells"`
		} `json:"protection"`
	}
	if res.code != 200 || json.Unmarshal([]byte(res.body), &rep) != nil || rep.AsOf != "2020-03-31" || len(rep.National) == 0 ||
		rep.National[0].Key != "population" || rep.National[0].Value != publicPeople || rep.Protection.Suppressed == 0 {
		t.Fatalf("report API: %d %.500s", res.code, res.body)
	}
	if dl := c.get("/reports/2020-03-31/data/report.json"); dl.body != res.body {
		t.Error("the report API and the report's report.json differ")
	}
	var e struct{ Code, Message string }
	res = c.get("/api/v1/report?as_of=2020-02-30")
	if res.code != 400 || json.Unmarshal([]byte(res.body), &e) != nil || e.Code != "invalid" || !strings.Contains(e.Message, "as_of") {
		t.Errorf("bad date: %d %s", res.code, res.body)
	}
	res = c.get("/api/v1/report?as_of=2001-01-31")
	if res.code != 404 || json.Unmarshal([]byte(res.body), &e) != nil || e.Code != "not_found" {
		t.Errorf("a date before the register: %d %s", res.code, res.body)
	}
	// The unprotected figures are for staff.
	res = c.get("/api/v1/stats?as_of=2020-03-31")
	if res.code != 401 || json.Unmarshal([]byte(res.body), &e) != nil || e.Code != "unauthenticated" {
		t.Errorf("the raw figures, for the public: %d %.300s", res.code, res.body)
	}
	res = f.login("legal").get("/api/v1/stats?as_of=2020-03-31")
	var s struct {
		AsOf       string `json:"as_of"`
		Population int    `json:"population"`
	}
	if res.code != 200 || json.Unmarshal([]byte(res.body), &s) != nil || s.AsOf != "2020-03-31" || s.Population != publicPeople {
		t.Errorf("the raw figures, for a legal officer: %d %.300s", res.code, res.body)
	}
	res = f.login("monitor").get("/api/v1/stats")
	if res.code != 403 || json.Unmarshal([]byte(res.body), &e) != nil || e.Code != "forbidden" || !strings.Contains(e.Message, "/api/v1/report") {
		t.Errorf("the raw figures, for a monitor of one facility: %d %s", res.code, res.body)
	}
	if res := c.get("/nope"); res.code != 404 {
		t.Errorf("unknown page: %d", res.code)
	}
	if res := c.get("/api/v1/nope"); res.code != 404 || !strings.Contains(res.body, `"code":"not_found"`) {
		t.Errorf("unknown API route: %d %s", res.code, res.body)
	}
	// Static assets are embedded: the stylesheet and the Khmer font.
	if res := c.get("/static/habeas.css"); res.code != 200 || !strings.Contains(res.body, "Noto Sans Khmer") {
		t.Errorf("stylesheet: %d", res.code)
	}
	if res := c.get("/static/fonts/noto-sans-khmer-khmer-400-normal.woff2"); res.code != 200 || !strings.HasPrefix(res.body, "wOF2") {
		t.Errorf("Khmer font: %d", res.code)
	}
	if res := c.get("/static/"); res.code != 404 {
		t.Errorf("static directory listing: %d", res.code)
	}
	// The CSV is the report's: HXL hashtags, hidden counts as "*", and no
	// count of 1 to 5 people below national level.
	res = c.get("/data/facilities.csv")
	rows, err := csv.NewReader(strings.NewReader(res.body)).ReadAll()
	if res.code != 200 || err != nil || len(rows) < 3 || rows[1][0] != "#loc+code" || rows[0][7] != "population" {
		t.Fatalf("CSV: %d %v %q", res.code, err, res.body[:min(200, len(res.body))])
	}
	stars := 0
	for _, row := range rows[2:] {
		for _, v := range row[7:] {
			if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= 5 {
				t.Errorf("CSV row shows a count of 1 to 5: %v", row)
			}
			if v == "*" {
				stars++
			}
		}
	}
	if stars == 0 {
		t.Error("the facilities CSV hides nothing: the demo has small groups")
	}
}

// TestKhmer: every public page switches to Khmer with the bundled font, and
// numbers and dates are written the Khmer way.
func TestKhmer(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	c := f.client()
	res := c.get("/lang/km?next=/")
	if res.code != 303 || res.header.Get("Location") != "/" || c.cookies["lang"] != "km" {
		t.Fatalf("switching language: %d %v", res.code, res.header)
	}
	res = c.get("/")
	if !strings.Contains(res.body, `<html lang="km">`) || !strings.Contains(res.body, "តួលេខការឃុំខ្លួន គិតត្រឹម ៣១ ធ្នូ ២០២០") ||
		!strings.Contains(res.body, "ការដោះលែងពី ១ មករា ២០២០ ដល់ ៣១ ធ្នូ ២០២០") {
		t.Errorf("Khmer dashboard:\n%s", res.body[:min(2000, len(res.body))])
	}
	for _, p := range []string{"/reports", "/pledges", "/data", "/login"} {
		if res := c.get(p); res.code != 200 || !strings.Contains(res.body, `lang="km"`) || !strings.Contains(res.body, "ភាសា") && !strings.Contains(res.body, "English") {
			t.Errorf("%s in Khmer: %d", p, res.code)
		}
	}
	// An open redirect is not possible through the language switch.
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
		if res := c.get("/lang/en?next=" + url.QueryEscape(next)); res.header.Get("Location") != "/" {
			t.Errorf("next=%s redirected to %q", next, res.header.Get("Location"))
		}
	}
}

// TestMessagesComplete: every text has an English and a Khmer version, and
// every key the templates use exists.
func TestMessagesComplete(t *testing.T) {
	for k, v := range web.Messages() {
		if v[0] == "" || v[1] == "" {
			t.Errorf("message %s: %q", k, v)
		}
	}
	for _, k := range web.TemplateKeys() {
		if _, ok := web.Messages()[k]; !ok {
			t.Errorf("templates use the key %q, which has no text", k)
		}
	}
}
