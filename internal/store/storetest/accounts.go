package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// RunAccounts runs the conformance tests of store.Accounts against fresh,
// empty, migrated stores made by open.
func RunAccounts(t *testing.T, open func(t *testing.T) store.Accounts) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, a store.Accounts)
	}{
		{"Users", testUsers},
		{"AuditChain", testAuditChain},
		{"AuditConcurrent", testAuditConcurrent},
		{"AuditFollowHead", testAuditFollowHead},
		{"AuditAbout", testAuditAbout},
		{"Tokens", testTokens},
		{"Sessions", testSessions},
		{"Secret", testSecret},
		{"RevokeTokens", testRevokeTokens},
		{"SignInFailures", testSignInFailures},
		{"SignInFailedConcurrent", testSignInFailedConcurrent},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

// entry returns the next audit entry after the store's head.
func entry(t *testing.T, a store.Accounts, actor, action, subject string) store.AuditEntry {
	t.Helper()
	h, err := a.AuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e := store.AuditEntry{Seq: h.Seq + 1, At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Actor: actor, Via: "test",
		Action: action, Subject: subject, Detail: `{"n":` + fmt.Sprint(h.Seq+1) + `}`, Prev: h.Hash}
	e.Hash = domain.ChainHash(e.Prev, []byte(e.Detail+e.Action+e.Subject))
	return e
}

func testUsers(t *testing.T, a store.Accounts) {
	ctx := context.Background()
	if us, err := a.Users(ctx); err != nil || len(us) != 0 {
		t.Fatalf("empty store: %v %v", us, err)
	}
	if _, ok, err := a.User(ctx, "nobody"); ok || err != nil {
		t.Fatalf("missing user: ok=%v err=%v", ok, err)
	}
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	u := store.User{Name: "sok", Display: "Sok <b>Dara</b> 'x'; --", Role: "registrar", Facilities: []string{"CC1", "PP"},
		PassHash: "$argon2id$x", Created: created, Updated: created}
	if err := a.ApplyAccount(ctx, store.AccountChange{NewUser: &u, Audit: entry(t, a, "root", "user.add", "sok")}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := a.User(ctx, "sok")
	if err != nil || !ok {
		t.Fatalf("reading back: %v %v", ok, err)
	}
	if got.Display != u.Display || got.Role != u.Role || !slices.Equal(got.Facilities, u.Facilities) || got.PassHash != u.PassHash ||
		got.Disabled || got.Health || !got.Created.Equal(created) {
		t.Errorf("read back %+v, wrote %+v", got, u)
	}
	// Adding the same name again fails with ErrExists and writes no audit entry.
	h0, _ := a.AuditHead(ctx)
	err = a.ApplyAccount(ctx, store.AccountChange{NewUser: &u, Audit: entry(t, a, "root", "user.add", "sok")})
	if !errors.Is(err, store.ErrExists) {
		t.Errorf("duplicate user: %v, want ErrExists", err)
	}
	if h1, _ := a.AuditHead(ctx); h1 != h0 {
		t.Errorf("a failed change moved the audit head from %v to %v", h0, h1)
	}
	// Update.
	u.Role, u.Facilities, u.Health, u.Disabled = "monitor", nil, true, true
	u.Updated = created.Add(time.Hour)
	if err := a.ApplyAccount(ctx, store.AccountChange{User: &u, Audit: entry(t, a, "root", "user.role", "sok")}); err != nil {
		t.Fatal(err)
	}
	got, _, _ = a.User(ctx, "sok")
	if got.Role != "monitor" || len(got.Facilities) != 0 || !got.Health || !got.Disabled || !got.Updated.Equal(u.Updated) {
		t.Errorf("after update: %+v", got)
	}
	// Updating a user that does not exist: ErrNotFound, nothing written.
	ghost := store.User{Name: "ghost", Role: "admin"}
	h0, _ = a.AuditHead(ctx)
	if err := a.ApplyAccount(ctx, store.AccountChange{User: &ghost, Audit: entry(t, a, "root", "user.role", "ghost")}); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("updating a missing user: %v", err)
	}
	if h1, _ := a.AuditHead(ctx); h1 != h0 {
		t.Errorf("a failed update moved the audit head")
	}
	v := store.User{Name: "vann", Role: "admin", Created: created, Updated: created}
	if err := a.ApplyAccount(ctx, store.AccountChange{NewUser: &v, Audit: entry(t, a, "root", "user.add", "vann")}); err != nil {
		t.Fatal(err)
	}
	us, err := a.Users(ctx)
	if err != nil || len(us) != 2 || us[0].Name != "sok" || us[1].Name != "vann" {
		t.Errorf("Users: %+v %v", us, err)
	}
}

func testAuditChain(t *testing.T, a store.Accounts) {
	ctx := context.Background()
	h, err := a.AuditHead(ctx)
	if err != nil || h.Seq != 0 || h.Hash != domain.GenesisHash {
		t.Fatalf("empty audit head: %+v %v", h, err)
	}
	e1 := entry(t, a, "root", "note", "x")
	if err := a.ApplyAccount(ctx, store.AccountChange{Audit: e1}); err != nil {
		t.Fatal(err)
	}
	// An entry that does not follow the head is refused.
	stale := e1
	stale.Detail = `{"other":true}`
	if err := a.ApplyAccount(ctx, store.AccountChange{Audit: stale}); !errors.Is(err, store.ErrChainConflict) {
		t.Errorf("stale entry: %v, want ErrChainConflict", err)
	}
	badPrev := entry(t, a, "root", "note", "y")
	badPrev.Prev = domain.GenesisHash
	if err := a.ApplyAccount(ctx, store.AccountChange{Audit: badPrev}); !errors.Is(err, store.ErrChainConflict) {
		t.Errorf("wrong prev: %v, want ErrChainConflict", err)
	}
	e2 := entry(t, a, "sok", "note", "y")
	if err := a.ApplyAccount(ctx, store.AccountChange{Audit: e2}); err != nil {
		t.Fatal(err)
	}
	var got []store.AuditEntry
	if err := a.AuditEntries(ctx, 1, func(e store.AuditEntry) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != e1 || got[1] != e2 {
		t.Errorf("entries:\n got %+v\nwant %+v %+v", got, e1, e2)
	}
	got = nil
	a.AuditEntries(ctx, 2, func(e store.AuditEntry) error { got = append(got, e); return nil })
	if len(got) != 1 || got[0].Seq != 2 {
		t.Errorf("entries from 2: %+v", got)
	}
	if h, _ := a.AuditHead(ctx); h.Seq != 2 || h.Hash != e2.Hash {
		t.Errorf("head %+v", h)
	}
}

func testAuditConcurrent(t *testing.T, a store.Accounts) {
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, conflicts := 0, 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for try := 0; try < 50; try++ {
				h, err := a.AuditHead(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				e := store.AuditEntry{Seq: h.Seq + 1, At: time.Unix(0, 0).UTC(), Actor: "a", Action: "n", Detail: "{}", Prev: h.Hash,
					Hash: domain.ChainHash(h.Hash, []byte(fmt.Sprint(h.Seq, i)))}
				err = a.ApplyAccount(ctx, store.AccountChange{Audit: e})
				mu.Lock()
				if err == nil {
					ok++
				} else if errors.Is(err, store.ErrChainConflict) {
					conflicts++
				} else {
					t.Error(err)
				}
				mu.Unlock()
				if err == nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	if ok != 8 {
		t.Fatalf("%d of 8 writers succeeded (%d conflicts)", ok, conflicts)
	}
	prev, n := domain.GenesisHash, int64(0)
	a.AuditEntries(ctx, 1, func(e store.AuditEntry) error {
		n++
		if e.Seq != n || e.Prev != prev {
			t.Errorf("entry %d breaks the chain", e.Seq)
		}
		prev = e.Hash
		return nil
	})
	if n != 8 {
		t.Errorf("%d entries, want 8", n)
	}
}

// testAuditFollowHead: an entry alone with FollowHead is chained after the
// head the store finds, whatever head it was built on, so that concurrent
// writers of such entries all get in at the first try; a change to
// accounts cannot be chained so.
func testAuditFollowHead(t *testing.T, a store.Accounts) {
	ctx := context.Background()
	stale := entry(t, a, "root", "note", "x") // built on the empty chain
	if err := a.ApplyAccount(ctx, store.AccountChange{Audit: entry(t, a, "root", "note", "y")}); err != nil {
		t.Fatal(err)
	}
	if err := a.ApplyAccount(ctx, store.AccountChange{Audit: stale, FollowHead: true}); err != nil {
		t.Fatalf("an entry built on an older head, with FollowHead: %v", err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			e := store.AuditEntry{At: time.Unix(0, 0).UTC(), Actor: "a", Action: "person.read", Subject: fmt.Sprint("P", i), Detail: "{}"}
			errs <- a.ApplyAccount(ctx, store.AccountChange{Audit: e, FollowHead: true})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a concurrent entry with FollowHead: %v", err)
		}
	}
	u := store.User{Name: "sok", Role: "admin", Created: time.Unix(0, 0).UTC(), Updated: time.Unix(0, 0).UTC()}
	if err := a.ApplyAccount(ctx, store.AccountChange{NewUser: &u, Audit: entry(t, a, "root", "user.add", "sok"), FollowHead: true}); err == nil {
		t.Error("a new user with FollowHead was accepted")
	}
	prev, n := domain.GenesisHash, int64(0)
	a.AuditEntries(ctx, 1, func(e store.AuditEntry) error {
		n++
		if e.Seq != n || e.Prev != prev {
			t.Errorf("entry %d breaks the chain", e.Seq)
		}
		if e.Action == "person.read" || e.Subject == stale.Subject {
			if want := domain.ChainHash(e.Prev, store.AuditBody(e)); e.Hash != want {
				t.Errorf("entry %d chained at the head has hash %s, want %s", e.Seq, e.Hash, want)
			}
		}
		prev = e.Hash
		return nil
	})
	if n != 10 {
		t.Errorf("%d entries, want 10", n)
	}
	if us, _ := a.Users(ctx); len(us) != 0 {
		t.Errorf("the refused change added users: %+v", us)
	}
}

func testAuditAbout(t *testing.T, a store.Accounts) {
	ctx := context.Background()
	for _, e := range [][2]string{{"root", "sok"}, {"sok", "P1"}, {"root", "vann"}, {"vann", "sok"}, {"sok", "sok"}} {
		if err := a.ApplyAccount(ctx, store.AccountChange{Audit: entry(t, a, e[0], "x", e[1])}); err != nil {
			t.Fatal(err)
		}
	}
	seqs := func(es []store.AuditEntry) []int64 {
		var out []int64
		for _, e := range es {
			out = append(out, e.Seq)
		}
		return out
	}
	got, err := a.AuditAbout(ctx, "sok", "sok", 10)
	if err != nil || !slices.Equal(seqs(got), []int64{5, 4, 2, 1}) {
		t.Errorf("about sok: %v %v", seqs(got), err)
	}
	if got, _ := a.AuditAbout(ctx, "sok", "sok", 2); !slices.Equal(seqs(got), []int64{5, 4}) {
		t.Errorf("limit 2: %v", seqs(got))
	}
	if got, _ := a.AuditAbout(ctx, "", "P1", 10); !slices.Equal(seqs(got), []int64{2}) {
		t.Errorf("subject P1: %v", seqs(got))
	}
	if got, _ := a.AuditAbout(ctx, "", "", 10); len(got) != 0 {
		t.Errorf("no actor, no subject: %v", seqs(got))
	}
}

func testTokens(t *testing.T, a store.Accounts) {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	u := store.User{Name: "sok", Role: "admin", Created: now, Updated: now}
	if err := a.ApplyAccount(ctx, store.AccountChange{NewUser: &u, Audit: entry(t, a, "root", "user.add", "sok")}); err != nil {
		t.Fatal(err)
	}
	t1 := store.Token{ID: "t1", User: "sok", Label: "laptop", Hash: "h1", Created: now}
	t2 := store.Token{ID: "t2", User: "sok", Label: "script", Hash: "h2", Created: now.Add(time.Hour)}
	for _, tk := range []store.Token{t1, t2} {
		if err := a.ApplyAccount(ctx, store.AccountChange{Token: &tk, Audit: entry(t, a, "sok", "token.create", tk.ID)}); err != nil {
			t.Fatal(err)
		}
	}
	got, ok, err := a.TokenByHash(ctx, "h1")
	if err != nil || !ok || got != t1 {
		t.Errorf("TokenByHash: %+v %v %v", got, ok, err)
	}
	if _, ok, _ := a.TokenByHash(ctx, "nope"); ok {
		t.Error("unknown hash found")
	}
	list, err := a.Tokens(ctx, "sok")
	if err != nil || len(list) != 2 || list[0].ID != "t2" {
		t.Errorf("Tokens newest first: %+v %v", list, err)
	}
	if list, _ := a.Tokens(ctx, "vann"); len(list) != 0 {
		t.Errorf("tokens of another user: %+v", list)
	}
	t1.Revoked = true
	if err := a.ApplyAccount(ctx, store.AccountChange{Token: &t1, Audit: entry(t, a, "sok", "token.revoke", "t1")}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := a.TokenByHash(ctx, "h1"); !got.Revoked {
		t.Error("revoked token reads as active")
	}
	// A token of a user that does not exist is refused.
	bad := store.Token{ID: "t3", User: "ghost", Hash: "h3", Created: now}
	if err := a.ApplyAccount(ctx, store.AccountChange{Token: &bad, Audit: entry(t, a, "x", "token.create", "t3")}); err == nil {
		t.Error("token for a missing user accepted")
	}
	if all, _ := a.Tokens(ctx, ""); len(all) != 2 {
		t.Errorf("all tokens: %d, want 2", len(all))
	}
}

func testSessions(t *testing.T, a store.Accounts) {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	for _, n := range []string{"sok", "vann"} {
		u := store.User{Name: n, Role: "admin", Created: now, Updated: now}
		if err := a.ApplyAccount(ctx, store.AccountChange{NewUser: &u, Audit: entry(t, a, "root", "user.add", n)}); err != nil {
			t.Fatal(err)
		}
	}
	s1 := store.Session{Hash: "s1", User: "sok", Created: now, Expires: now.Add(time.Hour), Remote: "192.0.2.1"}
	s2 := store.Session{Hash: "s2", User: "vann", Created: now, Expires: now.Add(time.Minute)}
	s3 := store.Session{Hash: "s3", User: "vann", Created: now, Expires: now.Add(time.Hour)}
	for _, s := range []store.Session{s1, s2, s3} {
		if err := a.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if got, ok, err := a.SessionByHash(ctx, "s1"); err != nil || !ok || got != s1 {
		t.Errorf("SessionByHash: %+v %v %v", got, ok, err)
	}
	if err := a.DeleteSession(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := a.SessionByHash(ctx, "s1"); ok {
		t.Error("deleted session still there")
	}
	// Expired sessions of anyone go; a named user's all go.
	if err := a.DeleteSessions(ctx, "", now.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := a.SessionByHash(ctx, "s2"); ok {
		t.Error("expired session kept")
	}
	if _, ok, _ := a.SessionByHash(ctx, "s3"); !ok {
		t.Error("live session deleted")
	}
	a.DeleteSessions(ctx, "vann", now)
	if _, ok, _ := a.SessionByHash(ctx, "s3"); ok {
		t.Error("session of a user whose sessions were ended kept")
	}
}

func testSecret(t *testing.T, a store.Accounts) {
	ctx := context.Background()
	calls := 0
	gen := func() []byte { calls++; return []byte(fmt.Sprintf("secret-%d", calls)) }
	s1, err := a.Secret(ctx, "pseudonym", gen)
	if err != nil || string(s1) != "secret-1" {
		t.Fatalf("first: %q %v", s1, err)
	}
	s2, err := a.Secret(ctx, "pseudonym", gen)
	if err != nil || string(s2) != "secret-1" {
		t.Errorf("second read gave %q %v, want the first secret", s2, err)
	}
	s3, _ := a.Secret(ctx, "other", gen)
	if string(s3) == "secret-1" {
		t.Error("two names share a secret")
	}
}

func testRevokeTokens(t *testing.T, a store.Accounts) {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	u := store.User{Name: "sok", Role: "admin", PassHash: "h0", Created: now, Updated: now}
	if err := a.ApplyAccount(ctx, store.AccountChange{NewUser: &u, Audit: entry(t, a, "root", "user.add", "sok")}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"t1", "t2", "t3"} {
		tk := store.Token{ID: id, User: "sok", Hash: "h" + id, Created: now}
		if err := a.ApplyAccount(ctx, store.AccountChange{Token: &tk, Audit: entry(t, a, "sok", "token.create", id)}); err != nil {
			t.Fatal(err)
		}
	}
	// The user's change and the revocations are one write.
	u.PassHash = "h1"
	if err := a.ApplyAccount(ctx, store.AccountChange{User: &u, RevokeTokens: []string{"t1", "t3"}, Audit: entry(t, a, "sok", "user.password", "sok")}); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{"t1": true, "t2": false, "t3": true} {
		if got, _, _ := a.TokenByHash(ctx, "h"+id); got.Revoked != want {
			t.Errorf("token %s revoked %v, want %v", id, got.Revoked, want)
		}
	}
	// A token that does not exist: ErrNotFound, and nothing of the change is
	// written.
	h0, _ := a.AuditHead(ctx)
	u.PassHash = "h2"
	err := a.ApplyAccount(ctx, store.AccountChange{User: &u, RevokeTokens: []string{"t2", "ghost"}, Audit: entry(t, a, "sok", "user.password", "sok")})
	if !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("revoking a missing token: %v, want ErrNotFound", err)
	}
	if h1, _ := a.AuditHead(ctx); h1 != h0 {
		t.Error("a failed revocation moved the audit head")
	}
	if got, _, _ := a.TokenByHash(ctx, "ht2"); got.Revoked {
		t.Error("a failed change revoked a token")
	}
	if got, _, _ := a.User(ctx, "sok"); got.PassHash != "h1" {
		t.Errorf("a failed change wrote the user: %q", got.PassHash)
	}
}

func testSignInFailures(t *testing.T, a store.Accounts) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	long := t0.Add(-24 * time.Hour)
	if got, err := a.SignInFailures(ctx, "user:sok"); err != nil || len(got) != 0 {
		t.Fatalf("no failures yet: %+v %v", got, err)
	}
	for i, at := range []time.Time{t0, t0.Add(time.Second), t0.Add(3 * time.Second)} {
		n, err := a.SignInFailed(ctx, "user:sok", "sok", at, long)
		if err != nil || n != i+1 {
			t.Fatalf("failure %d: count %d %v", i+1, n, err)
		}
	}
	for _, k := range []struct{ key, user string }{{"addr:192.0.2.9", ""}, {"device:sok:d1", "sok"}, {"user:vann", "vann"}} {
		if _, err := a.SignInFailed(ctx, k.key, k.user, t0, long); err != nil {
			t.Fatal(err)
		}
	}
	got, err := a.SignInFailures(ctx, "user:sok", "addr:192.0.2.9", "user:nobody")
	if err != nil || len(got) != 2 {
		t.Fatalf("read back: %+v %v", got, err)
	}
	slices.SortFunc(got, func(x, y store.SignInFailure) int { return strings.Compare(x.Key, y.Key) })
	want := []store.SignInFailure{{Key: "addr:192.0.2.9", Failures: 1, Last: t0}, {Key: "user:sok", User: "sok", Failures: 3, Last: t0.Add(3 * time.Second)}}
	if !slices.Equal(got, want) {
		t.Errorf("read back:\n got %+v\nwant %+v", got, want)
	}
	// A count last increased before forgetBefore starts again.
	if n, _ := a.SignInFailed(ctx, "user:sok", "sok", t0.Add(25*time.Hour), t0.Add(time.Hour)); n != 1 {
		t.Errorf("after a quiet day: count %d, want 1", n)
	}
	// Clearing a user's counts leaves the address's and the other user's.
	if err := a.ClearSignInFailures(ctx, "sok", nil, long); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.SignInFailures(ctx, "user:sok", "device:sok:d1", "addr:192.0.2.9", "user:vann"); len(got) != 2 || got[0].Key != "addr:192.0.2.9" || got[1].Key != "user:vann" {
		t.Errorf("after clearing sok: %+v", got)
	}
	// Clearing by key, and old counts go with any clear.
	if err := a.ClearSignInFailures(ctx, "", []string{"user:vann"}, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.SignInFailures(ctx, "addr:192.0.2.9", "user:vann"); len(got) != 0 {
		t.Errorf("after clearing by key and age: %+v", got)
	}
}

func testSignInFailedConcurrent(t *testing.T, a store.Accounts) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 5; j++ {
				if _, err := a.SignInFailed(ctx, "addr:192.0.2.9", "", t0, t0.Add(-time.Hour)); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if got, _ := a.SignInFailures(ctx, "addr:192.0.2.9"); len(got) != 1 || got[0].Failures != 40 {
		t.Errorf("40 failures at once counted as %+v", got)
	}
}
