package web_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/habeas-kh/habeas/internal/report"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestFiguresAgree reads, for the same date, the public dashboard, the
// pledges page, the printable report, its JSON and every CSV, and checks
// that every figure shown in two places is the same figure: national
// figures, each facility's counts and occupancy, the trend and its peak,
// releases by mechanism, group, facility and province, each pledge's
// progress (by its own definition and without routine releases) and each
// declared figure with the register's count and the difference.
func TestFiguresAgree(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	c := f.client()
	c.cookies["lang"] = "en"
	for _, date := range []string{"2020-12-31", "2020-06-30"} {
		t.Run(date, func(t *testing.T) { figuresAgree(t, c, date) })
	}
}

func figuresAgree(t *testing.T, c *client, date string) {
	get := func(u string) string {
		t.Helper()
		res := c.get(u)
		if res.code != 200 {
			t.Fatalf("%s: %d", u, res.code)
		}
		return res.body
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(get("/reports/"+date+"/data/report.json")), &rep); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	if rep.AsOf != date {
		t.Fatalf("report.json is of %s", rep.AsOf)
	}
	csvs := map[string][][]string{}
	for _, m := range regexp.MustCompile(`href="/reports/`+date+`/data/([a-z_]+)\.csv"`).FindAllStringSubmatch(get("/reports?as_of="+date), -1) {
		rows, err := csv.NewReader(strings.NewReader(get("/reports/" + date + "/data/" + m[1] + ".csv"))).ReadAll()
		if err != nil || len(rows) < 2 {
			t.Fatalf("%s.csv: %v", m[1], err)
		}
		csvs[m[1]] = rows
	}
	for _, name := range []string{"national", "facilities", "trend", "releases_by_mechanism", "releases_by_facility", "releases_by_group",
		"releases_by_province", "pledges", "declared_figures"} {
		if csvs[name] == nil {
			t.Fatalf("the reports page does not offer %s.csv", name)
		}
	}
	if string(csvs["facilities"][0][0]) != "facility_id" || get("/data/facilities.csv?as_of="+date) != csvText(t, csvs["facilities"]) {
		t.Error("/data/facilities.csv differs from the report's facilities.csv")
	}
	dash := parseHTML(t, get("/?as_of="+date))
	page := parseHTML(t, get("/reports/"+date+"/"))
	pl := parseHTML(t, get("/pledges?as_of="+date))
	n := 0
	same := func(what string, got, want string) {
		t.Helper()
		n++
		if !sameFigure(got, want) {
			t.Errorf("%s: %q where the JSON has %q", what, got, want)
		}
	}

	// National figures.
	nat := csvByKey(csvs["national"], 0)
	repNat := tableRows(t, byID(t, page, "national-table"))
	if len(repNat) != len(rep.National) {
		t.Fatalf("the report's national table has %d rows, the JSON %d figures", len(repNat), len(rep.National))
	}
	first := func(s string) string { return strings.Fields(s + " ")[0] }
	headlines, changes := 0, 0
	for i, fg := range rep.National {
		want := fmtFloat(fg.Value)
		same("national.csv "+fg.Key, nat[fg.Key][2], want)
		same("dashboard "+fg.Key, text(byID(t, dash, "fig-"+fg.Key)), want)
		same("report "+fg.Key, repNat[i][1], want)
		// The headline's change since the previous month-end and rate per
		// 100,000: the same in the JSON, the CSV, the report and the page.
		if !fg.Headline {
			continue
		}
		headlines++
		byIDOr := func(id string) *html.Node { return find(dash, func(n *html.Node) bool { return attr(n, "id") == id }) }
		change, rate := byIDOr("change-"+fg.Key), byIDOr("rate-"+fg.Key)
		if fg.Change == nil {
			if change != nil || nat[fg.Key][8] != "" {
				t.Errorf("%s has no change in the JSON but one on the page or in the CSV", fg.Key)
			}
		} else {
			changes++
			want := fmtFloat(*fg.Change)
			if *fg.Change > 0 {
				want = "+" + want
			}
			same("national.csv change "+fg.Key, nat[fg.Key][8], fmtFloat(*fg.Change))
			same("dashboard change "+fg.Key, first(text(change)), want)
			same("report change "+fg.Key, first(repNat[i][4]), want)
			same("national.csv previous date "+fg.Key, nat[fg.Key][7], fg.PreviousDate)
		}
		if fg.Per100k == nil {
			if rate != nil {
				t.Errorf("%s has no rate in the JSON but one on the page", fg.Key)
			}
			continue
		}
		want = fmtFloat(*fg.Per100k)
		same("national.csv per 100,000 "+fg.Key, nat[fg.Key][9], want)
		same("dashboard per 100,000 "+fg.Key, first(text(rate)), want)
		same("report per 100,000 "+fg.Key, repNat[i][5], want)
	}
	if headlines < 3 || changes < 3 {
		t.Errorf("%d headline figures, %d with a change since the previous month-end: the check proves little", headlines, changes)
	}

	// Facilities.
	fcsv := csvByKey(csvs["facilities"], 0)
	head := csvs["facilities"][0]
	repFac := tableRows(t, byID(t, page, "facilities-table"))
	if len(repFac) != len(rep.Facilities) {
		t.Fatalf("the report's facility table has %d rows, the JSON %d", len(repFac), len(rep.Facilities))
	}
	cols := rep.Columns()
	for i, fr := range rep.Facilities {
		row := fcsv[fr.ID]
		tr := byID(t, dash, "facility-"+fr.ID)
		dcells := cells(tr)
		same(fr.ID+" capacity, facilities.csv", row[4], strconv.Itoa(fr.Capacity))
		same(fr.ID+" capacity, dashboard", dcells[3], strconv.Itoa(fr.Capacity))
		same(fr.ID+" capacity, report", repFac[i][2], strconv.Itoa(fr.Capacity))
		if fr.OccupancyPct != nil {
			want := fmtFloat(*fr.OccupancyPct)
			same(fr.ID+" occupancy, facilities.csv", row[6], want)
			same(fr.ID+" occupancy, dashboard", dcells[4], want)
			same(fr.ID+" occupancy, report", repFac[i][3], want)
		}
		for j, col := range cols {
			want := fr.Counts[col.Key].CSV()
			k := indexOf(head, col.Key)
			same(fr.ID+" "+col.Key+", facilities.csv", row[k], want)
			same(fr.ID+" "+col.Key+", dashboard", text(find(tr, func(n *html.Node) bool { return attr(n, "data-col") == col.Key })), want)
			same(fr.ID+" "+col.Key+", report", repFac[i][4+j], want)
		}
	}

	// Each facility's page: its row of the table, its history (the JSON's
	// facility_history, ending on the row's count) and its releases (its
	// row of releases_by_facility.csv).
	relcsv := csvByKey(csvs["releases_by_facility"], 0)
	relHead := csvs["releases_by_facility"][0]
	if len(rep.FacilityHistory) != len(rep.Facilities) {
		t.Fatalf("report.json has the history of %d facilities, the table %d", len(rep.FacilityHistory), len(rep.Facilities))
	}
	for i, fr := range rep.Facilities {
		row := fcsv[fr.ID]
		fp := parseHTML(t, get("/facilities/"+fr.ID+"?as_of="+date))
		same(fr.ID+" page capacity", text(byID(t, fp, "fac-capacity")), row[4])
		if fr.OccupancyPct != nil {
			same(fr.ID+" page occupancy", text(byID(t, fp, "fac-occupancy")), row[6])
		} else if got := text(byID(t, fp, "fac-occupancy")); got != "*" && got != "—" {
			t.Errorf("%s: the page shows occupancy %q where the table has none", fr.ID, got)
		}
		for _, col := range cols {
			same(fr.ID+" page "+col.Key, text(byID(t, fp, "fac-"+col.Key)), row[indexOf(head, col.Key)])
		}
		h := rep.FacilityHistory[i]
		if h.ID != fr.ID {
			t.Fatalf("facility_history[%d] is %s, facilities[%d] %s", i, h.ID, i, fr.ID)
		}
		hist := tableRows(t, byID(t, fp, "history-table"))
		if len(hist) != len(h.Points) || len(hist) == 0 {
			t.Fatalf("%s: %d rows in the page's history, %d points in the JSON", fr.ID, len(hist), len(h.Points))
		}
		for j, pt := range h.Points {
			same(fmt.Sprintf("%s history %s population", fr.ID, pt.Date), hist[j][1], pt.Population.CSV())
			if pt.Capacity > 0 {
				same(fmt.Sprintf("%s history %s capacity", fr.ID, pt.Date), hist[j][2], strconv.Itoa(pt.Capacity))
			}
		}
		last := h.Points[len(h.Points)-1]
		same(fr.ID+" history's last point, the table", last.Population.CSV(), row[indexOf(head, "population")])
		if last.Date != date {
			t.Errorf("%s: the history ends on %s, not on the report's date", fr.ID, last.Date)
		}
		if rr, ok := relcsv[fr.ID]; ok {
			for k, m := range relHead[2:] {
				if m != "data_status" {
					same(fr.ID+" page releases "+m, text(byID(t, fp, "rel-"+m)), rr[2+k])
				}
			}
		}
	}

	// The trend, and its peak as both charts label it.
	trend := csvs["trend"][2:]
	if len(trend) != len(rep.Trend) {
		t.Fatalf("trend.csv has %d points, the JSON %d", len(trend), len(rep.Trend))
	}
	peak := 0
	for i, p := range rep.Trend {
		same("trend.csv "+p.Date, trend[i][0]+" "+trend[i][1]+" "+trend[i][2], p.Date+" "+strconv.Itoa(p.Population)+" "+strconv.Itoa(p.Capacity))
		if p.Population > rep.Trend[peak].Population {
			peak = i
		}
	}
	pk := rep.Trend[peak]
	month, _ := strconv.Atoi(pk.Date[5:7])
	wantPeak := grouped(pk.Population) + " · " + months[month-1] + " " + pk.Date[:4]
	for name, doc := range map[string]*html.Node{"dashboard": dash, "report": page} {
		n++
		if p := find(doc, func(n *html.Node) bool { return n.Data == "text" && hasClass(n, "peak") }); p == nil || text(p) != wantPeak {
			t.Errorf("%s: the trend's peak is labelled %q, want %q", name, text(p), wantPeak)
		}
	}

	// Releases by mechanism: the CSV, the report's table and the
	// dashboard's chart (its bars are in the JSON's order).
	mcsv := csvByKey(csvs["releases_by_mechanism"], 0)
	repMech := tableRows(t, byID(t, page, "mechanism-table"))
	var bars []string
	if sec := byID(t, dash, "releases-section"); sec != nil {
		for _, v := range findAll(sec, func(n *html.Node) bool { return n.Data == "text" && hasClass(n, "val") }) {
			bars = append(bars, text(v))
		}
	}
	if len(repMech) != len(rep.Releases.ByMechanism) || len(bars) != len(rep.Releases.ByMechanism) {
		t.Fatalf("releases by mechanism: %d in the report's table, %d bars on the dashboard, %d in the JSON", len(repMech), len(bars), len(rep.Releases.ByMechanism))
	}
	sum := 0
	for i, m := range rep.Releases.ByMechanism {
		want := strconv.Itoa(m.Count)
		same("releases_by_mechanism.csv "+m.Key, mcsv[m.Key][1], want)
		same("report releases "+m.Key, repMech[i][1], want)
		same("dashboard releases "+m.Key, bars[i], want)
		sum += m.Count
	}
	same("the releases' total, report", text(byID(t, page, "releases-total")), strconv.Itoa(rep.Releases.Total))
	same("the releases' total, the sum of the mechanisms", strconv.Itoa(sum), strconv.Itoa(rep.Releases.Total))

	// Releases by group and mechanism, and by facility and mechanism.
	releaseTable := func(name string, tb report.ReleaseTable, csvRows [][]string, pages map[string][][]string) {
		byKey := csvByKey(csvRows, 0)
		for what, rows := range pages {
			if len(rows) != len(tb.Rows) {
				t.Errorf("%s %s: %d rows, the JSON %d", what, name, len(rows), len(tb.Rows))
				return
			}
		}
		for i, key := range tb.Rows {
			want := make([]string, 0, len(tb.Columns)+1)
			for _, cell := range tb.Cells[i] {
				want = append(want, cell.CSV())
			}
			want = append(want, tb.Totals[i].CSV())
			for j, w := range want {
				same(fmt.Sprintf("%s.csv %s/%d", name, key, j), byKey[key][2+j], w)
				for what, rows := range pages {
					same(fmt.Sprintf("%s %s %s/%d", what, name, key, j), rows[i][1+j], w)
				}
			}
		}
	}
	if len(rep.Releases.ByGroup.Rows) == 0 || len(rep.Releases.ByFacility.Rows) == 0 {
		t.Fatal("no release tables: nothing to compare")
	}
	releaseTable("releases_by_group", rep.Releases.ByGroup, csvs["releases_by_group"], map[string][][]string{
		"dashboard": tableRows(t, byID(t, dash, "releases-group")), "report": tableRows(t, byID(t, page, "group-table"))})
	releaseTable("releases_by_facility", rep.Releases.ByFacility, csvs["releases_by_facility"], map[string][][]string{
		"report": tableRows(t, byID(t, page, "facility-releases-table"))})

	// Releases by province.
	pcsv := csvByKey(csvs["releases_by_province"], 0)
	dprov, rprov := tableRows(t, byID(t, dash, "releases-province")), tableRows(t, byID(t, page, "province-table"))
	if len(dprov) != len(rep.Releases.ByProvince) || len(rprov) != len(rep.Releases.ByProvince) {
		t.Fatalf("releases by province: %d rows on the dashboard, %d in the report, %d in the JSON", len(dprov), len(rprov), len(rep.Releases.ByProvince))
	}
	for i, p := range rep.Releases.ByProvince {
		want := p.Released.CSV()
		same("releases_by_province.csv "+p.Province, pcsv[p.Province][1], want)
		same("dashboard releases "+p.Province, dprov[i][1], want)
		same("report releases "+p.Province, rprov[i][1], want)
	}

	// Pledges: by their own definition and without routine releases.
	plcsv := csvByKey(csvs["pledges"], 0)
	plHead := csvs["pledges"][0]
	col := func(id, name string) string { return plcsv[id][indexOf(plHead, name)] }
	decl := csvs["declared_figures"][2:]
	d := 0
	if len(rep.Pledges) == 0 {
		t.Fatal("no pledge: nothing to compare")
	}
	for _, p := range rep.Pledges {
		dp, pp, rp := byID(t, dash, "dash-pledge-"+p.ID), byID(t, pl, "pledge-"+p.ID), byID(t, page, "pledge-"+p.ID)
		for what, w := range map[string]string{"target": strconv.Itoa(p.Target), "achieved": strconv.Itoa(p.Achieved), "pct_of_target": fmtFloat(p.Pct)} {
			same("pledges.csv "+p.ID+" "+what, col(p.ID, what), w)
		}
		same("dashboard "+p.ID+" achieved", text(byClass(t, dp, "achieved")), strconv.Itoa(p.Achieved))
		same("dashboard "+p.ID+" target", text(byClass(t, dp, "target")), strconv.Itoa(p.Target))
		same("dashboard "+p.ID+" pct", text(byClass(t, dp, "pct")), fmtFloat(p.Pct))
		same("pledges page "+p.ID+" target", text(byClass(t, pp, "target")), strconv.Itoa(p.Target))
		same("pledges page "+p.ID+" achieved", text(byClass(t, pp, "achieved-n")), strconv.Itoa(p.Achieved))
		same("pledges page "+p.ID+" pct", text(byClass(t, pp, "pct")), fmtFloat(p.Pct))
		same("report "+p.ID+" achieved", text(byClass(t, rp, "achieved")), strconv.Itoa(p.Achieved))
		same("report "+p.ID+" target", text(byClass(t, rp, "target")), strconv.Itoa(p.Target))
		same("report "+p.ID+" pct", text(byClass(t, rp, "pct")), fmtFloat(p.Pct))
		if p.ByPolicy != nil {
			n, pct := strconv.Itoa(*p.ByPolicy), fmtFloat(*p.ByPolicyPct)
			same("pledges.csv "+p.ID+" by policy", col(p.ID, "achieved_by_policy"), n)
			same("pledges.csv "+p.ID+" by policy %", col(p.ID, "pct_of_target_by_policy"), pct)
			same("pledges page "+p.ID+" by policy", text(byClass(t, pp, "by-policy-n")), n)
			same("pledges page "+p.ID+" by policy %", text(byClass(t, pp, "by-policy-pct")), pct)
			same("report "+p.ID+" by policy", text(byClass(t, rp, "by-policy-n")), n)
			same("report "+p.ID+" by policy %", text(byClass(t, rp, "by-policy-pct")), pct)
			// The dashboard says it in a sentence: "without routine releases N (P%)".
			m := regexp.MustCompile(`([0-9,]+) \(([0-9.]+%)\)`).FindStringSubmatch(text(byClass(t, dp, "by-policy")))
			if m == nil {
				t.Errorf("dashboard %s: no progress without routine releases", p.ID)
			} else {
				same("dashboard "+p.ID+" by policy", m[1], n)
				same("dashboard "+p.ID+" by policy %", m[2], pct)
			}
		} else if col(p.ID, "achieved_by_policy") != "" {
			t.Errorf("pledges.csv %s: a count without routine releases the JSON does not have", p.ID)
		}
		if len(p.Declared) == 0 {
			continue
		}
		pdecl := tableRows(t, find(pp, func(n *html.Node) bool { return n.Data == "table" && hasClass(n, "declared") }))
		rdecl := tableRows(t, find(rp, func(n *html.Node) bool { return n.Data == "table" && hasClass(n, "declared") }))
		if len(pdecl) != len(p.Declared) || len(rdecl) != len(p.Declared) {
			t.Fatalf("%s: %d declared figures on the pledges page, %d in the report, %d in the JSON", p.ID, len(pdecl), len(rdecl), len(p.Declared))
		}
		for i, dv := range p.Declared {
			rec, diff := "—", "—"
			crec, cdiff := "", ""
			if dv.Recorded != nil {
				rec, diff = strconv.Itoa(*dv.Recorded), strconv.Itoa(*dv.Difference)
				crec, cdiff = rec, diff
			}
			row := decl[d]
			d++
			same("declared_figures.csv "+p.ID, strings.Join([]string{row[0], row[3], row[5], row[6]}, " "),
				strings.Join([]string{p.ID, strconv.Itoa(dv.Figure), crec, cdiff}, " "))
			for what, rows := range map[string][][]string{"pledges page": pdecl, "report": rdecl} {
				same(what+" declared "+p.ID, rows[i][2], strconv.Itoa(dv.Figure))
				same(what+" recorded "+p.ID, rows[i][3], rec)
				same(what+" difference "+p.ID, rows[i][4], diff)
			}
		}
	}
	if d != len(decl) {
		t.Errorf("declared_figures.csv has %d rows, the JSON %d declared figures", len(decl), d)
	}
	t.Logf("%s: %d figures compared", date, n)
}

var months = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}

// sameFigure compares two figures as shown: thousands separators, a
// percent sign and spaces aside, as numbers when both are numbers ("133.5"
// and "133.50"), as text otherwise ("*", "—").
func sameFigure(a, b string) bool {
	norm := func(s string) string {
		s = strings.NewReplacer(",", "", "%", "", " ", "", "\u00a0", "", "−", "-").Replace(strings.TrimSpace(s))
		return s
	}
	a, b = norm(a), norm(b)
	fa, ea := strconv.ParseFloat(a, 64)
	fb, eb := strconv.ParseFloat(b, 64)
	if ea == nil && eb == nil {
		return math.Abs(fa-fb) < 1e-9
	}
	return a == b
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// grouped writes n with commas between thousands (written here, not taken
// from the code under test).
func grouped(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func csvText(t *testing.T, rows [][]string) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// csvByKey indexes a CSV's data rows (after the header and HXL rows) by a
// column.
func csvByKey(rows [][]string, col int) map[string][]string {
	m := map[string][]string{}
	for _, r := range rows[2:] {
		m[r[col]] = r
	}
	return m
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func parseHTML(t *testing.T, s string) *html.Node {
	t.Helper()
	n, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func attr(n *html.Node, key string) string {
	if n == nil || n.Type != html.ElementNode {
		return ""
	}
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, c string) bool {
	for _, v := range strings.Fields(attr(n, "class")) {
		if v == c {
			return true
		}
	}
	return false
}

func findAll(n *html.Node, pred func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && pred(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	if n != nil {
		walk(n)
	}
	return out
}

func find(n *html.Node, pred func(*html.Node) bool) *html.Node {
	if all := findAll(n, pred); len(all) > 0 {
		return all[0]
	}
	return nil
}

func byID(t *testing.T, n *html.Node, id string) *html.Node {
	t.Helper()
	e := find(n, func(n *html.Node) bool { return attr(n, "id") == id })
	if e == nil {
		t.Fatalf("no element #%s", id)
	}
	return e
}

func byClass(t *testing.T, n *html.Node, class string) *html.Node {
	t.Helper()
	e := find(n, func(n *html.Node) bool { return hasClass(n, class) })
	if e == nil {
		t.Fatalf("no element .%s in #%s", class, attr(n, "id"))
	}
	return e
}

// text is an element's text, spaces collapsed; a <title> inside (a chart
// element's tooltip) is left out.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		if n.Type == html.ElementNode && n.Data == "title" {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	if n != nil {
		walk(n)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// cells are the texts of a row's cells.
func cells(tr *html.Node) []string {
	var out []string
	for c := tr.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.Data == "td" || c.Data == "th") {
			out = append(out, text(c))
		}
	}
	return out
}

// tableRows are the cells of a table's body rows.
func tableRows(t *testing.T, tbl *html.Node) [][]string {
	t.Helper()
	if tbl == nil {
		t.Fatal("no table")
	}
	var out [][]string
	for _, tb := range findAll(tbl, func(n *html.Node) bool { return n.Data == "tbody" }) {
		for tr := tb.FirstChild; tr != nil; tr = tr.NextSibling {
			if tr.Type == html.ElementNode && tr.Data == "tr" {
				out = append(out, cells(tr))
			}
		}
	}
	return out
}
