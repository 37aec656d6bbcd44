package storetest

import (
	"context"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// testCommitments: pledges, declarations and reforms come back, and only
// they, in ledger order.
func testCommitments(t *testing.T, s store.Store) {
	ctx := context.Background()
	got, err := s.Commitments(ctx)
	fatalIf(t, err, "commitments of an empty store")
	if len(got) != 0 {
		t.Fatalf("empty store: %d commitments", len(got))
	}
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
	p := b.Add(NewEvent(domain.KPledge, d("2020-05-10"), "", "", &domain.PledgeData{ID: "P1", Title: "Release 10,000",
		MadeBy: "Minister of Interior", Kind: domain.PledgeReleases, Start: d("2020-05-10"), Deadline: d("2020-11-10"), Target: 10000, Source: "statement"}))
	b.Register(d("2020-05-11"), "A", Man("A", d("1990-01-01")))
	r := b.Add(NewEvent(domain.KReform, d("2020-05-12"), "", "", &domain.ReformData{ID: "R1", Title: "Bail", Status: domain.ReformAnnounced, Source: "statement"}))
	decl := b.Add(NewEvent(domain.KDeclaration, d("2020-07-23"), "", "", &domain.DeclarationData{Pledge: "P1", Figure: 3500, DeclaredBy: "MoJ", Source: "press"}))
	b.Append(t, s)
	got, err = s.Commitments(ctx)
	fatalIf(t, err, "commitments")
	var seqs []int64
	for _, e := range got {
		seqs = append(seqs, e.Seq)
	}
	if want := []int64{p, r, decl}; !sameList(t, "commitment seqs", seqs, want) {
		return
	}
	a, err := s.BeginAppend(ctx)
	fatalIf(t, err, "BeginAppend")
	inTx, err := a.Commitments(ctx)
	a.Rollback(ctx)
	fatalIf(t, err, "commitments through a write transaction")
	sameList(t, "commitments through a write transaction", inTx, got)
	for _, c := range []struct {
		kind     domain.Kind
		from, to string
		want     int
	}{
		{domain.KPledge, "2020-05-10", "2020-05-10", 1},
		{domain.KPledge, "2020-05-11", "2020-12-31", 0},
		{domain.KDeclaration, "2020-01-01", "2020-12-31", 1},
		{domain.KPerson, "2020-05-11", "2020-05-11", 1},
		{domain.KPerson, "2020-05-12", "2020-05-12", 0},
	} {
		n, err := s.CountEvents(ctx, c.kind, d(c.from), d(c.to))
		fatalIf(t, err, "counting events")
		if n != c.want {
			t.Errorf("CountEvents(%s, %s..%s) = %d, want %d", c.kind, c.from, c.to, n, c.want)
		}
	}
	if got[0].Kind != domain.KPledge || got[2].Kind != domain.KDeclaration || got[1].Date != d("2020-05-12") {
		t.Errorf("commitments: kinds/dates %v %v %v", got[0].Kind, got[2].Kind, got[1].Date)
	}
}

// testReleaseRows: each release with the categories the report counts, and
// the vulnerabilities in force on the last day held.
func testReleaseRows(t *testing.T, s store.Store) {
	ctx := context.Background()
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
	b.Facility(d("2020-01-01"), "CC2", "CC2", domain.CorrectionalCentre, 300, "GDP")
	// W: a pregnant woman on a drug charge, released on bail from CC2.
	b.Register(d("2020-01-02"), "W", Woman("W", d("1995-06-01")))
	b.Admit(d("2020-01-03"), "W", "CC2", Held(domain.StatusPretrial, "", DrugCharge))
	b.Health(d("2020-02-01"), "W", domain.HealthData{Fact: domain.FactPregnant, Due: d("2020-09-01")})
	b.Release(d("2020-05-20"), "W", domain.MechBail)
	// M: a man whose illness ended before release; pardoned from CC1.
	b.Register(d("2020-01-02"), "M", Man("M", d("1950-01-01")))
	b.Admit(d("2020-01-03"), "M", "CC1", Held(domain.StatusFinal, ""))
	b.Health(d("2020-01-10"), "M", domain.HealthData{Fact: domain.FactChronic, Detail: "diabetes"})
	b.Health(d("2020-03-10"), "M", domain.HealthData{Fact: domain.FactConditionEnd, Detail: "diabetes"})
	b.Release(d("2020-06-01"), "M", domain.MechPardon)
	// Y: released twice; only the second release is in the period.
	b.Register(d("2020-01-02"), "Y", Man("Y", d("2004-01-01")))
	b.Admit(d("2020-01-03"), "Y", "CC1", Held(domain.StatusPolice, ""))
	b.Release(d("2020-01-04"), "Y", domain.MechDropped)
	b.Admit(d("2020-04-01"), "Y", "CC1", Held(domain.StatusPretrial, ""))
	b.Health(d("2020-04-02"), "Y", domain.HealthData{Fact: domain.FactDisability, Detail: "leg"})
	b.Health(d("2020-04-02"), "Y", domain.HealthData{Fact: domain.FactMental, Detail: "depression"})
	b.Release(d("2020-05-20"), "Y", domain.MechAcquittal)
	// D: died in custody: not a release.
	b.Register(d("2020-01-02"), "D", Man("D", d("1960-01-01")))
	b.Admit(d("2020-01-03"), "D", "CC1", Held(domain.StatusFinal, ""))
	b.Death(d("2020-05-25"), "D")
	b.Append(t, s)

	got, err := s.ReleaseRows(ctx, d("2020-05-01"), d("2020-06-30"))
	fatalIf(t, err, "release rows")
	want := []store.ReleaseRow{
		{Date: d("2020-05-20"), Facility: "CC1", Mechanism: domain.MechAcquittal, Sex: domain.Male, DOB: d("2004-01-01"),
			Status: domain.StatusPretrial, Flags: []domain.FlagKind{domain.FlagDisability, domain.FlagMental}},
		{Date: d("2020-05-20"), Facility: "CC2", Mechanism: domain.MechBail, Sex: domain.Female, DOB: d("1995-06-01"),
			Status: domain.StatusPretrial, Drug: true, Flags: []domain.FlagKind{domain.FlagPregnant}},
		{Date: d("2020-06-01"), Facility: "CC1", Mechanism: domain.MechPardon, Sex: domain.Male, DOB: d("1950-01-01"),
			Status: domain.StatusFinal},
	}
	sameList(t, "release rows", normFlags(got), normFlags(want))
	got, err = s.ReleaseRows(ctx, d("2020-01-04"), d("2020-01-04"))
	fatalIf(t, err, "release rows")
	if len(got) != 1 || got[0].Mechanism != domain.MechDropped || got[0].Status != domain.StatusPolice {
		t.Errorf("release on 2020-01-04: %+v", got)
	}
}

// normFlags makes nil and empty flag lists compare equal.
func normFlags(rows []store.ReleaseRow) []store.ReleaseRow {
	out := make([]store.ReleaseRow, len(rows))
	for i, r := range rows {
		if len(r.Flags) == 0 {
			r.Flags = nil
		}
		out[i] = r
	}
	return out
}

// testPopulationChanges: the running sum of the monthly changes is the
// population that Population reports at every month end, for every facility.
func testPopulationChanges(t *testing.T, s store.Store) {
	ctx := context.Background()
	varied(t, s)
	changes, err := s.PopulationChanges(ctx)
	fatalIf(t, err, "population changes")
	if len(changes) == 0 {
		t.Fatal("no population changes for a register with people held")
	}
	first, last := changes[0].Month, changes[len(changes)-1].Month
	running := map[string]int{}
	i, months := 0, 0
	for m := first; m <= last; m = (m.AddDays(1)).AddMonths(1).AddDays(-1) {
		for ; i < len(changes) && changes[i].Month == m; i++ {
			running[changes[i].Facility] += changes[i].In - changes[i].Out
		}
		want := map[string]int{}
		for _, r := range population(t, s, m) {
			want[r.Facility] += r.Count
		}
		for f := range mergeKeys(running, want) {
			if running[f] != want[f] {
				t.Fatalf("%s at the end of %s: running sum %d, Population %d", f, m, running[f], want[f])
			}
		}
		months++
	}
	if i != len(changes) || months < 4 {
		t.Errorf("changes not in month order, or not month ends: used %d of %d over %d months", i, len(changes), months)
	}
	for j := 1; j < len(changes); j++ {
		a, b := changes[j-1], changes[j]
		if a.Month > b.Month || (a.Month == b.Month && a.Facility >= b.Facility) {
			t.Errorf("changes not ordered by month and facility at %d: %+v then %+v", j, a, b)
		}
	}
}

func mergeKeys(a, b map[string]int) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// testScreenings: a saved summary comes back for its date; saving again for
// the same date and pack replaces it; an empty screening is remembered.
func testScreenings(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, ok, err := s.Screening(ctx, d("2020-03-31")); err != nil || ok {
		t.Fatalf("empty store: found=%v err=%v", ok, err)
	}
	first := store.ScreeningSummary{AsOf: d("2020-03-31"), Pack: "kh-2020 1", Head: "aa", ComputedAt: "2026-01-01T10:00:00Z",
		Counts: []store.ScreeningCount{{Facility: "CC2", Kind: "unlawful", People: 3}, {Facility: "CC1", Kind: "eligible", People: 40}}}
	fatalIf(t, s.SaveScreening(ctx, first), "saving a screening")
	fatalIf(t, s.SaveScreening(ctx, store.ScreeningSummary{AsOf: d("2020-04-30"), Pack: "kh-2020 1", Head: "bb",
		ComputedAt: "2026-01-01T11:00:00Z"}), "saving an empty screening")
	got, ok, err := s.Screening(ctx, d("2020-03-31"))
	fatalIf(t, err, "reading a screening")
	want := []store.ScreeningCount{{Facility: "CC1", Kind: "eligible", People: 40}, {Facility: "CC2", Kind: "unlawful", People: 3}}
	if !ok || got.Head != "aa" || got.Pack != "kh-2020 1" || got.ComputedAt != first.ComputedAt {
		t.Fatalf("screening: found=%v %+v", ok, got)
	}
	sameList(t, "screening counts", got.Counts, want)
	again := first
	again.Head, again.ComputedAt = "cc", "2026-01-02T10:00:00Z"
	again.Counts = []store.ScreeningCount{{Facility: "CC1", Kind: "unlawful", People: 1}}
	fatalIf(t, s.SaveScreening(ctx, again), "saving a screening again")
	got, _, err = s.Screening(ctx, d("2020-03-31"))
	fatalIf(t, err, "reading a screening")
	if got.Head != "cc" {
		t.Errorf("replaced screening: head %q", got.Head)
	}
	sameList(t, "replaced screening counts", got.Counts, again.Counts)
	got, ok, err = s.Screening(ctx, d("2020-04-30"))
	fatalIf(t, err, "reading an empty screening")
	if !ok || len(got.Counts) != 0 || got.Head != "bb" {
		t.Errorf("empty screening: found=%v %+v", ok, got)
	}

	// The split of the unlawful count, the data to check per check (the
	// same facility and kind under several rules) and the pack's review.
	split := store.ScreeningSummary{AsOf: d("2020-05-31"), Pack: "kh-2020 2", Head: "dd", ComputedAt: "2026-01-03T10:00:00Z",
		ReviewedBy: "A. Lawyer", ReviewedOn: d("2021-03-01"),
		Counts: []store.ScreeningCount{
			{Facility: "CC1", Kind: store.KindDataCheck, People: 4},
			{Facility: "CC1", Kind: store.KindDataCheck, Rule: "DQ-01", People: 1},
			{Facility: "CC1", Kind: store.KindDataCheck, Rule: "DQ-03", People: 3},
			{Facility: "CC1", Kind: "unlawful", People: 5},
			{Facility: "CC1", Kind: store.KindUnlawfulConfirmed, People: 2},
			{Facility: "CC1", Kind: store.KindUnlawfulUnconfirmed, People: 3},
		}}
	fatalIf(t, s.SaveScreening(ctx, split), "saving a split screening")
	got, ok, err = s.Screening(ctx, d("2020-05-31"))
	fatalIf(t, err, "reading a split screening")
	if !ok || got.ReviewedBy != "A. Lawyer" || got.ReviewedOn != d("2021-03-01") {
		t.Errorf("split screening: found=%v review %q on %s", ok, got.ReviewedBy, got.ReviewedOn)
	}
	sameList(t, "split screening counts", got.Counts, split.Counts)
	if got, _, _ := s.Screening(ctx, d("2020-03-31")); got.ReviewedBy != "" || got.ReviewedOn != domain.NoDate {
		t.Errorf("a screening with an unreviewed pack: review %q on %s", got.ReviewedBy, got.ReviewedOn)
	}
}

// testFollowUps: the follow-up steps come back, and only they, in ledger
// order from the sequence asked; a step leaves the person's stored state as
// it was (it is the staff's work, not custody).
func testFollowUps(t *testing.T, s store.Store) {
	ctx := context.Background()
	var seqs []int64
	collect := func(from int64) []int64 {
		t.Helper()
		seqs = nil
		err := s.FollowUps(ctx, from, func(e store.StoredEvent) error {
			if e.Kind != domain.KFollowUp {
				t.Errorf("FollowUps gave event %d of kind %s", e.Seq, e.Kind)
			}
			seqs = append(seqs, e.Seq)
			return nil
		})
		fatalIf(t, err, "follow-ups")
		return seqs
	}
	if got := collect(0); len(got) != 0 {
		t.Fatalf("empty store: follow-ups %v", got)
	}
	l := NewLedger()
	b := l.Begin(t, s)
	b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
	b.Register(d("2020-02-01"), "A", Man("A", d("1990-01-01")))
	b.Admit(d("2020-02-01"), "A", "CC1", domain.AdmissionData{Status: domain.StatusPretrial})
	take := b.Add(NewEvent(domain.KFollowUp, d("2020-03-01"), "A", "", &domain.FollowUpData{Action: domain.FollowTake, Assignee: "lawyer1", Rule: "LB-01"}))
	b.Order(d("2020-03-02"), "A", domain.StatusPretrial)
	pet := b.Add(NewEvent(domain.KFollowUp, d("2020-03-05"), "A", "", &domain.FollowUpData{Action: domain.FollowPetition}))
	snooze := b.Add(NewEvent(domain.KFollowUp, d("2020-03-06"), "A", "", &domain.FollowUpData{Action: domain.FollowSnoozed, Until: d("2020-04-01")}))
	b.Append(t, s)
	if got := collect(0); !sameList(t, "follow-up seqs", got, []int64{take, pet, snooze}) {
		return
	}
	if got := collect(pet); !sameList(t, "follow-up seqs from the petition", got, []int64{pet, snooze}) {
		return
	}
	if got := collect(snooze + 1); len(got) != 0 {
		t.Errorf("follow-ups after the last: %v", got)
	}
	ps, err := s.Persons(ctx, []string{"A"})
	fatalIf(t, err, "persons")
	// The order of 2020-03-02 is the last custody event; the steps of
	// 2020-03-05 and -06 are not.
	if p := ps["A"]; !p.InCustody || p.LastDate != d("2020-03-02") {
		t.Errorf("person after follow-ups: in custody %v, last date %s; want true, 2020-03-02", p.InCustody, p.LastDate)
	}
}

// testCurrentScreening: the stored current screening is absent until saved;
// a save of all replaces every row, a partial save writes over some rows
// and drops others; the state says up to where it goes.
func testCurrentScreening(t *testing.T, s store.Store) {
	ctx := context.Background()
	read := func() (store.ScreenedState, bool, []store.ScreenedPerson) {
		t.Helper()
		var rows []store.ScreenedPerson
		st, ok, err := s.CurrentScreening(ctx, func(p store.ScreenedPerson) error { rows = append(rows, p); return nil })
		fatalIf(t, err, "reading the current screening")
		return st, ok, rows
	}
	if st, ok, rows := read(); ok || len(rows) != 0 || st != (store.ScreenedState{}) {
		t.Fatalf("empty store: found=%v state %+v, %d rows", ok, st, len(rows))
	}
	a := store.ScreenedPerson{Person: "A", AsOf: d("2020-03-31"), NextChange: d("2020-04-12"), Result: []byte{1, 2, 0, 255}}
	b := store.ScreenedPerson{Person: "B", AsOf: d("2020-03-31"), NextChange: d("2021-05-05"), Result: []byte{7}}
	c := store.ScreenedPerson{Person: "C", AsOf: d("2020-03-30"), NextChange: d("2020-04-01"), Result: []byte{0}}
	st1 := store.ScreenedState{Seq: 40, AsOf: d("2020-03-31"), Pack: "abc"}
	fatalIf(t, s.SaveCurrentScreening(ctx, st1, true, []store.ScreenedPerson{b, a, c}, nil), "saving the current screening")
	st, ok, rows := read()
	if !ok || st != st1 {
		t.Fatalf("state: found=%v %+v, want %+v", ok, st, st1)
	}
	sameList(t, "rows", rows, []store.ScreenedPerson{a, b, c})

	// Caught up: B written over, C dropped, D added.
	b2 := store.ScreenedPerson{Person: "B", AsOf: d("2020-04-02"), NextChange: d("2020-04-20"), Result: []byte{8, 9}}
	dd := store.ScreenedPerson{Person: "D", AsOf: d("2020-04-02"), NextChange: d("2020-06-01"), Result: []byte{3}}
	st2 := store.ScreenedState{Seq: 45, AsOf: d("2020-04-02"), Pack: "abc"}
	fatalIf(t, s.SaveCurrentScreening(ctx, st2, false, []store.ScreenedPerson{b2, dd}, []string{"C", "E"}), "catching up")
	st, _, rows = read()
	if st != st2 {
		t.Errorf("state after catching up: %+v, want %+v", st, st2)
	}
	sameList(t, "rows after catching up", rows, []store.ScreenedPerson{a, b2, dd})

	// Another pack: everything replaced.
	st3 := store.ScreenedState{Seq: 45, AsOf: d("2020-04-02"), Pack: "def"}
	fatalIf(t, s.SaveCurrentScreening(ctx, st3, true, []store.ScreenedPerson{c}, nil), "replacing the current screening")
	st, _, rows = read()
	if st != st3 {
		t.Errorf("state after replacing: %+v, want %+v", st, st3)
	}
	sameList(t, "rows after replacing", rows, []store.ScreenedPerson{c})

	// A row without a result is refused, and nothing of the save is kept.
	err := s.SaveCurrentScreening(ctx, store.ScreenedState{Seq: 50, AsOf: d("2020-04-03"), Pack: "def"}, false,
		[]store.ScreenedPerson{dd, {Person: "F", AsOf: d("2020-04-03")}}, nil)
	if err == nil {
		t.Fatal("a row without a result was saved")
	}
	st, _, rows = read()
	if st != st3 {
		t.Errorf("state after a refused save: %+v, want %+v", st, st3)
	}
	sameList(t, "rows after a refused save", rows, []store.ScreenedPerson{c})
}
