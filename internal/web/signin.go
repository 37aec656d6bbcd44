package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/habeas-kh/habeas/internal/auth"
)

// loginView is what the sign-in page shows besides the form.
type loginView struct {
	// PlainHTTP: the page came over plain HTTP to another machine, where
	// the browser will not keep the Secure session cookie: signing in
	// would bounce back here without a word, so the page says why.
	PlainHTTP bool
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "login.heading", loginView{PlainHTTP: s.plainRemote(r)})
	p.Form.Set("next", localPath(r.URL.Query().Get("next")))
	s.render(w, r, http.StatusOK, "login.html", p)
}

// deviceCookie marks a browser where a user signed in before (signed by the
// auth service): failed sign-ins elsewhere do not delay it (docs/accounts.md).
const deviceCookie = "habeas_device"

// credentials are the sign-in fields of a posted form, with the client's
// address and device cookie.
func credentials(r *http.Request, name, password string) auth.Credentials {
	c := auth.Credentials{Name: name, Password: password, Remote: remote(r)}
	if ck, err := r.Cookie(deviceCookie); err == nil {
		c.Device = ck.Value
	}
	return c
}

// retryAfter sets the Retry-After header of a delayed sign-in, in whole
// seconds rounded up: the client is told when to try again rather than held
// waiting on the server.
func retryAfter(w http.ResponseWriter, d time.Duration) {
	if d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((d+time.Second-1)/time.Second)))
	}
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in, err := s.auth.Login(r.Context(), credentials(r, r.PostForm.Get("name"), r.PostForm.Get("password")))
	if err != nil {
		if s.obs != nil && (errors.Is(err, auth.ErrBadCredentials) || errors.Is(err, auth.ErrRateLimited)) {
			s.obs.SignInFailure()
		}
		code, _, _, _ := s.status(r, err)
		p := s.newPage(r, "login.heading", loginView{PlainHTTP: s.plainRemote(r)})
		p.Form.Set("name", r.PostForm.Get("name"))
		p.Form.Set("next", localPath(r.PostForm.Get("next")))
		p.Flash = p.T("login.failed")
		if errors.Is(err, auth.ErrRateLimited) {
			retryAfter(w, in.RetryAfter)
			p.Flash = p.T("login.limited", p.Num(int((in.RetryAfter+time.Second-1)/time.Second)))
		}
		s.render(w, r, code, "login.html", p)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: in.Secret, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int((12 * time.Hour).Seconds())})
	http.SetCookie(w, &http.Cookie{Name: deviceCookie, Value: in.Device, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int((365 * 24 * time.Hour).Seconds())})
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
