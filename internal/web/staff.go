package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
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
		return domain.Invalid("form", "%s", "could not be read: "+err.Error())
	}
	return nil
}

func (s *Server) staffHome(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	switch {
	case p == nil:
		s.fail(w, r, domain.ErrUnauthenticated)
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
		return 0, domain.Invalid(k, "%s", "must be a whole number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
	}
	return n, nil
}

// pageLinks are the links to the pages before and after a page of size
// rows from offset off of a list at path: the request's query q with
// another offset. more says whether rows follow this page; a link is empty
// when there is no such page.
func pageLinks(path string, q url.Values, off, size int, more bool) (prev, next string) {
	link := func(o int) string {
		q2 := url.Values{}
		for k, vs := range q {
			q2[k] = vs
		}
		q2.Set("offset", strconv.Itoa(o))
		return path + "?" + q2.Encode()
	}
	if more {
		next = link(off + size)
	}
	if off > 0 {
		prev = link(max(off-size, 0))
	}
	return prev, next
}
