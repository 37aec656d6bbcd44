// Package registry is the service the staff application and the API call to
// read and write the register on behalf of a signed-in user. Every method
// takes the acting principal and checks its permissions and facility scope
// here, so no handler can forget to.
package registry

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/screening"
	"github.com/habeas-kh/habeas/internal/store"
)

// Store is what the registry reads: the register and its search.
type Store interface {
	store.Store
	store.PersonSearch
}

// Service reads and writes the register for principals.
type Service struct {
	st   Store
	led  *ledger.Service
	auth *auth.Service
	pack *rules.Pack
	log  *slog.Logger

	mu      sync.Mutex
	queue   *queueCache
	datedMu sync.Mutex
	dated   *queueCache // the queue on a date asked for, other than the register's
	keepMu  sync.Mutex
	keep    *keeper // the saved screenings kept current (keeper.go)
	now     func() time.Time
	obs     Observer
	work    struct{ full, people atomic.Int64 } // ScreeningWork
}

// Observer measures the service's writes and screening passes (habeas
// serve passes Prometheus metrics).
type Observer interface {
	// Wrote is one write to the ledger through the service, committed or
	// not (err).
	Wrote(d time.Duration, err error)
	// ScreeningPass is one pass of the keeper of saved screenings.
	ScreeningPass(d time.Duration, saved int, err error)
}

// WithObserver has the service report its writes and screening passes.
func WithObserver(o Observer) Option { return func(s *Service) { s.obs = o } }

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock that says what day it is (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns the service.
func New(st Store, led *ledger.Service, au *auth.Service, pack *rules.Pack, log *slog.Logger, opts ...Option) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{st: st, led: led, auth: au, pack: pack, log: log, keep: newKeeper(), now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Pack is the rule pack screening uses.
func (s *Service) Pack() *rules.Pack { return s.pack }

// Row is one person in a search result. For pseudonymised readers ID is a
// pseudonym and Name and DOB are empty.
type Row struct {
	ID        string             `json:"id"`
	Name      string             `json:"name,omitempty"`
	Sex       domain.Sex         `json:"sex"`
	DOB       domain.Date        `json:"dob,omitempty"`
	BirthYear int                `json:"birth_year,omitempty"`
	InCustody bool               `json:"in_custody"`
	Facility  string             `json:"facility"`
	Status    domain.LegalStatus `json:"status,omitempty"`
	Admitted  domain.Date        `json:"admitted,omitempty"`
	ExitDate  domain.Date        `json:"exit_date,omitempty"`
	Mechanism domain.Mechanism   `json:"mechanism,omitempty"`
}

// Query is a register search.
type Query struct {
	Text      string
	Facility  string
	InCustody bool
	Limit     int
	Offset    int
}

// MaxText bounds search text and free-text fields.
const MaxText = 200

// Search finds people the principal may read.
func (s *Service) Search(ctx context.Context, p *auth.Principal, q Query) ([]Row, error) {
	pseudo := false
	if err := p.Require(auth.ReadRegister, q.Facility); err != nil {
		if p.Authenticated() && p.Can(auth.ReadPseudonymised) {
			pseudo = true
		} else {
			return nil, err
		}
	}
	if len(q.Text) > MaxText {
		return nil, domain.Invalid("q", "must have at most %d characters", MaxText)
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	pq := store.PersonQuery{Text: q.Text, Facility: q.Facility, InCustody: q.InCustody, Limit: q.Limit, Offset: q.Offset}
	if pseudo {
		// Pseudonymised readers may not look people up by name or id.
		pq.Text = ""
	} else if pq.Facilities = p.Scope(auth.ReadRegister); pq.Facilities != nil {
		// A scoped user also finds the people not yet admitted whom they
		// registered, as they may open their files (mayReachUnadmitted).
		pq.Registrar = p.User
	}
	ps, err := s.st.SearchPersons(ctx, pq)
	if err != nil {
		return nil, fmt.Errorf("searching the register: %w", err)
	}
	var key []byte
	if pseudo {
		if key, err = s.auth.Secret(ctx, "pseudonym"); err != nil {
			return nil, err
		}
	}
	rows := make([]Row, 0, len(ps))
	for _, x := range ps {
		r := Row{ID: x.ID, Name: x.Name, Sex: x.Sex, DOB: x.DOB, InCustody: x.InCustody, Facility: x.Facility,
			Status: x.Status, Admitted: x.Admitted, ExitDate: x.ExitDate, Mechanism: x.Mechanism}
		if pseudo {
			r.ID, r.Name, r.DOB = Pseudonym(key, x.ID), "", domain.NoDate
			if x.DOB != domain.NoDate {
				r.BirthYear = x.DOB.Year()
			}
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// Pseudonym is a stable stand-in for a person id that cannot be reversed
// without the server's secret.
func Pseudonym(key []byte, id string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	return "X" + base32.StdEncoding.EncodeToString(m.Sum(nil))[:12]
}

// Entry is one event of a person's timeline.
type Entry struct {
	Seq        int64         `json:"seq"`
	Kind       domain.Kind   `json:"kind"`
	Date       domain.Date   `json:"date"`
	Facility   string        `json:"facility,omitempty"`
	RecordedAt string        `json:"recorded_at"`
	RecordedBy string        `json:"recorded_by"`
	Via        string        `json:"via,omitempty"`
	Data       any           `json:"data"`
	Hidden     bool          `json:"hidden,omitempty"`       // health data the reader may not see
	Superseded []int64       `json:"corrected_by,omitempty"` // corrections of this event, in order
	Voided     bool          `json:"voided,omitempty"`       // a correction voided it
	Corrects   int64         `json:"corrects,omitempty"`     // for a correction: its target
	Hash       string        `json:"hash"`
	Event      *domain.Event `json:"-"`
}

// PersonView is everything the person page shows.
type PersonView struct {
	Person    store.Person       `json:"person"`
	Identity  domain.PersonData  `json:"identity"`
	State     domain.PersonState `json:"state"`
	Episodes  []domain.Episode   `json:"episodes"`
	Flags     []domain.Flag      `json:"flags,omitempty"`
	Timeline  []Entry            `json:"timeline"`
	AsOf      domain.Date        `json:"as_of"`
	Screening *screening.Result  `json:"screening,omitempty"`
	Audit     []store.AuditEntry `json:"-"`
	// Withheld counts the events of custody elsewhere the reader may not
	// see (docs/access.md).
	Withheld int  `json:"withheld,omitempty"`
	Health   bool `json:"-"` // the reader may see health data
	// FollowUp is the person's follow-up on AsOf (nil when none was
	// taken in their custody).
	FollowUp *FollowUp `json:"follow_up,omitempty"`
}

// facilityOf is the facility that decides access to a person: where they
// are held, or where they were last held.
func facilityOf(p store.Person) string { return p.Facility }

func (s *Service) person(ctx context.Context, id string) (store.Person, error) {
	if domain.ValidatePersonID("person", id) != nil {
		return store.Person{}, fmt.Errorf("person %q: %w", id, domain.ErrNotFound)
	}
	ps, err := s.st.Persons(ctx, []string{id})
	if err != nil {
		return store.Person{}, fmt.Errorf("reading person %s: %w", id, err)
	}
	p, ok := ps[id]
	if !ok {
		return p, fmt.Errorf("person %q: %w", id, domain.ErrNotFound)
	}
	return p, nil
}

func (s *Service) kinds(ctx context.Context) (screening.Kinds, error) {
	facs, err := s.st.Facilities(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the facilities: %w", err)
	}
	k := make(screening.Kinds, len(facs))
	for _, f := range facs {
		k[f.ID] = f.Kind
	}
	return k, nil
}

// ArchiveAfter is how many days a register may go without an entry and
// still be screened as of today: a register whose latest entry is older is
// an archive (or the demo), screened as of that entry, else everyone in it
// would be held unlawfully for the years since.
const ArchiveAfter = 31

// Today is the date the staff side screens by default.
type Today struct {
	Date    domain.Date `json:"date"`
	Latest  domain.Date `json:"latest_entry"` // the register's latest event date
	Archive bool        `json:"archive"`      // Date is Latest, not the server's date
}

// Today is the server's date (its local time zone: set it to the
// jurisdiction's, Asia/Phnom_Penh for Cambodia), or the register's latest
// event date when that is more than ArchiveAfter days older (an archive,
// the demo). NoDate for an empty register.
func (s *Service) Today(ctx context.Context) (Today, error) {
	latest, err := s.st.LatestDate(ctx)
	if err != nil || latest == domain.NoDate {
		return Today{}, err
	}
	y, m, d := s.now().Date() // local time: the server's calendar date
	now := domain.MakeDate(y, int(m), d)
	if now.DaysSince(latest) > ArchiveAfter {
		return Today{Date: latest, Latest: latest, Archive: true}, nil
	}
	// An entry dated later than the server's date (its clock, or a time
	// zone east of it) moves today with it.
	return Today{Date: max(now, latest), Latest: latest}, nil
}

// AsOf is the date screening and the pages use: Today's date.
func (s *Service) AsOf(ctx context.Context) (domain.Date, error) {
	t, err := s.Today(ctx)
	return t.Date, err
}

// Person returns a person's file, timeline and screening result, and enters
// in the audit trail that p opened it (Mandela Rules 6 and 9). A reader
// whose scope is limited sees, of custody that never passed through their
// facilities, only the identity and the current state the law needs (case,
// charges, orders): not those events nor health records (docs/access.md).
func (s *Service) Person(ctx context.Context, p *auth.Principal, id string) (*PersonView, error) {
	if err := p.Require(auth.ReadRegister, ""); err != nil {
		return nil, err
	}
	per, err := s.person(ctx, id)
	if err != nil {
		return nil, err
	}
	lf, err := s.loadFile(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := mayRead(p, per, lf); err != nil {
		return nil, err
	}
	asOf, err := s.AsOf(ctx)
	if err != nil {
		return nil, err
	}
	evs := lf.evs
	fold, err := foldEpisodes(lf, p.Scope(auth.ReadRegister))
	if err != nil {
		return nil, err
	}
	f := fold.file
	v := &PersonView{Person: per, Identity: f.Identity, State: f.State, AsOf: asOf,
		Health: p.CanIn(auth.ReadHealth, facilityOf(per))}
	for i, ep := range f.Episodes {
		if fold.seesEpisode(i + 1) {
			v.Episodes = append(v.Episodes, ep)
		}
	}
	if v.Health {
		for i, fl := range f.Flags {
			if fold.seesEpisode(fold.flagEpisode[i]) {
				v.Flags = append(v.Flags, fl)
			}
		}
	}
	corr := map[int64][]int64{}
	voided := map[int64]bool{}
	for _, ev := range evs {
		if c, ok := ev.Data.(*domain.CorrectionData); ok {
			corr[c.Target] = append(corr[c.Target], ev.Seq)
			voided[c.Target] = c.Void
		}
	}
	health := false
	for i, ev := range evs {
		if !fold.sees(ev) {
			v.Withheld++
			continue
		}
		e := Entry{Seq: ev.Seq, Kind: ev.Kind, Date: ev.Date, Facility: ev.Facility, RecordedAt: ev.RecordedAt,
			RecordedBy: ev.RecordedBy, Via: ev.Via, Data: ev.Data, Superseded: corr[ev.Seq], Voided: voided[ev.Seq],
			Hash: lf.stored[i].Hash, Event: ev}
		isHealth := ev.Kind == domain.KHealth
		if c, ok := ev.Data.(*domain.CorrectionData); ok {
			e.Corrects = c.Target
			isHealth = c.TargetKind == domain.KHealth
		}
		if isHealth {
			if v.Health {
				health = true
			} else {
				e.Data, e.Hidden = nil, true
			}
		}
		v.Timeline = append(v.Timeline, e)
	}
	if p.CanIn(auth.ReadScreening, facilityOf(per)) && asOf != domain.NoDate {
		asOfFile, err := domain.Project(id, evs, lf.kinds, asOf)
		if err == nil {
			if r, ok := screening.Screen(s.pack, asOfFile, lf.kinds, asOf, 30); ok {
				r = s.withoutHealth(p, r)
				v.Screening = &r
			}
		}
	}
	if v.Screening != nil || !f.State.InCustody {
		v.FollowUp = s.personFollowUp(v, evs)
	}
	// Who read a file is itself personal data about the staff: the list is
	// for those who may read the audit trail.
	if p.Can(auth.ReadAudit) {
		if v.Audit, err = s.auth.AuditSubject(ctx, id, 50); err != nil {
			return nil, err
		}
	}
	// The file is shown only once its reading is on record: an access the
	// trail cannot show is what Mandela Rule 6 forbids.
	act := auth.ActPersonRead
	if health || len(v.Flags) > 0 {
		act = auth.ActPersonHealthRead
	}
	if err := s.auth.Record(ctx, p, act, id, map[string]any{"events": len(v.Timeline)}); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("recording that %s opened the file of %s: %w", p.User, id, err)
		}
		// The cause is for the operators; the reader is told why the file
		// is not shown.
		s.log.Error("a file was not shown: its reading could not be entered in the audit trail", "user", p.User, "person", id, "err", err)
		return nil, ErrReadNotRecorded
	}
	return v, nil
}

// ErrReadNotRecorded refuses to show a file whose reading could not be
// entered in the audit trail.
var ErrReadNotRecorded = &domain.Error{Code: domain.ErrUnavailable,
	Msg: "the file is not shown: its opening could not be entered in the audit trail; try again in a moment"}

// Required is the permission needed to record an event of a kind.
func Required(k domain.Kind) auth.Perm {
	switch k {
	case domain.KHearing, domain.KOrder, domain.KExtension, domain.KAppeal, domain.KFollowUp:
		// A follow-up is a legal officer's, or a registrar's of the
		// person's facility: the right to record hearings and orders.
		return auth.RecordLegal
	case domain.KFacility, domain.KCell, domain.KCensus:
		return auth.ManageUsers // the estate is the administrators'
	case domain.KPledge, domain.KDeclaration, domain.KReform, domain.KPlan:
		// A plan is entered, and published, by those who keep the
		// public commitments it answers.
		return auth.EditPledges
	case domain.KVisit:
		return auth.RecordVisits
	}
	return auth.RecordCustody
}

// admittedIn is the facility of the last admission among evs, if any.
func admittedIn(evs []*domain.Event) string {
	fac := ""
	for _, e := range evs {
		if e.Kind == domain.KAdmission {
			fac = e.Facility
		}
	}
	return fac
}

func isHealthCorrection(ev *domain.Event) bool {
	c, ok := ev.Data.(*domain.CorrectionData)
	return ok && c.TargetKind == domain.KHealth
}

// Record validates and appends events for one person in one transaction:
// a new person's identity and admission, or one event about a person.
// ev.Facility is the admitting facility for an admission. The field of
// invalid input is named within the batch: "events[1].data.order.expires".
func (s *Service) Record(ctx context.Context, p *auth.Principal, evs ...*domain.Event) ([]int64, error) {
	return s.RecordOnce(ctx, p, "", "", evs...)
}

// KeyRetention is how long an idempotency key is kept: a client retrying
// a write within it is answered with the first write's events.
const KeyRetention = 24 * time.Hour

// RecordOnce is Record made idempotent by a key of the user's (none when
// key is empty): a write sent again with the same key and request (a digest
// of what was asked) within KeyRetention writes nothing and returns the
// events written the first time; with another request it is refused
// (domain.ErrKeyReused). The key is stored with the events, in their
// transaction, so that a write that committed has its key whatever became
// of the answer.
func (s *Service) RecordOnce(ctx context.Context, p *auth.Principal, key, request string, evs ...*domain.Event) ([]int64, error) {
	if len(evs) == 0 {
		return nil, domain.Invalid("events", "no event given")
	}
	once, err := onceOf(key, request)
	if err != nil {
		return nil, err
	}
	if once != nil {
		// A write sent again is answered before its events are checked:
		// the first write may have changed what they are checked against
		// (a transfer took the person out of the user's scope), and the
		// client must hear that it was written, not that it may not be.
		if seqs, done, err := s.answered(ctx, p, once); done {
			return seqs, err
		}
	}
	seqs, i, err := s.record(ctx, p, once, evs)
	if err != nil && once != nil {
		// The first write under the key may have committed after the look
		// above and before the checks read the register: its answer stands.
		if seqs, done, aerr := s.answered(ctx, p, once); done {
			return seqs, aerr
		}
	}
	if err != nil && i >= 0 {
		return nil, domain.InField(fmt.Sprintf("events[%d]", i), err)
	}
	return seqs, err
}

// onceOf checks an idempotency key and makes what the ledger needs of it:
// nil for no key.
func onceOf(key, request string) (*ledger.Once, error) {
	if key == "" {
		return nil, nil
	}
	if len(key) > 200 {
		return nil, domain.Invalid("idempotency_key", "longer than 200 bytes")
	}
	if err := domain.ValidateText("idempotency_key", key); err != nil {
		return nil, err
	}
	return &ledger.Once{Key: key, Request: request, Keep: KeyRetention}, nil
}

// answered is the answer already given under once to p, and true; or
// false when there is none to give (p is not signed in, the key is free).
func (s *Service) answered(ctx context.Context, p *auth.Principal, once *ledger.Once) ([]int64, bool, error) {
	if !p.Authenticated() {
		return nil, false, nil
	}
	seqs, ok, err := s.led.Answered(ctx, p.User, once)
	if err != nil {
		return nil, true, err
	}
	return seqs, ok, nil
}

// record is Record; on invalid input it also says which event is at fault
// (-1 for none), and the error names the field within that event.
func (s *Service) record(ctx context.Context, p *auth.Principal, once *ledger.Once, evs []*domain.Event) ([]int64, int, error) {
	if !p.Authenticated() {
		return nil, -1, domain.ErrUnauthenticated
	}
	person := evs[0].Person
	exists := false
	if err := domain.ValidateText("person", person); err != nil {
		return nil, 0, err // before it reaches a database that cannot hold it
	}
	if person != "" {
		ps, err := s.st.Persons(ctx, []string{person})
		if err != nil {
			return nil, -1, fmt.Errorf("reading person %s: %w", person, err)
		}
		_, exists = ps[person]
	}
	var lf *ledgerFile
	if exists {
		var err error
		if lf, err = s.loadFile(ctx, person); err != nil {
			return nil, -1, err
		}
	}
	for i, ev := range evs {
		if ev.Person != person {
			return nil, i, domain.Invalid("person", "all events of one entry must concern the same person")
		}
		perm := Required(ev.Kind)
		if c, ok := ev.Data.(*domain.CorrectionData); ok {
			// A correction needs the right to record what it corrects.
			perm = Required(c.TargetKind)
			if target, ok, err := s.st.Event(ctx, c.Target); err != nil {
				return nil, i, err
			} else if ok && target.Person != person {
				return nil, i, domain.Invalid("data.target", "event %d is not about %s", c.Target, person)
			}
		}
		// Health facts are personal health data: only users who may read
		// them record them (or correct them).
		if (ev.Kind == domain.KHealth || isHealthCorrection(ev)) && !p.Can(auth.ReadHealth) {
			return nil, i, domain.Forbidden("recording health facts needs access to health data")
		}
		switch {
		case person == "":
			// The estate, counts and commitments: the facility they name.
			if err := p.Require(perm, ev.Facility); err != nil {
				return nil, i, err
			}
		case exists:
			if err := s.mayWrite(ctx, p, perm, lf, evs[:i], ev); err != nil {
				return nil, i, err
			}
			// Only once p may write the step: whether an account may be
			// assigned is not for anyone to ask.
			if d, ok := ev.Data.(*domain.FollowUpData); ok {
				if err := s.checkFollowUp(ctx, p, lf, evs[:i], ev, d); err != nil {
					return nil, i, err
				}
			}
		case ev.Kind == domain.KPerson:
			// A new person is registered with their admission, into a
			// facility of the user's; only users unrestricted in scope may
			// register someone not (yet) admitted.
			fac := ""
			for _, e := range evs {
				if e.Kind == domain.KAdmission {
					fac = e.Facility
				}
			}
			if fac == "" && p.Scope(auth.RecordCustody) != nil {
				return nil, i, domain.Invalid("facility", "a new person must be registered with their admission")
			}
			if err := p.Require(perm, fac); err != nil {
				return nil, i, err
			}
		case ev.Kind == domain.KAdmission:
			if err := p.Require(perm, ev.Facility); err != nil {
				return nil, i, err
			}
		case admittedIn(evs[:i]) != "":
			// What is recorded with a new person's admission (the children
			// who come with them): in the admitting facility.
			if err := p.Require(perm, admittedIn(evs[:i])); err != nil {
				return nil, i, err
			}
		default:
			return nil, i, domain.Invalid("person", "no person %q in the register", person)
		}
	}
	// The ledger writes the audit entry that lets the user's trail list the
	// events in their transaction: both are committed, or neither.
	subject := person
	if subject == "" && len(evs) == 1 {
		subject = commitmentSubject(evs[0])
	}
	start := time.Now()
	seqs, _, err := s.led.RecordAbout(ctx, ledger.Actor{Name: p.User, Via: p.Via}, subject, once, evs...)
	if s.obs != nil {
		s.obs.Wrote(time.Since(start), err)
	}
	if err != nil {
		// The ledger places its refusal at the event's position in the batch.
		var ee *ledger.EventError
		if errors.As(err, &ee) && ee.Line >= 1 && ee.Line <= len(evs) {
			return nil, ee.Line - 1, ee.Err
		}
		return nil, -1, err
	}
	s.keep.poke() // the saved screenings may need the new events
	return seqs, -1, nil
}

// commitmentSubject names what a pledge, declaration or reform is about in
// the audit trail ("pledge/release-10000"); empty for other events.
func commitmentSubject(ev *domain.Event) string {
	switch d := ev.Data.(type) {
	case *domain.PledgeData:
		return "pledge/" + d.ID
	case *domain.DeclarationData:
		if d.Pledge == "" {
			return "declaration/" + d.Place()
		}
		return "pledge/" + d.Pledge
	case *domain.ReformData:
		return "reform/" + d.ID
	}
	return ""
}

// RecordCommitment records a pledge (or its amendment), a figure declared
// against a pledge, or a reform (or a new status of one): one event, not
// about a person, entered by an administrator. The ledger's writer
// validates it; its errors name the field (see domain.FieldOf), and nothing is
// written when it refuses.
func (s *Service) RecordCommitment(ctx context.Context, p *auth.Principal, ev *domain.Event) (int64, error) {
	return s.RecordCommitmentOnce(ctx, p, "", "", ev)
}

// RecordCommitmentOnce is RecordCommitment made idempotent by a key of the
// user's, as RecordOnce is: sent again with the same key and request, it
// writes nothing and returns the event written the first time.
func (s *Service) RecordCommitmentOnce(ctx context.Context, p *auth.Principal, key, request string, ev *domain.Event) (int64, error) {
	if err := p.Require(auth.EditPledges, ""); err != nil {
		return 0, err
	}
	if ev == nil {
		return 0, domain.Invalid("kind", "no event given")
	}
	ok := false
	switch ev.Data.(type) {
	case *domain.PledgeData:
		ok = ev.Kind == domain.KPledge
	case *domain.DeclarationData:
		ok = ev.Kind == domain.KDeclaration
	case *domain.ReformData:
		ok = ev.Kind == domain.KReform
	}
	if !ok {
		return 0, domain.Invalid("kind", "%s is not a pledge, a declared figure or a reform", ev.Kind)
	}
	if ev.Person != "" || ev.Facility != "" {
		return 0, domain.Invalid("kind", "a pledge, declared figure or reform is not about a person or a facility")
	}
	once, err := onceOf(key, request)
	if err != nil {
		return 0, err
	}
	seqs, _, err := s.record(ctx, p, once, []*domain.Event{ev})
	if err != nil {
		return 0, err
	}
	return seqs[0], nil
}

// Facilities lists the facilities (public information).
func (s *Service) Facilities(ctx context.Context) ([]store.Facility, error) {
	fs, err := s.st.Facilities(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].ID < fs[j].ID })
	return fs, nil
}

// CellsOf lists the labels of the cells of a facility (public
// information), in order.
func (s *Service) CellsOf(ctx context.Context, facility string) ([]string, error) {
	cs, err := s.st.Cells(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the cells of %s: %w", facility, err)
	}
	var labels []string
	for _, c := range cs {
		if c.Facility == facility {
			labels = append(labels, c.Label)
		}
	}
	slices.Sort(labels)
	return labels, nil
}

// RecordableFacilities are the facilities p may admit people into.
func (s *Service) RecordableFacilities(ctx context.Context, p *auth.Principal) ([]store.Facility, error) {
	fs, err := s.Facilities(ctx)
	if err != nil {
		return nil, err
	}
	scope := p.Scope(auth.RecordCustody)
	if scope == nil {
		return fs, nil
	}
	return slices.DeleteFunc(fs, func(f store.Facility) bool { return !slices.Contains(scope, f.ID) }), nil
}
