package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestPledgeForms: an administrator records a pledge and a figure declared
// against it on the staff pledges page, and the public pledges page shows
// them; a declared figure without a source is refused with the writer's
// message, what was typed kept (escaped), and nothing written; other roles
// may not post the forms, nor record a pledge through the API.
func TestPledgeForms(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	ctx := context.Background()
	head := func() int64 { h, _ := f.db.Head(ctx); return h.Seq }
	admin := f.login("admin")

	page := admin.get("/staff/pledges")
	for _, want := range []string{`action="/staff/pledges/pledge"`, `action="/staff/pledges/declaration"`, `action="/staff/pledges/reform"`, `id="pledge-list"`} {
		if page.code != 200 || !strings.Contains(page.body, want) {
			t.Fatalf("staff pledges page: %d, no %s", page.code, want)
		}
	}
	if km := admin.get("/staff/pledges?lang=km"); km.code != 200 || !strings.Contains(km.body, "កត់ត្រាតួលេខដែលអាជ្ញាធរបានប្រកាសសម្រាប់ការសន្យា") {
		t.Errorf("staff pledges page in Khmer: %d", km.code)
	}

	pledge := url.Values{"pledge_id": {"web-pledge"}, "pledge_title": {"Release 500 women by June"}, "pledge_made_by": {"Minister of Interior"},
		"pledge_kind": {"releases"}, "pledge_date": {"2020-12-01"}, "pledge_deadline": {"2021-06-30"}, "pledge_target": {"500"},
		"pledge_groups": {"women"}, "pledge_source": {"Press conference, 1 December 2020"}}
	res := admin.post("/staff/pledges/pledge", pledge)
	if res.code != 303 || !strings.HasPrefix(res.header.Get("Location"), "/staff/pledges?saved=") {
		t.Fatalf("recording a pledge: %d %s\n%.3000s", res.code, res.header.Get("Location"), res.body)
	}
	decl := url.Values{"decl_pledge": {"web-pledge"}, "decl_figure": {"4321"}, "decl_date": {"2020-12-31"},
		"decl_declared_by": {"Ministry of Interior"}, "decl_source": {"Statement of 31 December 2020"}}
	if res := admin.post("/staff/pledges/declaration", decl); res.code != 303 {
		t.Fatalf("recording a declared figure: %d\n%.3000s", res.code, res.body)
	}
	pub := f.client().get("/pledges")
	if pub.code != 200 {
		t.Fatalf("/pledges: %d", pub.code)
	}
	i := strings.Index(pub.body, `id="pledge-web-pledge"`)
	if i < 0 || !strings.Contains(pub.body[i:], "Release 500 women by June") || !strings.Contains(pub.body[i:], "Statement of 31 December 2020") ||
		!strings.Contains(pub.body[i:], "4,321") {
		t.Errorf("the public pledges page does not show the pledge and its declared figure:\n%.3000s", pub.body)
	}

	// A declared figure without a source: the writer's message on the form.
	before := head()
	bad := url.Values{"decl_pledge": {"web-pledge"}, "decl_figure": {"5000"}, "decl_date": {"2020-12-31"},
		"decl_declared_by": {`<img src=x onerror=alert(1)>`}, "decl_source": {""}}
	res = admin.post("/staff/pledges/declaration", bad)
	if res.code != 400 || !strings.Contains(res.body, "decl_source") || !strings.Contains(res.body, "a declared figure needs its source") {
		t.Errorf("a declared figure without a source: %d\n%.3000s", res.code, res.body)
	}
	if strings.Contains(res.body, "<img src=x") || !strings.Contains(res.body, `value="&lt;img src=x onerror=alert(1)&gt;"`) {
		t.Error("the refused form does not keep what was typed, escaped")
	}
	if !strings.Contains(res.body, `value="5000"`) {
		t.Error("the refused form lost the figure")
	}
	// A figure against a pledge that does not exist, and a reform with an
	// unknown status: refused, each on its own field.
	bad.Set("decl_source", "a statement")
	bad.Set("decl_pledge", "no-such-pledge")
	if res := admin.post("/staff/pledges/declaration", bad); res.code != 400 || !strings.Contains(res.body, "decl_pledge") || !strings.Contains(res.body, "no pledge") {
		t.Errorf("a figure against no pledge: %d", res.code)
	}
	if res := admin.post("/staff/pledges/reform", url.Values{"reform_id": {"r"}, "reform_status": {"finished"}, "reform_date": {"2020-12-31"},
		"reform_source": {"s"}}); res.code != 400 || !strings.Contains(res.body, "reform_status") {
		t.Errorf("a reform with an unknown status: %d", res.code)
	}
	if head() != before {
		t.Fatal("a refused form wrote to the ledger")
	}

	// Not from another site.
	admin.header.Set("Sec-Fetch-Site", "cross-site")
	if res := admin.post("/staff/pledges/pledge", pledge); res.code != 403 {
		t.Errorf("a cross-site post of the pledge form: %d", res.code)
	}
	admin.header.Del("Sec-Fetch-Site")
	// Only administrators.
	for _, who := range []string{"registrar", "legal", "monitor", "analyst"} {
		c := f.login(who)
		for _, form := range []string{"pledge", "declaration", "reform"} {
			if res := c.post("/staff/pledges/"+form, decl); res.code != 403 {
				t.Errorf("%s posting the %s form: %d", who, form, res.code)
			}
		}
	}
	if res := f.client().post("/staff/pledges/pledge", pledge); res.code != 401 {
		t.Errorf("the public posting the pledge form: %d", res.code)
	}
	// Nor through the API's events route.
	api := `{"events":[{"kind":"pledge","date":"2020-12-01","data":{"id":"api-pledge","title":"t","made_by":"m","kind":"releases",` +
		`"start":"2020-12-01","deadline":"2021-01-01","target":1,"source":"s"}}]}`
	if res := f.login("registrar").do("POST", "/api/v1/events", strings.NewReader(api), "application/json"); res.code != 403 {
		t.Errorf("a registrar recording a pledge through the API: %d %s", res.code, res.body)
	}
	if head() != before {
		t.Fatal("a refused request wrote to the ledger")
	}

	// The administrator's audit trail names what was recorded.
	var a struct {
		Entries []struct{ Action, Subject, Via string }
	}
	trail := admin.get("/api/v1/users/admin/audit")
	if json.Unmarshal([]byte(trail.body), &a) != nil || len(a.Entries) < 2 || a.Entries[0].Subject != "pledge/web-pledge" ||
		a.Entries[0].Action != "event.record" || !strings.HasPrefix(a.Entries[0].Via, "web ") {
		t.Errorf("audit trail: %s", trail.body)
	}
	// And the staff page of the user shows it.
	if up := admin.get("/staff/users/admin"); up.code != 200 || !strings.Contains(up.body, `id="audit"`) || !strings.Contains(up.body, "pledge/web-pledge") {
		t.Errorf("the user's page does not show the audit trail: %d", up.code)
	}
}
