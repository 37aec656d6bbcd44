package registry

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/screening"
	"github.com/habeas-kh/habeas/internal/store"
)

// The public side shows saved screenings (store.SaveScreening): per
// facility, the people held without legal basis on a date. Nobody should
// have to run a command for them to exist or to stay true, so the server
// keeps them itself: the screening of the last month-end (the date the
// public side shows by default) and of every date asked for, saved again
// whenever a write could change it.
//
// A write changes the screening of a date only when it is dated on or
// before it, or corrects an earlier event, or changes a facility (pledges,
// census counts and cells do not enter the screening): an
// admission today leaves last month's screening as it was. Such a
// screening is saved again with the new ledger head and its first
// computation time, so the report still says it is current; anything else
// screens the date again.

// maxKept bounds the dates kept current: each costs a full screening when
// a late entry touches it.
const maxKept = 24

// keeper remembers, for each date kept, the ledger sequence its saved
// screening is current at (0: not known to this process).
type keeper struct {
	dates map[domain.Date]int64
	wake  chan struct{}
	// started is when KeepScreenings began (zero: it is not running);
	// currentSeq and currentAt are the ledger sequence every kept
	// screening was current at after the last pass that succeeded, and
	// when that pass began (ScreeningLag).
	started    time.Time
	currentSeq int64
	currentAt  time.Time
}

func newKeeper() *keeper {
	return &keeper{dates: map[domain.Date]int64{}, wake: make(chan struct{}, 1)}
}

// poke asks the keeper for a pass without waiting for it.
func (k *keeper) poke() {
	select {
	case k.wake <- struct{}{}:
	default:
	}
}

// WantScreening asks that the screening of d be saved and kept current (a
// month-end the public side was asked for). It returns at once; the work
// is done by KeepScreenings.
func (s *Service) WantScreening(d domain.Date) {
	if d == domain.NoDate {
		return
	}
	s.keepMu.Lock()
	if _, ok := s.keep.dates[d]; !ok && len(s.keep.dates) < maxKept {
		s.keep.dates[d] = 0
	}
	s.keepMu.Unlock()
	s.keep.poke()
}

// KeepScreenings keeps the saved screenings current until ctx ends: after
// every write made through this server at once, and every interval for
// writes made by other processes (an import from the command line).
// saved is called after a pass that saved anything (the web server drops
// its cached reports).
func (s *Service) KeepScreenings(ctx context.Context, interval time.Duration, saved func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	s.keepMu.Lock()
	s.keep.started = time.Now()
	s.keepMu.Unlock()
	defer func() {
		s.keepMu.Lock()
		s.keep.started = time.Time{}
		s.keepMu.Unlock()
	}()
	// Passes are at least gap apart: under a stream of writes (thirty
	// clerks at once) a pass per write would re-stamp the saved screenings
	// and drop the dashboard's reports as fast as they are written.
	gap := min(interval, 5*time.Second)
	for {
		// The queue's screening first: caught up after a start (from the
		// store) and after every write, so that no reader waits for it.
		if _, err := s.screened(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("keeping the current screening", "err", err)
		}
		start := time.Now()
		n, err := s.KeepOnce(ctx)
		if s.obs != nil && ctx.Err() == nil {
			s.obs.ScreeningPass(time.Since(start), n, err)
		}
		if err != nil && ctx.Err() == nil {
			s.log.Warn("keeping the saved screenings current", "err", err)
		}
		if n > 0 && saved != nil {
			saved()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(gap):
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.keep.wake:
		}
	}
}

// KeepOnce brings every kept screening up to date and returns how many it
// saved (screened again, or found still true at the new ledger head).
func (s *Service) KeepOnce(ctx context.Context) (int, error) {
	passAt := time.Now()
	head, err := s.st.Head(ctx)
	if err != nil {
		return 0, err
	}
	latest, err := s.AsOf(ctx)
	if err != nil {
		return 0, err
	}
	if latest == domain.NoDate {
		s.current(head.Seq, passAt)
		return 0, nil
	}
	s.keepMu.Lock()
	if _, ok := s.keep.dates[latest.LastMonthEnd()]; !ok {
		s.keep.dates[latest.LastMonthEnd()] = 0
	}
	kept := maps.Clone(s.keep.dates)
	s.keepMu.Unlock()
	dates := slices.Sorted(maps.Keys(kept))
	slices.Reverse(dates) // the newest first: the public default
	saved := 0
	for _, d := range dates {
		if d > latest {
			continue // nothing is known of it yet
		}
		seq, did, err := s.keepDate(ctx, d, kept[d])
		if err != nil {
			return saved, fmt.Errorf("the screening of %s: %w", d, err)
		}
		if did {
			saved++
		}
		s.keepMu.Lock()
		s.keep.dates[d] = seq
		s.keepMu.Unlock()
	}
	// Each date was made current at a head read after head.
	s.current(head.Seq, passAt)
	return saved, nil
}

// current notes that every kept screening is current at ledger sequence
// seq, as of a pass begun at.
func (s *Service) current(seq int64, at time.Time) {
	s.keepMu.Lock()
	defer s.keepMu.Unlock()
	if seq >= s.keep.currentSeq {
		s.keep.currentSeq, s.keep.currentAt = seq, at
	}
}

// ScreeningLag is how far the saved screenings the public side shows are
// behind the ledger.
type ScreeningLag struct {
	// Running: KeepScreenings is keeping them current in this process.
	Running bool
	// Behind is how many events the ledger holds beyond the last sequence
	// every kept screening was known current at; Age is how long ago the
	// pass that knew it began (since the keeper started, when no pass has
	// succeeded yet). Both are 0 when the screenings are current.
	Behind int64
	Age    time.Duration
}

// ScreeningLag reports how far the saved screenings are behind the ledger
// head (the readiness check and the metrics).
func (s *Service) ScreeningLag(ctx context.Context) (ScreeningLag, error) {
	head, err := s.st.Head(ctx)
	if err != nil {
		return ScreeningLag{}, fmt.Errorf("reading the ledger head: %w", err)
	}
	s.keepMu.Lock()
	k := *s.keep
	s.keepMu.Unlock()
	lag := ScreeningLag{Running: !k.started.IsZero()}
	switch {
	case k.currentAt.IsZero() && lag.Running:
		lag.Behind, lag.Age = head.Seq, time.Since(k.started)
	case k.currentAt.IsZero():
		lag.Behind = head.Seq
	case head.Seq > k.currentSeq:
		lag.Behind, lag.Age = head.Seq-k.currentSeq, time.Since(k.currentAt)
	}
	return lag, nil
}

// keepDate makes the saved screening of d current at the ledger head and
// returns the sequence it is current at, and whether it saved anything.
// since is the sequence it was known current at (0: not known).
func (s *Service) keepDate(ctx context.Context, d domain.Date, since int64) (int64, bool, error) {
	head, err := s.st.Head(ctx)
	if err != nil {
		return 0, false, err
	}
	pack := s.pack.ID + " " + s.pack.Version
	sum, found, err := s.st.Screening(ctx, d)
	if err != nil {
		return 0, false, err
	}
	if found && sum.Pack == pack {
		if sum.Head == head.Hash {
			return head.Seq, false, nil
		}
		if since > 0 {
			touches, err := s.touches(ctx, since, head.Seq, d)
			if err != nil {
				return 0, false, err
			}
			if !touches {
				sum.Head = head.Hash
				if err := s.st.SaveScreening(ctx, sum); err != nil {
					return 0, false, err
				}
				return head.Seq, true, nil
			}
		}
	}
	rep, err := screening.Run(ctx, s.st, s.pack, screening.Options{AsOf: d})
	if err != nil {
		return 0, false, err
	}
	saved, err := rep.Saved(time.Now())
	if err != nil {
		return 0, false, err
	}
	if err := s.st.SaveScreening(ctx, saved); err != nil {
		return 0, false, err
	}
	s.log.Info("screening saved", "as_of", d, "ledger_seq", rep.Head.Seq, "people", rep.Len())
	return rep.Head.Seq, true, nil
}

// touches says whether an event after sequence from, up to to, can change
// the screening of d.
func (s *Service) touches(ctx context.Context, from, to int64, d domain.Date) (bool, error) {
	errFound := fmt.Errorf("found")
	err := s.st.Events(ctx, from+1, func(e store.StoredEvent) error {
		if e.Seq > to {
			return nil
		}
		// A facility that changes kind changes everyone's facts in it. A
		// follow-up step is the staff's work: it changes no one's facts.
		if (e.Kind.PersonKind() && e.Kind != domain.KFollowUp && (e.Date <= d || e.Kind == domain.KCorrection)) || e.Kind == domain.KFacility {
			return errFound
		}
		return nil
	})
	if err == errFound {
		return true, nil
	}
	return false, err
}
