package web

import (
	"crypto/rand"
	"errors"
	"maps"
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
	// Keys are the forms' idempotency keys, by form ("pledge"): each form
	// has its own, since each is a write of its own.
	Keys map[string]string
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
	s.renderPledgesEdit(w, r, http.StatusOK, p, "")
}

// renderPledgesEdit shows the page; refused is the form sent and refused
// ("" for none), which keeps the key it was sent with, so that sent again
// once corrected it still writes once. The other forms get fresh keys.
func (s *Server) renderPledgesEdit(w http.ResponseWriter, r *http.Request, status int, p *page, refused string) {
	v := &pledgesEditView{Kinds: domain.PledgeKinds, Mechanisms: domain.Mechanisms, Groups: domain.ReleaseGroups, Statuses: domain.ReformStatuses,
		Keys: map[string]string{}}
	for form := range commitmentForms {
		v.Keys[form] = rand.Text()
	}
	if k := p.Form.Get("idempotency_key"); refused != "" && k != "" {
		v.Keys[refused] = k
	}
	dv, err := s.dashboardView(r.Context(), p.Lang, domain.NoDate, remote(r), principal(r))
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
	kind := r.PathValue("kind")
	ev, err := commitmentFromForm(langOf(r), kind, r.PostForm)
	var seq int64
	if err == nil {
		// The request is the form as sent, the key aside, and which form it
		// is: one key is one form's.
		form := maps.Clone(r.PostForm)
		key := form.Get("idempotency_key")
		delete(form, "idempotency_key")
		seq, err = s.reg.RecordCommitmentOnce(r.Context(), pr, key, digest([]byte(kind+"\n"+form.Encode())), ev)
		s.invalidate()
	}
	if err != nil {
		p, ok := s.refusedForm(w, r, err, "staffpledges.heading", func(f string) string { return commitmentField(cf.prefix, f) })
		if !ok {
			return
		}
		s.renderPledgesEdit(w, r, http.StatusBadRequest, p, kind)
		return
	}
	http.Redirect(w, r, "/staff/pledges?saved="+strconv.FormatInt(seq, 10), http.StatusSeeOther)
}
