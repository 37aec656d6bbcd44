package web_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/plan"
	"github.com/habeas-kh/habeas/internal/scenario"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestRouteRoleMatrix: every route, for the public and every role, is
// allowed or refused as the role table says. A route missing from the table
// fails the test, so a new route must say who may use it.
func TestRouteRoleMatrix(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	root := auth.System("setup", "test")
	if err := f.srv.Auth().AddUser(t.Context(), root, auth.NewUser{Name: "victim", Password: password, Role: auth.Analyst}); err != nil {
		t.Fatal(err)
	}
	const (
		anyone = "public admin registrar legal monitor analyst"
		staff  = "admin registrar legal monitor analyst"
		admin  = "admin"
	)
	n := 0
	admission := func(who string) string {
		n++
		return url.Values{"person_id": {fmt.Sprintf("M-%s-%d", who, n)}, "name": {"Test Person"}, "sex": {"M"}, "dob": {"1990-01-01"},
			"dob_basis": {"declared"}, "date": {"2020-12-31"}, "facility": {"CC1"}, "status": {"pretrial"}}.Encode()
	}
	pv, err := f.srv.Registry().Person(t.Context(), root, f.person)
	if err != nil || pv.State.Case == nil {
		t.Fatalf("the test person's case: %v", err)
	}
	hearing := url.Values{"date": {"2020-12-31"}, "case": {pv.State.Case.ID}, "court": {"Phnom Penh"}}.Encode()
	hearingJSON := `{"events":[{"kind":"hearing","date":"2020-12-31","person":"` + f.person + `","data":{"case":"` + pv.State.Case.ID + `"}}]}`
	// A published checkpoint, for the public to read.
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := ledger.New(f.db).Checkpoint(t.Context(), ledger.Actor{Name: "publisher", Via: "test"}, priv, 0); err != nil {
		t.Fatal(err)
	}
	// A published report, for its files.
	if _, err := ledger.New(f.db).RecordPublication(t.Context(), ledger.Actor{Name: "publisher", Via: "test"}, store.Publication{
		AsOf: domain.MustDate("2020-12-31"), From: domain.MustDate("2020-01-01"), KeyID: "k", PubKey: "PEM",
		Files: map[string][]byte{"manifest.json": []byte("{}")}}); err != nil {
		t.Fatal(err)
	}
	// A saved and published plan, for its pages.
	planOpt := plan.Options{Target: plan.Target{Kind: plan.TargetCapacity}}
	if _, _, err := f.srv.Registry().SavePlan(t.Context(), root, "matrix", domain.NoDate, planOpt); err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.Registry().PublishPlan(t.Context(), root, "matrix", &scenario.Options{Runs: 5, Days: 20, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	table := []struct {
		method, pattern, path string
		body                  func(who string) string
		allowed               string
	}{
		{"GET", "/{$}", "/", nil, anyone},
		{"GET", "/reports", "/reports", nil, anyone},
		{"GET", "/reports/{date}/{file...}", "/reports/2020-12-31/data/national.csv", nil, anyone},
		{"GET", "/facilities/{id}", "/facilities/CC1", nil, anyone},
		{"GET", "/reports/published", "/reports/published", nil, anyone},
		{"GET", "/reports/published/{id}/{file...}", "/reports/published/1/manifest.json", nil, anyone},
		{"GET", "/reports/revisions", "/reports/revisions", nil, anyone},
		{"GET", "/pledges", "/pledges", nil, anyone},
		{"GET", "/data", "/data", nil, anyone},
		{"GET", "/data/facilities.csv", "/data/facilities.csv", nil, anyone},
		{"GET", "/methodology", "/methodology", nil, anyone},
		{"GET", "/methodology/{doc}", "/methodology/screening", nil, anyone},
		{"GET", "/lang/{lang}", "/lang/km", nil, anyone},
		{"GET", "/login", "/login", nil, anyone},
		{"POST", "/login", "/login", func(string) string { return "name=admin&password=" + url.QueryEscape(password) }, anyone},
		{"POST", "/logout", "/logout", nil, anyone},
		{"GET", "/staff", "/staff", nil, staff},
		{"GET", "/staff/register", "/staff/register", nil, staff},
		{"GET", "/staff/persons/{id}", "/staff/persons/" + f.person, nil, "admin registrar legal monitor"},
		{"GET", "/staff/admit", "/staff/admit", nil, "admin registrar"},
		{"POST", "/staff/admit", "/staff/admit", admission, "admin registrar"},
		{"GET", "/staff/persons/{id}/record/{kind}", "/staff/persons/" + f.person + "/record/hearing", nil, "admin registrar legal"},
		{"POST", "/staff/persons/{id}/record/{kind}", "/staff/persons/" + f.person + "/record/hearing", func(string) string { return hearing }, "admin registrar legal"},
		{"GET", "/staff/queue", "/staff/queue", nil, "admin registrar legal monitor"},
		{"GET", "/staff/queue/checks.csv", "/staff/queue/checks.csv", nil, "admin registrar legal monitor"},
		{"GET", "/staff/queue/export.csv", "/staff/queue/export.csv", nil, "admin registrar legal monitor"},
		{"GET", "/staff/queue/export.xlsx", "/staff/queue/export.xlsx", nil, "admin registrar legal monitor"},
		{"GET", "/staff/users", "/staff/users", nil, admin},
		{"POST", "/staff/users", "/staff/users", func(who string) string {
			return url.Values{"name": {"new-" + who}, "password": {password}, "role": {"analyst"}}.Encode()
		}, admin},
		{"GET", "/staff/users/{name}", "/staff/users/legal", nil, "admin legal"},
		{"POST", "/staff/users/{name}/role", "/staff/users/victim/role", func(string) string { return "role=analyst" }, admin},
		{"POST", "/staff/users/{name}/disable", "/staff/users/victim/disable", nil, admin},
		{"POST", "/staff/users/{name}/enable", "/staff/users/victim/enable", nil, admin},
		{"GET", "/staff/account", "/staff/account", nil, staff},
		{"POST", "/staff/account/password", "/staff/account/password", func(string) string {
			return "current=" + url.QueryEscape(password) + "&password=" + url.QueryEscape(password)
		}, staff},
		{"POST", "/staff/account/tokens", "/staff/account/tokens", func(string) string { return "label=matrix" }, staff},
		{"POST", "/staff/account/tokens/{id}/revoke", "/staff/account/tokens/TOKEN/revoke", nil, staff},
		// Concern markers are a monitoring organisation's: none of these
		// users (all of the prison administration) may use them.
		{"GET", "/staff/markers", "/staff/markers", nil, ""},
		{"POST", "/staff/markers", "/staff/markers", func(string) string {
			return url.Values{"date": {"2020-12-31"}, "category": {"political"}, "pseudonym": {"X"}, "source_kind": {"interview"}, "source_reference": {"notes"}}.Encode()
		}, ""},
		// Visits: recorded by those who may (the administrator, the
		// monitor of CC1); their indicators read by those who read a
		// facility's screening too (not the analyst).
		{"GET", "/staff/visits", "/staff/visits", nil, "admin monitor"},
		{"POST", "/staff/visits", "/staff/visits", func(who string) string {
			return url.Values{"facility": {"CC1"}, "date": {"2020-12-30"}, "visit_id": {"matrix-" + who}, "team": {"M"}, "obs_total": {"100"}}.Encode()
		}, "admin monitor"},
		{"GET", "/staff/visits/indicators", "/staff/visits/indicators?facility=CC1", nil, "admin registrar legal monitor"},
		{"GET", "/staff/pledges", "/staff/pledges", nil, admin},
		{"POST", "/staff/pledges/{kind}", "/staff/pledges/reform", func(who string) string {
			return url.Values{"reform_id": {"matrix-" + who}, "reform_title": {"Matrix"}, "reform_status": {"announced"},
				"reform_date": {"2020-12-31"}, "reform_source": {"matrix test"}}.Encode()
		}, admin},
		{"GET", "/staff/plan", "/staff/plan", nil, "admin registrar legal monitor"},
		{"POST", "/staff/plan", "/staff/plan", func(who string) string {
			return url.Values{"target": {"capacity"}, "name": {"matrix-" + who}}.Encode()
		}, admin},
		{"GET", "/staff/plans/{name}", "/staff/plans/matrix", nil, "admin legal"},
		{"GET", "/plans/{name}", "/plans/matrix", nil, anyone},
		// A plan's outbreak scenario runs on its people: as its progress.
		{"GET", "/staff/scenario", "/staff/scenario?plan=matrix&runs=5&days=20", nil, "admin legal"},
		{"GET", "/plans/{name}/scenario", "/plans/matrix/scenario", nil, anyone},
		{"GET", "/plans/{name}/scenario.json", "/plans/matrix/scenario.json", nil, anyone},
		{"GET", "/api/v1/openapi.json", "/api/v1/openapi.json", nil, anyone},
		{"GET", "/api/v1/report", "/api/v1/report", nil, anyone},
		{"GET", "/api/v1/checkpoint", "/api/v1/checkpoint", nil, anyone},
		{"GET", "/api/v1/checkpoint/proof", "/api/v1/checkpoint/proof?from=1&to=2", nil, anyone},
		// The unprotected figures: only for roles that read the whole register.
		{"GET", "/api/v1/stats", "/api/v1/stats", nil, "admin legal analyst"},
		{"GET", "/api/v1/me", "/api/v1/me", nil, staff},
		{"GET", "/api/v1/persons", "/api/v1/persons", nil, staff},
		{"GET", "/api/v1/persons/{id}", "/api/v1/persons/" + f.person, nil, "admin registrar legal monitor"},
		{"POST", "/api/v1/events", "/api/v1/events", func(string) string { return hearingJSON }, "admin registrar legal"},
		// A follow-up: a legal officer, or a registrar of the person's facility.
		{"POST", "/api/v1/persons/{id}/follow-up", "/api/v1/persons/" + f.person + "/follow-up", func(string) string {
			return `{"date":"2020-12-31","action":"petition_filed"}`
		}, "admin registrar legal"},
		{"GET", "/api/v1/queue", "/api/v1/queue", nil, "admin registrar legal monitor"},
		{"GET", "/api/v1/users", "/api/v1/users", nil, admin},
		{"POST", "/api/v1/users", "/api/v1/users", func(who string) string {
			return `{"name":"api-` + who + `","password":"` + password + `","role":"analyst"}`
		}, admin},
		{"GET", "/api/v1/users/{name}", "/api/v1/users/legal", nil, "admin legal"},
		{"PUT", "/api/v1/users/{name}/role", "/api/v1/users/victim/role", func(string) string { return `{"role":"analyst"}` }, admin},
		{"POST", "/api/v1/users/{name}/disable", "/api/v1/users/victim/disable", nil, admin},
		{"POST", "/api/v1/users/{name}/enable", "/api/v1/users/victim/enable", nil, admin},
		{"GET", "/api/v1/users/{name}/audit", "/api/v1/users/legal/audit", nil, "admin legal"},
		{"GET", "/api/v1/tokens", "/api/v1/tokens", nil, staff},
		{"POST", "/api/v1/tokens", "/api/v1/tokens", func(string) string { return `{"label":"matrix"}` }, staff},
		{"DELETE", "/api/v1/tokens/{id}", "/api/v1/tokens/TOKEN", nil, staff},
	}
	covered := map[string]bool{}
	for _, r := range table {
		covered[r.method+" "+r.pattern] = true
	}
	for _, r := range f.srv.Routes() {
		if !covered[r.Method+" "+r.Pattern] {
			t.Errorf("route %s %s is not in the role matrix", r.Method, r.Pattern)
		}
	}
	for _, who := range strings.Fields(anyone) {
		for _, r := range table {
			name := who
			if who == "public" {
				name = ""
			}
			c := f.login(name)
			path := r.path
			if strings.Contains(path, "TOKEN") {
				// Each signed-in role revokes a token of its own.
				id := "000000000000"
				if name != "" {
					_, tok, err := f.srv.Auth().CreateToken(t.Context(), &auth.Principal{User: name, Role: auth.Analyst}, name, "to revoke")
					if err != nil {
						t.Fatal(err)
					}
					id = tok.ID
				}
				path = strings.Replace(path, "TOKEN", id, 1)
			}
			var res response
			ctype := "application/x-www-form-urlencoded"
			if strings.HasPrefix(path, "/api/") {
				ctype = "application/json"
			}
			body := ""
			if r.body != nil {
				body = r.body(who)
			}
			res = c.do(r.method, path, strings.NewReader(body), ctype)
			allowed := res.code < 400 && !strings.HasPrefix(res.header.Get("Location"), "/login")
			if r.method == "POST" && (r.pattern == "/login" || r.pattern == "/staff/account/password") {
				// Both send a signed-in user to sign in (again) when they succeed.
				allowed = res.code == 303
			}
			want := slices.Contains(strings.Fields(r.allowed), who)
			if allowed != want {
				t.Errorf("%s %s as %s: status %d (Location %q), want allowed=%v\n%.300s", r.method, path, who, res.code, res.header.Get("Location"), want, res.body)
			}
			if !allowed && res.code != 401 && res.code != 403 && res.code != 303 {
				t.Errorf("%s %s as %s: refused with %d, want 401, 403 or a redirect to sign in", r.method, path, who, res.code)
			}
		}
	}
	// Facility scope: the registrar and monitor of CC1 cannot read a person
	// held elsewhere; the legal officer can.
	for who, want := range map[string]int{"registrar": 403, "monitor": 403, "legal": 200, "admin": 200} {
		if res := f.login(who).get("/staff/persons/" + f.other); res.code != want {
			t.Errorf("%s reading %s (PP-PNH): %d, want %d", who, f.other, res.code, want)
		}
	}
	// The analyst sees pseudonyms only.
	res := f.login("analyst").get("/api/v1/persons?limit=5")
	if strings.Contains(res.body, `"name"`) || strings.Contains(res.body, f.person) || !strings.Contains(res.body, `"birth_year"`) {
		t.Errorf("analyst search is not pseudonymised: %s", res.body)
	}
}
