package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/web"
)

// served is the fixture's register behind a server made with opt (its own
// services, on the same database and accounts).
func served(t *testing.T, f *fixture, opt web.Options) *fixture {
	t.Helper()
	log := opt.Log
	if log == nil {
		log = testLog(t)
		opt.Log = log
	}
	srv, err := web.New(newServicesLogged(t, f.db, log), opt)
	if err != nil {
		t.Fatal(err)
	}
	g := *f
	g.srv = srv
	g.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(g.ts.Close)
	return &g
}

func prefixes(t *testing.T, cidrs ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, c := range cidrs {
		out = append(out, netip.MustParsePrefix(c))
	}
	return out
}

// failFrom makes n failed sign-ins, each against a name of its own (so that
// only the address's count grows), and returns the last status.
func failFrom(c *client, tag string, n int) int {
	code := 0
	for i := range n {
		code = c.post("/login", url.Values{"name": {"nobody-" + tag + strconv.Itoa(i)}, "password": {"guess"}}).code
	}
	return code
}

// TestTrustedProxy: the client address that sign-in delays count by is the
// one a trusted proxy reports; from any other peer, the headers are ignored,
// so a client cannot escape its delays by writing them. The test server's
// peer is 127.0.0.1. The address delay begins after 10 free failures
// (internal/auth/limit.go), so the 11th failure from one address is the
// last 401 and the 12th a 429.
func TestTrustedProxy(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), 50)

	// Untrusted: a different X-Forwarded-For and Forwarded on every
	// request changes nothing; all count against 127.0.0.1.
	un := served(t, f, web.Options{TrustedProxies: prefixes(t, "10.0.0.0/8")})
	c := un.client()
	for i := range 11 {
		c.header.Set("X-Forwarded-For", "198.51.100."+strconv.Itoa(i+1))
		c.header.Set("Forwarded", "for=203.0.113."+strconv.Itoa(i+1))
		if code := c.post("/login", url.Values{"name": {"spoof" + strconv.Itoa(i)}, "password": {"guess"}}).code; code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i+1, code)
		}
	}
	c.header.Set("X-Forwarded-For", "198.51.100.99")
	if code := c.post("/login", url.Values{"name": {"spoof-last"}, "password": {"guess"}}).code; code != http.StatusTooManyRequests {
		t.Errorf("12th failure from an untrusted peer with a new X-Forwarded-For: %d, want 429 (the header was believed)", code)
	}

	// Trusted (on a fresh register: the failures above are stored): each
	// real client has its own count.
	g := newFixture(t, dbtest.SQLiteDSN(t), 50)
	tr := served(t, g, web.Options{TrustedProxies: prefixes(t, "127.0.0.0/8")})
	a := tr.client()
	a.header.Set("X-Forwarded-For", "198.51.100.7")
	if code := failFrom(a, "a", 11); code != http.StatusUnauthorized {
		t.Fatalf("11th failure from 198.51.100.7: %d, want 401", code)
	}
	if code := failFrom(a, "a2", 1); code != http.StatusTooManyRequests {
		t.Errorf("12th failure from 198.51.100.7 through the proxy: %d, want 429", code)
	}
	// Another client behind the same proxy is not delayed; a client
	// writing its own X-Forwarded-For before the proxy's gets the
	// proxy's view (the last address not a proxy).
	b := tr.client()
	b.header.Set("X-Forwarded-For", "198.51.100.7, 198.51.100.8")
	if code := failFrom(b, "b", 1); code != http.StatusUnauthorized {
		t.Errorf("first failure of 198.51.100.8 (with a forged first address): %d, want 401", code)
	}
	// RFC 7239 Forwarded, with a port and quotes.
	d := tr.client()
	d.header.Set("Forwarded", `for="198.51.100.7:4711";proto=https`)
	if code := failFrom(d, "d", 1); code != http.StatusTooManyRequests {
		t.Errorf("198.51.100.7 through Forwarded: %d, want 429", code)
	}
}

// TestRequestID: every answer carries a request id; an incoming one is
// kept only from a trusted proxy, and only when it is plain.
func TestRequestID(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), 50)
	for _, tc := range []struct {
		trust []string
		sent  string
		keep  bool
	}{
		{nil, "abc-123", false},
		{[]string{"127.0.0.1/32"}, "abc-123", true},
		{[]string{"127.0.0.1/32"}, "bad id <level=ERROR>", false},
	} {
		g := served(t, f, web.Options{TrustedProxies: prefixes(t, tc.trust...)})
		c := g.client()
		c.header.Set("X-Request-Id", tc.sent)
		got := c.get("/healthz").header.Get("X-Request-Id")
		if (got == tc.sent) != tc.keep || got == "" {
			t.Errorf("trust %v, sent %q: answered id %q (keep %v)", tc.trust, tc.sent, got, tc.keep)
		}
	}
}

// TestPlainHTTPWarning: the sign-in page says why signing in cannot work
// when the page came over plain HTTP from another machine, in English and
// Khmer, and says nothing on localhost, over HTTPS (directly or through a
// trusted proxy), or with --insecure-cookies.
func TestPlainHTTPWarning(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), 50)
	get := func(opt web.Options, remote string, hdr map[string]string, lang string, tls bool) string {
		opt.Log = testLog(t)
		srv, err := web.New(newServicesLogged(t, f.db, opt.Log), opt)
		if err != nil {
			t.Fatal(err)
		}
		target := "http://habeas.example/login"
		if tls {
			target = "https://habeas.example/login"
		}
		r := httptest.NewRequest("GET", target, nil)
		r.RemoteAddr = remote
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		if lang != "" {
			r.AddCookie(&http.Cookie{Name: "lang", Value: lang})
		}
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, r)
		if w.Code != 200 {
			t.Fatalf("GET /login from %s: %d", remote, w.Code)
		}
		return w.Body.String()
	}
	const en = "browsers do not keep the sign-in cookie over plain HTTP"
	proxy := []netip.Prefix{netip.MustParsePrefix("10.1.1.1/32")}
	for _, tc := range []struct {
		name   string
		opt    web.Options
		remote string
		hdr    map[string]string
		tls    bool
		warn   bool
	}{
		{"another machine, plain HTTP", web.Options{}, "192.0.2.5:50000", nil, false, true},
		{"localhost", web.Options{}, "127.0.0.1:50000", nil, false, false},
		{"localhost IPv6", web.Options{}, "[::1]:50000", nil, false, false},
		{"HTTPS", web.Options{}, "192.0.2.5:50000", nil, true, false},
		{"insecure cookies", web.Options{InsecureCookies: true}, "192.0.2.5:50000", nil, false, false},
		{"trusted proxy, HTTPS", web.Options{TrustedProxies: proxy}, "10.1.1.1:443", map[string]string{"X-Forwarded-For": "192.0.2.5", "X-Forwarded-Proto": "https"}, false, false},
		{"trusted proxy, plain HTTP", web.Options{TrustedProxies: proxy}, "10.1.1.1:443", map[string]string{"X-Forwarded-For": "192.0.2.5", "X-Forwarded-Proto": "http"}, false, true},
		{"untrusted peer claiming HTTPS", web.Options{TrustedProxies: proxy}, "192.0.2.9:443", map[string]string{"X-Forwarded-Proto": "https"}, false, true},
	} {
		body := get(tc.opt, tc.remote, tc.hdr, "", tc.tls)
		if got := strings.Contains(body, en); got != tc.warn {
			t.Errorf("%s: warning shown %v, want %v", tc.name, got, tc.warn)
		}
	}
	km := get(web.Options{}, "192.0.2.5:50000", nil, "km", false)
	if !strings.Contains(km, `id="plain-http"`) || strings.Contains(km, en) || !strings.Contains(km, "--insecure-cookies") {
		t.Errorf("the Khmer page has no Khmer warning:\n%.2000s", km)
	}
}

// recObserver records what the server measured.
type recObserver struct {
	mu     sync.Mutex
	routes []string
	fails  int
}

func (o *recObserver) Request(route string, status int, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.routes = append(o.routes, route+" "+strconv.Itoa(status))
}

func (o *recObserver) SignInFailure() { o.mu.Lock(); o.fails++; o.mu.Unlock() }

type fakeHealth struct{ ok bool }

func (h fakeHealth) Ready(context.Context) (bool, any) { return h.ok, map[string]bool{"ok": h.ok} }

// TestObserverAndHealth: requests are measured by route pattern, never by
// path; failed sign-ins are counted; /healthz and /readyz answer.
func TestObserverAndHealth(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), 50)
	obs := &recObserver{}
	g := served(t, f, web.Options{Observer: obs, Health: fakeHealth{false}})
	c := g.login("admin")
	c.get("/staff/persons/" + url.PathEscape(f.person))
	c.get("/no/such/page")
	g.client().post("/login", url.Values{"name": {"admin"}, "password": {"wrong"}})
	if res := g.client().get("/healthz"); res.code != 200 {
		t.Errorf("/healthz: %d", res.code)
	}
	if res := g.client().get("/readyz"); res.code != http.StatusServiceUnavailable || !strings.Contains(res.body, `"ok":false`) {
		t.Errorf("/readyz when not ready: %d %s", res.code, res.body)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	got := strings.Join(obs.routes, "\n")
	for _, want := range []string{"POST /login 303", "GET /staff/persons/{id} 200", "unmatched 404", "POST /login 401", "GET /healthz 200", "GET /readyz 503"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q among the measured requests:\n%s", want, got)
		}
	}
	if strings.Contains(got, f.person) {
		t.Errorf("a person's id in the measured routes:\n%s", got)
	}
	if obs.fails != 1 {
		t.Errorf("%d sign-in failures counted, want 1", obs.fails)
	}
}

// TestLogsHoldNoPersonalData: a working session of staff pages and API
// calls on a demo register, logged as JSON at the debug level by the web
// server and the services, leaves no name or identifier of a person in
// the log, and every line written during a request carries its id.
func TestLogsHoldNoPersonalData(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), 200)
	var buf syncBuffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	g := served(t, f, web.Options{Log: log})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { g.srv.KeepScreenings(ctx, time.Second); close(done) }()
	defer func() { cancel(); <-done }()

	var people []string // names and ids; dates of birth are left out (a date may be any date)
	for _, v := range f.names {
		if _, err := domain.ParseDate(v); err != nil && len(v) >= 4 {
			people = append(people, v)
		}
	}
	admin := g.login("admin")
	legal := g.login("legal")
	name := f.names[0]
	paths := []string{"/staff", "/staff/register", "/staff/register?q=" + url.QueryEscape(name),
		"/staff/persons/" + url.PathEscape(f.person), "/staff/persons/" + url.PathEscape(f.other),
		"/staff/persons/" + url.PathEscape(f.person) + "/record/transfer", "/staff/persons/no-such-person",
		"/staff/queue", "/staff/queue/export.csv", "/staff/users", "/",
		"/api/v1/persons?q=" + url.QueryEscape(name), "/api/v1/persons/" + url.PathEscape(f.person), "/api/v1/queue"}
	for _, p := range paths {
		admin.get(p)
		legal.get(p)
	}
	// A write refused for its content, and one accepted.
	admin.post("/staff/persons/"+url.PathEscape(f.person)+"/record/transfer", url.Values{"date": {"not a date"}, "to": {"CC2"}})
	people = append(people, "Renamed Sokha Chan")
	ev := map[string]any{"kind": "person", "person": f.person, "date": "2020-12-31",
		"data": map[string]any{"name": "Renamed Sokha Chan", "sex": "M", "dob_basis": "unknown"}}
	body, _ := json.Marshal(map[string]any{"events": []any{ev}})
	if res := admin.do("POST", "/api/v1/events", bytes.NewReader(body), "application/json"); res.code != http.StatusCreated && res.code != http.StatusOK {
		t.Logf("the rename: %d %s", res.code, res.body)
	}
	time.Sleep(1500 * time.Millisecond) // a keeper pass

	logText := buf.String()
	if !strings.Contains(logText, `"route":"GET /staff/persons/{id}"`) {
		t.Fatalf("the log does not list the requests by route:\n%.3000s", logText)
	}
	for _, p := range people {
		if strings.Contains(logText, p) {
			t.Errorf("the log holds %q, a person's name or id", p)
		}
	}
	for line := range strings.SplitSeq(strings.TrimSpace(logText), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("a log line that is not JSON: %q", line)
		}
		if m["msg"] == "request" && m["request_id"] == nil {
			t.Errorf("a request's line without its id: %s", line)
		}
	}
}

// syncBuffer is a bytes.Buffer for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
