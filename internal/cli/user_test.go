package cli_test

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestUserCommands: the first administrator comes from the command line with
// a generated password that works; roles, tokens and disabling are audited
// and habeas verify checks the audit chain.
func TestUserCommands(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "u.db")
	mustRun(t, "--db", dsn, "demo", "--people", "200", "--seed", "2")
	out := mustRun(t, "--db", dsn, "user", "add", "chief", "--role", "admin", "--display", "Chief Registrar")
	m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no generated password in %q", out)
	}
	mustRun(t, "--db", dsn, "user", "add", "sok", "--role", "registrar", "--facility", "CC1")
	if code, _, errOut := run(t, "--db", dsn, "user", "add", "vann", "--role", "registrar", "--facility", "NOWHERE"); code == 0 || !strings.Contains(errOut, `no facility "NOWHERE"`) {
		t.Errorf("unknown facility: exit %d %q", code, errOut)
	}
	if code, _, errOut := run(t, "--db", dsn, "user", "add", "<b>x</b>", "--role", "admin"); code == 0 || !strings.Contains(errOut, "name: must be") {
		t.Errorf("bad name: exit %d %q", code, errOut)
	}
	mustRun(t, "--db", dsn, "user", "role", "sok", "--role", "legal_officer")
	tok := strings.TrimSpace(mustRun(t, "--db", dsn, "user", "token", "sok", "--label", "script"))
	if !strings.HasPrefix(tok, "hbs_") {
		t.Fatalf("token %q", tok)
	}
	list := mustRun(t, "--db", dsn, "user", "list")
	if !strings.Contains(list, "sok") || !strings.Contains(list, "legal_officer") || !strings.Contains(list, "Chief Registrar") {
		t.Errorf("user list:\n%s", list)
	}
	mustRun(t, "--db", dsn, "user", "disable", "sok")

	db := dbtest.Open(t, dsn)
	s := auth.New(db)
	ctx := context.Background()
	if in, err := s.Login(ctx, auth.Credentials{Name: "chief", Password: m[1], Remote: "127.0.0.1"}); err != nil || in.Principal.Role != auth.Admin {
		t.Errorf("signing in with the generated password: %v", err)
	}
	if _, err := s.Bearer(ctx, tok, "api"); err == nil {
		t.Error("token of a disabled user accepted")
	}
	// Disabling revoked the token: enabling the user again does not bring it
	// back.
	mustRun(t, "--db", dsn, "user", "disable", "sok", "--enable")
	if _, err := s.Bearer(ctx, tok, "api"); err == nil {
		t.Error("the token of a disabled user works again after the user is enabled")
	}
	if list := mustRun(t, "--db", dsn, "user", "token", "sok", "--list"); !strings.Contains(list, "revoked") || strings.Contains(list, "active") {
		t.Errorf("tokens of sok after disable and enable:\n%s", list)
	}
	trail, err := s.Audit(ctx, auth.System("x", "test"), "sok", 10)
	if err != nil || len(trail) != 5 || trail[1].Action != auth.ActUserDisable || trail[1].Actor != "tester" || trail[1].Via != "cli" {
		t.Errorf("audit trail of sok: %+v %v", trail, err)
	}

	// Failed sign-ins delay chief; an administrator's new password clears
	// the delay at once and revokes chief's tokens unless told not to.
	chiefTok := strings.TrimSpace(mustRun(t, "--db", dsn, "user", "token", "chief", "--label", "kept"))
	for i := 0; i < 6; i++ {
		s.Login(ctx, auth.Credentials{Name: "chief", Password: "not the password", Remote: "198.51.100.7"})
	}
	if _, err := s.Login(ctx, auth.Credentials{Name: "chief", Password: m[1], Remote: "127.0.0.1"}); !errors.Is(err, auth.ErrRateLimited) {
		t.Fatalf("after six failures: %v, want a delay", err)
	}
	out = mustRun(t, "--db", dsn, "user", "password", "chief", "--keep-tokens")
	pw := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out)
	if pw == nil || pw[1] == m[1] {
		t.Fatalf("no new generated password in %q", out)
	}
	if _, err := s.Login(ctx, auth.Credentials{Name: "chief", Password: pw[1], Remote: "127.0.0.1"}); err != nil {
		t.Errorf("the new password after the reset: %v", err)
	}
	if _, err := s.Bearer(ctx, chiefTok, "api"); err != nil {
		t.Errorf("--keep-tokens revoked the token: %v", err)
	}
	mustRun(t, "--db", dsn, "user", "password", "chief")
	if _, err := s.Bearer(ctx, chiefTok, "api"); err == nil {
		t.Error("a password reset without --keep-tokens left the token usable")
	}
	if code, _, errOut := run(t, "--db", dsn, "user", "password", "nobody"); code == 0 || !strings.Contains(errOut, "nobody") {
		t.Errorf("password of a missing user: exit %d %q", code, errOut)
	}

	out = mustRun(t, "--db", dsn, "verify")
	if !strings.Contains(out, "audit chain: 10 entries, ok; accounts: ok; events audited: ok") {
		t.Errorf("verify:\n%s", out)
	}
	// A role changed behind habeas's back fails verify.
	if _, err := db.SQL().Exec("UPDATE users SET role = 'admin' WHERE name = 'sok'"); err != nil {
		t.Fatal(err)
	}
	code, out, _ := run(t, "--db", dsn, "verify")
	if code != 1 || !strings.Contains(out, "accounts: FAILED") || !strings.Contains(out, "user sok differs") {
		t.Errorf("verify after tampering: exit %d\n%s", code, out)
	}
}
