package registry

import (
	"context"
	"fmt"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
)

// CorrectionRequest is what a user gives to correct an event: which one,
// why, and either void or the date the event should have had. Its JSON
// names are the field paths of the errors Correction returns.
type CorrectionRequest struct {
	Target  int64       `json:"target"`
	Reason  string      `json:"reason"`
	Void    bool        `json:"void"`
	NewDate domain.Date `json:"new_date"`
	// Data and Facility replace the target's details and facility (an
	// admission's); left out, they stay as they were.
	Data     any    `json:"-"`
	Facility string `json:"-"`
}

// Correction builds the event that corrects event req.Target of person:
// the stored target gives the kind it corrects and, for a new date, the
// facility and data that stay as they were. The target must be an event of
// person, and p must be allowed to record what it corrects in the facility
// that held the person on its date (Record checks again when the
// correction is written). It writes nothing.
func (s *Service) Correction(ctx context.Context, p *auth.Principal, person string, req CorrectionRequest) (*domain.Event, error) {
	if !p.Authenticated() {
		return nil, domain.ErrUnauthenticated
	}
	orig, lf, err := s.correctable(ctx, p, person, req.Target)
	if err != nil {
		return nil, err
	}
	cd := &domain.CorrectionData{Target: req.Target, TargetKind: orig.Kind, Reason: req.Reason, Void: req.Void}
	switch {
	case req.Void && req.NewDate != domain.NoDate:
		return nil, domain.Invalid("new_date", "give either void or a new date, not both")
	case !req.Void && req.NewDate == domain.NoDate:
		return nil, domain.Invalid("new_date", "give the correct date, or tick void")
	case !req.Void:
		cd.Date, cd.Facility, cd.Data = req.NewDate, orig.Facility, orig.Data
		if req.Data != nil {
			cd.Data = req.Data
		}
		if req.Facility != "" {
			cd.Facility = req.Facility
		}
	}
	// The correction is entered on the date of what it corrects, or on the
	// new date when that is later.
	ev := &domain.Event{Kind: domain.KCorrection, Person: person, Date: orig.Date, Data: cd}
	if cd.Date != domain.NoDate && cd.Date > ev.Date {
		ev.Date = cd.Date
	}
	// A correction needs the right to record what it corrects, in the
	// facility that held the person then.
	if err := s.mayWrite(ctx, p, Required(orig.Kind), lf, nil, ev); err != nil {
		return nil, err
	}
	return ev, nil
}

// CorrectionTarget is event seq of person as stored, for a form that
// corrects it: only for users who may read the person, and not a health
// record for those who may not read health data.
func (s *Service) CorrectionTarget(ctx context.Context, p *auth.Principal, person string, seq int64) (*domain.Event, error) {
	if !p.Authenticated() {
		return nil, domain.ErrUnauthenticated
	}
	ev, _, err := s.correctable(ctx, p, person, seq)
	if err != nil {
		return nil, err
	}
	if ev.Kind == domain.KHealth && !p.Can(auth.ReadHealth) {
		return nil, domain.Forbidden("health records need access to health data")
	}
	return ev, nil
}

// correctable reads event seq of person for a correction, once the reader
// may read the person: only they learn what their events are.
func (s *Service) correctable(ctx context.Context, p *auth.Principal, person string, seq int64) (*domain.Event, *ledgerFile, error) {
	per, err := s.person(ctx, person)
	if err != nil {
		return nil, nil, err
	}
	lf, err := s.loadFile(ctx, person)
	if err != nil {
		return nil, nil, err
	}
	if err := mayRead(p, per, lf); err != nil {
		return nil, nil, err
	}
	se, ok, err := s.st.Event(ctx, seq)
	if err != nil {
		return nil, nil, fmt.Errorf("reading event %d: %w", seq, err)
	}
	if !ok || se.Person != person {
		return nil, nil, domain.Invalid("target", "event %d is not an event of this person", seq)
	}
	orig, err := domain.DecodeEvent(se.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("decoding event %d: %w", seq, err)
	}
	return orig, lf, nil
}
