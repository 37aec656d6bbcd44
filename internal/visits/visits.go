// Package visits records monitoring visits (issue 20) and reads their
// restricted part back for the visiting organisation only.
//
// A visit's interviews and allegations are what detainees told a team: they
// are never stored as written. Seal encrypts them for the organisation
// (package restricted) as several records, one per interview with the
// allegations it gave, then one for the allegations given otherwise, so
// that withdrawing one detainee's consent destroys that interview's data
// key (auth.Service.DestroyRecordPart) and no other. The ledger hashes the
// ciphertext, so `habeas verify` needs no key; the ledger refuses a visit
// that still carries its restricted part unsealed.
package visits

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/monitor"
	"github.com/habeas-kh/habeas/internal/restricted"
	"github.com/habeas-kh/habeas/internal/store"
)

// part is the content of one sealed record of a visit.
type part struct {
	// Interview is the interview of this record; nil for the record of
	// allegations given otherwise (a witness, a document, the team's own
	// observation).
	Interview   *domain.Interview   `json:"interview,omitempty"`
	Allegations []domain.Allegation `json:"allegations,omitempty"`
}

// Seal moves a visit's restricted part (interviews, allegations) into
// records sealed for org, one per interview with its allegations, then one
// for the allegations tied to no interview. A visit without one is left as
// it is. The visit should have been validated first: the fields of what is
// sealed are named only before.
func Seal(keys *restricted.Keyring, org string, d *domain.VisitData) error {
	r := d.Restricted
	if r == nil {
		return nil
	}
	if len(r.Interviews) == 0 && len(r.Allegations) == 0 {
		d.Restricted = nil
		return nil
	}
	if !keys.CanSeal(org) {
		return &domain.Error{Code: domain.ErrInvalid, Field: "data.restricted",
			Msg: fmt.Sprintf("interviews and allegations are sealed with the organisation's key, and this process has none for %q (--org-key %s=FILE)", org, org)}
	}
	parts := make([]part, len(r.Interviews))
	for i := range r.Interviews {
		parts[i].Interview = &r.Interviews[i]
	}
	var loose part
	for _, a := range r.Allegations {
		if a.Interview != nil && *a.Interview >= 0 && *a.Interview < len(parts) {
			i := *a.Interview
			a.Interview = nil // its record says whose it is
			parts[i].Allegations = append(parts[i].Allegations, a)
		} else {
			a.Interview = nil
			loose.Allegations = append(loose.Allegations, a)
		}
	}
	if len(loose.Allegations) > 0 {
		parts = append(parts, loose)
	}
	sealed := make([]domain.Sealed, 0, len(parts))
	for i, p := range parts {
		plain, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("encoding record %d of visit %s: %w", i, d.ID, err)
		}
		s, err := keys.Seal(org, plain)
		if err != nil {
			return fmt.Errorf("visit %s: %w", d.ID, err)
		}
		sealed = append(sealed, s)
	}
	d.Restricted, d.Sealed = nil, sealed
	return nil
}

// Store is what the service reads: the register (visits, and the
// population indicators compare them with) and the records' keys.
type Store interface {
	store.Store
	EventRecordKeys(ctx context.Context, seq int64) ([]store.RecordKey, error)
}

// Auditor records reads of restricted records in the audit chain.
type Auditor interface {
	Record(ctx context.Context, by *auth.Principal, action, subject string, detail any) error
}

// Service records visits and opens their restricted part.
type Service struct {
	st    Store
	led   *ledger.Service
	keys  *restricted.Keyring
	audit Auditor
	now   func() time.Time
}

// New returns the service; keys holds the organisations' keys this process
// serves (nil: none, and no interview can be recorded or read).
func New(st Store, led *ledger.Service, keys *restricted.Keyring, audit Auditor) *Service {
	return &Service{st: st, led: led, keys: keys, audit: audit, now: time.Now}
}

// Keys is the keyring the service seals with.
func (s *Service) Keys() *restricted.Keyring { return s.keys }

// Record validates visits, seals their restricted part for by's
// organisation, and records them, all or none. by must be allowed to
// record visits in each facility; a visit with interviews or allegations
// must be recorded by a user of an organisation whose key this process
// holds.
func (s *Service) Record(ctx context.Context, by *auth.Principal, evs ...*domain.Event) ([]int64, error) {
	if !by.Authenticated() {
		return nil, domain.ErrUnauthenticated
	}
	for i, ev := range evs {
		at := func(err error) error {
			if len(evs) == 1 {
				return err
			}
			return fmt.Errorf("visit %d: %w", i+1, err)
		}
		d, ok := ev.Data.(*domain.VisitData)
		if ev.Kind != domain.KVisit || !ok {
			return nil, at(domain.Invalid("kind", "a %s is not a visit", ev.Kind))
		}
		if err := by.Require(auth.RecordVisits, ev.Facility); err != nil {
			return nil, at(err)
		}
		// Checked before sealing: afterwards the fields of an interview or
		// an allegation could no longer be named.
		if err := ev.Validate(s.now()); err != nil {
			return nil, at(err)
		}
		if d.Restricted != nil && by.Org == "" {
			return nil, at(domain.Invalid("data.restricted", "interviews and allegations are kept by a monitoring organisation: %s belongs to none", by.User))
		}
		if err := Seal(s.keys, by.Org, d); err != nil {
			return nil, at(err)
		}
	}
	return s.led.Record(ctx, ledger.Actor{Name: by.User, Via: by.Via}, evs...)
}

// Interview is an interview as its organisation reads it.
type Interview struct {
	Part        int // its record's part: what withdrawing consent destroys
	Interview   domain.Interview
	Allegations []domain.Allegation
}

// Restricted is a visit's restricted part as its organisation reads it.
type Restricted struct {
	Org        string
	Interviews []Interview
	// Other is the allegations tied to no interview; OtherPart their
	// record's part (-1 when there is none).
	Other     []domain.Allegation
	OtherPart int
	// Withdrawn lists the parts whose data key was destroyed (consent
	// withdrawn): what they held can never be read again.
	Withdrawn []int
}

// Restricted opens the restricted part of the visit at seq for by, who
// must be a user of the organisation it was sealed for; the read is
// recorded in the audit chain.
func (s *Service) Restricted(ctx context.Context, by *auth.Principal, seq int64) (*Restricted, error) {
	if !by.Authenticated() {
		return nil, domain.ErrUnauthenticated
	}
	se, ok, err := s.st.Event(ctx, seq)
	if err != nil {
		return nil, err
	}
	if !ok || se.Kind != domain.KVisit {
		return nil, &domain.Error{Code: domain.ErrNotFound, Field: "seq", Msg: fmt.Sprintf("event %d is not a visit", seq)}
	}
	ev, err := domain.DecodeEvent(se.Body)
	if err != nil {
		return nil, fmt.Errorf("event %d: %w", seq, err)
	}
	d := ev.Data.(*domain.VisitData)
	out := &Restricted{OtherPart: -1}
	if len(d.Sealed) == 0 {
		return out, nil
	}
	out.Org = d.Sealed[0].Org
	if !by.InOrg(out.Org) {
		// Not other organisations' administrators, nor the prison
		// administration's, nor prison staff.
		return nil, &domain.Error{Code: domain.ErrForbidden, Msg: fmt.Sprintf("the interviews and allegations of visit %s are %s's: %s may not read them", d.ID, out.Org, by.User)}
	}
	if !s.keys.CanOpen(out.Org) {
		return nil, fmt.Errorf("reading visit %s: %w: start habeas with --org-key %s=FILE", d.ID, restricted.ErrNoKey, out.Org)
	}
	ks, err := s.st.EventRecordKeys(ctx, seq)
	if err != nil {
		return nil, err
	}
	wrapped := make([][]byte, len(d.Sealed))
	for _, k := range ks {
		if k.Part >= 0 && k.Part < len(wrapped) {
			wrapped[k.Part] = k.Wrapped
		}
	}
	for i := range d.Sealed {
		if wrapped[i] == nil {
			out.Withdrawn = append(out.Withdrawn, i)
			continue
		}
		plain, err := s.keys.Open(&d.Sealed[i], wrapped[i])
		if err != nil {
			return nil, fmt.Errorf("visit %s, record %d: %w", d.ID, i, err)
		}
		var p part
		if err := json.Unmarshal(plain, &p); err != nil {
			return nil, fmt.Errorf("visit %s, record %d: %w", d.ID, i, err)
		}
		if p.Interview != nil {
			out.Interviews = append(out.Interviews, Interview{Part: i, Interview: *p.Interview, Allegations: p.Allegations})
		} else {
			out.Other, out.OtherPart = p.Allegations, i
		}
	}
	if s.audit != nil {
		if err := s.audit.Record(ctx, by, auth.ActRestrictedRead, "org:"+out.Org, map[string]any{"seqs": []int64{seq}}); err != nil {
			return nil, fmt.Errorf("recording the read: %w", err)
		}
	}
	return out, nil
}

// Withdraw destroys the data key of one record of the visit at seq (an
// interview whose consent was withdrawn, with the allegations it gave):
// it can never be read again, and the chain still verifies.
func (s *Service) Withdraw(ctx context.Context, accounts *auth.Service, by *auth.Principal, seq int64, part int, reason string) error {
	se, ok, err := s.st.Event(ctx, seq)
	if err != nil {
		return err
	}
	if !ok || se.Kind != domain.KVisit {
		return &domain.Error{Code: domain.ErrNotFound, Field: "seq", Msg: fmt.Sprintf("event %d is not a visit", seq)}
	}
	return accounts.DestroyRecordPart(ctx, by, seq, part, reason)
}

// mayRead reports whether by may read the visits to facility (what a
// team counted and measured, never its restricted part): those who record
// visits there, and those who read the register's screening of it.
func mayRead(by *auth.Principal, facility string) error {
	if !by.Authenticated() {
		return domain.ErrUnauthenticated
	}
	if by.CanIn(auth.RecordVisits, facility) || by.CanIn(auth.ReadScreening, facility) {
		return nil
	}
	return &domain.Error{Code: domain.ErrForbidden, Msg: by.User + " may not read the visits to " + facility}
}

// Facility is what visits to one facility showed over time.
type Facility struct {
	Indicators      []monitor.VisitIndicators
	Discrepancies   []monitor.Discrepancy
	Recommendations []Recommendation
}

// Recommendation is a recommendation made at a visit, as the latest visit
// that followed it up found it.
type Recommendation struct {
	domain.Recommendation
	Visit      string
	Made       domain.Date
	Status     domain.RecStatus // "" while no later visit followed it up
	StatusDate domain.Date
	Note       string
}

// Facility reads the indicators, the discrepancies and the
// recommendations of every visit to facility, oldest first.
func (s *Service) Facility(ctx context.Context, by *auth.Principal, facility string, p monitor.Params) (*Facility, error) {
	if err := mayRead(by, facility); err != nil {
		return nil, err
	}
	vs, err := monitor.Load(ctx, s.st, facility)
	if err != nil {
		return nil, err
	}
	out := &Facility{Indicators: []monitor.VisitIndicators{}}
	for _, v := range vs {
		out.Indicators = append(out.Indicators, monitor.Indicators(v.Ev, v.Data, p))
	}
	if out.Discrepancies, err = monitor.Discrepancies(ctx, s.st, facility, p); err != nil {
		return nil, err
	}
	out.Recommendations = recommendations(vs)
	return out, nil
}

// recommendations folds the visits (by date) into each recommendation's
// latest status.
func recommendations(vs []monitor.Visit) []Recommendation {
	var out []Recommendation
	at := map[string]int{}
	for _, v := range vs {
		for _, r := range v.Data.Recommendations {
			at[r.ID] = len(out)
			out = append(out, Recommendation{Recommendation: r, Visit: v.Data.ID, Made: v.Ev.Date})
		}
		for _, u := range v.Data.FollowUps {
			if i, ok := at[u.Recommendation]; ok {
				out[i].Status, out[i].StatusDate, out[i].Note = u.Status, v.Ev.Date, u.Note
			}
		}
	}
	return out
}

// Recommendations lists the recommendations made at visits to facility,
// with their latest status: what a later visit follows up.
func (s *Service) Recommendations(ctx context.Context, by *auth.Principal, facility string) ([]Recommendation, error) {
	if err := mayRead(by, facility); err != nil {
		return nil, err
	}
	vs, err := monitor.Load(ctx, s.st, facility)
	if err != nil {
		return nil, err
	}
	return recommendations(vs), nil
}
