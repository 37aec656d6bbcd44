package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// Revised figures (issue 17 item 8): a month-end figure can change after
// it is published, when entries dated in that month are recorded late
// (docs/stats.md). Each published report (habeas report publish, kept in
// the register with its files) is compared with the report computed today
// for the same date: every figure shown in both whose value differs is a
// revision, with both values and the report it was published in.

// Published is where the published reports are read from (ledger.Service).
type Published interface {
	Publications(ctx context.Context) ([]store.Publication, error)
	PublicationFile(ctx context.Context, id int64, name string) ([]byte, bool, error)
}

// PublishedData is the file of a published report the comparison reads.
const PublishedData = "data/report.json"

// Revision is one published figure whose value changed since.
type Revision struct {
	Report     int64  `json:"report"`       // the published report's number
	ReportAsOf string `json:"report_as_of"` // its date
	// Key names the figure as disclosure control does:
	// national/all/KEY for a national figure (Column is its key),
	// facility/ID/COLUMN for a facility's count, trend/DATE/population or
	// trend/DATE/capacity for a month of the trend.
	Key      string  `json:"key"`
	Kind     string  `json:"kind"` // national, facility or trend
	Column   string  `json:"column"`
	Label    string  `json:"label"` // the published label, English
	Facility string  `json:"facility,omitempty"`
	Name     string  `json:"facility_name,omitempty"`
	Date     string  `json:"date"` // the date of the figure
	Unit     string  `json:"unit"`
	Was      float64 `json:"published_value"`
	Now      float64 `json:"current_value"`
}

// Compare lists the figures of a published report (pub, read from its
// report.json) that the current report of the same date (cur) shows with
// another value. Only figures shown in both are compared: a count hidden
// in either is not a revision (and comparing it would undo the hiding).
// Releases in the period are compared only when both cover the same
// period.
func Compare(id int64, pub, cur *Report) []Revision {
	var out []Revision
	add := func(r Revision) {
		if r.Was != r.Now {
			r.Report, r.ReportAsOf = id, pub.AsOf
			out = append(out, r)
		}
	}
	now := map[string]Figure{}
	for _, f := range cur.National {
		now[f.Key] = f
	}
	for _, f := range pub.National {
		c, ok := now[f.Key]
		if !ok || (f.Key == "released" && (pub.From != cur.From || pub.AsOf != cur.AsOf)) {
			continue
		}
		add(Revision{Key: natKey(f.Key), Kind: "national", Column: f.Key, Label: f.Label, Date: f.Date, Unit: f.Unit, Was: f.Value, Now: c.Value})
	}
	rows := map[string]FacilityRow{}
	for _, r := range cur.Facilities {
		rows[r.ID] = r
	}
	for _, p := range pub.Facilities {
		c, ok := rows[p.ID]
		if !ok {
			continue
		}
		for _, col := range FacilityColumns {
			a, b := p.Counts[col.Key], c.Counts[col.Key]
			if a.Value == nil || b.Value == nil {
				continue
			}
			add(Revision{Key: facKey(p.ID, col.Key), Kind: "facility", Column: col.Key, Label: col.Label, Facility: p.ID, Name: p.Name,
				Date: pub.AsOf, Unit: "people", Was: float64(*a.Value), Now: float64(*b.Value)})
		}
	}
	pts := map[string]Point{}
	for _, p := range cur.Trend {
		pts[p.Date] = p
	}
	for _, p := range pub.Trend {
		c, ok := pts[p.Date]
		if !ok || p.Date == pub.AsOf { // the national figures have it
			continue
		}
		add(Revision{Key: "trend/" + p.Date + "/population", Kind: "trend", Column: "population", Label: "People held in prisons and correctional centres",
			Date: p.Date, Unit: "people", Was: float64(p.Population), Now: float64(c.Population)})
		add(Revision{Key: "trend/" + p.Date + "/capacity", Kind: "trend", Column: "capacity", Label: "Official capacity",
			Date: p.Date, Unit: "places", Was: float64(p.Capacity), Now: float64(c.Capacity)})
	}
	return out
}

// readPublished parses a published report's report.json.
func readPublished(ctx context.Context, p Published, id int64) (*Report, error) {
	b, ok, err := p.PublicationFile(ctx, id, PublishedData)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, domain.NotFound("published report %d has no %s", id, PublishedData)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("reading %s of published report %d: %w", PublishedData, id, err)
	}
	return &r, nil
}

// publishedCache keeps the published reports read: they never change.
type publishedCache struct {
	mu sync.Mutex
	m  map[int64]*Report
}

// Revisions compares every published report of asOf (NoDate: of every
// date) with the report of its date on the current ledger head, and lists
// the revised figures, newest report first. A published report of a date
// the register no longer reaches is skipped.
func (c *Cache) Revisions(ctx context.Context, p Published, asOf domain.Date) ([]Revision, error) {
	if p == nil {
		return nil, nil
	}
	pubs, err := p.Publications(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the published reports: %w", err)
	}
	out := []Revision{}
	for _, pub := range pubs {
		if asOf != domain.NoDate && pub.AsOf != asOf {
			continue
		}
		old, err := c.published(ctx, p, pub.ID)
		if errors.Is(err, domain.ErrNotFound) {
			continue // a publication without the data: nothing to compare
		}
		if err != nil {
			return nil, err
		}
		e, err := c.Get(ctx, pub.AsOf)
		if errors.Is(err, ErrNoData) || errors.Is(err, ErrEmpty) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("the report of %s: %w", pub.AsOf, err)
		}
		out = append(out, Compare(pub.ID, old, e.Report())...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Report > out[j].Report })
	// A month of the trend is in every report published after it: its
	// revision is listed once, against the newest report that published
	// the same value.
	seen := map[string]bool{}
	kept := out[:0]
	for _, r := range out {
		k := fmt.Sprintf("%s=%g", r.Key, r.Was)
		if r.Kind == "trend" && seen[k] {
			continue
		}
		seen[k] = true
		kept = append(kept, r)
	}
	return kept, nil
}

func (c *Cache) published(ctx context.Context, p Published, id int64) (*Report, error) {
	c.pub.mu.Lock()
	r, ok := c.pub.m[id]
	c.pub.mu.Unlock()
	if ok {
		return r, nil
	}
	r, err := readPublished(ctx, p, id)
	if err != nil {
		return nil, err
	}
	c.pub.mu.Lock()
	if c.pub.m == nil {
		c.pub.m = map[int64]*Report{}
	}
	c.pub.m[id] = r
	c.pub.mu.Unlock()
	return r, nil
}

// RevisionsOf compares the published reports of cur's date with cur
// itself: for a page that already holds the report it shows (a visitor
// answered with an earlier head's report during a build must not wait for
// the current one here).
func (c *Cache) RevisionsOf(ctx context.Context, p Published, cur *Report) ([]Revision, error) {
	if p == nil || cur == nil {
		return nil, nil
	}
	pubs, err := p.Publications(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the published reports: %w", err)
	}
	var out []Revision
	for _, pub := range pubs {
		if pub.AsOf.String() != cur.AsOf {
			continue
		}
		old, err := c.published(ctx, p, pub.ID)
		if errors.Is(err, domain.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, Compare(pub.ID, old, cur)...)
	}
	return out, nil
}
