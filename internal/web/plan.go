package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/disclosure"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/plan"
)

// The plan pages translate HTTP only: the registry computes, saves and
// follows plans and checks who may (registry/plan.go).

// planView is the staff plan builder: the choices, and the plan when one
// was asked for.
type planView struct {
	Facilities []domain.Facility
	Mechanisms []domain.Mechanism
	Exclusions []plan.Exclusion
	Groups     []plan.Group
	Plan       *plan.Plan
	// MechKeys are the plan's columns by mechanism, unlawful release first.
	MechKeys []string
	// Query repeats the choices, for the save form.
	Query url.Values
}

// planOptions reads the builder's choices; its errors name the field.
func planOptions(q url.Values, pack func() []domain.Mechanism) (domain.Date, plan.Options, error) {
	var opt plan.Options
	asOf := domain.NoDate
	if s := strings.TrimSpace(q.Get("as_of")); s != "" {
		d, err := domain.ParseTypedDate(s)
		if err != nil {
			return asOf, opt, domain.Invalid("as_of", "%v", err)
		}
		asOf = d
	}
	target := q.Get("target")
	if v := strings.TrimSpace(q.Get("value")); v != "" && target != "capacity" {
		target += ":" + v
	}
	t, err := plan.ParseTarget(target)
	if err != nil {
		return asOf, opt, err
	}
	opt.Target, opt.Facility = t, q.Get("facility")
	for _, e := range q["exclude"] {
		if _, err := plan.ParseExclusions(e); err != nil {
			return asOf, opt, err
		}
		opt.Exclude = append(opt.Exclude, plan.Exclusion(e))
	}
	if q.Get("chosen") == "1" {
		opt.Mechanisms = []domain.Mechanism{}
		for _, m := range q["mechanism"] {
			if !domain.In(domain.Mechanism(m), pack()) {
				return asOf, opt, domain.Invalid("mechanism", "unknown mechanism %q", m)
			}
			opt.Mechanisms = append(opt.Mechanisms, domain.Mechanism(m))
		}
	}
	return asOf, opt, nil
}

func (s *Server) planBuilder(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "plan.heading", nil)
	q := r.URL.Query()
	p.Form = q
	facs, err := s.reg.Facilities(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	mechs := plan.PackMechanisms(s.reg.Pack())
	v := &planView{Facilities: facs, Mechanisms: mechs, Exclusions: plan.Exclusions, Groups: plan.Groups, Query: q}
	p.Data = v
	status := http.StatusOK
	if q.Get("target") != "" {
		asOf, opt, err := planOptions(q, func() []domain.Mechanism { return mechs })
		if err == nil {
			v.Plan, err = s.reg.Plan(r.Context(), principal(r), asOf, opt)
		}
		if err != nil {
			var de *domain.Error
			if errors.As(err, &de) && de.Code == domain.ErrInvalid {
				p.Errors = append(p.Errors, fieldMsg{Field: de.Field, Msg: de.Msg})
				status = http.StatusBadRequest
			} else {
				s.fail(w, r, err)
				return
			}
		} else {
			v.MechKeys = append([]string{string(domain.PlanUnlawful)}, mechStrings(v.Plan.Mechanisms)...)
		}
	} else if !principal(r).Can(auth.ReadScreening) {
		s.fail(w, r, domain.Forbidden("planning needs the screening"))
		return
	}
	s.render(w, r, status, "plan.html", p)
}

func mechStrings(ms []domain.Mechanism) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m)
	}
	return out
}

// savePlan saves the plan the builder showed, under the name given.
func (s *Server) savePlan(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, domain.Invalid("form", "%v", err))
		return
	}
	mechs := plan.PackMechanisms(s.reg.Pack())
	asOf, opt, err := planOptions(r.PostForm, func() []domain.Mechanism { return mechs })
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := r.PostForm.Get("name")
	if _, _, err := s.reg.SavePlan(r.Context(), principal(r), name, asOf, opt); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/staff/plans/"+url.PathEscape(name), http.StatusSeeOther)
}

// planProgress is a saved plan's progress, with the people still held.
func (s *Server) planProgress(w http.ResponseWriter, r *http.Request) {
	pr, err := s.reg.PlanProgress(r.Context(), principal(r), r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "plan_progress.html", s.newPage(r, "plan.progress_heading", pr))
}

// publicPlan is a published plan's figures: counts only, protected.
func (s *Server) publicPlan(w http.ResponseWriter, r *http.Request) {
	pp, err := s.reg.PublishedPlan(r.Context(), r.PathValue("name"), disclosure.DefaultThreshold)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "plan_public.html", s.newPage(r, "plan.public_heading", pp))
}
