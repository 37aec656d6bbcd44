package web_test

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

var (
	scriptRE  = regexp.MustCompile(`(?s)<(script|style)\b.*?</(script|style)>`)
	visAttrRE = regexp.MustCompile(`\b(?:title|placeholder|aria-label|alt)="([^"]*)"`)
	tagRE     = regexp.MustCompile(`<[^>]*>`)
	latinRE   = regexp.MustCompile(`[A-Za-z][A-Za-z'’]+`)
)

// visibleText is the text of a page a reader sees: the text between the
// tags, and the attributes that show (title, placeholder, aria-label, alt).
func visibleText(body string) string {
	body = scriptRE.ReplaceAllString(body, " ")
	var attrs []string
	for _, m := range visAttrRE.FindAllStringSubmatch(body, -1) {
		attrs = append(attrs, m[1])
	}
	return html.UnescapeString(tagRE.ReplaceAllString(body, " ") + " " + strings.Join(attrs, " "))
}

// englishWords are the words in Latin letters of a Khmer page, once the
// data it shows (names, ids, labels people typed) is taken out: each is a
// label left untranslated.
func englishWords(text string, data []string) []string {
	slices.SortFunc(data, func(a, b string) int { return len(b) - len(a) }) // longest first
	for _, d := range data {
		if d != "" {
			text = strings.ReplaceAll(text, d, " ")
		}
	}
	allowed := map[string]bool{"habeas": true, "English": true, "API": true, "Authorization": true, "Bearer": true, "UTC": true}
	var words []string
	for _, w := range latinRE.FindAllString(text, -1) {
		if !allowed[w] && !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	return words
}

// accountFixture is a register whose accounts have a trail of each kind:
// users added, a role changed, a token made and revoked, a password
// changed, files opened, events recorded.
type accountFixture struct {
	*fixture
	admin, reg *client
	data       []string // the data the account pages show
}

func newAccountFixture(t *testing.T) *accountFixture {
	f := &accountFixture{fixture: newFixture(t, dbtest.SQLiteDSN(t), publicPeople)}
	ctx := context.Background()
	f.admin, f.reg = f.login("admin"), f.login("registrar")
	if res := f.admin.post("/staff/users", url.Values{"name": {"sokha"}, "display": {"Sokha Chan"}, "password": {password},
		"role": {"monitor"}, "facility": {"CC1"}, "health": {"1"}}); res.code != 303 {
		t.Fatalf("adding a user: %d", res.code)
	}
	if res := f.admin.post("/staff/users/sokha/role", url.Values{"role": {"registrar"}, "facility": {"CC1"}}); res.code != 303 {
		t.Fatalf("changing a role: %d", res.code)
	}
	if res := f.reg.post("/staff/account/tokens", url.Values{"label": {"office laptop"}}); res.code != 200 {
		t.Fatalf("making a token: %d", res.code)
	}
	toks, err := f.srv.Auth().Tokens(ctx, auth.System("admin", "test"), "registrar")
	if err != nil || len(toks) != 1 {
		t.Fatalf("tokens: %v %v", toks, err)
	}
	if res := f.reg.post("/staff/account/tokens/"+toks[0].ID+"/revoke", nil); res.code != 303 {
		t.Fatalf("revoking a token: %d", res.code)
	}
	if res := f.admin.post("/staff/users/sokha/disable", nil); res.code != 303 {
		t.Fatalf("disabling a user: %d", res.code)
	}
	if res := f.reg.get("/staff/persons/" + f.person); res.code != 200 {
		t.Fatalf("opening a file: %d", res.code)
	}
	facs, err := f.srv.Registry().Facilities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		f.data = append(f.data, r.name)
	}
	f.data = append(f.data, "sokha", "Sokha Chan", "setup", "test", "office laptop", toks[0].ID, f.person,
		"127.0.0.1", "web")
	for _, fac := range facs {
		f.data = append(f.data, fac.ID, fac.Name)
	}
	ps, err := f.db.Persons(ctx, []string{f.person})
	if err != nil {
		t.Fatal(err)
	}
	f.data = append(f.data, ps[f.person].Name)
	return f
}

// TestAccountPagesTranslated: the account page, the users page and a
// user's page, with their token list and audit trail, show no English
// label in Khmer (issue 14: the account page's labels were not translated).
func TestAccountPagesTranslated(t *testing.T) {
	f := newAccountFixture(t)
	f.admin.get("/lang/km")
	f.reg.get("/lang/km")
	pages := map[string]string{
		"the registrar's account page": f.reg.get("/staff/account").body,
		"the users page":               f.admin.get("/staff/users").body,
		"a user's page":                f.admin.get("/staff/users/sokha").body,
		"the registrar's page":         f.admin.get("/staff/users/registrar").body,
		"a new token":                  f.reg.post("/staff/account/tokens", url.Values{"label": {"office laptop"}}).body,
		"a wrong current password": f.reg.post("/staff/account/password", url.Values{"current": {"not it at all"},
			"password": {"a new long password"}}).body,
		"a refused user": f.admin.post("/staff/users", url.Values{"name": {"x"}, "password": {password}, "role": {"admin"}}).body,
	}
	// What the account service says of a refused name is its own message,
	// as every service's is.
	refusal := f.srv.Auth().AddUser(context.Background(), auth.System("admin", "test"), auth.NewUser{Name: "x", Password: password, Role: auth.Admin})
	_, msg, ok := domain.FieldOf(refusal)
	if !ok {
		t.Fatalf("a one-letter name: %v", refusal)
	}
	for name, body := range pages {
		if !strings.Contains(body, `lang="km"`) {
			t.Errorf("%s is not in Khmer", name)
			continue
		}
		// The secret of the new token is data too.
		data := append(slices.Clone(f.data), msg)
		data = append(data, regexp.MustCompile(`hbs_[A-Za-z0-9_-]+|\b[0-9a-f]{12}\b`).FindAllString(body, -1)...)
		if words := englishWords(visibleText(body), data); len(words) > 0 {
			t.Errorf("%s shows English words in Khmer: %q", name, words)
		}
	}
}

// TestAuditTrailReadable: the audit trail on a user's page and the account
// page shows each entry's detail as labelled values, not JSON: roles and
// actions by their names, the people an entry is about linked where the
// reader may open their file, and not where they may not (issue 14).
func TestAuditTrailReadable(t *testing.T) {
	f := newAccountFixture(t)
	ctx := context.Background()
	section := func(body string) string {
		t.Helper()
		i := strings.Index(body, `id="audit"`)
		if i < 0 {
			t.Fatalf("no audit trail in\n%.2000s", body)
		}
		j := strings.Index(body[i:], "</table>")
		return body[i : i+j]
	}
	sokha := section(f.admin.get("/staff/users/sokha").body)
	for _, want := range []string{"Role", "Registrar", "Monitor", "Health records", "CC1", "added the user", "changed the role",
		"disabled the user"} {
		if !strings.Contains(sokha, want) {
			t.Errorf("sokha's trail does not say %q:\n%s", want, sokha)
		}
	}
	reg := section(f.admin.get("/staff/users/registrar").body)
	link := `<a href="/staff/persons/` + url.PathEscape(f.person) + `">` + f.person + `</a>`
	for _, want := range []string{"made an API token", "revoked an API token", "office laptop", "opened the file", link,
		`<a href="/staff/users/registrar">registrar</a>`} {
		if !strings.Contains(reg, want) {
			t.Errorf("the registrar's trail, read by an administrator, does not show %q:\n%s", want, reg)
		}
	}
	for name, s := range map[string]string{"sokha's": sokha, "the registrar's": reg} {
		if strings.Contains(s, `{"`) || strings.Contains(s, "password_sha256") || strings.Contains(s, "revoked_tokens") {
			t.Errorf("%s trail shows JSON:\n%s", name, s)
		}
	}
	// The registrar's own trail links the file while they may open it;
	// once the person is moved to a facility not theirs, no longer.
	if own := section(f.reg.get("/staff/account").body); !strings.Contains(own, link) {
		t.Errorf("the registrar's own trail does not link the file they opened:\n%s", own)
	}
	asOf, err := f.srv.Registry().AsOf(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.Registry().Record(ctx, auth.System("admin", "test"), &domain.Event{Kind: domain.KTransfer, Date: asOf,
		Person: f.person, Data: &domain.TransferData{To: "PP-PNH"}}); err != nil {
		t.Fatal(err)
	}
	own := section(f.reg.get("/staff/account").body)
	if strings.Contains(own, `href="/staff/persons/`) || !strings.Contains(own, f.person) {
		t.Errorf("the registrar's own trail links a file they may no longer open, or does not name it:\n%s", own)
	}
	if strings.Contains(own, `href="/staff/users/`) {
		t.Errorf("the registrar's trail links user pages they may not open:\n%s", own)
	}
	// The administrator sees the reads on the person's page, readably.
	page := f.admin.get("/staff/persons/" + f.person).body
	i := strings.Index(page, `id="person-audit"`)
	if i < 0 || strings.Contains(page[i:], `{"`) || !strings.Contains(page[i:], "opened the file") {
		t.Errorf("the person's audit list:\n%.2000s", page[max(i, 0):])
	}
}
