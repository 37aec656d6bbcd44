package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/cli"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestPlanPages: the plan builder shows the plan the command line prints
// (the same total of releases, the same gap), saves it, its progress page
// follows it, and once published the public page shows the same planned
// figure with no one named; in Khmer too, with no ISO date.
func TestPlanPages(t *testing.T) {
	dsn := dbtest.SQLiteDSN(t)
	f := newFixture(t, dsn, publicPeople)
	admin := f.login("admin")
	page := admin.get("/staff/plan?target=capacity&exclude=violent")
	if page.code != 200 || !strings.Contains(page.body, `id="plan-summary"`) {
		t.Fatalf("plan builder: %d\n%.2000s", page.code, page.body)
	}
	var out, errOut bytes.Buffer
	if code := cli.Main(context.Background(), []string{"--db", dsn, "plan", "--target", "capacity", "--exclude", "violent", "--format", "json"}, &out, &errOut); code != 0 {
		t.Fatalf("habeas plan: %d %s", code, errOut.String())
	}
	var p struct {
		TotalReleases int `json:"total_releases"`
		National      struct{ Gap, Releases int }
		Facilities    []struct {
			ID       string
			Releases int
		}
		People []struct{ ID string }
	}
	if err := json.Unmarshal(out.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.TotalReleases == 0 {
		t.Fatal("an empty plan tests nothing")
	}
	cell := func(body, id, class string) string {
		m := regexp.MustCompile(`<tr id="` + id + `">.*?class="n ` + class + `"[^>]*>([^<]*)<`).FindStringSubmatch(body)
		if m == nil {
			return ""
		}
		return m[1]
	}
	if got := cell(page.body, "plan-national", "releases"); got != num(p.TotalReleases) {
		t.Errorf("the page's national releases %q, the command line's %d", got, p.TotalReleases)
	}
	if got := cell(page.body, "plan-national", "gap"); got != num(p.National.Gap) {
		t.Errorf("the page's national gap %q, the command line's %d", got, p.National.Gap)
	}
	for _, fp := range p.Facilities {
		if got := cell(page.body, "plan-"+fp.ID, "releases"); got != num(fp.Releases) {
			t.Errorf("%s: the page's releases %q, the command line's %d", fp.ID, got, fp.Releases)
		}
	}
	if km := admin.get("/staff/plan?target=capacity&lang=km"); km.code != 200 || !strings.Contains(km.body, "ផែនការកាត់បន្ថយភាពចង្អៀតណែន") || isoDate.MatchString(stripMarked(km.body)) {
		t.Errorf("plan builder in Khmer: %d", km.code)
	}
	if bad := admin.get("/staff/plan?target=releases&value=many"); bad.code != 400 || !strings.Contains(bad.body, "releases needs a whole number") {
		t.Errorf("a bad target: %d", bad.code)
	}

	res := admin.post("/staff/plan", url.Values{"target": {"capacity"}, "exclude": {"violent"}, "name": {"web-plan"}})
	if res.code != 303 || res.header.Get("Location") != "/staff/plans/web-plan" {
		t.Fatalf("saving: %d %s", res.code, res.header.Get("Location"))
	}
	prog := admin.get("/staff/plans/web-plan")
	if prog.code != 200 || !strings.Contains(prog.body, p.People[0].ID) {
		t.Errorf("progress page: %d, without %s still held", prog.code, p.People[0].ID)
	}
	if pub := f.client().get("/plans/web-plan"); pub.code != 404 {
		t.Errorf("an unpublished plan in public: %d", pub.code)
	}
	if _, err := f.srv.Registry().PublishPlan(context.Background(), auth.System("admin", "test"), "web-plan", nil); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"", "?lang=km"} {
		pub := f.client().get("/plans/web-plan" + lang)
		m := regexp.MustCompile(`id="plan-planned">([^<]*)<`).FindStringSubmatch(pub.body)
		want := num(p.TotalReleases)
		if lang != "" {
			want = khmerDigits(want)
		}
		if pub.code != 200 || m == nil || m[1] != want {
			t.Errorf("public page%s: %d, planned %v, want %s", lang, pub.code, m, want)
		}
		for _, x := range p.People {
			if strings.Contains(pub.body, ">"+x.ID+"<") || strings.Contains(pub.body, "/staff/persons/") {
				t.Fatalf("the public page names %s", x.ID)
			}
		}
		if lang != "" && isoDate.MatchString(stripMarked(pub.body)) {
			t.Errorf("an ISO date on the Khmer public page")
		}
	}
}

var isoDate = regexp.MustCompile(`\b(19|20)\d\d-\d\d-\d\d\b`)

// stripMarked drops text marked as English (lang="en") and attributes'
// URLs, which Khmer pages may carry.
func stripMarked(s string) string {
	s = regexp.MustCompile(`(?s)<[^>]*lang="en"[^>]*>.*?</`).ReplaceAllString(s, "</")
	return regexp.MustCompile(`<[^>]*>`).ReplaceAllString(s, "")
}

// num writes n as the English pages do: thousands separated by commas.
func num(n int) string {
	s := itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func khmerDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune('០' + (r - '0'))
		case r == ',':
			b.WriteRune('.')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
