package web_test

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/web"
)

// TestKhmerCoverage: every page an administrator can reach (staff and
// public), rendered in Khmer, shows no text of the English catalogue that
// is not the same in both languages: a text that equals an English message,
// or holds a run of three words or more of one. Data (names, courts, the
// rule pack's own text) is not the catalogue's and is not looked at.
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

	// The pages: every link from these, one page of each kind.
	kind := regexp.MustCompile(`^(/staff/persons|/staff/users|/reports|/facilities)/[^/]+`)
	href := regexp.MustCompile(`href="(/[^"]*)"`)
	// The printable report (/reports/DATE/) is the report package's page,
	// in English only: the public side's Khmer report is still to do
	// (issue 17 item 13), so it is not read here.
	printable := regexp.MustCompile(`^/reports/[^/]+/`)
	skip := func(p string) bool {
		return p == "/logout" || printable.MatchString(p) || strings.HasPrefix(p, "/lang/") || strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/static/") ||
			slices.ContainsFunc([]string{".csv", ".xlsx", ".json", ".zip", ".pdf", ".txt", ".sig", ".pem", ".png", ".svg", ".css"},
				func(ext string) bool { return strings.HasSuffix(p, ext) })
	}
	iso := regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`)
	seen := map[string]bool{}
	queue := []string{"/", "/staff", "/staff/persons/" + url.PathEscape(f.person), "/staff/queue"}
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
	t.Logf("%d pages read in Khmer against %d English texts and %d fragments", pages, len(whole), len(frags))
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
