package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/habeas-kh/habeas/internal/auth"
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
