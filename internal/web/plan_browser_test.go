package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/plan"
	"github.com/habeas-kh/habeas/internal/scenario"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestPlanPagesInABrowser opens the plan builder with a plan, a plan's
// progress and its public page, a plan's outbreak scenario (staff) and its
// published national scenario, at desktop width and 360 px, in English
// and Khmer: no page is wider than a phone's screen (its tables scroll in
// their own box). Screenshots go to $HABEAS_E2E_OUT/plan.
func TestPlanPagesInABrowser(t *testing.T) {
	exe := browser(t)
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	root := auth.System("admin", "test")
	opt := plan.Options{Target: plan.Target{Kind: plan.TargetCapacity}, Exclude: []plan.Exclusion{plan.ExcludeGrave}}
	if _, _, err := f.srv.Registry().SavePlan(t.Context(), root, "browser", domain.NoDate, opt); err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.Registry().PublishPlan(t.Context(), root, "browser", &scenario.Options{Runs: 40, Days: 90, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	out := os.Getenv("HABEAS_E2E_OUT")
	if out == "" {
		out = filepath.Join(os.TempDir(), "habeas-e2e")
	}
	out = filepath.Join(out, "plan")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := browserContext(t, exe)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 4*time.Minute)
	defer cancelT()
	base := strings.Replace(f.ts.URL, "127.0.0.1", "localhost", 1)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(css("input[name=name]"), "admin"),
		chromedp.SendKeys(css("input[name=password]"), password),
		chromedp.Submit(css("input[name=password]")),
		chromedp.WaitReady(css(`form[action="/logout"]`)),
	); err != nil {
		t.Fatalf("signing in: %v", err)
	}
	pages := map[string]string{
		"builder":  "/staff/plan?target=releases&value=200&exclude=violent&chosen=1&mechanism=judicial_supervision&mechanism=conditional_release",
		"progress": "/staff/plans/browser?",
		"public":   "/plans/browser?",
		"scenario": "/staff/scenario?plan=browser&runs=40&days=90",
		// The published plan's national scenario.
		"scenario_public": "/plans/browser/scenario?",
	}
	for name, p := range pages {
		for _, lang := range []string{"en", "km"} {
			for _, width := range []int{1280, 360} {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), 800), chromedp.Navigate(base+p+"&lang="+lang),
					chromedp.WaitReady(css("main h1"))); err != nil {
					t.Fatalf("opening %s (%s, %d px): %v", p, lang, width, err)
				}
				got, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
				if err != nil {
					t.Fatal(err)
				}
				if width == 360 && got > 360 {
					t.Errorf("%s (%s) is %d px wide on a 360 px screen", name, lang, got)
				}
				// The top of the page, then its first table, as a reader
				// scrolling to it sees them.
				file := filepath.Join(out, name+"_"+lang+"_"+map[int]string{1280: "desktop", 360: "phone"}[width])
				if buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
					os.WriteFile(file+".png", buf, 0o644)
				}
				if err := chromedp.Do(ctx, chromedp.ScrollIntoView(css("main table"))); err == nil {
					if buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
						os.WriteFile(file+"_table.png", buf, 0o644)
					}
				}
			}
		}
	}
}
