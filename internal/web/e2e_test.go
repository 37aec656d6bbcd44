package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// browser finds Debian's chromium. In CI (CI set) a missing browser is a
// failure: .ci/run installs it.
func browser(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" || os.Getenv("HABEAS_REQUIRE_BROWSER") != "" {
		t.Fatal("no chromium on PATH: install it with apt-get install chromium (.ci/run does)")
	}
	t.Skip("no chromium on PATH: the browser tests need apt-get install chromium")
	return ""
}

// browserContext starts chromium for a test: a tab, closed with cancel.
func browserContext(t *testing.T, exe string) (context.Context, context.CancelFunc) {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	ctx, cancelTime := context.WithTimeout(ctx, 3*time.Minute)
	return ctx, func() { cancelTime(); cancelTab(); cancelAlloc() }
}

// TestBrowser drives a real browser through the main path: sign in, admit
// someone, release them, see the release counted on the public dashboard,
// switch to Khmer, and check the screening queue. Screenshots of the main
// pages go to $HABEAS_E2E_OUT (default: a habeas-e2e folder in the temp dir).
func TestBrowser(t *testing.T) {
	exe := browser(t)
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	out := os.Getenv("HABEAS_E2E_OUT")
	if out == "" {
		out = filepath.Join(os.TempDir(), "habeas-e2e")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := browserContext(t, exe)
	defer cancel()

	// localhost, so that the browser treats the origin as secure and keeps
	// the Secure session cookie.
	base := strings.Replace(f.ts.URL, "127.0.0.1", "localhost", 1)
	type step = chromedp.Action[chromedp.Void]
	do := func(what string, steps ...step) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("reading %s: %v", sel, err)
		}
		return s
	}
	shot := func(name string) {
		t.Helper()
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(out, name+".png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	releases := func() int {
		do("opening the dashboard", chromedp.Navigate(base+"/?lang=en"), chromedp.WaitVisible(css("#fig-released")))
		s := text("#fig-released")
		n, err := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
		if err != nil {
			t.Fatalf("releases on the dashboard: %q", s)
		}
		return n
	}
	before := releases()
	do("public dashboard", chromedp.Navigate(base+"/"), chromedp.WaitVisible(css("svg.chart")))
	shot("dashboard")

	do("signing in",
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(css("input[name=name]"), "registrar"),
		chromedp.SendKeys(css("input[name=password]"), password),
		chromedp.Submit(css("input[name=password]")),
		chromedp.WaitVisible(css("#register")),
	)
	shot("register")
	do("admitting someone",
		chromedp.Navigate(base+"/staff/admit"),
		chromedp.WaitVisible(css("#admit-form")),
		chromedp.SendKeys(css("input[name=person_id]"), "E2E-1"),
		chromedp.SendKeys(css("input[name=name]"), "Chan Sophea"),
		chromedp.SetValue(css("select[name=sex]"), "F"),
		chromedp.SendKeys(css("input[name=dob]"), "1994-05-06"),
		chromedp.SendKeys(css("input[name=date]"), "2020-12-30"),
		chromedp.SetValue(css("select[name=dob_basis]"), "declared"),
		chromedp.SetValue(css("select[name=facility]"), "CC1"),
		chromedp.SetValue(css("select[name=status]"), "pretrial"),
		chromedp.SendKeys(css("input[name=case]"), "C-E2E-1"),
		chromedp.SetValue(css("select[name=procedure]"), "ordinary"),
		chromedp.Submit(css("#admit-form")),
		chromedp.WaitVisible(css("#timeline")),
	)
	if h := text("h1"); !strings.Contains(h, "Chan Sophea") {
		t.Fatalf("after the admission the page is %q", h)
	}
	shot("person")
	// The court dismisses the charges and the person stays held: screening
	// asks for a review while the prosecution may still appeal (RV-03).
	do("recording the dismissal of the charges",
		chromedp.Click(css("#record-dismissal")),
		chromedp.WaitVisible(css("#record-form")),
	)
	shot("dismissal-form")
	do("saving the dismissal", chromedp.Submit(css("#record-form")), chromedp.WaitVisible(css("#screening")))
	if s := text("#screening"); !strings.Contains(s, "RV-03") || !strings.Contains(s, "charges dismissed") {
		t.Errorf("after the dismissal the screening says: %q", s)
	}
	shot("person-dismissed")
	for _, l := range []string{"en", "km"} {
		do("the appeal form on a phone", chromedp.EmulateViewport(360, 800),
			chromedp.Navigate(base+"/staff/persons/E2E-1/record/appeal?lang="+l), chromedp.WaitVisible(css("#record-form")))
		shot("appeal-phone-" + l)
		do("the dismissal form on a phone", chromedp.Navigate(base+"/staff/persons/E2E-1/record/dismissal?lang="+l), chromedp.WaitVisible(css("#record-form")))
		shot("dismissal-phone-" + l)
	}
	do("back to the person", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/staff/persons/E2E-1?lang=en"), chromedp.WaitVisible(css("#timeline")))
	do("releasing them",
		chromedp.Click(css("#record-release")),
		chromedp.WaitVisible(css("#record-form")),
		chromedp.SetValue(css("select[name=mechanism]"), "judicial_supervision"),
		chromedp.Submit(css("#record-form")),
		chromedp.WaitVisible(css("#timeline")),
	)
	if c := text("#custody"); !strings.Contains(c, "Not in custody") {
		t.Errorf("after the release: %q", c)
	}
	if after := releases(); after != before+1 {
		t.Errorf("releases on the dashboard: %d before, %d after the release", before, after)
	}

	do("switching to Khmer",
		chromedp.Navigate(base+"/"),
		chromedp.Click(css("a.lang")),
		chromedp.WaitVisible(css("html[lang=km] h1")),
	)
	if h := text("h1"); !strings.Contains(h, "តួលេខការឃុំខ្លួន") {
		t.Errorf("Khmer heading: %q", h)
	}
	fontOK, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.fonts.ready.then(() => document.fonts.check("16px 'Noto Sans Khmer'", "ក"))`, chromedp.EvalAwaitPromise))
	if err != nil || !fontOK {
		t.Errorf("the bundled Khmer font did not load: %v", err)
	}
	shot("dashboard-km")
	do("screening queue", chromedp.Navigate(base+"/staff/queue?lang=en"), chromedp.WaitVisible(css("#queue")))
	if s := text("#queue-total"); !strings.HasSuffix(strings.TrimSpace(s), "people") {
		t.Errorf("queue total: %q", s)
	}
	shot("queue")
	do("queue filter",
		chromedp.Click(css("input[name=crossing]")),
		chromedp.Submit(css("#queue-filter")),
	)
	// Submit returns before the browser has left the page: wait for the
	// filtered one (the old page also has a #queue).
	var loc string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		loc, _ = chromedp.Run(ctx, chromedp.Location())
		if strings.Contains(loc, "crossing=1") || time.Now().After(deadline) {
			break
		}
	}
	if !strings.Contains(loc, "crossing=1") {
		t.Errorf("the filter did not apply: %s", loc)
	}
	do("filtered queue", chromedp.WaitVisible(css("#queue")))
	do("phone-sized dashboard", chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/"), chromedp.WaitVisible(css("svg.chart")))
	shot("dashboard-phone")
	t.Logf("screenshots in %s", out)
}
