package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

var cheap = auth.Argon2Params{Time: 1, Memory: 64, Threads: 1}

func TestPasswordHash(t *testing.T) {
	h := auth.HashPassword("correct horse", auth.DefaultArgon2)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not a PHC Argon2id string with the default parameters", h)
	}
	if !auth.VerifyPassword("correct horse", h) {
		t.Error("right password refused")
	}
	for _, bad := range []string{"correct hors", "Correct horse", "", strings.Repeat("x", 300)} {
		if auth.VerifyPassword(bad, h) {
			t.Errorf("wrong password %q accepted", bad)
		}
	}
	if h2 := auth.HashPassword("correct horse", auth.DefaultArgon2); h2 == h {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, junk := range []string{"", "$argon2id$", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=1,t=1,p=0$AA$AA"} {
		if auth.VerifyPassword("x", junk) {
			t.Errorf("malformed hash %q accepted", junk)
		}
	}
}

func TestPermissions(t *testing.T) {
	reg := &auth.Principal{User: "r", Role: auth.Registrar, Facilities: []string{"CC1"}}
	mon := &auth.Principal{User: "m", Role: auth.Monitor, Facilities: []string{"CC1"}}
	monH := &auth.Principal{User: "m", Role: auth.Monitor, Facilities: []string{"CC1"}, Health: true}
	legal := &auth.Principal{User: "l", Role: auth.Legal}
	ana := &auth.Principal{User: "a", Role: auth.Analyst}
	adm := &auth.Principal{User: "x", Role: auth.Admin}
	var public *auth.Principal
	cases := []struct {
		p    *auth.Principal
		perm auth.Perm
		fac  string
		want bool
	}{
		{reg, auth.RecordCustody, "CC1", true},
		{reg, auth.RecordCustody, "CC2", false},
		{reg, auth.ReadRegister, "CC2", false},
		{reg, auth.ManageUsers, "", false},
		{legal, auth.RecordLegal, "CC2", true},
		{legal, auth.RecordCustody, "CC2", false},
		{legal, auth.ReadScreening, "CC9", true},
		{mon, auth.ReadRegister, "CC1", true},
		{mon, auth.ReadRegister, "CC2", false},
		{mon, auth.ReadHealth, "CC1", false},
		{monH, auth.ReadHealth, "CC1", true},
		{monH, auth.ReadHealth, "CC2", false},
		{mon, auth.RecordLegal, "CC1", false},
		{ana, auth.ReadRegister, "", false},
		{ana, auth.ReadPseudonymised, "", true},
		{ana, auth.ReadScreening, "", false},
		{adm, auth.ManageUsers, "", true},
		{adm, auth.RecordCustody, "CC7", true},
		{public, auth.ReadRegister, "", false},
	}
	for _, c := range cases {
		err := c.p.Require(c.perm, c.fac)
		if (err == nil) != c.want {
			t.Errorf("%v %s in %q: err %v, want allowed=%v", c.p, c.perm, c.fac, err, c.want)
		}
		if err != nil && c.p != nil && !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("refusal %v does not match ErrForbidden", err)
		}
	}
	if err := public.Require(auth.ReadRegister, ""); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Errorf("public: %v", err)
	}
	if s := reg.Scope(auth.RecordCustody); len(s) != 1 || s[0] != "CC1" {
		t.Errorf("registrar scope %v", s)
	}
	if s := legal.Scope(auth.ReadRegister); s != nil {
		t.Errorf("legal officer scope %v, want nil (everywhere)", s)
	}
	if s := ana.Scope(auth.ReadRegister); s == nil || len(s) != 0 {
		t.Errorf("analyst register scope %v, want empty", s)
	}
}

func TestService(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) { testService(t, dbtest.Open(t, be.DSN(t))) })
	}
}

func testService(t *testing.T, db *sqldb.DB) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	facs := func(context.Context) (map[string]bool, error) { return map[string]bool{"CC1": true, "CC2": true}, nil }
	s := auth.New(db, auth.WithArgon2(cheap), auth.WithClock(clock), auth.WithFacilities(facs))
	root := auth.System("root", "cli")

	// Bad input is refused with the field named, and writes nothing.
	bad := []struct {
		nu    auth.NewUser
		field string
	}{
		{auth.NewUser{Name: "<script>", Password: "long enough pw", Role: auth.Admin}, "name"},
		{auth.NewUser{Name: "a'; DROP TABLE users; --", Password: "long enough pw", Role: auth.Admin}, "name"},
		{auth.NewUser{Name: "sok", Password: "short", Role: auth.Admin}, "password"},
		{auth.NewUser{Name: "sok", Password: "long enough pw", Role: "superuser"}, "role"},
		{auth.NewUser{Name: "sok", Password: "long enough pw", Role: auth.Registrar}, "facilities"},
		{auth.NewUser{Name: "sok", Password: "long enough pw", Role: auth.Registrar, Facilities: []string{"NOPE"}}, "facilities"},
	}
	for _, b := range bad {
		var ie *domain.Error
		if err := s.AddUser(ctx, root, b.nu); !errors.As(err, &ie) || ie.Field != b.field {
			t.Errorf("AddUser(%+v) = %v, want an input error on %s", b.nu, err, b.field)
		}
	}
	if h, _ := db.AuditHead(ctx); h.Seq != 0 {
		t.Fatalf("refused input wrote %d audit entries", h.Seq)
	}

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.AddUser(ctx, root, auth.NewUser{Name: "admin", Password: "admin password", Role: auth.Admin}))
	must(s.AddUser(ctx, root, auth.NewUser{Name: "sok", Display: "Sok Dara", Password: "registrar pw1", Role: auth.Registrar, Facilities: []string{"CC1"}}))
	var ie *domain.Error
	if err := s.AddUser(ctx, root, auth.NewUser{Name: "sok", Password: "registrar pw1", Role: auth.Admin}); !errors.As(err, &ie) {
		t.Errorf("duplicate: %v", err)
	}

	// Sign in.
	in, err := s.Login(ctx, auth.Credentials{Name: "sok", Password: "registrar pw1", Remote: "192.0.2.1"})
	secret, p := in.Secret, in.Principal
	if err != nil || p.User != "sok" || p.Role != auth.Registrar || len(p.Facilities) != 1 {
		t.Fatalf("login: %+v %v", p, err)
	}
	if p2, err := s.Session(ctx, secret, "web"); err != nil || p2.User != "sok" || p2.Via != "web" {
		t.Errorf("session: %+v %v", p2, err)
	}
	if _, err := s.Session(ctx, secret+"x", "web"); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Errorf("forged session: %v", err)
	}
	// A registrar cannot manage users.
	if err := s.AddUser(ctx, p, auth.NewUser{Name: "eve", Password: "long enough pw", Role: auth.Admin}); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("registrar adding a user: %v", err)
	}
	if _, err := s.Users(ctx, p); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("registrar listing users: %v", err)
	}

	// Wrong passwords and unknown users look the same, and both earn the
	// same delays (TestDelays tests them).
	for _, name := range []string{"sok", "nobody"} {
		if _, err := s.Login(ctx, auth.Credentials{Name: name, Password: "wrong password", Remote: "192.0.2.9"}); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("wrong password for %s: %v", name, err)
		}
	}

	// Role change applies to the next request of an existing session.
	must(s.SetRole(ctx, root, "sok", auth.Legal, nil, false))
	if p2, err := s.Session(ctx, secret, "web"); err != nil || p2.Role != auth.Legal {
		t.Errorf("after role change: %+v %v", p2, err)
	}
	// Sessions expire.
	now = now.Add(13 * time.Hour)
	if _, err := s.Session(ctx, secret, "web"); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Errorf("expired session: %v", err)
	}

	// Tokens: made by the user, usable until revoked or the user is disabled.
	sok := &auth.Principal{User: "sok", Role: auth.Legal, Via: "test"}
	tok, info, err := s.CreateToken(ctx, sok, "sok", "script")
	must(err)
	if p2, err := s.Bearer(ctx, tok, "api"); err != nil || p2.User != "sok" {
		t.Errorf("bearer: %+v %v", p2, err)
	}
	if _, _, err := s.CreateToken(ctx, sok, "admin", "x"); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("token for someone else: %v", err)
	}
	must(s.RevokeToken(ctx, sok, info.ID))
	if _, err := s.Bearer(ctx, tok, "api"); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Errorf("revoked token: %v", err)
	}
	tok2, _, err := s.CreateToken(ctx, root, "sok", "by admin")
	must(err)
	must(s.SetDisabled(ctx, root, "sok", true))
	if _, err := s.Bearer(ctx, tok2, "api"); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Errorf("token of a disabled user: %v", err)
	}
	if _, err := s.Login(ctx, auth.Credentials{Name: "sok", Password: "registrar pw1", Remote: "192.0.2.1"}); !errors.Is(err, auth.ErrBadCredentials) {
		t.Errorf("disabled user signing in: %v", err)
	}
	must(s.SetDisabled(ctx, root, "sok", false))
	if _, err := s.Bearer(ctx, tok2, "api"); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Errorf("token of a disabled user after the user is enabled again: %v", err)
	}
	tok3, _, err := s.CreateToken(ctx, sok, "sok", "after enabling")
	must(err)
	must(s.SetPassword(ctx, sok, "sok", auth.PasswordChange{Password: "a new password"}))
	if _, err := s.Bearer(ctx, tok3, "api"); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Errorf("token after a password change: %v", err)
	}
	if _, err := s.Login(ctx, auth.Credentials{Name: "sok", Password: "a new password", Remote: "192.0.2.1"}); err != nil {
		t.Errorf("new password: %v", err)
	}

	// The audit trail names who did what.
	trail, err := s.Audit(ctx, root, "sok", 100)
	must(err)
	var acts []string
	for _, e := range trail {
		acts = append(acts, e.Actor+":"+e.Action)
	}
	want := "sok:user.password sok:token.create root:user.enable root:user.disable root:token.create sok:token.revoke sok:token.create root:user.role root:user.add"
	if got := strings.Join(acts, " "); got != want {
		t.Errorf("trail of sok:\n got %s\nwant %s", got, want)
	}
	if _, err := s.Audit(ctx, sok, "admin", 10); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("reading another's trail: %v", err)
	}

	rep, err := auth.VerifyAudit(ctx, db, 0)
	must(err)
	if !rep.OK() || rep.Entries != 10 {
		t.Fatalf("verify: %+v", rep)
	}

	// A token that a password change revoked, made active again in the
	// database directly, is found.
	if _, err := db.SQL().ExecContext(ctx, "UPDATE api_tokens SET revoked = 0"); err != nil {
		t.Fatal(err)
	}
	rep, _ = auth.VerifyAudit(ctx, db, 0)
	if rep.TablesOK || len(rep.Problems) != 3 || !strings.Contains(strings.Join(rep.Problems, "\n"), "revoked but is active again") {
		t.Errorf("tokens made active again not found: %+v", rep)
	}
	if _, err := db.SQL().ExecContext(ctx, "UPDATE api_tokens SET revoked = 1"); err != nil {
		t.Fatal(err)
	}

	// A role raised in the database directly is found.
	if _, err := db.SQL().ExecContext(ctx, "UPDATE users SET role = 'admin' WHERE name = 'sok'"); err != nil {
		t.Fatal(err)
	}
	rep, _ = auth.VerifyAudit(ctx, db, 0)
	if rep.TablesOK || !rep.ChainOK || len(rep.Problems) == 0 || !strings.Contains(rep.Problems[0], "sok") {
		t.Errorf("tampered role not found: %+v", rep)
	}
	// The audit chain itself refuses changes.
	if _, err := db.SQL().ExecContext(ctx, "UPDATE audit SET actor = 'someone' WHERE seq = 1"); err == nil {
		t.Error("the audit chain accepted an UPDATE")
	}
	if _, err := db.SQL().ExecContext(ctx, "DELETE FROM audit WHERE seq = 1"); err == nil {
		t.Error("the audit chain accepted a DELETE")
	}
}

// busyChain is a store whose audit chain is extended by someone else
// between every reading of its head and the change that follows: what a
// stream of ledger writes, each adding its entry, does to the chain.
type busyChain struct {
	*sqldb.DB
	n int
}

func (b *busyChain) AuditHead(ctx context.Context) (store.Head, error) {
	h, err := b.DB.AuditHead(ctx)
	if err != nil {
		return h, err
	}
	b.n++
	e := store.AuditEntry{At: time.Unix(0, 0).UTC(), Actor: "writer", Via: "test", Action: store.ActEventRecord, Detail: "{}"}
	return h, b.DB.ApplyAccount(ctx, store.AccountChange{Audit: e.Follow(h)})
}

// TestRecordOnABusyChain: the entry that records a file opened gets into
// the audit chain however busy it is; it was refused after six tries when
// other entries came between each reading of the head and the write, and
// under the load campaign's writes the file could not be opened (409).
func TestRecordOnABusyChain(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			db := &busyChain{DB: dbtest.Open(t, be.DSN(t))}
			s := auth.New(db, auth.WithArgon2(cheap))
			mon := &auth.Principal{User: "mon", Role: auth.Monitor, Facilities: []string{"CC1"}, Via: "web 192.0.2.1"}
			for i := range 3 {
				if err := s.Record(ctx, mon, auth.ActPersonRead, "P1", map[string]any{"events": i}); err != nil {
					t.Fatalf("recording that a file was opened, on a busy chain: %v", err)
				}
			}
			es, err := s.AuditSubject(ctx, "P1", 10)
			if err != nil || len(es) != 3 || es[0].Actor != "mon" || es[0].Action != auth.ActPersonRead || es[0].Via != "web 192.0.2.1" {
				t.Errorf("the entries about P1: %+v %v", es, err)
			}
			h, _ := db.DB.AuditHead(ctx)
			if rep, err := auth.VerifyAudit(ctx, db.DB, 0); err != nil || !rep.ChainOK || rep.Entries != int(h.Seq) {
				t.Errorf("verify: %+v %v (head %d)", rep, err, h.Seq)
			}
		})
	}
}
