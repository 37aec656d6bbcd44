// Package web serves habeas over HTTP: the public figures, the staff
// application behind sign-in, and the JSON API under /api/v1. Pages are
// rendered on the server, in English or Khmer, with no script; every asset
// is embedded. Handlers only translate HTTP to the services (auth, registry,
// report), which the caller builds, and back: permissions are checked in
// the services.
package web

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/habeas-kh/habeas/docs"
	"html/template"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/markers"
	"github.com/habeas-kh/habeas/internal/registry"
	"github.com/habeas-kh/habeas/internal/report"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/tree"
	"github.com/habeas-kh/habeas/internal/visits"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Services are what the handlers call. The caller builds them (habeas
// serve in internal/cli/serve.go; the tests their own), so that this
// package wires nothing and only translates HTTP to them and back.
type Services struct {
	Auth     *auth.Service
	Registry *registry.Service
	// Reports are the public reports, cached per ledger head.
	Reports *report.Cache
	// Checkpoints are the signed checkpoints of the ledger's tree and the
	// consistency proofs between them (ledger.Service); nil when the
	// server publishes none.
	Checkpoints Checkpoints
	// Publications are the reports published with habeas report publish,
	// kept in the register (ledger.Service); nil when the server serves
	// none.
	Publications Publications
	// Markers are the monitoring organisations' concern markers; nil when
	// the server keeps none (no organisation key configured).
	Markers *markers.Service
	// Visits records monitoring visits and opens their restricted part
	// for the visiting organisation; nil when the server keeps none.
	Visits *visits.Service
}

// Checkpoints is what the server publishes of the ledger's tree: the
// checkpoints signed with habeas checkpoint, and hashes-only proofs.
type Checkpoints interface {
	Checkpoints(ctx context.Context, limit int) ([]store.Checkpoint, error)
	ConsistencyProof(ctx context.Context, from, to int64) (*tree.ConsistencyProof, error)
}

// Publications are the published reports and their files.
type Publications interface {
	report.Published
	PublicationFileNames(ctx context.Context, id int64) ([]string, error)
}

// Options configure a Server.
type Options struct {
	Log *slog.Logger
	// InsecureCookies drops the Secure attribute, for serving plain HTTP to
	// other machines on a trusted network. Browsers accept Secure cookies
	// from http://localhost, so the default works on one's own machine.
	InsecureCookies bool
	// TrustedProxies are the reverse proxies whose Forwarded,
	// X-Forwarded-For, X-Forwarded-Proto and X-Request-Id headers are
	// believed; from anyone else they are ignored.
	TrustedProxies []netip.Prefix
	// Observer measures the requests (nil: nothing is measured).
	Observer Observer
	// Health answers /readyz (nil: ready when the process is up).
	Health Health
}

// Server holds the handlers' dependencies.
type Server struct {
	log         *slog.Logger
	auth        *auth.Service
	reg         *registry.Service
	reportCache *report.Cache
	pages       map[string]*template.Template
	static      fs.FS
	secure      bool
	dash        dashCache
	checkpoints Checkpoints
	pubs        Publications
	// docs are the public documents of the methodology page, rendered
	// once from the docs folder embedded in the binary.
	docs    map[string]docs.Page
	markers *markers.Service
	visits  *visits.Service
	proxies []netip.Prefix
	obs     Observer
	health  Health
}

// New builds the server on the services it is given.
func New(svc Services, opt Options) (*Server, error) {
	if svc.Auth == nil || svc.Registry == nil || svc.Reports == nil {
		return nil, errors.New("the web server needs the auth, registry and report services")
	}
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if _, err := messages(); err != nil {
		return nil, fmt.Errorf("loading the translations: %w", err)
	}
	s := &Server{log: log, auth: svc.Auth, reg: svc.Registry, reportCache: svc.Reports, secure: !opt.InsecureCookies, checkpoints: svc.Checkpoints,
		pubs: svc.Publications, markers: svc.Markers, visits: svc.Visits, proxies: opt.TrustedProxies, obs: opt.Observer, health: opt.Health}
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	if s.docs, err = docs.Render("/methodology/"); err != nil {
		return nil, err
	}
	s.static, _ = fs.Sub(staticFS, "static")
	return s, nil
}

// Registry is the staff service (tests use it to check what a request did).
func (s *Server) Registry() *registry.Service { return s.reg }

// Auth is the accounts service.
func (s *Server) Auth() *auth.Service { return s.auth }

// Warm computes the public dashboard of the current head in the
// background, so the first visitor does not wait for it.
// KeepScreenings keeps the saved screenings the public side shows current
// (registry.KeepScreenings) until ctx ends, and the cached reports with
// them.
func (s *Server) KeepScreenings(ctx context.Context, interval time.Duration) {
	s.reg.KeepScreenings(ctx, interval, s.reportCache.Drop)
}

func (s *Server) Warm(ctx context.Context) {
	// What the public will be shown: a read replica may serve it, as it
	// serves the public's own requests.
	ctx = store.ReplicaReads(ctx)
	for _, l := range []Lang{English, Khmer} {
		if _, err := s.dashboardView(ctx, l, domain.NoDate, "", nil); err != nil && !errors.Is(err, errEmpty) && ctx.Err() == nil {
			s.log.Warn("warming the dashboard", "err", err)
			return
		}
	}
}

var funcs = template.FuncMap{
	"join": strings.Join,
	"str":  func(v any) string { return fmt.Sprint(v) },
	"int":  func(v int64) int { return int(v) },
	"json": func(v any) string { b, _ := json.Marshal(v); return string(b) },
	"list": func(v ...string) []string { return v },
	// pathEscape puts an identifier in one segment of a link: a person's
	// identifier may hold a slash ("123/2020").
	"pathEscape": url.PathEscape,
	"has":        func(list []string, v string) bool { return slices.Contains(list, v) },
	"pledgeBar":  pledgeBar,
	"eventRows":  func(p *page, data any) []detailRow { return eventRows(p.Lang, data) },
	// deref and derefF read a figure the template has checked is there.
	"deref": func(p *int) int { return *p },
	// round, iv and ivs are the scenario pages': a model figure is shown
	// as a whole number of people, median (5th–95th percentile).
	"round":  func(f float64) int { return int(math.Round(f)) },
	"iv":     func(l *page, i domain.ScenarioInterval) ivArgs { return ivArgs{l, i} },
	"ivs":    func(l *page, s *domain.PlanScenario) ivsArgs { return ivsArgs{l, s} },
	"derefF": func(p *float64) float64 { return *p },
	"fieldArgs": func(p *page, name string, required bool) fieldArg {
		return fieldArg{P: p, Name: name, Required: required}
	},
	// dateArgs: a date typed day first or ISO; areaArgs: several lines;
	// checkArgs: a box ticked.
	"dateArgs": func(p *page, name string, required bool) fieldArg {
		return fieldArg{P: p, Name: name, Required: required, Kind: "date"}
	},
	"areaArgs":  func(p *page, name string) fieldArg { return fieldArg{P: p, Name: name, Kind: "area"} },
	"checkArgs": func(p *page, name string) fieldArg { return fieldArg{P: p, Name: name, Kind: "check"} },
	// selArgs: one of options, each shown as the message prefix+option
	// (the option itself when prefix is empty); a blank "choose" first.
	"selArgs": func(p *page, name string, required bool, prefix string, options any) fieldArg {
		return fieldArg{P: p, Name: name, Required: required, Kind: "select", Prefix: prefix, Options: optionStrings(options)}
	},
	"add":        func(a, b int) int { return a + b },
	"withSuffix": func(a fieldArg, sfx string) fieldArg { a.Name += sfx; return a },
}

type fieldArg struct {
	P        *page
	Name     string
	Required bool
	Kind     string // "" (text), date, area, check, select
	Prefix   string
	Options  []string
}

// optionStrings is a slice of strings or of a string type as strings.
func optionStrings(v any) []string {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice {
		return nil
	}
	out := make([]string, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).String()
	}
	return out
}

// parsePages parses each page with the layout, so that every page defines
// its own "content".
func parsePages() (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		n = strings.TrimPrefix(n, "templates/")
		if n == "layout.html" || n == "partials.html" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/"+n)
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", n, err)
		}
		pages[n] = t
	}
	return pages, nil
}

// Route is one route of the server, for the route × role and OpenAPI tests.
type Route struct {
	Method  string
	Pattern string
	API     bool
	h       http.HandlerFunc
}

// Routes lists every route.
func (s *Server) Routes() []Route {
	r := []Route{
		{"GET", "/{$}", false, s.dashboard},
		{"GET", "/reports", false, s.reports},
		{"GET", "/reports/{date}/{file...}", false, s.reportFile},
		{"GET", "/reports/published", false, s.publishedList},
		{"GET", "/reports/published/{id}/{file...}", false, s.publishedFile},
		{"GET", "/reports/revisions", false, s.revisionsPage},
		{"GET", "/facilities/{id}", false, s.facilityPage},
		{"GET", "/pledges", false, s.pledges},
		{"GET", "/data", false, s.openData},
		{"GET", "/data/facilities.csv", false, s.facilitiesCSV},
		{"GET", "/methodology", false, s.methodology},
		{"GET", "/methodology/{doc}", false, s.methodologyDoc},
		{"GET", "/lang/{lang}", false, s.setLang},
		{"GET", "/login", false, s.loginForm},
		{"POST", "/login", false, s.login},
		{"POST", "/logout", false, s.logout},
		{"GET", "/staff", false, s.staffHome},
		{"GET", "/staff/register", false, s.register},
		{"GET", "/staff/persons/{id}", false, s.personPage},
		{"GET", "/staff/admit", false, s.admitForm},
		{"POST", "/staff/admit", false, s.admit},
		{"GET", "/staff/persons/{id}/record/{kind}", false, s.recordForm},
		{"POST", "/staff/persons/{id}/record/{kind}", false, s.record},
		{"GET", "/staff/queue", false, s.queuePage},
		{"GET", "/staff/queue/checks.csv", false, s.checksCSV},
		{"GET", "/staff/queue/export.csv", false, s.queueExport("csv")},
		{"GET", "/staff/queue/export.xlsx", false, s.queueExport("xlsx")},
		{"GET", "/staff/users", false, s.usersPage},
		{"POST", "/staff/users", false, s.addUser},
		{"GET", "/staff/users/{name}", false, s.userPage},
		{"POST", "/staff/users/{name}/role", false, s.setRole},
		{"POST", "/staff/users/{name}/disable", false, s.disableUser},
		{"POST", "/staff/users/{name}/enable", false, s.enableUser},
		{"GET", "/staff/account", false, s.accountPage},
		{"POST", "/staff/account/password", false, s.changePassword},
		{"POST", "/staff/account/tokens", false, s.createTokenForm},
		{"POST", "/staff/account/tokens/{id}/revoke", false, s.revokeTokenForm},
		{"GET", "/staff/pledges", false, s.pledgesEdit},
		{"POST", "/staff/pledges/{kind}", false, s.recordCommitment},
		{"GET", "/staff/plan", false, s.planBuilder},
		{"POST", "/staff/plan", false, s.savePlan},
		{"GET", "/staff/plans/{name}", false, s.planProgress},
		{"GET", "/plans/{name}", false, s.publicPlan},
		{"GET", "/staff/scenario", false, s.scenarioPage},
		{"GET", "/plans/{name}/scenario", false, s.publicScenario},
		{"GET", "/plans/{name}/scenario.json", false, s.publicScenarioJSON},
		{"GET", "/staff/markers", false, s.markersPage},
		{"POST", "/staff/markers", false, s.addMarker},
		{"GET", "/staff/visits", false, s.visitForm},
		{"POST", "/staff/visits", false, s.addVisit},
		{"GET", "/staff/visits/indicators", false, s.visitIndicators},
	}
	return append(r, s.apiRoutes()...)
}

// Handler returns the routes wrapped in the security layers.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.Routes() {
		mux.Handle(rt.Method+" "+rt.Pattern, routed(rt.h))
	}
	mux.Handle("GET /static/", routed(http.StripPrefix("/static/", staticHandler(s.static))))
	// For a supervisor or a load balancer: the process answers; the
	// database and the screenings are current enough to serve.
	mux.Handle("GET /healthz", routed(http.HandlerFunc(s.healthz)))
	mux.Handle("GET /readyz", routed(http.HandlerFunc(s.readyz)))
	mux.HandleFunc("/", s.notFound) // logged and measured as "unmatched"
	// Cross-origin protection refuses state-changing requests that a
	// browser marks as coming from another site (Sec-Fetch-Site, Origin),
	// on every route; API clients that are not browsers send neither header.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errCrossOrigin)
	}))
	return s.requests(securityHeaders(compress(cop.Handler(s.identify(mux)))))
}

var errCrossOrigin = errors.New("cross-origin request refused")

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "+
			"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		h.ServeHTTP(w, r)
	})
}

func staticHandler(fsys fs.FS) http.Handler {
	fh := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || r.URL.Path == "" {
			http.NotFound(w, r)
			return
		}
		// Assets change only with the binary.
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fh.ServeHTTP(w, r)
	})
}

type ctxKey int

const principalKey ctxKey = 0

const sessionCookie = "habeas_session"

// remote is the client address for the audit and rate limiting: the
// connection's, or the one a trusted proxy reports (Options.TrustedProxies).
func remote(r *http.Request) string {
	if in := infoOf(r.Context()); in != nil && in.remote != "" {
		return in.remote
	}
	return hostOf(r.RemoteAddr)
}

// identify resolves the principal of a request: a bearer token, or a session
// cookie. A bad token is an error for the API; a stale cookie is just the public.
func (s *Server) identify(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p *auth.Principal
		if hv := r.Header.Get("Authorization"); hv != "" {
			tok, ok := strings.CutPrefix(hv, "Bearer ")
			var err error
			if ok {
				p, err = s.auth.Bearer(r.Context(), strings.TrimSpace(tok), "api "+remote(r))
			}
			if !ok || err != nil {
				if err != nil && !errors.Is(err, domain.ErrUnauthenticated) {
					s.logOf(r.Context()).Error("checking a bearer token", "err", err)
				}
				s.apiError(w, http.StatusUnauthorized, "unauthenticated", "the bearer token is not valid, revoked, or its user is disabled")
				return
			}
		} else if c, err := r.Cookie(sessionCookie); err == nil {
			via := "web " + remote(r)
			if strings.HasPrefix(r.URL.Path, "/api/") {
				via = "api " + remote(r)
			}
			p, err = s.auth.Session(r.Context(), c.Value, via)
			if err != nil && !errors.Is(err, domain.ErrUnauthenticated) {
				s.logOf(r.Context()).Error("checking a session", "err", err)
			}
		}
		ctx := r.Context()
		if p != nil {
			ctx = context.WithValue(ctx, principalKey, p)
			// Who reads and writes: the store keeps the position of this
			// user's writes, and serves their reads from the primary
			// until a read replica has replayed them.
			ctx = store.WithReader(ctx, p.User)
		}
		// What a GET or HEAD shows may come from a read replica (with
		// --db-read): a page a moment behind the primary, never behind the
		// reader's own writes. Everything else, writes and the reads
		// that prepare them, reads the primary. The session and token
		// above were checked on the primary (a revocation holds at once).
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			ctx = store.ReplicaReads(ctx)
		}
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// principal of the request; nil for the public.
func principal(r *http.Request) *auth.Principal { return principalOf(r.Context()) }

// principalOf is the principal of a request's context; nil for the public.
func principalOf(ctx context.Context) *auth.Principal {
	p, _ := ctx.Value(principalKey).(*auth.Principal)
	return p
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		s.apiError(w, http.StatusNotFound, "not_found", "no such API route: see /api/v1/openapi.json")
		return
	}
	s.errorPage(w, r, http.StatusNotFound, "This page does not exist.")
}

// status maps a service error to an HTTP status, a stable code, a message
// safe to show and, for invalid input, the field at fault. The error
// vocabulary is domain.Error's codes; the few rows before them are errors
// that have an API code of their own.
func (s *Server) status(r *http.Request, err error) (status int, code, msg, field string) {
	switch {
	case errors.Is(err, errCrossOrigin):
		return http.StatusForbidden, "cross_origin", "cross-origin request refused", ""
	case errors.Is(err, auth.ErrRateLimited):
		return http.StatusTooManyRequests, "rate_limited", err.Error(), ""
	case errors.Is(err, auth.ErrBadCredentials):
		return http.StatusUnauthorized, "bad_credentials", err.Error(), ""
	case errors.Is(err, errTooLarge):
		return http.StatusRequestEntityTooLarge, "too_large", err.Error(), ""
	case errors.Is(err, context.Canceled):
		return 499, "canceled", "the request was cancelled", ""
	}
	switch c := domain.ErrorCode(err); c {
	case domain.ErrInvalid:
		field, _, _ := domain.FieldOf(err)
		return http.StatusBadRequest, string(c), err.Error(), field
	case domain.ErrUnauthenticated:
		return http.StatusUnauthorized, string(c), "sign in first, or send a valid bearer token", ""
	case domain.ErrForbidden:
		return http.StatusForbidden, string(c), err.Error(), ""
	case domain.ErrNotFound:
		return http.StatusNotFound, string(c), err.Error(), ""
	case domain.ErrConflict:
		return http.StatusConflict, string(c), err.Error(), ""
	case domain.ErrKeyReused:
		// As the IETF draft on the Idempotency-Key header has it.
		return http.StatusUnprocessableEntity, string(c), err.Error(), ""
	case domain.ErrRateLimited:
		return http.StatusTooManyRequests, string(c), err.Error(), ""
	case domain.ErrUnavailable:
		return http.StatusServiceUnavailable, string(c), err.Error(), ""
	}
	// The route pattern, not the path, which may hold a person's
	// identifier.
	s.logOf(r.Context()).Error("request failed", "method", r.Method, "route", r.Pattern, "err", err)
	return http.StatusInternalServerError, "internal", "the server could not do this; the error is logged", ""
}

// isEventForm: the path of a form that records events, where the form is
// shown (GET) at the path it is sent to (POST).
func isEventForm(path string) bool {
	return path == "/staff/admit" || strings.HasPrefix(path, "/staff/persons/") && strings.Contains(path, "/record/")
}

var errTooLarge = errors.New("the request body is too large")

// fail answers an error: JSON for the API, a page otherwise; the public
// is sent to sign in.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, c, msg, field := s.status(r, err)
	if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "30")
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSON(w, code, apiErr{Code: c, Message: msg, Field: field})
		return
	}
	if code == http.StatusUnauthorized && r.Method == http.MethodGet {
		http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if code == http.StatusUnauthorized && r.Method == http.MethodPost && isEventForm(r.URL.Path) {
		// A session that expired while the form was filled in: after
		// signing in, the user is back on the form, which the browser
		// fills again with what was typed (static/draft.js). Only the
		// path goes in the link; what was typed never leaves the browser.
		http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.Path), http.StatusSeeOther)
		return
	}
	if errors.Is(err, registry.ErrReadNotRecorded) {
		msg = langOf(r).T("person.unrecorded")
	}
	if errors.Is(err, registry.ErrExportNotRecorded) {
		msg = langOf(r).T("queue.export_unrecorded")
	}
	s.errorPage(w, r, code, msg)
}
