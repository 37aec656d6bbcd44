package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"

	"github.com/habeas-kh/habeas/internal/store"
)

// Failed sign-ins earn a delay instead of a lock-out: a lock-out lets anyone
// who knows a user name keep that user out. Failures are counted in the
// store under three kinds of key, so that the delays outlast a restart:
//
//   - user:NAME, every failure against a name (known or not, so that the
//     delays do not tell which names exist);
//   - addr:ADDRESS, every failure from a client address;
//   - device:NAME:ID, the failures of a browser that holds a device cookie
//     of NAME: a signed cookie set when NAME signed in there before.
//
// A browser without NAME's device cookie waits for the user's and the
// address's delays; a known device only for its own, which is capped at
// 30 s, so that an attacker elsewhere cannot keep the user out. A request
// during a delay is refused without checking the password (and without
// counting), so the delay bounds the guesses; nothing waits on the server.
// See docs/accounts.md.

// delayRule is how a count of failures turns into a delay: none for the
// first free failures, then 1 s doubling with each failure, up to max.
type delayRule struct {
	free int
	max  time.Duration
}

var (
	userDelay   = delayRule{free: 3, max: 15 * time.Minute}
	addrDelay   = delayRule{free: 10, max: 15 * time.Minute}
	deviceDelay = delayRule{free: 3, max: 30 * time.Second}
)

// forgetAfter: a count with no failure for this long starts again.
const forgetAfter = 24 * time.Hour

func (r delayRule) delay(failures int) time.Duration {
	n := failures - r.free
	if n <= 0 {
		return 0
	}
	if n > 20 {
		return r.max
	}
	return min(time.Second<<(n-1), r.max)
}

// wait is how long after now the count f still delays a sign-in.
func (r delayRule) wait(f store.SignInFailure, now time.Time) time.Duration {
	if now.Sub(f.Last) >= forgetAfter {
		return 0
	}
	return max(f.Last.Add(r.delay(f.Failures)).Sub(now), 0)
}

func userKey(name string) string       { return "user:" + name }
func addrKey(remote string) string     { return "addr:" + remote }
func deviceKey(name, id string) string { return "device:" + name + ":" + id }

// ruleOf is the rule of a key.
func ruleOf(key string) delayRule {
	switch {
	case strings.HasPrefix(key, "device:"):
		return deviceDelay
	case strings.HasPrefix(key, "addr:"):
		return addrDelay
	}
	return userDelay
}

// The device cookie holds one entry per user who signed in on the browser,
// NAME.ID.MAC, separated by '~', most recent first. MAC is an HMAC-SHA256,
// under a server secret, of the name and the id, so an entry cannot be made
// or moved to another name without the secret.
const (
	deviceSecret     = "device-cookie"
	deviceMaxEntries = 5
	deviceMaxLen     = 1200
)

func deviceMAC(key []byte, name, id string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(name + "\x00" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// parseEntry splits NAME.ID.MAC; a name may itself hold dots.
func parseEntry(e string) (name, id, mac string, ok bool) {
	i := strings.LastIndexByte(e, '.')
	if i < 0 {
		return "", "", "", false
	}
	j := strings.LastIndexByte(e[:i], '.')
	if j <= 0 {
		return "", "", "", false
	}
	return e[:j], e[j+1 : i], e[i+1:], true
}

// knownDevice returns the id of name's entry in a device cookie when its
// signature holds, else "".
func (s *Service) knownDevice(ctx context.Context, cookie, name string) (string, error) {
	if cookie == "" || len(cookie) > deviceMaxLen {
		return "", nil
	}
	key, err := s.Secret(ctx, deviceSecret)
	if err != nil {
		return "", err
	}
	for _, e := range strings.Split(cookie, "~") {
		n, id, mac, ok := parseEntry(e)
		if ok && n == name && id != "" && hmac.Equal([]byte(mac), []byte(deviceMAC(key, n, id))) {
			return id, nil
		}
	}
	return "", nil
}

// deviceCookie is the device cookie after name signed in: name's entry (id,
// or a new one when id is empty) first, then the other users' entries.
func (s *Service) deviceCookie(ctx context.Context, cookie, name, id string) (string, error) {
	key, err := s.Secret(ctx, deviceSecret)
	if err != nil {
		return "", err
	}
	if id == "" {
		b := make([]byte, 16)
		rand.Read(b)
		id = base64.RawURLEncoding.EncodeToString(b)
	}
	out := []string{name + "." + id + "." + deviceMAC(key, name, id)}
	if len(cookie) <= deviceMaxLen {
		for _, e := range strings.Split(cookie, "~") {
			if n, _, _, ok := parseEntry(e); ok && n != name && len(out) < deviceMaxEntries && len(e) < 200 {
				out = append(out, e)
			}
		}
	}
	return strings.Join(out, "~"), nil
}
