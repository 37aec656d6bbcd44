package web_test

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestFollowUpBrowser: a legal officer records a step of a follow-up in a
// real browser (a snooze date typed day first, refused when it is not after
// the step's date, with the typed values kept), and the person page and
// "my follow-ups" of the queue, at desktop width and at 360 px, in English
// and in Khmer, show the follow-up and fit the screen. Screenshots go to
// $HABEAS_E2E_OUT/followups.
func TestFollowUpBrowser(t *testing.T) {
	exe := browser(t)
	f := newFixture(t, dbtest.SQLiteDSN(t), 200)
	out := os.Getenv("HABEAS_E2E_OUT")
	if out == "" {
		out = filepath.Join(os.TempDir(), "habeas-e2e")
	}
	out = filepath.Join(out, "followups")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	root := auth.System("setup", "test")
	pv, err := f.srv.Registry().Person(t.Context(), root, f.person)
	if err != nil {
		t.Fatal(err)
	}
	date := pv.AsOf
	legal := &auth.Principal{User: "legal", Role: auth.Legal, Via: "test"}
	if _, err := f.srv.Registry().Record(t.Context(), legal, &domain.Event{Kind: domain.KFollowUp, Date: date.AddDays(-3), Person: f.person,
		Data: &domain.FollowUpData{Action: domain.FollowTake, Note: "asked by the family"}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := browserContext(t, exe)
	defer cancel()
	base := strings.Replace(f.ts.URL, "127.0.0.1", "localhost", 1)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	person := "/staff/persons/" + url.PathEscape(f.person)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(css("input[name=name]"), "legal"),
		chromedp.SendKeys(css("input[name=password]"), password),
		chromedp.Submit(css("input[name=password]")),
		chromedp.WaitReady(css(`form[action="/logout"]`)),
		chromedp.Navigate(base+person),
		chromedp.Click(css("#fu-step")),
		chromedp.WaitReady(css("#record-form")),
		chromedp.SetValue(css("select[name=action]"), "snoozed"),
		chromedp.SetValue(css("input[name=date]"), date.DayFirst()),
		chromedp.SetValue(css("input[name=until]"), date.AddDays(-1).DayFirst()),
		chromedp.SetValue(css("textarea[name=note]"), "waiting for the court file"),
		chromedp.Submit(css("#record-form")),
		chromedp.WaitReady(css("label.invalid")),
	); err != nil {
		t.Fatalf("the refused snooze: %v", err)
	}
	untilErr, _ := chromedp.Run(ctx, chromedp.Text(css("label.invalid .err")))
	noteKept, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[name="note"]').value`))
	if untilErr == "" || noteKept != "waiting for the court file" {
		t.Errorf("the refused snooze: message %q, note kept %q", untilErr, noteKept)
	}
	if buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		os.WriteFile(filepath.Join(out, "form_refused_en.png"), buf, 0o644)
	}
	if err := chromedp.Do(ctx,
		chromedp.SetValue(css("input[name=until]"), date.AddDays(10).DayFirst()),
		chromedp.Submit(css("#record-form")),
		chromedp.WaitReady(css("#follow-up")),
	); err != nil {
		t.Fatalf("the snooze: %v", err)
	}
	state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#fu-state').dataset.state`))
	if state != "snoozed" {
		t.Errorf("after the snooze the person page says %q", state)
	}
	for _, w := range []int{1280, phoneWidth} {
		for _, lang := range []string{"en", "km"} {
			for _, p := range []string{person, "/staff/queue?mine=1"} {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(w), 900),
					chromedp.Navigate(base+p+map[bool]string{true: "&", false: "?"}[strings.Contains(p, "?")]+"lang="+lang),
					chromedp.WaitReady(css("body")),
				); err != nil {
					t.Fatalf("%s at %d px (%s): %v", p, w, lang, err)
				}
				width, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
				shown, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`[...document.querySelectorAll('#fu-state[data-state="snoozed"], td.fu[data-state="snoozed"]')].some(e => e.getClientRects().length > 0)`))
				if width > w {
					t.Errorf("%s (%s) is %d px wide on a %d px screen", p, lang, width, w)
				}
				if !shown {
					t.Errorf("%s (%s, %d px) does not show the snoozed follow-up", p, lang, w)
				}
				name := fmt.Sprintf("%s_%d_%s.png", map[bool]string{true: "queue", false: "person"}[strings.Contains(p, "queue")], w, lang)
				if buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
					os.WriteFile(filepath.Join(out, name), buf, 0o644)
				}
				// The part that shows the follow-up, to look at.
				sel := map[bool]string{true: "#queue", false: "#follow-up"}[strings.Contains(p, "queue")]
				if buf, err := chromedp.Run(ctx, chromedp.Screenshot(css(sel))); err == nil {
					os.WriteFile(filepath.Join(out, "part_"+name), buf, 0o644)
				}
			}
		}
	}
}
