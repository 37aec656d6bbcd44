package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
)

// Accounts is the persistence of the people who use habeas: users and their
// roles, login sessions, API tokens, and the audit chain that records every
// change to them. It is separate from Store because the register does not
// depend on it; sqldb implements both on the same database.
type Accounts interface {
	// User returns one user by name; ok is false when there is none.
	User(ctx context.Context, name string) (u User, ok bool, err error)
	// Users returns every user, by name.
	Users(ctx context.Context) ([]User, error)
	// ApplyAccount writes a change to users or tokens and its audit entry in
	// one transaction, and returns the entry as written. The transaction
	// holds the audit chain's write lock, which a ledger transaction takes
	// to append its own entry (Appender.AppendAudit), from before build is
	// called until the commit: build makes the change from the accounts as
	// it reads them through r, and no other change can come between what
	// it read and what is written. The entry is chained here, after the
	// head read under the lock (its Seq, Prev and Hash are set, see
	// AuditEntry.Follow), so it cannot conflict and is never retried. When
	// build or a write fails, nothing is written. An audit entry alone (no
	// User, no Token) is allowed.
	ApplyAccount(ctx context.Context, build func(ctx context.Context, r AccountReader) (AccountChange, error)) (AuditEntry, error)
	// AuditHead is the last entry of the audit chain.
	AuditHead(ctx context.Context) (Head, error)
	// AuditEntries calls fn for every entry with Seq >= from, in order.
	AuditEntries(ctx context.Context, from int64, fn func(AuditEntry) error) error
	// AuditAbout returns the entries made by actor or about subject (either
	// may be empty, meaning no match on it), newest first, at most limit.
	AuditAbout(ctx context.Context, actor, subject string, limit int) ([]AuditEntry, error)

	// Token returns a token by the hash of its secret.
	TokenByHash(ctx context.Context, hash string) (t Token, ok bool, err error)
	// Tokens lists the tokens of a user (all users when user is empty),
	// newest first.
	Tokens(ctx context.Context, user string) ([]Token, error)

	// Sessions are not audited: they are created at every login and expire.
	CreateSession(ctx context.Context, s Session) error
	// SessionByHash returns a session by the hash of its cookie value.
	SessionByHash(ctx context.Context, hash string) (s Session, ok bool, err error)
	DeleteSession(ctx context.Context, hash string) error
	// DeleteSessions ends every session of a user (disabled, or password
	// changed) and every expired session of anyone.
	DeleteSessions(ctx context.Context, user string, expiredBefore time.Time) error

	// SignInFailed counts one failed sign-in under key (about user, "" for
	// an address) at at, and returns the count. A count whose last failure
	// is before forgetBefore starts again at one. Two failures at once both
	// count.
	SignInFailed(ctx context.Context, key, user string, at, forgetBefore time.Time) (int, error)
	// SignInFailures returns the counts of those keys that have one.
	SignInFailures(ctx context.Context, keys ...string) ([]SignInFailure, error)
	// ClearSignInFailures deletes the counts of keys, every count about user
	// when user is not empty, and every count whose last failure is before
	// forgetBefore.
	ClearSignInFailures(ctx context.Context, user string, keys []string, forgetBefore time.Time) error

	// Secret returns the named server secret, creating it with fresh random
	// bytes from gen on first use. Every process on the database sees the same.
	Secret(ctx context.Context, name string, gen func() []byte) ([]byte, error)
}

// AccountReader reads the accounts through an account change's
// transaction (see Accounts.ApplyAccount).
type AccountReader interface {
	// User returns one user by name; ok is false when there is none.
	User(ctx context.Context, name string) (u User, ok bool, err error)
	// Tokens lists the tokens of a user (all users when user is empty),
	// newest first.
	Tokens(ctx context.Context, user string) ([]Token, error)
}

// Change is a build for Accounts.ApplyAccount of a change that does not
// depend on what the transaction reads.
func Change(c AccountChange) func(context.Context, AccountReader) (AccountChange, error) {
	return func(context.Context, AccountReader) (AccountChange, error) { return c, nil }
}

// ErrExists is returned when a user is created with a name already taken. A
// write that names a user or token that does not exist returns
// domain.ErrNotFound.
var ErrExists = &domain.Error{Code: domain.ErrConflict, Msg: "already exists"}

// User is an account. Role is one of the auth package's role names; the store
// does not interpret it.
type User struct {
	Name       string
	Display    string
	Role       string
	Facilities []string // facilities the role applies to (registrars, monitors)
	Health     bool     // may read personal health data (monitors)
	Org        string   // the organisation the user belongs to (DefaultOrg when not said)
	PassHash   string   // PHC-formatted Argon2id hash
	Disabled   bool
	Created    time.Time
	Updated    time.Time
}

// Token is an API bearer token; only the SHA-256 of its secret is stored.
type Token struct {
	ID      string
	User    string
	Label   string
	Hash    string
	Created time.Time
	Revoked bool
}

// Session is a login session; only the SHA-256 of the cookie value is stored.
type Session struct {
	Hash    string
	User    string
	Created time.Time
	Expires time.Time
	Remote  string
}

// AuditEntry is one link of the audit chain: who did what to whom, when and
// from where. Hash is SHA-256 over Prev and the canonical body (see
// auth.EntryBody), like the ledger's events.
type AuditEntry struct {
	Seq     int64
	At      time.Time // UTC, whole seconds
	Actor   string
	Via     string
	Action  string // e.g. user.add, user.role, token.create, event.record
	Subject string // the user, token or person concerned
	Detail  string // JSON object with the particulars
	Prev    string
	Hash    string
}

// Audit actions the ledger writes with the events they index, in the same
// transaction (Appender.AppendAudit), so that no event is without its entry.
// The strings are stored; never rename one.
const (
	// ActEventRecord: events entered through the services (the web pages,
	// the API); Detail lists their "seqs".
	ActEventRecord = "event.record"
	// ActEventImport: a load of many events (a file, a sheet, the demo);
	// Detail names the range "from".."to" of their sequence numbers.
	ActEventImport = "event.import"
	// ActCheckpointSign: a checkpoint of the ledger's tree was signed and
	// stored; Detail names its "size" and "root", Subject the key id.
	ActCheckpointSign = "checkpoint.sign"
	// ActReportPublish: a signed report was recorded with its files
	// (habeas report publish); Detail names its "id", "as_of" and
	// "ledger_head", Subject the key id.
	ActReportPublish = "report.publish"
)

// AuditBody is the canonical JSON of an audit entry without its chain
// fields: what is hashed, as domain.Body is for ledger events.
func AuditBody(a AuditEntry) []byte {
	b, _ := json.Marshal(struct {
		Seq     int64           `json:"seq"`
		At      string          `json:"at"`
		Actor   string          `json:"actor"`
		Via     string          `json:"via"`
		Action  string          `json:"action"`
		Subject string          `json:"subject"`
		Detail  json.RawMessage `json:"detail"`
	}{a.Seq, a.At.UTC().Format(time.RFC3339), a.Actor, a.Via, a.Action, a.Subject, json.RawMessage(a.Detail)})
	return b
}

// Follow returns the entry chained after head: its Seq, Prev and Hash set.
func (a AuditEntry) Follow(head Head) AuditEntry {
	a.Seq, a.Prev = head.Seq+1, head.Hash
	a.Hash = domain.ChainHash(a.Prev, AuditBody(a))
	return a
}

// AccountChange is what one ApplyAccount writes. NewUser inserts (failing
// with ErrExists); User updates an existing one (ErrNotFound otherwise);
// Token inserts or, when it exists, updates its revoked flag; RevokeTokens
// are the ids of tokens to revoke (ErrNotFound when one does not exist).
// EndSessions ends every session of that user, and ClearSignInFailures
// deletes every count of failed sign-ins about that user, with the change:
// a password changed or an account disabled leaves no session open and
// nothing to go wrong after it was written. Audit is the entry without its
// chain fields, which the store sets.
type AccountChange struct {
	NewUser             *User
	User                *User
	Token               *Token
	RevokeTokens        []string
	EndSessions         string
	ClearSignInFailures string
	// NewOrg inserts an organisation (ErrExists when the id is taken);
	// OrgKey inserts a bundle key (ErrExists when the organisation has one
	// of that id); DestroyRecordKey deletes the wrapped data key of the
	// record at that seq, part DestroyRecordPart, for good (ErrNotFound
	// when there is none or it is already destroyed), so that the record
	// can never be read again.
	NewOrg            *Org
	OrgKey            *OrgKey
	DestroyRecordKey  int64
	DestroyRecordPart int
	Audit             AuditEntry
}

// SignInFailure is the count of failed sign-ins under one key.
type SignInFailure struct {
	Key      string
	User     string
	Failures int
	Last     time.Time // UTC, whole seconds
}
