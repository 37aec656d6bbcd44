package web_test

import (
	"cmp"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// phoneWidth is the narrowest screen the pages are made for: a cheap
// Android phone, as registrars and monitors carry.
const phoneWidth = 360

// TestPagesFitAPhone: signed in as an administrator (who sees every staff
// page), a browser 360 px wide follows every link of the site from the
// dashboard, the staff home and a person's file, in English and in Khmer,
// and finds no page wider than the screen: no horizontal scroll (a table
// may scroll inside its own box). The menu folds behind one button.
// Screenshots go to $HABEAS_E2E_OUT/phone.
func TestPagesFitAPhone(t *testing.T) {
	exe := browser(t)
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	out := os.Getenv("HABEAS_E2E_OUT")
	if out == "" {
		out = filepath.Join(os.TempDir(), "habeas-e2e")
	}
	out = filepath.Join(out, "phone")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(phoneWidth, 800),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 12*time.Minute)
	defer cancel()
	base := strings.Replace(f.ts.URL, "127.0.0.1", "localhost", 1)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(phoneWidth, 800),
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(css("input[name=name]"), "admin"),
		chromedp.SendKeys(css("input[name=password]"), password),
		chromedp.Submit(css("input[name=password]")),
		chromedp.WaitReady(css(`form[action="/logout"]`)),
	); err != nil {
		t.Fatalf("signing in: %v", err)
	}

	// The pages: every link of the site reachable from these, same origin,
	// no downloads, no sign-out, one of each path with its first query.
	start := []string{"/", "/staff", "/staff/persons/" + url.PathEscape(f.person), "/staff/queue"}
	skip := func(p string) bool {
		return p == "/logout" || strings.HasPrefix(p, "/lang/") || strings.HasPrefix(p, "/api/") ||
			slices.ContainsFunc([]string{".csv", ".xlsx", ".json", ".zip", ".pdf", ".txt", ".sig", ".pem", ".png", ".svg"},
				func(ext string) bool { return strings.HasSuffix(p, ext) })
	}
	// One page of each kind: a person's file, a user, a report stand for
	// all of them.
	kind := regexp.MustCompile(`^(/staff/persons|/staff/users|/reports|/facilities)/[^/]+`)
	seen := map[string]bool{}
	var pages []string
	queue := slices.Clone(start)
	for len(queue) > 0 && len(pages) < 60 {
		p := queue[0]
		queue = queue[1:]
		u, err := url.Parse(p)
		if err != nil || skip(u.Path) || seen[kind.ReplaceAllString(u.Path, "$1/*")] {
			continue
		}
		seen[kind.ReplaceAllString(u.Path, "$1/*")] = true
		pages = append(pages, p)
		links, err := chromedp.Run(ctx, chromedp.Action[[]string](func(ctx context.Context, tg *chromedp.Target) ([]string, error) {
			if err := chromedp.Do(ctx, chromedp.Navigate(base+p)); err != nil {
				return nil, err
			}
			return chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('a[href^="/"]')].map(a => a.getAttribute('href'))`))
		}))
		if err != nil {
			t.Fatalf("opening %s: %v", p, err)
		}
		queue = append(queue, links...)
	}
	if len(pages) < 15 {
		t.Fatalf("only %d pages found from %v: %v", len(pages), start, pages)
	}

	for _, lang := range []string{"en", "km"} {
		for _, p := range pages {
			sep := "?"
			if strings.Contains(p, "?") {
				sep = "&"
			}
			if err := chromedp.Do(ctx, chromedp.Navigate(base+p+sep+"lang="+lang), chromedp.WaitReady(css("body"))); err != nil {
				t.Fatalf("opening %s: %v", p, err)
			}
			width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
			if err != nil {
				t.Fatal(err)
			}
			if width > phoneWidth {
				// Name what sticks out, for whoever mends it.
				wide, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('body *')].filter(e => {
					const r = e.getBoundingClientRect(); return r.right > `+"360"+` + 1 && !e.closest('.scroll');
				}).slice(0, 5).map(e => e.tagName + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '') + ' ' + Math.round(e.getBoundingClientRect().right))`))
				t.Errorf("%s (%s) is %d px wide on a %d px screen: %v", p, lang, width, phoneWidth, wide)
			}
			// The menu is folded: its links are not on screen until asked for.
			if lang == "en" {
				shown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const a = document.querySelector('header nav .links a'); return !!a && a.getClientRects().length > 0 })()`))
				if err != nil || shown {
					t.Errorf("%s: the menu is not folded at %d px (links shown: %v, %v)", p, phoneWidth, shown, err)
				}
			}
			name := strings.NewReplacer("/", "_", "?", "_", "&", "_", "=", "-").Replace(strings.TrimPrefix(p, "/"))
			if buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
				os.WriteFile(filepath.Join(out, cmp.Or(name, "dashboard")+"_"+lang+".png"), buf, 0o644)
			}
		}
	}
	// One tap on the menu button shows the links.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/staff?lang=en"), chromedp.Click(css("label.menu-button")),
		chromedp.WaitVisible(css(`header nav .links a[href="/staff/queue"]`))); err != nil {
		t.Errorf("opening the folded menu: %v", err)
	}
	t.Logf("%d pages checked at %d px in English and Khmer: %v", len(pages), phoneWidth, pages)
}
