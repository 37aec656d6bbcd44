package web_test

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/web"
)

// TestKhmerCoverage: every page an administrator can reach (staff and
// public, the printable report included), rendered in Khmer, shows no text
// of the English catalogue that is not the same in both languages: a text
// that equals an English message, or holds a run of three words or more of
// one. The rule pack gives its titles and reasons in Khmer: its English
// titles and the words of its English reasons must not show unmarked
// either. Data (names, courts) is marked English and not looked at.
func TestKhmerCoverage(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	c := f.login("admin")

	// The English texts that differ in Khmer, whole and in fragments
	// between their placeholders.
	whole := map[string]string{}
	type frag struct{ key, text string }
	var frags []frag
	letters := regexp.MustCompile(`[A-Za-z]{4,}`)
	placeholder := regexp.MustCompile(`%[-+# 0-9.]*[sdvfq%]`)
	for k, v := range web.Messages() {
		en, km := v[0], v[1]
		if en == km || !letters.MatchString(en) {
			continue
		}
		if !placeholder.MatchString(en) {
			whole[norm(en)] = k
		}
		for _, p := range placeholder.Split(en, -1) {
			if p = norm(p); len(strings.Fields(p)) >= 3 && letters.MatchString(p) {
				frags = append(frags, frag{k, p})
			}
		}
	}

	// The rule pack's English, where it gives Khmer: titles whole, and
	// reasons by the runs of three words or more of their literal text
	// (outside and inside the expressions).
	pack, err := rules.Builtin(rules.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	expr := regexp.MustCompile(`\{[^{}]*\}`)
	var kmReason []string // the literal text of the Khmer reasons
	quoted := regexp.MustCompile(`'([^']*)'`)
	for _, r := range append(append([]*rules.Rule{}, pack.Rules...), pack.Checks...) {
		if r.TitleKm != "" {
			whole[norm(r.Title)] = "the pack's title of " + r.ID
		}
		if r.ReasonKm == "" {
			continue
		}
		for _, p := range expr.Split(r.ReasonKm, -1) {
			if p = norm(strings.Trim(p, " ,;:()។")); len(strings.Fields(p)) >= 2 {
				kmReason = append(kmReason, p)
			}
		}
		pieces := expr.Split(r.Reason, -1)
		for _, m := range quoted.FindAllStringSubmatch(strings.Join(expr.FindAllString(r.Reason, -1), " "), -1) {
			pieces = append(pieces, m[1])
		}
		for _, p := range pieces {
			if p = norm(strings.Trim(p, " ,;:()")); len(strings.Fields(p)) >= 3 && letters.MatchString(p) {
				frags = append(frags, frag{"the pack's reason of " + r.ID, p})
			}
		}
	}

	// The pages: every link from these, one page of each kind.
	kind := regexp.MustCompile(`^(/staff/persons|/staff/users|/reports|/facilities)/[^/]+`)
	href := regexp.MustCompile(`href="(/[^"]*)"`)
	skip := func(p string) bool {
		return p == "/logout" || strings.HasPrefix(p, "/lang/") || strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/static/") ||
			slices.ContainsFunc([]string{".csv", ".xlsx", ".json", ".zip", ".pdf", ".txt", ".sig", ".pem", ".png", ".svg", ".css"},
				func(ext string) bool { return strings.HasSuffix(p, ext) })
	}
	iso := regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`)
	seen := map[string]bool{}
	// The printable report (/reports/DATE/) is reached from the reports page.
	queue := []string{"/", "/staff", "/staff/persons/" + url.PathEscape(f.person), "/staff/queue", "/reports"}
	printable := regexp.MustCompile(`^/reports/[^/]+/$`)
	sawPrintable, sawKhmerReason := false, false
	pages := 0
	for len(queue) > 0 && pages < 80 {
		p := html.UnescapeString(queue[0])
		queue = queue[1:]
		u, err := url.Parse(p)
		if err != nil || skip(u.Path) || seen[kind.ReplaceAllString(u.Path, "$1/*")] {
			continue
		}
		seen[kind.ReplaceAllString(u.Path, "$1/*")] = true
		q := u.Query()
		q.Set("lang", "km")
		u.RawQuery = q.Encode()
		res := c.get(u.String())
		if res.code != 200 {
			continue
		}
		pages++
		if printable.MatchString(u.Path) {
			sawPrintable = true
			if !strings.Contains(res.body, `<html lang="km">`) {
				t.Errorf("%s: the printable report is not in Khmer", p)
			}
		}
		// The queue and the person's file give the pack's reasons in
		// Khmer: the literal text of a Khmer reason template is there.
		if (u.Path == "/staff/queue" || strings.HasPrefix(u.Path, "/staff/persons/")) &&
			slices.ContainsFunc(kmReason, func(k string) bool { return strings.Contains(res.body, k) }) {
			sawKhmerReason = true
		}
		for _, m := range href.FindAllStringSubmatch(res.body, -1) {
			queue = append(queue, m[1])
		}
		for _, text := range texts(t, res.body) {
			// Never an ISO date on a Khmer page (the glossary).
			if iso.MatchString(text) {
				t.Errorf("%s: an ISO date in %q", p, text)
			}
			if k, ok := whole[text]; ok {
				t.Errorf("%s: %q is English (message %s)", p, text, k)
				continue
			}
			for _, fr := range frags {
				if strings.Contains(text, fr.text) {
					t.Errorf("%s: %q holds English %q (message %s)", p, text, fr.text, fr.key)
					break
				}
			}
		}
	}
	if pages < 15 {
		t.Fatalf("only %d pages read", pages)
	}
	if !sawPrintable {
		t.Error("the printable report was not read")
	}
	if !sawKhmerReason {
		t.Error("no Khmer reason on the queue or a person's file")
	}
	t.Logf("%d pages read in Khmer against %d English texts and %d fragments", pages, len(whole), len(frags))
}

// TestLanguageChoicePublic: a language the reader chose (the cookie /lang/ sets)
// wins; with none, the browser's Accept-Language decides; with neither,
// English. For a public page and for the printable report.
func TestLanguageChoicePublic(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	reports := f.client().get("/reports")
	m := regexp.MustCompile(`href="(/reports/[0-9-]+/)"`).FindStringSubmatch(reports.body)
	if m == nil {
		t.Fatalf("no printable report linked from /reports:\n%s", reports.body)
	}
	for _, p := range []string{"/", m[1]} {
		for _, c := range []struct {
			name, cookie, accept, want string
		}{
			{"nothing", "", "", "en"},
			{"browser Khmer", "", "km-KH,km;q=0.9,en;q=0.5", "km"},
			{"browser English", "", "en-GB,en;q=0.9", "en"},
			{"cookie English over a Khmer browser", "en", "km", "en"},
			{"cookie Khmer over an English browser", "km", "en-US,en", "km"},
		} {
			cl := f.client()
			if c.cookie != "" {
				cl.cookies["lang"] = c.cookie
			}
			if c.accept != "" {
				cl.header.Set("Accept-Language", c.accept)
			}
			res := cl.get(p)
			if res.code != 200 {
				t.Fatalf("%s (%s): %d", p, c.name, res.code)
			}
			got := regexp.MustCompile(`<html lang="([a-z]+)"`).FindStringSubmatch(res.body)
			if got == nil || got[1] != c.want {
				t.Errorf("%s, %s: page in %v, want %s", p, c.name, got, c.want)
			}
			if v := strings.Join(res.header.Values("Vary"), ", "); !strings.Contains(v, "Accept-Language") || !strings.Contains(v, "Cookie") {
				t.Errorf("%s: Vary %q does not name Accept-Language and Cookie", p, v)
			}
		}
	}
}

func norm(s string) string { return strings.Join(strings.Fields(s), " ") }

// texts are the text nodes of a page and the attributes people read
// (placeholders, titles, labels), outside scripts and styles.
func texts(t *testing.T, body string) []string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style") {
			return
		}
		// Text marked as English (data with no Khmer yet, the rule pack's
		// text) is the page saying so, not a gap in the catalogue.
		for _, a := range n.Attr {
			if a.Key == "lang" && a.Val == "en" {
				return
			}
		}
		if n.Type == html.TextNode {
			if s := norm(n.Data); s != "" {
				out = append(out, s)
			}
		}
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == "placeholder" || a.Key == "title" || a.Key == "aria-label" || a.Key == "alt" {
					if s := norm(a.Val); s != "" {
						out = append(out, s)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}
