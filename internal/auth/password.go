package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/habeas-kh/habeas/internal/domain"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the cost of a password hash. They are written into each
// hash, so raising them later leaves older hashes verifiable.
type Argon2Params struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultArgon2 is OWASP's recommended minimum for Argon2id (19 MiB, two
// passes, one lane): about 30 ms on a server core.
var DefaultArgon2 = Argon2Params{Time: 2, Memory: 19 * 1024, Threads: 1}

const (
	minPassword = 10
	maxPassword = 256 // bytes: bounds the work an attacker can ask for
)

// checkPassword says what is wrong with a new password.
func checkPassword(pw string) error {
	switch {
	case !utf8.ValidString(pw):
		return domain.Invalid("password", "is not valid text")
	case utf8.RuneCountInString(pw) < minPassword:
		return domain.Invalid("password", "must have at least %d characters", minPassword)
	case len(pw) > maxPassword:
		return domain.Invalid("password", "must have at most %d bytes", maxPassword)
	}
	return nil
}

// HashPassword returns the PHC string of an Argon2id hash with a fresh salt.
func HashPassword(pw string, p Argon2Params) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, 32)
	b64 := base64.RawStdEncoding.EncodeToString
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, b64(salt), b64(key))
}

// VerifyPassword reports whether pw matches a PHC hash from HashPassword.
func VerifyPassword(pw, phc string) bool {
	if len(pw) > maxPassword {
		return false
	}
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil || p.Threads == 0 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// RandomPassword is a password for a new account when none is given: 20
// characters from a 64-letter alphabet (120 bits).
func RandomPassword() string {
	b := make([]byte, 15)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
