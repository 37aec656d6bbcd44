package storetest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// OrgStore is a store that keeps the ledger, the accounts and the
// organisations, as sqldb does: record keys and origins are written with
// their events, organisations and keys with their audit entries.
type OrgStore interface {
	store.Store
	store.Accounts
	store.Orgs
}

// RunOrgs runs the conformance tests of store.Orgs against fresh, empty,
// migrated stores made by open.
func RunOrgs(t *testing.T, open func(t *testing.T) OrgStore) {
	t.Run("Orgs", func(t *testing.T) { testOrgs(t, open(t)) })
	t.Run("OrgKeys", func(t *testing.T) { testOrgKeys(t, open(t)) })
	t.Run("RecordKeys", func(t *testing.T) { testRecordKeys(t, open(t)) })
	t.Run("Origins", func(t *testing.T) { testOrigins(t, open(t)) })
}

var orgAt = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// testOrgs: a fresh store has the default organisation, and users made
// without one belong to it; an organisation is added once, with its audit
// entry, and a user can be moved into it.
func testOrgs(t *testing.T, s OrgStore) {
	ctx := t.Context()
	os, err := s.Orgs(ctx)
	fatalIf(t, err, "Orgs")
	if len(os) != 1 || os[0].ID != store.DefaultOrg || os[0].Kind != "administration" {
		t.Fatalf("a fresh store has organisations %+v, want the default %q of kind administration only", os, store.DefaultOrg)
	}
	fatalIf(t, apply(t, s, store.AccountChange{NewUser: &store.User{Name: "sok", Role: "admin", Created: orgAt, Updated: orgAt},
		Audit: entry("root", "user.add", "sok")}), "adding a user without an organisation")
	u, _, err := s.User(ctx, "sok")
	fatalIf(t, err, "User")
	if u.Org != store.DefaultOrg {
		t.Errorf("a user added without an organisation belongs to %q, want %q", u.Org, store.DefaultOrg)
	}
	ngo := store.Org{ID: "licadho", Name: "LICADHO", Kind: "monitoring", Created: orgAt}
	fatalIf(t, apply(t, s, store.AccountChange{NewOrg: &ngo, Audit: entry("root", "org.add", "licadho")}), "adding an organisation")
	if err := apply(t, s, store.AccountChange{NewOrg: &store.Org{ID: "licadho", Name: "again", Kind: "monitoring", Created: orgAt},
		Audit: entry("root", "org.add", "licadho")}); !errors.Is(err, store.ErrExists) {
		t.Errorf("adding an organisation twice: %v, want ErrExists", err)
	}
	got, ok, err := s.Org(ctx, "licadho")
	fatalIf(t, err, "Org")
	if !ok || got != ngo {
		t.Errorf("Org(licadho) = %+v %v, want %+v", got, ok, ngo)
	}
	if _, ok, err := s.Org(ctx, "nobody"); ok || err != nil {
		t.Errorf("Org(nobody) = %v %v, want not found, no error", ok, err)
	}
	// Two audit entries: the user and the organisation; the refused one
	// wrote none.
	if h, err := s.AuditHead(ctx); err != nil || h.Seq != 2 {
		t.Errorf("audit head %d (%v), want 2", h.Seq, err)
	}
	u.Org, u.Updated = "licadho", orgAt.Add(time.Hour)
	fatalIf(t, apply(t, s, store.AccountChange{User: &u, Audit: entry("root", "user.role", "sok")}), "moving a user")
	if u2, _, _ := s.User(ctx, "sok"); u2.Org != "licadho" {
		t.Errorf("user moved to licadho belongs to %q", u2.Org)
	}
	m := store.User{Name: "dara", Role: "monitor", Org: "licadho", Created: orgAt, Updated: orgAt}
	fatalIf(t, apply(t, s, store.AccountChange{NewUser: &m, Audit: entry("root", "user.add", "dara")}), "adding a user to an organisation")
	if u3, _, _ := s.User(ctx, "dara"); u3.Org != "licadho" {
		t.Errorf("user added to licadho belongs to %q", u3.Org)
	}
}

func testOrgKeys(t *testing.T, s OrgStore) {
	ctx := t.Context()
	fatalIf(t, apply(t, s, store.AccountChange{NewOrg: &store.Org{ID: "ngo", Name: "NGO", Kind: "monitoring", Created: orgAt},
		Audit: entry("root", "org.add", "ngo")}), "adding an organisation")
	k1 := store.OrgKey{Org: "ngo", KeyID: "b1", PubKey: "PEM B", Added: orgAt}
	k0 := store.OrgKey{Org: "ngo", KeyID: "a0", PubKey: "PEM A", Added: orgAt}
	fatalIf(t, apply(t, s, store.AccountChange{OrgKey: &k1, Audit: entry("root", "org.key.add", "ngo")}), "adding a key")
	fatalIf(t, apply(t, s, store.AccountChange{OrgKey: &k0, Audit: entry("root", "org.key.add", "ngo")}), "adding a key")
	if err := apply(t, s, store.AccountChange{OrgKey: &k0, Audit: entry("root", "org.key.add", "ngo")}); !errors.Is(err, store.ErrExists) {
		t.Errorf("adding a key twice: %v, want ErrExists", err)
	}
	ks, err := s.OrgKeys(ctx, "ngo")
	fatalIf(t, err, "OrgKeys")
	if len(ks) != 2 || ks[0] != k0 || ks[1] != k1 {
		t.Errorf("OrgKeys(ngo) = %+v, want %+v then %+v", ks, k0, k1)
	}
	if ks, err := s.OrgKeys(ctx, store.DefaultOrg); err != nil || len(ks) != 0 {
		t.Errorf("OrgKeys of an organisation without keys = %+v %v", ks, err)
	}
	if ks, err := s.OrgKeys(ctx, ""); err != nil || len(ks) != 2 {
		t.Errorf("OrgKeys of all = %+v %v, want 2", ks, err)
	}
}

// testRecordKeys: a record key is written with its event and rolled back
// with it; destroying it leaves the event and clears the key for good.
func testRecordKeys(t *testing.T, s OrgStore) {
	ctx := t.Context()
	fatalIf(t, apply(t, s, store.AccountChange{NewOrg: &store.Org{ID: "ngo", Name: "NGO", Kind: "monitoring", Created: orgAt},
		Audit: entry("root", "org.add", "ngo")}), "adding an organisation")
	l := NewLedger()
	wrapped := []byte("age-encryption.org/v1 wrapped data key")
	a := beginAppend(t, s)
	b := l.BeginAt(a.Head())
	b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
	batch, err := b.Build()
	fatalIf(t, err, "Build")
	batch.RecordKeys = []store.RecordKey{{Seq: 1, Org: "ngo", Wrapped: wrapped}}
	fatalIf(t, a.Write(ctx, batch), "Write")
	fatalIf(t, a.Rollback(ctx), "Rollback")
	if _, ok, err := s.RecordKey(ctx, 1); ok || err != nil {
		t.Fatalf("a record key outlived its rolled-back event: ok=%v err=%v", ok, err)
	}

	a = beginAppend(t, s)
	b = l.BeginAt(a.Head())
	b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
	b.Facility(d("2020-01-02"), "CC2", "CC2", domain.CorrectionalCentre, 900, "GDP")
	batch, err = b.Build()
	fatalIf(t, err, "Build")
	// Event 2 carries three records (a visit's interviews): each part has
	// its own key, destroyed alone.
	batch.RecordKeys = []store.RecordKey{{Seq: 1, Org: "ngo", Wrapped: wrapped}, {Seq: 2, Org: "ngo", Wrapped: []byte("second")},
		{Seq: 2, Part: 1, Org: "ngo", Wrapped: []byte("second/1")}, {Seq: 2, Part: 2, Org: "ngo", Wrapped: []byte("second/2")}}
	fatalIf(t, a.Write(ctx, batch), "Write")
	fatalIf(t, a.Commit(ctx), "Commit")
	pe := entry("dara", "record.key.destroy", "2/1")
	fatalIf(t, apply(t, s, store.AccountChange{DestroyRecordKey: 2, DestroyRecordPart: 1, Audit: pe}), "destroying part 1 of event 2")
	parts, err := s.EventRecordKeys(ctx, 2)
	fatalIf(t, err, "EventRecordKeys")
	if len(parts) != 3 || parts[0].Part != 0 || string(parts[0].Wrapped) != "second" || parts[1].Part != 1 || parts[1].Wrapped != nil ||
		parts[1].Destroyed.IsZero() || parts[2].Part != 2 || string(parts[2].Wrapped) != "second/2" {
		t.Fatalf("EventRecordKeys(2) after destroying part 1 = %+v", parts)
	}
	if k, ok, err := s.RecordKey(ctx, 2); err != nil || !ok || k.Part != 0 || string(k.Wrapped) != "second" {
		t.Errorf("RecordKey(2) is part 0: %+v %v %v", k, ok, err)
	}
	if parts, err := s.EventRecordKeys(ctx, 9); err != nil || len(parts) != 0 {
		t.Errorf("EventRecordKeys of an event without records = %+v %v", parts, err)
	}
	k, ok, err := s.RecordKey(ctx, 1)
	fatalIf(t, err, "RecordKey")
	if !ok || k.Org != "ngo" || !bytes.Equal(k.Wrapped, wrapped) || !k.Destroyed.IsZero() {
		t.Fatalf("RecordKey(1) = %+v %v", k, ok)
	}
	destroyAt := orgAt.Add(48 * time.Hour)
	e := entry("dara", "record.key.destroy", "1")
	e.At = destroyAt
	fatalIf(t, apply(t, s, store.AccountChange{DestroyRecordKey: 1, Audit: e}), "destroying a key")
	k, ok, err = s.RecordKey(ctx, 1)
	fatalIf(t, err, "RecordKey after destroying")
	if !ok || k.Wrapped != nil || !k.Destroyed.Equal(destroyAt) {
		t.Errorf("RecordKey(1) after destroying = %+v %v, want no wrapped key, destroyed at %v", k, ok, destroyAt)
	}
	if err := apply(t, s, store.AccountChange{DestroyRecordKey: 1, Audit: e}); domain.ErrorCode(err) != domain.ErrNotFound {
		t.Errorf("destroying a destroyed key: %v, want not found", err)
	}
	if err := apply(t, s, store.AccountChange{DestroyRecordKey: 7, Audit: e}); domain.ErrorCode(err) != domain.ErrNotFound {
		t.Errorf("destroying a key that does not exist: %v, want not found", err)
	}
	ks, err := s.RecordKeys(ctx, "ngo")
	fatalIf(t, err, "RecordKeys")
	if len(ks) != 4 || ks[0].Seq != 1 || ks[0].Wrapped != nil || ks[1].Seq != 2 || string(ks[1].Wrapped) != "second" ||
		ks[2].Seq != 2 || ks[2].Part != 1 || ks[3].Part != 2 {
		t.Errorf("RecordKeys(ngo) = %+v", ks)
	}
	if ks, err := s.RecordKeys(ctx, ""); err != nil || len(ks) != 4 {
		t.Errorf("RecordKeys of all = %+v %v, want 4", ks, err)
	}
	if ks, err := s.RecordKeys(ctx, store.DefaultOrg); err != nil || len(ks) != 0 {
		t.Errorf("RecordKeys of an organisation without records = %+v %v", ks, err)
	}
	if h, err := s.Head(ctx); err != nil || h.Seq != 2 {
		t.Errorf("the events are still there: head %d (%v), want 2", h.Seq, err)
	}
}

func testOrigins(t *testing.T, s OrgStore) {
	ctx := t.Context()
	fatalIf(t, apply(t, s, store.AccountChange{NewOrg: &store.Org{ID: "ngo", Name: "NGO", Kind: "monitoring", Created: orgAt},
		Audit: entry("root", "org.add", "ngo")}), "adding an organisation")
	l := NewLedger()
	a := beginAppend(t, s)
	b := l.BeginAt(a.Head())
	b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
	batch, err := b.Build()
	fatalIf(t, err, "Build")
	batch.Origins = []store.Origin{{Hash: "aaaa", Seq: 1, Org: "ngo", KeyID: "k"}}
	fatalIf(t, a.Write(ctx, batch), "Write")
	fatalIf(t, a.Commit(ctx), "Commit")
	fatalIf(t, l.Commit(b), "Commit to the model")
	got, err := s.Origins(ctx, []string{"aaaa", "bbbb"})
	fatalIf(t, err, "Origins")
	if len(got) != 1 || got["aaaa"] != 1 {
		t.Errorf("Origins = %v, want aaaa at 1 only", got)
	}
	// An origin imported again is refused, and its events with it.
	a = beginAppend(t, s)
	b = l.BeginAt(a.Head())
	b.Facility(d("2020-01-02"), "CC2", "CC2", domain.CorrectionalCentre, 900, "GDP")
	batch, err = b.Build()
	fatalIf(t, err, "Build")
	batch.Origins = []store.Origin{{Hash: "aaaa", Seq: 2, Org: "ngo", KeyID: "k"}}
	err = a.Write(ctx, batch)
	if err == nil {
		err = a.Commit(ctx)
	}
	a.Rollback(ctx)
	if !errors.Is(err, store.ErrExists) {
		t.Errorf("an origin imported twice: %v, want ErrExists", err)
	}
	if h, _ := s.Head(ctx); h.Seq != 1 {
		t.Errorf("head %d after the refused batch, want 1", h.Seq)
	}
}
