package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/habeas-kh/habeas/internal/auth"
)

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
		code, _, _, _ := s.status(r, err)
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
