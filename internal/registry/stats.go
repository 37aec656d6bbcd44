package registry

import (
	"context"
	"fmt"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/stats"
)

// errWholeRegister refuses the unprotected figures to a role limited to
// some facilities.
var errWholeRegister = fmt.Errorf("%w: the unprotected figures cover every facility; the public report is at /api/v1/report", domain.ErrForbidden)

// requireWholeRegister lets through the roles that read the whole register,
// by name or pseudonymised (administrator, legal officer, analyst). The raw
// figures of stats.Compute have seen no disclosure control: per facility
// (two minors in one prison) and nationally (pregnant, ill, aged 60 and
// over, by age band), they can single people out, so they are for those who
// could count them from the records anyway. A registrar or monitor of one
// facility would learn about people held in the others.
func requireWholeRegister(p *auth.Principal) error {
	if !p.Authenticated() {
		return domain.ErrUnauthenticated
	}
	if p.Scope(auth.ReadRegister) == nil || p.Scope(auth.ReadPseudonymised) == nil {
		return nil
	}
	return errWholeRegister
}

// Stats are the register's figures on asOf (NoDate: its latest date) as
// stats.Compute counts them, small counts included: for staff whose access
// covers every facility (requireWholeRegister). The public has the
// protected report (internal/report).
func (s *Service) Stats(ctx context.Context, p *auth.Principal, asOf domain.Date) (*stats.Stats, error) {
	if err := requireWholeRegister(p); err != nil {
		return nil, err
	}
	if asOf == domain.NoDate {
		var err error
		if asOf, err = s.st.LatestDate(ctx); err != nil {
			return nil, fmt.Errorf("reading the register's latest date: %w", err)
		}
	}
	if asOf == domain.NoDate {
		return nil, domain.NotFound("the register is empty")
	}
	st, err := stats.Compute(ctx, s.st, asOf, stats.Options{})
	if err != nil {
		return nil, fmt.Errorf("computing the figures of %s: %w", asOf, err)
	}
	return st, nil
}
