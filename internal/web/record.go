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
	Procedures []domain.Procedure
	Facts      []domain.HealthFact
	Parties    []string // who may appeal
	Outcomes   []string // of a verdict form
	Cells      []string // of the person's facility, offered on a change of cell
	// FieldsKind is the form whose fields are shown: the form's own, or
	// on a correction the form of the event corrected ("" for none).
	FieldsKind string
	Target     *domain.Event // the event a correction corrects
	Action     string
	// ChargeRows and ChildRows are the suffixes of the rows of charges and
	// of children the form shows: those filled in, and one or two blank.
	ChargeRows, ChildRows []string
	// The choices of a follow-up step: its actions, the pack's rules and
	// the reasons for not pursuing it.
	FollowActions []domain.FollowUpAction
	RuleIDs       []string
	FollowReasons []domain.NotPursuedReason
}

// setRows sizes the repeated groups to what the form holds, with room for
// one more row (two more charges on a blank form).
func (fv *formView) setRows(f url.Values) {
	rows := func(fields []string, blank int) []string {
		n := min(max(rowsOf(f, fields)+1, blank), maxRows)
		var sfx []string
		for i := range n {
			sfx = append(sfx, rowSuffix(i))
		}
		return sfx
	}
	fv.ChargeRows, fv.ChildRows = rows(chargeFields, 2), rows(childFields, 1)
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
	fields := kind
	if kind == "correction" {
		fields = ""
	}
	return &formView{Kind: kind, FieldsKind: fields, Facilities: facs, Statuses: domain.LegalStatuses, Mechanisms: domain.Mechanisms,
		OrderKinds: domain.OrderKinds, Classes: domain.OffenceClasses, Procedures: domain.Procedures, Facts: domain.HealthFacts,
		Parties: appealParties, Outcomes: []string{domain.OutcomeConvicted, domain.OutcomeAcquitted},
		FollowActions: domain.FollowUpActions, RuleIDs: s.ruleIDs(), FollowReasons: domain.NotPursuedReasons}, nil
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
	// Nothing that decides is filled in for the user (sex, status, date of
	// birth basis, facility, order kind, class): each starts blank and must
	// be chosen.
	fv.setRows(p.Form)
	s.render(w, r, http.StatusOK, "admit.html", p)
}

// offerCells lists, on the form of a change of cell, the cells of the
// facility holding the person, to choose from.
func (s *Server) offerCells(r *http.Request, fv *formView) error {
	if fv.FieldsKind != "cell_assignment" || fv.Person == nil {
		return nil
	}
	var err error
	fv.Cells, err = s.reg.CellsOf(r.Context(), fv.Person.Person.Facility)
	return err
}

// refusedForm is the page a form comes back on when its write was refused
// for what was typed: the form as typed, with each message on its field,
// which field names (nil: as the domain names it). ok is false when the
// error was not about the input: s.fail has answered then.
func (s *Server) refusedForm(w http.ResponseWriter, r *http.Request, err error, heading string, field func(string) string) (p *page, ok bool) {
	msgs, ok := s.formErrors(err)
	if !ok {
		s.fail(w, r, err)
		return nil, false
	}
	if field != nil {
		for i := range msgs {
			msgs[i].Field = field(msgs[i].Field)
		}
	}
	p = s.newPage(r, heading, nil)
	p.Form, p.Errors = r.PostForm, msgs
	return p, true
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
	// A correction's replacement details are the fields of their own form.
	f = strings.Replace(f, "data.data.", "data.", 1)
	if _, rest, ok := strings.Cut(f, "]."); ok && strings.HasPrefix(f, "events[") {
		f = rest // the path within the entry's batch of events
	}
	switch {
	case f == "person":
		return "person_id"
	case strings.HasPrefix(f, "data.order."):
		return "order_" + strings.TrimPrefix(f, "data.order.")
	case strings.HasPrefix(f, "data.case.charges[") || strings.HasPrefix(f, "data.charges["):
		// data.case.charges[1].class: the class of the second row.
		_, rest, _ := strings.Cut(f, "[")
		n, field, _ := strings.Cut(rest, "]")
		i, _ := strconv.Atoi(n)
		field = strings.TrimPrefix(field, ".")
		if field == "" {
			field = "offence"
		}
		return field + rowSuffix(i)
	case f == "data.case.id" || f == "data.case":
		return "case"
	case strings.HasPrefix(f, "data.case."):
		return strings.TrimPrefix(f, "data.case.")
	case f == "data.sentence.pretrial_credit_days" || f == "data.sentence.suspended":
		return strings.TrimPrefix(f, "data.sentence.")
	case strings.HasPrefix(f, "data.sentence.") && f != "data.sentence.start":
		return "sentence_" + strings.TrimPrefix(f, "data.sentence.")
	case strings.HasPrefix(f, "data.sentence"):
		return "sentence_start"
	case f == "data.order":
		return "order_kind"
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
	evs, err := admissionEvents(langOf(r), r.PostForm, true)
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
	if fk := r.PostForm.Get("fields"); kind == "correction" && recordKinds[fk] && fk != "correction" {
		fv.FieldsKind = fk
	}
	if err := s.offerCells(r, fv); err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "event."+kind, fv)
	// The form comes back as typed, its messages naming fields by label.
	p.Form, p.Errors, p.Labels = r.PostForm, msgs, "field."
	fv.setRows(p.Form)
	name := "record.html"
	if action == "/staff/admit" {
		name = "admit.html"
	}
	s.render(w, r, http.StatusBadRequest, name, p)
}

// recordKinds are the forms of events about a registered person: one for
// every kind of person event of the interchange format (docs/interchange.md
// section 9), and the dismissal, a verdict.
var recordKinds = map[string]bool{"admission": true, "transfer": true, "cell_assignment": true, "charge_change": true,
	"order": true, "order_extension": true, "hearing": true, "verdict": true, "dismissal": true, "appeal": true,
	"health": true, "sentence_reduction": true, "release": true, "death": true, "escape": true, "correction": true,
	"follow_up": true}

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
	if kind == "health" && !principal(r).Can(auth.ReadHealth) {
		s.fail(w, r, domain.Forbidden("recording health facts needs access to health data"))
		return
	}
	p.Form.Set("idempotency_key", rand.Text())
	// The register's date, as the user writes dates (31/12/2020, in Khmer
	// digits on a Khmer page); ISO is read too.
	p.Form.Set("date", p.Lang.digits(pv.AsOf.DayFirst()))
	if c := pv.State.Case; c != nil && kind != "admission" && kind != "follow_up" {
		p.Form.Set("case", c.ID)
	}
	if a := domain.FollowUpAction(r.URL.Query().Get("action")); kind == "follow_up" && domain.In(a, domain.FollowUpActions) {
		p.Form.Set("action", string(a)) // the person page's "take the follow-up"
	}
	if t := r.URL.Query().Get("target"); t != "" {
		// A correction starts from the event as it was recorded.
		if seq, err := strconv.ParseInt(t, 10, 64); err == nil && kind == "correction" {
			ev, err := s.reg.CorrectionTarget(r.Context(), principal(r), pv.Person.ID, seq)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			fv.Target, fv.FieldsKind = ev, formOf(ev)
			if fv.FieldsKind != "" {
				key := p.Form.Get("idempotency_key")
				p.Form = formValues(p.Lang, ev)
				p.Form.Set("idempotency_key", key)
				p.Form.Set("fields", fv.FieldsKind)
			}
		}
		p.Form.Set("target", t)
	}
	fv.setRows(p.Form)
	if err := s.offerCells(r, fv); err != nil {
		s.fail(w, r, err)
		return
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
		evs, err = admissionEvents(langOf(r), r.PostForm, false)
	} else {
		var ev *domain.Event
		ev, err = eventFromForm(r.Context(), s, langOf(r), kind, id, r.PostForm)
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

// ruleIDs are the identifiers of the rules of the pack (not its data
// checks): what a follow-up may concern.
func (s *Server) ruleIDs() []string {
	var ids []string
	for _, r := range s.reg.Pack().Rules {
		ids = append(ids, r.ID)
	}
	return ids
}
