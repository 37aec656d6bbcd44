package auth

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// The kinds of organisation. The strings are stored; never rename one.
const (
	// OrgAdministration is the prison administration, which keeps the
	// register; its administrators manage the organisations.
	OrgAdministration = "administration"
	// OrgMinistry is a ministry (justice, interior) that reads and records
	// as its users' roles allow.
	OrgMinistry = "ministry"
	// OrgMonitoring is a monitoring organisation (an NGO, a national
	// preventive mechanism): it keeps restricted records no one else reads,
	// and records nothing in the custody register.
	OrgMonitoring = "monitoring"
)

// OrgKinds in the order they are offered.
var OrgKinds = []string{OrgAdministration, OrgMinistry, OrgMonitoring}

// WithOrgs gives the service the organisations, so that users can be put
// in one and principals know theirs.
func WithOrgs(o store.Orgs) Option { return func(s *Service) { s.orgs = o } }

// OrgAdmin reports whether p manages organisations and every user: an
// administrator of the prison administration (or the command line, whose
// principal has no organisation). An administrator of another organisation
// manages its own users only.
func (p *Principal) OrgAdmin() bool {
	return p.Authenticated() && p.Role == Admin && (p.Org == "" || p.Org == store.DefaultOrg)
}

// manages reports whether by may manage the account of a user of org.
func (p *Principal) manages(org string) bool {
	if org == "" {
		org = store.DefaultOrg
	}
	return p.OrgAdmin() || (p.Can(ManageUsers) && p.Org == org)
}

// InOrg reports whether p is a user of the organisation org: what reading
// and writing its restricted records requires. The command line's
// principal belongs to the organisation it was told to act for.
func (p *Principal) InOrg(org string) bool {
	return p.Authenticated() && org != "" && p.Org == org
}

var orgID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,39}$`)

// AddOrg adds an organisation (administrators of the prison administration
// only).
func (s *Service) AddOrg(ctx context.Context, by *Principal, o store.Org) error {
	if err := by.Require(ManageUsers, ""); err != nil {
		return err
	}
	if !by.OrgAdmin() {
		return &domain.Error{Code: domain.ErrForbidden, Msg: by.User + " may not add organisations: only administrators of the prison administration may"}
	}
	o.Name = strings.TrimSpace(o.Name)
	switch {
	case !orgID.MatchString(o.ID):
		return domain.Invalid("id", "must be 2-40 characters: lower-case letters, digits or '-', starting with a letter or digit; got %q", o.ID)
	case o.Name == "" || len(o.Name) > 200:
		return domain.Invalid("name", "must be given, at most 200 characters")
	case !slices.Contains(OrgKinds, o.Kind):
		return domain.Invalid("kind", "must be one of %s, not %q", strings.Join(OrgKinds, ", "), o.Kind)
	}
	o.Created = s.now().UTC().Truncate(time.Second)
	err := s.apply(ctx, by, ActOrgAdd, o.ID, map[string]string{"name": o.Name, "kind": o.Kind}, store.AccountChange{NewOrg: &o})
	if errors.Is(err, store.ErrExists) {
		return domain.Invalid("id", "an organisation %q already exists", o.ID)
	}
	return err
}

// Orgs lists the organisations (any signed-in user: their names are not
// secret).
func (s *Service) Orgs(ctx context.Context, by *Principal) ([]store.Org, error) {
	if !by.Authenticated() {
		return nil, domain.ErrUnauthenticated
	}
	if s.orgs == nil {
		return nil, errors.New("organisations are not available on this store")
	}
	return s.orgs.Orgs(ctx)
}

// Org returns one organisation, domain.ErrNotFound naming it when there is
// none.
func (s *Service) Org(ctx context.Context, id string) (store.Org, error) {
	if s.orgs == nil {
		return store.Org{}, errors.New("organisations are not available on this store")
	}
	o, ok, err := s.orgs.Org(ctx, id)
	if err != nil {
		return o, err
	}
	if !ok {
		return o, &domain.Error{Code: domain.ErrNotFound, Field: "org", Msg: fmt.Sprintf("no organisation %q (habeas org list shows them)", id)}
	}
	return o, nil
}

// AddOrgKey registers a public key (PEM, with its id) that may sign the
// organisation's offline bundles: administrators of the prison
// administration, or of the organisation itself.
func (s *Service) AddOrgKey(ctx context.Context, by *Principal, k store.OrgKey) error {
	if err := by.Require(ManageUsers, ""); err != nil {
		return err
	}
	if _, err := s.Org(ctx, k.Org); err != nil {
		return err
	}
	if !by.manages(k.Org) {
		return &domain.Error{Code: domain.ErrForbidden, Msg: by.User + " may not register keys of " + k.Org}
	}
	k.Added = s.now().UTC().Truncate(time.Second)
	err := s.apply(ctx, by, ActOrgKeyAdd, k.Org, map[string]string{"key_id": k.KeyID, "pubkey": k.PubKey}, store.AccountChange{OrgKey: &k})
	if errors.Is(err, store.ErrExists) {
		return domain.Invalid("key", "key %s is already registered for %s", k.KeyID, k.Org)
	}
	return err
}

// OrgKeys lists the bundle keys of an organisation.
func (s *Service) OrgKeys(ctx context.Context, by *Principal, org string) ([]store.OrgKey, error) {
	if !by.Authenticated() {
		return nil, domain.ErrUnauthenticated
	}
	if _, err := s.Org(ctx, org); err != nil {
		return nil, err
	}
	return s.orgs.OrgKeys(ctx, org)
}

// DestroyRecordKey destroys the data key of the restricted record at seq
// (consent withdrawn): the record can never be read again, while its event
// stays in the chain. Users of the record's organisation only; audited.
func (s *Service) DestroyRecordKey(ctx context.Context, by *Principal, seq int64, reason string) error {
	return s.DestroyRecordPart(ctx, by, seq, 0, reason)
}

// DestroyRecordPart destroys the data key of one part of the restricted
// records at seq: one interview of a visit, whose consent was withdrawn,
// and no other.
func (s *Service) DestroyRecordPart(ctx context.Context, by *Principal, seq int64, part int, reason string) error {
	if !by.Authenticated() {
		return domain.ErrUnauthenticated
	}
	if s.orgs == nil {
		return errors.New("organisations are not available on this store")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return domain.Invalid("reason", "say why the record is destroyed (consent withdrawn, ...)")
	}
	ks, err := s.orgs.EventRecordKeys(ctx, seq)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(ks, func(k store.RecordKey) bool { return k.Part == part })
	if i < 0 {
		if len(ks) == 0 {
			return &domain.Error{Code: domain.ErrNotFound, Field: "seq", Msg: fmt.Sprintf("event %d carries no restricted record", seq)}
		}
		return &domain.Error{Code: domain.ErrNotFound, Field: "part", Msg: fmt.Sprintf("event %d has no restricted record %d (it has %d)", seq, part, len(ks))}
	}
	k := ks[i]
	if !by.InOrg(k.Org) {
		return &domain.Error{Code: domain.ErrForbidden, Msg: fmt.Sprintf("%s may not destroy the records of another organisation", by.User)}
	}
	if k.Wrapped == nil {
		return &domain.Error{Code: domain.ErrConflict, Field: "seq", Msg: fmt.Sprintf("the key of record %d was already destroyed on %s", seq, k.Destroyed.Format(time.DateOnly))}
	}
	subject, detail := fmt.Sprint(seq), map[string]string{"org": k.Org, "reason": reason}
	if part != 0 {
		subject, detail["part"] = fmt.Sprintf("%d/%d", seq, part), fmt.Sprint(part)
	}
	return s.apply(ctx, by, ActRecordKeyDestroy, subject, detail,
		store.AccountChange{DestroyRecordKey: seq, DestroyRecordPart: part})
}

// orgKind is the kind of the organisation of a user, "" when unknown.
func (s *Service) orgKind(ctx context.Context, org string) (string, error) {
	if s.orgs == nil {
		return "", nil
	}
	o, ok, err := s.orgs.Org(ctx, orgOrDefault(org))
	if err != nil || !ok {
		return "", err
	}
	return o.Kind, nil
}

func orgOrDefault(org string) string {
	if org == "" {
		return store.DefaultOrg
	}
	return org
}
