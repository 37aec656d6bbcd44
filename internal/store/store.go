// Package store defines what habeas needs from a database. The domain and the
// services depend on this interface only; sqldb implements it for SQLite and
// PostgreSQL, and storetest is the conformance suite both must pass.
package store

import (
	"context"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/tree"
)

// ErrChainConflict means the ledger head moved since the batch was prepared:
// another writer appended first. The caller re-reads and retries.
var ErrChainConflict = &domain.Error{Code: domain.ErrConflict, Msg: "ledger head changed while appending; retry"}

// Head is the last event of the ledger.
type Head struct {
	Seq  int64
	Hash string // domain.GenesisHash for an empty ledger
}

// StoredEvent is a ledger row: the canonical body and the chain fields, with
// the columns that index it copied out of the body.
type StoredEvent struct {
	Seq      int64
	Kind     domain.Kind
	Date     domain.Date
	Person   string
	Facility string
	Body     []byte
	Prev     string
	Hash     string
}

// The estate's rows are the domain's values: domain.Estate is the one fold
// that decides them, for the ledger writer as for verify, and the store
// keeps them as they are.
type (
	Facility = domain.Facility // keyed by ID
	Capacity = domain.Capacity // keyed by Facility and From
	Cell     = domain.Cell     // keyed by Facility and Label
	Census   = domain.Census   // keyed by Seq, the census event that recorded it
)

// Person is the stored current state of a person.
type Person struct {
	ID          string
	Name        string
	Sex         domain.Sex
	DOB         domain.Date
	DOBBasis    domain.DOBBasis
	Nationality string
	InCustody   bool
	Facility    string
	Cell        string
	Status      domain.LegalStatus
	Admitted    domain.Date
	LastDate    domain.Date
	ExitKind    domain.Kind
	ExitDate    domain.Date
	Mechanism   domain.Mechanism
}

// PersonOf extracts the stored state from a person's file.
func PersonOf(f *domain.PersonFile) Person {
	s := f.State
	return Person{ID: f.ID, Name: f.Identity.Name, Sex: f.Identity.Sex, DOB: f.Identity.DOB, DOBBasis: f.Identity.DOBBasis,
		Nationality: f.Identity.Nationality, InCustody: s.InCustody, Facility: s.Facility, Cell: s.Cell, Status: s.Status,
		Admitted: s.Admitted, LastDate: s.LastDate, ExitKind: s.Exit, ExitDate: s.ExitDate, Mechanism: s.Mechanism}
}

// Batch is everything one transaction writes: new ledger events and the
// projections they change. Persons listed replace all stored projection rows
// of those persons.
type Batch struct {
	Events     []StoredEvent
	Persons    []*domain.PersonFile
	NewPersons bool // every person in Persons is new to the store: nothing to delete first
	Facilities []Facility
	Capacities []Capacity
	Cells      []Cell
	Census     []Census // upserted by Seq
	// RecordKeys are the wrapped data keys of the restricted records the
	// events carry, and Origins the original hashes of events brought in an
	// offline bundle (stores that implement Orgs keep them; ErrExists for
	// an origin already imported).
	RecordKeys []RecordKey
	Origins    []Origin
}

// PopRow is one group of the population on a date.
type PopRow struct {
	Facility string
	Sex      domain.Sex
	Status   domain.LegalStatus
	Drug     bool
	AgeBand  int // lower bound of the band (see Store.AgeBands); -1 when the date of birth is unknown
	Count    int
}

// Housing is where the people of a StratumRow sleep.
type Housing string

const (
	HousingCell      Housing = "cell"
	HousingDormitory Housing = "dormitory"
	HousingUnknown   Housing = "" // no cell recorded, or a cell the estate does not list
)

// StratumRow counts the people held on a date who share an age band, a
// chronic illness in force or not, and a housing: the strata of the
// outbreak model, counts only.
type StratumRow struct {
	Facility string
	AgeBand  int // lower bound of the band asked for; -1 when the date of birth is unknown
	Chronic  bool
	Housing  Housing
	Count    int
}

// FlagRow counts people (or, for children with their mothers, children) in
// custody in a facility with a vulnerability on a date.
type FlagRow struct {
	Facility string
	Kind     domain.FlagKind
	Count    int
}

// FacilityCount is a count per facility.
type FacilityCount struct {
	Facility string
	Count    int
}

// CellCount is the population of one cell.
type CellCount struct {
	Facility string
	Cell     string
	Count    int
}

// MechanismCount counts episodes that ended by a mechanism.
type MechanismCount struct {
	Facility  string
	Mechanism domain.Mechanism
	Count     int
}

// ReleaseRow is one release: where, when, by which mechanism, and who in
// categories (never the person's identity).
type ReleaseRow struct {
	Date      domain.Date
	Facility  string
	Mechanism domain.Mechanism
	Sex       domain.Sex
	DOB       domain.Date
	Status    domain.LegalStatus // at release
	Drug      bool
	Flags     []domain.FlagKind // vulnerabilities in force on the day before the release, sorted
}

// PopChange is how many stays of a facility begin (In) and end (Out) in a
// month. A stay counts from its first day and no longer counts on its end
// day, so the running sum up to a month is the population at its end.
type PopChange struct {
	Month    domain.Date // the last day of the month
	Facility string
	In, Out  int
}

// ScreeningSummary counts, per facility, the people held on a date that a
// rule of each kind fired for.
type ScreeningSummary struct {
	AsOf       domain.Date
	Pack       string // name and version
	Head       string // ledger head hash the screening read
	ComputedAt string // RFC 3339
	// ReviewedBy and ReviewedOn are the pack's review by a lawyer, as the
	// pack declared it when the screening was saved ("" and NoDate: none).
	ReviewedBy string
	ReviewedOn domain.Date
	Counts     []ScreeningCount
}

// The kinds of ScreeningCount besides the kinds of rules (unlawful, review,
// eligible, priority): the people held unlawfully split by whether the law
// is confirmed (they add up to "unlawful"; a summary saved before the split
// has neither), and the data to check, in all (Rule empty) and per check.
const (
	KindUnlawfulConfirmed   = "unlawful_on_confirmed_law"
	KindUnlawfulUnconfirmed = "unlawful_on_law_not_yet_confirmed"
	KindDataCheck           = "data_check"
)

// ScreenedState is how far the stored current screening goes: the ledger
// sequence it has read up to, the date it is of, and the hash of the rule
// pack it was made with.
type ScreenedState struct {
	Seq  int64
	AsOf domain.Date
	Pack string
}

// ScreenedPerson is the stored screening result of one person held: the
// date it was screened on, the date on which it may next change (it is
// screened again then), and the result as package screening packs it.
type ScreenedPerson struct {
	Person     string
	AsOf       domain.Date
	NextChange domain.Date
	Result     []byte
}

// ScreeningCount is one facility's count for one kind of rule, or for one
// rule of the kind when Rule is set.
type ScreeningCount struct {
	Facility string
	Kind     string // unlawful, review, eligible, priority, or one of the kinds above
	Rule     string // "" for the count of the kind
	People   int
}

// Digest is a per-person fingerprint of the stored projections, used by
// verify to compare them with a rebuild from the ledger.
type Digest = [32]byte

// IdempotencyKey is a key under which a user wrote events: a write sent
// again with it is answered with the events written the first time.
type IdempotencyKey struct {
	User    string
	Key     string
	Created time.Time // UTC, whole seconds
	Request string    // a digest of what was asked
	Seqs    []int64   // the events written
}

// Appender is an open write transaction.
type Appender interface {
	// Head is the ledger head as this transaction sees it.
	Head() Head
	// Write adds a batch; its events must follow Head.
	Write(ctx context.Context, b *Batch) error
	// PersonEvents and Event read through the transaction, so they see what
	// it has written so far.
	PersonEvents(ctx context.Context, ids []string) (map[string][]StoredEvent, error)
	Event(ctx context.Context, seq int64) (StoredEvent, bool, error)
	// Commitments returns the pledges, declarations and reforms, read
	// through the transaction (see Store.Commitments).
	Commitments(ctx context.Context) ([]StoredEvent, error)
	// Visits returns the visit events read through the transaction (see
	// Store.Visits).
	Visits(ctx context.Context, facility string) ([]StoredEvent, error)
	// EstateChangedSince reports whether an event after seq (and up to the
	// transaction's head) may have changed the facilities or cells: a
	// facility, cell or correction event. The writer keeps the estate it
	// starts from between transactions and reads it again only when this
	// says so, whichever process appended since.
	EstateChangedSince(ctx context.Context, seq int64) (bool, error)
	// AppendAudit adds an entry to the audit chain in this transaction, so
	// that it is committed or rolled back with the events it names. The
	// entry is chained here (its Seq, Prev and Hash are set, see
	// AuditEntry.Follow) after the audit head read under the write lock,
	// which account changes take too: it cannot conflict. It returns the
	// entry as written.
	AppendAudit(ctx context.Context, a AuditEntry) (AuditEntry, error)
	// IdempotencyKey reads a user's key through the transaction (see
	// Store.IdempotencyKey): under the write lock, two writes with one key
	// cannot both find it free.
	IdempotencyKey(ctx context.Context, user, key string) (IdempotencyKey, bool, error)
	// PutIdempotencyKey stores a key with the transaction's events,
	// replacing the user's key of the same name if it was created before
	// expiredBefore, and deleting every key created before expiredBefore.
	PutIdempotencyKey(ctx context.Context, k IdempotencyKey, expiredBefore time.Time) error
	// NoPersons says the register held no person when the transaction
	// began: the writer has no stored file to read, and must not read from
	// outside the transaction (a store may hold locks for a bulk load).
	NoPersons() bool
	// Commit makes everything written durable. The end of a large load can
	// take minutes (projections built, indexes created), so it heeds ctx:
	// cancelled before the transaction is committed, Commit rolls back and
	// returns an error wrapping ctx's (errors.Is(err, context.Canceled)),
	// and the store holds what it held before the transaction.
	Commit(ctx context.Context) error
	// Rollback discards everything written; it is safe after Commit. It
	// completes even when ctx is already cancelled, since it must release
	// the write lock whatever the caller's state.
	Rollback(ctx context.Context) error
}

// Store is the persistence habeas needs. All methods are safe for concurrent
// use; Append is atomic.
type Store interface {
	// Dialect is "sqlite" or "postgres".
	Dialect() string
	Close() error

	// Head returns the last event of the ledger.
	Head(ctx context.Context) (Head, error)
	// Append writes a batch in one transaction. Each event must follow the
	// one before it, the first the current head (Seq = head+1, Prev = head
	// hash), or the batch fails with ErrChainConflict and writes nothing.
	// Facility rows are replaced only by a record of the same or a later date.
	Append(ctx context.Context, b *Batch) error
	// BeginAppend opens a write transaction for several batches (a whole
	// import file): all are committed together or none is. It holds the
	// ledger's write lock until Commit or Rollback.
	BeginAppend(ctx context.Context) (Appender, error)
	// IdempotencyKey returns a user's idempotency key, and false when there
	// is none.
	IdempotencyKey(ctx context.Context, user, key string) (IdempotencyKey, bool, error)
	// Events calls fn for every event with Seq >= from, in sequence order.
	Events(ctx context.Context, from int64, fn func(StoredEvent) error) error
	// PersonEvents returns the events of each person, in sequence order.
	PersonEvents(ctx context.Context, ids []string) (map[string][]StoredEvent, error)
	// EventsByPerson calls fn once per person with all their events in
	// sequence order, persons in ascending id order.
	EventsByPerson(ctx context.Context, fn func(person string, evs []StoredEvent) error) error
	// Event returns one event by sequence number.
	Event(ctx context.Context, seq int64) (StoredEvent, bool, error)
	// LatestDate is the latest event date in the ledger (NoDate when empty):
	// the natural "as of" for a register that is no longer kept up to date.
	LatestDate(ctx context.Context) (domain.Date, error)

	Facilities(ctx context.Context) ([]Facility, error)
	Cells(ctx context.Context) ([]Cell, error)
	Capacities(ctx context.Context) ([]Capacity, error)
	Persons(ctx context.Context, ids []string) (map[string]Person, error)
	PersonExists(ctx context.Context, ids []string) (map[string]bool, error)
	Census(ctx context.Context) ([]Census, error)
	// Commitments returns the pledge, declaration and reform events, in
	// sequence order.
	Commitments(ctx context.Context) ([]StoredEvent, error)
	// FollowUps calls fn with the follow-up steps (kind follow_up) with
	// Seq >= from, in sequence order: a few events among millions, which the
	// queue reads to derive each person's follow-up state.
	FollowUps(ctx context.Context, from int64, fn func(StoredEvent) error) error
	// Visits returns the monitoring visits to a facility ("" for every
	// facility), by facility, date and sequence.
	Visits(ctx context.Context, facility string) ([]StoredEvent, error)

	// AgeBands are the lower bounds of the age bands, ascending from 0, that
	// Population and Held group by. A store keeps the bands it was created
	// with (domain.AgeBands by default); what they mean is for its readers.
	AgeBands() []int
	// Population groups the people held at the end of asOf.
	Population(ctx context.Context, asOf domain.Date) ([]PopRow, error)
	// CapacityOn is each facility's official capacity in force on asOf.
	CapacityOn(ctx context.Context, asOf domain.Date) ([]Capacity, error)
	// FlagsOn counts vulnerabilities of people held on asOf.
	FlagsOn(ctx context.Context, asOf domain.Date) ([]FlagRow, error)
	// PopulationOn is Population of each of days, in one grouped read
	// however many days are asked (the discrepancy table compares visits
	// on every month end since 2016): the map holds every day asked, with
	// no rows for a day on which no one was held.
	PopulationOn(ctx context.Context, days []domain.Date) (map[domain.Date][]PopRow, error)
	// Held is Population and CellsOn(asOf, cells) computed in one pass over
	// the people held: what the figures of a date need, at half the reading.
	Held(ctx context.Context, asOf domain.Date, cells int) ([]PopRow, []CellCount, error)
	// CellsOn is the population of each cell on asOf, largest first, at most
	// limit rows (none when limit <= 0). People with no cell are not counted.
	CellsOn(ctx context.Context, asOf domain.Date, limit int) ([]CellCount, error)
	// Strata counts the people held at the end of asOf per facility, age
	// band (bands are lower bounds ascending from 0, the age in completed
	// years on asOf), chronic illness (a FlagChronic in force on asOf) and
	// housing: a dormitory when the capacity recorded for their cell is at
	// least dormitoryFrom, a cell when it is less, unknown when they have no
	// cell or the estate does not list it. One aggregate read; no row of a
	// person leaves the store.
	Strata(ctx context.Context, asOf domain.Date, bands []int, dormitoryFrom int) ([]StratumRow, error)
	// StrataOf is Strata over the people with these ids only (those of
	// them held at the end of asOf, in the facility that holds them): what
	// a plan's releases take out of the strata, without reading anyone's
	// facts row by row.
	StrataOf(ctx context.Context, asOf domain.Date, ids []string, bands []int, dormitoryFrom int) ([]StratumRow, error)
	// Admissions counts admissions with from <= date <= to per facility; drug
	// counts those whose episode involved a drug charge.
	Admissions(ctx context.Context, from, to domain.Date) (all, drug []FacilityCount, err error)
	// Releases counts episodes ended by release with from <= date <= to.
	Releases(ctx context.Context, from, to domain.Date) ([]MechanismCount, error)

	// ReleaseRows lists the episodes ended by release with from <= date <= to,
	// with what the public report groups them by, ordered by date and
	// facility.
	ReleaseRows(ctx context.Context, from, to domain.Date) ([]ReleaseRow, error)
	// PopulationChanges counts, per facility and month, the stays that begin
	// and end, in month order: the population at every month end is a
	// running sum, so a trend since 2016 costs one grouped read.
	PopulationChanges(ctx context.Context) ([]PopChange, error)
	// CountEvents counts the events of a kind dated from <= date <= to, as
	// entered (a later correction does not change the count).
	CountEvents(ctx context.Context, kind domain.Kind, from, to domain.Date) (int, error)
	// SaveScreening stores a screening summary, replacing any saved for the
	// same date and pack.
	SaveScreening(ctx context.Context, s ScreeningSummary) error
	// Screening returns the summary saved last for a date, and false when
	// there is none.
	Screening(ctx context.Context, asOf domain.Date) (ScreeningSummary, bool, error)
	// CurrentScreening calls fn with every stored per-person result of the
	// current screening (SaveCurrentScreening), and returns up to where it
	// is current; false when none was stored. One read.
	CurrentScreening(ctx context.Context, fn func(ScreenedPerson) error) (ScreenedState, bool, error)
	// SaveCurrentScreening brings the stored current screening to st in one
	// transaction: with all, every stored row is replaced by put; else the
	// rows of put are written over and those of drop deleted.
	SaveCurrentScreening(ctx context.Context, st ScreenedState, all bool, put []ScreenedPerson, drop []string) error

	// ProjectionDigests calls fn with the fingerprint of each person's stored
	// projection rows (see DigestFile), persons in ascending id order, so
	// that verify can merge it with the ledger read by EventsByPerson
	// without holding either.
	ProjectionDigests(ctx context.Context, fn func(person string, d Digest) error) error
	// AggregateProblems compares what the store keeps to answer Held and
	// FlagsOn quickly (summed counts; none for a store that keeps none) with
	// a fresh computation from its stored stays and flags, and describes at
	// most limit differences: verify's check of that projection.
	AggregateProblems(ctx context.Context, limit int) ([]string, error)
	// ReplaceProjections deletes every person projection and writes the given
	// files in one transaction (a rebuild).
	ReplaceProjections(ctx context.Context, files func(yield func(*domain.PersonFile) error) error) error
}

// PlanStore reads the decongestion plans entered in the ledger (kind plan),
// in sequence order: a few events among millions, found by an index
// (migration 00010). A store and its write transactions implement it.
type PlanStore interface {
	Plans(ctx context.Context) ([]StoredEvent, error)
}

// Checkpoint is a signed checkpoint of the ledger's tree as stored (see
// package tree): the server keeps and serves them, but never the key.
type Checkpoint struct {
	Size    int64
	Root    string // base64
	KeyID   string
	Signed  string // the signed note as published
	PubKey  string // the public key that checks it, PEM
	Created time.Time
}

// TreeStore is a store that keeps the Merkle tree of its ledger as tiles
// (package tree), written in the transaction of the events they hash, so
// that the tree always holds exactly the ledger's events.
type TreeStore interface {
	Store
	// TreeSize is the number of leaves the stored tiles hold.
	TreeSize(ctx context.Context) (int64, error)
	// TreeTile reads a stored tile's data, nil when there is none.
	TreeTile(ctx context.Context, level int, n int64) ([]byte, error)
	// Tiles calls fn with every stored tile, by level then number.
	Tiles(ctx context.Context, fn func(tree.Tile) error) error
	// Checkpoints lists the stored checkpoints, newest (largest) first, at
	// most limit (all when limit <= 0).
	Checkpoints(ctx context.Context, limit int) ([]Checkpoint, error)
}

// TreeAppender is the write transaction of a TreeStore.
type TreeAppender interface {
	Appender
	// TreeRoot is the size and root hash of the tree of the transaction's
	// head (the tree is brought up to the head first when a register made
	// before the tree has none yet).
	TreeRoot(ctx context.Context) (int64, tree.Hash, error)
	// TreeHashes reads the tree through the transaction (tlog.HashReader).
	TreeHashes(indexes []int64) ([]tree.Hash, error)
	// PutCheckpoint stores a checkpoint; one of the same size and key is
	// replaced.
	PutCheckpoint(ctx context.Context, c Checkpoint) error
}

// Publication is a report published with habeas report publish, as the
// register keeps it (migration 00015): what it is of, the key that signed
// it, and, when read with them, its files byte for byte.
type Publication struct {
	ID             int64 // 1, 2, …: its permanent number
	AsOf           domain.Date
	From           domain.Date
	LedgerHead     string
	KeyID          string
	PubKey         string // PEM: the public key that checks manifest.sig
	CheckpointSize int64  // the checkpoint of the ledger in checkpoint.txt
	Created        time.Time
	By             string            // the acting user
	Files          map[string][]byte // by name, "data/report.json"; nil when not read
}

// PublicationStore is a store that keeps published reports.
type PublicationStore interface {
	// Publications lists the published reports, newest first, without
	// their files.
	Publications(ctx context.Context) ([]Publication, error)
	// PublicationFile reads one file of a published report; false when
	// there is no such report or file.
	PublicationFile(ctx context.Context, id int64, name string) ([]byte, bool, error)
	// PublicationFileNames lists the names of a published report's files,
	// sorted; none when there is no such report.
	PublicationFileNames(ctx context.Context, id int64) ([]string, error)
}

// PublicationAppender is the write transaction of a PublicationStore.
type PublicationAppender interface {
	// PutPublication stores a published report with its files under the
	// next number, which it returns (p.ID is ignored).
	PutPublication(ctx context.Context, p Publication) (int64, error)
}
