package ledger

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/tree"
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
	Events  int64  `json:"events"`
	Head    string `json:"head"`
	Persons int    `json:"persons"`
	ChainOK bool   `json:"chain_ok"`
	// TreeOK: the stored Merkle tree's tiles equal those rebuilt from the
	// events (true for a store that keeps no tree).
	TreeOK    bool      `json:"tree_ok"`
	ProjOK    bool      `json:"projections_ok"`
	Problems  []Problem `json:"problems,omitempty"`
	Truncated bool      `json:"truncated,omitempty"`
	// Broken counts the events entered before a rule came in (a backup
	// line is restored as it was written) that break it now, such as a
	// person's identifier with a space; Rules lists the first of them. They
	// do not fail verify: they are for someone to correct.
	Broken int       `json:"rules_broken,omitempty"`
	Rules  []Problem `json:"rules,omitempty"`
}

func (r *VerifyReport) broke(ps []Problem) {
	r.Broken += len(ps)
	for _, p := range ps {
		if len(r.Rules) < maxProblems {
			r.Rules = append(r.Rules, p)
		}
	}
}

// brokenRules lists the events of evs that break today's rules.
func brokenRules(evs ...*domain.Event) []Problem {
	var out []Problem
	for _, ev := range evs {
		rec, _ := time.Parse(time.RFC3339, ev.RecordedAt)
		if err := ev.Validate(rec); err != nil {
			out = append(out, Problem{Seq: ev.Seq, What: err.Error()})
		}
	}
	return out
}

// OK reports whether nothing was found wrong.
func (r *VerifyReport) OK() bool { return r.ChainOK && r.ProjOK && r.TreeOK }

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
	rep := &VerifyReport{ChainOK: true, ProjOK: true, TreeOK: true}
	// The tree is rebuilt from the rows as they are, in order, and its
	// tiles compared with the stored ones at the end.
	rebuilt := map[[2]int64][32]byte{}
	tb := tree.NewBuilder(0, nil, func(t tree.Tile) error {
		rebuilt[[2]int64{int64(t.Level), t.N}] = tileDigest(t)
		return nil
	})
	prev := store.Head{Hash: domain.GenesisHash}
	estate := domain.NewEstate()
	chainBroken := false
	workers := max(1, runtime.GOMAXPROCS(0))
	// Rows are checked on their own (hash, columns against content) in
	// parallel; the links between them, in order.
	err := ordered(workers, func(emit func([]store.StoredEvent) error) error {
		var chunk []store.StoredEvent
		err := s.st.Events(ctx, 1, func(e store.StoredEvent) error {
			chunk = append(chunk, e)
			if len(chunk) == 4096 {
				if err := emit(chunk); err != nil {
					return err
				}
				chunk = nil
			}
			return nil
		})
		if err == nil && len(chunk) > 0 {
			err = emit(chunk)
		}
		return err
	}, checkRows, func(rows []rowCheck) error {
		for _, r := range rows {
			rep.Events++
			if leaf, err := tree.Leaf(r.e.Hash); err == nil {
				if err := tb.Append(leaf); err != nil {
					return err
				}
			}
			if chainBroken {
				continue
			}
			e := r.e
			fail := func(format string, args ...any) {
				rep.ChainOK, chainBroken = false, true
				rep.add(Problem{Seq: e.Seq, What: fmt.Sprintf(format, args...)})
			}
			switch {
			case e.Seq > prev.Seq+1:
				// A gap means a row was deleted.
				rep.ChainOK, chainBroken = false, true
				rep.add(Problem{Seq: prev.Seq + 1, What: fmt.Sprintf("missing: the ledger jumps from event %d to %d (a row was deleted)", prev.Seq, e.Seq)})
				continue
			case e.Seq != prev.Seq+1:
				fail("out of sequence after event %d (a row was inserted or reordered)", prev.Seq)
				continue
			case e.Prev != prev.Hash:
				fail("its previous-hash does not match event %d (a row was inserted, deleted or reordered)", prev.Seq)
				continue
			case r.problem != "":
				fail("%s", r.problem)
				continue
			}
			prev = store.Head{Seq: e.Seq, Hash: e.Hash}
			if r.estate != nil {
				rep.broke(brokenRules(r.estate))
				// The writer refuses what the fold refuses: such an event
				// was not entered through habeas.
				if _, err := estate.Apply(r.estate); err != nil {
					rep.ProjOK = false
					rep.add(Problem{Seq: e.Seq, What: "does not fold into the estate: " + err.Error()})
				}
			}
		}
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
	if err := s.compareEstate(ctx, rep, estate); err != nil {
		return nil, err
	}
	if err := s.compareFiles(ctx, rep, estate); err != nil {
		return nil, err
	}
	// The stays and flags were just checked against the ledger; the counts
	// summed from them are checked against them.
	agg, err := s.st.AggregateProblems(ctx, maxProblems)
	if err != nil {
		return nil, fmt.Errorf("checking the aggregate projection: %w", err)
	}
	for _, p := range agg {
		rep.ProjOK = false
		rep.add(Problem{What: p})
	}
	for _, t := range tb.Partial() {
		rebuilt[[2]int64{int64(t.Level), t.N}] = tileDigest(t)
	}
	if err := s.compareTiles(ctx, rep, rebuilt); err != nil {
		return nil, err
	}
	return rep, nil
}

// rowCheck is what checking one ledger row on its own found.
type rowCheck struct {
	e       store.StoredEvent
	problem string
	estate  *domain.Event // decoded facility, cell and census events, and corrections of them
}

// envelope is the part of an event body that its indexed columns copy.
type envelope struct {
	Seq      int64       `json:"seq"`
	Kind     domain.Kind `json:"kind"`
	Date     domain.Date `json:"date"`
	Person   string      `json:"person"`
	Facility string      `json:"facility"`
}

func checkRows(rows []store.StoredEvent) []rowCheck {
	out := make([]rowCheck, len(rows))
	for i, e := range rows {
		out[i].e = e
		out[i].e.Body = nil
		if domain.ChainHash(e.Prev, e.Body) != e.Hash {
			out[i].problem = "its content does not match its hash (the row was changed)"
			continue
		}
		var env envelope
		if err := json.Unmarshal(e.Body, &env); err != nil {
			out[i].problem = "its body does not decode: " + err.Error()
			continue
		}
		if env.Seq != e.Seq || env.Kind != e.Kind || env.Date != e.Date || env.Person != e.Person || env.Facility != e.Facility {
			out[i].problem = "its indexed columns differ from its content (the row was changed)"
			continue
		}
		// A correction without a person corrects a facility or census record.
		if !e.Kind.PersonKind() || (e.Kind == domain.KCorrection && e.Person == "") {
			ev, err := domain.DecodeEvent(e.Body)
			if err != nil {
				out[i].problem = "its body does not decode: " + err.Error()
				continue
			}
			out[i].estate = ev
		}
	}
	return out
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

// compareEstate compares the stored facility, capacity, cell and census rows
// with the estate rebuilt from the ledger.
func (s *Service) compareEstate(ctx context.Context, rep *VerifyReport, estate *domain.Estate) error {
	mismatch := func(what string) {
		rep.ProjOK = false
		rep.add(Problem{What: what})
	}
	sf, err := s.st.Facilities(ctx)
	if err != nil {
		return err
	}
	if len(sf) != len(estate.Facilities) {
		mismatch(fmt.Sprintf("stored facilities: %d, rebuilt from the ledger: %d", len(sf), len(estate.Facilities)))
	}
	for _, f := range sf {
		if want, ok := estate.Facilities[f.ID]; !ok || want != f {
			mismatch(fmt.Sprintf("facility %s differs from the ledger", f.ID))
		}
	}
	sc, err := s.st.Capacities(ctx)
	if err != nil {
		return err
	}
	if len(sc) != len(estate.Capacities) {
		mismatch(fmt.Sprintf("stored capacity records: %d, rebuilt: %d", len(sc), len(estate.Capacities)))
	}
	for _, c := range sc {
		if want, ok := estate.Capacities[domain.CapacityKey{Facility: c.Facility, From: c.From}]; !ok || want != c {
			mismatch(fmt.Sprintf("capacity of %s from %s differs from the ledger", c.Facility, c.From))
		}
	}
	scl, err := s.st.Cells(ctx)
	if err != nil {
		return err
	}
	if len(scl) != len(estate.Cells) {
		mismatch(fmt.Sprintf("stored cells: %d, rebuilt: %d", len(scl), len(estate.Cells)))
	}
	for _, c := range scl {
		if want, ok := estate.Cells[domain.CellKey{Facility: c.Facility, Label: c.Label}]; !ok || want != c {
			mismatch(fmt.Sprintf("cell %s/%s differs from the ledger", c.Facility, c.Label))
		}
	}
	scs, err := s.st.Census(ctx)
	if err != nil {
		return err
	}
	if len(scs) != len(estate.Census) {
		mismatch(fmt.Sprintf("stored census records: %d, rebuilt: %d", len(scs), len(estate.Census)))
	}
	for _, c := range scs {
		if want, ok := estate.Census[c.Seq]; !ok || want != c {
			mismatch(fmt.Sprintf("census record %d differs from the ledger", c.Seq))
		}
	}
	return nil
}

// compareFiles refolds every person and compares digests with the store.
// Both come in person id order, the ledger from EventsByPerson and the
// digests from ProjectionDigests, and are merged as they come, so that
// memory does not grow with the register. Stored persons with no events
// are reported after the others, in id order.
func (s *Service) compareFiles(ctx context.Context, rep *VerifyReport, facs domain.FacilityLookup) error {
	next, stop := s.storedDigests(ctx)
	defer stop()
	cur, have, err := next()
	if err != nil {
		return err
	}
	// Only the first few are reported: keeping one more than the report
	// holds is enough for it to say it was truncated.
	var extra []string
	noExtra := func() error {
		if len(extra) <= maxProblems {
			extra = append(extra, cur.id)
		}
		rep.ProjOK = false
		cur, have, err = next()
		return err
	}
	err = s.eachFile(ctx, facs, true, func(f *domain.PersonFile, dg store.Digest, broken []Problem, ferr error) error {
		rep.Persons++
		rep.broke(broken)
		for have && cur.id < f.ID {
			if err := noExtra(); err != nil {
				return err
			}
		}
		got, ok := cur.dg, have && cur.id == f.ID
		if ok {
			if cur, have, err = next(); err != nil {
				return err
			}
		}
		switch {
		case ferr != nil:
			rep.ProjOK = false
			rep.add(Problem{Person: f.ID, What: ferr.Error()})
		case !ok:
			rep.ProjOK = false
			rep.add(Problem{Person: f.ID, What: "has events but no stored projection"})
		case got != dg:
			rep.ProjOK = false
			rep.add(Problem{Person: f.ID, What: "stored projection differs from the rebuild from the ledger"})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for have {
		if err := noExtra(); err != nil {
			return err
		}
	}
	for _, id := range extra {
		rep.add(Problem{Person: id, What: "has a stored projection but no events in the ledger"})
	}
	return nil
}

type idDigest struct {
	id string
	dg store.Digest
}

// storedDigests reads the stored digests on a goroutine of their own, a
// chunk ahead of the caller, who pulls them one by one with next: ok is
// false at the end. stop ends the reading early.
func (s *Service) storedDigests(ctx context.Context) (next func() (x idDigest, ok bool, err error), stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan []idDigest, 4)
	var rerr error // written before ch is closed
	go func() {
		defer close(ch)
		var chunk []idDigest
		send := func() error {
			select {
			case ch <- chunk:
				chunk = make([]idDigest, 0, 1024)
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		rerr = s.st.ProjectionDigests(ctx, func(id string, dg store.Digest) error {
			chunk = append(chunk, idDigest{id, dg})
			if len(chunk) == 1024 {
				return send()
			}
			return nil
		})
		if rerr == nil && len(chunk) > 0 {
			rerr = send()
		}
	}()
	var buf []idDigest
	next = func() (idDigest, bool, error) {
		for len(buf) == 0 {
			c, ok := <-ch
			if !ok {
				if rerr != nil {
					return idDigest{}, false, fmt.Errorf("reading the stored projections: %w", rerr)
				}
				return idDigest{}, false, nil
			}
			buf = c
		}
		x := buf[0]
		buf = buf[1:]
		return x, true, nil
	}
	stop = func() {
		cancel()
		for range ch {
		}
	}
	return next, stop
}

// eachFile folds every person's events, persons in id order, and with
// digests computes each file's DigestFile. The decoding, folding and
// digesting run on several goroutines; fn sees the files in order.
// With digests (verify), it also lists each person's events that break
// today's rules.
func (s *Service) eachFile(ctx context.Context, fac domain.FacilityLookup, digests bool, fn func(*domain.PersonFile, store.Digest, []Problem, error) error) error {
	type group struct {
		id  string
		evs []store.StoredEvent
	}
	type folded struct {
		f      *domain.PersonFile
		dg     store.Digest
		broken []Problem
		err    error
	}
	return ordered(max(1, runtime.GOMAXPROCS(0)), func(emit func([]group) error) error {
		var chunk []group
		n := 0
		err := s.st.EventsByPerson(ctx, func(id string, evs []store.StoredEvent) error {
			chunk = append(chunk, group{id, evs})
			n += len(evs)
			if n >= 4096 {
				if err := emit(chunk); err != nil {
					return err
				}
				chunk, n = nil, 0
			}
			return nil
		})
		if err == nil && len(chunk) > 0 {
			err = emit(chunk)
		}
		return err
	}, func(gs []group) []folded {
		out := make([]folded, len(gs))
		for i, g := range gs {
			evs, err := store.DecodeEvents(g.evs)
			if err != nil {
				out[i] = folded{f: &domain.PersonFile{ID: g.id}, err: err}
				continue
			}
			f, err := domain.Project(g.id, evs, fac, domain.NoDate)
			out[i] = folded{f: f, err: err}
			if err == nil && digests {
				out[i].dg = store.DigestFile(f)
				out[i].broken = brokenRules(evs...)
			}
		}
		return out
	}, func(fs []folded) error {
		for _, x := range fs {
			if err := fn(x.f, x.dg, x.broken, x.err); err != nil {
				return err
			}
		}
		return nil
	})
}

// Rebuild replaces every person projection with a fresh fold of the ledger.
func (s *Service) Rebuild(ctx context.Context) (int, error) {
	facs, err := s.st.Facilities(ctx)
	if err != nil {
		return 0, err
	}
	l := estateOf(facs, nil)
	n := 0
	err = s.st.ReplaceProjections(ctx, func(yield func(*domain.PersonFile) error) error {
		return s.eachFile(ctx, l, false, func(f *domain.PersonFile, _ store.Digest, _ []Problem, err error) error {
			if err != nil {
				return fmt.Errorf("person %s: %w", f.ID, err)
			}
			n++
			return yield(f)
		})
	})
	return n, err
}

// compareTiles compares the stored tiles of the ledger's tree with those
// rebuilt from the events (by digest), naming the first event whose leaf
// differs when a tile of leaves does.
func (s *Service) compareTiles(ctx context.Context, rep *VerifyReport, rebuilt map[[2]int64][32]byte) error {
	ts, ok := s.st.(store.TreeStore)
	if !ok {
		return nil
	}
	fail := func(p Problem) {
		rep.TreeOK = false
		rep.add(p)
	}
	var differs []tree.Tile
	err := ts.Tiles(ctx, func(t tree.Tile) error {
		k := [2]int64{int64(t.Level), t.N}
		want, ok := rebuilt[k]
		delete(rebuilt, k)
		switch {
		case !ok:
			fail(Problem{What: fmt.Sprintf("tree tile %d/%d is stored but the events make no such tile (the tree holds events the ledger lacks)", t.Level, t.N)})
		case want != tileDigest(t):
			if t.Level == 0 && len(differs) == 0 {
				differs = append(differs, t)
			} else {
				fail(Problem{What: fmt.Sprintf("tree tile %d/%d differs from the one rebuilt from the events", t.Level, t.N)})
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("comparing the ledger's tree: %w", err)
	}
	for _, t := range differs {
		seq, err := s.firstLeafDiff(ctx, t)
		if err != nil {
			return err
		}
		fail(Problem{Seq: seq, What: "its hash is not the leaf the stored tree holds for it (tree tile 0/" + fmt.Sprint(t.N) + ")"})
	}
	for _, k := range sortedKeys(rebuilt) {
		fail(Problem{What: fmt.Sprintf("tree tile %d/%d is missing from the stored tree", k[0], k[1])})
	}
	return nil
}

// firstLeafDiff is the first event of a tile of leaves whose leaf differs
// from the stored one.
func (s *Service) firstLeafDiff(ctx context.Context, t tree.Tile) (int64, error) {
	first := t.N*256 + 1
	var found, i int64
	stop := fmt.Errorf("found")
	err := s.st.Events(ctx, first, func(e store.StoredEvent) error {
		off := int(i) * 32
		i++
		leaf, _ := tree.Leaf(e.Hash)
		if off+32 > len(t.Data) || tree.Hash(t.Data[off:off+32]) != leaf {
			found = first + i - 1
			return stop
		}
		return nil
	})
	if err != nil && err != stop {
		return 0, err
	}
	if found == 0 {
		found = first + i
	}
	return found, nil
}

func sortedKeys(m map[[2]int64][32]byte) [][2]int64 {
	out := make([][2]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b [2]int64) int {
		if c := cmp.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return cmp.Compare(a[1], b[1])
	})
	return out
}
