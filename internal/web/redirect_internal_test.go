package web

import "testing"

// TestLocalPath: a redirect target (the next parameter of /lang/ and
// /login) stays on this site however a browser would read it. The values are
// what the handler sees, after the one decoding of the query or form.
func TestLocalPath(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// Hostile: each is read by a browser as another site, or is no path.
		{"/\t/evil.com", "/"},          // ?next=/%09/evil.com: the tab is dropped, "//evil.com" is left
		{`/\tevil.com`, "/"},           // a backslash is a slash: "//tevil.com"
		{`/\\evil.com`, "/"},           // "///evil.com"
		{`\\/evil.com`, "/"},           // "///evil.com"
		{`\/evil.com`, "/"},            // "//evil.com"
		{`/\evil.com`, "/"},            // "//evil.com"
		{"//evil.com", "/"},            // scheme-relative
		{"///evil.com", "/"},           // ?next=/%2F%2Fevil.com after its one decoding
		{"/\n/evil.com", "/"},          // a newline dropped like the tab
		{"/\r\n/evil.com", "/"},        // and a carriage return
		{"\t//evil.com", "/"},          // a leading tab
		{" //evil.com", "/"},           // not a path: a browser trims the space
		{"https://evil.com", "/"},      // a URL
		{"https:/evil.com", "/"},       // a scheme with one slash
		{"javascript:alert(1)", "/"},   // a scheme
		{"evil.com", "/"},              // relative
		{"/\x00/evil.com", "/"},        // another control character
		{"/\x7f", "/"},                 // DEL
		{"", "/"},                      //
		{"//user@evil.com/x?y=1", "/"}, // with a user
		// Good: paths on this site, query strings and fragments kept.
		{"/", "/"},
		{"/staff/queue", "/staff/queue"},
		{"/staff/register?facility=CC1&q=sok+dara&offset=50", "/staff/register?facility=CC1&q=sok+dara&offset=50"},
		{"/staff/persons/123%2F2020?tab=events#trail", "/staff/persons/123%2F2020?tab=events#trail"},
		{"/%2F%2Fevil.com", "/%2F%2Fevil.com"}, // decoded twice: a path here, %2F is not a slash to a browser
		{"/https://evil.com", "/https://evil.com"},
		{"/\tstaff/queue", "/staff/queue"}, // the tab dropped leaves a path here: the normalised form is returned
	} {
		if got := localPath(c.in); got != c.want {
			t.Errorf("localPath(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
