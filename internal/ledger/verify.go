package ledger

import (
	"bytes"
	"context"
	"fmt"
	"sort"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// Problem is one thing verify found wrong.
type Problem struct {
	Seq    int64  `json:"seq,omitempty"`    // the first bad event, when the ledger itself is wrong
	Person string `json:"person,omitempty"` // the person whose projections differ
	What   string `json:"what"`
}

func (p Problem) String() string {
	switch {
	case p.Seq != 0:
		return fmt.Sprintf("event %d: %s", p.Seq, p.What)
	case p.Person != "":
		return fmt.Sprintf("person %s: %s", p.Person, p.What)
	}
	return p.What
}

// VerifyReport is the outcome of Verify.
type VerifyReport struct {
	Events    int64     `json:"events"`
	Head      string    `json:"head"`
	Persons   int       `json:"persons"`
	ChainOK   bool      `json:"chain_ok"`
	ProjOK    bool      `json:"projections_ok"`
	Problems  []Problem `json:"problems,omitempty"`
	Truncated bool      `json:"truncated,omitempty"`
}

// OK reports whether nothing was found wrong.
func (r *VerifyReport) OK() bool { return r.ChainOK && r.ProjOK }

const maxProblems = 20

func (r *VerifyReport) add(p Problem) {
	if len(r.Problems) >= maxProblems {
		r.Truncated = true
		return
	}
	r.Problems = append(r.Problems, p)
}

// Verify checks the hash chain event by event, then rebuilds every
// projection from the ledger and compares it with what is stored. expectHead,
// when given, is a head hash published earlier: a ledger rewritten as a whole
// (every hash recomputed) still fails against it.
func (s *Service) Verify(ctx context.Context, expectHead string) (*VerifyReport, error) {
	rep := &VerifyReport{ChainOK: true, ProjOK: true}
	prev := store.Head{Hash: domain.GenesisHash}
	facs := map[string]store.Facility{}
	caps := map[string]store.Capacity{}
	cells := map[string]store.Cell{}
	census := map[int64]store.Census{}
	chainBroken := false
	err := s.st.Events(ctx, 1, func(e store.StoredEvent) error {
		rep.Events++
		if chainBroken {
			return nil
		}
		fail := func(format string, args ...any) {
			rep.ChainOK, chainBroken = false, true
			rep.add(Problem{Seq: e.Seq, What: fmt.Sprintf(format, args...)})
		}
		switch {
		case e.Seq != prev.Seq+1:
			// A gap means a row was deleted; a repeat, that one was inserted.
			if e.Seq > prev.Seq+1 {
				rep.ChainOK, chainBroken = false, true
				rep.add(Problem{Seq: prev.Seq + 1, What: fmt.Sprintf("missing: the ledger jumps from event %d to %d (a row was deleted)", prev.Seq, e.Seq)})
				return nil
			}
			fail("out of sequence after event %d (a row was inserted or reordered)", prev.Seq)
			return nil
		case e.Prev != prev.Hash:
			fail("its previous-hash does not match event %d (a row was inserted, deleted or reordered)", prev.Seq)
			return nil
		case domain.ChainHash(e.Prev, e.Body) != e.Hash:
			fail("its content does not match its hash (the row was changed)")
			return nil
		}
		ev, err := domain.DecodeEvent(e.Body)
		if err != nil {
			fail("its body does not decode: %v", err)
			return nil
		}
		if ev.Seq != e.Seq || ev.Kind != e.Kind || ev.Date != e.Date || ev.Person != e.Person || ev.Facility != e.Facility {
			fail("its indexed columns differ from its content (the row was changed)")
			return nil
		}
		if canon, err := domain.Body(ev); err != nil || !bytes.Equal(canon, e.Body) {
			fail("its body is not in canonical form")
			return nil
		}
		prev = store.Head{Seq: e.Seq, Hash: e.Hash}
		foldEstate(ev, facs, caps, cells, census)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("verifying the chain: %w", err)
	}
	rep.Head = prev.Hash
	if expectHead != "" && rep.ChainOK && !headKnown(ctx, s.st, expectHead) {
		rep.ChainOK = false
		rep.add(Problem{What: fmt.Sprintf("the published head %s is not in this ledger: it was rewritten", expectHead)})
	}
	if err := s.compareEstate(ctx, rep, facs, caps, cells, census); err != nil {
		return nil, err
	}
	if err := s.compareFiles(ctx, rep, facs); err != nil {
		return nil, err
	}
	return rep, nil
}

func headKnown(ctx context.Context, st store.Store, hash string) bool {
	found := false
	_ = st.Events(ctx, 1, func(e store.StoredEvent) error {
		if e.Hash == hash {
			found = true
		}
		return nil
	})
	return found
}

// foldEstate rebuilds the facility, capacity, cell and census projections.
func foldEstate(ev *domain.Event, facs map[string]store.Facility, caps map[string]store.Capacity, cells map[string]store.Cell, census map[int64]store.Census) {
	switch d := ev.Data.(type) {
	case *domain.FacilityData:
		if old, ok := facs[ev.Facility]; ok && old.CapacityDate > ev.Date {
			// A record dated earlier than the one in force is history only.
			caps[ev.Facility+"\x00"+ev.Date.String()] = store.Capacity{Facility: ev.Facility, From: ev.Date, Capacity: d.Capacity, Source: d.CapacitySource}
			return
		}
		facs[ev.Facility] = store.Facility{ID: ev.Facility, Name: d.Name, Kind: d.Kind, Province: d.Province,
			Capacity: d.Capacity, CapacityDate: ev.Date, CapacitySource: d.CapacitySource}
		caps[ev.Facility+"\x00"+ev.Date.String()] = store.Capacity{Facility: ev.Facility, From: ev.Date, Capacity: d.Capacity, Source: d.CapacitySource}
	case *domain.CellData:
		cells[ev.Facility+"\x00"+d.Label] = store.Cell{Facility: ev.Facility, Label: d.Label, AreaM2: d.AreaM2, Capacity: d.Capacity, Category: d.Category}
	case *domain.CensusData:
		census[ev.Seq] = store.Census{Seq: ev.Seq, Facility: ev.Facility, Date: ev.Date, Category: d.Category, Count: d.Count, Source: d.Source}
	}
}

type lookup map[string]store.Facility

func (l lookup) FacilityKind(id string) (domain.FacilityKind, bool) {
	f, ok := l[id]
	return f.Kind, ok
}

func (s *Service) compareEstate(ctx context.Context, rep *VerifyReport, facs map[string]store.Facility, caps map[string]store.Capacity, cells map[string]store.Cell, census map[int64]store.Census) error {
	mismatch := func(what string) {
		rep.ProjOK = false
		rep.add(Problem{What: what})
	}
	sf, err := s.st.Facilities(ctx)
	if err != nil {
		return err
	}
	if len(sf) != len(facs) {
		mismatch(fmt.Sprintf("stored facilities: %d, rebuilt from the ledger: %d", len(sf), len(facs)))
	}
	for _, f := range sf {
		if facs[f.ID] != f {
			mismatch(fmt.Sprintf("facility %s differs from the ledger", f.ID))
		}
	}
	sc, err := s.st.Capacities(ctx)
	if err != nil {
		return err
	}
	if len(sc) != len(caps) {
		mismatch(fmt.Sprintf("stored capacity records: %d, rebuilt: %d", len(sc), len(caps)))
	}
	for _, c := range sc {
		if caps[c.Facility+"\x00"+c.From.String()] != c {
			mismatch(fmt.Sprintf("capacity of %s from %s differs from the ledger", c.Facility, c.From))
		}
	}
	scl, err := s.st.Cells(ctx)
	if err != nil {
		return err
	}
	if len(scl) != len(cells) {
		mismatch(fmt.Sprintf("stored cells: %d, rebuilt: %d", len(scl), len(cells)))
	}
	for _, c := range scl {
		if cells[c.Facility+"\x00"+c.Label] != c {
			mismatch(fmt.Sprintf("cell %s/%s differs from the ledger", c.Facility, c.Label))
		}
	}
	scs, err := s.st.Census(ctx)
	if err != nil {
		return err
	}
	if len(scs) != len(census) {
		mismatch(fmt.Sprintf("stored census records: %d, rebuilt: %d", len(scs), len(census)))
	}
	for _, c := range scs {
		if census[c.Seq] != c {
			mismatch(fmt.Sprintf("census record %d differs from the ledger", c.Seq))
		}
	}
	return nil
}

// compareFiles refolds every person and compares digests with the store.
func (s *Service) compareFiles(ctx context.Context, rep *VerifyReport, facs map[string]store.Facility) error {
	stored, err := s.st.ProjectionDigests(ctx)
	if err != nil {
		return err
	}
	err = s.eachFile(ctx, lookup(facs), func(f *domain.PersonFile, ferr error) error {
		rep.Persons++
		if ferr != nil {
			rep.ProjOK = false
			rep.add(Problem{Person: f.ID, What: ferr.Error()})
			return nil
		}
		got, ok := stored[f.ID]
		delete(stored, f.ID)
		switch {
		case !ok:
			rep.ProjOK = false
			rep.add(Problem{Person: f.ID, What: "has events but no stored projection"})
		case got != store.DigestFile(f):
			rep.ProjOK = false
			rep.add(Problem{Person: f.ID, What: "stored projection differs from the rebuild from the ledger"})
		}
		return nil
	})
	if err != nil {
		return err
	}
	extra := make([]string, 0, len(stored))
	for id := range stored {
		extra = append(extra, id)
	}
	sort.Strings(extra)
	for _, id := range extra {
		rep.ProjOK = false
		rep.add(Problem{Person: id, What: "has a stored projection but no events in the ledger"})
	}
	return nil
}

// eachFile folds every person's events in person order.
func (s *Service) eachFile(ctx context.Context, fac domain.FacilityLookup, fn func(*domain.PersonFile, error) error) error {
	return s.st.EventsByPerson(ctx, func(id string, stored []store.StoredEvent) error {
		evs, err := DecodeStored(stored)
		if err != nil {
			return fn(&domain.PersonFile{ID: id}, err)
		}
		f, err := domain.Project(id, evs, fac, domain.NoDate)
		return fn(f, err)
	})
}

// Rebuild replaces every person projection with a fresh fold of the ledger.
func (s *Service) Rebuild(ctx context.Context) (int, error) {
	facs, err := s.st.Facilities(ctx)
	if err != nil {
		return 0, err
	}
	l := lookup{}
	for _, f := range facs {
		l[f.ID] = f
	}
	n := 0
	err = s.st.ReplaceProjections(ctx, func(yield func(*domain.PersonFile) error) error {
		return s.eachFile(ctx, l, func(f *domain.PersonFile, err error) error {
			if err != nil {
				return fmt.Errorf("person %s: %w", f.ID, err)
			}
			n++
			return yield(f)
		})
	})
	return n, err
}
