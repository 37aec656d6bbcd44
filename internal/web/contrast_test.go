package web

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestContrast checks the colours of the stylesheet against WCAG 2.1 AA:
// 4.5:1 for text, 3:1 for large text and for the marks of charts. The
// colours are read from the stylesheet itself, by selector, so changing a
// colour there is checked here.
func TestContrast(t *testing.T) {
	b, err := staticFS.ReadFile("static/habeas.css")
	if err != nil {
		t.Fatal(err)
	}
	css := string(b)
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`--([a-z]+):(#[0-9a-fA-F]{3,6})`).FindAllStringSubmatch(css, -1) {
		vars[m[1]] = m[2]
	}
	// prop returns the value of a property in the rule of a selector
	// (the first rule whose selector list is exactly sel).
	prop := func(sel, name string) string {
		t.Helper()
		re := regexp.MustCompile(`(?:^|[}\n])` + regexp.QuoteMeta(sel) + `\{([^}]*)\}`)
		m := re.FindStringSubmatch(css)
		if m == nil {
			t.Fatalf("no rule for %s in habeas.css", sel)
		}
		for _, d := range strings.Split(m[1], ";") {
			k, v, _ := strings.Cut(d, ":")
			if strings.TrimSpace(k) == name {
				v = strings.TrimSpace(v)
				if strings.HasPrefix(v, "var(--") {
					v = vars[strings.TrimSuffix(strings.TrimPrefix(v, "var(--"), ")")]
				}
				return v
			}
		}
		t.Fatalf("the rule for %s has no %s", sel, name)
		return ""
	}
	white := "#fff"
	for _, c := range []struct {
		what   string
		fg, bg string
		min    float64
	}{
		{"body text", prop("body", "color"), prop("body", "background"), 4.5},
		{"notes", vars["muted"], white, 4.5},
		{"errors and statuses", vars["accent"], white, 4.5},
		{"buttons", prop("button", "color"), prop("button", "background"), 4.5},
		{"the header", prop("header", "color"), prop("header", "background"), 4.5},
		{"the header's links", prop("header nav a", "color"), prop("header", "background"), 4.5},
		{"the synthetic-data banner", prop(".synthetic", "color"), prop(".synthetic", "background"), 4.5},
		{"a met pledge", "#2d6a2d", white, 4.5},
		{"chart table toggles", vars["cap"], white, 4.5},
		{"muted text in a row group", vars["muted"], "#fafafa", 4.5},
		{"chart bars (graphics)", vars["cap"], white, 3},
		{"bars over capacity (graphics)", vars["bar"], white, 3},
		{"the population line (graphics)", vars["bar"], white, 3},
	} {
		r := contrast(t, c.fg, c.bg)
		if r < c.min {
			t.Errorf("%s: %s on %s has a contrast of %.2f:1, below %.1f:1", c.what, c.fg, c.bg, r, c.min)
		}
	}
	// The check itself: black on white is 21:1, and a grey that fails.
	if r := contrast(t, "#000", "#fff"); math.Abs(r-21) > 0.01 {
		t.Fatalf("black on white: %.2f", r)
	}
	if r := contrast(t, "#999", "#fff"); r > 3 || r < 2.8 {
		t.Fatalf("#999 on white: %.2f, want about 2.85", r)
	}
}

// contrast is the WCAG 2.1 contrast ratio of two #rgb or #rrggbb colours.
func contrast(t *testing.T, a, b string) float64 {
	t.Helper()
	la, lb := luminance(t, a), luminance(t, b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(t *testing.T, hex string) float64 {
	t.Helper()
	h := strings.TrimPrefix(hex, "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	if len(h) != 6 {
		t.Fatalf("not a colour: %q", hex)
	}
	var c [3]float64
	for i := range c {
		v, err := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		if err != nil {
			t.Fatalf("not a colour: %q", hex)
		}
		s := float64(v) / 255
		if s <= 0.03928 {
			c[i] = s / 12.92
		} else {
			c[i] = math.Pow((s+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
}
