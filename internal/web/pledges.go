package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/report"
)

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
	dv, err := s.dashboardView(r.Context(), p.Lang, domain.NoDate, remote(r))
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
