package pledges_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/pledges"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

var (
	now      = time.Date(2021, 1, 5, 10, 0, 0, 0, time.UTC)
	ministry = ledger.Actor{Name: "ministry.clerk", Via: "test"}
)

func d(s string) domain.Date { return domain.MustDate(s) }

func ev(kind domain.Kind, date, person, facility string, data any) *domain.Event {
	return &domain.Event{Kind: kind, Date: d(date), Person: person, Facility: facility, Data: data}
}

// register: two prisons; six people released in 2020 by different
// mechanisms, one released before the pledge, one who dies.
func register(t *testing.T, dsn string) *ledger.Service {
	t.Helper()
	db := dbtest.Open(t, dsn)
	svc := ledger.New(db, ledger.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	order := func(kind domain.OrderKind) *domain.Order {
		return &domain.Order{Kind: kind, Authority: "court", Reference: "O-1", Issued: d("2020-01-01")}
	}
	drug := &domain.Case{ID: "C-1", Procedure: domain.ProcOrdinary, Charges: []domain.Charge{{Offence: "drug use", Class: domain.Misdemeanor, MaxMonths: 12, Drug: true}}}
	evs := []*domain.Event{
		ev(domain.KFacility, "2019-01-01", "", "CC1", &domain.FacilityData{Name: "CC1", Kind: domain.CorrectionalCentre, Province: "Phnom Penh", Capacity: 100}),
		ev(domain.KFacility, "2019-01-01", "", "PP-KDL", &domain.FacilityData{Name: "Kandal", Kind: domain.Prison, Province: "Kandal", Capacity: 50}),
	}
	people := []struct {
		id, fac string
		sex     domain.Sex
		dob     string
		status  domain.LegalStatus
		drug    bool
	}{
		{"A", "CC1", domain.Female, "1990-01-01", domain.StatusPretrial, true},   // woman, pre-trial, drug
		{"B", "CC1", domain.Male, "1950-06-01", domain.StatusFinal, false},       // older, final
		{"C", "PP-KDL", domain.Male, "2003-06-01", domain.StatusPretrial, false}, // minor until June 2021
		{"D", "PP-KDL", domain.Female, "1985-01-01", domain.StatusFinal, false},  // a mother
		{"E", "CC1", domain.Male, "1980-01-01", domain.StatusPretrial, false},
		{"F", "CC1", domain.Male, "1980-01-01", domain.StatusFinal, false}, // dies
	}
	for _, p := range people {
		evs = append(evs, ev(domain.KPerson, "2020-01-01", p.id, "", &domain.PersonData{Name: "Name " + p.id, Sex: p.sex, DOB: d(p.dob), DOBBasis: domain.DOBDocument}))
		kind := domain.OrderDetention
		if p.status == domain.StatusFinal {
			kind = domain.OrderJudgment
		}
		a := &domain.AdmissionData{Status: p.status, Order: order(kind)}
		if p.drug {
			a.Case = drug
		}
		evs = append(evs, ev(domain.KAdmission, "2020-01-02", p.id, p.fac, a))
	}
	evs = append(evs,
		ev(domain.KHealth, "2020-01-03", "D", "", &domain.HealthData{Fact: domain.FactChildIn, ChildDOB: d("2019-01-01")}),
		ev(domain.KHealth, "2020-01-03", "B", "", &domain.HealthData{Fact: domain.FactChronic, Detail: "TB"}),
		ev(domain.KRelease, "2020-05-01", "E", "", &domain.ReleaseData{Mechanism: domain.MechBail}), // before the pledge
		ev(domain.KRelease, "2020-05-20", "A", "", &domain.ReleaseData{Mechanism: domain.MechBail}),
		ev(domain.KRelease, "2020-06-10", "B", "", &domain.ReleaseData{Mechanism: domain.MechPardon}),
		ev(domain.KRelease, "2020-06-15", "C", "", &domain.ReleaseData{Mechanism: domain.MechBail}),
		ev(domain.KRelease, "2020-08-01", "D", "", &domain.ReleaseData{Mechanism: domain.MechPardon}),
		ev(domain.KDeath, "2020-06-01", "F", "", &domain.DeathData{}),
		ev(domain.KPledge, "2020-05-15", "", "", &domain.PledgeData{ID: "all", Title: "Release 5", MadeBy: "Minister of Interior",
			Kind: domain.PledgeReleases, Start: d("2020-05-15"), Deadline: d("2020-11-15"), Target: 5, Source: "statement"}),
		ev(domain.KPledge, "2020-05-15", "", "", &domain.PledgeData{ID: "pardons", Title: "Pardon the vulnerable", MadeBy: "King",
			Kind: domain.PledgeReleases, Start: d("2020-05-15"), Deadline: d("2020-07-31"), Target: 2, Source: "decree",
			Mechanisms: []domain.Mechanism{domain.MechPardon}, Groups: []domain.Group{domain.GroupOlder, domain.GroupMothers}}),
		ev(domain.KPledge, "2020-05-15", "", "", &domain.PledgeData{ID: "backlog", Title: "Clear cases", MadeBy: "Minister of Justice",
			Kind: domain.PledgeBacklog, Start: d("2020-05-15"), Deadline: d("2020-11-15"), Target: 100, Source: "statement"}),
		ev(domain.KDeclaration, "2020-07-23", "", "", &domain.DeclarationData{Pledge: "backlog", Figure: 35, DeclaredBy: "MoJ", Source: "press"}),
		ev(domain.KDeclaration, "2020-07-01", "", "", &domain.DeclarationData{Pledge: "all", Figure: 10, AsOf: d("2020-06-30"), DeclaredBy: "MoI", Source: "press"}),
		ev(domain.KReform, "2020-05-15", "", "", &domain.ReformData{ID: "bail", Title: "Use bail", PromisedBy: "MoJ", Status: domain.ReformAnnounced, Source: "statement"}),
		ev(domain.KReform, "2020-09-01", "", "", &domain.ReformData{ID: "bail", Status: domain.ReformInProgress, Source: "circular"}),
	)
	if _, err := svc.Record(ctx, ministry, evs...); err != nil {
		t.Fatalf("recording the register: %v", err)
	}
	return svc
}

func find(t *testing.T, r *pledges.Result, id string) pledges.Progress {
	t.Helper()
	for _, p := range r.Pledges {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("no pledge %s in %+v", id, r.Pledges)
	return pledges.Progress{}
}

func count(cs []pledges.Count, key string) int {
	for _, c := range cs {
		if c.Key == key {
			return c.Count
		}
	}
	return 0
}

func TestProgress(t *testing.T) {
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": dbtest.SQLiteDSN, "postgres": dbtest.PostgresDSN} {
		t.Run(name, func(t *testing.T) {
			testProgress(t, dsn(t))
		})
	}
}

func testProgress(t *testing.T, dsn string) {
	register(t, dsn)
	st := dbtest.Open(t, dsn)
	ctx := context.Background()

	res, err := pledges.Compute(ctx, st, d("2020-12-31"))
	if err != nil {
		t.Fatal(err)
	}
	all := find(t, res, "all")
	// A, B, C and D were released within the pledge's span; E before it; F died.
	if all.Recorded == nil || *all.Recorded != 4 || all.Achieved != 4 || all.Basis != "register" || all.Status != "missed" || all.DaysLeft != 0 {
		t.Fatalf("pledge all: %+v", all)
	}
	if count(all.ByMech, "judicial_supervision") != 2 || count(all.ByMech, "royal_pardon") != 2 {
		t.Errorf("by mechanism: %+v", all.ByMech)
	}
	for g, n := range map[string]int{"women": 2, "minors": 1, "older": 1, "ill": 1, "mothers": 1, "pretrial": 2, "drug_related": 1, "pregnant": 0} {
		if got := count(all.ByGroup, g); got != n {
			t.Errorf("group %s: %d released, want %d", g, got, n)
		}
	}
	// The ministry declared 10 by 30 June; the register has A, B and C then.
	if len(all.Declared) != 1 || all.Declared[0].Recorded == nil || *all.Declared[0].Recorded != 3 || *all.Declared[0].Difference != 7 {
		t.Errorf("declared: %+v", all.Declared)
	}
	// Pardons of older people or mothers until 31 July: B only (D was
	// pardoned on 1 August, after the deadline).
	pardons := find(t, res, "pardons")
	if pardons.Achieved != 1 || pardons.Pct != 50 || pardons.Status != "missed" {
		t.Errorf("pardons: %+v", pardons)
	}
	// The register records no judgments: the declared figure stands.
	bl := find(t, res, "backlog")
	if bl.Recorded != nil || bl.Basis != "declared" || bl.Achieved != 35 || bl.Pct != 35 || bl.Declared[0].Recorded != nil {
		t.Errorf("backlog: %+v", bl)
	}
	if len(res.Reforms) != 1 || res.Reforms[0].Status != "in_progress" || len(res.Reforms[0].Changes) != 2 {
		t.Errorf("reforms: %+v", res.Reforms)
	}

	// Midway: on 10 June B's pardon is counted, and the pledge is open.
	res, err = pledges.Compute(ctx, st, d("2020-06-10"))
	if err != nil {
		t.Fatal(err)
	}
	all = find(t, res, "all")
	if all.Achieved != 2 || all.Status != "open" || all.DaysLeft != d("2020-11-15").DayNumber()-d("2020-06-10").DayNumber() {
		t.Errorf("pledge all on 10 June: %+v", all)
	}
	if len(res.Reforms) != 1 || res.Reforms[0].Status != "announced" {
		t.Errorf("reforms on 10 June: %+v", res.Reforms)
	}
	// Before the announcement there is nothing to report.
	res, err = pledges.Compute(ctx, st, d("2020-05-14"))
	if err != nil || len(res.Pledges) != 0 || len(res.Reforms) != 0 {
		t.Errorf("before the pledges: %+v %v", res, err)
	}
}

// Bad input: a pledge ending before it starts, a declared figure without a
// source or for an unknown pledge, a new reform without a title: refused
// with the field named, and nothing written.
func TestBadCommitments(t *testing.T) {
	dsn := dbtest.SQLiteDSN(t)
	svc := register(t, dsn)
	st := dbtest.Open(t, dsn)
	ctx := context.Background()
	before, _ := st.Head(ctx)
	for _, c := range []struct {
		ev   *domain.Event
		want string
	}{
		{ev(domain.KPledge, "2020-05-15", "", "", &domain.PledgeData{ID: "x", Title: "x", MadeBy: "x", Kind: domain.PledgeReleases,
			Start: d("2020-06-01"), Deadline: d("2020-05-31"), Target: 1, Source: "s"}), "data.deadline: 2020-05-31 is before the start, 2020-06-01"},
		{ev(domain.KPledge, "2020-05-15", "", "", &domain.PledgeData{ID: "x", Title: "x", MadeBy: "x", Kind: domain.PledgeReleases,
			Start: d("2020-06-01"), Deadline: d("2020-07-01"), Target: 1}), "data.source: missing"},
		{ev(domain.KPledge, "2020-05-15", "", "", &domain.PledgeData{ID: "x", Title: "x", MadeBy: "x", Kind: domain.PledgeReleases,
			Start: d("2020-06-01"), Deadline: d("2020-07-01"), Target: 1, Source: "s", Facilities: []string{"NOPE"}}), `data.facilities[0]: unknown facility "NOPE"`},
		{ev(domain.KPledge, "2020-05-15", "", "", &domain.PledgeData{ID: "x", Title: "x", MadeBy: "x", Kind: domain.PledgeReleases,
			Start: d("2020-06-01"), Deadline: d("2020-07-01"), Target: 1, Source: "s", Groups: []domain.Group{"tall"}}), `data.groups[0]: unknown group "tall"`},
		{ev(domain.KDeclaration, "2020-07-23", "", "", &domain.DeclarationData{Pledge: "all", Figure: 3, DeclaredBy: "MoJ"}), "data.source: missing"},
		{ev(domain.KDeclaration, "2020-07-23", "", "", &domain.DeclarationData{Pledge: "nope", Figure: 3, DeclaredBy: "MoJ", Source: "s"}), `data.pledge: no pledge "nope"`},
		{ev(domain.KDeclaration, "2020-07-23", "", "", &domain.DeclarationData{Pledge: "all", Figure: -1, DeclaredBy: "MoJ", Source: "s"}), "data.figure: must not be negative"},
		{ev(domain.KReform, "2020-07-23", "", "", &domain.ReformData{ID: "new", Status: domain.ReformAnnounced, Source: "s"}), "data.title: missing"},
		{ev(domain.KReform, "2020-07-23", "", "", &domain.ReformData{ID: "bail", Status: "done", Source: "s"}), `data.status: unknown status "done"`},
		{ev(domain.KReform, "2020-07-23", "", "CC1", &domain.ReformData{ID: "bail", Status: domain.ReformImplemented, Source: "s"}), "facility: a reform event concerns no single facility"},
	} {
		_, err := svc.Record(ctx, ministry, c.ev)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.ev.Kind, err, c.want)
		}
	}
	if after, _ := st.Head(ctx); after != before {
		t.Errorf("refused entries changed the ledger: %v -> %v", before, after)
	}
	// An amendment of a recorded pledge is accepted, and the latest version is in force.
	_, err := svc.Record(ctx, ministry, ev(domain.KPledge, "2020-06-01", "", "", &domain.PledgeData{ID: "all", Title: "Release 6",
		MadeBy: "Minister of Interior", Kind: domain.PledgeReleases, Start: d("2020-05-15"), Deadline: d("2020-11-15"), Target: 6, Source: "new statement"}))
	if err != nil {
		t.Fatal(err)
	}
	res, err := pledges.Compute(ctx, st, d("2020-12-31"))
	if err != nil {
		t.Fatal(err)
	}
	if p := find(t, res, "all"); p.Target != 6 || p.Amendments != 1 || p.Announced != "2020-05-15" {
		t.Errorf("amended pledge: %+v", p)
	}
}

// TestWithoutRoutineReleases: a pledge to release people is also measured
// without the releases that happen with no policy (a sentence served, an
// acquittal, a transfer to hospital, "other"): of eight releases, three are
// by bail or pardon.
func TestWithoutRoutineReleases(t *testing.T) {
	db := dbtest.Open(t, dbtest.SQLiteDSN(t))
	svc := ledger.New(db, ledger.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	evs := []*domain.Event{ev(domain.KFacility, "2019-01-01", "", "CC1", &domain.FacilityData{Name: "CC1", Kind: domain.CorrectionalCentre, Province: "Phnom Penh", Capacity: 100})}
	mechs := []domain.Mechanism{domain.MechBail, domain.MechBail, domain.MechPardon, domain.MechServed, domain.MechServed,
		domain.MechAcquittal, domain.MechHospital, domain.MechOther}
	for i, m := range mechs {
		id := string(rune('A' + i))
		evs = append(evs,
			ev(domain.KPerson, "2020-01-01", id, "", &domain.PersonData{Name: "Name " + id, Sex: domain.Male, DOB: d("1980-01-01"), DOBBasis: domain.DOBDocument}),
			ev(domain.KAdmission, "2020-01-02", id, "CC1", &domain.AdmissionData{Status: domain.StatusPretrial,
				Order: &domain.Order{Kind: domain.OrderDetention, Authority: "court", Reference: "O-1", Issued: d("2020-01-01")}}),
			ev(domain.KRelease, "2020-06-01", id, "", &domain.ReleaseData{Mechanism: m}))
	}
	evs = append(evs,
		ev(domain.KPledge, "2020-05-15", "", "", &domain.PledgeData{ID: "all", Title: "Release 5", MadeBy: "Minister of Interior",
			Kind: domain.PledgeReleases, Start: d("2020-05-15"), Deadline: d("2020-11-15"), Target: 5, Source: "statement"}),
		ev(domain.KPledge, "2020-05-15", "", "", &domain.PledgeData{ID: "backlog", Title: "Clear cases", MadeBy: "Minister of Justice",
			Kind: domain.PledgeBacklog, Start: d("2020-05-15"), Deadline: d("2020-11-15"), Target: 100, Source: "statement"}))
	if _, err := svc.Record(ctx, ministry, evs...); err != nil {
		t.Fatalf("recording the register: %v", err)
	}
	res, err := pledges.Compute(ctx, db, d("2020-12-31"))
	if err != nil {
		t.Fatal(err)
	}
	all := find(t, res, "all")
	if all.Recorded == nil || *all.Recorded != 8 || all.Achieved != 8 || all.Pct != 160 || all.Status != "met" {
		t.Errorf("by its own definition: recorded %v, achieved %d (%v%%), %s; want 8, 160%%, met", all.Recorded, all.Achieved, all.Pct, all.Status)
	}
	if all.ByPolicy == nil || *all.ByPolicy != 3 || all.ByPolicyPct == nil || *all.ByPolicyPct != 60 {
		t.Errorf("without routine releases: %v (%v%%), want 3 (60%%)", all.ByPolicy, all.ByPolicyPct)
	}
	if b := find(t, res, "backlog"); b.ByPolicy != nil || b.ByPolicyPct != nil {
		t.Errorf("a backlog pledge counts cases, not releases: by policy %v", b.ByPolicy)
	}
	for _, m := range []domain.Mechanism{domain.MechServed, domain.MechAcquittal, domain.MechHospital, domain.MechOther} {
		if !pledges.IsRoutine(m) {
			t.Errorf("%s is a release with no policy", m)
		}
	}
	for _, m := range []domain.Mechanism{domain.MechBail, domain.MechPardon, domain.MechAmnesty, domain.MechReduction, domain.MechConditional, domain.MechSuspended, domain.MechDropped} {
		if pledges.IsRoutine(m) {
			t.Errorf("%s is a release by a decision", m)
		}
	}
}
