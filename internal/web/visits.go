package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/monitor"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/visits"
)

// The repeated groups of the visit form, each row's fields (the first
// row's plain, the next ones suffixed _2, _3...: rowSuffix).
var (
	cellFields = []string{"cell_label", "cell_use", "cell_area", "cell_people", "cell_water_points", "cell_litres", "cell_toilets",
		"cell_light", "cell_ventilation", "cell_sleeping"}
	ivFields  = []string{"iv_pseudonym", "iv_person", "iv_anonymous", "iv_consent", "iv_summary"}
	alFields  = []string{"al_kind", "al_date", "al_place", "al_interview", "al_account"}
	recFields = []string{"rec_id", "rec_text", "rec_addressee"}
	fuFields  = []string{"fu_rec", "fu_status", "fu_note"}
)

// visitForm is the visit form: the facilities the user may visit, the
// rows of each group (what the form holds, and one blank row more), and
// the recommendations of earlier visits to follow up.
type visitForm struct {
	Facilities                        []store.Facility
	Facility                          string
	CellRows, IvRows, AlRows, RecRows []string
	FuRows                            []string
	Uses, Adequacies, AllegKinds      []string
	Statuses                          []string
	Earlier                           []visits.Recommendation
	EarlierIDs                        []string
	HeadCategories                    []string
}

// visitsAllowed answers a request from someone who may not record visits,
// or a server without the visit service; it reports whether to go on.
func (s *Server) visitsAllowed(w http.ResponseWriter, r *http.Request) bool {
	pr := principal(r)
	switch {
	case !pr.Authenticated():
		s.fail(w, r, domain.ErrUnauthenticated)
	case s.visits == nil:
		s.fail(w, r, &domain.Error{Code: domain.ErrNotFound, Msg: "visits are not kept on this server"})
	case !pr.Can(auth.RecordVisits):
		s.fail(w, r, &domain.Error{Code: domain.ErrForbidden, Msg: pr.User + " may not " + auth.RecordVisits.String()})
	default:
		return true
	}
	return false
}

func (s *Server) visitForm(w http.ResponseWriter, r *http.Request) {
	if !s.visitsAllowed(w, r) {
		return
	}
	p := s.newPage(r, "visits.heading", nil)
	p.Form = url.Values{}
	if f := r.URL.Query().Get("facility"); f != "" {
		p.Form.Set("facility", f)
	}
	if seq := r.URL.Query().Get("saved"); seq != "" {
		if _, err := strconv.Atoi(seq); err == nil {
			p.Flash = p.T("form.saved", seq)
		}
	}
	s.renderVisitForm(w, r, http.StatusOK, p)
}

func (s *Server) renderVisitForm(w http.ResponseWriter, r *http.Request, status int, p *page) {
	pr := principal(r)
	facs, err := s.reg.Facilities(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &visitForm{Uses: optionStrings(domain.CellUses), Adequacies: optionStrings(domain.Adequacies),
		AllegKinds: optionStrings(domain.AllegationKinds), Statuses: optionStrings(domain.RecStatuses), HeadCategories: domain.HeadCategories}
	for _, f := range facs {
		if pr.CanIn(auth.RecordVisits, f.ID) {
			v.Facilities = append(v.Facilities, f)
		}
	}
	v.Facility = p.Form.Get("facility")
	if v.Facility != "" && pr.CanIn(auth.RecordVisits, v.Facility) {
		if v.Earlier, err = s.visits.Recommendations(r.Context(), pr, v.Facility); err != nil {
			s.fail(w, r, err)
			return
		}
		for _, e := range v.Earlier {
			v.EarlierIDs = append(v.EarlierIDs, e.ID)
		}
	}
	rows := func(fields []string, blank int) []string {
		n := min(max(rowsOf(p.Form, fields)+1, blank), maxRows)
		var sfx []string
		for i := range n {
			sfx = append(sfx, rowSuffix(i))
		}
		return sfx
	}
	v.CellRows, v.IvRows, v.AlRows, v.RecRows = rows(cellFields, 2), rows(ivFields, 1), rows(alFields, 1), rows(recFields, 1)
	// A row per earlier recommendation still to follow up, at least one.
	v.FuRows = rows(fuFields, max(len(v.Earlier), 1))
	p.Data = v
	s.render(w, r, status, "visit_form.html", p)
}

// optFloat reads a decimal that may be left blank (unknown).
func (r *formReader) optFloat(k string) *float64 {
	v := domain.LatinDigits(r.text(k, false))
	if v == "" {
		return nil
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
	if err != nil {
		r.bad(k, "msg.not_number", v)
		return nil
	}
	return &f
}

// optInt reads a whole number that may be left blank (unknown, not zero).
func (r *formReader) optInt(k string) *int {
	v := domain.LatinDigits(r.text(k, false))
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.bad(k, "msg.not_number", v)
		return nil
	}
	return &n
}

// visitFromForm reads the form as a visit event.
func visitFromForm(l Lang, f url.Values) (*domain.Event, error) {
	r := newFormReader(l, f)
	d := &domain.VisitData{ID: r.text("visit_id", true), Note: r.text("note", false)}
	for _, m := range strings.Split(r.text("team", true), ",") {
		if m = strings.TrimSpace(m); m != "" {
			d.Team = append(d.Team, m)
		}
	}
	d.Observed = domain.HeadCount{Total: r.optInt("obs_total"), Men: r.optInt("obs_men"), Women: r.optInt("obs_women"),
		Children: r.optInt("obs_children"), Pretrial: r.optInt("obs_pretrial"), Foreigners: r.optInt("obs_foreigners")}
	for i := range rowsOf(f, cellFields) {
		x := rowSuffix(i)
		area := r.optFloat("cell_area" + x)
		c := domain.CellMeasure{Label: r.text("cell_label"+x, true), Use: oneOf(r, "cell_use"+x, domain.CellUses, true),
			WaterPoints: r.optInt("cell_water_points" + x), LitresPerDay: r.optFloat("cell_litres" + x), Toilets: r.optInt("cell_toilets" + x),
			Light: oneOf(r, "cell_light"+x, domain.Adequacies, false), Ventilation: oneOf(r, "cell_ventilation"+x, domain.Adequacies, false),
			SleepingM2: r.optFloat("cell_sleeping" + x)}
		// The commonest slips are checked here, to be told in the
		// reader's language; the visit's rules check them again.
		switch {
		case area == nil:
			r.text("cell_area"+x, true)
		case !(*area > 0):
			r.bad("cell_area"+x, "msg.cell_area", r.lang.Dec(*area))
		default:
			c.AreaM2 = *area
		}
		if n := r.optInt("cell_people" + x); n != nil {
			c.People = *n
			if t := d.Observed.Total; t != nil && *n > *t {
				r.bad("cell_people"+x, "msg.cell_people", r.lang.Num(*n), r.lang.Num(*t))
			}
		} else {
			r.text("cell_people"+x, true)
		}
		d.Cells = append(d.Cells, c)
	}
	var rs domain.VisitRestricted
	for i := range rowsOf(f, ivFields) {
		x := rowSuffix(i)
		rs.Interviews = append(rs.Interviews, domain.Interview{Consent: r.check("iv_consent" + x), Anonymous: r.check("iv_anonymous" + x),
			Person: r.text("iv_person"+x, false), Pseudonym: r.text("iv_pseudonym"+x, false), Summary: r.text("iv_summary"+x, false)})
	}
	for i := range rowsOf(f, alFields) {
		x := rowSuffix(i)
		a := domain.Allegation{Kind: oneOf(r, "al_kind"+x, domain.AllegationKinds, true), Date: r.date("al_date"+x, true),
			Place: r.text("al_place"+x, true), Account: r.text("al_account"+x, false)}
		// The interview is numbered as the form shows it, from 1.
		if n := r.optInt("al_interview" + x); n != nil {
			k := *n - 1
			a.Interview = &k
		}
		rs.Allegations = append(rs.Allegations, a)
	}
	if len(rs.Interviews) > 0 || len(rs.Allegations) > 0 {
		d.Restricted = &rs
	}
	for i := range rowsOf(f, recFields) {
		x := rowSuffix(i)
		d.Recommendations = append(d.Recommendations, domain.Recommendation{ID: r.text("rec_id"+x, true), Text: r.text("rec_text"+x, true),
			Addressee: r.text("rec_addressee"+x, true)})
	}
	for i := range rowsOf(f, fuFields) {
		x := rowSuffix(i)
		// A row whose status is left blank follows nothing up: the form
		// offers a row per earlier recommendation.
		if strings.TrimSpace(f.Get("fu_status"+x)) == "" && strings.TrimSpace(f.Get("fu_note"+x)) == "" {
			continue
		}
		d.FollowUps = append(d.FollowUps, domain.FollowUp{Recommendation: r.text("fu_rec"+x, true), Status: oneOf(r, "fu_status"+x, domain.RecStatuses, true),
			Note: r.text("fu_note"+x, false)})
	}
	ev := &domain.Event{Kind: domain.KVisit, Date: r.date("date", true), Facility: r.text("facility", true), Data: d}
	return ev, r.err()
}

// sameField reports whether verr is about a field err already names.
func sameField(err, verr error) bool {
	var v *domain.Error
	if !errors.As(verr, &v) {
		return false
	}
	f := visitField(v.Field)
	var found bool
	var walk func(error)
	walk = func(e error) {
		switch u := e.(type) {
		case *domain.Error:
			found = found || u.Field == f
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
	return found
}

// visitFieldOrder orders the messages as the form shows its fields.
func visitFieldOrder(f string) int {
	for i, p := range []string{"facility", "date", "visit_id", "team", "obs_", "cell_", "iv_", "al_", "rec_", "fu_", "note"} {
		if strings.HasPrefix(f, p) {
			return i
		}
	}
	return 99
}

// visitField maps a visit's field path (data.cells[1].area_m2) to the
// form's field (cell_area_2).
func visitField(f string) string {
	// formErrors has taken "data." off already.
	for _, p := range []string{"id", "team", "observed.", "cells[", "restricted", "recommendations[", "follow_ups["} {
		if strings.HasPrefix(f, p) && f != "team_" {
			f = "data." + f
			break
		}
	}
	plain := map[string]string{"data.id": "visit_id", "data.team": "team", "data.note": "note", "data.restricted": "iv_summary"}
	if v, ok := plain[f]; ok {
		return v
	}
	if c, ok := strings.CutPrefix(f, "data.observed."); ok {
		return "obs_" + c
	}
	if strings.HasPrefix(f, "data.team[") {
		return "team"
	}
	groups := []struct {
		prefix, form string
		fields       map[string]string
	}{
		{"data.cells[", "cell_", map[string]string{"area_m2": "area", "litres_per_day": "litres", "sleeping_m2": "sleeping"}},
		{"data.restricted.interviews[", "iv_", nil},
		{"data.restricted.allegations[", "al_", nil},
		{"data.recommendations[", "rec_", nil},
		{"data.follow_ups[", "fu_", map[string]string{"recommendation": "rec"}},
	}
	for _, g := range groups {
		rest, ok := strings.CutPrefix(f, g.prefix)
		if !ok {
			continue
		}
		n, field, _ := strings.Cut(rest, "]")
		i, err := strconv.Atoi(n)
		if err != nil {
			return f
		}
		field = strings.TrimPrefix(field, ".")
		if m, ok := g.fields[field]; ok {
			field = m
		}
		return g.form + field + rowSuffix(i)
	}
	return f
}

func (s *Server) addVisit(w http.ResponseWriter, r *http.Request) {
	pr := principal(r)
	if !s.visitsAllowed(w, r) {
		return
	}
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	// "More rows" and choosing the facility come back with the form as
	// typed, a blank row more and the facility's earlier recommendations.
	if r.PostForm.Get("more") != "" {
		p := s.newPage(r, "visits.heading", nil)
		p.Form = r.PostForm
		s.renderVisitForm(w, r, http.StatusOK, p)
		return
	}
	ev, err := visitFromForm(langOf(r), r.PostForm)
	if err != nil {
		// The form's own problems (a blank required field, a word for a
		// number), and the first the visit's rules find in what could be
		// read (a zero area, more people in a cell than were counted):
		// all shown at once, so that the clerk corrects them in one go.
		if verr := ev.Validate(time.Now()); verr != nil && !sameField(err, verr) {
			err = errors.Join(err, verr)
		}
	}
	var seq int64
	if err == nil {
		var seqs []int64
		seqs, err = s.visits.Record(r.Context(), pr, ev)
		if err == nil {
			seq = seqs[0]
		}
		s.invalidate()
	}
	if err != nil {
		p, ok := s.refusedForm(w, r, err, "visits.heading", visitField)
		if !ok {
			return
		}
		p.Labels = "field."
		slices.SortStableFunc(p.Errors, func(a, b fieldMsg) int { return visitFieldOrder(a.Field) - visitFieldOrder(b.Field) })
		s.renderVisitForm(w, r, http.StatusBadRequest, p)
		return
	}
	http.Redirect(w, r, "/staff/visits/indicators?facility="+url.QueryEscape(ev.Facility)+"&saved="+strconv.FormatInt(seq, 10), http.StatusSeeOther)
}

// indicatorsView is a facility's indicators over its visits.
type indicatorsView struct {
	Facilities []store.Facility
	Facility   string
	Name       string
	F          *visits.Facility
	P          monitor.Params
}

func (s *Server) visitIndicators(w http.ResponseWriter, r *http.Request) {
	pr := principal(r)
	if !pr.Authenticated() {
		s.fail(w, r, domain.ErrUnauthenticated)
		return
	}
	if s.visits == nil {
		s.fail(w, r, &domain.Error{Code: domain.ErrNotFound, Msg: "visits are not kept on this server"})
		return
	}
	facs, err := s.reg.Facilities(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &indicatorsView{P: monitor.DefaultParams}
	for _, f := range facs {
		if pr.CanIn(auth.RecordVisits, f.ID) || pr.CanIn(auth.ReadScreening, f.ID) {
			v.Facilities = append(v.Facilities, f)
		}
	}
	if len(v.Facilities) == 0 {
		s.fail(w, r, &domain.Error{Code: domain.ErrForbidden, Msg: pr.User + " may not read the visits to any facility"})
		return
	}
	v.Facility = r.URL.Query().Get("facility")
	if v.Facility == "" {
		v.Facility = v.Facilities[0].ID
	}
	for _, f := range facs {
		if f.ID == v.Facility {
			v.Name = f.Name
		}
	}
	p := s.newPage(r, "ind.heading", nil)
	if seq := r.URL.Query().Get("saved"); seq != "" {
		if _, err := strconv.Atoi(seq); err == nil {
			p.Flash = p.T("form.saved", seq)
		}
	}
	if v.Facility != "" {
		if v.F, err = s.visits.Facility(r.Context(), pr, v.Facility, v.P); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	p.Data = v
	s.render(w, r, http.StatusOK, "visit_indicators.html", p)
}
