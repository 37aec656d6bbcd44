package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestOpenRedirect: neither the language switch nor a successful sign-in
// sends the browser to another site, however the next parameter is written.
// The queries are given as sent on the wire, so the server's one decoding is
// part of the test.
func TestOpenRedirect(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), 50)
	hostile := []string{
		"/%09/evil.com", "/%5Ctevil.com", "/%5C%5Cevil.com", "%5C%5C/evil.com", "%5C/evil.com",
		"//evil.com", "/%2F%2Fevil.com", "https://evil.com", "javascript:alert(1)", "/%0D%0A/evil.com",
		"%09//evil.com", "/%09%09/evil.com",
	}
	for _, q := range hostile {
		if res := f.client().get("/lang/km?next=" + q); res.code != http.StatusSeeOther || res.header.Get("Location") != "/" {
			t.Errorf("/lang/km?next=%s: %d Location %q, want 303 to /", q, res.code, res.header.Get("Location"))
		}
		next, err := url.QueryUnescape(q)
		if err != nil {
			t.Fatal(err)
		}
		// The sign-in form carries next in a hidden field; after signing in
		// the browser goes there (/ means the staff home).
		c := f.client()
		if res := c.get("/login?next=" + q); res.code != 200 || !strings.Contains(res.body, `name="next" value="/"`) {
			t.Errorf("/login?next=%s keeps the target in the form: %d", q, res.code)
		}
		res := c.post("/login", url.Values{"name": {"registrar"}, "password": {password}, "next": {next}})
		if res.code != http.StatusSeeOther || res.header.Get("Location") != "/staff" {
			t.Errorf("POST /login next=%q: %d Location %q, want 303 to /staff", next, res.code, res.header.Get("Location"))
		}
	}
	for q, want := range map[string]string{
		"/staff/queue": "/staff/queue",
		"/staff/register%3Ffacility%3DCC1%26q%3Dsok": "/staff/register?facility=CC1&q=sok",
		"/%09staff/queue": "/staff/queue",
	} {
		if res := f.client().get("/lang/en?next=" + q); res.header.Get("Location") != want {
			t.Errorf("/lang/en?next=%s: Location %q, want %q", q, res.header.Get("Location"), want)
		}
		next, _ := url.QueryUnescape(q)
		if res := f.client().post("/login", url.Values{"name": {"registrar"}, "password": {password}, "next": {next}}); res.header.Get("Location") != want {
			t.Errorf("POST /login next=%q: Location %q, want %q", next, res.header.Get("Location"), want)
		}
	}
}

// TestSignInDelays: an attacker's wrong passwords delay the attacker with a
// 429 and Retry-After, not the user on the browser they signed in on before.
func TestSignInDelays(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), 50)
	user := f.login("legal")
	dc := user.cookies["habeas_device"]
	if dc == "" {
		t.Fatal("no device cookie after signing in")
	}
	user.post("/logout", nil)
	attacker := f.client()
	var res response
	for i := 0; i < 10; i++ {
		if res = attacker.post("/login", url.Values{"name": {"legal"}, "password": {"guess " + strconv.Itoa(i)}}); res.code == http.StatusTooManyRequests {
			break
		}
	}
	secs, err := strconv.Atoi(res.header.Get("Retry-After"))
	if res.code != http.StatusTooManyRequests || err != nil || secs < 1 || secs > 900 {
		t.Fatalf("attacker after many guesses: %d Retry-After %q", res.code, res.header.Get("Retry-After"))
	}
	if !strings.Contains(res.body, "wait "+strconv.Itoa(secs)+" seconds") {
		t.Errorf("the page does not say how long to wait:\n%.500s", res.body)
	}
	// The attacker is refused even with the right password meanwhile.
	if res := attacker.post("/login", url.Values{"name": {"legal"}, "password": {password}}); res.code != http.StatusTooManyRequests {
		t.Errorf("right password during the delay: %d", res.code)
	}
	// The user's browser is known: in at once.
	if res := user.post("/login", url.Values{"name": {"legal"}, "password": {password}}); res.code != http.StatusSeeOther {
		t.Errorf("the user on a known browser during the attack: %d", res.code)
	}
	// A copy of the device cookie for another user gives nothing.
	other := f.client()
	other.cookies["habeas_device"] = strings.Replace(dc, "legal.", "admin.", 1)
	for i := 0; i < 4; i++ {
		other.post("/login", url.Values{"name": {"admin"}, "password": {"guess"}})
	}
	if res := other.post("/login", url.Values{"name": {"admin"}, "password": {"guess"}}); res.code != http.StatusTooManyRequests {
		t.Errorf("forged device cookie for admin: %d, want 429", res.code)
	}
}

// TestTokensRevoked: an API token stops working when its user's password is
// changed (unless they ask to keep their tokens) and when the user is
// disabled, and enabling the user again does not bring it back.
func TestTokensRevoked(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), 50)
	c := f.login("registrar")
	newToken := func() string {
		t.Helper()
		res := c.post("/staff/account/tokens", url.Values{"label": {"script"}})
		m := regexp.MustCompile(`id="new-token">([^<]+)<`).FindStringSubmatch(res.body)
		if res.code != 200 || m == nil {
			t.Fatalf("creating a token: %d", res.code)
		}
		return m[1]
	}
	api := func(tok string) int {
		a := f.client()
		a.header.Set("Authorization", "Bearer "+tok)
		return a.get("/api/v1/me").code
	}
	kept, dropped := newToken(), newToken()
	if api(kept) != 200 || api(dropped) != 200 {
		t.Fatal("new tokens do not work")
	}
	// Changing the password, asking to keep the tokens.
	res := c.post("/staff/account/password", url.Values{"current": {password}, "password": {"second password"}, "keep_tokens": {"1"}})
	if res.code != http.StatusSeeOther || api(kept) != 200 || api(dropped) != 200 {
		t.Errorf("password change keeping tokens: %d, tokens %d %d", res.code, api(kept), api(dropped))
	}
	// Changing it again, by default.
	c = f.client()
	if res := c.post("/login", url.Values{"name": {"registrar"}, "password": {"second password"}}); res.code != http.StatusSeeOther {
		t.Fatalf("sign-in with the new password: %d", res.code)
	}
	res = c.post("/staff/account/password", url.Values{"current": {"second password"}, "password": {"third password"}})
	if res.code != http.StatusSeeOther || api(kept) != 401 || api(dropped) != 401 {
		t.Errorf("password change: %d, tokens %d %d, want 401", res.code, api(kept), api(dropped))
	}
	// Disabling revokes; enabling gives nothing back. The administrator
	// works through the API with a token of their own.
	c = f.client()
	c.post("/login", url.Values{"name": {"registrar"}, "password": {"third password"}})
	tok := newToken()
	adm := f.login("admin")
	res = adm.post("/staff/account/tokens", url.Values{"label": {"admin"}})
	m := regexp.MustCompile(`id="new-token">([^<]+)<`).FindStringSubmatch(res.body)
	if m == nil {
		t.Fatal("no admin token")
	}
	admin := f.client()
	admin.header.Set("Authorization", "Bearer "+m[1])
	if res := admin.post("/api/v1/users/registrar/disable", nil); res.code != 200 && res.code != 204 {
		t.Fatalf("disabling through the API: %d %s", res.code, res.body)
	}
	if res := admin.post("/api/v1/users/registrar/enable", nil); res.code != 200 && res.code != 204 {
		t.Fatalf("enabling through the API: %d %s", res.code, res.body)
	}
	if code := api(tok); code != 401 {
		t.Errorf("token of a user disabled and enabled again: %d, want 401", code)
	}
}
