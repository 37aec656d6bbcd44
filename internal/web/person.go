package web

import (
	"net/http"
	"strconv"
)

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
