package report

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// fakeHeads is a ledger whose head the test moves.
type fakeHeads struct {
	mu     sync.Mutex
	head   store.Head
	latest domain.Date
	reads  int
}

func (f *fakeHeads) Head(context.Context) (store.Head, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	return f.head, nil
}

func (f *fakeHeads) LatestDate(context.Context) (domain.Date, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.latest, nil
}

func (f *fakeHeads) move(seq int64, latest domain.Date) {
	f.mu.Lock()
	f.head, f.latest = store.Head{Seq: seq, Hash: string(rune('a' + seq))}, latest
	f.mu.Unlock()
}

// testCache is a cache whose builds are counted; build, when set, runs
// inside each.
func testCache(h *fakeHeads, builds *atomic.Int32, build func(ctx context.Context, asOf domain.Date) error) *Cache {
	return &Cache{heads: h, build: func(ctx context.Context, asOf domain.Date) (*Report, error) {
		builds.Add(1)
		if build != nil {
			if err := build(ctx, asOf); err != nil {
				return nil, err
			}
		}
		return &Report{AsOf: asOf.String()}, nil
	}}
}

func TestCacheKeysOnTheHead(t *testing.T) {
	ctx := t.Context()
	h := &fakeHeads{}
	h.move(1, domain.MustDate("2020-12-31"))
	var builds atomic.Int32
	c := testCache(h, &builds, nil)

	start := time.Now()
	e, err := c.Get(ctx, domain.NoDate)
	if err != nil || e.AsOf != domain.MustDate("2020-12-31") || e.Latest != e.AsOf || e.Report().AsOf != "2020-12-31" {
		t.Fatalf("the latest report: %+v %v", e, err)
	}
	again, err := c.Get(ctx, domain.MustDate("2020-12-31"))
	if err != nil || again != e || builds.Load() != 1 {
		t.Fatalf("the same date on the same head is built again: %d builds, same entry %v, %v", builds.Load(), again == e, err)
	}
	if time.Since(start) < headTTL && h.reads != 1 {
		t.Errorf("the head was read %d times within its time to live", h.reads)
	}
	other, err := c.Get(ctx, domain.MustDate("2020-06-30"))
	if err != nil || other == e || builds.Load() != 2 {
		t.Fatalf("another date: %d builds, %v", builds.Load(), err)
	}

	// The head read again, unchanged: the reports are kept.
	c.Invalidate()
	if again, err := c.Get(ctx, domain.NoDate); err != nil || again != e || builds.Load() != 2 {
		t.Fatalf("the same head, read again: %d builds, same entry %v, %v", builds.Load(), again == e, err)
	}
	if h.reads != 2 {
		t.Errorf("Invalidate did not make the cache read the head: %d reads", h.reads)
	}

	// Drop: built again on the same head (a screening was saved).
	c.Drop()
	dropped, err := c.Get(ctx, domain.NoDate)
	if err != nil || dropped == e || builds.Load() != 3 {
		t.Fatalf("after Drop: %d builds, same entry %v, %v", builds.Load(), dropped == e, err)
	}
	e = dropped

	// A new head: the report is built again.
	h.move(2, domain.MustDate("2020-12-31"))
	c.Invalidate()
	moved, err := c.Get(ctx, domain.NoDate)
	if err != nil || moved == e || builds.Load() != 4 || moved.Head.Seq != 2 {
		t.Fatalf("a new head: %d builds, same entry %v, %v", builds.Load(), moved == e, err)
	}
}

func TestCacheBuildsOnceForConcurrentCallers(t *testing.T) {
	h := &fakeHeads{}
	h.move(1, domain.MustDate("2020-12-31"))
	var builds atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	c := testCache(h, &builds, func(ctx context.Context, _ domain.Date) error {
		once.Do(func() { close(started) })
		<-release
		// The first caller gave up; the build goes on for the others.
		return ctx.Err()
	})
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	entries := make([]*Entry, 8)
	errs := make([]error, len(entries))
	wg.Go(func() { entries[0], errs[0] = c.Get(ctx, domain.NoDate) })
	<-started
	cancel()
	for i := 1; i < len(entries); i++ {
		wg.Go(func() { entries[i], errs[i] = c.Get(t.Context(), domain.NoDate) })
	}
	// Let the others reach the build they wait for.
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	for i := range entries {
		if errs[i] != nil || entries[i] != entries[0] {
			t.Errorf("caller %d: %v, same entry %v", i, errs[i], entries[i] == entries[0])
		}
	}
	if n := builds.Load(); n != 1 {
		t.Errorf("%d builds for %d concurrent callers", n, len(entries))
	}
}

func TestCacheErrors(t *testing.T) {
	ctx := t.Context()
	h := &fakeHeads{}
	var builds atomic.Int32
	fail := errors.New("connection reset")
	failing := true
	c := testCache(h, &builds, func(_ context.Context, asOf domain.Date) error {
		if asOf < domain.MustDate("2016-01-01") {
			return ErrNoData
		}
		if failing {
			return fail
		}
		return nil
	})

	_, err := c.Get(ctx, domain.NoDate)
	if !errors.Is(err, ErrEmpty) || !errors.Is(err, domain.ErrNotFound) || builds.Load() != 0 {
		t.Fatalf("an empty register: %v (%d builds)", err, builds.Load())
	}
	h.move(1, domain.MustDate("2020-12-31"))
	c.Invalidate()
	if _, err := c.Get(ctx, domain.MustDate("2021-01-01")); !errors.Is(err, ErrNoData) || builds.Load() != 0 {
		t.Fatalf("a date after the register: %v (%d builds)", err, builds.Load())
	}

	// A failure that may pass is not kept; no data is.
	if _, err := c.Get(ctx, domain.NoDate); !errors.Is(err, fail) {
		t.Fatalf("a failing build: %v", err)
	}
	failing = false
	if e, err := c.Get(ctx, domain.NoDate); err != nil || e == nil || builds.Load() != 2 {
		t.Fatalf("after a failure: %v (%d builds)", err, builds.Load())
	}
	for range 2 {
		if _, err := c.Get(ctx, domain.MustDate("2015-06-30")); !errors.Is(err, ErrNoData) {
			t.Fatalf("a date before the register: %v", err)
		}
	}
	if builds.Load() != 3 {
		t.Errorf("no data was not kept: %d builds", builds.Load())
	}
}

// TestCacheLimitsBuildsPerClient: one client may start only so many builds
// of reports that are not cached; what is cached it reads without limit,
// and other clients are not held back by it.
func TestCacheLimitsBuildsPerClient(t *testing.T) {
	ctx := t.Context()
	h := &fakeHeads{}
	h.move(1, domain.MustDate("2020-12-31"))
	var builds atomic.Int32
	c := testCache(h, &builds, nil)
	c.limit(2, 8)
	clock := time.Date(2021, 1, 1, 12, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return clock }
	// Month ends: the public asks for nothing else (TestCachePublicMonthEnds).
	day := func(m int) domain.Date { return domain.MakeDate(2020, m+1, 1).AddDays(-1) }
	for m := 1; m <= 2; m++ {
		if _, err := c.GetFor(ctx, day(m), "203.0.113.9", nil); err != nil {
			t.Fatalf("build %d: %v", m, err)
		}
	}
	if _, err := c.GetFor(ctx, day(3), "203.0.113.9", nil); !errors.Is(err, domain.ErrRateLimited) {
		t.Fatalf("a third build within the minute: %v, want rate limited", err)
	}
	for range 50 {
		if _, err := c.GetFor(ctx, day(1), "203.0.113.9", nil); err != nil {
			t.Fatalf("a cached report refused: %v", err)
		}
	}
	if _, err := c.GetFor(ctx, day(3), "198.51.100.4", nil); err != nil {
		t.Errorf("another client held back: %v", err)
	}
	if _, err := c.Get(ctx, day(4)); err != nil {
		t.Errorf("the server's own call held back: %v", err)
	}
	clock = clock.Add(time.Minute)
	if _, err := c.GetFor(ctx, day(5), "203.0.113.9", nil); err != nil {
		t.Errorf("a build a minute later: %v", err)
	}
	if n := builds.Load(); n != 5 {
		t.Errorf("%d builds, want 5", n)
	}
}

// TestCacheKeepsTheLatest: however many dates are asked for, the report of
// the latest date (the dashboard's) is not forgotten.
func TestCacheKeepsTheLatest(t *testing.T) {
	ctx := t.Context()
	h := &fakeHeads{}
	latest := domain.MustDate("2020-12-31")
	h.move(1, latest)
	var builds atomic.Int32
	c := testCache(h, &builds, nil)
	first, err := c.Get(ctx, domain.NoDate)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 * maxCached {
		if _, err := c.Get(ctx, latest.AddDays(-1-i)); err != nil {
			t.Fatal(err)
		}
	}
	again, err := c.Get(ctx, domain.NoDate)
	if err != nil || again != first {
		t.Errorf("the latest report was built again after %d other dates (%v)", 3*maxCached, err)
	}
}

// TestCacheBoundsWaiting: builds queue one behind the other; past the bound
// a new one is refused as unavailable, while callers of a report being
// built still wait for it.
func TestCacheBoundsWaiting(t *testing.T) {
	ctx := t.Context()
	h := &fakeHeads{}
	h.move(1, domain.MustDate("2020-12-31"))
	var builds atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	c := testCache(h, &builds, func(context.Context, domain.Date) error {
		started <- struct{}{}
		<-release
		return nil
	})
	c.limit(100, 2)
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for _, d := range []string{"2020-01-31", "2020-02-29", "2020-01-31"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.GetFor(ctx, domain.MustDate(d), "a", nil)
			errs <- err
		}()
	}
	<-started // one build runs, the second waits for its turn
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		w := c.waiting
		c.mu.Unlock()
		if w == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := c.GetFor(ctx, domain.MustDate("2020-03-31"), "b", nil); !errors.Is(err, domain.ErrUnavailable) {
		t.Errorf("a third build with two in hand: %v, want unavailable", err)
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a caller of a build in hand: %v", err)
		}
	}
	if n := builds.Load(); n != 2 {
		t.Errorf("%d builds, want 2", n)
	}
}

// TestCacheNeverRefusesTheLatest: a client over its allowance still gets
// the dashboard's report when a write has just made it stale.
func TestCacheNeverRefusesTheLatest(t *testing.T) {
	ctx := t.Context()
	h := &fakeHeads{}
	h.move(1, domain.MustDate("2020-12-31"))
	var builds atomic.Int32
	c := testCache(h, &builds, nil)
	c.limit(1, 8)
	if _, err := c.GetFor(ctx, domain.MustDate("2020-06-30"), "a", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetFor(ctx, domain.MustDate("2020-07-31"), "a", nil); !errors.Is(err, domain.ErrRateLimited) {
		t.Fatalf("over the allowance: %v", err)
	}
	h.move(2, domain.MustDate("2021-01-05"))
	c.Invalidate()
	if _, err := c.GetFor(ctx, domain.NoDate, "a", nil); err != nil {
		t.Errorf("the new latest report refused: %v", err)
	}
}

// TestCachePublicMonthEnds: the public reads month ends only, by default
// the last complete one; a signed-in reader may ask any date, by default
// the latest. The rule is the cache's, whoever calls it.
func TestCachePublicMonthEnds(t *testing.T) {
	ctx := t.Context()
	h := &fakeHeads{}
	h.move(1, domain.MustDate("2020-12-15"))
	var builds atomic.Int32
	c := testCache(h, &builds, nil)
	staff := &auth.Principal{User: "analyst", Role: auth.Analyst}
	e, err := c.GetFor(ctx, domain.NoDate, "203.0.113.9", nil)
	if err != nil || e.AsOf != domain.MustDate("2020-11-30") {
		t.Fatalf("the public's default: %v %v, want 2020-11-30, the last complete month", e, err)
	}
	for _, d := range []string{"2020-12-15", "2020-11-15", "2020-12-01", "2020-02-28"} {
		if _, err := c.GetFor(ctx, domain.MustDate(d), "203.0.113.9", nil); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("the public asking %s: %v, want forbidden", d, err)
		}
	}
	for _, d := range []string{"2020-02-29", "2020-10-31", "2020-11-30"} {
		if e, err := c.GetFor(ctx, domain.MustDate(d), "203.0.113.9", nil); err != nil || e.AsOf.String() != d {
			t.Errorf("the public asking the month end %s: %v", d, err)
		}
	}
	if e, err := c.GetFor(ctx, domain.NoDate, "203.0.113.9", staff); err != nil || e.AsOf != domain.MustDate("2020-12-15") {
		t.Errorf("staff's default: %v %v, want the latest date", e, err)
	}
	if e, err := c.GetFor(ctx, domain.MustDate("2020-11-15"), "203.0.113.9", staff); err != nil || e.AsOf != domain.MustDate("2020-11-15") {
		t.Errorf("staff asking a mid-month date: %v", err)
	}
	for d, want := range map[string]string{"2020-12-15": "2020-11-30", "2020-12-31": "2020-12-31", "2020-03-01": "2020-02-29", "2021-01-31": "2021-01-31"} {
		if got := domain.MustDate(d).LastMonthEnd().String(); got != want {
			t.Errorf("LastMonthEnd(%s) = %s, want %s", d, got, want)
		}
	}
}

// TestCacheAnswersVisitorsDuringABuild: while a build runs (a stream of
// writes moves the head every second), a visitor asking for a date already
// built is answered at once with that report, on its earlier head, and the
// current one is built in turn; the process's own callers wait for the
// current one, and a visitor gets it once it is built.
func TestCacheAnswersVisitorsDuringABuild(t *testing.T) {
	ctx := t.Context()
	h := &fakeHeads{}
	h.move(1, domain.MustDate("2020-12-31"))
	var builds atomic.Int32
	release := make(chan struct{})
	var slow atomic.Bool
	c := testCache(h, &builds, func(ctx context.Context, asOf domain.Date) error {
		if slow.Load() {
			<-release
		}
		return nil
	})
	first, err := c.GetFor(ctx, domain.NoDate, "visitor", nil)
	if err != nil || first.Head.Seq != 1 {
		t.Fatalf("the first report: %+v %v", first, err)
	}

	// A write; the process starts the new head's build, which is slow.
	h.move(2, domain.MustDate("2020-12-31"))
	c.Invalidate()
	slow.Store(true)
	done := make(chan *Entry)
	go func() {
		e, _ := c.Get(ctx, domain.NoDate)
		done <- e
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		c.mu.Lock()
		busy := c.busy
		c.mu.Unlock()
		if busy > 0 || time.Now().After(deadline) {
			break
		}
	}
	got, err := c.GetFor(ctx, domain.NoDate, "visitor", nil)
	if err != nil || got != first {
		t.Fatalf("a visitor during the build: %+v %v; want the report of head 1 at once", got, err)
	}
	close(release)
	current := <-done
	if current == nil || current.Head.Seq != 2 {
		t.Fatalf("the process's own caller got %+v; want head 2", current)
	}
	if got, err := c.GetFor(ctx, domain.NoDate, "visitor", nil); err != nil || got != current {
		t.Errorf("a visitor after the build: %+v %v; want the report of head 2", got, err)
	}
}
