package auth_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestAccountChangesUnderConcurrentWrites: account changes (tokens made,
// passwords changed, files opened) made while ledger writes extend the same
// audit chain all succeed, each with its entry: none gives up after a few
// retries as they did ("5 retries", issue 14, item 14), and verify finds the
// chain and the tables in step.
func TestAccountChangesUnderConcurrentWrites(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			db := dbtest.Open(t, be.DSN(t))
			s := auth.New(db, auth.WithArgon2(cheap))
			root := auth.System("root", "test")
			led := ledger.New(db)
			if _, err := led.Record(ctx, ledger.Actor{Name: "root", Via: "test"}, &domain.Event{Kind: domain.KFacility,
				Date: domain.MustDate("2019-01-01"), Facility: "CC1",
				Data: &domain.FacilityData{Name: "Correctional Centre 1", Kind: domain.Prison, Province: "Phnom Penh", Capacity: 100}}); err != nil {
				t.Fatal(err)
			}
			const n = 12
			for i := range n {
				if err := s.AddUser(ctx, root, auth.NewUser{Name: fmt.Sprintf("u%02d", i), Password: "long enough pw", Role: auth.Admin}); err != nil {
					t.Fatal(err)
				}
			}
			before, err := db.AuditHead(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make(chan error, 5*n)
			for i := range n {
				user := fmt.Sprintf("u%02d", i)
				by := &auth.Principal{User: user, Role: auth.Admin, Via: "test"}
				wg.Go(func() {
					_, err := led.Record(ctx, ledger.Actor{Name: user, Via: "test"}, &domain.Event{Kind: domain.KPerson,
						Date: domain.MustDate("2024-03-01"), Person: "P" + user,
						Data: &domain.PersonData{Name: "Person " + user, Sex: "F", DOB: domain.MustDate("1990-02-03"), DOBBasis: domain.DOBDocument}})
					errs <- err
				})
				wg.Go(func() {
					_, _, err := s.CreateToken(ctx, by, user, "laptop")
					errs <- err
				})
				wg.Go(func() { errs <- s.Record(ctx, by, auth.ActPersonRead, "P"+user, map[string]any{"events": 1}) })
				wg.Go(func() {
					errs <- s.SetPassword(ctx, by, user, auth.PasswordChange{Password: "another long pw", KeepTokens: i%2 == 0})
				})
				wg.Go(func() { errs <- s.SetRole(ctx, root, user, auth.Legal, nil, false) })
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Errorf("a change under concurrent writes: %v", err)
				}
			}
			after, err := db.AuditHead(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := after.Seq - before.Seq; got != 5*n {
				t.Errorf("%d audit entries for %d changes and writes", got, 5*n)
			}
			head, err := db.Head(ctx)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := auth.VerifyAudit(ctx, db, head.Seq)
			if err != nil || !rep.OK() {
				t.Errorf("verify: %+v %v", rep, err)
			}
		})
	}
}

// TestAccountChangeNotUndone: a change to an account built from what was
// read before another change came in must not undo that change. An
// administrator changes a user's role while the user changes their
// password: both hold afterwards, whichever way they interleave, and the
// audit chain replays to the tables.
func TestAccountChangeNotUndone(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			db := dbtest.Open(t, be.DSN(t))
			root := auth.System("root", "test")
			// The facilities are checked after the user is read and before
			// the role is written: the password change comes in there.
			var between func()
			var once sync.Once
			facs := func(context.Context) (map[string]bool, error) {
				if between != nil {
					once.Do(between)
				}
				return map[string]bool{"CC1": true}, nil
			}
			s := auth.New(db, auth.WithArgon2(cheap), auth.WithFacilities(facs))
			if err := s.AddUser(ctx, root, auth.NewUser{Name: "sok", Password: "first long pw", Role: auth.Monitor, Facilities: []string{"CC1"}}); err != nil {
				t.Fatal(err)
			}
			between = func() {
				sok := &auth.Principal{User: "sok", Role: auth.Monitor, Facilities: []string{"CC1"}, Via: "test"}
				if err := s.SetPassword(ctx, sok, "sok", auth.PasswordChange{Password: "second long pw"}); err != nil {
					t.Errorf("the password change: %v", err)
				}
			}
			if err := s.SetRole(ctx, root, "sok", auth.Registrar, []string{"CC1"}, false); err != nil {
				t.Fatal(err)
			}
			u, err := s.User(ctx, root, "sok")
			if err != nil {
				t.Fatal(err)
			}
			if u.Role != string(auth.Registrar) {
				t.Errorf("role %s, want registrar", u.Role)
			}
			if !auth.VerifyPassword("second long pw", u.PassHash) {
				t.Error("the role change undid the password change made meanwhile: the new password no longer works")
			}
			if auth.VerifyPassword("first long pw", u.PassHash) {
				t.Error("the old password works again")
			}
			rep, err := auth.VerifyAudit(ctx, db, 0)
			if err != nil || !rep.OK() {
				t.Errorf("verify: %+v %v", rep, err)
			}
			var acts []string
			if err := db.AuditEntries(ctx, 1, func(e store.AuditEntry) error { acts = append(acts, e.Action); return nil }); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(acts) != fmt.Sprint([]string{auth.ActUserAdd, auth.ActUserPass, auth.ActUserRole}) {
				t.Errorf("audit actions %v", acts)
			}
		})
	}
}
