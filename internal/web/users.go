package web

import (
	"net/http"
	"net/url"

	"github.com/habeas-kh/habeas/internal/domain"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/store"
)

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
	p.Errors, p.Labels = errs, "user."
	if r.PostForm != nil {
		p.Form = r.PostForm
		p.Form.Del("password")
	}
	s.render(w, r, status, "users.html", p)
}

func inputMsgs(err error) ([]fieldMsg, bool) {
	if field, msg, ok := domain.FieldOf(err); ok {
		return []fieldMsg{{field, msg}}, true
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
	Audit      []auditRow
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
	title := "nav.users"
	if tmpl == "account.html" {
		title = "nav.account"
	}
	p := s.newPage(r, title, nil)
	rows, err := s.auditRows(r, p, trail)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Data = &userView{U: u, Audit: rows, Tokens: toks, Roles: auth.Roles, Facilities: facs, NewToken: newToken}
	p.Errors, p.Labels = errs, "user."
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
