package web

import (
	"errors"
	"net/http"

	"github.com/habeas-kh/habeas/internal/domain"

	"github.com/habeas-kh/habeas/internal/auth"
)

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	pr := principal(r)
	if !pr.Authenticated() {
		s.fail(w, r, domain.ErrUnauthenticated)
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
		s.fail(w, r, domain.ErrUnauthenticated)
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
	if err := s.auth.CheckPassword(r.Context(), credentials(r, pr.User, r.PostForm.Get("current"))); err != nil {
		msg := langOf(r).T("user.wrong_current")
		if errors.Is(err, auth.ErrRateLimited) {
			msg = langOf(r).T("user.limited")
		} else if !errors.Is(err, auth.ErrBadCredentials) {
			s.fail(w, r, err)
			return
		}
		s.renderUser(w, r, pr.User, http.StatusBadRequest, []fieldMsg{{"current", msg}}, "account.html", "")
		return
	}
	// The API tokens are revoked with the change unless the user asks to
	// keep them.
	pc := auth.PasswordChange{Password: r.PostForm.Get("password"), KeepTokens: r.PostForm.Get("keep_tokens") == "1"}
	if s.accountFailed(w, r, pr, s.auth.SetPassword(r.Context(), pr, pr.User, pc)) {
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
