package web

import (
	"net/http"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/registry"
	"github.com/habeas-kh/habeas/internal/store"
)

type registerView struct {
	Rows       []registry.Row
	Facilities []store.Facility
	Pseudo     bool
	Next       string
	Prev       string
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
	v.Prev, v.Next = pageLinks("/staff/register", q, off, 50, len(rows) == 50)
	p := s.newPage(r, "reg.heading", v)
	p.Form = q
	s.render(w, r, http.StatusOK, "register.html", p)
}
