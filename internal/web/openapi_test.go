package web_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/web"
)

// TestOpenAPI: the document is valid OpenAPI 3; every API route of the
// server is in it and every path in it is a route; and real responses,
// successes and errors, validate against its schemas.
func TestOpenAPI(t *testing.T) {
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromData(web.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	f := newFixture(t, dbtest.SQLiteDSN(t), 300)
	inDoc := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			inDoc[method+" "+path] = true
		}
	}
	routes := map[string]bool{}
	for _, r := range f.srv.Routes() {
		if r.API {
			routes[r.Method+" "+r.Pattern] = true
			if !inDoc[r.Method+" "+r.Pattern] {
				t.Errorf("route %s %s is not in the OpenAPI document", r.Method, r.Pattern)
			}
		}
	}
	for k := range inDoc {
		if !routes[k] {
			t.Errorf("the OpenAPI document has %s, which the server does not serve", k)
		}
	}

	router := openAPIRouter(t)
	secret, tok, err := f.srv.Auth().CreateToken(ctx, auth.System("setup", "test"), "admin", "openapi test")
	if err != nil {
		t.Fatal(err)
	}
	pv, err := f.srv.Registry().Person(ctx, auth.System("setup", "test"), f.person)
	if err != nil {
		t.Fatal(err)
	}
	calls := []struct {
		method, path, body string
		bearer             bool
		status             int
	}{
		{"GET", "/api/v1/openapi.json", "", false, 200},
		{"GET", "/api/v1/report", "", false, 200},
		{"GET", "/api/v1/report?as_of=2019-06-30", "", false, 200},
		{"GET", "/api/v1/report?as_of=2019-13-01", "", false, 400},
		{"GET", "/api/v1/report?as_of=2001-01-31", "", false, 404},
		{"GET", "/api/v1/checkpoint", "", false, 404},
		{"GET", "/api/v1/checkpoint/proof?from=1&to=10", "", false, 200},
		{"GET", "/api/v1/checkpoint/proof?from=x&to=10", "", false, 400},
		{"GET", "/api/v1/checkpoint/proof?from=10&to=99999999", "", false, 400},
		{"GET", "/api/v1/stats", "", true, 200},
		{"GET", "/api/v1/stats", "", false, 401},
		{"GET", "/api/v1/stats?as_of=2019-13-01", "", true, 400},
		{"GET", "/api/v1/me", "", true, 200},
		{"GET", "/api/v1/me", "", false, 401},
		{"GET", "/api/v1/persons?q=a&limit=3", "", true, 200},
		{"GET", "/api/v1/persons?limit=x", "", true, 400},
		{"GET", "/api/v1/persons/" + f.person, "", true, 200},
		{"GET", "/api/v1/persons/nobody", "", true, 404},
		{"POST", "/api/v1/events", `{"events":[{"kind":"hearing","date":"2020-12-31","person":"` + f.person + `","data":{"case":"` + pv.State.Case.ID + `"}}]}`, true, 201},
		{"POST", "/api/v1/events", `{"events":[{"kind":"release","date":"2020-12-31","person":"` + f.person + `","data":{"mechanism":"teleport"}}]}`, true, 400},
		{"POST", "/api/v1/events", `{"events":[{"kind":"hearing","date":20201231,"person":"x","data":{}}]}`, true, 400},
		{"POST", "/api/v1/events", `{"events":"nope"}`, true, 400},
		{"POST", "/api/v1/events", `{"events":[]} trailing`, true, 400},
		{"POST", "/api/v1/events", `{"events":[{"kind":"hearing","date":"2020-12-31","person":"x","data":{"purpose":"` + strings.Repeat("a", 2<<20) + `"}}]}`, true, 413},
		{"POST", "/api/v1/persons/" + f.person + "/follow-up", `{"date":"2020-12-31","action":"take","rule":"LB-01"}`, true, 201},
		{"POST", "/api/v1/persons/" + f.person + "/follow-up", `{"date":"2020-12-31","action":"snoozed","until":"2020-12-30"}`, true, 400},
		{"POST", "/api/v1/persons/" + f.person + "/follow-up", `{"date":"2020-12-31","action":"not_pursued","reason":"other"}`, true, 400},
		{"POST", "/api/v1/persons/" + f.person + "/follow-up", `{"date":"2020-12-31","action":"take","shoe":1}`, true, 400},
		{"POST", "/api/v1/persons/nobody/follow-up", `{"date":"2020-12-31","action":"petition_filed"}`, true, 404},
		{"GET", "/api/v1/queue?follow_up=assigned&mine=1&limit=5", "", true, 200},
		{"GET", "/api/v1/queue?follow_up=lost", "", true, 400},
		{"GET", "/api/v1/persons/" + f.person, "", true, 200},
		{"GET", "/api/v1/queue?limit=5", "", true, 200},
		{"GET", "/api/v1/queue?crossing=true&limit=5", "", true, 200},
		{"GET", "/api/v1/queue?rule=no-such-rule", "", true, 400},
		{"GET", "/api/v1/users", "", true, 200},
		{"POST", "/api/v1/users", `{"name":"newbie","password":"` + password + `","role":"monitor","facilities":["CC1"]}`, true, 201},
		{"POST", "/api/v1/users", `{"name":"<b>","password":"` + password + `","role":"monitor"}`, true, 400},
		{"POST", "/api/v1/users", `{"name":"x2","password":1234567890,"role":"monitor"}`, true, 400},
		{"GET", "/api/v1/users/newbie", "", true, 200},
		{"GET", "/api/v1/users/ghost", "", true, 404},
		{"PUT", "/api/v1/users/newbie/role", `{"role":"legal_officer"}`, true, 200},
		{"POST", "/api/v1/users/newbie/disable", "", true, 200},
		{"POST", "/api/v1/users/newbie/enable", "", true, 200},
		{"GET", "/api/v1/users/newbie/audit", "", true, 200},
		{"GET", "/api/v1/tokens", "", true, 200},
		{"POST", "/api/v1/tokens", `{"label":"ci"}`, true, 201},
		{"DELETE", "/api/v1/tokens/" + tok.ID, "", false, 401},
		{"DELETE", "/api/v1/tokens/ffffffffffff", "", true, 404},
		{"DELETE", "/api/v1/tokens/" + tok.ID, "", true, 204},
	}
	for _, c := range calls {
		req, _ := http.NewRequest(c.method, f.ts.URL+c.path, strings.NewReader(c.body))
		if c.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if c.bearer {
			// The last call revokes the token it uses; the others need it.
			req.Header.Set("Authorization", "Bearer "+secret)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.status {
			t.Errorf("%s %s: %d, want %d\n%s", c.method, c.path, res.StatusCode, c.status, body)
			continue
		}
		checkOpenAPI(t, router, c.method, c.path, res.StatusCode, res.Header, body)
	}
}

// openAPIRouter finds the operations of the OpenAPI document.
func openAPIRouter(t *testing.T) routers.Router {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(web.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = nil // match any host
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return router
}

// checkOpenAPI validates a response against the document.
func checkOpenAPI(t *testing.T, router routers.Router, method, path string, status int, header http.Header, body []byte) {
	t.Helper()
	ctx := context.Background()
	vreq, _ := http.NewRequest(method, "http://habeas.test"+path, nil)
	route, params, err := router.FindRoute(vreq)
	if err != nil {
		t.Errorf("%s %s: not found in the document: %v", method, path, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route},
		Status:                 status, Header: header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		t.Errorf("%s %s (%d): the response does not match the document: %v\n%.500s", method, path, status, err, body)
	}
}
