package registry_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/registry"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// access is a small register for the access rules: CC1 and CC2, and the
// principals that act on it.
type access struct {
	t     *testing.T
	ctx   context.Context
	db    *sqldb.DB
	reg   *registry.Service
	admin *auth.Principal
	cc1   *auth.Principal // a registrar of CC1
	cc1b  *auth.Principal // another registrar of CC1
	cc2   *auth.Principal // a registrar of CC2
	mon   *auth.Principal // a monitor of CC1
}

func newAccess(t *testing.T, dsn string) *access {
	a := &access{t: t, ctx: context.Background(), db: dbtest.Open(t, dsn),
		admin: &auth.Principal{User: "admin", Role: auth.Admin, Via: "test"},
		cc1:   &auth.Principal{User: "r1", Role: auth.Registrar, Facilities: []string{"CC1"}, Via: "test"},
		cc1b:  &auth.Principal{User: "r1b", Role: auth.Registrar, Facilities: []string{"CC1"}, Via: "test"},
		cc2:   &auth.Principal{User: "r2", Role: auth.Registrar, Facilities: []string{"CC2"}, Via: "test"},
		mon:   &auth.Principal{User: "m1", Role: auth.Monitor, Facilities: []string{"CC1"}, Via: "test"},
	}
	a.reg = open(t, a.db)
	for _, f := range []string{"CC1", "CC2"} {
		a.ok(a.admin, &domain.Event{Kind: domain.KFacility, Date: day("2019-01-01"), Facility: f,
			Data: &domain.FacilityData{Name: "Correctional Centre " + f, Kind: domain.Prison, Province: "Phnom Penh", Capacity: 100}})
	}
	return a
}

func day(s string) domain.Date { return domain.MustDate(s) }

func (a *access) record(p *auth.Principal, evs ...*domain.Event) ([]int64, error) {
	return a.reg.Record(a.ctx, p, evs...)
}

func (a *access) ok(p *auth.Principal, evs ...*domain.Event) []int64 {
	a.t.Helper()
	seqs, err := a.record(p, evs...)
	if err != nil {
		a.t.Fatalf("%s recording %s: %v", p.User, evs[0].Kind, err)
	}
	return seqs
}

// refused checks that err refuses the write: forbidden, or invalid input
// naming field when field is given.
func refused(t *testing.T, what string, err error, field string) {
	t.Helper()
	if errors.Is(err, domain.ErrForbidden) && field == "" {
		return
	}
	if f, _, ok := domain.FieldOf(err); field != "" && ok && f == field {
		return
	}
	t.Errorf("%s: got %v, want a refusal (%q)", what, err, field)
}

func registration(id, date, fac string) []*domain.Event {
	evs := []*domain.Event{{Kind: domain.KPerson, Date: day(date), Person: id,
		Data: &domain.PersonData{Name: "Person " + id, Sex: domain.Sex("F"), DOB: day("1990-02-03"), DOBBasis: domain.DOBDocument, IDDocument: "N0123"}}}
	if fac != "" {
		evs = append(evs, &domain.Event{Kind: domain.KAdmission, Date: day(date), Person: id, Facility: fac,
			Data: &domain.AdmissionData{Status: domain.StatusPretrial}})
	}
	return evs
}

func rename(id, date, fac, name string) *domain.Event {
	return &domain.Event{Kind: domain.KPerson, Date: day(date), Person: id, Facility: fac,
		Data: &domain.PersonData{Name: name, Sex: domain.Sex("F"), DOB: day("1990-02-03"), DOBBasis: domain.DOBDocument}}
}

func void(id, date, fac string, target int64, kind domain.Kind) *domain.Event {
	return &domain.Event{Kind: domain.KCorrection, Date: day(date), Person: id, Facility: fac,
		Data: &domain.CorrectionData{Target: target, TargetKind: kind, Reason: "attack", Void: true}}
}

func (a *access) state(id string) store_ {
	a.t.Helper()
	v, err := a.reg.Person(a.ctx, a.admin, id)
	if err != nil {
		a.t.Fatal(err)
	}
	return store_{name: v.Identity.Name, in: v.State.InCustody, fac: v.State.Facility}
}

type store_ struct {
	name string
	in   bool
	fac  string
}

// TestAccessOtherFacility: a registrar of CC1 cannot write to the file of
// someone released from CC2 by naming CC1 in the event (issue 14, item 1),
// nor, once that person is re-admitted into CC1, to the CC2 part of their
// file; and reads only the identity and the current custody of it (item 2).
func TestAccessOtherFacility(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) { testAccessOtherFacility(t, newAccess(t, be.DSN(t))) })
	}
}

func testAccessOtherFacility(t *testing.T, a *access) {
	const id = "P-1"
	a.ok(a.cc2, registration(id, "2021-01-05", "CC2")...)
	health := a.ok(a.cc2, &domain.Event{Kind: domain.KHealth, Date: day("2021-01-06"), Person: id,
		Data: &domain.HealthData{Fact: domain.FactChronic, Detail: "tuberculosis"}})[0]
	release := a.ok(a.cc2, &domain.Event{Kind: domain.KRelease, Date: day("2021-02-01"), Person: id,
		Data: &domain.ReleaseData{Mechanism: domain.MechBail}})[0]
	before := a.state(id)

	// Released from CC2: CC1's staff may not write to the file, whatever
	// facility the event names.
	for _, fac := range []string{"CC1", ""} {
		field := "" // forbidden; naming a facility not the person's is invalid
		if fac != "" {
			field = "events[0].facility"
		}
		_, err := a.record(a.cc1, rename(id, "2021-02-10", fac, "Renamed by CC1"))
		refused(t, "rename naming "+fac, err, field)
		_, err = a.record(a.cc1, void(id, "2021-02-10", fac, health, domain.KHealth))
		refused(t, "void the CC2 health event naming "+fac, err, field)
		_, err = a.record(a.cc1, void(id, "2021-02-10", fac, release, domain.KRelease))
		refused(t, "void the CC2 release naming "+fac, err, field)
	}
	if _, err := a.reg.Correction(a.ctx, a.cc1, id, registry.CorrectionRequest{Target: release, Reason: "x", Void: true}); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("CC1 building a correction of the CC2 release: %v", err)
	}
	if _, err := a.reg.Person(a.ctx, a.cc1, id); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("CC1 reading someone released from CC2: %v", err)
	}
	if after := a.state(id); after != before {
		t.Errorf("the refused writes changed the file: %+v, was %+v", after, before)
	}
	// CC2, which held them, still may.
	a.ok(a.cc2, rename(id, "2021-02-10", "", "Renamed by CC2"))

	// Re-admitted into CC1: CC1 now holds the file, but not its CC2 part.
	a.ok(a.cc1, &domain.Event{Kind: domain.KAdmission, Date: day("2021-03-01"), Person: id, Facility: "CC1",
		Data: &domain.AdmissionData{Status: domain.StatusPretrial, Case: &domain.Case{ID: "C-9", Court: "Phnom Penh", Procedure: domain.ProcOrdinary}}})
	_, err := a.record(a.cc1, void(id, "2021-03-02", "", release, domain.KRelease))
	refused(t, "void the CC2 release after re-admission", err, "")
	_, err = a.record(a.cc1, void(id, "2021-03-02", "", health, domain.KHealth))
	refused(t, "void the CC2 health event after re-admission", err, "")
	_, err = a.record(a.cc1, &domain.Event{Kind: domain.KHealth, Date: day("2021-01-20"), Person: id,
		Data: &domain.HealthData{Fact: domain.FactMental}})
	refused(t, "a late health event in the CC2 stay", err, "")
	_, err = a.record(a.cc1, &domain.Event{Kind: domain.KHealth, Date: day("2021-03-02"), Person: id, Facility: "CC2",
		Data: &domain.HealthData{Fact: domain.FactMental}})
	refused(t, "a health event naming CC2", err, "events[0].facility")
	if s := a.state(id); !s.in || s.fac != "CC1" {
		t.Errorf("the refused writes changed the custody: %+v", s)
	}

	v, err := a.reg.Person(a.ctx, a.cc1, id)
	if err != nil {
		t.Fatal(err)
	}
	if v.Identity.Name != "Renamed by CC2" || v.State.Case == nil || v.State.Case.ID != "C-9" {
		t.Errorf("CC1 does not see the identity or the current case: %+v %+v", v.Identity, v.State.Case)
	}
	for _, e := range v.Timeline {
		if e.Seq == health || e.Seq == release || (e.Kind == domain.KAdmission && e.Facility == "CC2") {
			t.Errorf("CC1 sees event %d (%s) of the CC2 custody", e.Seq, e.Kind)
		}
	}
	if len(v.Flags) != 0 || len(v.Episodes) != 1 || v.Episodes[0].FacilityIn != "CC1" || v.Withheld != 3 {
		t.Errorf("CC1 sees flags %+v, episodes %+v, withheld %d", v.Flags, v.Episodes, v.Withheld)
	}
	// The admin, unrestricted, sees the whole file.
	all, err := a.reg.Person(a.ctx, a.admin, id)
	if err != nil {
		t.Fatal(err)
	}
	if all.Withheld != 0 || len(all.Episodes) != 2 || len(all.Flags) != 1 {
		t.Errorf("admin: withheld %d, episodes %d, flags %d", all.Withheld, len(all.Episodes), len(all.Flags))
	}
	// A transfer carries the file: CC2 receiving someone from CC1 sees the
	// whole custody under way, not the earlier CC2 episode's... nor less.
	a.ok(a.cc1, &domain.Event{Kind: domain.KHealth, Date: day("2021-03-03"), Person: id,
		Data: &domain.HealthData{Fact: domain.FactDisability, Detail: "sight"}})
	a.ok(a.cc1, &domain.Event{Kind: domain.KTransfer, Date: day("2021-03-04"), Person: id, Data: &domain.TransferData{To: "CC2"}})
	v, err = a.reg.Person(a.ctx, a.cc2, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Flags) != 2 || len(v.Episodes) != 2 || v.Withheld != 0 {
		t.Errorf("CC2 after the transfer: flags %+v, episodes %d, withheld %d", v.Flags, len(v.Episodes), v.Withheld)
	}
}

// TestAccessUnadmitted: a person registered without an admission is
// visible and writable only to users unrestricted in scope and to whoever
// registered them (issue 14, item 4).
func TestAccessUnadmitted(t *testing.T) {
	a := newAccess(t, dbtest.SQLiteDSN(t))
	const id = "U-1"
	a.ok(a.admin, registration(id, "2021-01-05", "")...)
	for _, p := range []*auth.Principal{a.cc1, a.mon, a.cc2} {
		if _, err := a.reg.Person(a.ctx, p, id); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("%s reading a person not admitted: %v", p.User, err)
		}
	}
	_, err := a.record(a.cc1, rename(id, "2021-01-06", "", "Renamed"))
	refused(t, "a registrar renaming a person not admitted", err, "")
	_, err = a.record(a.cc1, rename(id, "2021-01-06", "CC1", "Renamed"))
	refused(t, "a registrar renaming a person not admitted, naming CC1", err, "events[0].facility")
	_, err = a.record(a.cc1, &domain.Event{Kind: domain.KAdmission, Date: day("2021-01-06"), Person: id, Facility: "CC1",
		Data: &domain.AdmissionData{Status: domain.StatusPretrial}})
	refused(t, "a registrar admitting a person not admitted", err, "")
	if s := a.state(id); s.name != "Person "+id || s.in {
		t.Errorf("the refused writes changed the file: %+v", s)
	}

	// Whoever registered them keeps them: a registrar who admitted someone
	// and voided the admission entered by mistake.
	const own = "U-2"
	seqs := a.ok(a.cc1, registration(own, "2021-01-05", "CC1")...)
	a.ok(a.cc1, void(own, "2021-01-05", "", seqs[1], domain.KAdmission))
	if _, err := a.reg.Person(a.ctx, a.cc1, own); err != nil {
		t.Errorf("the registrar who registered %s: %v", own, err)
	}
	if _, err := a.reg.Person(a.ctx, a.cc1b, own); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("another registrar of CC1 reading %s: %v", own, err)
	}
	_, err = a.record(a.cc1b, rename(own, "2021-01-06", "", "Renamed"))
	refused(t, "another registrar renaming "+own, err, "")
	a.ok(a.cc1, &domain.Event{Kind: domain.KAdmission, Date: day("2021-01-06"), Person: own, Facility: "CC1",
		Data: &domain.AdmissionData{Status: domain.StatusPretrial}})
	if _, err := a.reg.Person(a.ctx, a.cc1b, own); err != nil {
		t.Errorf("once admitted into CC1, another registrar of CC1 reading %s: %v", own, err)
	}
}

// TestSearchUnadmitted: the register search lists a person registered
// without an admission to whoever registered them and to users unrestricted
// in scope, and to no other scoped user, as reading their file is allowed
// (issue 14, item 4; docs/access.md).
func TestSearchUnadmitted(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			a := newAccess(t, be.DSN(t))
			a.ok(a.admin, registration("U-1", "2021-01-05", "")...) // registered by an administrator
			// A registrar's registration whose admission was entered by
			// mistake and voided; an administrator renamed them since, which
			// does not make them the administrator's.
			seqs := a.ok(a.cc1, registration("U-2", "2021-01-05", "CC1")...)
			a.ok(a.cc1, void("U-2", "2021-01-05", "", seqs[1], domain.KAdmission))
			a.ok(a.admin, rename("U-2", "2021-01-07", "", "Person U-2 Renamed"))
			a.ok(a.cc1, registration("U-3", "2021-01-05", "CC1")...)
			a.ok(a.cc2, registration("U-4", "2021-01-05", "CC2")...)
			// Another registrar of CC1 registered and voided one of their own.
			seqs = a.ok(a.cc1b, registration("U-5", "2021-01-05", "CC1")...)
			a.ok(a.cc1b, void("U-5", "2021-01-05", "", seqs[1], domain.KAdmission))

			search := func(p *auth.Principal, q registry.Query) []string {
				t.Helper()
				rows, err := a.reg.Search(a.ctx, p, q)
				if err != nil {
					t.Fatalf("%s searching %+v: %v", p.User, q, err)
				}
				var ids []string
				for _, r := range rows {
					ids = append(ids, r.ID)
				}
				return ids
			}
			for _, c := range []struct {
				who  *auth.Principal
				q    registry.Query
				want []string
			}{
				{a.cc1, registry.Query{}, []string{"U-2", "U-3"}},
				{a.cc1, registry.Query{Text: "U-2"}, []string{"U-2"}},
				{a.cc1, registry.Query{Text: "renamed"}, []string{"U-2"}},
				{a.cc1, registry.Query{Text: "U-1"}, nil},
				{a.cc1, registry.Query{Facility: "CC1"}, []string{"U-3"}},
				{a.cc1, registry.Query{InCustody: true}, []string{"U-3"}},
				{a.cc1, registry.Query{Limit: 1, Offset: 1}, []string{"U-3"}},
				{a.cc1b, registry.Query{}, []string{"U-3", "U-5"}},
				{a.mon, registry.Query{}, []string{"U-3"}},
				{a.cc2, registry.Query{}, []string{"U-4"}},
				{a.admin, registry.Query{}, []string{"U-1", "U-2", "U-3", "U-4", "U-5"}},
			} {
				if got := search(c.who, c.q); !slices.Equal(got, c.want) {
					t.Errorf("%s searching %+v: %v, want %v", c.who.User, c.q, got, c.want)
				}
			}
			// Whom the search lists, the user may open, and the pages link
			// (Readable) those and no others.
			for _, id := range search(a.cc1, registry.Query{}) {
				if _, err := a.reg.Person(a.ctx, a.cc1, id); err != nil {
					t.Errorf("r1 opening %s, listed by the search: %v", id, err)
				}
			}
			all := []string{"U-1", "U-2", "U-3", "U-4", "U-5", "nobody"}
			for _, p := range []*auth.Principal{a.cc1, a.cc1b, a.mon, a.cc2, a.admin} {
				ok, err := a.reg.Readable(a.ctx, p, all)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, id := range all {
					if ok[id] {
						got = append(got, id)
					}
				}
				if want := search(p, registry.Query{}); !slices.Equal(got, want) {
					t.Errorf("%s may open %v, and the search lists %v", p.User, got, want)
				}
			}
		})
	}
}

// TestAccessReadAudited: opening a person's file enters who opened it, and
// whether health records were shown, in the audit trail (issue 14, item
// 10); the person's audit list is for those who may read the audit trail.
func TestAccessReadAudited(t *testing.T) {
	a := newAccess(t, dbtest.SQLiteDSN(t))
	const id = "A-1"
	a.ok(a.cc1, registration(id, "2021-01-05", "CC1")...)
	a.ok(a.cc1, &domain.Event{Kind: domain.KHealth, Date: day("2021-01-06"), Person: id,
		Data: &domain.HealthData{Fact: domain.FactPregnant}})
	auditOf := func(user string) []string {
		t.Helper()
		es, err := authOf(a).Audit(a.ctx, a.admin, user, 50)
		if err != nil {
			t.Fatal(err)
		}
		var acts []string
		for _, e := range es {
			if e.Subject == id {
				acts = append(acts, e.Action)
			}
		}
		return acts
	}
	if got := auditOf("m1"); len(got) != 0 {
		t.Fatalf("before reading: %v", got)
	}
	v, err := a.reg.Person(a.ctx, a.mon, id)
	if err != nil {
		t.Fatal(err)
	}
	if got := auditOf("m1"); len(got) != 1 || got[0] != auth.ActPersonRead {
		t.Errorf("a monitor without health access opened the file: trail %v", got)
	}
	if v.Audit != nil {
		t.Errorf("a monitor sees the person's audit trail: %v", v.Audit)
	}
	if _, err := a.reg.Person(a.ctx, a.cc1b, id); err != nil {
		t.Fatal(err)
	}
	if got := auditOf("r1b"); len(got) != 1 || got[0] != auth.ActPersonHealthRead {
		t.Errorf("a registrar opened the file with its health records: trail %v", got)
	}
	// A refused read is not a read.
	if _, err := a.reg.Person(a.ctx, a.cc2, id); !errors.Is(err, domain.ErrForbidden) {
		t.Fatal(err)
	}
	if got := auditOf("r2"); len(got) != 0 {
		t.Errorf("a refused read entered: %v", got)
	}
	v, err = a.reg.Person(a.ctx, a.admin, id)
	if err != nil {
		t.Fatal(err)
	}
	reads := map[string]string{}
	for _, e := range v.Audit {
		if e.Action == auth.ActPersonRead || e.Action == auth.ActPersonHealthRead {
			reads[e.Actor] = e.Action
		}
	}
	if reads["m1"] != auth.ActPersonRead || reads["r1b"] != auth.ActPersonHealthRead {
		t.Errorf("the person's audit list: %v", v.Audit)
	}
}

// authOf is an account service on the register's database, to read the
// audit trail the registry writes.
func authOf(a *access) *auth.Service {
	return auth.New(a.db, auth.WithArgon2(auth.Argon2Params{Time: 1, Memory: 64, Threads: 1}))
}
