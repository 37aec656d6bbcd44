package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/auth"
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

// formKeys returns the idempotency key of each form of a page, by the
// form's action.
func formKeys(body string) map[string]string {
	keys := map[string]string{}
	actionRE := regexp.MustCompile(`action="([^"]+)"`)
	keyRE := regexp.MustCompile(`name="idempotency_key" value="([^"]*)"`)
	for _, form := range strings.Split(body, "<form ")[1:] {
		form, _, _ = strings.Cut(form, "</form>")
		a, k := actionRE.FindStringSubmatch(form), keyRE.FindStringSubmatch(form)
		if a != nil && k != nil {
			keys[a[1]] = k[1]
		}
	}
	return keys
}

// TestPledgeFormsOnce: each form of the staff pledges page carries an
// idempotency key of its own, as the event forms do; a form sent twice (a
// double click, a resend after a lost answer) writes once and is answered
// as the first time; another form under a used key is refused and writes
// nothing; a refused form comes back with its key, the others with fresh
// ones (issue 14, item 15).
func TestPledgeFormsOnce(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	ctx := context.Background()
	head := func() int64 { h, _ := f.db.Head(ctx); return h.Seq }
	admin := f.login("admin")

	actions := []string{"/staff/pledges/pledge", "/staff/pledges/declaration", "/staff/pledges/reform"}
	keys := formKeys(admin.get("/staff/pledges").body)
	seen := map[string]bool{}
	for _, a := range actions {
		if keys[a] == "" || seen[keys[a]] {
			t.Fatalf("the form %s has no idempotency key of its own: %v", a, keys)
		}
		seen[keys[a]] = true
	}
	if again := formKeys(admin.get("/staff/pledges").body); again["/staff/pledges/pledge"] == keys["/staff/pledges/pledge"] {
		t.Errorf("two loads of the page share the key %q", again["/staff/pledges/pledge"])
	}

	pledge := url.Values{"idempotency_key": {keys["/staff/pledges/pledge"]}, "pledge_id": {"once"}, "pledge_title": {"Release 500 women"},
		"pledge_made_by": {"Minister of Interior"}, "pledge_kind": {"releases"}, "pledge_date": {"2020-12-01"}, "pledge_deadline": {"2021-06-30"},
		"pledge_target": {"500"}, "pledge_source": {"Press conference"}}
	before := head()
	one := admin.post("/staff/pledges/pledge", pledge)
	two := admin.post("/staff/pledges/pledge", pledge)
	if one.code != 303 || two.code != 303 || one.header.Get("Location") != two.header.Get("Location") || head() != before+1 {
		t.Fatalf("the pledge form sent twice: %d %s then %d %s, %d events written; want one write and the same answer",
			one.code, one.header.Get("Location"), two.code, two.header.Get("Location"), head()-before)
	}
	// Another pledge under the same key: refused, nothing written.
	pledge.Set("pledge_id", "other")
	if res := admin.post("/staff/pledges/pledge", pledge); res.code != 422 || head() != before+1 {
		t.Errorf("another pledge under a used key: %d, %d events written; want 422 and none", res.code, head()-before-1)
	}
	// The key is the form's: the same key on another form is another request.
	reform := url.Values{"idempotency_key": {keys["/staff/pledges/pledge"]}, "reform_id": {"r1"}, "reform_title": {"Bail law"},
		"reform_status": {"announced"}, "reform_date": {"2020-12-31"}, "reform_source": {"s"}}
	if res := admin.post("/staff/pledges/reform", reform); res.code != 422 || head() != before+1 {
		t.Errorf("the reform form under the pledge form's key: %d, %d events written; want 422 and none", res.code, head()-before-1)
	}

	// A refused declaration keeps its key, and the other forms get new ones.
	kd := keys["/staff/pledges/declaration"]
	decl := url.Values{"idempotency_key": {kd}, "decl_pledge": {"once"}, "decl_figure": {"120"}, "decl_date": {"2020-12-31"},
		"decl_declared_by": {"Ministry of Interior"}}
	res := admin.post("/staff/pledges/declaration", decl)
	back := formKeys(res.body)
	if res.code != 400 || back["/staff/pledges/declaration"] != kd {
		t.Errorf("a refused declaration: %d, its form came back with the key %q, want %q", res.code, back["/staff/pledges/declaration"], kd)
	}
	for _, a := range []string{"/staff/pledges/pledge", "/staff/pledges/reform"} {
		if back[a] == "" || back[a] == kd || back[a] == keys["/staff/pledges/pledge"] {
			t.Errorf("after a refused declaration the form %s has the key %q", a, back[a])
		}
	}
	// Corrected and sent under its key, it is written, once.
	decl.Set("decl_source", "Statement of 31 December 2020")
	one, two = admin.post("/staff/pledges/declaration", decl), admin.post("/staff/pledges/declaration", decl)
	if one.code != 303 || one.header.Get("Location") != two.header.Get("Location") || head() != before+2 {
		t.Errorf("the corrected declaration sent twice: %d %s then %d %s, %d events written",
			one.code, one.header.Get("Location"), two.code, two.header.Get("Location"), head()-before)
	}
	rep, err := auth.VerifyAudit(ctx, f.db, head())
	if err != nil || !rep.OK() {
		t.Errorf("verify: %+v %v", rep, err)
	}
}
