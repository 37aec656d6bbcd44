package web

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/disclosure"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/i18n"
	"github.com/habeas-kh/habeas/internal/report"
)

// page is what every template renders: the request's language and user,
// and the page's own data.
type page struct {
	Lang   Lang
	User   *auth.Principal
	Path   string
	Title  string
	Data   any
	Errors []fieldMsg
	Flash  string
	Form   url.Values
	// Labels is the prefix of the message keys of the form's field labels
	// ("user."), for the error list; empty: fields are named as sent.
	Labels string
	// Synthetic: the register is the demo's; every page says so.
	Synthetic bool
}

type fieldMsg struct{ Field, Msg string }

// When is a moment of the audit trail: the date in words and the time of
// day (UTC), in the language's digits.
func (p *page) When(t time.Time) string {
	t = t.UTC()
	return p.Lang.Date(domain.DateOf(t)) + " " + p.Lang.digits(t.Format("15:04:05"))
}

// On is the day of a moment, in words.
func (p *page) On(t time.Time) string { return p.Lang.Date(domain.DateOf(t.UTC())) }

// FieldLabel is how the error list names a field of the page's form: its
// label when the page gives its labels' keys (Labels), else its name.
func (p *page) FieldLabel(field string) string {
	if p.Labels == "field." {
		return p.Lang.fieldLabel(field)
	}
	if p.Labels != "" && hasMessage(p.Labels+field) {
		return p.T(p.Labels + field)
	}
	return field
}

// T is the text of key, with args formatted into it.
func (p *page) T(key string, args ...any) string {
	s := p.Lang.T(key)
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

func (p *page) Num(n int) string          { return p.Lang.Num(n) }
func (p *page) Num64(n uint64) string     { return p.Lang.digits(strconv.FormatUint(n, 10)) }
func (p *page) Pct(f float64) string      { return p.Lang.Pct(f) }
func (p *page) Dec(f float64) string      { return p.Lang.Dec(f) }
func (p *page) Share(f float64) string    { return p.Lang.Pct(100 * f) }
func (p *page) Year(y int) string         { return p.Lang.digits(strconv.Itoa(y)) }
func (p *page) Date(d domain.Date) string { return p.Lang.Date(d) }
func (p *page) Khmer() bool               { return p.Lang == Khmer }

// ListDate is a date in a list: ISO in English, where it is short and
// sorts, and in Khmer words on a Khmer page, which never shows ISO dates
// (the glossary). Empty for no date.
func (p *page) ListDate(d domain.Date) string {
	switch {
	case d == domain.NoDate:
		return ""
	case p.Lang == Khmer:
		return p.Lang.Date(d)
	}
	return d.String()
}

// PackLang marks text with no Khmer yet as English on a Khmer page: the
// rule pack's titles and reasons (the built-in pack has no Khmer, and a
// pack a user loads may have none), the report's notes and what a pledge
// counts (written by the services in English). The reader is told the text
// is not in their language.
func (p *page) PackLang() template.HTMLAttr {
	if p.Lang == Khmer {
		return ` lang="en"`
	}
	return ""
}

// Locale is the page's language for the packages that format in it
// (internal/i18n): the printable report's notes and sources.
func (p *page) Locale() i18n.Lang { return i18n.Lang(p.Lang) }

// PackIn is a text of the rule pack in the page's language: its Khmer (km,
// from the pack's title_km, reason_km ...) on a Khmer page when the pack
// gives one, else its English. PackLangOf marks the English so.
func (p *page) PackIn(km, en string) string {
	if p.Lang == Khmer && km != "" {
		return km
	}
	return en
}

// PackLangOf marks a text of the pack as English on a Khmer page when the
// pack gives no Khmer for it (km is empty).
func (p *page) PackLangOf(km string) template.HTMLAttr {
	if p.Lang == Khmer && km == "" {
		return ` lang="en"`
	}
	return ""
}
func (p *page) Can(perm string) bool { return p.User.Can(perms[perm]) }

// Monitoring: the user belongs to a monitoring organisation (the concern
// markers page is theirs).
func (p *page) Monitoring() bool    { return inMonitoringOrg(p.User) }
func (p *page) Val(k string) string { return p.Form.Get(k) }

// Label is the label of a form's field (FieldLabel's "field." labels);
// a field of a repeated row is labelled as its column, under the row's legend.
func (p *page) Label(k string) string {
	if i := strings.LastIndexByte(k, '_'); i > 0 && !hasMessage("field."+k) {
		if _, err := strconv.Atoi(k[i+1:]); err == nil {
			k = k[:i]
		}
	}
	return p.Lang.fieldLabel(k)
}
func (p *page) Selected(k, v string) bool { return p.Form.Get(k) == v }

// Checked: v is one of the values given for k (a group of checkboxes).
func (p *page) Checked(k, v string) bool {
	for _, x := range p.Form[k] {
		if x == v {
			return true
		}
	}
	return false
}
func (p *page) HasError(field string) bool {
	for _, e := range p.Errors {
		if e.Field == field || strings.HasPrefix(e.Field, field+".") {
			return true
		}
	}
	return false
}

// Err is the message for a form field, if any.
func (p *page) Err(field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Msg
		}
	}
	return ""
}

// OtherLang is the language the switch offers.
func (p *page) OtherLang() Lang {
	if p.Lang == Khmer {
		return English
	}
	return Khmer
}

var perms = map[string]auth.Perm{"register": auth.ReadRegister, "pseudo": auth.ReadPseudonymised, "screening": auth.ReadScreening,
	"custody": auth.RecordCustody, "health": auth.ReadHealth, "legal": auth.RecordLegal, "users": auth.ManageUsers, "pledges": auth.EditPledges,
	"visits": auth.RecordVisits}

func (s *Server) newPage(r *http.Request, title string, data any) *page {
	return &page{Lang: langOf(r), User: principal(r), Path: r.URL.RequestURI(), Title: title, Data: data, Form: url.Values{},
		Synthetic: s.synthetic(r)}
}

// synthetic reports whether the register is the demo's. Not knowing (the
// database failing) shows no banner; the page that reads the database says
// what failed.
func (s *Server) synthetic(r *http.Request) bool {
	if s.reportCache == nil {
		return false
	}
	synth, err := s.reportCache.Synthetic(r.Context())
	if err != nil {
		s.logOf(r.Context()).Warn("reading whether the register is synthetic", "err", err)
	}
	return synth
}

// render writes a page. It renders into a buffer first, so a template error
// gives a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	t, ok := s.pages[name]
	if !ok {
		s.fail(w, r, fmt.Errorf("no template %s", name))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.logOf(r.Context()).Error("rendering", "page", name, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Add("Vary", "Accept-Language, Cookie") // the language is chosen from them
	if p.User != nil {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	p := s.newPage(r, "error.heading", nil)
	p.Flash = msg
	s.render(w, r, status, "error.html", p)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// localPath keeps a redirect target on this site. A browser reads a
// Location header after its own normalisation (WHATWG URL): it drops ASCII
// tab, LF and CR anywhere, reads a backslash as a slash, and takes "//host"
// as scheme-relative. So the target is normalised the same way first, and
// kept only when the result is an absolute path with no scheme and no host;
// anything else, or any other control character, gives "/". The normalised
// form is what is returned, so the check and the redirect see one string.
func localPath(next string) string {
	norm := strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r':
			return -1
		case '\\':
			return '/'
		}
		return r
	}, next)
	if norm == "" || norm[0] != '/' || strings.HasPrefix(norm, "//") ||
		strings.IndexFunc(norm, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return "/"
	}
	u, err := url.Parse(norm)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	return norm
}

// TOr is the text of key, or fallback when the catalogue has none (labels
// that come with the report's data).
func (p *page) TOr(key, fallback string) string {
	if hasMessage(key) {
		return p.Lang.T(key)
	}
	return fallback
}

// Fig is a national figure of the report, in its unit.
func (p *page) Fig(f report.Figure) string {
	if f.Unit == "percent" {
		return p.Lang.Pct(f.Value)
	}
	return p.Lang.Num(int(f.Value))
}

// shareText is what a link to a page shows when it is shared: its title
// and a line with the headline figures and their date.
type shareText struct{ Title, Desc string }

// Share is the sharing text of the dashboard; other pages share their
// title only.
func (p *page) Sharing() *shareText {
	v, ok := p.Data.(*dashView)
	if !ok || v == nil || v.R == nil {
		return nil
	}
	fig := map[string]report.Figure{}
	for _, f := range v.R.National {
		fig[f.Key] = f
	}
	date := p.Day(v.R.AsOf)
	st := &shareText{Title: p.T("dash.heading", date)}
	if f, ok := fig["population"]; ok {
		st.Title += " — " + p.T("share.held", p.Fig(f))
		parts := []string{p.T("share.held_in", p.Fig(f))}
		if o, ok := fig["occupancy_pct"]; ok {
			parts = append(parts, p.T("share.occupancy", p.Fig(o)))
		}
		if u, ok := fig["pretrial"]; ok {
			parts = append(parts, p.T("share.pretrial", p.Fig(u)))
		}
		if h, ok := fig["held_without_basis"]; ok {
			parts = append(parts, p.T("share.unlawful", p.Fig(h)))
		}
		st.Desc = p.T("share.as_of", date) + " " + strings.Join(parts, "; ") + "."
	}
	return st
}

// PublicPage is a page of the public side, which carries a line saying
// how to cite it.
func (p *page) PublicPage() bool { return !strings.HasPrefix(p.Path, "/staff") }

// Change is a headline figure's change since the previous month-end, with
// its sign ("+20", "−1.2 points"), or "" when there is none to show.
func (p *page) Change(f report.Figure) string {
	if f.Change == nil {
		return ""
	}
	v, sign := *f.Change, "+"
	if v < 0 {
		v, sign = -v, "−"
	}
	var s string
	switch {
	case v == 0:
		return p.T("headline.no_change")
	case f.Unit == "percent":
		s = fmt.Sprintf(p.T("headline.points"), p.Lang.Dec(v))
	default:
		s = p.Lang.Num(int(math.Round(v)))
	}
	return sign + s
}

// Stamp writes a moment the server recorded (RFC 3339) as a date in words
// and the time in UTC; anything else as it is.
func (p *page) Stamp(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	t = t.UTC()
	return p.Lang.Date(domain.MustDate(t.Format("2006-01-02"))) + ", " + p.Lang.digits(t.Format("15:04")) + " UTC"
}

// Rate is a rate per 100,000 with one decimal.
func (p *page) Rate(f *float64) string {
	if f == nil {
		return ""
	}
	return p.Lang.Dec(*f)
}

// Cell is a protected count: "*" when it is hidden, as in the report.
func (p *page) Cell(c report.Cell) string {
	if c.Suppressed || c.Value == nil {
		return disclosure.CSVMarker
	}
	return p.Lang.Num(*c.Value)
}

// Day writes a date of the report (YYYY-MM-DD, or "A to B" for a period)
// in words.
func (p *page) Day(s string) string {
	if a, b, ok := strings.Cut(s, " to "); ok {
		return p.Day(a) + " – " + p.Day(b)
	}
	d, err := domain.ParseDate(s)
	if err != nil {
		return s
	}
	return p.Lang.Date(d)
}

// N is a plain count in the language's digits.
func (p *page) N(n int) string { return p.Lang.Num(n) }

// Short is the start of a hash.
func (p *page) Short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}
