package report

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/i18n"
	"github.com/habeas-kh/habeas/internal/store"
)

// ErrEmpty is returned by Cache.Get while the register holds nothing: there
// is no date to report on. It is a not-found (domain.ErrNotFound).
var ErrEmpty = &domain.Error{Code: domain.ErrNotFound, Msg: "no data"}

// headTTL is how long a Cache trusts the ledger head it read: Invalidate
// makes it read the head again at once (writes through the same process),
// writes by other processes (an import) show within this time. It spares
// the database two queries per request.
const headTTL = time.Second

// maxCached bounds the dates kept per head: a caller can ask for any date.
const maxCached = 32

// CacheOptions configure a Cache.
type CacheOptions struct {
	// Now is the clock the reports' generation time is read from
	// (default time.Now).
	Now func() time.Time
	// Profile is the jurisdiction of the reports (Options.Profile).
	Profile *Profile
	// BuildsPerClient is how many reports that are not in the cache one
	// client (GetFor) may have built per minute (default 6). Building a
	// report takes the better part of a second on a national register:
	// a visitor walking through the month-ends builds a few, a script
	// asking for every date of a decade is refused, and a crowd reading
	// what is cached, the dashboard first, is never refused.
	BuildsPerClient int
	// MaxWaiting bounds the builds waiting for their turn (default 8):
	// beyond it a request for a report not in the cache is refused as
	// unavailable, not queued behind minutes of work.
	MaxWaiting int
}

const (
	defaultBuildsPerClient = 6
	defaultMaxWaiting      = 8
	clientWindow           = time.Minute
)

// heads is what a Cache asks to know whether its reports are current.
type heads interface {
	Head(ctx context.Context) (store.Head, error)
	LatestDate(ctx context.Context) (domain.Date, error)
}

// Cache keeps the public reports of the current ledger head: building one on
// a national register takes seconds, serving it must not. A report is built
// once however many callers ask for it at the same time, one build at a
// time, and forgotten when the ledger head moves.
type Cache struct {
	heads heads
	build func(ctx context.Context, asOf domain.Date) (*Report, error)

	mu      sync.Mutex
	head    store.Head
	latest  domain.Date
	checked time.Time // when head was last read from the database
	// headFromReplica: head was read from a read replica (see get).
	headFromReplica bool
	entries         map[domain.Date]*Entry
	// building lets one build run at a time: the machine is shared, and
	// two builds side by side would each take as long as both.
	building sync.Mutex

	// built is, for each date, the last report built without error, on
	// whatever head (under mu): while another build runs, a visitor is
	// answered with it rather than queued behind every head a stream of
	// writes makes (GetFor).
	built map[domain.Date]*Entry
	// busy counts the builds running or waiting for the building lock
	// (under mu).
	busy int

	perClient, maxWaiting int
	waiting               int                   // builds started and not finished, under mu
	clients               map[string]*allowance // under mu
	now                   func() time.Time

	// synthetic reads whether the register is the demo's (Synthetic);
	// the answer, once the register holds an event, never changes (the
	// first event is the first for good): synthKnown keeps it.
	synthetic  func(ctx context.Context) (bool, error)
	synthMu    sync.Mutex
	synthKnown bool
	synth      bool

	// pub keeps the published reports read for Revisions.
	pub publishedCache
}

// allowance counts one client's builds in the current window.
type allowance struct {
	start time.Time
	n     int
}

// NewCache returns a cache of the reports of st.
func NewCache(st store.Store, opt CacheOptions) *Cache {
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	c := &Cache{heads: st, build: func(ctx context.Context, asOf domain.Date) (*Report, error) {
		return Build(ctx, st, Options{AsOf: asOf, Now: now(), Profile: opt.Profile})
	}}
	c.limit(opt.BuildsPerClient, opt.MaxWaiting)
	c.synthetic = func(ctx context.Context) (bool, error) { return Synthetic(ctx, st) }
	return c
}

// Synthetic reports whether the register is synthetic (the package's
// Synthetic), reading it once.
func (c *Cache) Synthetic(ctx context.Context) (bool, error) {
	if c.synthetic == nil {
		return false, nil
	}
	c.synthMu.Lock()
	defer c.synthMu.Unlock()
	if c.synthKnown {
		return c.synth, nil
	}
	h, err := c.heads.Head(ctx)
	if err != nil {
		return false, fmt.Errorf("reading the ledger head: %w", err)
	}
	if h.Seq == 0 {
		return false, nil // an empty register: not known yet
	}
	synth, err := c.synthetic(ctx)
	if err != nil {
		return false, err
	}
	c.synthKnown, c.synth = true, synth
	return synth, nil
}

// limit sets the bounds on builds (0: the defaults).
func (c *Cache) limit(perClient, maxWaiting int) {
	c.perClient, c.maxWaiting = perClient, maxWaiting
	if c.perClient <= 0 {
		c.perClient = defaultBuildsPerClient
	}
	if c.maxWaiting <= 0 {
		c.maxWaiting = defaultMaxWaiting
	}
}

// Entry is the report of one date on one ledger head.
type Entry struct {
	AsOf   domain.Date // the date it is for
	Latest domain.Date // the register's latest date on Head
	Head   store.Head

	once sync.Once
	r    *Report
	err  error

	// The published files in each language of the page (the open data
	// are the same in both), rendered once per language.
	filesOnce [2]sync.Once
	files     [2]map[string][]byte
	filesErr  [2]error
}

// Report is the report.
func (e *Entry) Report() *Report { return e.r }

// Files are the report's published files (Report.Files("html")): the page,
// its stylesheet and the open data under data/, rendered once.
func (e *Entry) Files() (map[string][]byte, error) { return e.FilesIn(i18n.English) }

// FilesIn are the report's published files with the page in a language
// (Report.FilesIn("html", l)), rendered once per language.
func (e *Entry) FilesIn(l i18n.Lang) (map[string][]byte, error) {
	i := 0
	if l == i18n.Khmer {
		i = 1
	}
	e.filesOnce[i].Do(func() { e.files[i], e.filesErr[i] = e.r.FilesIn("html", l) })
	return e.files[i], e.filesErr[i]
}

// run builds e once, for every caller waiting on it, and keeps it as the
// date's last built report; the caller has counted it in busy.
func (c *Cache) run(ctx context.Context, e *Entry, asOf domain.Date) {
	e.once.Do(func() {
		// The build serves every waiting caller: one who gives up must not
		// cancel it for the others.
		bctx := context.WithoutCancel(ctx)
		c.building.Lock()
		defer c.building.Unlock()
		e.r, e.err = c.build(bctx, asOf)
		if e.err == nil {
			c.mu.Lock()
			if c.built == nil {
				c.built = map[domain.Date]*Entry{}
			}
			if len(c.built) >= maxCached {
				clear(c.built)
			}
			c.built[asOf] = e
			c.mu.Unlock()
		}
	})
	c.mu.Lock()
	c.busy--
	c.mu.Unlock()
}

// Invalidate makes the next Get read the ledger head again.
func (c *Cache) Invalidate() {
	c.mu.Lock()
	c.checked = time.Time{}
	c.mu.Unlock()
}

// Drop forgets every report: something they read changed that the ledger
// head does not show (a screening was saved).
func (c *Cache) Drop() {
	c.mu.Lock()
	c.checked = time.Time{}
	c.entries = nil // built stays: a visitor may still be answered with it during a build
	c.mu.Unlock()
}

// Get returns the report of asOf (NoDate: the register's latest date) on
// the current ledger head, building it if no caller has yet. An empty
// register is ErrEmpty; a date after the register's last entry, or before
// its first, is ErrNoData. Get is for the process's own callers; a request
// from outside goes through GetFor.
func (c *Cache) Get(ctx context.Context, asOf domain.Date) (*Entry, error) {
	return c.get(ctx, asOf, "", true)
}

// GetFor is Get on behalf of a client (its address) and a reader (nil:
// the public). A report already built or being built is shared with every
// caller, but a client may start only so many builds a minute
// (domain.ErrRateLimited), and no build is queued behind too many others
// (domain.ErrUnavailable). The empty client is not limited.
//
// The public reads month ends only, and by default the last complete one:
// figures of consecutive days can be subtracted to single out one person's
// admission (a test admission showed as CC2 women 884→885), figures a
// month apart cannot. Any other date is staff-only (domain.ErrForbidden);
// a signed-in reader may ask any date, and by default has the latest.
func (c *Cache) GetFor(ctx context.Context, asOf domain.Date, client string, reader *auth.Principal) (*Entry, error) {
	return c.get(ctx, asOf, client, reader.Authenticated())
}

func (c *Cache) get(ctx context.Context, asOf domain.Date, client string, staff bool) (*Entry, error) {
	// The head and the report built on it read from one place.
	ctx = store.SettleReads(ctx, c.heads)
	c.mu.Lock()
	// With a read replica, the head read may be a moment behind the
	// primary's: a reader whose reads go to the primary (they have just
	// written) must not be answered with reports of the replica's head,
	// which may not hold their write (read your own writes).
	router, replicated := c.heads.(store.ReadRouter)
	if time.Since(c.checked) >= headTTL || (c.headFromReplica && !router.ReadsReplica(ctx)) {
		fromReplica := replicated && router.ReadsReplica(ctx)
		head, err := c.heads.Head(ctx)
		if err != nil {
			c.mu.Unlock()
			return nil, fmt.Errorf("reading the ledger head: %w", err)
		}
		latest, err := c.heads.LatestDate(ctx)
		if err != nil {
			c.mu.Unlock()
			return nil, fmt.Errorf("reading the register's latest date: %w", err)
		}
		if c.head != head || c.latest != latest || c.entries == nil {
			c.head, c.latest = head, latest
			c.entries = map[domain.Date]*Entry{}
		}
		c.checked, c.headFromReplica = time.Now(), fromReplica
	}
	latest := c.latest
	if latest == domain.NoDate {
		c.mu.Unlock()
		return nil, fmt.Errorf("the register is empty: %w", ErrEmpty)
	}
	def := latest.LastMonthEnd()
	switch {
	case asOf == domain.NoDate && staff:
		asOf = latest // staff work on today's register
	case asOf == domain.NoDate:
		asOf = def
	case !staff && !asOf.IsMonthEnd():
		c.mu.Unlock()
		return nil, domain.Forbidden("the public figures are those of month ends (the last complete month ends on %s): "+
			"the figures of %s are for signed-in staff only", def, asOf)
	}
	if asOf > latest {
		c.mu.Unlock()
		return nil, fmt.Errorf("%w: the register has no entry after %s", ErrNoData, latest)
	}
	e, ok := c.entries[asOf]
	// Under a stream of writes the head moves every second and builds
	// queue one behind the other, each for a head already gone: a
	// visitor would wait for all of them. While a build runs, a visitor is
	// answered with the last report built for the date, on an earlier
	// head (it names its head), and the current one is built in turn.
	// The process's own callers (client "") always wait for the current.
	if prev := c.built[asOf]; client != "" && c.busy > 0 && prev != nil && prev != e {
		if !ok {
			e = &Entry{AsOf: asOf, Latest: latest, Head: c.head}
			c.entries[asOf] = e
			c.busy++
			c.mu.Unlock()
			go c.run(context.WithoutCancel(ctx), e, asOf)
			return prev, nil
		}
		c.mu.Unlock()
		return prev, nil
	}
	if !ok {
		// The default date's report is the dashboard's, wanted by
		// everyone: its build is never refused.
		if err := c.admit(client, asOf == def || asOf == latest); err != nil {
			c.mu.Unlock()
			return nil, err
		}
		if len(c.entries) >= maxCached {
			// Forget the other dates, never the latest: the dashboard is
			// what most visitors read.
			for d := range c.entries {
				if d != latest && d != def {
					delete(c.entries, d)
				}
			}
		}
		e = &Entry{AsOf: asOf, Latest: latest, Head: c.head}
		c.entries[asOf] = e
		c.waiting++
		defer func() {
			c.mu.Lock()
			c.waiting--
			c.mu.Unlock()
		}()
	}
	c.busy++
	c.mu.Unlock()
	c.run(ctx, e, asOf)
	if e.err != nil {
		if !errors.Is(e.err, ErrNoData) {
			// Do not keep a failure that may be passing (the database).
			c.mu.Lock()
			if c.entries[asOf] == e {
				delete(c.entries, asOf)
			}
			c.mu.Unlock()
		}
		return nil, e.err
	}
	return e, nil
}

// admit decides, under mu, whether client may start a build now.
func (c *Cache) admit(client string, latest bool) error {
	if c.perClient == 0 {
		c.limit(0, 0) // a Cache made without NewCache
	}
	if latest {
		return nil
	}
	if c.waiting >= c.maxWaiting {
		return &domain.Error{Code: domain.ErrUnavailable, Msg: fmt.Sprintf("%d reports are being built: try again in a moment", c.waiting)}
	}
	if client == "" {
		return nil
	}
	now := time.Now
	if c.now != nil {
		now = c.now
	}
	t := now()
	if c.clients == nil {
		c.clients = map[string]*allowance{}
	}
	if len(c.clients) > 10000 {
		// Forget the windows that have ended, so the map does not grow
		// with every address that ever asked.
		for k, a := range c.clients {
			if t.Sub(a.start) >= clientWindow {
				delete(c.clients, k)
			}
		}
	}
	a := c.clients[client]
	if a == nil || t.Sub(a.start) >= clientWindow {
		a = &allowance{start: t}
		c.clients[client] = a
	}
	if a.n >= c.perClient {
		return &domain.Error{Code: domain.ErrRateLimited,
			Msg: fmt.Sprintf("at most %d reports of dates not asked for recently, per minute: wait a little, or use the published reports", c.perClient)}
	}
	a.n++
	return nil
}
