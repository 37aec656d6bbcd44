package web

import (
	"net/http"
	"strconv"

	"github.com/habeas-kh/habeas/internal/registry"
)

// personView is what the person page shows: the file, and the entries of
// the audit trail about the person as rows.
type personView struct {
	*registry.PersonView
	AuditRows []auditRow
}

func (s *Server) personPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.reg.Person(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "person.file", nil)
	// The entries about the person are there only for who may read the
	// audit trail.
	rows, err := s.auditRows(r, p, v.Audit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Data = &personView{PersonView: v, AuditRows: rows}
	if seq := r.URL.Query().Get("saved"); seq != "" {
		if _, err := strconv.Atoi(seq); err == nil {
			p.Flash = p.T("form.saved", seq)
		}
	}
	s.render(w, r, http.StatusOK, "person.html", p)
}
