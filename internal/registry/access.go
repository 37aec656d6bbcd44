package registry

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/screening"
	"github.com/habeas-kh/habeas/internal/store"
)

// The rules of access to a person's file (docs/access.md): the facility that
// decides who may read or write an event is the one holding the person on
// the event's date according to the ledger, never the facility an event
// names, except for an admission; a person never admitted belongs to
// whoever registered them and to users with an unrestricted scope; a scoped
// reader sees of custody elsewhere only the identity and the current state.

// ledgerFile is a person's events as the ledger holds them, read to decide
// who may read and write them.
type ledgerFile struct {
	id        string
	stored    []store.StoredEvent
	evs       []*domain.Event // in sequence order, corrections included
	kinds     screening.Kinds
	registrar string // recorded_by of the person's first registration
}

func (s *Service) loadFile(ctx context.Context, id string) (*ledgerFile, error) {
	stored, err := s.st.PersonEvents(ctx, []string{id})
	if err != nil {
		return nil, fmt.Errorf("reading the events of %s: %w", id, err)
	}
	evs, err := store.DecodeEvents(stored[id])
	if err != nil {
		return nil, fmt.Errorf("decoding the events of %s: %w", id, err)
	}
	kinds, err := s.kinds(ctx)
	if err != nil {
		return nil, err
	}
	lf := &ledgerFile{id: id, stored: stored[id], evs: evs, kinds: kinds}
	for _, ev := range evs {
		if ev.Kind == domain.KPerson {
			lf.registrar = ev.RecordedBy
			break
		}
	}
	return lf, nil
}

// with is the file with events of a batch not yet written appended, under
// sequence numbers after the ledger's, so that the later events of a batch
// are judged on the file the earlier ones make.
func (lf *ledgerFile) with(batch []*domain.Event) *ledgerFile {
	if len(batch) == 0 {
		return lf
	}
	next := int64(0)
	if n := len(lf.evs); n > 0 {
		next = lf.evs[n-1].Seq
	}
	c := *lf
	c.evs = slices.Clip(lf.evs)
	for _, ev := range batch {
		e := *ev
		next++
		e.Seq = next
		c.evs = append(c.evs, &e)
	}
	return &c
}

// heldOn is the facility holding the person on date d, before the events of
// that date numbered from before on (math.MaxInt64: after all of them): the
// facility of their custody then, or the last one that released them, or
// "" when they had not been admitted by then.
func (lf *ledgerFile) heldOn(d domain.Date, before int64) (string, error) {
	f := &domain.PersonFile{ID: lf.id}
	for _, ev := range domain.Effective(lf.evs) {
		if ev.Date > d || (ev.Date == d && ev.Seq >= before) {
			break
		}
		if err := f.Apply(ev, lf.kinds); err != nil {
			return "", fmt.Errorf("folding the file of %s up to %s: %w", lf.id, d, err)
		}
	}
	return f.State.Facility, nil
}

// target is the effective version of event seq of the file (its latest
// correction applied), or false when it was voided or is not in the file.
func (lf *ledgerFile) target(seq int64) (*domain.Event, bool) {
	for _, ev := range domain.Effective(lf.evs) {
		if ev.Seq == seq {
			return ev, true
		}
	}
	return nil, false
}

// mayReach reports whether p may use perm on the person in one of facs, the
// facilities that decide it; "" among them stands for a person not yet
// admitted, whom only users unrestricted for perm and whoever registered
// them may reach.
func mayReach(p *auth.Principal, perm auth.Perm, lf *ledgerFile, facs ...string) error {
	for _, f := range facs {
		if f == "" {
			return mayReachUnadmitted(p, perm, lf)
		}
	}
	for _, f := range facs {
		if p.CanIn(perm, f) {
			return nil
		}
	}
	return p.Require(perm, facs[0])
}

func mayReachUnadmitted(p *auth.Principal, perm auth.Perm, lf *ledgerFile) error {
	if err := p.Require(perm, ""); err != nil {
		return err
	}
	if p.Scope(perm) == nil || (lf != nil && lf.registrar != "" && p.User == lf.registrar) {
		return nil
	}
	return &domain.Error{Code: domain.ErrForbidden,
		Msg: p.User + " may not " + perm.String() + " for a person not yet admitted, whom another user registered"}
}

// mayRead checks that p may open the file of per: that of their current or
// last facility, or of a person never admitted.
func mayRead(p *auth.Principal, per store.Person, lf *ledgerFile) error {
	return mayReach(p, auth.ReadRegister, lf, per.Facility)
}

// mayWrite checks that p may append ev, an event about the person of lf
// (who is in the register), after the events of batch that come before it
// in the same entry. Only an admission names its facility; any other event
// is decided by the facility holding the person on its date, and a facility
// it names must be that one.
func (s *Service) mayWrite(ctx context.Context, p *auth.Principal, perm auth.Perm, lf *ledgerFile, batch []*domain.Event, ev *domain.Event) error {
	lf = lf.with(batch)
	switch d := ev.Data.(type) {
	case *domain.AdmissionData:
		if ev.Facility == "" {
			return domain.Invalid("facility", "missing: the admitting facility")
		}
		// A person never admitted is not yet any facility's: only who may
		// reach them may admit them.
		if held, err := lf.heldOn(domain.OpenEnd, math.MaxInt64); err != nil {
			return err
		} else if held == "" {
			if err := mayReachUnadmitted(p, perm, lf); err != nil {
				return err
			}
		}
		return p.Require(perm, ev.Facility)
	case *domain.CorrectionData:
		return s.mayCorrect(ctx, p, perm, lf, ev, d)
	}
	held, err := lf.heldOn(identityDate(ev.Kind, ev.Date), math.MaxInt64)
	if err != nil {
		return err
	}
	if ev.Facility != "" && ev.Facility != held {
		return domain.Invalid("facility", "only an admission names its facility: on %s %s is in the file of %s, not %s", ev.Date, lf.id, orNone(held), ev.Facility)
	}
	return mayReach(p, perm, lf, held)
}

// mayCorrect checks a correction: it is decided by the facility holding the
// person on the date of the event it corrects (for an admission, the
// admitting facility; for a transfer, either end), and, when it moves the
// event, by the facility holding them on the new date too.
func (s *Service) mayCorrect(ctx context.Context, p *auth.Principal, perm auth.Perm, lf *ledgerFile, ev *domain.Event, c *domain.CorrectionData) error {
	var facs []string
	eff, ok := lf.target(c.Target)
	if !ok {
		// Voided, or not an event of this person (the ledger refuses the
		// latter): judged on the date it was entered with.
		se, found, err := s.st.Event(ctx, c.Target)
		if err != nil {
			return fmt.Errorf("reading event %d: %w", c.Target, err)
		}
		date := ev.Date
		if found {
			orig, err := domain.DecodeEvent(se.Body)
			if err != nil {
				return fmt.Errorf("decoding event %d: %w", c.Target, err)
			}
			date = orig.Date
		}
		held, err := lf.heldOn(date, c.Target)
		if err != nil {
			return err
		}
		facs = append(facs, held)
	} else {
		var err error
		if facs, err = eventFacilities(lf, eff); err != nil {
			return err
		}
	}
	if ev.Facility != "" && !slices.Contains(facs, ev.Facility) {
		return domain.Invalid("facility", "a correction names no facility of its own: event %d is in the file of %s", c.Target, orNone(facs[0]))
	}
	if err := mayReach(p, perm, lf, facs...); err != nil {
		return err
	}
	if c.Void || c.Date == domain.NoDate {
		return nil
	}
	// Where the corrected event lands.
	var to []string
	if c.TargetKind == domain.KAdmission {
		to = []string{c.Facility}
	} else {
		held, err := lf.heldOn(identityDate(c.TargetKind, c.Date), math.MaxInt64)
		if err != nil {
			return err
		}
		if c.Facility != "" && c.Facility != held {
			return domain.Invalid("data.facility", "only an admission names its facility: on %s %s is in the file of %s, not %s", c.Date, lf.id, orNone(held), c.Facility)
		}
		to = []string{held}
		if t, ok := c.Data.(*domain.TransferData); ok && t.To != "" {
			to = append(to, t.To)
		}
	}
	return mayReach(p, perm, lf, to...)
}

// eventFacilities are the facilities that decide access to eff, an
// effective event of the file: the one holding the person just before it on
// its date, or for an admission the admitting one; a transfer also its
// destination.
func eventFacilities(lf *ledgerFile, eff *domain.Event) ([]string, error) {
	if eff.Kind == domain.KAdmission {
		return []string{eff.Facility}, nil
	}
	before := eff.Seq
	if eff.Kind == domain.KPerson {
		before = math.MaxInt64
	}
	held, err := lf.heldOn(identityDate(eff.Kind, eff.Date), before)
	if err != nil {
		return nil, err
	}
	facs := []string{held}
	if t, ok := eff.Data.(*domain.TransferData); ok {
		facs = append(facs, t.To)
	}
	return facs, nil
}

// identityDate is the date whose facility decides an event of kind k dated
// d: an identity applies to the whole file (domain.PersonFile.Apply), so it
// is the facility holding the file now, current or last, that decides it.
func identityDate(k domain.Kind, d domain.Date) domain.Date {
	if k == domain.KPerson {
		return domain.OpenEnd
	}
	return d
}

func orNone(f string) string {
	if f == "" {
		return "no facility (not admitted)"
	}
	return f
}

// episodeFold is a person's file folded so that each event and health flag
// knows the custody episode it belongs to and each episode the facilities
// it passed through: what a reader limited to some facilities may see.
type episodeFold struct {
	lf          *ledgerFile
	file        *domain.PersonFile
	scope       []string         // the reader's facilities; nil for all
	episode     map[int64]int    // effective event → episode number, 0 before any admission
	facilities  map[int][]string // episode number → facilities that held the person in it
	flagEpisode []int            // flag index → episode number
	bySeq       map[int64]*domain.Event
}

func foldEpisodes(lf *ledgerFile, scope []string) (*episodeFold, error) {
	fo := &episodeFold{lf: lf, file: &domain.PersonFile{ID: lf.id}, scope: scope, episode: map[int64]int{},
		facilities: map[int][]string{}, bySeq: make(map[int64]*domain.Event, len(lf.evs))}
	f := fo.file
	for _, ev := range lf.evs {
		fo.bySeq[ev.Seq] = ev
	}
	for _, ev := range domain.Effective(lf.evs) {
		if err := f.Apply(ev, lf.kinds); err != nil {
			return nil, fmt.Errorf("folding the file of %s: event %d (%s, %s): %w", lf.id, ev.Seq, ev.Kind, ev.Date, err)
		}
		n := len(f.Episodes)
		fo.episode[ev.Seq] = n
		if n > 0 && f.State.Facility != "" && !slices.Contains(fo.facilities[n], f.State.Facility) {
			fo.facilities[n] = append(fo.facilities[n], f.State.Facility)
		}
		for len(fo.flagEpisode) < len(f.Flags) {
			fo.flagEpisode = append(fo.flagEpisode, n)
		}
	}
	return fo, nil
}

// seesEpisode reports whether the reader may see the events of episode n:
// one that passed through a facility of theirs.
func (fo *episodeFold) seesEpisode(n int) bool {
	if fo.scope == nil || len(fo.file.Episodes) == 0 {
		// Unrestricted, or a person never admitted, whom only an
		// unrestricted reader or whoever registered them can open.
		return true
	}
	for _, f := range fo.facilities[n] {
		if slices.Contains(fo.scope, f) {
			return true
		}
	}
	return false
}

// sees reports whether the reader may see event ev of the file.
func (fo *episodeFold) sees(ev *domain.Event) bool {
	if c, ok := ev.Data.(*domain.CorrectionData); ok {
		if t, ok := fo.bySeq[c.Target]; ok {
			ev = t
		}
	}
	switch {
	case ev.Kind == domain.KPerson:
		return true // the identity is everyone's who may open the file
	case fo.scope == nil:
		return true
	}
	if n, ok := fo.episode[ev.Seq]; ok {
		return fo.seesEpisode(n)
	}
	// Voided: an admission belongs to the facility it named, anything else
	// to the episode under way on its date.
	if ev.Kind == domain.KAdmission {
		return slices.Contains(fo.scope, ev.Facility)
	}
	n := 0
	for i, ep := range fo.file.Episodes {
		if ep.Admitted <= ev.Date {
			n = i + 1
		}
	}
	return fo.seesEpisode(n)
}

// Readable returns which of ids are people whose file p may open: the
// pages that name people (the audit trail) link those and only those.
// Ids of no one in the register are left out, as are people p may not
// read.
func (s *Service) Readable(ctx context.Context, p *auth.Principal, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 || p.Require(auth.ReadRegister, "") != nil {
		return out, nil
	}
	ps, err := s.st.Persons(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("reading the people named: %w", err)
	}
	for id, per := range ps {
		var lf *ledgerFile
		if per.Facility == "" && p.Scope(auth.ReadRegister) != nil {
			// Not yet admitted: whoever registered them may read them.
			if lf, err = s.loadFile(ctx, id); err != nil {
				return nil, err
			}
		}
		out[id] = mayRead(p, per, lf) == nil
	}
	return out, nil
}
