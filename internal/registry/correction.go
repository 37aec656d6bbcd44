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
	per, err := s.person(ctx, person)
	if err != nil {
		return nil, err
	}
	lf, err := s.loadFile(ctx, person)
	if err != nil {
		return nil, err
	}
	// Only those who may read the person learn what their events are.
	if err := mayRead(p, per, lf); err != nil {
		return nil, err
	}
	se, ok, err := s.st.Event(ctx, req.Target)
	if err != nil {
		return nil, fmt.Errorf("reading event %d: %w", req.Target, err)
	}
	if !ok || se.Person != person {
		return nil, domain.Invalid("target", "event %d is not an event of this person", req.Target)
	}
	orig, err := domain.DecodeEvent(se.Body)
	if err != nil {
		return nil, fmt.Errorf("decoding event %d: %w", req.Target, err)
	}
	cd := &domain.CorrectionData{Target: req.Target, TargetKind: orig.Kind, Reason: req.Reason, Void: req.Void}
	switch {
	case req.Void && req.NewDate != domain.NoDate:
		return nil, domain.Invalid("new_date", "give either void or a new date, not both")
	case !req.Void && req.NewDate == domain.NoDate:
		return nil, domain.Invalid("new_date", "give the correct date, or tick void")
	case !req.Void:
		cd.Date, cd.Facility, cd.Data = req.NewDate, orig.Facility, orig.Data
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
