package storetest

import (
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// LedgerAccounts is a store that keeps both the ledger and the accounts, as
// sqldb does: a ledger transaction can then append the audit entry of its
// events.
type LedgerAccounts interface {
	store.Store
	store.Accounts
}

// RunLedgerAudit runs the conformance tests of the audit entries written in
// a ledger transaction (Appender.AppendAudit) against fresh stores.
func RunLedgerAudit(t *testing.T, open func(t *testing.T) LedgerAccounts) {
	t.Run("EventsWithAudit", func(t *testing.T) { testEventsWithAudit(t, open(t)) })
}

// testEventsWithAudit: the events and their audit entry are committed
// together, or rolled back together; the entry follows the audit head as the
// transaction found it, and an account change made afterwards follows it.
func testEventsWithAudit(t *testing.T, s LedgerAccounts) {
	ctx := t.Context()
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	// An account change first, so that the ledger's entry must chain after it.
	first, err := s.ApplyAccount(ctx, store.Change(store.AccountChange{Audit: store.AuditEntry{At: at, Actor: "root", Via: "cli",
		Action: "user.add", Subject: "sok", Detail: "{}"}}))
	fatalIf(t, err, "ApplyAccount")

	l := NewLedger()
	rolled := func() {
		a := beginAppend(t, s)
		b := l.BeginAt(a.Head())
		b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
		write(t, a, b)
		e, err := a.AppendAudit(ctx, store.AuditEntry{At: at, Actor: "sok", Via: "web", Action: store.ActEventRecord, Subject: "", Detail: `{"seqs":[1]}`})
		fatalIf(t, err, "AppendAudit")
		if e.Seq != 2 || e.Prev != first.Hash {
			t.Errorf("AppendAudit chained entry %d after %s, want 2 after %s", e.Seq, e.Prev, first.Hash)
		}
		fatalIf(t, a.Rollback(ctx), "Rollback")
	}
	rolled()
	if h, err := s.Head(ctx); err != nil || h.Seq != 0 {
		t.Fatalf("after Rollback: ledger head %d (%v), want 0", h.Seq, err)
	}
	if h, err := s.AuditHead(ctx); err != nil || h.Seq != 1 {
		t.Fatalf("after Rollback: audit head %d (%v), want 1: the entry outlived its events", h.Seq, err)
	}

	a := beginAppend(t, s)
	b := l.BeginAt(a.Head())
	b.Facility(d("2020-01-01"), "CC1", "CC1", domain.CorrectionalCentre, 1600, "GDP")
	write(t, a, b)
	fatalIf(t, l.Commit(b), "Commit to the model")
	want, err := a.AppendAudit(ctx, store.AuditEntry{At: at, Actor: "sok", Via: "web", Action: store.ActEventRecord, Detail: `{"seqs":[1]}`})
	fatalIf(t, err, "AppendAudit")
	// Before the commit, others see neither.
	if h, err := s.AuditHead(ctx); err != nil || h.Seq != 1 {
		t.Errorf("before Commit: audit head %d (%v), want 1", h.Seq, err)
	}
	fatalIf(t, a.Commit(ctx), "Commit")
	if h, err := s.Head(ctx); err != nil || h.Seq != 1 {
		t.Fatalf("after Commit: ledger head %d (%v), want 1", h.Seq, err)
	}
	var got []store.AuditEntry
	fatalIf(t, s.AuditEntries(ctx, 1, func(e store.AuditEntry) error { got = append(got, e); return nil }), "AuditEntries")
	if len(got) != 2 || got[1] != want {
		t.Fatalf("audit chain after Commit = %+v, want the account entry then %+v", got, want)
	}
	if got[1].Hash != domain.ChainHash(first.Hash, store.AuditBody(got[1])) {
		t.Errorf("the ledger's entry does not hash to its content")
	}
	// An account change chains after the ledger's entry.
	next, err := s.ApplyAccount(ctx, store.Change(store.AccountChange{Audit: store.AuditEntry{At: at, Actor: "root", Via: "cli",
		Action: "user.role", Subject: "sok", Detail: "{}"}}))
	fatalIf(t, err, "ApplyAccount after the ledger's entry")
	if next.Seq != 3 || next.Prev != want.Hash {
		t.Errorf("the account change after the ledger's entry was chained as %d after %s, want 3 after %s", next.Seq, next.Prev, want.Hash)
	}
}
