package auth_test

import (
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestOrganisations: users belong to an organisation; an administrator of a
// monitoring organisation manages its own users only and nothing of the
// register; organisations are added by the prison administration's
// administrators; a monitoring organisation has no registrars.
func TestOrganisations(t *testing.T) {
	ctx := t.Context()
	db := dbtest.Open(t, dbtest.SQLiteDSN(t))
	s := auth.New(db, auth.WithArgon2(cheap), auth.WithOrgs(db))
	root := auth.System("root", "cli")
	pw := "a long enough password 1"
	must := func(err error, what string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must(s.AddUser(ctx, root, auth.NewUser{Name: "chan", Password: pw, Role: auth.Admin}), "adding an administrator")
	if err := s.AddUser(ctx, root, auth.NewUser{Name: "x1", Password: pw, Role: auth.Monitor, Facilities: []string{"CC1"}, Org: "licadho"}); domain.ErrorCode(err) != domain.ErrNotFound ||
		!strings.Contains(err.Error(), `"licadho"`) {
		t.Errorf("a user in an unknown organisation: %v, want not found naming it", err)
	}
	must(s.AddOrg(ctx, root, store.Org{ID: "licadho", Name: "LICADHO", Kind: auth.OrgMonitoring}), "adding an organisation")
	must(s.AddOrg(ctx, root, store.Org{ID: "adhoc", Name: "ADHOC", Kind: auth.OrgMonitoring}), "adding an organisation")
	if err := s.AddOrg(ctx, root, store.Org{ID: "x", Name: "X", Kind: "club"}); domain.ErrorCode(err) != domain.ErrInvalid {
		t.Errorf("an organisation of an unknown kind: %v", err)
	}
	must(s.AddUser(ctx, root, auth.NewUser{Name: "lic-admin", Password: pw, Role: auth.Admin, Org: "licadho"}), "adding an NGO administrator")
	if err := s.AddUser(ctx, root, auth.NewUser{Name: "lic-reg", Password: pw, Role: auth.Registrar, Facilities: []string{"CC1"}, Org: "licadho"}); domain.ErrorCode(err) != domain.ErrInvalid {
		t.Errorf("a registrar in a monitoring organisation: %v, want invalid", err)
	}

	chan_, err := s.Login(ctx, auth.Credentials{Name: "chan", Password: pw, Remote: "192.0.2.1"})
	must(err, "signing in chan")
	if p := chan_.Principal; p.Org != store.DefaultOrg || !p.OrgAdmin() || p.OrgKind != auth.OrgAdministration {
		t.Errorf("chan's principal %+v: want the default organisation, managing organisations", p)
	}
	lic, err := s.Login(ctx, auth.Credentials{Name: "lic-admin", Password: pw, Remote: "192.0.2.2"})
	must(err, "signing in lic-admin")
	la := lic.Principal
	if la.Org != "licadho" || la.OrgKind != auth.OrgMonitoring || la.OrgAdmin() {
		t.Fatalf("lic-admin's principal %+v", la)
	}
	for _, perm := range []auth.Perm{auth.RecordCustody, auth.ReadRegister, auth.ReadHealth, auth.EditPledges, auth.ReadAudit} {
		if la.Can(perm) {
			t.Errorf("an NGO's administrator may %s", perm)
		}
	}
	// Its own users: yes; another organisation's, or the administration's: no.
	must(s.AddUser(ctx, la, auth.NewUser{Name: "dara", Password: pw, Role: auth.Monitor, Facilities: []string{"CC1"}}), "an NGO administrator adds a monitor")
	if u, _ := s.User(ctx, root, "dara"); u.Org != "licadho" {
		t.Errorf("a user added by an NGO's administrator belongs to %q, want licadho", u.Org)
	}
	if err := s.AddUser(ctx, la, auth.NewUser{Name: "spy", Password: pw, Role: auth.Monitor, Facilities: []string{"CC1"}, Org: "adhoc"}); domain.ErrorCode(err) != domain.ErrForbidden {
		t.Errorf("an NGO's administrator adds a user to another NGO: %v, want forbidden", err)
	}
	if err := s.SetRole(ctx, la, "chan", auth.Monitor, []string{"CC1"}, false); domain.ErrorCode(err) != domain.ErrForbidden {
		t.Errorf("an NGO's administrator changes the administration's user: %v, want forbidden", err)
	}
	if err := s.SetDisabled(ctx, la, "chan", true); domain.ErrorCode(err) != domain.ErrForbidden {
		t.Errorf("an NGO's administrator disables the administration's user: %v, want forbidden", err)
	}
	if err := s.AddOrg(ctx, la, store.Org{ID: "mine", Name: "Mine", Kind: auth.OrgMonitoring}); domain.ErrorCode(err) != domain.ErrForbidden {
		t.Errorf("an NGO's administrator adds an organisation: %v, want forbidden", err)
	}
	us, err := s.Users(ctx, la)
	must(err, "Users")
	if len(us) != 2 || us[0].Name != "dara" || us[1].Name != "lic-admin" {
		t.Errorf("an NGO's administrator lists %v, want its two users only", names(us))
	}
	all, err := s.Users(ctx, chan_.Principal)
	must(err, "Users")
	if len(all) != 3 {
		t.Errorf("the administration's administrator lists %v, want all three", names(all))
	}
	// The audit chain still replays to the tables.
	rep, err := auth.VerifyAudit(ctx, db, 0)
	must(err, "VerifyAudit")
	if !rep.OK() {
		t.Errorf("audit: %v", rep.Problems)
	}
}

func names(us []store.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Name
	}
	return out
}
