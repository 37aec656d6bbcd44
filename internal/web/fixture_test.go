package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/demo"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/registry"
	"github.com/habeas-kh/habeas/internal/report"
	"github.com/habeas-kh/habeas/internal/restricted"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/visits"
	"github.com/habeas-kh/habeas/internal/web"
)

// cheap Argon2 parameters keep the tests fast; production uses auth.DefaultArgon2.
var cheap = auth.Argon2Params{Time: 1, Memory: 64, Threads: 1}

const password = "a good password"

// fixture is a demo register with one user of each role and a server on it.
type fixture struct {
	t      *testing.T
	db     *sqldb.DB
	srv    *web.Server
	ts     *httptest.Server
	names  []string // names, ids and dates of birth of everyone in the register
	person string   // someone held in CC1 on the last day
	other  string   // someone held elsewhere
}

// roles are the test users: name -> role and facilities.
var roles = []struct {
	name  string
	role  auth.Role
	facs  []string
	extra bool
}{
	{"admin", auth.Admin, nil, false},
	{"registrar", auth.Registrar, []string{"CC1"}, false},
	{"legal", auth.Legal, nil, false},
	{"monitor", auth.Monitor, []string{"CC1"}, false},
	{"analyst", auth.Analyst, nil, false},
}

func newFixture(t *testing.T, dsn string, people int) *fixture {
	t.Helper()
	return newFixtureOn(t, dsn, people, nil)
}

// servedDB is the database the services of the server use.
type servedDB interface {
	store.Store
	store.PersonSearch
	store.Accounts
}

// newServices builds the services the server is given, on db, as habeas
// serve does (internal/cli/serve.go), with cheap password hashes.
func newServices(t *testing.T, db servedDB) web.Services {
	t.Helper()
	return newServicesWith(t, db)
}

// newServicesWith is newServices with options for the ledger (a clock).
func newServicesWith(t *testing.T, db servedDB, lopts ...ledger.Option) web.Services {
	t.Helper()
	return newServicesLogged(t, db, testLog(t), lopts...)
}

// newServicesLogged is newServicesWith logging to log.
func newServicesLogged(t *testing.T, db servedDB, log *slog.Logger, lopts ...ledger.Option) web.Services {
	t.Helper()
	pack, err := rules.Builtin(rules.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	au := auth.New(db, auth.WithArgon2(cheap), auth.WithLogger(log), auth.WithFacilities(func(ctx context.Context) (map[string]bool, error) {
		fs, err := db.Facilities(ctx)
		if err != nil {
			return nil, err
		}
		out := map[string]bool{}
		for _, f := range fs {
			out[f.ID] = true
		}
		return out, nil
	}))
	led := ledger.New(db, append([]ledger.Option{ledger.WithLogger(log)}, lopts...)...)
	svc := web.Services{Auth: au, Registry: registry.New(db, led, au, pack, log),
		Reports: report.NewCache(db, report.CacheOptions{}), Checkpoints: led, Publications: led}
	// Visits are kept as habeas serve keeps them, here with no
	// organisation's key (a visit's interviews are refused).
	if vs, ok := db.(visits.Store); ok {
		svc.Visits = visits.New(vs, led, restricted.NewKeyring(), au)
	}
	return svc
}

// newFixtureOn serves the register through wrap(db) when wrap is not nil,
// so a test can make the database fail.
func newFixtureOn(t *testing.T, dsn string, people int, wrap func(*sqldb.DB) servedDB) *fixture {
	t.Helper()
	return newFixtureVia(t, dsn, people, wrap, "")
}

// newFixtureVia is newFixtureOn with the demo's events recorded through
// via ("" keeps the demo's own, domain.ViaDemo: a synthetic register).
func newFixtureVia(t *testing.T, dsn string, people int, wrap func(*sqldb.DB) servedDB, via string) *fixture {
	t.Helper()
	ctx := context.Background()
	db := dbtest.Open(t, dsn)
	f := &fixture{t: t, db: db}
	svc := ledger.New(db)
	_, err := svc.Load(ctx, ledger.Actor{Name: "test", Via: via}, func(emit func(*domain.Event) error) error {
		return demo.Generate(ctx, demo.Options{Seed: 3, People: people}, func(ev *domain.Event) error {
			if via != "" {
				// Recorded through via, as if imported: the demo's own
				// attribution (domain.ViaDemo) is not kept.
				ev.RecordedBy, ev.Via = "", ""
			}
			if p, ok := ev.Data.(*domain.PersonData); ok {
				f.names = append(f.names, p.Name, ev.Person)
				if p.DOB != domain.NoDate {
					f.names = append(f.names, p.DOB.String())
				}
			}
			return emit(ev)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	var served servedDB = db
	if wrap != nil {
		served = wrap(db)
	}
	f.srv, err = web.New(newServices(t, served), web.Options{Log: testLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	root := auth.System("setup", "test")
	for _, r := range roles {
		if err := f.srv.Auth().AddUser(ctx, root, auth.NewUser{Name: r.name, Password: password, Role: r.role, Facilities: r.facs}); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := db.SearchPersons(ctx, sqldbQuery("CC1"))
	if err != nil || len(rows) == 0 {
		t.Fatalf("no one in CC1: %v", err)
	}
	f.person = rows[0].ID
	rows, err = db.SearchPersons(ctx, sqldbQuery("PP-PNH"))
	if err != nil || len(rows) == 0 {
		t.Fatalf("no one in PP-PNH: %v", err)
	}
	f.other = rows[0].ID
	f.ts = httptest.NewServer(f.srv.Handler())
	t.Cleanup(f.ts.Close)
	return f
}

// client is one browser: it keeps its own cookies (Go's cookie jar will not
// send Secure cookies over http://127.0.0.1, so they are kept here).
type client struct {
	f       *fixture
	cookies map[string]string
	header  http.Header
}

func (f *fixture) client() *client {
	return &client{f: f, cookies: map[string]string{}, header: http.Header{}}
}

func (f *fixture) login(name string) *client {
	c := f.client()
	if name == "" {
		return c
	}
	res := c.post("/login", url.Values{"name": {name}, "password": {password}})
	if res.code != http.StatusSeeOther || c.cookies["habeas_session"] == "" {
		f.t.Fatalf("login as %s: %d %s", name, res.code, res.body)
	}
	return c
}

type response struct {
	code   int
	body   string
	header http.Header
}

func (c *client) do(method, path string, body io.Reader, ctype string) response {
	c.f.t.Helper()
	req, err := http.NewRequest(method, c.f.ts.URL+path, body)
	if err != nil {
		c.f.t.Fatal(err)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Do(req)
	if err != nil {
		c.f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	return response{res.StatusCode, string(b), res.Header}
}

func (c *client) get(path string) response { return c.do("GET", path, nil, "") }

func (c *client) post(path string, form url.Values) response {
	return c.do("POST", path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

func sqldbQuery(fac string) storePersonQuery {
	return storePersonQuery{Facility: fac, InCustody: true, Limit: 1}
}

type storePersonQuery = store.PersonQuery

// testLog sends the server's log to the test's, so a 500 says why.
func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}
