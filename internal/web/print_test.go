package web_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestReportPrintsEveryColumn: the printable report, laid out for A4 (the
// print stylesheet, on the page's printable width: 210 mm less two 12 mm
// margins, 703 CSS px), keeps every table's last column on the page: the
// Total of releases by group and mechanism was cut. Printed to PDF, the
// text of the PDF has every table's last header (checked with pdftotext
// when it is installed).
func TestReportPrintsEveryColumn(t *testing.T) {
	exe := browser(t)
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	print := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	})
	const a4Width = 703
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(a4Width, 1000), print,
		chromedp.Navigate(f.ts.URL+"/reports/2020-12-31/"), chromedp.WaitVisible(chromedp.CSS("#group-table"))); err != nil {
		t.Fatal(err)
	}
	js := `JSON.stringify([...document.querySelectorAll("table")].map(t => {
		const th = t.querySelector("thead tr").lastElementChild;
		return {id: t.id, last: th.textContent.trim(), right: th.getBoundingClientRect().right,
			width: document.documentElement.clientWidth, scroll: document.documentElement.scrollWidth};
	}))`
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatal(err)
	}
	var tables []struct {
		ID, Last             string
		Right, Width, Scroll float64
	}
	if err := json.Unmarshal([]byte(out), &tables); err != nil {
		t.Fatal(err)
	}
	var lasts []string
	for _, tb := range tables {
		lasts = append(lasts, tb.Last)
		if tb.Right > tb.Width+0.5 {
			t.Errorf("table %q: its last column (%s) ends at %.0f px, past the A4 page (%.0f px)", tb.ID, tb.Last, tb.Right, tb.Width)
		}
		if tb.Scroll > tb.Width+0.5 {
			t.Errorf("the page is %.0f px wide on A4's %.0f", tb.Scroll, tb.Width)
		}
	}
	if len(tables) < 6 {
		t.Fatalf("%d tables in the report", len(tables))
	}

	res, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) (page.PrintToPDFResult, error) {
		return cdp.Call(ctx, tg, page.PrintToPDF, page.PrintToPDFParams{PaperWidth: 8.27, PaperHeight: 11.69, PreferCSSPageSize: ptrTo(true)})
	})
	if err != nil || len(res.Data) == 0 {
		t.Fatalf("printing to PDF: %v", err)
	}
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Log("no pdftotext: the PDF's text is not checked (the layout was)")
		return
	}
	pdf := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(pdf, res.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	txt, err := exec.Command(pdftotext, "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	// Headers may wrap on two lines: look for their last word.
	for _, last := range lasts {
		words := strings.Fields(last)
		if len(words) == 0 {
			continue
		}
		if w := words[len(words)-1]; !strings.Contains(string(txt), w) {
			t.Errorf("the printed report lacks the last column %q", last)
		}
	}
	if n := strings.Count(string(txt), "Total"); n < 2 {
		t.Errorf("the printed report has %d Total columns, want those of releases by group and by facility", n)
	}
}

func ptrTo[T any](v T) *T { return &v }
