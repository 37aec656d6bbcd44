package report_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/i18n"
	"github.com/habeas-kh/habeas/internal/report"
)

// khmerNum writes n the Khmer way, computed here apart from the code:
// Khmer digits, groups of three separated by ".".
func khmerNum(n int) string {
	s := strings.Map(func(r rune) rune { return '០' + (r - '0') }, fmt.Sprint(n))
	for i := len([]rune(s)) - 3; i > 0; i -= 3 {
		rs := []rune(s)
		s = string(rs[:i]) + "." + string(rs[i:])
	}
	return s
}

// TestKhmerReport: the printable report in Khmer shows the same figures as
// the English one, in Khmer form, with no ISO date and no Latin digit
// outside what is marked English or code; its Khmer CSVs have the English
// ones' rows exactly, under Khmer headings; the JSON names its figures in
// both languages with English keys.
func TestKhmerReport(t *testing.T) {
	r := build(t, open(t), report.Options{AsOf: asOf})
	files, err := r.FilesIn("html", i18n.Khmer)
	if err != nil {
		t.Fatal(err)
	}
	page := string(files["index.html"])
	if !strings.Contains(page, `<html lang="km">`) {
		t.Error("the Khmer page does not say it is Khmer")
	}
	var pop int
	for _, f := range r.National {
		if f.Key == "population" {
			pop = int(f.Value)
		}
	}
	if want := `class="n">` + khmerNum(pop) + `<`; !strings.Contains(page, want) {
		t.Errorf("the Khmer page does not show the population as %s", want)
	}
	if !strings.Contains(page, `id="releases-total">`+khmerNum(r.Releases.Total)+`<`) {
		t.Errorf("the Khmer page does not show the releases as %s", khmerNum(r.Releases.Total))
	}
	// Outside code, marked English and the charts' SVG attributes, no
	// ISO date and no Latin digit.
	text := regexp.MustCompile(`(?s)<code>.*?</code>|<span lang="en">.*?</span>|<text [^>]*lang="en"[^>]*>.*?</text>|<[^>]*>`).ReplaceAllString(page, " ")
	if m := regexp.MustCompile(`\d{4}-\d{2}-\d{2}`).FindString(text); m != "" {
		t.Errorf("an ISO date on the Khmer page: %s", m)
	}
	for _, m := range regexp.MustCompile(`.{0,30}[0-9].{0,30}`).FindAllString(text, 5) {
		t.Errorf("a Latin digit on the Khmer page: %q", m)
	}
	if _, ok := files["fonts/noto-sans-khmer-khmer-400-normal.woff2"]; !ok {
		t.Error("the Khmer font is not published beside the page")
	}

	// The Khmer CSVs: every table, the same HXL row and data rows, Khmer
	// headings (none left in English).
	latin := regexp.MustCompile(`^[a-z_0-9]+$`)
	n := 0
	for name, en := range files {
		if !strings.HasPrefix(name, "data/") || strings.HasPrefix(name, "data/km/") || !strings.HasSuffix(name, ".csv") {
			continue
		}
		km, ok := files["data/km/"+strings.TrimPrefix(name, "data/")]
		if !ok {
			t.Errorf("%s has no Khmer copy", name)
			continue
		}
		n++
		er, err := csv.NewReader(bytes.NewReader(en)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		kr, err := csv.NewReader(bytes.NewReader(km)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(er) != len(kr) {
			t.Fatalf("%s: %d rows, its Khmer copy %d", name, len(er), len(kr))
		}
		for i := 1; i < len(er); i++ {
			if strings.Join(er[i], "\x00") != strings.Join(kr[i], "\x00") {
				t.Errorf("%s row %d differs in Khmer: %v / %v", name, i+1, er[i], kr[i])
			}
		}
		for j, h := range kr[0] {
			if latin.MatchString(h) {
				t.Errorf("%s: the heading %q (%s) has no Khmer", name, h, er[0][j])
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d CSVs", n)
	}

	// JSON labels: English keys, both languages.
	var doc struct {
		National []struct{ Key, Label string }
		Labels   map[string]map[string]string
	}
	if err := json.Unmarshal(files["data/report.json"], &doc); err != nil {
		t.Fatal(err)
	}
	for _, f := range doc.National {
		if doc.Labels["en"]["fig."+f.Key] != f.Label {
			t.Errorf("labels.en.fig.%s = %q, the figure's label is %q", f.Key, doc.Labels["en"]["fig."+f.Key], f.Label)
		}
		if km := doc.Labels["km"]["fig."+f.Key]; !regexp.MustCompile(`\p{Khmer}`).MatchString(km) {
			t.Errorf("labels.km.fig.%s = %q is not Khmer", f.Key, km)
		}
	}
	if !strings.Contains(doc.Labels["km"]["mech.royal_pardon"], "ព្រះរាជលើកលែងទោស") {
		t.Errorf("labels.km.mech.royal_pardon = %q", doc.Labels["km"]["mech.royal_pardon"])
	}
}
