package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"

	"github.com/habeas-kh/habeas/internal/store"
)

// Service manages accounts and answers who a request is.
type Service struct {
	acc        store.Accounts
	now        func() time.Time
	log        *slog.Logger
	argon      Argon2Params
	limit      *limiter
	sessionTTL time.Duration
	facilities func(ctx context.Context) (map[string]bool, error)
	dummyHash  string
}

// Option configures a Service.
type Option func(*Service)

// WithClock replaces the clock (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithArgon2 sets the cost of new password hashes (tests use a cheap one).
func WithArgon2(p Argon2Params) Option { return func(s *Service) { s.argon = p } }

// WithFacilities gives the set of facility ids a user may be assigned to.
func WithFacilities(f func(ctx context.Context) (map[string]bool, error)) Option {
	return func(s *Service) { s.facilities = f }
}

// New returns the service on an accounts store.
func New(acc store.Accounts, opts ...Option) *Service {
	s := &Service{acc: acc, now: time.Now, log: slog.New(slog.DiscardHandler), argon: DefaultArgon2,
		limit: newLimiter(15 * time.Minute), sessionTTL: 12 * time.Hour}
	for _, o := range opts {
		o(s)
	}
	// Compared against when the user does not exist, so that a wrong name
	// costs as long as a wrong password and names cannot be probed by timing.
	s.dummyHash = HashPassword(RandomPassword(), s.argon)
	return s
}

// System is the principal of the command line: whoever can run habeas on the
// database can change it directly, so the CLI acts as an administrator.
func System(name, via string) *Principal {
	return &Principal{User: name, Role: Admin, Via: via}
}

var userName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,39}$`)

// NewUser is what AddUser needs.
type NewUser struct {
	Name       string
	Display    string
	Password   string
	Role       Role
	Facilities []string
	Health     bool
}

func (s *Service) checkAccess(ctx context.Context, role Role, facilities []string) error {
	if !role.Valid() {
		names := make([]string, len(Roles))
		for i, r := range Roles {
			names[i] = string(r)
		}
		return domain.Invalid("role", "must be one of %s, not %q", strings.Join(names, ", "), role)
	}
	if role.Scoped() && len(facilities) == 0 {
		return domain.Invalid("facilities", "a %s must be assigned at least one facility", role)
	}
	if s.facilities != nil && len(facilities) > 0 {
		known, err := s.facilities(ctx)
		if err != nil {
			return err
		}
		for _, f := range facilities {
			if !known[f] {
				return domain.Invalid("facilities", "no facility %q in the register", f)
			}
		}
	}
	return nil
}

func cleanFacilities(fs []string) []string {
	out := []string{}
	for _, f := range fs {
		if f = strings.TrimSpace(f); f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// AddUser creates an account.
func (s *Service) AddUser(ctx context.Context, by *Principal, nu NewUser) error {
	if err := by.Require(ManageUsers, ""); err != nil {
		return err
	}
	nu.Facilities = cleanFacilities(nu.Facilities)
	if !userName.MatchString(nu.Name) {
		return domain.Invalid("name", "must be 2-40 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	if len(nu.Display) > 200 {
		return domain.Invalid("display", "must have at most 200 characters")
	}
	if err := checkPassword(nu.Password); err != nil {
		return err
	}
	if err := s.checkAccess(ctx, nu.Role, nu.Facilities); err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Second)
	u := &store.User{Name: nu.Name, Display: strings.TrimSpace(nu.Display), Role: string(nu.Role), Facilities: nu.Facilities,
		Health: nu.Health && nu.Role == Monitor, PassHash: HashPassword(nu.Password, s.argon), Created: now, Updated: now}
	err := s.apply(ctx, by, ActUserAdd, u.Name, detailOf(u), store.AccountChange{NewUser: u})
	if errors.Is(err, store.ErrExists) {
		return domain.Invalid("name", "a user %q already exists", nu.Name)
	}
	return err
}

func (s *Service) existing(ctx context.Context, name string) (*store.User, error) {
	u, ok, err := s.acc.User(ctx, name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("user %q: %w", name, domain.ErrNotFound)
	}
	return &u, nil
}

// SetRole changes a user's role, facilities and health-data grant.
func (s *Service) SetRole(ctx context.Context, by *Principal, name string, role Role, facilities []string, health bool) error {
	if err := by.Require(ManageUsers, ""); err != nil {
		return err
	}
	u, err := s.existing(ctx, name)
	if err != nil {
		return err
	}
	facilities = cleanFacilities(facilities)
	if err := s.checkAccess(ctx, role, facilities); err != nil {
		return err
	}
	if u.Name == by.User && role != Admin && Role(u.Role) == Admin {
		return domain.Invalid("role", "you cannot remove your own administrator role: ask another administrator")
	}
	u.Role, u.Facilities, u.Health, u.Updated = string(role), facilities, health && role == Monitor, s.now().UTC().Truncate(time.Second)
	return s.apply(ctx, by, ActUserRole, u.Name, detailOf(u), store.AccountChange{User: u})
}

// SetDisabled disables or re-enables a user; disabling ends their sessions
// and makes their tokens unusable.
func (s *Service) SetDisabled(ctx context.Context, by *Principal, name string, disabled bool) error {
	if err := by.Require(ManageUsers, ""); err != nil {
		return err
	}
	u, err := s.existing(ctx, name)
	if err != nil {
		return err
	}
	if u.Name == by.User && disabled {
		return domain.Invalid("name", "you cannot disable yourself")
	}
	u.Disabled, u.Updated = disabled, s.now().UTC().Truncate(time.Second)
	act := ActUserEnable
	if disabled {
		act = ActUserDisable
	}
	if err := s.apply(ctx, by, act, u.Name, detailOf(u), store.AccountChange{User: u}); err != nil {
		return err
	}
	if disabled {
		return s.acc.DeleteSessions(ctx, u.Name, s.now())
	}
	return nil
}

// SetPassword sets a user's password: their own, or anyone's for an
// administrator. It ends the user's sessions.
func (s *Service) SetPassword(ctx context.Context, by *Principal, name, password string) error {
	if !by.Authenticated() {
		return domain.ErrUnauthenticated
	}
	if by.User != name {
		if err := by.Require(ManageUsers, ""); err != nil {
			return err
		}
	}
	if err := checkPassword(password); err != nil {
		return err
	}
	u, err := s.existing(ctx, name)
	if err != nil {
		return err
	}
	u.PassHash, u.Updated = HashPassword(password, s.argon), s.now().UTC().Truncate(time.Second)
	if err := s.apply(ctx, by, ActUserPass, u.Name, detailOf(u), store.AccountChange{User: u}); err != nil {
		return err
	}
	return s.acc.DeleteSessions(ctx, u.Name, s.now())
}

// Users lists the accounts (administrators only).
func (s *Service) Users(ctx context.Context, by *Principal) ([]store.User, error) {
	if err := by.Require(ManageUsers, ""); err != nil {
		return nil, err
	}
	return s.acc.Users(ctx)
}

// User returns one account: one's own, or anyone's for an administrator.
func (s *Service) User(ctx context.Context, by *Principal, name string) (*store.User, error) {
	if !by.Authenticated() {
		return nil, domain.ErrUnauthenticated
	}
	if by.User != name {
		if err := by.Require(ManageUsers, ""); err != nil {
			return nil, err
		}
	}
	return s.existing(ctx, name)
}

func principalOf(u *store.User, via string) *Principal {
	return &Principal{User: u.Name, Role: Role(u.Role), Facilities: u.Facilities, Health: u.Health, Via: via}
}

// check verifies a name and password under the rate limits.
func (s *Service) check(ctx context.Context, name, password, remote string) (*store.User, error) {
	now := s.now()
	name = strings.TrimSpace(strings.ToLower(name))
	if len(name) > 100 {
		name = name[:100]
	}
	if s.limit.blocked("u:"+name, 5, now) || s.limit.blocked("a:"+remote, 20, now) {
		s.log.Warn("sign-in refused: rate limited", "user", name, "remote", remote)
		return nil, ErrRateLimited
	}
	u, ok, err := s.acc.User(ctx, name)
	if err != nil {
		return nil, err
	}
	hash := s.dummyHash
	if ok {
		hash = u.PassHash
	}
	if !VerifyPassword(password, hash) || !ok || u.Disabled {
		s.limit.fail("u:"+name, now)
		s.limit.fail("a:"+remote, now)
		s.log.Warn("sign-in failed", "user", name, "remote", remote)
		return nil, ErrBadCredentials
	}
	s.limit.reset("u:" + name)
	return &u, nil
}

// CheckPassword verifies a user's password again (before a password change)
// without opening a session; failures count towards the rate limit.
func (s *Service) CheckPassword(ctx context.Context, name, password, remote string) error {
	_, err := s.check(ctx, name, password, remote)
	return err
}

// Login checks a name and password. remote is the client address, used for
// rate limiting and the session record. It returns the session's cookie value.
func (s *Service) Login(ctx context.Context, name, password, remote string) (string, *Principal, error) {
	u, err := s.check(ctx, name, password, remote)
	if err != nil {
		return "", nil, err
	}
	now := s.now()
	secret := randomToken(32)
	sess := store.Session{Hash: sha256hex(secret), User: u.Name, Created: now.UTC(), Expires: now.Add(s.sessionTTL).UTC(), Remote: remote}
	// Expired sessions of everyone go at each sign-in, so the table stays small.
	if err := s.acc.DeleteSessions(ctx, "", now); err != nil {
		return "", nil, err
	}
	if err := s.acc.CreateSession(ctx, sess); err != nil {
		return "", nil, err
	}
	s.log.Info("signed in", "user", u.Name, "remote", remote)
	return secret, principalOf(u, ""), nil
}

// Session returns the principal of a session cookie value.
func (s *Service) Session(ctx context.Context, secret, via string) (*Principal, error) {
	if secret == "" || len(secret) > 100 {
		return nil, domain.ErrUnauthenticated
	}
	sess, ok, err := s.acc.SessionByHash(ctx, sha256hex(secret))
	if err != nil {
		return nil, err
	}
	if !ok || !s.now().Before(sess.Expires) {
		return nil, domain.ErrUnauthenticated
	}
	return s.active(ctx, sess.User, via)
}

func (s *Service) active(ctx context.Context, name, via string) (*Principal, error) {
	u, ok, err := s.acc.User(ctx, name)
	if err != nil {
		return nil, err
	}
	if !ok || u.Disabled {
		return nil, domain.ErrUnauthenticated
	}
	return principalOf(&u, via), nil
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, secret string) error {
	if secret == "" {
		return nil
	}
	return s.acc.DeleteSession(ctx, sha256hex(secret))
}

func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenPrefix marks habeas API tokens, so that secret scanners and people
// can recognise one.
const tokenPrefix = "hbs_"

// CreateToken makes an API token for user (oneself, or anyone for an
// administrator) and returns the secret, shown once.
func (s *Service) CreateToken(ctx context.Context, by *Principal, user, label string) (string, store.Token, error) {
	if !by.Authenticated() {
		return "", store.Token{}, domain.ErrUnauthenticated
	}
	if user != by.User {
		if err := by.Require(ManageUsers, ""); err != nil {
			return "", store.Token{}, err
		}
	}
	label = strings.TrimSpace(label)
	if len(label) > 100 {
		return "", store.Token{}, domain.Invalid("label", "must have at most 100 characters")
	}
	if _, err := s.existing(ctx, user); err != nil {
		return "", store.Token{}, err
	}
	idb := make([]byte, 6)
	rand.Read(idb)
	id := hex.EncodeToString(idb)
	secret := tokenPrefix + id + "_" + randomToken(32)
	t := store.Token{ID: id, User: user, Label: label, Hash: sha256hex(secret), Created: s.now().UTC().Truncate(time.Second)}
	if err := s.apply(ctx, by, ActTokenCreate, user, tokenDetail{ID: id, User: user, Label: label, Hash: t.Hash}, store.AccountChange{Token: &t}); err != nil {
		return "", store.Token{}, err
	}
	return secret, t, nil
}

// Tokens lists a user's tokens (never their secrets).
func (s *Service) Tokens(ctx context.Context, by *Principal, user string) ([]store.Token, error) {
	if !by.Authenticated() {
		return nil, domain.ErrUnauthenticated
	}
	if user != by.User {
		if err := by.Require(ManageUsers, ""); err != nil {
			return nil, err
		}
	}
	return s.acc.Tokens(ctx, user)
}

// RevokeToken revokes a token of one's own, or anyone's for an administrator.
func (s *Service) RevokeToken(ctx context.Context, by *Principal, id string) error {
	if !by.Authenticated() {
		return domain.ErrUnauthenticated
	}
	toks, err := s.acc.Tokens(ctx, "")
	if err != nil {
		return err
	}
	i := slices.IndexFunc(toks, func(t store.Token) bool { return t.ID == id })
	if i < 0 {
		return fmt.Errorf("token %q: %w", id, domain.ErrNotFound)
	}
	t := toks[i]
	if t.User != by.User {
		if err := by.Require(ManageUsers, ""); err != nil {
			return err
		}
	}
	if t.Revoked {
		return nil
	}
	t.Revoked = true
	return s.apply(ctx, by, ActTokenRevoke, t.User, tokenDetail{ID: id, User: t.User}, store.AccountChange{Token: &t})
}

// Bearer returns the principal of an API token.
func (s *Service) Bearer(ctx context.Context, secret, via string) (*Principal, error) {
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 200 {
		return nil, domain.ErrUnauthenticated
	}
	t, ok, err := s.acc.TokenByHash(ctx, sha256hex(secret))
	if err != nil {
		return nil, err
	}
	if !ok || t.Revoked {
		return nil, domain.ErrUnauthenticated
	}
	return s.active(ctx, t.User, via)
}

// Audit returns the audit trail of a user: what they did and what was done
// to their account, newest first. One's own, or anyone's with ReadAudit.
func (s *Service) Audit(ctx context.Context, by *Principal, user string, limit int) ([]store.AuditEntry, error) {
	if !by.Authenticated() {
		return nil, domain.ErrUnauthenticated
	}
	if user != by.User {
		if err := by.Require(ReadAudit, ""); err != nil {
			return nil, err
		}
	}
	return s.acc.AuditAbout(ctx, user, user, limit)
}

// AuditSubject returns the entries about a subject (a person id), newest
// first. The caller checks that by may read the subject.
func (s *Service) AuditSubject(ctx context.Context, subject string, limit int) ([]store.AuditEntry, error) {
	return s.acc.AuditAbout(ctx, "", subject, limit)
}

// Record adds an audit entry for a write made elsewhere (a ledger event).
func (s *Service) Record(ctx context.Context, by *Principal, action, subject string, detail any) error {
	return s.apply(ctx, by, action, subject, detail, store.AccountChange{})
}

// Secret returns a named server secret (created on first use).
func (s *Service) Secret(ctx context.Context, name string) ([]byte, error) {
	return s.acc.Secret(ctx, name, func() []byte {
		b := make([]byte, 32)
		rand.Read(b)
		return b
	})
}
