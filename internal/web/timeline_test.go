package web_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestTimelineReadable: a person's timeline shows each event as labelled
// fields in the reader's language, codes as words, never raw JSON.
func TestTimelineReadable(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	c := f.login("admin")
	// A person held on a detention order: find one in the queue's reasons.
	q := getQueue(t, c, "rule=EL-01&limit=1")
	if len(q.Persons) == 0 {
		t.Fatal("no one in pre-trial detention in the demo")
	}
	id := q.Persons[0].Person
	for lang, want := range map[string][]string{
		"en": {"Admission", "Legal status", "Pre-trial detention", "Detention order", "Class of offence"},
		"km": {"ការចូលឃុំ", "ដីកាឃុំខ្លួនបណ្ដោះអាសន្ន", "ការឃុំខ្លួនបណ្ដោះអាសន្ន"},
	} {
		page := c.get("/staff/persons/" + id + "?lang=" + lang)
		if page.code != 200 {
			t.Fatalf("%s: %d", id, page.code)
		}
		i := strings.Index(page.body, `id="timeline"`)
		if i < 0 {
			t.Fatalf("%s: no timeline", id)
		}
		tl := page.body[i:]
		tl = tl[:strings.Index(tl, "</table>")]
		if strings.Contains(tl, "{&#34;") || strings.Contains(tl, `{"`) {
			t.Errorf("%s (%s): the timeline shows JSON", id, lang)
		}
		for _, code := range []string{"detention_order", "pretrial", "misdemeanour\"", ">felony<", ">document<"} {
			if strings.Contains(tl, code) {
				t.Errorf("%s (%s): the timeline shows the code %q", id, lang, code)
			}
		}
		for _, w := range want {
			if !strings.Contains(tl, w) {
				t.Errorf("%s (%s): the timeline lacks %q", id, lang, w)
			}
		}
		if lang == "km" && regexp.MustCompile(`\d{4}-\d{2}-\d{2}<`).MatchString(tl) {
			t.Errorf("%s (km): an ISO date in the timeline's Khmer text", id)
		}
	}
}

// TestLanguageChoice: a language chosen (the link, a cookie) wins; with no
// choice made, the browser's Accept-Language decides.
func TestLanguageChoice(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	for _, c := range []struct {
		accept, cookie, query string
		khmer                 bool
	}{
		{"", "", "", false},
		{"km-KH,km;q=0.9,en;q=0.5", "", "", true},
		{"km", "", "", true},
		{"en-US,en;q=0.9,km;q=0.5", "", "", false},
		{"fr-FR", "", "", false},
		{"km-KH", "en", "", false},
		{"en", "km", "", true},
		{"km", "", "en", false},
	} {
		req, _ := http.NewRequest("GET", f.ts.URL+"/login"+map[bool]string{true: "?lang=" + c.query, false: ""}[c.query != ""], nil)
		if c.accept != "" {
			req.Header.Set("Accept-Language", c.accept)
		}
		if c.cookie != "" {
			req.AddCookie(&http.Cookie{Name: "lang", Value: c.cookie})
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		khmer := strings.Contains(string(b), `<html lang="km">`)
		if khmer != c.khmer || !strings.Contains(res.Header.Get("Vary"), "Accept-Language") {
			t.Errorf("Accept-Language %q, cookie %q, ?lang=%q: Khmer %v, want %v (Vary %q)", c.accept, c.cookie, c.query, khmer, c.khmer, res.Header.Get("Vary"))
		}
	}
}
