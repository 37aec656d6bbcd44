package cli

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/web"
)

// TestWebServices: the services habeas serve builds make a server that
// answers, on an empty register as on any.
func TestWebServices(t *testing.T) {
	a := &app{now: time.Now, log: slog.New(slog.DiscardHandler)}
	db := dbtest.Open(t, dbtest.SQLiteDSN(t))
	svcs, err := a.webServices(db, ledger.New(db))
	if err != nil {
		t.Fatal(err)
	}
	ws, err := web.New(svcs, web.Options{Log: a.log})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(ws.Handler())
	defer ts.Close()
	for path, want := range map[string]int{"/api/v1/openapi.json": 200, "/api/v1/stats": 401, "/api/v1/report": 404, "/login": 200} {
		res, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, res.StatusCode, want)
		}
	}
}
