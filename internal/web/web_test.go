package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/demo"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/web"
)

func TestPublicPages(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t, dbtest.SQLiteDSN(t))
	svc := ledger.New(db)
	var names []string
	_, err := svc.Load(ctx, ledger.Actor{Name: "test"}, func(emit func(*domain.Event) error) error {
		return demo.Generate(ctx, demo.Options{Seed: 3, People: 400}, func(ev *domain.Event) error {
			if p, ok := ev.Data.(*domain.PersonData); ok && len(names) < 2000 {
				names = append(names, p.Name, ev.Person)
			}
			return emit(ev)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.New(db, nil).Handler())
	defer srv.Close()
	get := func(path string) (int, string, http.Header) {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header
	}
	code, page, hdr := get("/")
	if code != 200 || !strings.Contains(page, "Detention figures as of 2020-12-31") || !strings.Contains(page, "Correctional Centre 1") {
		t.Fatalf("dashboard: %d\n%s", code, page)
	}
	if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP header: %q", csp)
	}
	code, body, _ := get("/api/v1/stats?as_of=2020-03-31")
	var s struct {
		AsOf       string `json:"as_of"`
		Population int    `json:"population"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &s) != nil || s.AsOf != "2020-03-31" || s.Population != 400 {
		t.Fatalf("stats API: %d %s", code, body)
	}
	// Nothing personal on the public side.
	for _, n := range names {
		if strings.Contains(page, n) || strings.Contains(body, n) {
			t.Errorf("public output contains %q", n)
		}
	}
	if code, body, _ := get("/api/v1/stats?as_of=2020-02-30"); code != 400 || !strings.Contains(body, "as_of") {
		t.Errorf("bad date: %d %s", code, body)
	}
	if code, _, _ := get("/nope"); code != 404 {
		t.Errorf("unknown page: %d", code)
	}
}
