package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/stats"
	"github.com/habeas-kh/habeas/internal/store"
)

// Public pages show aggregates only. Counts of small groups per facility are
// protected: 1 to 4 is shown as "<5", and when a column has exactly one such
// cell the next smallest is hidden too, so it cannot be worked out from the
// national total. (The transparency reports apply their own, fuller rules.)
const minShown = 5

type cell struct {
	N          int
	Suppressed bool
}

type facRow struct {
	stats.FacilityStats
	Women, Minors, Children cell
}

type trendPoint struct {
	Date       domain.Date
	Population int
	Capacity   int
}

type dashView struct {
	S          *stats.Stats
	AsOf       domain.Date
	Year       int
	Facilities []facRow
	Trend      []trendPoint
	Releases   *stats.Period
	OccChart   template.HTML
	TrendChart template.HTML
	StatChart  template.HTML
	RelChart   template.HTML
	html       []byte // the page rendered for the public, once
	gz         []byte // and gzipped
}

// dashCache keeps the dashboard of the current ledger head: computing it on a
// national register takes seconds, serving it must not.
type dashCache struct {
	mu      sync.Mutex
	head    store.Head
	latest  domain.Date
	checked time.Time // when head was last read from the database
	views   map[string]*dashView
}

// headTTL is how long the dashboard trusts the ledger head it read: writes
// through this server invalidate it at once, writes by other processes (an
// import) show within this time. It spares the database two queries per view.
const headTTL = time.Second

// invalidate makes the next view read the head again.
func (s *Server) invalidate() {
	s.dash.mu.Lock()
	s.dash.checked = time.Time{}
	s.dash.mu.Unlock()
}

func suppress(vals []int) []cell {
	out := make([]cell, len(vals))
	small := 0
	for i, v := range vals {
		out[i].N = v
		if v > 0 && v < minShown {
			out[i].Suppressed = true
			small++
		}
	}
	if small == 1 {
		// Secondary suppression: the smallest other non-zero count.
		best := -1
		for i, v := range vals {
			if !out[i].Suppressed && v > 0 && (best < 0 || v < vals[best]) {
				best = i
			}
		}
		if best >= 0 {
			out[best].Suppressed = true
		}
	}
	return out
}

func (s *Server) dashboardView(ctx context.Context, l Lang, asOf domain.Date) (*dashView, error) {
	c := &s.dash
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.checked) >= headTTL {
		head, err := s.db.Head(ctx)
		if err != nil {
			return nil, err
		}
		latest, err := s.db.LatestDate(ctx)
		if err != nil {
			return nil, err
		}
		if c.head != head || c.latest != latest || c.views == nil || len(c.views) > 32 {
			c.head, c.latest, c.views = head, latest, map[string]*dashView{}
		}
		c.checked = time.Now()
	}
	if asOf == domain.NoDate {
		asOf = c.latest
	}
	if asOf == domain.NoDate {
		return nil, nil
	}
	key := string(l) + asOf.String()
	if v, ok := c.views[key]; ok {
		return v, nil
	}
	year := asOf.Year()
	st, err := stats.Compute(ctx, s.db, asOf, stats.Options{From: domain.MakeDate(year, 1, 1)})
	if err != nil {
		return nil, fmt.Errorf("computing the figures as of %s: %w", asOf, err)
	}
	v := &dashView{S: st, AsOf: asOf, Year: year, Releases: st.Period}
	var women, minors, children []int
	var facs []stats.FacilityStats
	for _, f := range st.Facilities {
		if f.Population > 0 || f.Capacity > 0 {
			facs = append(facs, f)
		}
	}
	for _, f := range facs {
		women, minors, children = append(women, f.Women), append(minors, f.Minors), append(children, f.Children)
	}
	sw, sm, sc := suppress(women), suppress(minors), suppress(children)
	for i, f := range facs {
		v.Facilities = append(v.Facilities, facRow{FacilityStats: f, Women: sw[i], Minors: sm[i], Children: sc[i]})
	}
	// The trend: 31 December of each year since 2016, and the date itself.
	for y := 2016; y < year; y++ {
		d := domain.MakeDate(y, 12, 31)
		ts, err := stats.Compute(ctx, s.db, d, stats.Options{})
		if err != nil {
			return nil, fmt.Errorf("computing the figures as of %s: %w", d, err)
		}
		v.Trend = append(v.Trend, trendPoint{d, ts.Population, ts.Capacity})
	}
	v.Trend = append(v.Trend, trendPoint{asOf, st.Population, st.Capacity})
	s.charts(v, l)
	c.views[key] = v
	return v, nil
}

func (s *Server) charts(v *dashView, l Lang) {
	var occ []bar
	for _, f := range v.Facilities {
		if stats.InSystem(domain.FacilityKind(f.Kind)) && f.Capacity > 0 {
			occ = append(occ, bar{Label: f.Name, Value: f.OccupancyPct, Text: l.Pct(f.OccupancyPct)})
		}
	}
	sort.SliceStable(occ, func(i, j int) bool { return occ[i].Value > occ[j].Value })
	v.OccChart = hbars(l.T("dash.byfacility"), occ, 100, l.T("dash.capacity_line"))
	var xs []string
	var pop, capa []float64
	for _, t := range v.Trend {
		xs = append(xs, l.digits(strconv.Itoa(t.Date.Year())))
		pop, capa = append(pop, float64(t.Population)), append(capa, float64(t.Capacity))
	}
	v.TrendChart = lines(l.T("dash.trend"), xs, []series{{l.T("dash.population"), "pop", pop}, {l.T("dash.capacity"), "cap", capa}},
		func(f float64) string { return l.Num(int(f + 0.5)) })
	var sts []bar
	for _, c := range v.S.ByStatus {
		sts = append(sts, bar{Label: l.T("status." + c.Key), Value: float64(c.Count), Text: l.Num(c.Count)})
	}
	v.StatChart = hbars(l.T("dash.bystatus"), sts, 0, "")
	if v.Releases != nil {
		var rel []bar
		for _, c := range v.Releases.ReleasedBy {
			rel = append(rel, bar{Label: l.T("mech." + c.Key), Value: float64(c.Count), Text: l.Num(c.Count)})
		}
		v.RelChart = hbars(fmt.Sprintf(l.T("dash.releases"), l.digits(strconv.Itoa(v.Year))), rel, 0, "")
	}
}

func (s *Server) asOfParam(r *http.Request) (domain.Date, error) {
	v := r.URL.Query().Get("as_of")
	if v == "" {
		return domain.NoDate, nil
	}
	d, err := domain.ParseDate(v)
	if err != nil {
		return 0, &inputError{Field: "as_of", Msg: err.Error()}
	}
	if d.Year() < 2000 || d.Year() > 2100 {
		return 0, &inputError{Field: "as_of", Msg: "must be between 2000 and 2100"}
	}
	return d, nil
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	asOf, err := s.asOfParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := langOf(r)
	v, err := s.dashboardView(r.Context(), l, asOf)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if v == nil {
		s.errorPage(w, r, http.StatusNotFound, "The register is empty.")
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
	h.Set("Vary", "Accept-Encoding, Cookie")
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		w.Write(gz)
		return
	}
	w.Write(body)
}

func (s *Server) reports(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "reports.html", s.newPage(r, "reports.heading", nil))
}

func (s *Server) pledges(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "pledges.html", s.newPage(r, "pledges.heading", nil))
}

func (s *Server) openData(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "data.html", s.newPage(r, "data.heading", nil))
}

// facilitiesCSV is the facility figures with HXL hashtags in the second row
// (the Humanitarian Data Exchange convention). Small group counts are
// suppressed as on the dashboard.
func (s *Server) facilitiesCSV(w http.ResponseWriter, r *http.Request) {
	asOf, err := s.asOfParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.dashboardView(r.Context(), English, asOf)
	if err != nil || v == nil {
		if err == nil {
			err = fmt.Errorf("the register is empty: %w", errEmpty)
		}
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="habeas-facilities-`+v.AsOf.String()+`.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"date", "facility_id", "facility", "kind", "province", "population", "capacity", "occupancy_pct", "pretrial", "women", "minors", "children_with_mothers"})
	cw.Write([]string{"#date", "#loc+code", "#loc+name", "#loc+type", "#adm1+name", "#population", "#capacity", "#indicator+occupancy+pct", "#population+pretrial", "#population+f", "#population+minors", "#population+children"})
	c := func(x cell) string {
		if x.Suppressed {
			return "<5"
		}
		return strconv.Itoa(x.N)
	}
	for _, f := range v.Facilities {
		cw.Write([]string{v.AsOf.String(), f.ID, f.Name, f.Kind, f.Province, strconv.Itoa(f.Population), strconv.Itoa(f.Capacity),
			strconv.FormatFloat(f.OccupancyPct, 'f', 1, 64), strconv.Itoa(f.Pretrial), c(f.Women), c(f.Minors), c(f.Children)})
	}
	cw.Flush()
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

var errEmpty = fmt.Errorf("no data")

// inputError is a bad query parameter or form field.
type inputError = auth.InputError
