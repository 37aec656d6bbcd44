package store

import (
	"context"
	"time"
)

// DefaultOrg is the organisation of every user made before organisations
// existed (migration 00013): the prison administration.
const DefaultOrg = "administration"

// Org is an organisation users belong to.
type Org struct {
	ID      string
	Name    string
	Kind    string // administration, ministry or monitoring; the auth package says what each may do
	Created time.Time
}

// OrgKey is a public key that may sign an organisation's offline bundles.
type OrgKey struct {
	Org    string
	KeyID  string
	PubKey string // PEM
	Added  time.Time
}

// RecordKey is the data key of a restricted record, wrapped to its
// organisation's key, stored beside the ledger (not in the chained body) by
// the sequence number of the event that carries the record and the
// record's part in it (a visit seals each interview apart, so that one can
// be destroyed alone). Wrapped is nil once destroyed.
type RecordKey struct {
	Seq       int64
	Part      int
	Org       string
	Wrapped   []byte
	Destroyed time.Time // zero while the key is kept
}

// Origin is an event brought in an offline bundle: its hash in the ledger
// it was recorded in, and its sequence number here.
type Origin struct {
	Hash  string
	Seq   int64
	Org   string
	KeyID string
}

// Orgs is the persistence of organisations, their bundle keys, the wrapped
// data keys of restricted records and the origins of imported events. Writes
// of organisations and keys go through Accounts.ApplyAccount (audited);
// record keys and origins through the ledger's Batch (written with their
// events).
type Orgs interface {
	// Orgs lists the organisations by id.
	Orgs(ctx context.Context) ([]Org, error)
	// Org returns one organisation; ok is false when there is none.
	Org(ctx context.Context, id string) (o Org, ok bool, err error)
	// OrgKeys lists the bundle keys of an organisation (all when org is
	// empty), by organisation and key id.
	OrgKeys(ctx context.Context, org string) ([]OrgKey, error)
	// RecordKey returns the wrapped key of the record at seq, part 0; ok
	// is false when there is none (the event carries no restricted record).
	RecordKey(ctx context.Context, seq int64) (k RecordKey, ok bool, err error)
	// EventRecordKeys returns the wrapped keys of every part of the
	// event at seq, by part (none when it carries no restricted record).
	EventRecordKeys(ctx context.Context, seq int64) ([]RecordKey, error)
	// RecordKeys lists the record keys of an organisation (all when org is
	// empty), by seq and part.
	RecordKeys(ctx context.Context, org string) ([]RecordKey, error)
	// Origins returns, of the given original hashes, those already imported,
	// with the sequence number each got here.
	Origins(ctx context.Context, hashes []string) (map[string]int64, error)
}
