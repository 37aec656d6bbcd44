package web_test

import (
	"fmt"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/web"
)

// TestBrowserPlainHTTPWarning: a browser reaching the sign-in page over
// plain HTTP from another machine (through a trusted proxy that says so:
// the test's browser runs on this machine) sees the warning, in English
// and Khmer, whole on a desktop screen and on a 360 px phone (no sideways
// scroll). Screenshots go to $HABEAS_E2E_OUT/plain-http.
func TestBrowserPlainHTTPWarning(t *testing.T) {
	exe := browser(t)
	f := newFixture(t, dbtest.SQLiteDSN(t), 20)
	srv, err := web.New(newServicesLogged(t, f.db, testLog(t)), web.Options{Log: testLog(t),
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	out := os.Getenv("HABEAS_E2E_OUT")
	if out == "" {
		out = filepath.Join(os.TempDir(), "habeas-e2e")
	}
	out = filepath.Join(out, "plain-http")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := browserContext(t, exe)
	defer cancel()
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	// The browser is on this machine: the trusted proxy's headers say
	// the page came over plain HTTP from 192.0.2.5.
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"X-Forwarded-For": "192.0.2.5", "X-Forwarded-Proto": "http"}}); err != nil {
		t.Fatal(err)
	}
	for _, width := range []int64{1280, phoneWidth} {
		for _, lang := range []string{"en", "km"} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800), chromedp.Navigate(ts.URL+"/login?lang="+lang),
				chromedp.WaitVisible(css("#plain-http"))); err != nil {
				t.Fatalf("%s at %d px: %v", lang, width, err)
			}
			text, err := chromedp.Run(ctx, chromedp.Text(css("#plain-http")))
			if err != nil {
				t.Fatal(err)
			}
			scroll, _ := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
			client, _ := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.clientWidth`))
			if scroll > client || client == 0 {
				t.Errorf("%s at %d px: the page is %d px wide, the screen %d", lang, width, scroll, client)
			}
			want := map[string]string{"en": "Signing in cannot work", "km": "មិនអាចចូលប្រើ"}[lang]
			if !strings.Contains(text, want) || !strings.Contains(text, "--tls-cert") {
				t.Errorf("%s at %d px: the warning says %q", lang, width, text)
			}
			shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(out, fmt.Sprintf("login-%s-%d.png", lang, width)), shot, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
