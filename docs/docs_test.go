package docs_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/docs"
)

func TestRender(t *testing.T) {
	pages, err := docs.Render("/methodology/")
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != len(docs.Public) {
		t.Fatalf("%d pages for %d public documents", len(pages), len(docs.Public))
	}
	if p := pages["disclosure"]; p.Title != "Disclosure control for public reports" || !bytes.Contains(p.HTML, []byte("<table>")) && !bytes.Contains(p.HTML, []byte("<h2")) {
		t.Errorf("disclosure: title %q, %d bytes", p.Title, len(p.HTML))
	}
	for name, p := range pages {
		if p.Title == "" || strings.ContainsAny(p.Title, "`#*") {
			t.Errorf("%s: title %q", name, p.Title)
		}
	}
	if got := pages["stats"].Title; got != "The figures: habeas stats" {
		t.Errorf("stats: title %q", got)
	}
	href := regexp.MustCompile(`href="([^"]*)"`)
	for name, p := range pages {
		for _, m := range href.FindAllSubmatch(p.HTML, -1) {
			h := string(m[1])
			switch {
			case strings.HasPrefix(h, "/methodology/"), strings.HasPrefix(h, "#"), strings.Contains(h, "://"):
			default:
				t.Errorf("%s links to %q, which the site does not serve", name, h)
			}
			if strings.HasPrefix(h, "/methodology/") {
				target := strings.TrimPrefix(strings.SplitN(h, "#", 2)[0], "/methodology/")
				if _, ok := pages[target]; !ok {
					t.Errorf("%s links to %q, not a public document", name, h)
				}
			}
		}
	}
	// stats.md links to demo.md, which is not public: the text stays.
	if bytes.Contains(pages["stats"].HTML, []byte(`demo.md"`)) || !bytes.Contains(pages["stats"].HTML, []byte("demo.md")) {
		t.Error("the link to demo.md is kept as a link, or its text was lost")
	}
}
