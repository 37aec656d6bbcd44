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
	sessionTTL time.Duration
	facilities func(ctx context.Context) (map[string]bool, error)
	orgs       store.Orgs
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
		sessionTTL: 12 * time.Hour}
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
	// Org is the organisation the user belongs to: by default the one of
	// whoever adds them (the prison administration for the command line).
	Org string
}

// checkOrg checks that by may put a user in org (an existing organisation,
// their own unless they manage organisations) with role: a monitoring
// organisation's users are administrators, monitors or analysts, never
// registrars or legal officers, who write the custody register.
func (s *Service) checkOrg(ctx context.Context, by *Principal, org string, role Role) error {
	if s.orgs == nil {
		if org != "" && org != store.DefaultOrg {
			return domain.Invalid("org", "organisations are not available on this store")
		}
		return nil
	}
	o, err := s.Org(ctx, orgOrDefault(org))
	if err != nil {
		return err
	}
	if !by.manages(o.ID) {
		return &domain.Error{Code: domain.ErrForbidden, Msg: fmt.Sprintf("%s may not manage the users of %s", by.User, o.ID)}
	}
	if o.Kind == OrgMonitoring && (role == Registrar || role == Legal) {
		return domain.Invalid("role", "a user of the monitoring organisation %s may be admin, monitor or analyst, not %s", o.ID, role)
	}
	return nil
}

// orgOfNew is the organisation a new user goes in when none is named.
func orgOfNew(by *Principal, org string) string {
	if org != "" {
		return org
	}
	return orgOrDefault(by.Org)
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
	nu.Org = orgOfNew(by, nu.Org)
	if err := s.checkOrg(ctx, by, nu.Org, nu.Role); err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Second)
	u := &store.User{Name: nu.Name, Display: strings.TrimSpace(nu.Display), Role: string(nu.Role), Facilities: nu.Facilities,
		Health: nu.Health && nu.Role == Monitor, PassHash: HashPassword(nu.Password, s.argon), Created: now, Updated: now, Org: nu.Org}
	err := s.apply(ctx, by, ActUserAdd, u.Name, detailOf(u), store.AccountChange{NewUser: u})
	if errors.Is(err, store.ErrExists) {
		return domain.Invalid("name", "a user %q already exists", nu.Name)
	}
	return err
}

// existing reads a user through r: the store, or an account change's
// transaction.
func existing(ctx context.Context, r store.AccountReader, name string) (*store.User, error) {
	u, ok, err := r.User(ctx, name)
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
	target, err := existing(ctx, s.acc, name)
	if err != nil {
		return err // before the facilities, so that a missing user is named as such
	}
	facilities = cleanFacilities(facilities)
	if err := s.checkAccess(ctx, role, facilities); err != nil {
		return err
	}
	if err := s.checkOrg(ctx, by, target.Org, role); err != nil {
		return err
	}
	return s.applyWith(ctx, by, ActUserRole, name, func(ctx context.Context, r store.AccountReader) (any, store.AccountChange, error) {
		// Read in the transaction: the row written is the one read, so a
		// password changed meanwhile is kept.
		u, err := existing(ctx, r, name)
		if err != nil {
			return nil, store.AccountChange{}, err
		}
		if u.Org != target.Org {
			return nil, store.AccountChange{}, &domain.Error{Code: domain.ErrConflict, Msg: fmt.Sprintf("user %s moved to another organisation meanwhile: try again", name)}
		}
		if u.Name == by.User && role != Admin && Role(u.Role) == Admin {
			return nil, store.AccountChange{}, domain.Invalid("role", "you cannot remove your own administrator role: ask another administrator")
		}
		u.Role, u.Facilities, u.Health, u.Updated = string(role), facilities, health && role == Monitor, s.now().UTC().Truncate(time.Second)
		return detailOf(u), store.AccountChange{User: u}, nil
	})
}

// SetDisabled disables or re-enables a user. Disabling ends their sessions
// and revokes their tokens, so that re-enabling the account gives none of
// them back: the user makes new ones.
func (s *Service) SetDisabled(ctx context.Context, by *Principal, name string, disabled bool) error {
	if err := by.Require(ManageUsers, ""); err != nil {
		return err
	}
	if name == by.User && disabled {
		return domain.Invalid("name", "you cannot disable yourself")
	}
	act := ActUserEnable
	if disabled {
		act = ActUserDisable
	}
	return s.applyWith(ctx, by, act, name, func(ctx context.Context, r store.AccountReader) (any, store.AccountChange, error) {
		u, err := existing(ctx, r, name)
		if err != nil {
			return nil, store.AccountChange{}, err
		}
		if !by.manages(u.Org) {
			return nil, store.AccountChange{}, &domain.Error{Code: domain.ErrForbidden, Msg: fmt.Sprintf("%s may not manage the users of %s", by.User, u.Org)}
		}
		u.Disabled, u.Updated = disabled, s.now().UTC().Truncate(time.Second)
		d := detailOf(u)
		if disabled {
			if d.RevokedTokens, err = activeTokens(ctx, r, name); err != nil {
				return nil, store.AccountChange{}, err
			}
		}
		c := store.AccountChange{User: u, RevokeTokens: d.RevokedTokens}
		if disabled {
			c.EndSessions = name
		}
		return d, c, nil
	})
}

// activeTokens are the ids of the tokens of user not yet revoked, read
// through r.
func activeTokens(ctx context.Context, r store.AccountReader, user string) ([]string, error) {
	toks, err := r.Tokens(ctx, user)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, t := range toks {
		if !t.Revoked {
			ids = append(ids, t.ID)
		}
	}
	return ids, nil
}

// PasswordChange is a new password and what else the change does.
type PasswordChange struct {
	Password string
	// KeepTokens keeps the user's API tokens. By default a password change
	// revokes them: a password is changed when it may be known to someone
	// else, who may have made a token with it.
	KeepTokens bool
}

// SetPassword sets a user's password: their own, or anyone's for an
// administrator. It ends the user's sessions, revokes their tokens unless
// pc.KeepTokens, and clears the delays their failed sign-ins earned.
func (s *Service) SetPassword(ctx context.Context, by *Principal, name string, pc PasswordChange) error {
	if !by.Authenticated() {
		return domain.ErrUnauthenticated
	}
	if by.User != name {
		if err := by.Require(ManageUsers, ""); err != nil {
			return err
		}
	}
	if err := checkPassword(pc.Password); err != nil {
		return err
	}
	hash := HashPassword(pc.Password, s.argon)
	return s.applyWith(ctx, by, ActUserPass, name, func(ctx context.Context, r store.AccountReader) (any, store.AccountChange, error) {
		u, err := existing(ctx, r, name)
		if err != nil {
			return nil, store.AccountChange{}, err
		}
		if by.User != name && !by.manages(u.Org) {
			return nil, store.AccountChange{}, &domain.Error{Code: domain.ErrForbidden, Msg: fmt.Sprintf("%s may not manage the users of %s", by.User, u.Org)}
		}
		u.PassHash, u.Updated = hash, s.now().UTC().Truncate(time.Second)
		d := detailOf(u)
		if !pc.KeepTokens {
			if d.RevokedTokens, err = activeTokens(ctx, r, name); err != nil {
				return nil, store.AccountChange{}, err
			}
		}
		return d, store.AccountChange{User: u, RevokeTokens: d.RevokedTokens, EndSessions: name, ClearSignInFailures: name}, nil
	})
}

// Users lists the accounts (administrators only).
func (s *Service) Users(ctx context.Context, by *Principal) ([]store.User, error) {
	if err := by.Require(ManageUsers, ""); err != nil {
		return nil, err
	}
	us, err := s.acc.Users(ctx)
	if err != nil || by.OrgAdmin() {
		return us, err
	}
	// An organisation's administrator sees its own users only.
	return slices.DeleteFunc(us, func(u store.User) bool { return orgOrDefault(u.Org) != orgOrDefault(by.Org) }), nil
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
	u, err := existing(ctx, s.acc, name)
	if err == nil && by.User != name && !by.manages(u.Org) {
		return nil, &domain.Error{Code: domain.ErrForbidden, Msg: fmt.Sprintf("%s may not manage the users of %s", by.User, u.Org)}
	}
	return u, err
}

func (s *Service) principalOf(ctx context.Context, u *store.User, via string) (*Principal, error) {
	kind, err := s.orgKind(ctx, u.Org)
	if err != nil {
		return nil, err
	}
	return &Principal{User: u.Name, Role: Role(u.Role), Facilities: u.Facilities, Health: u.Health, Via: via,
		Org: orgOrDefault(u.Org), OrgKind: kind}, nil
}

// Credentials are what a sign-in presents.
type Credentials struct {
	Name     string
	Password string
	Remote   string // the client's address
	Device   string // the device cookie's value, "" when the browser has none
}

// SignIn is the outcome of Login.
type SignIn struct {
	Secret    string // the session cookie's value
	Principal *Principal
	Device    string // the device cookie's new value
	// RetryAfter is how long to wait before trying again, when Login
	// returns ErrRateLimited.
	RetryAfter time.Duration
}

// check verifies a name and password under the delays that earlier failures
// earned (see limit.go). It returns the user, the id of the device cookie's
// entry for the name ("" when none) and, when refused for a delay, how long
// is left.
func (s *Service) check(ctx context.Context, c Credentials) (*store.User, string, time.Duration, error) {
	now := s.now()
	name := strings.TrimSpace(strings.ToLower(c.Name))
	if len(name) > 100 {
		name = name[:100]
	}
	dev, err := s.knownDevice(ctx, c.Device, name)
	if err != nil {
		return nil, "", 0, err
	}
	// A known device waits only for its own failures: failures elsewhere
	// must not keep the user out.
	keys := []string{userKey(name), addrKey(c.Remote)}
	if dev != "" {
		keys = []string{deviceKey(name, dev)}
	}
	fs, err := s.acc.SignInFailures(ctx, keys...)
	if err != nil {
		return nil, "", 0, err
	}
	var wait time.Duration
	for _, f := range fs {
		wait = max(wait, ruleOf(f.Key).wait(f, now))
	}
	if wait > 0 {
		s.log.Warn("sign-in refused: delayed after failures", "user", name, "remote", c.Remote, "known_device", dev != "", "wait", wait)
		return nil, dev, wait, ErrRateLimited
	}
	u, ok, err := s.acc.User(ctx, name)
	if err != nil {
		return nil, "", 0, err
	}
	hash := s.dummyHash
	if ok {
		hash = u.PassHash
	}
	forget := now.Add(-forgetAfter)
	if !VerifyPassword(c.Password, hash) || !ok || u.Disabled {
		fail := [][2]string{{userKey(name), name}, {addrKey(c.Remote), ""}}
		if dev != "" {
			fail = append(fail, [2]string{deviceKey(name, dev), name})
		}
		for _, k := range fail {
			if _, err := s.acc.SignInFailed(ctx, k[0], k[1], now, forget); err != nil {
				return nil, "", 0, err
			}
		}
		s.log.Warn("sign-in failed", "user", name, "remote", c.Remote, "known_device", dev != "")
		return nil, dev, 0, ErrBadCredentials
	}
	// A success clears the count of the way in that was used: a known
	// device its own, a new browser the user's (it was not delaying, or the
	// try would have been refused). A success on a known device leaves the
	// user's count, else the user signing in would hand an attacker
	// elsewhere fresh guesses; and the address's count stays, since one
	// account's success there says nothing about the guesses at others.
	// Old counts of anyone go too.
	clear := []string{userKey(name)}
	if dev != "" {
		clear = []string{deviceKey(name, dev)}
	}
	if err := s.acc.ClearSignInFailures(ctx, "", clear, forget); err != nil {
		return nil, "", 0, err
	}
	return &u, dev, 0, nil
}

// CheckPassword verifies a user's password again (before a password change)
// without opening a session; failures count and delay like sign-ins.
func (s *Service) CheckPassword(ctx context.Context, c Credentials) error {
	_, _, _, err := s.check(ctx, c)
	return err
}

// Login checks a name and password and opens a session. On success the
// SignIn holds the session's cookie value and the device cookie to set; when
// refused for a delay, ErrRateLimited and how long is left.
func (s *Service) Login(ctx context.Context, c Credentials) (SignIn, error) {
	u, dev, wait, err := s.check(ctx, c)
	if err != nil {
		return SignIn{RetryAfter: wait}, err
	}
	device, err := s.deviceCookie(ctx, c.Device, u.Name, dev)
	if err != nil {
		return SignIn{}, err
	}
	now := s.now()
	secret := randomToken(32)
	sess := store.Session{Hash: sha256hex(secret), User: u.Name, Created: now.UTC(), Expires: now.Add(s.sessionTTL).UTC(), Remote: c.Remote}
	// Expired sessions of everyone go at each sign-in, so the table stays small.
	if err := s.acc.DeleteSessions(ctx, "", now); err != nil {
		return SignIn{}, err
	}
	if err := s.acc.CreateSession(ctx, sess); err != nil {
		return SignIn{}, err
	}
	s.log.Info("signed in", "user", u.Name, "remote", c.Remote, "known_device", dev != "")
	p, err := s.principalOf(ctx, u, "")
	if err != nil {
		return SignIn{}, err
	}
	return SignIn{Secret: secret, Principal: p, Device: device}, nil
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
	return s.principalOf(ctx, &u, via)
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
	idb := make([]byte, 6)
	rand.Read(idb)
	id := hex.EncodeToString(idb)
	secret := tokenPrefix + id + "_" + randomToken(32)
	t := store.Token{ID: id, User: user, Label: label, Hash: sha256hex(secret), Created: s.now().UTC().Truncate(time.Second)}
	err := s.applyWith(ctx, by, ActTokenCreate, user, func(ctx context.Context, r store.AccountReader) (any, store.AccountChange, error) {
		// A token for a user that does not exist is refused by the store
		// too; read here, it is refused with the user's name.
		u, err := existing(ctx, r, user)
		if err != nil {
			return nil, store.AccountChange{}, err
		}
		if user != by.User && !by.manages(u.Org) {
			return nil, store.AccountChange{}, &domain.Error{Code: domain.ErrForbidden, Msg: fmt.Sprintf("%s may not manage the users of %s", by.User, u.Org)}
		}
		return tokenDetail{ID: id, User: user, Label: label, Hash: t.Hash}, store.AccountChange{Token: &t}, nil
	})
	if err != nil {
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
	err = s.applyWith(ctx, by, ActTokenRevoke, t.User, func(ctx context.Context, r store.AccountReader) (any, store.AccountChange, error) {
		// Read again in the transaction: revoked meanwhile (twice at once, or
		// by a password change), the token is not revoked again.
		toks, err := r.Tokens(ctx, t.User)
		if err != nil {
			return nil, store.AccountChange{}, err
		}
		i := slices.IndexFunc(toks, func(x store.Token) bool { return x.ID == id })
		if i < 0 {
			return nil, store.AccountChange{}, fmt.Errorf("token %q: %w", id, domain.ErrNotFound)
		}
		if toks[i].Revoked {
			return nil, store.AccountChange{}, errRevoked
		}
		t.Revoked = true
		return tokenDetail{ID: id, User: t.User}, store.AccountChange{Token: &t}, nil
	})
	if errors.Is(err, errRevoked) {
		return nil
	}
	return err
}

// errRevoked stops the revocation of a token already revoked: nothing to
// write.
var errRevoked = errors.New("the token is already revoked")

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

// MayBeAssigned checks that user name may be given work needing perm in
// facility (a follow-up assigned to them): an account that exists, is not
// disabled and holds perm there. It says no more of the account than that,
// so any user who may assign may ask it.
func (s *Service) MayBeAssigned(ctx context.Context, by *Principal, name string, perm Perm, facility string) error {
	if !by.Authenticated() {
		return domain.ErrUnauthenticated
	}
	u, ok, err := s.acc.User(ctx, name)
	if err != nil {
		return fmt.Errorf("reading the account %q: %w", name, err)
	}
	if !ok || u.Disabled {
		return domain.Invalid("assignee", "no active user %q", name)
	}
	ap, err := s.principalOf(ctx, &u, "")
	if err != nil {
		return err
	}
	if !ap.CanIn(perm, facility) {
		where := ""
		if facility != "" {
			where = " in " + facility
		}
		return domain.Invalid("assignee", "%s may not %s%s: a follow-up goes to a legal officer, or a registrar of the person's facility", name, perm, where)
	}
	return nil
}
