package web

import (
	"crypto/rand"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/registry"
	"github.com/habeas-kh/habeas/internal/store"
)

// formView is what an event form needs.
type formView struct {
	Kind       string
	Person     *registry.PersonView
	Facilities []store.Facility
	Statuses   []domain.LegalStatus
	Mechanisms []domain.Mechanism
	OrderKinds []domain.OrderKind
	Classes    []domain.OffenceClass
	Parties    []string // who may appeal
	Action     string
}

func (s *Server) newFormView(r *http.Request, kind string) (*formView, error) {
	facs, err := s.reg.Facilities(r.Context())
	if err != nil {
		return nil, err
	}
	if kind == "admission" {
		if facs, err = s.reg.RecordableFacilities(r.Context(), principal(r)); err != nil {
			return nil, err
		}
	}
	return &formView{Kind: kind, Facilities: facs, Statuses: domain.LegalStatuses, Mechanisms: domain.Mechanisms,
		OrderKinds: domain.OrderKinds, Classes: domain.OffenceClasses, Parties: appealParties}, nil
}

func (s *Server) admitForm(w http.ResponseWriter, r *http.Request) {
	pr := principal(r)
	if err := pr.Require(auth.RecordCustody, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	fv, err := s.newFormView(r, "admission")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fv.Action = "/staff/admit"
	p := s.newPage(r, "nav.admit", fv)
	p.Form.Set("idempotency_key", rand.Text())
	p.Form.Set("dob_basis", "declared")
	p.Form.Set("status", string(domain.StatusPretrial))
	s.render(w, r, http.StatusOK, "admit.html", p)
}

// formErrors turns invalid input into messages next to the form's fields:
// every invalid-input error that err holds, as the form reader joins them
// (one per field, in the form's order) or as a service returns one. Other
// errors are failures of the request, as Server.status answers them.
func (s *Server) formErrors(err error) ([]fieldMsg, bool) {
	if domain.ErrorCode(err) != domain.ErrInvalid {
		return nil, false
	}
	var msgs []fieldMsg
	var walk func(error)
	walk = func(err error) {
		switch u := err.(type) {
		case *domain.Error:
			if field, msg, ok := domain.FieldOf(u); ok {
				msgs = append(msgs, fieldMsg{formField(field), msg})
			}
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			if e := u.Unwrap(); e != nil {
				walk(e)
			}
		}
	}
	walk(err)
	return msgs, len(msgs) > 0
}

// formField maps an event field path to the form's field name.
func formField(f string) string {
	if _, rest, ok := strings.Cut(f, "]."); ok && strings.HasPrefix(f, "events[") {
		f = rest // the path within the entry's batch of events
	}
	switch {
	case f == "person":
		return "person_id"
	case strings.HasPrefix(f, "data.order."):
		return "order_" + strings.TrimPrefix(f, "data.order.")
	case strings.HasPrefix(f, "data.case.charges"):
		return "offence"
	case strings.HasPrefix(f, "data.sentence"):
		return "sentence_months"
	}
	return strings.TrimPrefix(f, "data.")
}

func (s *Server) admit(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	pr := principal(r)
	if err := pr.Require(auth.RecordCustody, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	evs, err := admissionEvents(r.PostForm, true)
	var seqs []int64
	if err == nil {
		seqs, err = s.recordOnce(r, pr, evs)
	}
	if err != nil {
		s.formFailed(w, r, err, "admission", "/staff/admit", nil)
		return
	}
	http.Redirect(w, r, "/staff/persons/"+url.PathEscape(evs[0].Person)+"?saved="+strconv.FormatInt(seqs[len(seqs)-1], 10), http.StatusSeeOther)
}

func (s *Server) formFailed(w http.ResponseWriter, r *http.Request, err error, kind, action string, pv *registry.PersonView) {
	msgs, ok := s.formErrors(err)
	if !ok {
		s.fail(w, r, err)
		return
	}
	fv, ferr := s.newFormView(r, kind)
	if ferr != nil {
		s.fail(w, r, ferr)
		return
	}
	fv.Action, fv.Person = action, pv
	p := s.newPage(r, "event."+kind, fv)
	p.Form, p.Errors = r.PostForm, msgs
	name := "record.html"
	if action == "/staff/admit" {
		name = "admit.html"
	}
	s.render(w, r, http.StatusBadRequest, name, p)
}

var recordKinds = map[string]bool{"admission": true, "transfer": true, "hearing": true, "order_extension": true,
	"verdict": true, "release": true, "correction": true, "appeal": true, "dismissal": true}

// formEventKind is the kind of event a form records: its own name, but for
// the dismissal form, which records a verdict dismissing the charges.
func formEventKind(form string) domain.Kind {
	if form == "dismissal" {
		return domain.KVerdict
	}
	return domain.Kind(form)
}

// appealParties are who may appeal, as the appeal form offers them.
var appealParties = []string{"prosecution", "defence"}

func (s *Server) recordForm(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	if !recordKinds[kind] {
		s.errorPage(w, r, http.StatusNotFound, "No such form.")
		return
	}
	pv, err := s.reg.Person(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The form is offered only to those who may record it.
	if err := principal(r).Require(registry.Required(formEventKind(kind)), pv.Person.Facility); err != nil {
		s.fail(w, r, err)
		return
	}
	fv, err := s.newFormView(r, kind)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fv.Person, fv.Action = pv, "/staff/persons/"+url.PathEscape(pv.Person.ID)+"/record/"+kind
	p := s.newPage(r, "event."+kind, fv)
	p.Form.Set("idempotency_key", rand.Text())
	p.Form.Set("date", pv.AsOf.String())
	if c := pv.State.Case; c != nil {
		p.Form.Set("case", c.ID)
	}
	if t := r.URL.Query().Get("target"); t != "" {
		p.Form.Set("target", t)
	}
	s.render(w, r, http.StatusOK, "record.html", p)
}

func (s *Server) record(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	if !recordKinds[kind] {
		s.errorPage(w, r, http.StatusNotFound, "No such form.")
		return
	}
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	pr := principal(r)
	id := r.PathValue("id")
	action := "/staff/persons/" + url.PathEscape(id) + "/record/" + kind
	var evs []*domain.Event
	var err error
	if kind == "admission" {
		r.PostForm.Set("person_id", id)
		evs, err = admissionEvents(r.PostForm, false)
	} else {
		var ev *domain.Event
		ev, err = eventFromForm(r.Context(), s, kind, id, r.PostForm)
		evs = []*domain.Event{ev}
	}
	var seqs []int64
	if err == nil {
		seqs, err = s.recordOnce(r, pr, evs)
	}
	if err != nil {
		// The file is read (and its reading entered in the audit trail)
		// only to show the form again; the service checked the write.
		pv, perr := s.reg.Person(r.Context(), pr, id)
		if perr != nil {
			s.fail(w, r, perr)
			return
		}
		s.formFailed(w, r, err, kind, action, pv)
		return
	}
	http.Redirect(w, r, "/staff/persons/"+url.PathEscape(id)+"?saved="+strconv.FormatInt(seqs[len(seqs)-1], 10), http.StatusSeeOther)
}

// recordOnce records the events of a form under the idempotency key the
// form was generated with: a form sent twice (a double click, a resend
// after a lost answer) writes once, and the second answer is the first's.
// The request is the form as sent, the key aside.
func (s *Server) recordOnce(r *http.Request, pr *auth.Principal, evs []*domain.Event) ([]int64, error) {
	form := maps.Clone(r.PostForm)
	key := form.Get("idempotency_key")
	delete(form, "idempotency_key")
	seqs, err := s.reg.RecordOnce(r.Context(), pr, key, digest([]byte(form.Encode())), evs...)
	s.invalidate()
	return seqs, err
}
