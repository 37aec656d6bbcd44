// Package ledger is the service that writes the register: it validates
// events against the state they change, chains them, keeps the projections in
// step, and reads and writes the interchange format.
package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// Actor is who enters events and through what (Mandela Rule 6: every entry
// is attributable).
type Actor struct {
	Name string // user name
	Via  string // e.g. "cli", "import events.jsonl", "web 192.0.2.1"
}

// Service writes and checks the ledger.
type Service struct {
	st  store.Store
	now func() time.Time
	log *slog.Logger

	estMu sync.Mutex
	est   *cachedEstate // nil: to be read (estate.go)
}

// Option configures a Service.
type Option func(*Service)

// WithClock replaces the clock (tests pin "today").
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// holdsNUL reports whether the store can keep text with a NUL character:
// SQLite can, PostgreSQL cannot. A store that does not say is taken to.
func (s *Service) holdsNUL() bool {
	d, ok := s.st.(interface{ Dialect() string })
	return !ok || d.Dialect() != "postgres"
}

func New(st store.Store, opts ...Option) *Service {
	s := &Service{st: st, now: time.Now, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(s)
	}
	return s
}

// EventError places an error at the event it concerns: a line of a file,
// or a position in a batch. It only adds the place: the error itself,
// usually invalid input (a *domain.Error naming the field), is wrapped.
type EventError struct {
	File string // empty for events not read from a file
	Line int    // 1-based line in the file, or position in the batch
	Err  error
}

func (e *EventError) Error() string {
	where := fmt.Sprintf("event %d", e.Line)
	if e.File != "" {
		where = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	return where + ": " + e.Err.Error()
}

func (e *EventError) Unwrap() error { return e.Err }

func asEventError(file string, line int, err error) error {
	var ee *EventError
	if errors.As(err, &ee) {
		return err
	}
	return &EventError{File: file, Line: line, Err: err}
}

// Record validates and appends events entered by an actor, in one
// transaction, and returns their sequence numbers. The audit entry that
// indexes them (store.ActEventRecord, about the events' person) is written in
// the same transaction.
func (s *Service) Record(ctx context.Context, actor Actor, evs ...*domain.Event) ([]int64, error) {
	subject := ""
	if len(evs) > 0 {
		subject = evs[0].Person
	}
	seqs, _, err := s.RecordAbout(ctx, actor, subject, nil, evs...)
	return seqs, err
}

// Once makes a write idempotent: the events are written with the key, in
// their transaction, and a write under the same key of the same actor
// within Keep writes nothing and is answered with the events written the
// first time.
type Once struct {
	Key     string
	Request string        // a digest of what was asked; another request under the key is refused
	Keep    time.Duration // how long a key is kept (at least)
}

// answer is the answer a write under once gets from the stored key k (ok:
// there is one) at now: the events written under it, and true, while the
// key is kept; domain.ErrKeyReused when it was used for another request.
func (once *Once) answer(k store.IdempotencyKey, ok bool, now time.Time) ([]int64, bool, error) {
	if !ok || k.Created.Before(now.Add(-once.Keep)) {
		return nil, false, nil
	}
	if k.Request != once.Request {
		return nil, false, &domain.Error{Code: domain.ErrKeyReused, Field: "idempotency_key",
			Msg: fmt.Sprintf("key %q was used at %s for a different request", once.Key, k.Created.Format(time.RFC3339))}
	}
	return k.Seqs, true, nil
}

// Answered looks up a write already made under once by the user: it
// returns the events written and true, or domain.ErrKeyReused, as
// RecordAbout would, without taking the write lock. A service that checks
// a write against the register before recording it asks first: the events
// of a write sent again are to be answered as the first time, not checked
// against a register the first write (or a later one) has changed. Finding
// nothing proves nothing: the write still goes through RecordAbout, which
// looks again under the lock.
func (s *Service) Answered(ctx context.Context, user string, once *Once) ([]int64, bool, error) {
	k, ok, err := s.st.IdempotencyKey(ctx, user, once.Key)
	if err != nil {
		return nil, false, err
	}
	return once.answer(k, ok, s.now().UTC().Truncate(time.Second))
}

// RecordAbout is Record with the subject of the audit entry given (what the
// events are about when it is not a person: a pledge, a reform) and, when
// once is not nil, made idempotent. replayed says the events were written by
// an earlier call with the same key, and nothing now; the same key with
// another request is refused with domain.ErrKeyReused.
func (s *Service) RecordAbout(ctx context.Context, actor Actor, subject string, once *Once, evs ...*domain.Event) (seqs []int64, replayed bool, err error) {
	w, err := s.begin(ctx, actor, "")
	if err != nil {
		return nil, false, err
	}
	defer w.rollback(ctx)
	if once != nil {
		// Read under the write lock: of two writes with one key, the second
		// waits for the first and finds its key.
		k, ok, err := w.ap.IdempotencyKey(ctx, actor.Name, once.Key)
		if err != nil {
			return nil, false, err
		}
		if seqs, held, err := once.answer(k, ok, w.now); held || err != nil {
			return seqs, held, err
		}
	}
	seqs = make([]int64, len(evs))
	kinds := make([]domain.Kind, len(evs))
	for i, ev := range evs {
		ev.Seq, ev.Prev, ev.Hash = 0, "", ""
		ev.RecordedAt, ev.RecordedBy, ev.Via = "", "", ""
		if err := w.add(ctx, ev, i+1); err != nil {
			return nil, false, err
		}
		seqs[i], kinds[i] = ev.Seq, ev.Kind
	}
	d, err := json.Marshal(map[string]any{"seqs": seqs, "kinds": kinds})
	if err != nil {
		return nil, false, fmt.Errorf("encoding the audit detail: %w", err)
	}
	w.audit = &store.AuditEntry{Action: store.ActEventRecord, Subject: subject, Detail: string(d)}
	if once != nil {
		w.key = &store.IdempotencyKey{User: actor.Name, Key: once.Key, Created: w.now, Request: once.Request, Seqs: seqs}
		w.keyExpired = w.now.Add(-once.Keep)
	}
	if err := w.commit(ctx); err != nil {
		return nil, false, err
	}
	return seqs, false, nil
}
