package demo

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
)

// The tests fold the generated events with the domain's own fold and measure
// the register the way a report would, independently of how the generator
// works inside.

type facLookup map[string]domain.FacilityKind

func (l facLookup) FacilityKind(id string) (domain.FacilityKind, bool) {
	k, ok := l[id]
	return k, ok
}

func inPrisonSystem(k domain.FacilityKind) bool {
	return k == domain.Prison || k == domain.CorrectionalCentre
}

// register is the folded demo register.
type register struct {
	opt        Options
	kinds      facLookup
	capacity   map[string]int
	cells      map[string]domain.CellData // facility/label
	events     int
	persons    int
	byKind     map[domain.Kind]int
	facFirst   bool // all facility and cell events came before any person event
	onPerson   []func(reg *register, f *domain.PersonFile, evs []*domain.Event)
	contiguous bool
	// commitments are the pledges, declarations and reforms, entered after
	// everyone's custody events.
	commitments []*domain.Event
}

// fold generates the register and calls each onPerson hook with the file of
// every person, as soon as the person's events are complete.
func fold(t testing.TB, opt Options, hooks ...func(reg *register, f *domain.PersonFile, evs []*domain.Event)) *register {
	t.Helper()
	reg := &register{opt: opt, kinds: facLookup{}, capacity: map[string]int{}, cells: map[string]domain.CellData{},
		byKind: map[domain.Kind]int{}, facFirst: true, contiguous: true, onPerson: hooks}
	seen := map[string]bool{}
	var cur *domain.PersonFile
	var evs []*domain.Event
	var failed error
	flush := func() {
		if cur == nil {
			return
		}
		for _, h := range reg.onPerson {
			h(reg, cur, evs)
		}
		cur, evs = nil, nil
	}
	err := Generate(context.Background(), opt, func(ev *domain.Event) error {
		reg.events++
		reg.byKind[ev.Kind]++
		if ev.Seq != 0 || ev.Prev != "" || ev.Hash != "" {
			return fmt.Errorf("event %d carries chain fields", reg.events)
		}
		if ev.RecordedBy != "demo" || ev.Via != "habeas demo" || len(ev.RecordedAt) != 20 || !strings.HasSuffix(ev.RecordedAt, "Z") {
			return fmt.Errorf("event %d: recording fields %q %q %q", reg.events, ev.RecordedAt, ev.RecordedBy, ev.Via)
		}
		switch d := ev.Data.(type) {
		case *domain.FacilityData:
			if reg.persons > 0 {
				reg.facFirst = false
			}
			reg.kinds[ev.Facility] = d.Kind
			reg.capacity[ev.Facility] = d.Capacity
			return nil
		case *domain.CellData:
			if reg.persons > 0 {
				reg.facFirst = false
			}
			reg.cells[ev.Facility+"/"+d.Label] = *d
			return nil
		case *domain.PledgeData, *domain.DeclarationData, *domain.ReformData:
			if err := domain.ValidateCommitment(ev.Date, d); err != nil {
				return fmt.Errorf("event %d: %v", reg.events, err)
			}
			reg.commitments = append(reg.commitments, ev)
			return nil
		}
		if len(reg.commitments) > 0 {
			return fmt.Errorf("event %d (%s): a custody event after the commitments", reg.events, ev.Kind)
		}
		if ev.Kind == domain.KPerson {
			flush()
			if seen[ev.Person] {
				reg.contiguous = false
			}
			seen[ev.Person] = true
			reg.persons++
			cur = &domain.PersonFile{ID: ev.Person}
		} else if cur == nil || ev.Person != cur.ID {
			reg.contiguous = false
			return fmt.Errorf("event %d (%s) of %s outside the person's block", reg.events, ev.Kind, ev.Person)
		}
		if ev.Date > End {
			return fmt.Errorf("event %d after End", reg.events)
		}
		// recorded after it happened, and in order within the person's file
		if ev.RecordedAt[:10] < ev.Date.String() || (len(evs) > 0 && ev.Kind != domain.KPerson && ev.RecordedAt < evs[len(evs)-1].RecordedAt) {
			return fmt.Errorf("event %d (%s %s) recorded at %s", reg.events, ev.Kind, ev.Date, ev.RecordedAt)
		}
		if a, ok := ev.Data.(*domain.AdmissionData); ok {
			if _, ok := reg.cells[ev.Facility+"/"+a.Cell]; !ok {
				return fmt.Errorf("event %d: admission to unknown cell %s/%s", reg.events, ev.Facility, a.Cell)
			}
		}
		if err := cur.Apply(ev, reg.kinds); err != nil {
			failed = fmt.Errorf("%s: event %d (%s %s): %v", ev.Person, reg.events, ev.Kind, ev.Date, err)
			return failed
		}
		evs = append(evs, ev)
		return nil
	})
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	flush()
	return reg
}

// heldOn returns the stay of a file that covers day d, if any.
func heldOn(f *domain.PersonFile, d domain.Date) *domain.Stay {
	for i := range f.Stays {
		s := &f.Stays[i]
		if s.From <= d && d < s.To {
			return s
		}
	}
	return nil
}

// The full-scale register is folded once and shared by the tests.
var (
	fullOnce sync.Once
	full     *fullStats
)

// fullStats is what the tests measure on the full-scale register.
type fullStats struct {
	reg *register
	pop map[domain.Date]int // prison-system population on reference dates
	// on 2020-03-31, prison system
	notFinal, untried, appeal, women, minors, foreign, knownAge int
	byFacility                                                  map[string]int
	byCell                                                      map[string]int
	children                                                    map[domain.Date]int
	drugAdmissions                                              int
	reformReleases                                              map[domain.Mechanism]int
	multiEpisode                                                int
	situations                                                  map[domain.Date]map[string]int
	monthly                                                     []int
}

// S is the reference date of the calibration: 31 March 2020.
const S domain.Date = 20200331

var refDates = []domain.Date{20151231, 20161231, 20170101, 20200331, 20200630, 20201231}

func fullRegister(t *testing.T) *fullStats {
	t.Helper()
	fullOnce.Do(func() {
		full = measure(t, Options{Seed: 1})
	})
	if full == nil {
		t.Fatal("the full-scale register could not be built")
	}
	return full
}

// monthEnds are the last days of each month from January 2015 to December 2020.
func monthEnds() []domain.Date {
	var out []domain.Date
	for y := 2015; y <= 2020; y++ {
		for m := 1; m <= 12; m++ {
			out = append(out, domain.MakeDate(y, m, 1).AddMonths(1).AddDays(-1))
		}
	}
	return out
}

func measure(t testing.TB, opt Options) *fullStats {
	st := &fullStats{pop: map[domain.Date]int{}, byFacility: map[string]int{}, byCell: map[string]int{},
		children: map[domain.Date]int{}, reformReleases: map[domain.Mechanism]int{},
		situations: map[domain.Date]map[string]int{S: {}, End: {}}}
	months := monthEnds()
	st.monthly = make([]int, len(months))
	drugFrom, drugTo := domain.MustDate("2017-01-01"), domain.MustDate("2020-07-23")
	hook := func(reg *register, f *domain.PersonFile, evs []*domain.Event) {
		kind := func(id string) domain.FacilityKind { return reg.kinds[id] }
		for _, d := range refDates {
			if s := heldOn(f, d); s != nil && inPrisonSystem(kind(s.Facility)) {
				st.pop[d]++
			}
		}
		for i, d := range months {
			if s := heldOn(f, d); s != nil && inPrisonSystem(kind(s.Facility)) {
				st.monthly[i]++
			}
		}
		if s := heldOn(f, S); s != nil && inPrisonSystem(kind(s.Facility)) {
			st.byFacility[s.Facility]++
			st.byCell[s.Facility+"/"+s.Cell]++
			if s.Status.NotFinal() {
				st.notFinal++
			}
			if s.Status.Untried() {
				st.untried++
			}
			if s.Status == domain.StatusAppeal {
				st.appeal++
			}
			if f.Identity.Sex == domain.Female {
				st.women++
			}
			if f.Identity.Nationality != "KH" {
				st.foreign++
			}
			if f.Identity.DOB != domain.NoDate {
				st.knownAge++
				if f.Identity.DOB.AgeOn(S) < 18 {
					st.minors++
				}
			}
		}
		for _, fl := range f.Flags {
			if fl.Kind != domain.FlagChild {
				continue
			}
			for _, d := range []domain.Date{20151231, 20200630, 20181231, 20201231} {
				if fl.From <= d && d < fl.To {
					st.children[d]++
				}
			}
		}
		for _, e := range f.Episodes {
			k := kind(e.FacilityIn)
			if e.Drug && e.Admitted >= drugFrom && e.Admitted <= drugTo && (inPrisonSystem(k) || k == domain.DrugCentre) {
				st.drugAdmissions++
			}
			if e.EndKind == domain.KRelease && e.Ended >= 20200501 && e.Ended <= End {
				switch e.Mechanism {
				case domain.MechBail, domain.MechPardon, domain.MechReduction, domain.MechConditional:
					st.reformReleases[e.Mechanism]++
				}
			}
		}
		if len(f.Episodes) > 1 {
			st.multiEpisode++
		}
		for _, s := range situations(f, End, reg.kinds) {
			st.situations[End][s]++
		}
		if f.State.Admitted <= S || len(f.Episodes) > 1 {
			past, err := domain.Project(f.ID, evs, reg.kinds, S)
			if err != nil {
				t.Errorf("projecting %s as of %s: %v", f.ID, S, err)
				return
			}
			for _, s := range situations(past, S, reg.kinds) {
				st.situations[S][s]++
			}
		}
	}
	st.reg = fold(t, opt, hook)
	return st
}
