package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/tabular"
)

type queueFired struct {
	Rule      string `json:"rule"`
	Kind      string `json:"kind"`
	Mechanism string `json:"mechanism"`
	Date      string `json:"date"`
}

type queueJSON struct {
	AsOf  string `json:"as_of"`
	Today struct {
		Date    string `json:"date"`
		Archive bool   `json:"archive"`
	} `json:"today"`
	Total   int `json:"total"`
	Persons []struct {
		Person   string       `json:"person"`
		Facility string       `json:"facility"`
		Fired    []queueFired `json:"fired"`
		Upcoming []queueFired `json:"upcoming"`
	} `json:"persons"`
	Held struct {
		Total int `json:"total"`
	} `json:"held_unlawfully"`
	Facets map[string][]struct {
		Value    string `json:"value"`
		Title    string `json:"title"`
		People   int    `json:"people"`
		Upcoming int    `json:"upcoming"`
	} `json:"facets"`
}

func getQueue(t *testing.T, c *client, query string) queueJSON {
	t.Helper()
	res := c.get("/api/v1/queue?" + query)
	var q queueJSON
	if err := json.Unmarshal([]byte(res.body), &q); res.code != 200 || err != nil {
		t.Fatalf("queue?%s: %d %v\n%.300s", query, res.code, err, res.body)
	}
	return q
}

// allQueue reads every page of the queue with the query.
func allQueue(t *testing.T, c *client, query string) queueJSON {
	t.Helper()
	var all queueJSON
	for off := 0; ; off += 500 {
		q := getQueue(t, c, fmt.Sprintf("%s&limit=500&offset=%d", query, off))
		if off == 0 {
			all = q
		} else {
			all.Persons = append(all.Persons, q.Persons...)
		}
		if off+500 >= q.Total {
			break
		}
	}
	if len(all.Persons) != all.Total {
		t.Fatalf("queue?%s: %d rows read for a total of %d", query, len(all.Persons), all.Total)
	}
	return all
}

// TestQueueCaseload: the counts at the top of the queue are the numbers of
// people the filters would list, counted here from the rows themselves;
// filters combine; a page number jumps to its rows; a date can be chosen
// and a date out of reach is refused on its field.
func TestQueueCaseload(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	c := f.login("admin")
	all := allQueue(t, c, "")
	if all.Total == 0 || all.AsOf != all.Today.Date || !all.Today.Archive {
		t.Fatalf("queue: %d people as of %s (today %+v: the demo is an archive)", all.Total, all.AsOf, all.Today)
	}

	// Count each filter's values from the rows.
	count := map[string]map[string]int{"kind": {}, "mechanism": {}, "facility": {}, "rule": {}}
	upcoming := map[string]int{}
	for _, p := range all.Persons {
		count["facility"][p.Facility]++
		seen := map[string]bool{}
		for _, fr := range p.Fired {
			for _, kv := range [][2]string{{"kind", fr.Kind}, {"mechanism", fr.Mechanism}, {"rule", fr.Rule}} {
				if kv[1] != "" && !seen[kv[0]+kv[1]] {
					seen[kv[0]+kv[1]] = true
					count[kv[0]][kv[1]]++
				}
			}
		}
		for _, fr := range p.Upcoming {
			upcoming[fr.Rule]++
		}
	}
	if count["kind"]["unlawful"] != all.Held.Total || all.Held.Total == 0 {
		t.Errorf("people with an unlawful rule in the rows: %d; held unlawfully: %d", count["kind"]["unlawful"], all.Held.Total)
	}
	for param, want := range count {
		got := map[string]int{}
		for _, fc := range all.Facets[param] {
			got[fc.Value] = fc.People
			if param == "rule" {
				if fc.Title == "" {
					t.Errorf("rule %s has no title in the counts", fc.Value)
				}
				if fc.Upcoming != upcoming[fc.Value] {
					t.Errorf("rule %s: %d upcoming counted, %d in the rows", fc.Value, fc.Upcoming, upcoming[fc.Value])
				}
			}
		}
		for v, n := range want {
			if got[v] != n {
				t.Errorf("%s=%s: the counts say %d, the rows %d", param, v, got[v], n)
			}
		}
		if len(got) < len(want) || len(want) == 0 {
			t.Errorf("%s: counts for %v, rows have %v", param, got, want)
		}
	}
	// Groups are the priority rules that hold.
	if len(all.Facets["group"]) == 0 {
		t.Errorf("no at-risk group counted")
	}

	// Two filters together list those who meet both.
	fac := all.Persons[0].Facility
	want := 0
	for _, p := range all.Persons {
		if p.Facility == fac && slices.ContainsFunc(p.Fired, func(f queueFired) bool { return f.Kind == "eligible" }) {
			want++
		}
	}
	both := getQueue(t, c, "kind=eligible&facility="+url.QueryEscape(fac)+"&limit=1")
	if both.Total != want || want == 0 {
		t.Errorf("eligible in %s: %d listed, %d in the rows", fac, both.Total, want)
	}
	for _, fc := range both.Facets["facility"] {
		if fc.Value != fac {
			t.Errorf("filtered to %s, the counts name %s", fac, fc.Value)
		}
	}

	// A page number is its offset.
	p3 := getQueue(t, c, "page=3&limit=7")
	if len(p3.Persons) != 7 || p3.Persons[0].Person != all.Persons[14].Person {
		t.Errorf("page 3 of 7 rows starts with %v, want %s", p3.Persons, all.Persons[14].Person)
	}
	html := c.get("/staff/queue?lang=en&page=3&limit=7")
	pages := (all.Total + 6) / 7
	if !strings.Contains(html.body, fmt.Sprintf("Page 3 of %s", grouped(pages))) {
		t.Errorf("the page does not say page 3 of %d", pages)
	}
	// Rule codes come with their titles, upcoming ones too.
	shown := false
	for _, p := range all.Persons {
		if len(p.Upcoming) == 0 {
			continue
		}
		var title string
		for _, fc := range all.Facets["rule"] {
			if fc.Value == p.Upcoming[0].Rule {
				title = fc.Title
			}
		}
		page := c.get("/staff/queue?lang=en&limit=500&rule=" + p.Upcoming[0].Rule)
		if !regexp.MustCompile(`becomes [a-z ]+ – ` + regexp.QuoteMeta(p.Upcoming[0].Rule+" ") + `(<span[^>]*>)?` + regexp.QuoteMeta(title)).MatchString(page.body) {
			t.Errorf("the upcoming %s of %s is not shown with its title %q", p.Upcoming[0].Rule, p.Person, title)
		}
		shown = true
		break
	}
	if !shown {
		t.Errorf("no one in the queue has an upcoming rule to show")
	}

	// Another date: the queue says which, and the register's date stays.
	month := getQueue(t, c, "as_of=30/06/2020&limit=1") // day first, as typed in Cambodia
	if month.AsOf != "2020-06-30" || month.Today != all.Today {
		t.Errorf("as_of=2020-06-30: as of %s, today %+v (want %+v)", month.AsOf, month.Today, all.Today)
	}
	for q, field := range map[string]string{"as_of=31/02/2020": "as_of", "as_of=2999-01-01": "as_of", "page=0": "page", "kind=lawful": "kind"} {
		res := c.get("/api/v1/queue?" + q)
		var e struct {
			Field string `json:"field"`
		}
		if json.Unmarshal([]byte(res.body), &e); res.code != 400 || e.Field != field {
			t.Errorf("queue?%s: %d, field %q; want 400 on %s\n%.200s", q, res.code, e.Field, field, res.body)
		}
	}
}

// TestQueueExport: the CSV and XLSX exports hold everyone the filters
// select (every page), the same people and reasons as the queue, in the
// scope of the reader; each export is in the audit trail with its filters.
func TestQueueExport(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	c := f.login("admin")
	want := allQueue(t, c, "kind=eligible")
	res := c.get("/staff/queue/export.csv?kind=eligible")
	if res.code != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export.csv: %d %s", res.code, res.header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(res.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != want.Total+1 || want.Total <= 100 {
		t.Fatalf("export.csv: %d rows for %d people (more than one page wanted)", len(rows)-1, want.Total)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for i, p := range want.Persons {
		row := rows[i+1]
		if row[col["person"]] != p.Person || row[col["facility"]] != p.Facility || row[col["as_of"]] != want.AsOf {
			t.Fatalf("row %d: %v, the queue has %s in %s", i+1, row[:6], p.Person, p.Facility)
		}
		for _, fr := range p.Fired {
			if !strings.Contains(row[col["rules"]], fr.Rule+" ") {
				t.Errorf("row %d (%s): rules %q lack %s", i+1, p.Person, row[col["rules"]], fr.Rule)
			}
		}
	}

	x := c.get("/staff/queue/export.xlsx?kind=eligible")
	if x.code != 200 {
		t.Fatalf("export.xlsx: %d", x.code)
	}
	tab, err := tabular.NewXLSX(strings.NewReader(x.body), "q.xlsx", tabular.Options{})
	if err != nil {
		t.Fatalf("reading the XLSX export: %v", err)
	}
	n := 0
	for {
		row, err := tab.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if n < len(want.Persons) && row.Cells[col["person"]] != want.Persons[n].Person {
			t.Errorf("export.xlsx row %d: %s, want %s", n+1, row.Cells[col["person"]], want.Persons[n].Person)
		}
		n++
	}
	if n != want.Total {
		t.Errorf("export.xlsx: %d rows, want %d", n, want.Total)
	}

	// A monitor of one facility exports that facility only.
	m := f.login("monitor")
	mq := allQueue(t, m, "")
	if mq.Total == 0 {
		t.Fatal("the monitor has no one in their queue")
	}
	mres := m.get("/staff/queue/export.csv")
	mrows, _ := csv.NewReader(strings.NewReader(mres.body)).ReadAll()
	if mres.code != 200 || len(mrows) != mq.Total+1 {
		t.Fatalf("the monitor's export: %d, %d rows for %d in their queue", mres.code, len(mrows)-1, mq.Total)
	}
	for _, r := range mrows[1:] {
		if r[col["facility"]] != mq.Persons[0].Facility {
			t.Fatalf("the monitor's export names %s in %s", r[col["person"]], r[col["facility"]])
		}
	}

	// Each export is on record, with its filters and its rows.
	audit := c.get("/api/v1/users/admin/audit")
	if !strings.Contains(audit.body, `"action":"queue.export"`) || !strings.Contains(audit.body, `"kind":"eligible"`) ||
		!strings.Contains(audit.body, fmt.Sprintf(`"rows":%d`, want.Total)) {
		t.Errorf("the audit trail does not show the export with its filters and rows:\n%.1500s", audit.body)
	}
}

// TestScreeningKeptForThePublic: with no one running habeas screen, the
// server saves the screening of the month-end the dashboard shows, and the
// dashboard's people held without legal basis are the queue's.
func TestScreeningKeptForThePublic(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	held := getQueue(t, f.login("admin"), "limit=1")
	if held.AsOf != held.Today.Date || !strings.HasSuffix(held.AsOf, "-31") {
		t.Fatalf("the demo's latest date %s is not a month-end", held.AsOf)
	}
	re := regexp.MustCompile(`id="fig-held_without_basis">([^<]*)<`)
	page := f.client().get("/?lang=en")
	if m := re.FindStringSubmatch(page.body); m != nil && m[1] != "" && m[1] != "—" {
		t.Fatalf("before any screening the dashboard shows %q held without basis", m[1])
	}
	go f.srv.KeepScreenings(ctx, 50*time.Millisecond)
	var got string
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		page = f.client().get("/?lang=en")
		if m := re.FindStringSubmatch(page.body); m != nil && m[1] != "" && m[1] != "—" {
			got = m[1]
			break
		}
	}
	if strings.ReplaceAll(got, ",", "") != fmt.Sprint(held.Held.Total) {
		t.Errorf("the dashboard shows %q held without legal basis; the queue %d", got, held.Held.Total)
	}
	if strings.Contains(page.body, "habeas screen") {
		t.Errorf("the dashboard still tells the public to run a command")
	}
}
