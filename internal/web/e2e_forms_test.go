package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestBrowserAdmissionForm (issue 16, items 5 and 6): in a real browser, a
// registrar fills in every field of the admission form, typing dates day
// first; the session ends (signed out in another tab) before the form is
// sent; after signing in again the form comes back filled, is sent, and
// every value is in the stored events and on the person's page.
func TestBrowserAdmissionForm(t *testing.T) {
	exe := browser(t)
	f := newFixture(t, dbtest.SQLiteDSN(t), 200)
	ctx := context.Background()
	cells, err := f.db.Cells(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cell := ""
	for _, c := range cells {
		if c.Facility == "CC1" {
			cell = c.Label
			break
		}
	}
	bctx, cancel := browserContext(t, exe)
	defer cancel()
	base := strings.Replace(f.ts.URL, "127.0.0.1", "localhost", 1)
	type step = chromedp.Action[chromedp.Void]
	do := func(ctx context.Context, what string, steps ...step) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	signIn := []step{
		chromedp.WaitVisible(css("input[name=password]")),
		chromedp.SendKeys(css("input[name=name]"), "registrar"),
		chromedp.SendKeys(css("input[name=password]"), password),
		chromedp.Submit(css("input[name=password]")),
	}
	do(bctx, "signing in", append([]step{chromedp.Navigate(base + "/login")}, append(signIn, chromedp.WaitVisible(css("#register")))...)...)

	// Choices first, then the typed fields: typing is what the page keeps
	// in the tab, with the choices made before it.
	selects := map[string]string{"sex": "F", "dob_basis": "document", "facility": "CC1", "status": "pretrial",
		"order_kind": "detention_order", "procedure": "ordinary", "class": "misdemeanour", "class_2": "felony"}
	checks := []string{"repeat_offender", "prior_prison_5y", "violent", "drug_2", "life_2", "grave_2"}
	typed := [][2]string{
		{"person_id", "BR-1"}, {"name", "Chan Sophea"}, {"other_names", "Sophea"}, {"gender", "woman"},
		{"dob", "06/05/1994"}, {"nationality", "KH"}, {"id_document", "ID card 0102"},
		{"date", "30/12/2020"}, {"cell", cell}, {"arrest_date", "២៩/១២/២០២០"}, {"arrest_time", "07:15"}, {"arrest_place", "Kandal market"},
		{"order_authority", "Investigating judge Chea"}, {"order_reference", "DO-BR-1"}, {"order_issued", "30-12-2020"}, {"order_expires", "2021-06-29"},
		{"case", "C-BR-1"}, {"court", "Kandal Court"}, {"offence_date", "28/12/2020"},
		{"offence", "theft"}, {"min_months", "6"}, {"max_months", "36"},
		{"offence_2", "drug trafficking"}, {"min_months_2", "60"}, {"max_months_2", "240"},
		{"injuries", "bruise on the left arm"}, {"complaints", "no food for two days"}, {"property", "phone and 20000 riel"},
		{"next_of_kin", "Chan Dara, brother"}, {"child_name", "Chan Nita"}, {"child_dob", "15/03/2019"},
	}
	fill := []step{chromedp.Navigate(base + "/staff/admit"), chromedp.WaitVisible(css("#admit-form"))}
	for k, v := range selects {
		fill = append(fill, chromedp.SetValue(css("select[name="+k+"]"), v))
	}
	for _, k := range checks {
		fill = append(fill, chromedp.Click(css("input[name="+k+"]")))
	}
	for _, kv := range typed {
		fill = append(fill, chromedp.SendKeys(css("[name="+kv[0]+"]"), kv[1]))
	}
	do(bctx, "filling in the admission form", fill...)

	// The session ends while the form is open: signed out in another tab.
	other, cancelOther := chromedp.NewContext(bctx)
	do(other, "signing out in another tab", chromedp.Navigate(base+"/staff/register"), chromedp.WaitVisible(css("#register")),
		chromedp.Click(css(`form[action="/logout"] button`)), chromedp.WaitVisible(css(`nav a[href="/login"]`)))
	cancelOther()
	do(bctx, "sending the form without a session", chromedp.Submit(css("#admit-form")))
	do(bctx, "signing in again", signIn...)
	do(bctx, "back on the form", chromedp.WaitVisible(css("#admit-form")), chromedp.WaitVisible(css("#draft-restored")))
	for _, kv := range typed {
		got, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector('[name="`+kv[0]+`"]').value`))
		if err != nil || got != kv[1] {
			t.Errorf("after signing in again, %s = %q, want %q (%v)", kv[0], got, kv[1], err)
		}
	}
	for k, v := range selects {
		if got, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector('[name="`+k+`"]').value`)); got != v {
			t.Errorf("after signing in again, %s = %q, want %q", k, got, v)
		}
	}
	for _, k := range checks {
		if got, _ := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.querySelector('[name="`+k+`"]').checked`)); !got {
			t.Errorf("after signing in again, %s is not ticked", k)
		}
	}
	do(bctx, "saving the admission", chromedp.Submit(css("#admit-form")), chromedp.WaitVisible(css("#timeline")))
	if h, _ := chromedp.Run(bctx, chromedp.Text(css("h1"))); !strings.Contains(h, "Chan Sophea") {
		t.Fatalf("after the admission the page is %q", h)
	}
	body, err := chromedp.Run(bctx, chromedp.Text(css("main")))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Sophea", "ID card 0102", "Kandal market", "Investigating judge Chea", "DO-BR-1", "C-BR-1", "Kandal Court",
		"drug trafficking", "bruise on the left arm", "no food for two days", "phone and 20000 riel", "Chan Dara, brother", "Chan Nita"} {
		if !strings.Contains(body, s) {
			t.Errorf("the person page does not show %q", s)
		}
	}
	// The saved page forgets the draft: a new form is blank.
	do(bctx, "a new admission form", chromedp.Navigate(base+"/staff/admit"), chromedp.WaitVisible(css("#admit-form")))
	if got, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector('[name="name"]').value`)); got != "" {
		t.Errorf("a new admission form after the save is filled with %q", got)
	}

	// Another user signing in here never sees what was typed: a draft
	// left by the registrar is forgotten when the administrator's first
	// page loads.
	do(bctx, "a draft left behind", chromedp.Navigate(base+"/staff/admit"), chromedp.WaitVisible(css("#admit-form")),
		chromedp.SendKeys(css("[name=name]"), "Left Behind"))
	do(bctx, "signing out", chromedp.Click(css(`form[action="/logout"] button`)), chromedp.WaitVisible(css(`nav a[href="/login"]`)))
	if n, _ := chromedp.Run(bctx, chromedp.Evaluate[int](`sessionStorage.length`)); n != 0 {
		t.Errorf("after signing out, the tab keeps %d drafts", n)
	}
	do(bctx, "another draft left behind", chromedp.Navigate(base+"/login"), chromedp.SendKeys(css("input[name=name]"), "registrar"),
		chromedp.SendKeys(css("input[name=password]"), password), chromedp.Submit(css("input[name=password]")), chromedp.WaitVisible(css("#register")),
		chromedp.Navigate(base+"/staff/admit"), chromedp.WaitVisible(css("#admit-form")), chromedp.SendKeys(css("[name=name]"), "Left Behind"))
	other, cancelOther = chromedp.NewContext(bctx)
	do(other, "the session ends", chromedp.Navigate(base+"/staff/register"), chromedp.WaitVisible(css("#register")),
		chromedp.Click(css(`form[action="/logout"] button`)), chromedp.WaitVisible(css(`nav a[href="/login"]`)))
	cancelOther()
	do(bctx, "the administrator signs in", chromedp.Navigate(base+"/login"), chromedp.SendKeys(css("input[name=name]"), "admin"),
		chromedp.SendKeys(css("input[name=password]"), password), chromedp.Submit(css("input[name=password]")), chromedp.WaitVisible(css("#register")),
		chromedp.Navigate(base+"/staff/admit"), chromedp.WaitVisible(css("#admit-form")))
	if got, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector('[name="name"]').value`)); got != "" {
		t.Errorf("the administrator's admission form is filled with the registrar's %q", got)
	}
	if n, _ := chromedp.Run(bctx, chromedp.Evaluate[int](`Object.keys(sessionStorage).filter(k => k.indexOf("registrar") >= 0).length`)); n != 0 {
		t.Errorf("the registrar's draft is still in the tab the administrator uses")
	}

	pv, err := f.srv.Registry().Person(ctx, auth.System("check", "test"), "BR-1")
	if err != nil {
		t.Fatal(err)
	}
	d := domain.MakeDate
	want := []any{
		&domain.PersonData{Name: "Chan Sophea", OtherNames: "Sophea", Sex: domain.Female, Gender: "woman", DOB: d(1994, 5, 6),
			DOBBasis: domain.DOBDocument, Nationality: "KH", IDDocument: "ID card 0102"},
		&domain.AdmissionData{Cell: cell, ArrestedAt: "2020-12-29T07:15", ArrestPlace: "Kandal market", Status: domain.StatusPretrial,
			Order: &domain.Order{Kind: domain.OrderDetention, Authority: "Investigating judge Chea", Reference: "DO-BR-1",
				Issued: d(2020, 12, 30), Expires: d(2021, 6, 29)},
			Case: &domain.Case{ID: "C-BR-1", Court: "Kandal Court", Procedure: domain.ProcOrdinary, OffenceDate: d(2020, 12, 28),
				Charges: []domain.Charge{{Offence: "theft", Class: domain.Misdemeanor, MinMonths: 6, MaxMonths: 36, Violent: true},
					{Offence: "drug trafficking", Class: domain.Felony, MinMonths: 60, MaxMonths: 240, Life: true, Drug: true, Grave: true}}},
			RepeatOffender: true, PriorPrison5y: true, Injuries: "bruise on the left arm", Complaints: "no food for two days",
			Property: "phone and 20000 riel", NextOfKin: "Chan Dara, brother"},
		&domain.HealthData{Fact: domain.FactChildIn, ChildName: "Chan Nita", ChildDOB: d(2019, 3, 15)},
	}
	if len(pv.Timeline) != len(want) {
		t.Fatalf("the file holds %d events, want %d (recorded once)", len(pv.Timeline), len(want))
	}
	for i, w := range want {
		g, _ := json.Marshal(pv.Timeline[i].Data)
		wj, _ := json.Marshal(w)
		if string(g) != string(wj) || pv.Timeline[i].Date != d(2020, 12, 30) {
			t.Errorf("event %d stored %s on %s\nwant %s on 2020-12-30", i, g, pv.Timeline[i].Date, wj)
		}
	}
}
