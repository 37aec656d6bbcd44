package registry_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/demo"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/registry"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

func TestRegistry(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) { testRegistry(t, dbtest.Open(t, be.DSN(t))) })
	}
}

func open(t *testing.T, db *sqldb.DB) *registry.Service {
	pack, err := rules.Builtin(rules.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	return registry.New(db, ledger.New(db), auth.New(db, auth.WithArgon2(auth.Argon2Params{Time: 1, Memory: 64, Threads: 1})), pack, nil)
}

func testRegistry(t *testing.T, db *sqldb.DB) {
	ctx := context.Background()
	_, err := ledger.New(db).Load(ctx, ledger.Actor{Name: "test"}, func(emit func(*domain.Event) error) error {
		return demo.Generate(ctx, demo.Options{Seed: 5, People: 300}, emit)
	})
	if err != nil {
		t.Fatal(err)
	}
	reg := open(t, db)
	admin := &auth.Principal{User: "a", Role: auth.Admin, Via: "test"}
	cc1 := &auth.Principal{User: "r", Role: auth.Registrar, Facilities: []string{"CC1"}, Via: "test"}

	// Search: by part of a name, ignoring case; LIKE's wildcards are literal.
	all, err := reg.Search(ctx, admin, registry.Query{InCustody: true, Limit: 200})
	if err != nil || len(all) == 0 {
		t.Fatalf("search: %v", err)
	}
	name := all[0].Name
	part := strings.ToUpper(name[1 : len(name)-1])
	rows, err := reg.Search(ctx, admin, registry.Query{Text: part, Limit: 200})
	if err != nil || !containsID(rows, all[0].ID) {
		t.Errorf("search for %q misses %s: %v", part, all[0].ID, err)
	}
	if rows, _ := reg.Search(ctx, admin, registry.Query{Text: "%"}); len(rows) != 0 {
		t.Errorf("%% matched %d people", len(rows))
	}
	if rows, _ := reg.Search(ctx, admin, registry.Query{Text: all[0].ID}); len(rows) != 1 || rows[0].ID != all[0].ID {
		t.Errorf("search by id: %v", rows)
	}
	rows, err = reg.Search(ctx, cc1, registry.Query{Limit: 200})
	if err != nil || len(rows) == 0 {
		t.Fatalf("registrar search: %v", err)
	}
	for _, r := range rows {
		if r.Facility != "CC1" {
			t.Errorf("a registrar of CC1 found %s in %s", r.ID, r.Facility)
		}
	}
	if _, err := reg.Search(ctx, cc1, registry.Query{Facility: "CC2"}); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("registrar searching CC2: %v", err)
	}

	// The queue after a write is the queue a fresh screening gives.
	q1, err := reg.Queue(ctx, admin, registry.QueueQuery{Limit: 500})
	if err != nil || q1.Total == 0 {
		t.Fatalf("queue: %v", err)
	}
	target := q1.Persons[0].Person
	asOf := q1.AsOf
	if _, err := reg.Record(ctx, cc1, &domain.Event{Kind: domain.KRelease, Date: asOf, Person: target,
		Data: &domain.ReleaseData{Mechanism: domain.MechBail}}); err == nil && q1.Persons[0].Facility != "CC1" {
		t.Errorf("a registrar of CC1 released someone held in %s", q1.Persons[0].Facility)
	}
	if _, err := reg.Record(ctx, admin, &domain.Event{Kind: domain.KRelease, Date: asOf, Person: target,
		Data: &domain.ReleaseData{Mechanism: domain.MechBail}}); err != nil {
		t.Fatal(err)
	}
	q2, err := reg.Queue(ctx, admin, registry.QueueQuery{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if q2.Total != q1.Total-1 || containsQ(q2, target) {
		t.Errorf("after releasing %s: %d in the queue, was %d", target, q2.Total, q1.Total)
	}
	fresh, err := open(t, db).Queue(ctx, admin, registry.QueueQuery{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(q2.Persons, fresh.Persons) || q2.Head != fresh.Head {
		t.Error("the queue brought up to date differs from a fresh screening")
	}
	// The write is in the audit trail of the person.
	pv, err := reg.Person(ctx, admin, target)
	if err != nil {
		t.Fatal(err)
	}
	if len(pv.Audit) == 0 || pv.Audit[0].Action != auth.ActEventRecord || pv.Audit[0].Actor != "a" {
		t.Errorf("audit of %s: %+v", target, pv.Audit)
	}
	if last := pv.Timeline[len(pv.Timeline)-1]; last.Kind != domain.KRelease || last.RecordedBy != "a" || last.Via != "test" {
		t.Errorf("last event: %+v", last)
	}
}

func containsID(rows []registry.Row, id string) bool {
	for _, r := range rows {
		if r.ID == id {
			return true
		}
	}
	return false
}

func containsQ(q *registry.Queue, id string) bool {
	for _, r := range q.Persons {
		if r.Person == id {
			return true
		}
	}
	return false
}
