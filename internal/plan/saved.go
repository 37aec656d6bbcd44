package plan

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/habeas-kh/habeas/internal/disclosure"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// Entry is what the ledger keeps of a plan: its aggregates per facility and
// the people in it by id (staff-only data).
func (p *Plan) Entry(name string) *domain.PlanData {
	d := &domain.PlanData{Name: name, AsOf: p.AsOf, Target: p.Target, Facility: p.Facility, Mechanisms: p.Mechanisms, Pack: p.Pack}
	for _, e := range p.Exclude {
		d.Exclude = append(d.Exclude, string(e))
	}
	for _, f := range p.Facilities {
		pf := domain.PlanFacility{ID: f.ID, Before: f.Before, Capacity: f.Capacity, Need: f.Need, Releases: f.Releases, Gap: f.Gap}
		for _, m := range p.mechKeys() {
			pf.ByMechanism = append(pf.ByMechanism, domain.PlanCount{Key: m, Count: f.ByMechanism[m]})
		}
		for _, g := range Groups {
			pf.ByGroup = append(pf.ByGroup, domain.PlanCount{Key: string(g), Count: f.ByGroup[string(g)]})
		}
		d.Facilities = append(d.Facilities, pf)
	}
	for _, x := range p.People {
		d.People = append(d.People, domain.PlanPerson{Person: x.ID, Facility: x.Facility, Mechanism: x.Mechanism})
	}
	return d
}

// Saved is a plan read back from the ledger.
type Saved struct {
	Plan      *domain.PlanData
	Seq       int64
	SavedBy   string
	SavedAt   string
	Published bool
	// PublishedBy and PublishedAt say who published it and when.
	PublishedBy, PublishedAt string
	// Scenario is the national outbreak scenario published with it (nil
	// when it was published without one).
	Scenario *domain.PlanScenario
}

// ReadSaved finds the plan saved under name; a missing one is ErrNotFound.
func ReadSaved(ctx context.Context, st store.PlanStore, name string) (*Saved, error) {
	all, err := ReadAll(ctx, st)
	if err != nil {
		return nil, err
	}
	for _, s := range all {
		if s.Plan.Name == name {
			return s, nil
		}
	}
	return nil, domain.NotFound("no plan %q has been saved", name)
}

// ReadAll lists the saved plans in the order they were saved.
func ReadAll(ctx context.Context, st store.PlanStore) ([]*Saved, error) {
	stored, err := st.Plans(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the saved plans: %w", err)
	}
	evs, err := store.DecodeEvents(stored)
	if err != nil {
		return nil, fmt.Errorf("reading the saved plans: %w", err)
	}
	var out []*Saved
	byName := map[string]*Saved{}
	for _, e := range evs {
		d, ok := e.Data.(*domain.PlanData)
		if !ok {
			continue
		}
		if d.Publish {
			if s := byName[d.Name]; s != nil {
				s.Published, s.PublishedBy, s.PublishedAt, s.Scenario = true, e.RecordedBy, e.RecordedAt, d.Scenario
			}
			continue
		}
		s := &Saved{Plan: d, Seq: e.Seq, SavedBy: e.RecordedBy, SavedAt: e.RecordedAt}
		byName[d.Name] = s
		out = append(out, s)
	}
	return out, nil
}

// Progress is how far a saved plan has come: a release, dated after the
// plan's date, of a person in it counts as done.
type Progress struct {
	Name        string             `json:"name"`
	AsOf        domain.Date        `json:"as_of"` // the plan's date
	Target      string             `json:"target"`
	SavedBy     string             `json:"saved_by"`
	SavedAt     string             `json:"saved_at"`
	Published   bool               `json:"published"`
	Planned     int                `json:"planned"`
	Done        int                `json:"done"`
	ByMechanism []MechProgress     `json:"by_mechanism"`
	Facilities  []FacilityProgress `json:"facilities"`
	// LeftOtherwise counts people of the plan no longer held but not
	// released after the plan's date (died, escaped, or released before).
	LeftOtherwise int `json:"left_otherwise"`
	// StillHeld lists the people of the plan still held, by id: staff only.
	StillHeld []domain.PlanPerson `json:"still_held"`
}

// MechProgress is planned against done for one mechanism (the planned one).
type MechProgress struct {
	Mechanism string `json:"mechanism"`
	Planned   int    `json:"planned"`
	Done      int    `json:"done"`
}

// FacilityProgress is planned against done in one facility.
type FacilityProgress struct {
	ID          string         `json:"id"`
	Before      int            `json:"before"`
	Capacity    int            `json:"capacity"`
	Planned     int            `json:"planned"`
	Done        int            `json:"done"`
	Gap         int            `json:"gap"`
	ByMechanism []MechProgress `json:"by_mechanism"`
}

// Track measures a saved plan against the register as it stands.
func Track(ctx context.Context, st store.Store, s *Saved) (*Progress, error) {
	d := s.Plan
	ids := make([]string, len(d.People))
	for i, p := range d.People {
		ids[i] = p.Person
	}
	persons, err := st.Persons(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("reading the people of plan %q: %w", d.Name, err)
	}
	pr := &Progress{Name: d.Name, AsOf: d.AsOf, Target: d.Target, SavedBy: s.SavedBy, SavedAt: s.SavedAt, Published: s.Published,
		ByMechanism: []MechProgress{}, Facilities: []FacilityProgress{}, StillHeld: []domain.PlanPerson{}}
	facIdx := map[string]int{}
	for _, f := range d.Facilities {
		facIdx[f.ID] = len(pr.Facilities)
		fp := FacilityProgress{ID: f.ID, Before: f.Before, Capacity: f.Capacity, Gap: f.Gap, ByMechanism: []MechProgress{}}
		for _, c := range f.ByMechanism {
			fp.ByMechanism = append(fp.ByMechanism, MechProgress{Mechanism: c.Key})
		}
		pr.Facilities = append(pr.Facilities, fp)
	}
	mechAt := func(ms *[]MechProgress, m string) *MechProgress {
		i := slices.IndexFunc(*ms, func(x MechProgress) bool { return x.Mechanism == m })
		if i < 0 {
			*ms = append(*ms, MechProgress{Mechanism: m})
			i = len(*ms) - 1
		}
		return &(*ms)[i]
	}
	for _, f := range d.Facilities {
		for _, c := range f.ByMechanism {
			mechAt(&pr.ByMechanism, c.Key)
		}
	}
	for _, p := range d.People {
		fp := &pr.Facilities[facIdx[p.Facility]]
		m := string(p.Mechanism)
		fm, nm := mechAt(&fp.ByMechanism, m), mechAt(&pr.ByMechanism, m)
		pr.Planned++
		fp.Planned++
		fm.Planned++
		nm.Planned++
		st, ok := persons[p.Person]
		switch {
		case ok && !st.InCustody && st.ExitKind == domain.KRelease && st.ExitDate > d.AsOf:
			pr.Done++
			fp.Done++
			fm.Done++
			nm.Done++
		case ok && st.InCustody:
			pr.StillHeld = append(pr.StillHeld, p)
		default:
			pr.LeftOtherwise++
		}
	}
	return pr, nil
}

// PublicProgress is what a published plan shows anyone: counts only, no
// one named, small counts suppressed by the disclosure control (nil).
type PublicProgress struct {
	Name        string           `json:"name"`
	AsOf        domain.Date      `json:"as_of"`
	Target      string           `json:"target"`
	Planned     *int             `json:"planned"`
	Done        *int             `json:"done"`
	ByMechanism []PublicMech     `json:"by_mechanism"`
	Facilities  []PublicFacility `json:"facilities"`
	Suppressed  int              `json:"suppressed"` // figures withheld
	Threshold   int              `json:"threshold"`
}

// PublicMech is planned against done for one mechanism, in public.
type PublicMech struct {
	Mechanism string `json:"mechanism"`
	Planned   *int   `json:"planned"`
	Done      *int   `json:"done"`
}

// PublicFacility is one facility's planned and done releases, in public.
type PublicFacility struct {
	ID          string       `json:"id"`
	Before      int          `json:"before"`
	Capacity    int          `json:"capacity"`
	Gap         *int         `json:"gap"` // hidden with Planned: the need is public, so the gap would give it away
	Planned     *int         `json:"planned"`
	Done        *int         `json:"done"`
	ByMechanism []PublicMech `json:"by_mechanism"`
}

// Public is the progress as it may be published: the counts of people
// planned and released pass the disclosure control that protects every
// public figure (counts of 1 to threshold hidden, and whatever would give
// them away). The population and capacity of a facility are public
// figures already and the gap is not a count of people held.
func (pr *Progress) Public(threshold int) (*PublicProgress, error) {
	set := disclosure.NewSet()
	key := func(parts ...string) string { return strings.Join(parts, "/") }
	add := func(k string, v int) error { return set.Add(k, v, false) }
	var natPlanned, natDone []string
	for _, f := range pr.Facilities {
		var planned, done []string
		for _, m := range f.ByMechanism {
			kp, kd := key(f.ID, "planned", m.Mechanism), key(f.ID, "done", m.Mechanism)
			if err := add(kp, m.Planned); err != nil {
				return nil, err
			}
			if err := add(kd, m.Done); err != nil {
				return nil, err
			}
			planned, done = append(planned, kp), append(done, kd)
		}
		for _, x := range []struct {
			total string
			v     int
			parts []string
		}{{key(f.ID, "planned"), f.Planned, planned}, {key(f.ID, "done"), f.Done, done}} {
			if err := add(x.total, x.v); err != nil {
				return nil, err
			}
			if len(x.parts) > 0 {
				if err := set.Sum(x.total, x.parts...); err != nil {
					return nil, err
				}
			}
		}
		natPlanned, natDone = append(natPlanned, key(f.ID, "planned")), append(natDone, key(f.ID, "done"))
	}
	for _, x := range []struct {
		total string
		v     int
		parts []string
	}{{"planned", pr.Planned, natPlanned}, {"done", pr.Done, natDone}} {
		if err := add(x.total, x.v); err != nil {
			return nil, err
		}
		if len(x.parts) > 0 {
			if err := set.Sum(x.total, x.parts...); err != nil {
				return nil, err
			}
		}
	}
	res, err := disclosure.Protect(set, threshold)
	if err != nil {
		return nil, fmt.Errorf("protecting the figures of plan %q: %w", pr.Name, err)
	}
	shown := func(k string) *int {
		if res.Suppressed(k) {
			return nil
		}
		v, _ := set.Value(k)
		return &v
	}
	out := &PublicProgress{Name: pr.Name, AsOf: pr.AsOf, Target: pr.Target, Planned: shown("planned"), Done: shown("done"),
		ByMechanism: []PublicMech{}, Facilities: []PublicFacility{}, Threshold: res.Threshold(),
		Suppressed: len(res.Primary()) + len(res.Secondary())}
	for _, m := range pr.ByMechanism {
		// National figures per mechanism are sums over facilities of
		// figures that may be hidden: shown only when each part is.
		pm := PublicMech{Mechanism: m.Mechanism}
		p, d := m.Planned, m.Done
		ok := true
		for _, f := range pr.Facilities {
			if res.Suppressed(key(f.ID, "planned", m.Mechanism)) || res.Suppressed(key(f.ID, "done", m.Mechanism)) {
				ok = false
			}
		}
		if ok {
			pm.Planned, pm.Done = &p, &d
		}
		out.ByMechanism = append(out.ByMechanism, pm)
	}
	for _, f := range pr.Facilities {
		pf := PublicFacility{ID: f.ID, Before: f.Before, Capacity: f.Capacity, Planned: shown(key(f.ID, "planned")),
			Done: shown(key(f.ID, "done")), ByMechanism: []PublicMech{}}
		if pf.Planned != nil {
			g := f.Gap
			pf.Gap = &g
		}
		for _, m := range f.ByMechanism {
			pf.ByMechanism = append(pf.ByMechanism, PublicMech{Mechanism: m.Mechanism, Planned: shown(key(f.ID, "planned", m.Mechanism)),
				Done: shown(key(f.ID, "done", m.Mechanism))})
		}
		out.Facilities = append(out.Facilities, pf)
	}
	return out, nil
}
