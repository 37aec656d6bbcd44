package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/markers"
)

// markersView is the staff page of a monitoring organisation's concern
// markers: the form and the organisation's own markers.
type markersView struct {
	Categories  []string
	SourceKinds []string
	Markers     []markers.Marker
}

// inMonitoringOrg reports whether p is a user of a monitoring organisation,
// for whom the markers page is offered.
func inMonitoringOrg(p *auth.Principal) bool {
	return p.Authenticated() && p.OrgKind == auth.OrgMonitoring
}

// markersAllowed answers a request from outside a monitoring organisation
// (before anything is read: it learns nothing from the answer) and from a
// server that keeps no markers; it reports whether to go on.
func (s *Server) markersAllowed(w http.ResponseWriter, r *http.Request) bool {
	pr := principal(r)
	switch {
	case !pr.Authenticated():
		s.fail(w, r, domain.ErrUnauthenticated)
	case !inMonitoringOrg(pr):
		s.fail(w, r, &domain.Error{Code: domain.ErrForbidden, Msg: pr.User + " is not a user of a monitoring organisation"})
	case s.markers == nil:
		s.fail(w, r, &domain.Error{Code: domain.ErrNotFound, Msg: "concern markers are not kept on this server"})
	default:
		return true
	}
	return false
}

func (s *Server) markersPage(w http.ResponseWriter, r *http.Request) {
	if !s.markersAllowed(w, r) {
		return
	}
	p := s.newPage(r, "markers.heading", nil)
	if seq := r.URL.Query().Get("saved"); seq != "" {
		if _, err := strconv.Atoi(seq); err == nil {
			p.Flash = p.T("form.saved", seq)
		}
	}
	s.renderMarkers(w, r, http.StatusOK, p)
}

// renderMarkers reads the organisation's markers (the service refuses
// anyone outside it, and audits the read) and shows the page.
func (s *Server) renderMarkers(w http.ResponseWriter, r *http.Request, status int, p *page) {
	ms, err := s.markers.List(r.Context(), principal(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Data = &markersView{Categories: domain.MarkerCategories, SourceKinds: markers.SourceKinds, Markers: ms}
	s.render(w, r, status, "markers.html", p)
}

// markerFromForm reads the form. One source per form: a marker resting on
// several is recorded from the command line, or amended later.
func markerFromForm(l Lang, f url.Values) (markers.NewMarker, error) {
	r := newFormReader(l, f)
	n := markers.NewMarker{Date: r.date("date", true), Category: r.text("category", true),
		Record: markers.Record{Person: r.text("person", false), Pseudonym: r.text("pseudonym", false),
			Facility: r.text("facility", false), Note: r.text("note", false)}}
	if src := (markers.Source{Kind: r.text("source_kind", false), Reference: r.text("source_reference", false), Date: r.date("source_date", false)}); src != (markers.Source{}) {
		n.Record.Sources = []markers.Source{src}
	}
	return n, r.err()
}

// markerField maps the service's field names to the form's.
func markerField(f string) string {
	switch f {
	case "sources", "sources[0].reference":
		return "source_reference"
	case "sources[0].kind":
		return "source_kind"
	case "sources[0].date":
		return "source_date"
	}
	return f
}

func (s *Server) addMarker(w http.ResponseWriter, r *http.Request) {
	pr := principal(r)
	if !s.markersAllowed(w, r) {
		return
	}
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := markerFromForm(langOf(r), r.PostForm)
	var seq int64
	if err == nil {
		seq, err = s.markers.Add(r.Context(), pr, n)
		s.invalidate()
	}
	if err != nil {
		p, ok := s.refusedForm(w, r, err, "markers.heading", markerField)
		if !ok {
			return
		}
		s.renderMarkers(w, r, http.StatusBadRequest, p)
		return
	}
	http.Redirect(w, r, "/staff/markers?saved="+strconv.FormatInt(seq, 10), http.StatusSeeOther)
}
