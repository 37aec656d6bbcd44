package storetest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// The reference computations below state the query semantics over person
// files, independently of any store: the Reference test compares a store
// with them on a generated register.

func heldOn(st domain.Stay, asOf domain.Date) bool { return st.From <= asOf && asOf < st.To }

func refPopulation(files []*domain.PersonFile, asOf domain.Date) []store.PopRow {
	counts := map[store.PopRow]int{}
	for _, f := range files {
		for _, st := range f.Stays {
			if heldOn(st, asOf) {
				k := store.PopRow{Facility: st.Facility, Sex: st.Sex, Status: st.Status, Drug: st.Drug,
					AgeBand: ageBand(st.DOB.AgeOn(asOf))}
				counts[k]++
			}
		}
	}
	var out []store.PopRow
	for k, n := range counts {
		k.Count = n
		out = append(out, k)
	}
	return out
}

// stayOn is the stay of a person on a date, if held.
func stayOn(f *domain.PersonFile, asOf domain.Date) (domain.Stay, bool) {
	for _, st := range f.Stays {
		if heldOn(st, asOf) {
			return st, true
		}
	}
	return domain.Stay{}, false
}

func refFlags(files []*domain.PersonFile, asOf domain.Date) []store.FlagRow {
	type key struct {
		fac  string
		kind domain.FlagKind
	}
	counts := map[key]int{}
	for _, f := range files {
		st, ok := stayOn(f, asOf)
		if !ok {
			continue
		}
		seen := map[domain.FlagKind]bool{}
		for _, fl := range f.Flags {
			if fl.From > asOf || asOf >= fl.To {
				continue
			}
			if fl.Kind != domain.FlagChild {
				if seen[fl.Kind] {
					continue
				}
				seen[fl.Kind] = true
			}
			counts[key{st.Facility, fl.Kind}]++
		}
	}
	var out []store.FlagRow
	for k, n := range counts {
		out = append(out, store.FlagRow{Facility: k.fac, Kind: k.kind, Count: n})
	}
	return out
}

func refCells(files []*domain.PersonFile, asOf domain.Date, limit int) []store.CellCount {
	counts := map[[2]string]int{}
	for _, f := range files {
		if st, ok := stayOn(f, asOf); ok && st.Cell != "" {
			counts[[2]string{st.Facility, st.Cell}]++
		}
	}
	var out []store.CellCount
	for k, n := range counts {
		out = append(out, store.CellCount{Facility: k[0], Cell: k[1], Count: n})
	}
	slices.SortFunc(out, func(a, b store.CellCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Facility, b.Facility), cmp.Compare(a.Cell, b.Cell))
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

func refAdmissions(files []*domain.PersonFile, from, to domain.Date) (all, drug []store.FacilityCount) {
	a, dr := map[string]int{}, map[string]int{}
	for _, f := range files {
		for _, e := range f.Episodes {
			if from <= e.Admitted && e.Admitted <= to {
				a[e.FacilityIn]++
				if e.Drug {
					dr[e.FacilityIn]++
				}
			}
		}
	}
	for k, n := range a {
		all = append(all, store.FacilityCount{Facility: k, Count: n})
	}
	for k, n := range dr {
		drug = append(drug, store.FacilityCount{Facility: k, Count: n})
	}
	return all, drug
}

func refReleases(files []*domain.PersonFile, from, to domain.Date) []store.MechanismCount {
	counts := map[[2]string]int{}
	for _, f := range files {
		for _, e := range f.Episodes {
			if e.EndKind == domain.KRelease && from <= e.Ended && e.Ended <= to {
				counts[[2]string{e.FacilityOut, string(e.Mechanism)}]++
			}
		}
	}
	var out []store.MechanismCount
	for k, n := range counts {
		out = append(out, store.MechanismCount{Facility: k[0], Mechanism: domain.Mechanism(k[1]), Count: n})
	}
	return out
}

// simPerson is a generated person: their events so far and the file they
// project to, from which the generator picks events that can happen next.
type simPerson struct {
	id      string
	female  bool
	evs     []*domain.Event
	file    *domain.PersonFile
	chronic []int64 // seqs of chronic-illness events, which may be voided
}

func (p *simPerson) children() []domain.Date {
	var out []domain.Date
	for _, fl := range p.file.Flags {
		if fl.Kind == domain.FlagChild && fl.To == domain.OpenEnd {
			out = append(out, fl.ChildDOB)
		}
	}
	return out
}

// generate appends a register of about 20 months with random (seeded)
// admissions, transfers, cell moves, charges, orders, verdicts, health facts,
// corrections, releases, deaths and escapes, in monthly batches. An event is
// only added when the person fold accepts it, so the generator follows the
// domain's rules without restating them.
func generate(t *testing.T, s store.Store, seed uint64) (*Ledger, domain.Date, domain.Date) {
	rng := rand.New(rand.NewPCG(seed, 7))
	facs := []string{"CC1", "CC2", "PJ-KD", "DC"}
	cells := []string{"A", "B", "C", "D"}
	statuses := []domain.LegalStatus{domain.StatusPolice, domain.StatusPretrial, domain.StatusAppeal, domain.StatusFinal,
		domain.StatusAcquitted, domain.StatusDrugCentre}
	pick := func(n int) int { return rng.IntN(n) }
	l := NewLedger()
	b := l.Begin(t, s)
	for i, f := range facs {
		b.Facility(d("2020-01-01"), f, "Facility "+f, domain.FacilityKinds[i], 100*(i+1), "GDP")
		b.Facility(d("2023-07-01"), f, "Facility "+f, domain.FacilityKinds[i], 150*(i+1), "GDP 2023")
	}
	b.Append(t, s)
	lookup := l.Facilities()

	// try adds ev to p's events if the fold accepts it.
	try := func(p *simPerson, ev *domain.Event) int64 {
		f, err := domain.Project(p.id, append(slices.Clip(p.evs), ev), lookup, domain.NoDate)
		if err != nil {
			return 0
		}
		seq := b.Add(ev)
		p.evs, p.file = append(p.evs, ev), f
		return seq
	}
	health := func(p *simPerson, date domain.Date, h domain.HealthData) int64 {
		return try(p, NewEvent(domain.KHealth, date, p.id, "", &h))
	}
	var people []*simPerson
	start := d("2023-01-01")
	var last domain.Date
	for month := range 20 {
		b = l.Begin(t, s)
		for day := range 30 {
			date := start.AddDays(month*30 + day)
			last = date
			for range pick(4) {
				p := &simPerson{id: fmt.Sprintf("G%04d", len(people)), female: pick(4) == 0}
				people = append(people, p)
				dob := start.AddDays(-365*14 - pick(365*60))
				if pick(10) == 0 {
					dob = domain.NoDate
				}
				id := Man(p.id, dob)
				if p.female {
					id = Woman(p.id, dob)
				}
				try(p, NewEvent(domain.KPerson, date, p.id, "", &id))
			}
			for range 6 {
				if len(people) == 0 {
					break
				}
				p := people[pick(len(people))]
				if p.file == nil || p.file.State.Dead {
					continue
				}
				if !p.file.State.InCustody {
					if pick(3) > 0 {
						var charges []domain.Charge
						if pick(3) == 0 {
							charges = append(charges, DrugCharge)
						}
						if pick(2) == 0 {
							charges = append(charges, TheftCharge)
						}
						a := Held(statuses[pick(len(statuses))], cells[pick(len(cells))], charges...)
						try(p, NewEvent(domain.KAdmission, date, p.id, facs[pick(len(facs))], &a))
					}
					continue
				}
				switch r := pick(100); {
				case r < 10:
					cell := cells[pick(len(cells))]
					if pick(5) == 0 {
						cell = "" // not yet assigned a cell
					}
					try(p, NewEvent(domain.KTransfer, date, p.id, "", &domain.TransferData{To: facs[pick(len(facs))], Cell: cell}))
				case r < 20:
					try(p, NewEvent(domain.KCellAssign, date, p.id, "", &domain.CellAssignData{Cell: cells[pick(len(cells))]}))
				case r < 28:
					charge := TheftCharge
					if pick(2) == 0 {
						charge = DrugCharge
					}
					try(p, NewEvent(domain.KCharge, date, p.id, "", &domain.ChargeData{Case: "CASE-1", Charges: []domain.Charge{charge}}))
				case r < 34:
					try(p, NewEvent(domain.KOrder, date, p.id, "", &domain.OrderData{Order: domain.Order{Kind: domain.OrderDetention,
						Authority: "judge", Reference: "DO", Issued: date}, Status: statuses[pick(2)]}))
				case r < 40:
					try(p, NewEvent(domain.KVerdict, date, p.id, "", &domain.VerdictData{Case: "CASE-1",
						Outcome: domain.OutcomeConvicted, Final: pick(2) == 0, Sentence: &domain.Sentence{Months: 12 + pick(48), Start: date}}))
				case r < 46:
					if p.female {
						health(p, date, domain.HealthData{Fact: domain.FactChildIn, ChildDOB: date.AddDays(-pick(1000))})
					}
				case r < 50:
					if ch := p.children(); len(ch) > 0 {
						health(p, date, domain.HealthData{Fact: domain.FactChildOut, ChildDOB: ch[pick(len(ch))]})
					}
				case r < 54:
					if p.female {
						health(p, date, domain.HealthData{Fact: domain.FactPregnant})
					}
				case r < 57:
					health(p, date, domain.HealthData{Fact: domain.FactPregnancyEnd})
				case r < 62:
					if seq := health(p, date, domain.HealthData{Fact: domain.FactChronic}); seq != 0 {
						p.chronic = append(p.chronic, seq)
					}
				case r < 65:
					health(p, date, domain.HealthData{Fact: domain.FactMental})
				case r < 67:
					health(p, date, domain.HealthData{Fact: domain.FactDisability})
				case r < 70:
					health(p, date, domain.HealthData{Fact: domain.FactDependent, ChildDOB: date.AddDays(-3000)})
				case r < 73:
					health(p, date, domain.HealthData{Fact: domain.FactConditionEnd})
				case r < 75:
					if len(p.chronic) > 0 {
						i := pick(len(p.chronic))
						if try(p, NewEvent(domain.KCorrection, date, p.id, "", &domain.CorrectionData{Target: p.chronic[i],
							TargetKind: domain.KHealth, Reason: "entered in error", Void: true})) != 0 {
							p.chronic = slices.Delete(p.chronic, i, i+1)
						}
					}
				case r < 90:
					try(p, NewEvent(domain.KRelease, date, p.id, "", &domain.ReleaseData{Mechanism: domain.Mechanisms[pick(len(domain.Mechanisms))]}))
				case r < 92:
					try(p, NewEvent(domain.KDeath, date, p.id, "", &domain.DeathData{}))
				case r < 94:
					try(p, NewEvent(domain.KEscape, date, p.id, "", &domain.EscapeData{}))
				}
			}
		}
		b.Append(t, s)
	}
	// The files the generator followed are the ones the batches carried.
	for _, p := range people {
		if f := l.File(p.id); f == nil || store.DigestFile(f) != store.DigestFile(p.file) {
			t.Fatalf("suite: the generator's file of %s differs from the ledger's", p.id)
		}
	}
	return l, start, last
}

func testReference(t *testing.T, s store.Store) {
	ctx := t.Context()
	l, first, last := generate(t, s, 20240101)
	files := l.Files()
	kinds := map[domain.Kind]int{}
	for _, se := range l.Stored() {
		kinds[se.Kind]++
	}
	t.Logf("generated %d events, %d persons: %v", l.Head().Seq, len(files), kinds)
	for _, k := range []domain.Kind{domain.KTransfer, domain.KRelease, domain.KCorrection, domain.KHealth, domain.KDeath, domain.KEscape} {
		if kinds[k] == 0 {
			t.Errorf("suite: the generated register has no %s event", k)
		}
	}

	var dates []domain.Date
	for dt := first.AddDays(-1); dt <= last.AddDays(1); dt = dt.AddDays(11) {
		dates = append(dates, dt)
	}
	dates = append(dates, last, last.AddDays(1), d("2099-01-01"))
	held := 0
	for _, dt := range dates {
		pop := refPopulation(files, dt)
		held = max(held, popCount(pop, nil))
		sameSet(t, "Population("+dt.String()+")", population(t, s, dt), pop)
		sameSet(t, "FlagsOn("+dt.String()+")", flagsOn(t, s, dt), refFlags(files, dt))
		for _, limit := range []int{3, 1000} {
			got, err := s.CellsOn(ctx, dt, limit)
			fatalIf(t, err, "CellsOn")
			sameList(t, fmt.Sprintf("CellsOn(%s, %d)", dt, limit), got, refCells(files, dt, limit))
			hp, hc, err := s.Held(ctx, dt, limit)
			fatalIf(t, err, "Held")
			sameSet(t, "Held("+dt.String()+") population", hp, pop)
			sameList(t, fmt.Sprintf("Held(%s, %d) cells", dt, limit), hc, refCells(files, dt, limit))
		}
	}
	if held < 20 {
		t.Fatalf("suite: the generated register holds at most %d people on the dates checked", held)
	}
	for from := first; from <= last; from = from.AddMonths(1) {
		to := from.AddMonths(1).AddDays(-1)
		all, drug, err := s.Admissions(ctx, from, to)
		fatalIf(t, err, "Admissions")
		wantAll, wantDrug := refAdmissions(files, from, to)
		sameSet(t, fmt.Sprintf("Admissions(%s, %s) all", from, to), all, wantAll)
		sameSet(t, fmt.Sprintf("Admissions(%s, %s) drug", from, to), nonZero(drug), wantDrug)
		rel, err := s.Releases(ctx, from, to)
		fatalIf(t, err, "Releases")
		sameSet(t, fmt.Sprintf("Releases(%s, %s)", from, to), rel, refReleases(files, from, to))
	}
	expectDigests(t, s, files)
	ids := l.Persons()
	ps, err := s.Persons(ctx, ids)
	fatalIf(t, err, "Persons")
	for _, f := range files {
		if want := store.PersonOf(f); ps[f.ID] != want {
			t.Errorf("Persons[%s] = %+v, want %+v", f.ID, ps[f.ID], want)
		}
	}
	sameList(t, "ledger", eventsFrom(t, s, 0), l.Stored())
	// The ledger regrouped by person is what the projections were built from.
	for _, pe := range eventsByPerson(t, s) {
		var evs []*domain.Event
		for _, se := range pe.Events {
			ev, err := Decode(se)
			fatalIf(t, err, "Decode")
			evs = append(evs, ev)
		}
		f, err := FileOf(pe.Person, evs, l.Facilities())
		fatalIf(t, err, "FileOf")
		if store.DigestFile(f) != store.DigestFile(l.File(pe.Person)) {
			t.Errorf("the file of %s rebuilt from EventsByPerson differs from the appended one", pe.Person)
		}
	}
}

// Generate fills an empty store with the seeded register of about 20
// months that the Reference test checks (admissions, transfers, health
// facts, corrections, releases, in monthly batches, persons written again
// and again), and returns its ledger: for backends' own tests.
func Generate(t *testing.T, s store.Store, seed uint64) *Ledger {
	l, _, _ := generate(t, s, seed)
	return l
}
