package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/registry"
	"github.com/habeas-kh/habeas/internal/report"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/store"
)

const maxForm = 64 << 10

// parseForm reads a form body of bounded size.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge
		}
		return &inputError{Field: "form", Msg: "could not be read: " + err.Error()}
	}
	return nil
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "login.heading", nil)
	p.Form.Set("next", localPath(r.URL.Query().Get("next")))
	s.render(w, r, http.StatusOK, "login.html", p)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	secret, _, err := s.auth.Login(r.Context(), r.PostForm.Get("name"), r.PostForm.Get("password"), remote(r))
	if err != nil {
		code, _, _ := s.status(r, err)
		p := s.newPage(r, "login.heading", nil)
		p.Form.Set("name", r.PostForm.Get("name"))
		p.Form.Set("next", localPath(r.PostForm.Get("next")))
		p.Flash = p.T("login.failed")
		if errors.Is(err, auth.ErrRateLimited) {
			p.Flash = p.T("login.limited")
		}
		s.render(w, r, code, "login.html", p)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int((12 * time.Hour).Seconds())})
	next := localPath(r.PostForm.Get("next"))
	if next == "/" {
		next = "/staff"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.auth.Logout(r.Context(), c.Value); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) staffHome(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	switch {
	case p == nil:
		s.fail(w, r, auth.ErrUnauthenticated)
	case p.Can(auth.ReadRegister) || p.Can(auth.ReadPseudonymised):
		http.Redirect(w, r, "/staff/register", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/staff/account", http.StatusSeeOther)
	}
}

type registerView struct {
	Rows       []registry.Row
	Facilities []store.Facility
	Pseudo     bool
	Next       string
	Prev       string
}

func intParam(q url.Values, k string, def, lo, hi int) (int, error) {
	v := q.Get(k)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, &inputError{Field: k, Msg: "must be a whole number from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi)}
	}
	return n, nil
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	off, err := intParam(q, "offset", 0, 0, 1_000_000)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pr := principal(r)
	rows, err := s.reg.Search(r.Context(), pr, registry.Query{Text: q.Get("q"), Facility: q.Get("facility"),
		InCustody: q.Get("custody") == "1", Limit: 50, Offset: off})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	facs, err := s.reg.Facilities(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &registerView{Rows: rows, Facilities: facs, Pseudo: !pr.Can(auth.ReadRegister)}
	page := func(o int) string {
		q2 := url.Values{}
		for k, vs := range q {
			q2[k] = vs
		}
		q2.Set("offset", strconv.Itoa(o))
		return "/staff/register?" + q2.Encode()
	}
	if len(rows) == 50 {
		v.Next = page(off + 50)
	}
	if off > 0 {
		v.Prev = page(max(off-50, 0))
	}
	p := s.newPage(r, "reg.heading", v)
	p.Form = q
	s.render(w, r, http.StatusOK, "register.html", p)
}

func (s *Server) personPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.reg.Person(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "person.file", v)
	if seq := r.URL.Query().Get("saved"); seq != "" {
		if _, err := strconv.Atoi(seq); err == nil {
			p.Flash = p.T("form.saved", seq)
		}
	}
	s.render(w, r, http.StatusOK, "person.html", p)
}

// formView is what an event form needs.
type formView struct {
	Kind       string
	Person     *registry.PersonView
	Facilities []store.Facility
	Statuses   []domain.LegalStatus
	Mechanisms []domain.Mechanism
	OrderKinds []domain.OrderKind
	Classes    []domain.OffenceClass
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
		OrderKinds: domain.OrderKinds, Classes: domain.OffenceClasses}, nil
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
	p.Form.Set("dob_basis", "declared")
	p.Form.Set("status", string(domain.StatusPretrial))
	s.render(w, r, http.StatusOK, "admit.html", p)
}

// formErrors turns a service error into messages next to the form; other
// errors are failures of the request.
func (s *Server) formErrors(err error) ([]fieldMsg, bool) {
	if fes, ok := err.(formErrs); ok {
		return fes, true
	}
	if field, msg, ok := registry.FieldOf(err); ok {
		return []fieldMsg{{formField(field), msg}}, true
	}
	return nil, false
}

// formField maps an event field path to the form's field name.
func formField(f string) string {
	switch {
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
	if err == nil {
		_, err = s.reg.Record(r.Context(), pr, evs...)
		s.invalidate()
	}
	if err != nil {
		s.formFailed(w, r, err, "admission", "/staff/admit", nil)
		return
	}
	http.Redirect(w, r, "/staff/persons/"+url.PathEscape(evs[0].Person)+"?saved="+strconv.FormatInt(evs[len(evs)-1].Seq, 10), http.StatusSeeOther)
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
	"verdict": true, "release": true, "correction": true}

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
	if err := principal(r).Require(registry.Required(domain.Kind(kind)), pv.Person.Facility); err != nil {
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
	pv, err := s.reg.Person(r.Context(), pr, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	action := "/staff/persons/" + url.PathEscape(id) + "/record/" + kind
	var evs []*domain.Event
	if kind == "admission" {
		r.PostForm.Set("person_id", id)
		evs, err = admissionEvents(r.PostForm, false)
	} else {
		var ev *domain.Event
		ev, err = eventFromForm(r.Context(), s, kind, id, r.PostForm)
		evs = []*domain.Event{ev}
	}
	if err == nil {
		_, err = s.reg.Record(r.Context(), pr, evs...)
		s.invalidate()
	}
	if err != nil {
		s.formFailed(w, r, err, kind, action, pv)
		return
	}
	http.Redirect(w, r, "/staff/persons/"+url.PathEscape(id)+"?saved="+strconv.FormatInt(evs[len(evs)-1].Seq, 10), http.StatusSeeOther)
}

type queueView struct {
	Q          *registry.Queue
	Facilities []store.Facility
	Rules      []*rules.Rule
	Groups     []*rules.Rule
	Mechanisms []domain.Mechanism
	Next, Prev string
}

func queueQuery(q url.Values) (registry.QueueQuery, error) {
	off, err := intParam(q, "offset", 0, 0, 10_000_000)
	if err != nil {
		return registry.QueueQuery{}, err
	}
	lim, err := intParam(q, "limit", 100, 1, 500)
	if err != nil {
		return registry.QueueQuery{}, err
	}
	return registry.QueueQuery{Facility: q.Get("facility"), Rule: q.Get("rule"), Mechanism: domain.Mechanism(q.Get("mechanism")),
		Group: q.Get("group"), Crossing: q.Get("crossing") == "1" || q.Get("crossing") == "true", Limit: lim, Offset: off}, nil
}

func (s *Server) queuePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	qq, err := queueQuery(q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.reg.Queue(r.Context(), principal(r), qq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	facs, err := s.reg.Facilities(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &queueView{Q: res, Facilities: facs, Mechanisms: domain.Mechanisms}
	for _, rl := range s.reg.Pack().Rules {
		v.Rules = append(v.Rules, rl)
		if rl.Kind == rules.Priority {
			v.Groups = append(v.Groups, rl)
		}
	}
	link := func(o int) string {
		q2 := url.Values{}
		for k, vs := range q {
			q2[k] = vs
		}
		q2.Set("offset", strconv.Itoa(o))
		return "/staff/queue?" + q2.Encode()
	}
	if qq.Offset+qq.Limit < res.Total {
		v.Next = link(qq.Offset + qq.Limit)
	}
	if qq.Offset > 0 {
		v.Prev = link(max(qq.Offset-qq.Limit, 0))
	}
	p := s.newPage(r, "queue.heading", v)
	p.Form = q
	s.render(w, r, http.StatusOK, "queue.html", p)
}

type usersView struct {
	Users      []store.User
	Roles      []auth.Role
	Facilities []store.Facility
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	s.renderUsers(w, r, http.StatusOK, nil)
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, errs []fieldMsg) {
	us, err := s.auth.Users(r.Context(), principal(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	facs, err := s.reg.Facilities(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "nav.users", &usersView{Users: us, Roles: auth.Roles, Facilities: facs})
	p.Errors = errs
	if r.PostForm != nil {
		p.Form = r.PostForm
		p.Form.Del("password")
	}
	s.render(w, r, status, "users.html", p)
}

func inputMsgs(err error) ([]fieldMsg, bool) {
	var ie *auth.InputError
	if errors.As(err, &ie) {
		return []fieldMsg{{ie.Field, ie.Msg}}, true
	}
	return nil, false
}

func (s *Server) addUser(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	f := r.PostForm
	err := s.auth.AddUser(r.Context(), principal(r), auth.NewUser{Name: f.Get("name"), Display: f.Get("display"), Password: f.Get("password"),
		Role: auth.Role(f.Get("role")), Facilities: f["facility"], Health: f.Get("health") == "1"})
	if msgs, ok := inputMsgs(err); ok {
		s.renderUsers(w, r, http.StatusBadRequest, msgs)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/staff/users/"+url.PathEscape(f.Get("name")), http.StatusSeeOther)
}

type userView struct {
	U          *store.User
	Audit      []store.AuditEntry
	Tokens     []store.Token
	Roles      []auth.Role
	Facilities []store.Facility
	NewToken   string
}

func (s *Server) userPage(w http.ResponseWriter, r *http.Request) {
	s.renderUser(w, r, r.PathValue("name"), http.StatusOK, nil, "user.html", "")
}

func (s *Server) renderUser(w http.ResponseWriter, r *http.Request, name string, status int, errs []fieldMsg, tmpl, newToken string) {
	pr := principal(r)
	u, err := s.auth.User(r.Context(), pr, name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	trail, err := s.auth.Audit(r.Context(), pr, name, 200)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	toks, err := s.auth.Tokens(r.Context(), pr, name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	facs, err := s.reg.Facilities(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "nav.users", &userView{U: u, Audit: trail, Tokens: toks, Roles: auth.Roles, Facilities: facs, NewToken: newToken})
	p.Errors = errs
	s.render(w, r, status, tmpl, p)
}

func (s *Server) setRole(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	name := r.PathValue("name")
	f := r.PostForm
	s.userChanged(w, r, name, s.auth.SetRole(r.Context(), principal(r), name, auth.Role(f.Get("role")), f["facility"], f.Get("health") == "1"))
}

func (s *Server) setDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	name := r.PathValue("name")
	s.userChanged(w, r, name, s.auth.SetDisabled(r.Context(), principal(r), name, disabled))
}

// userChanged answers a change to an account: the user's page again with
// the messages when the input was refused, else back to it.
func (s *Server) userChanged(w http.ResponseWriter, r *http.Request, name string, err error) {
	if msgs, ok := inputMsgs(err); ok {
		s.renderUser(w, r, name, http.StatusBadRequest, msgs, "user.html", "")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/staff/users/"+url.PathEscape(name), http.StatusSeeOther)
}

func (s *Server) disableUser(w http.ResponseWriter, r *http.Request) { s.setDisabled(w, r, true) }
func (s *Server) enableUser(w http.ResponseWriter, r *http.Request)  { s.setDisabled(w, r, false) }

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	pr := principal(r)
	if !pr.Authenticated() {
		s.fail(w, r, auth.ErrUnauthenticated)
		return
	}
	s.renderUser(w, r, pr.User, http.StatusOK, nil, "account.html", "")
}

// accountForm reads a form the signed-in user posts about their own account.
func (s *Server) accountForm(w http.ResponseWriter, r *http.Request) (*auth.Principal, bool) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	pr := principal(r)
	if !pr.Authenticated() {
		s.fail(w, r, auth.ErrUnauthenticated)
		return nil, false
	}
	return pr, true
}

// accountFailed answers a refused change to one's own account: the account
// page again with what was wrong, or the error page. It reports whether err
// was a refusal.
func (s *Server) accountFailed(w http.ResponseWriter, r *http.Request, pr *auth.Principal, err error) bool {
	if err == nil {
		return false
	}
	if msgs, ok := inputMsgs(err); ok {
		s.renderUser(w, r, pr.User, http.StatusBadRequest, msgs, "account.html", "")
	} else {
		s.fail(w, r, err)
	}
	return true
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	pr, ok := s.accountForm(w, r)
	if !ok {
		return
	}
	// The current password is asked again, so a session left open on a
	// shared computer cannot be used to take the account over.
	if err := s.auth.CheckPassword(r.Context(), pr.User, r.PostForm.Get("current"), remote(r)); err != nil {
		s.renderUser(w, r, pr.User, http.StatusBadRequest, []fieldMsg{{"current", "is not your current password"}}, "account.html", "")
		return
	}
	if s.accountFailed(w, r, pr, s.auth.SetPassword(r.Context(), pr, pr.User, r.PostForm.Get("password"))) {
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) createTokenForm(w http.ResponseWriter, r *http.Request) {
	pr, ok := s.accountForm(w, r)
	if !ok {
		return
	}
	secret, _, err := s.auth.CreateToken(r.Context(), pr, pr.User, r.PostForm.Get("label"))
	if s.accountFailed(w, r, pr, err) {
		return
	}
	// Shown once, in the response to the POST, never in a URL.
	s.renderUser(w, r, pr.User, http.StatusOK, nil, "account.html", secret)
}

func (s *Server) revokeTokenForm(w http.ResponseWriter, r *http.Request) {
	pr := principal(r)
	if err := s.auth.RevokeToken(r.Context(), pr, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/staff/account", http.StatusSeeOther)
}

// pledgesEditView is the staff pledges page: the three forms and the
// pledges and reforms as the public page shows them (List is nil while the
// register has nothing to report).
type pledgesEditView struct {
	Kinds      []domain.PledgeKind
	Mechanisms []domain.Mechanism
	Groups     []domain.Group
	Statuses   []domain.ReformStatus
	List       *page
}

// pledgesEdit is where administrators record pledges, the figures declared
// against them and reforms (as habeas pledge and habeas reform do).
func (s *Server) pledgesEdit(w http.ResponseWriter, r *http.Request) {
	if err := principal(r).Require(auth.EditPledges, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "staffpledges.heading", nil)
	if seq := r.URL.Query().Get("saved"); seq != "" {
		if _, err := strconv.Atoi(seq); err == nil {
			p.Flash = p.T("form.saved", seq)
		}
	}
	s.renderPledgesEdit(w, r, http.StatusOK, p)
}

func (s *Server) renderPledgesEdit(w http.ResponseWriter, r *http.Request, status int, p *page) {
	v := &pledgesEditView{Kinds: domain.PledgeKinds, Mechanisms: domain.Mechanisms, Groups: domain.ReleaseGroups, Statuses: domain.ReformStatuses}
	dv, err := s.dashboardView(r.Context(), p.Lang, domain.NoDate)
	switch {
	case err == nil:
		list := *p
		list.Data, list.Errors, list.Form = dv, nil, url.Values{}
		v.List = &list
	case errors.Is(err, errEmpty) || errors.Is(err, report.ErrNoData):
		// Nothing to show yet; the forms are still there.
	default:
		s.fail(w, r, err)
		return
	}
	p.Data = v
	s.render(w, r, status, "staff_pledges.html", p)
}

// recordCommitment records what one of the forms of the staff pledges page
// gives. A refused form comes back with the writer's messages next to its
// fields and what was typed kept; nothing is written.
func (s *Server) recordCommitment(w http.ResponseWriter, r *http.Request) {
	cf, ok := commitmentForms[r.PathValue("kind")]
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, "No such form.")
		return
	}
	pr := principal(r)
	if err := pr.Require(auth.EditPledges, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	ev, err := commitmentFromForm(r.PathValue("kind"), r.PostForm)
	var seq int64
	if err == nil {
		seq, err = s.reg.RecordCommitment(r.Context(), pr, ev)
		s.invalidate()
	}
	if err != nil {
		msgs, ok := s.formErrors(err)
		if !ok {
			s.fail(w, r, err)
			return
		}
		for i := range msgs {
			msgs[i].Field = commitmentField(cf.prefix, msgs[i].Field)
		}
		p := s.newPage(r, "staffpledges.heading", nil)
		p.Form, p.Errors = r.PostForm, msgs
		s.renderPledgesEdit(w, r, http.StatusBadRequest, p)
		return
	}
	http.Redirect(w, r, "/staff/pledges?saved="+strconv.FormatInt(seq, 10), http.StatusSeeOther)
}
