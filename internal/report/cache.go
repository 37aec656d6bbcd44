package report

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
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
}

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
	entries map[domain.Date]*Entry
	// building lets one build run at a time: the machine is shared, and
	// two builds side by side would each take as long as both.
	building sync.Mutex
}

// NewCache returns a cache of the reports of st.
func NewCache(st store.Store, opt CacheOptions) *Cache {
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	return &Cache{heads: st, build: func(ctx context.Context, asOf domain.Date) (*Report, error) {
		return Build(ctx, st, Options{AsOf: asOf, Now: now(), Profile: opt.Profile})
	}}
}

// Entry is the report of one date on one ledger head.
type Entry struct {
	AsOf   domain.Date // the date it is for
	Latest domain.Date // the register's latest date on Head
	Head   store.Head

	once sync.Once
	r    *Report
	err  error

	filesOnce sync.Once
	files     map[string][]byte
	filesErr  error
}

// Report is the report.
func (e *Entry) Report() *Report { return e.r }

// Files are the report's published files (Report.Files("html")): the page,
// its stylesheet and the open data under data/, rendered once.
func (e *Entry) Files() (map[string][]byte, error) {
	e.filesOnce.Do(func() { e.files, e.filesErr = e.r.Files("html") })
	return e.files, e.filesErr
}

// Invalidate makes the next Get read the ledger head again.
func (c *Cache) Invalidate() {
	c.mu.Lock()
	c.checked = time.Time{}
	c.mu.Unlock()
}

// Get returns the report of asOf (NoDate: the register's latest date) on
// the current ledger head, building it if no caller has yet. An empty
// register is ErrEmpty; a date after the register's last entry, or before
// its first, is ErrNoData.
func (c *Cache) Get(ctx context.Context, asOf domain.Date) (*Entry, error) {
	c.mu.Lock()
	if time.Since(c.checked) >= headTTL {
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
		c.checked = time.Now()
	}
	latest := c.latest
	if asOf == domain.NoDate {
		asOf = latest
	}
	if latest == domain.NoDate {
		c.mu.Unlock()
		return nil, fmt.Errorf("the register is empty: %w", ErrEmpty)
	}
	if asOf > latest {
		c.mu.Unlock()
		return nil, fmt.Errorf("%w: the register has no entry after %s", ErrNoData, latest)
	}
	e, ok := c.entries[asOf]
	if !ok {
		if len(c.entries) >= maxCached {
			c.entries = map[domain.Date]*Entry{}
		}
		e = &Entry{AsOf: asOf, Latest: latest, Head: c.head}
		c.entries[asOf] = e
	}
	c.mu.Unlock()
	e.once.Do(func() {
		// The build serves every waiting caller: one who gives up must not
		// cancel it for the others.
		bctx := context.WithoutCancel(ctx)
		c.building.Lock()
		defer c.building.Unlock()
		e.r, e.err = c.build(bctx, asOf)
	})
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
