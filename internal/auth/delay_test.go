package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestDelays: failed sign-ins delay further tries instead of locking the
// account, an attacker elsewhere cannot keep a user out of a browser they
// signed in on before, and the delays outlast a restart.
func TestDelays(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) { testDelays(t, dbtest.Open(t, be.DSN(t))) })
	}
}

func testDelays(t *testing.T, db *sqldb.DB) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s := auth.New(db, auth.WithArgon2(cheap), auth.WithClock(clock))
	root := auth.System("root", "cli")
	for _, u := range []auth.NewUser{
		{Name: "sok", Password: "registrar pw1", Role: auth.Legal},
		{Name: "admin", Password: "admin password", Role: auth.Admin},
	} {
		if err := s.AddUser(ctx, root, u); err != nil {
			t.Fatal(err)
		}
	}
	login := func(name, pw, remote, device string) (auth.SignIn, error) {
		return s.Login(ctx, auth.Credentials{Name: name, Password: pw, Remote: remote, Device: device})
	}
	// sok and admin sign in at the office; their browsers keep device cookies.
	in, err := login("sok", "registrar pw1", "192.0.2.1", "")
	if err != nil || in.Device == "" {
		t.Fatalf("first sign-in: %v, device cookie %q", err, in.Device)
	}
	sokDevice := in.Device
	in, err = login("admin", "admin password", "192.0.2.1", "")
	if err != nil {
		t.Fatal(err)
	}
	adminDevice := in.Device

	// An attacker guesses sok's password for an hour, waiting out every
	// delay. Before the delays, five failures locked sok out for 15 minutes
	// at a time, from everywhere.
	end, guesses, maxWait := now.Add(time.Hour), 0, time.Duration(0)
	for now.Before(end) {
		in, err := login("sok", "guess", "203.0.113.5", "")
		switch {
		case errors.Is(err, auth.ErrBadCredentials):
			guesses++
		case errors.Is(err, auth.ErrRateLimited):
			if in.RetryAfter <= 0 {
				t.Fatalf("delayed with no time to wait")
			}
			maxWait = max(maxWait, in.RetryAfter)
			now = now.Add(in.RetryAfter)
		default:
			t.Fatalf("guess: %v", err)
		}
	}
	t.Logf("an hour of guessing: %d guesses, longest wait %v", guesses, maxWait)
	// 3 free, then waits of 1, 2, ... 512 s (about 17 min), then 15 min each.
	if guesses > 20 || guesses < 10 {
		t.Errorf("%d guesses in an hour, want 10-20", guesses)
	}
	if maxWait > 15*time.Minute {
		t.Errorf("a delay of %v, more than 15 minutes", maxWait)
	}
	// A refused try does not count: it neither lengthens the delay nor is
	// a guess.
	login("sok", "guess", "203.0.113.5", "")
	first, err := login("sok", "guess", "203.0.113.5", "")
	if !errors.Is(err, auth.ErrRateLimited) {
		t.Fatalf("during the delay: %v", err)
	}
	for i := 0; i < 50; i++ {
		login("sok", "registrar pw1", "203.0.113.5", "")
	}
	if again, _ := login("sok", "guess", "203.0.113.5", ""); again.RetryAfter > first.RetryAfter {
		t.Errorf("refused tries lengthened the delay from %v to %v", first.RetryAfter, again.RetryAfter)
	}

	// sok, on the browser used before, gets in at once with the right
	// password, from anywhere.
	if _, err := login("sok", "registrar pw1", "192.0.2.1", sokDevice); err != nil {
		t.Errorf("sok on a known device during the attack: %v", err)
	}
	// On a new browser sok waits like the attacker (docs/accounts.md).
	for i := 0; i < 12; i++ {
		login("sok", "guess", "203.0.113.5", "")
		now = now.Add(time.Second)
	}
	if in, err := login("sok", "registrar pw1", "192.0.2.1", ""); !errors.Is(err, auth.ErrRateLimited) || in.RetryAfter > 15*time.Minute {
		t.Errorf("sok on a new browser during the attack: %v, wait %v", err, in.RetryAfter)
	}
	// A device cookie of another user, or one altered, is no known device.
	forged := []string{
		adminDevice,
		strings.Replace(sokDevice, "sok.", "admin.", 1),
		sokDevice[:len(sokDevice)-2] + "xx",
		"sok.someid.c2lnbmF0dXJl",
	}
	for _, f := range forged {
		if _, err := login("sok", "registrar pw1", "192.0.2.1", f); !errors.Is(err, auth.ErrRateLimited) {
			t.Errorf("device cookie %q passed the delay: %v", f, err)
		}
	}

	// The delays outlast a restart: a new service on the same database.
	s2 := auth.New(db, auth.WithArgon2(cheap), auth.WithClock(clock))
	if _, err := s2.Login(ctx, auth.Credentials{Name: "sok", Password: "registrar pw1", Remote: "192.0.2.1"}); !errors.Is(err, auth.ErrRateLimited) {
		t.Errorf("after a restart: %v, want the delay kept", err)
	}
	if _, err := s2.Login(ctx, auth.Credentials{Name: "sok", Password: "registrar pw1", Remote: "192.0.2.1", Device: sokDevice}); err != nil {
		t.Errorf("known device after a restart: %v", err)
	}

	// Failures from one address at many names delay that address, but not
	// the administrator on the browser used before there. Before, twenty
	// failures from an address locked every account there.
	now = now.Add(time.Hour)
	for i := 0; i < 25; i++ {
		login("user"+string(rune('a'+i)), "guess", "198.51.100.1", "")
	}
	if _, err := login("admin", "admin password", "198.51.100.1", ""); !errors.Is(err, auth.ErrRateLimited) {
		t.Errorf("new browser at a delayed address: %v", err)
	}
	if _, err := login("admin", "admin password", "198.51.100.1", adminDevice); err != nil {
		t.Errorf("the administrator on a known device at a delayed address: %v", err)
	}

	// sok mistyping on the known device waits at most 30 s, however often.
	for i := 0; i < 30; i++ {
		in, err := login("sok", "mistyped", "192.0.2.1", sokDevice)
		if errors.Is(err, auth.ErrRateLimited) {
			if in.RetryAfter > 30*time.Second {
				t.Fatalf("known device kept waiting %v", in.RetryAfter)
			}
			now = now.Add(in.RetryAfter)
		}
	}
	in, err = login("sok", "registrar pw1", "192.0.2.1", sokDevice)
	if errors.Is(err, auth.ErrRateLimited) {
		if in.RetryAfter > 30*time.Second {
			t.Fatalf("known device kept waiting %v", in.RetryAfter)
		}
		now = now.Add(in.RetryAfter)
		in, err = login("sok", "registrar pw1", "192.0.2.1", sokDevice)
	}
	if err != nil {
		t.Errorf("the right password on the known device after its wait: %v", err)
	}

	// An administrator's new password clears sok's delays at once.
	for i := 0; i < 8; i++ {
		login("sok", "guess", "203.0.113.5", "")
	}
	if _, err := login("sok", "registrar pw1", "192.0.2.7", ""); !errors.Is(err, auth.ErrRateLimited) {
		t.Fatalf("before the reset: %v", err)
	}
	if err := s.SetPassword(ctx, root, "sok", auth.PasswordChange{Password: "a fresh password"}); err != nil {
		t.Fatal(err)
	}
	if _, err := login("sok", "a fresh password", "192.0.2.7", ""); err != nil {
		t.Errorf("after the reset: %v", err)
	}

	// A day without failures forgets them.
	for i := 0; i < 8; i++ {
		login("admin", "guess", "203.0.113.9", "")
	}
	now = now.Add(25 * time.Hour)
	if _, err := login("admin", "admin password", "192.0.2.8", ""); err != nil {
		t.Errorf("a day later: %v", err)
	}
}
