package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/chart"
	"github.com/habeas-kh/habeas/internal/disclosure"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/i18n"
	"github.com/habeas-kh/habeas/internal/report"
	"github.com/habeas-kh/habeas/internal/store"
)

// The public pages show the public report of internal/report: the same
// figures as the published report, and small counts protected by the same
// disclosure control (internal/disclosure, through the report). Nothing
// here decides on its own which count to show or hide: a hidden count is
// "*", as in the report, and its value never reaches a page.

// dashView is a report made ready for the pages of one language.
type dashView struct {
	R          *report.Report
	e          *report.Entry
	AsOf       domain.Date
	Latest     domain.Date
	Columns    []report.Column
	OccChart   template.HTML
	TrendChart template.HTML
	RelChart   template.HTML
	// Revised are the figures of this date that changed since a signed
	// report published them (report.Revision.Key).
	Revised map[string]bool
	html    []byte // the dashboard rendered for the public, once
	gz      []byte // and gzipped
}

// dashCache keeps the views of the reports of the current ledger head (the
// reports themselves are report.Cache's): charts drawn, and the public
// dashboard rendered, once per language and date.
type dashCache struct {
	mu    sync.Mutex
	head  store.Head
	views map[string]*dashView
}

// maxViews bounds the views kept per head: two languages for each date the
// report cache keeps.
const maxViews = 64

// invalidate makes the next view read the head again.
func (s *Server) invalidate() { s.reportCache.Invalidate() }

// dashboardView is the report of asOf for the pages of a language.
// client is the address of the visitor who asked, "" for the server's own
// calls: builds of reports not cached are limited per client. reader is who
// asks (nil: the public, who read month ends only; report.Cache decides).
func (s *Server) dashboardView(ctx context.Context, l Lang, asOf domain.Date, client string, reader *auth.Principal) (*dashView, error) {
	e, err := s.reportCache.GetFor(ctx, asOf, client, reader)
	if err != nil {
		return nil, err
	}
	// A month-end shown without a current screening gets one: the server
	// computes and keeps it (registry.KeepScreenings).
	if scr := e.Report().Screening; (scr == nil || !scr.Current) && e.AsOf.IsMonthEnd() {
		s.reg.WantScreening(e.AsOf)
	}
	key := string(l) + e.AsOf.String()
	c := &s.dash
	c.mu.Lock()
	if v, ok := c.views[key]; ok && v.e == e {
		c.mu.Unlock()
		return v, nil
	}
	c.mu.Unlock()
	revs, err := s.reportCache.RevisionsOf(ctx, s.pubs, e.Report())
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.views[key]; ok && v.e == e {
		return v, nil
	}
	v := &dashView{R: e.Report(), e: e, AsOf: e.AsOf, Latest: e.Latest, Columns: e.Report().Columns(), Revised: map[string]bool{}}
	for _, rv := range revs {
		v.Revised[rv.Key] = true
	}
	s.charts(v, l)
	if c.views == nil || c.head != e.Head || len(c.views) >= maxViews {
		c.head, c.views = e.Head, map[string]*dashView{}
	}
	c.views[key] = v
	return v, nil
}

func (s *Server) charts(v *dashView, l Lang) {
	var occ []chart.Bar
	for _, f := range v.R.Facilities {
		// A facility whose population is hidden has no published occupancy.
		if f.InSystem() && f.OccupancyPct != nil {
			b := chart.Bar{Label: f.Name, Value: *f.OccupancyPct, Text: l.Pct(*f.OccupancyPct)}
			if l == Khmer {
				b.Lang = "en" // facility names have no Khmer field yet: marked
			}
			if *f.OccupancyPct > 100 {
				b.Class = "over"
			}
			occ = append(occ, b)
		}
	}
	sort.SliceStable(occ, func(i, j int) bool { return occ[i].Value > occ[j].Value })
	v.OccChart = chart.Bars{Title: l.T("dash.byfacility"), Bars: occ, Ref: 100, RefLabel: l.T("dash.capacity_line")}.SVG()
	v.TrendChart = report.TrendChart(v.R.Trend, l.T("dash.trend"), l.T("dash.population"), l.T("dash.capacity"),
		func(f float64) string { return l.Num(int(f + 0.5)) },
		func(y int) string { return l.digits(itoa(y)) },
		func(d domain.Date, f float64) string {
			return l.Num(int(f+0.5)) + " · " + l.MonthYear(d.Month(), d.Year())
		})
	var rel []chart.Bar
	for _, c := range v.R.Releases.ByMechanism {
		rel = append(rel, chart.Bar{Label: l.T("mech." + c.Key), Value: float64(c.Count), Text: l.Num(c.Count)})
	}
	if len(rel) > 0 {
		v.RelChart = chart.Bars{Title: fmt.Sprintf(l.T("dash.releases"), l.Date(mustDate(v.R.Releases.From)), l.Date(mustDate(v.R.Releases.To))), Bars: rel}.SVG()
	}
}

func mustDate(s string) domain.Date {
	d, err := domain.ParseDate(s)
	if err != nil {
		return domain.NoDate
	}
	return d
}

func (s *Server) asOfParam(r *http.Request) (domain.Date, error) {
	v := r.URL.Query().Get("as_of")
	if v == "" {
		return domain.NoDate, nil
	}
	return parseAsOf(v)
}

func parseAsOf(v string) (domain.Date, error) {
	if len(v) == len("2020-11") {
		// A month (the public's form asks for one): its last day.
		m, err := domain.ParseDate(v + "-01")
		if err != nil {
			return 0, domain.Invalid("as_of", "%s", err.Error())
		}
		v = m.AddMonths(1).AddDays(-1).String()
	}
	d, err := domain.ParseDate(v)
	if err != nil {
		return 0, domain.Invalid("as_of", "%s", err.Error())
	}
	if d.Year() < 2000 || d.Year() > 2100 {
		return 0, domain.Invalid("as_of", "must be between 2000 and 2100")
	}
	return d, nil
}

// publicView is the view for a public page's ?as_of=, or an error page.
func (s *Server) publicView(w http.ResponseWriter, r *http.Request) (*dashView, bool) {
	asOf, err := s.asOfParam(r)
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	v, err := s.dashboardView(r.Context(), langOf(r), asOf, remote(r), principal(r))
	if err != nil {
		s.noReport(w, r, err)
		return nil, false
	}
	return v, true
}

// noReport answers a report that cannot be given: a date outside the
// register's is a 404 that says which dates it has; a report that cannot be
// built is a 503 that says so and nothing more (the error, logged, may name
// a count disclosure control refused to publish). JSON for the API, a page
// otherwise.
func (s *Server) noReport(w http.ResponseWriter, r *http.Request, err error) {
	api := strings.HasPrefix(r.URL.Path, "/api/")
	l := langOf(r)
	if api {
		l = English
	}
	var be *disclosure.BlockedError
	switch {
	case errors.Is(err, report.ErrNoData) || errors.Is(err, errEmpty):
		if api {
			s.apiError(w, http.StatusNotFound, "not_found", err.Error())
			return
		}
		msg := l.T("report.nodata")
		if errors.Is(err, errEmpty) {
			msg = l.T("report.empty")
		}
		s.errorPage(w, r, http.StatusNotFound, msg+" ("+err.Error()+")")
		return
	case errors.Is(err, domain.ErrForbidden) && !api:
		// A day other than a month end (report.Cache.GetFor): say so in
		// the reader's language.
		s.errorPage(w, r, http.StatusForbidden, l.T("report.month_ends_only"))
		return
	case errors.Is(err, context.Canceled), errors.Is(err, domain.ErrRateLimited), errors.Is(err, domain.ErrUnavailable),
		errors.Is(err, domain.ErrForbidden):
		s.fail(w, r, err)
		return
	}
	msg := l.T("report.unavailable")
	if errors.As(err, &be) {
		// Small national totals can make every way of publishing the
		// breakdowns identify someone: then nothing is published.
		s.logOf(r.Context()).Warn("the report cannot be published", "route", r.Pattern, "err", err)
		msg = l.T("report.blocked")
	} else {
		s.logOf(r.Context()).Error("the report could not be built", "route", r.Pattern, "err", err)
	}
	if api {
		s.apiError(w, http.StatusServiceUnavailable, "unavailable", msg)
		return
	}
	s.errorPage(w, r, http.StatusServiceUnavailable, msg)
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	v, ok := s.publicView(w, r)
	if !ok {
		return
	}
	p := s.newPage(r, "dash.population", v)
	if p.User != nil {
		s.render(w, r, http.StatusOK, "dashboard.html", p)
		return
	}
	// The public page is the same for everyone on a head: render it once,
	// and gzip it once for the slow connections it is meant for.
	s.dash.mu.Lock()
	body, gz := v.html, v.gz
	s.dash.mu.Unlock()
	if body == nil {
		var buf bytes.Buffer
		if err := s.pages["dashboard.html"].ExecuteTemplate(&buf, "layout.html", p); err != nil {
			s.fail(w, r, err)
			return
		}
		body = buf.Bytes()
		var zb bytes.Buffer
		zw := gzip.NewWriter(&zb)
		zw.Write(body)
		zw.Close()
		gz = zb.Bytes()
		s.dash.mu.Lock()
		v.html, v.gz = body, gz
		s.dash.mu.Unlock()
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Vary", "Accept-Encoding, Accept-Language, Cookie")
	// The page changes only with the ledger head, the date and the
	// language: a reader coming back on a slow connection gets a 304.
	zipped := acceptsGzip(r)
	etag := `"` + v.e.Head.Hash[:min(16, len(v.e.Head.Hash))] + "-" + v.AsOf.String() + "-" + string(p.Lang)
	if zipped {
		etag += "-gz"
	}
	etag += `"`
	h.Set("ETag", etag)
	h.Set("Cache-Control", "no-cache") // revalidate: a new entry changes the figures
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if zipped {
		h.Set("Content-Encoding", "gzip")
		w.Write(gz)
		return
	}
	w.Write(body)
}

// download is a file of the report, as offered on the reports page.
type download struct {
	Name string // under /reports/{date}/
	Key  string // message key of its description
	// KmName is the same table with Khmer headings (data/km/), if any.
	KmName string
}

type reportsView struct {
	*dashView
	Files []download
	// Checkpoints are the newest signed checkpoints of the ledger's tree,
	// and PubKey the key that signed the newest (docs/checkpoints.md).
	Checkpoints []checkpointView
	PubKey      string
}

type checkpointView struct {
	Size  int
	Date  string
	KeyID string
	Root  string
}

// shownCheckpoints: the reports page lists the newest; the API serves the
// newest and the proofs between any two.
const shownCheckpoints = 10

func (s *Server) reports(w http.ResponseWriter, r *http.Request) {
	asOf, err := s.asOfParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := langOf(r)
	v, err := s.dashboardView(r.Context(), l, asOf, remote(r), principal(r))
	if err != nil {
		s.noReport(w, r, err)
		return
	}
	files, err := v.e.Files()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rv := reportsView{dashView: v}
	if s.checkpoints != nil {
		cs, err := s.checkpoints.Checkpoints(r.Context(), shownCheckpoints)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, c := range cs {
			rv.Checkpoints = append(rv.Checkpoints, checkpointView{Size: int(c.Size), Date: c.Created.UTC().Format("2006-01-02"), KeyID: c.KeyID, Root: c.Root})
		}
		if len(cs) > 0 {
			rv.PubKey = cs[0].PubKey
		}
	}
	for name := range files {
		if base, ok := strings.CutPrefix(name, "data/"); ok && !strings.HasPrefix(base, "km/") {
			d := download{Name: name, Key: "file." + strings.TrimSuffix(strings.TrimSuffix(base, ".csv"), ".json")}
			if _, ok := files["data/km/"+base]; ok {
				d.KmName = "data/km/" + base
			}
			rv.Files = append(rv.Files, d)
		}
	}
	// report.json first, then the tables in the order of the report.
	sort.Slice(rv.Files, func(i, j int) bool {
		oi, oj := fileOrder(rv.Files[i].Name), fileOrder(rv.Files[j].Name)
		if oi != oj {
			return oi < oj
		}
		return rv.Files[i].Name < rv.Files[j].Name
	})
	s.render(w, r, http.StatusOK, "reports.html", s.newPage(r, "reports.heading", rv))
}

var fileOrders = []string{"report.json", "national.csv", "facilities.csv", "trend.csv", "releases_by_mechanism.csv", "releases_by_facility.csv",
	"releases_by_province.csv", "releases_by_group.csv", "pledges.csv", "declared_figures.csv", "declarations.csv", "declared_totals.csv", "observed.csv", "reforms.csv"}

func fileOrder(name string) int {
	if i := slices.Index(fileOrders, path.Base(name)); i >= 0 {
		return i
	}
	return len(fileOrders)
}

// reportFiles returns the files of the report of asOf (NoDate: the latest)
// and the date it is for; when there is none it has answered the request
// itself, with the reason, and ok is false.
// The page (index.html) is in the reader's language.
func (s *Server) reportFiles(w http.ResponseWriter, r *http.Request, asOf domain.Date) (files map[string][]byte, day domain.Date, ok bool) {
	e, err := s.reportCache.GetFor(r.Context(), asOf, remote(r), principal(r))
	if err != nil {
		s.noReport(w, r, err)
		return nil, day, false
	}
	if files, err = e.FilesIn(i18n.Lang(langOf(r))); err != nil {
		s.fail(w, r, err)
		return nil, e.AsOf, false
	}
	return files, e.AsOf, true
}

// reportFile serves a file of the report of a date: the page (index.html,
// also at /reports/{date}/), its stylesheet, and the open data under data/.
// The page's own links are relative, so it works here as in a published
// folder.
func (s *Server) reportFile(w http.ResponseWriter, r *http.Request) {
	asOf, err := parseAsOf(r.PathValue("date"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := r.PathValue("file")
	if name == "" {
		name = "index.html"
	}
	files, asOf, ok := s.reportFiles(w, r, asOf)
	if !ok {
		return
	}
	b, ok := files[name]
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, langOf(r).T("report.nofile"))
		return
	}
	h := w.Header()
	ct := mime.TypeByExtension(path.Ext(name))
	switch path.Ext(name) {
	case ".csv":
		ct = "text/csv; charset=utf-8"
	case ".json":
		ct = "application/json"
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	if strings.HasPrefix(name, "data/") {
		h.Set("Content-Disposition", `attachment; filename="habeas-`+asOf.String()+"-"+path.Base(name)+`"`)
	}
	// The page is in the reader's language: chosen by the cookie, else by
	// Accept-Language.
	h.Add("Vary", "Accept-Language, Cookie")
	w.Write(b)
}

func (s *Server) pledges(w http.ResponseWriter, r *http.Request) {
	v, ok := s.publicView(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "pledges.html", s.newPage(r, "pledges.heading", v))
}

func (s *Server) openData(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "data.html", s.newPage(r, "data.heading", nil))
}

// facilitiesCSV is the report's facility table (CSV with HXL hashtags in
// the second row, hidden counts as "*"), kept at the address it has
// always had.
func (s *Server) facilitiesCSV(w http.ResponseWriter, r *http.Request) {
	asOf, err := s.asOfParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	files, asOf, ok := s.reportFiles(w, r, asOf)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="habeas-facilities-`+asOf.String()+`.csv"`)
	w.Write(files["data/facilities.csv"])
}

func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	l := Lang(r.PathValue("lang"))
	if !slices.Contains([]Lang{English, Khmer}, l) {
		s.errorPage(w, r, http.StatusNotFound, "No such language.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: string(l), Path: "/", MaxAge: 365 * 86400, SameSite: http.SameSiteLaxMode, Secure: s.secure, HttpOnly: true})
	http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
}

// errEmpty: the register is empty, there is no report yet.
var errEmpty = report.ErrEmpty
