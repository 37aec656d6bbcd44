// Package markers is the service of concern markers (issue 20): a
// monitoring organisation marks a person, from the register or known only
// by a pseudonym, as held on politically motivated grounds, held
// arbitrarily in a drug detention centre, or alleging ill-treatment, with
// the sources it rests on. The statement demands the release of everyone
// held on political grounds, and no rule can find them: only monitors can.
//
// A marker is a ledger event whose content is a restricted record sealed
// for the organisation (package restricted): only the organisation's own
// users read it. Its category is in clear, so that the public sees
// national counts per category, protected like every public figure, and
// nothing else.
package markers

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/restricted"
	"github.com/habeas-kh/habeas/internal/store"
)

// The kinds of source a marker may rest on.
var SourceKinds = []string{"interview", "family", "lawyer", "document", "media", "court", "other"}

// Source is what a marker rests on: an interview, a family's account, a
// court document...
type Source struct {
	Kind      string      `json:"kind"`
	Reference string      `json:"reference"` // what and where: "interview 2026-03-02 at CC1", a file number, an address
	Date      domain.Date `json:"date,omitempty"`
}

// Record is the content of a marker, sealed for its organisation.
type Record struct {
	Person    string   `json:"person,omitempty"`    // the register's person id
	Pseudonym string   `json:"pseudonym,omitempty"` // when the person is not in the register, or not to be named
	Facility  string   `json:"facility,omitempty"`
	Sources   []Source `json:"sources"`
	Note      string   `json:"note,omitempty"`
}

// Marker is a marker as its organisation reads it.
type Marker struct {
	Seq        int64
	Date       domain.Date
	Category   string
	Org        string
	RecordedBy string
	RecordedAt string
	// Destroyed: the record's data key was destroyed (consent withdrawn);
	// Record is empty and can never be read again.
	Destroyed bool
	Record    Record
}

// Store is what the service reads.
type Store interface {
	Event(ctx context.Context, seq int64) (store.StoredEvent, bool, error)
	PersonExists(ctx context.Context, ids []string) (map[string]bool, error)
	store.Orgs
}

// Auditor records reads of restricted records in the audit chain.
type Auditor interface {
	Record(ctx context.Context, by *auth.Principal, action, subject string, detail any) error
}

// Service records and reads concern markers.
type Service struct {
	st    Store
	led   *ledger.Service
	keys  *restricted.Keyring
	audit Auditor
}

// New returns the service. keys holds the organisations' keys this process
// serves (nil: none, and no marker can be made or read).
func New(st Store, led *ledger.Service, keys *restricted.Keyring, audit Auditor) *Service {
	return &Service{st: st, led: led, keys: keys, audit: audit}
}

// NewMarker is what Add needs.
type NewMarker struct {
	Date     domain.Date
	Category string
	Record   Record
}

// org is the monitoring organisation by acts for, or an error saying why
// it may not keep markers.
func (s *Service) org(ctx context.Context, by *auth.Principal) (store.Org, error) {
	if !by.Authenticated() {
		return store.Org{}, domain.ErrUnauthenticated
	}
	o, ok, err := s.st.Org(ctx, by.Org)
	if err != nil {
		return o, err
	}
	if !ok || o.Kind != auth.OrgMonitoring {
		return o, &domain.Error{Code: domain.ErrForbidden, Msg: fmt.Sprintf("%s is not a user of a monitoring organisation: concern markers are kept by monitoring organisations, for their own users only", by.User)}
	}
	return o, nil
}

// validate checks a marker's content: who (a register id that exists, or a
// pseudonym), and at least one source.
func (s *Service) validate(ctx context.Context, n *NewMarker) error {
	r := &n.Record
	r.Person, r.Pseudonym, r.Facility, r.Note = strings.TrimSpace(r.Person), strings.TrimSpace(r.Pseudonym), strings.TrimSpace(r.Facility), strings.TrimSpace(r.Note)
	switch {
	case n.Date == domain.NoDate:
		return domain.Invalid("date", "missing")
	case !slices.Contains(domain.MarkerCategories, n.Category):
		return domain.Invalid("category", "must be one of %s; not %q", strings.Join(domain.MarkerCategories, ", "), n.Category)
	case r.Person == "" && r.Pseudonym == "":
		return domain.Invalid("person", "name the person: a register id (person) or a pseudonym")
	case r.Person != "" && r.Pseudonym != "":
		return domain.Invalid("pseudonym", "give a register id or a pseudonym, not both")
	case len(r.Sources) == 0:
		return domain.Invalid("sources", "a marker rests on at least one source (an interview, a family's account, a document...)")
	}
	for i, src := range r.Sources {
		f := fmt.Sprintf("sources[%d]", i)
		if !slices.Contains(SourceKinds, src.Kind) {
			return domain.Invalid(f+".kind", "must be one of %s; not %q", strings.Join(SourceKinds, ", "), src.Kind)
		}
		if strings.TrimSpace(src.Reference) == "" {
			return domain.Invalid(f+".reference", "missing: say what the source is and where it is kept")
		}
		if src.Date > n.Date {
			return domain.Invalid(f+".date", "%s is after the marker's date %s", src.Date, n.Date)
		}
	}
	for _, t := range []struct{ f, v string }{{"person", r.Person}, {"pseudonym", r.Pseudonym}, {"facility", r.Facility}, {"note", r.Note}} {
		if err := domain.ValidateText(t.f, t.v); err != nil {
			return err
		}
	}
	if r.Person != "" {
		ok, err := s.st.PersonExists(ctx, []string{r.Person})
		if err != nil {
			return err
		}
		if !ok[r.Person] {
			return domain.Invalid("person", "no person %q in the register (use a pseudonym for someone not in it)", r.Person)
		}
	}
	return nil
}

// Add records a marker for by's organisation and returns its sequence
// number. A person already marked in the category by the organisation is
// refused.
func (s *Service) Add(ctx context.Context, by *auth.Principal, n NewMarker) (int64, error) {
	o, err := s.org(ctx, by)
	if err != nil {
		return 0, err
	}
	if err := s.validate(ctx, &n); err != nil {
		return 0, err
	}
	if !s.keys.CanSeal(o.ID) {
		return 0, fmt.Errorf("recording a marker of %s: %w", o.ID, restricted.ErrNoKey)
	}
	if s.keys.CanOpen(o.ID) {
		have, err := s.list(ctx, o.ID)
		if err != nil {
			return 0, err
		}
		for _, m := range have {
			if !m.Destroyed && m.Category == n.Category && who(m.Record) == who(n.Record) {
				return 0, &domain.Error{Code: domain.ErrConflict, Field: "person",
					Msg: fmt.Sprintf("%s is already marked %s by %s (event %d)", who(n.Record), n.Category, o.ID, m.Seq)}
			}
		}
	}
	plain, err := json.Marshal(n.Record)
	if err != nil {
		return 0, fmt.Errorf("encoding the marker: %w", err)
	}
	sealed, err := s.keys.Seal(o.ID, plain)
	if err != nil {
		return 0, err
	}
	ev := &domain.Event{Kind: domain.KMarker, Date: n.Date, Data: &domain.MarkerData{Category: n.Category, Record: sealed}}
	// The audit entry is about the organisation: the person is restricted.
	seqs, _, err := s.led.RecordAbout(ctx, ledger.Actor{Name: by.User, Via: by.Via}, "org:"+o.ID, nil, ev)
	if err != nil {
		return 0, err
	}
	return seqs[0], nil
}

func who(r Record) string {
	if r.Person != "" {
		return "person " + r.Person
	}
	return "pseudonym " + r.Pseudonym
}

// List returns the markers of by's organisation, oldest first, and records
// the read in the audit chain.
func (s *Service) List(ctx context.Context, by *auth.Principal) ([]Marker, error) {
	o, err := s.org(ctx, by)
	if err != nil {
		return nil, err
	}
	ms, err := s.list(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	seqs := make([]int64, len(ms))
	for i, m := range ms {
		seqs[i] = m.Seq
	}
	if s.audit != nil && len(ms) > 0 {
		if err := s.audit.Record(ctx, by, auth.ActRestrictedRead, "org:"+o.ID, map[string]any{"seqs": seqs}); err != nil {
			return nil, fmt.Errorf("recording the read: %w", err)
		}
	}
	return ms, nil
}

// list opens the markers of org.
func (s *Service) list(ctx context.Context, org string) ([]Marker, error) {
	if !s.keys.CanOpen(org) {
		return nil, fmt.Errorf("reading the markers of %s: %w", org, restricted.ErrNoKey)
	}
	keys, err := s.st.RecordKeys(ctx, org)
	if err != nil {
		return nil, err
	}
	var out []Marker
	for _, k := range keys {
		ev, m, err := s.marker(ctx, k.Seq)
		if err != nil {
			return nil, err
		}
		if m == nil {
			continue // a restricted record of another kind (a visit's interviews)
		}
		mk := Marker{Seq: ev.Seq, Date: ev.Date, Category: m.Category, Org: m.Record.Org, RecordedBy: ev.RecordedBy, RecordedAt: ev.RecordedAt,
			Destroyed: k.Wrapped == nil}
		if !mk.Destroyed {
			plain, err := s.keys.Open(&m.Record, k.Wrapped)
			if err != nil {
				return nil, fmt.Errorf("marker %d: %w", k.Seq, err)
			}
			if err := json.Unmarshal(plain, &mk.Record); err != nil {
				return nil, fmt.Errorf("marker %d: %w", k.Seq, err)
			}
		}
		out = append(out, mk)
	}
	return out, nil
}

// marker reads the event at seq, and its payload when it is a marker.
func (s *Service) marker(ctx context.Context, seq int64) (*domain.Event, *domain.MarkerData, error) {
	se, ok, err := s.st.Event(ctx, seq)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, fmt.Errorf("event %d, which has a record key, is not in the ledger", seq)
	}
	if se.Kind != domain.KMarker {
		return nil, nil, nil
	}
	ev, err := domain.DecodeEvent(se.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("event %d: %w", seq, err)
	}
	return ev, ev.Data.(*domain.MarkerData), nil
}

// Destroy destroys a marker's data key (consent withdrawn, or a marker
// made in error): it can never be read again, and no longer counts. The
// event stays in the chain.
func (s *Service) Destroy(ctx context.Context, accounts *auth.Service, by *auth.Principal, seq int64, reason string) error {
	return accounts.DestroyRecordKey(ctx, by, seq, reason)
}
