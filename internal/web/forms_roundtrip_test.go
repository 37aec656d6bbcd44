package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// roundTrip is one form filled in with every field, and the events it
// must store: their kinds, dates, facilities and details, written out by
// hand from what was typed (the dates typed day first, in Khmer digits
// and in ISO, as people write them).
type roundTrip struct {
	form   string // the form's path under the person (or /staff/admit)
	values url.Values
	want   []*domain.Event
	// shown are typed texts the person page must show.
	shown []string
}

// TestFormsRoundTrip (issue 16, items 1, 2, 4 and 6): every form of a
// person event, filled in with every field, records every value, finds
// it again in the stored event and on the person's page; the same form
// with an impossible date stores nothing and comes back with the message
// on that field and everything typed still in it.
func TestFormsRoundTrip(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), 200)
	ctx := context.Background()
	cells, err := f.db.Cells(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cellsOf := map[string][]string{}
	for _, c := range cells {
		cellsOf[c.Facility] = append(cellsOf[c.Facility], c.Label)
	}
	if len(cellsOf["CC1"]) < 2 || len(cellsOf["CC2"]) < 1 {
		t.Fatalf("the demo estate has too few cells: %v", cellsOf)
	}
	cc1a, cc1b, cc2 := cellsOf["CC1"][0], cellsOf["CC1"][1], cellsOf["CC2"][0]
	const id = "RT-1"
	d := domain.MakeDate
	ev := func(kind domain.Kind, date domain.Date, fac string, data any) *domain.Event {
		return &domain.Event{Kind: kind, Date: date, Person: id, Facility: fac, Data: data}
	}
	admission := url.Values{
		"date": {"02/11/2020"}, "facility": {"CC1"}, "cell": {cc1a}, "status": {"pretrial"},
		"arrest_date": {"31-10-2020"}, "arrest_time": {"18:30"}, "arrest_place": {"Kandal market"},
		"order_kind": {"detention_order"}, "order_authority": {"Investigating judge Chea"}, "order_reference": {"DO-2020-77"},
		"order_issued": {"01.11.2020"}, "order_expires": {"2021-05-01"},
		"case": {"PPC-2020-0077"}, "court": {"Phnom Penh Court of First Instance"}, "procedure": {"ordinary"},
		"offence_date": {"30/10/2020"}, "repeat_offender": {"1"}, "prior_prison_5y": {"1"},
		"offence": {"theft"}, "class": {"misdemeanour"}, "min_months": {"6"}, "max_months": {"36"}, "violent": {"1"},
		"offence_2": {"drug trafficking"}, "class_2": {"felony"}, "min_months_2": {"60"}, "max_months_2": {"240"},
		"life_2": {"1"}, "drug_2": {"1"}, "grave_2": {"1"},
		"injuries": {"bruise on the left arm"}, "complaints": {"no food for two days"}, "property": {"phone and 20000 riel"},
		"next_of_kin": {"Keo Dara, brother, 012 345 678"},
		"child_name":  {"Keo Nita"}, "child_dob": {"15/03/2019"}, "child_name_2": {"Keo Vibol"}, "child_dob_2": {"01/01/2020"},
	}
	admitted := &domain.AdmissionData{Cell: cc1a, ArrestedAt: "2020-10-31T18:30", ArrestPlace: "Kandal market", Status: domain.StatusPretrial,
		Order: &domain.Order{Kind: domain.OrderDetention, Authority: "Investigating judge Chea", Reference: "DO-2020-77",
			Issued: d(2020, 11, 1), Expires: d(2021, 5, 1)},
		Case: &domain.Case{ID: "PPC-2020-0077", Court: "Phnom Penh Court of First Instance", Procedure: domain.ProcOrdinary,
			OffenceDate: d(2020, 10, 30), Charges: []domain.Charge{
				{Offence: "theft", Class: domain.Misdemeanor, MinMonths: 6, MaxMonths: 36, Violent: true},
				{Offence: "drug trafficking", Class: domain.Felony, MinMonths: 60, MaxMonths: 240, Life: true, Drug: true, Grave: true}}},
		RepeatOffender: true, PriorPrison5y: true, Injuries: "bruise on the left arm", Complaints: "no food for two days",
		Property: "phone and 20000 riel", NextOfKin: "Keo Dara, brother, 012 345 678"}
	newPerson := url.Values{"person_id": {id}, "name": {"Keo Sreymom"}, "other_names": {"Srey Mom"}, "sex": {"F"},
		"gender": {"woman"}, "dob": {"០៦/០៥/១៩៩៤"}, "dob_basis": {"document"}, "nationality": {"KH"}, "id_document": {"ID card 010203040"}}
	for k, v := range admission {
		newPerson[k] = v
	}
	again := url.Values{"date": {"20/01/2021"}, "facility": {"CC1"}, "cell": {cc1b}, "status": {"police_custody"},
		"arrest_date": {"19/01/2021"}, "arrest_place": {"Takhmao"}, "order_kind": {"police_custody"},
		"order_authority": {"Judicial police"}, "order_reference": {"PC-9"}, "order_issued": {"19/01/2021"}, "order_expires": {"21/01/2021"},
		"injuries": {"none seen"}, "next_of_kin": {"Keo Dara again"}}
	forms := []roundTrip{
		{"/staff/admit", newPerson, []*domain.Event{
			ev(domain.KPerson, d(2020, 11, 2), "", &domain.PersonData{Name: "Keo Sreymom", OtherNames: "Srey Mom", Sex: domain.Female,
				Gender: "woman", DOB: d(1994, 5, 6), DOBBasis: domain.DOBDocument, Nationality: "KH", IDDocument: "ID card 010203040"}),
			ev(domain.KAdmission, d(2020, 11, 2), "CC1", admitted),
			ev(domain.KHealth, d(2020, 11, 2), "", &domain.HealthData{Fact: domain.FactChildIn, ChildName: "Keo Nita", ChildDOB: d(2019, 3, 15)}),
			ev(domain.KHealth, d(2020, 11, 2), "", &domain.HealthData{Fact: domain.FactChildIn, ChildName: "Keo Vibol", ChildDOB: d(2020, 1, 1)}),
		}, []string{"Keo Sreymom", "Srey Mom", "ID card 010203040", "Kandal market", "Investigating judge Chea", "DO-2020-77",
			"PPC-2020-0077", "drug trafficking", "bruise on the left arm", "no food for two days", "phone and 20000 riel",
			"Keo Dara, brother, 012 345 678", "Keo Nita", "Keo Vibol"}},
		{"cell_assignment", url.Values{"date": {"05/11/2020"}, "cell": {cc1b}},
			[]*domain.Event{ev(domain.KCellAssign, d(2020, 11, 5), "", &domain.CellAssignData{Cell: cc1b})}, []string{cc1b}},
		{"order", url.Values{"date": {"06/11/2020"}, "order_kind": {"detention_order"}, "order_authority": {"Investigating judge Sok"},
			"order_reference": {"DO-2020-78"}, "order_issued": {"06/11/2020"}, "order_expires": {"06/05/2021"}, "status": {"pretrial"}},
			[]*domain.Event{ev(domain.KOrder, d(2020, 11, 6), "", &domain.OrderData{Order: domain.Order{Kind: domain.OrderDetention,
				Authority: "Investigating judge Sok", Reference: "DO-2020-78", Issued: d(2020, 11, 6), Expires: d(2021, 5, 6)},
				Status: domain.StatusPretrial})}, []string{"Investigating judge Sok", "DO-2020-78"}},
		{"hearing", url.Values{"date": {"10/11/2020"}, "case": {"PPC-2020-0077"}, "court": {"Phnom Penh Court of First Instance"},
			"purpose": {"questioning"}, "lawyer": {"Lawyer Vann"}, "outcome": {"adjourned"}},
			[]*domain.Event{ev(domain.KHearing, d(2020, 11, 10), "", &domain.HearingData{Case: "PPC-2020-0077",
				Court: "Phnom Penh Court of First Instance", Purpose: "questioning", Lawyer: "Lawyer Vann", Outcome: "adjourned"})},
			[]string{"questioning", "Lawyer Vann", "adjourned"}},
		{"charge_change", url.Values{"date": {"12/11/2020"}, "case": {"PPC-2020-0077"},
			"offence": {"theft"}, "class": {"misdemeanour"}, "min_months": {"6"}, "max_months": {"36"},
			"offence_2": {"receiving stolen goods"}, "class_2": {"misdemeanour"}, "min_months_2": {"6"}, "max_months_2": {"24"},
			"violent_2": {"1"}, "drug_2": {"1"}, "life_2": {"1"}, "grave_2": {"1"}},
			[]*domain.Event{ev(domain.KCharge, d(2020, 11, 12), "", &domain.ChargeData{Case: "PPC-2020-0077", Charges: []domain.Charge{
				{Offence: "theft", Class: domain.Misdemeanor, MinMonths: 6, MaxMonths: 36},
				{Offence: "receiving stolen goods", Class: domain.Misdemeanor, MinMonths: 6, MaxMonths: 24, Life: true, Drug: true, Violent: true, Grave: true}}})},
			[]string{"receiving stolen goods"}},
		{"health", url.Values{"date": {"13/11/2020"}, "fact": {"pregnancy"}, "detail": {"about four months"}, "due": {"15/04/2021"}},
			[]*domain.Event{ev(domain.KHealth, d(2020, 11, 13), "", &domain.HealthData{Fact: domain.FactPregnant, Detail: "about four months", Due: d(2021, 4, 15)})},
			[]string{"about four months"}},
		{"health", url.Values{"date": {"14/11/2020"}, "fact": {"child_left"}, "detail": {"with her grandmother"},
			"child_name": {"Keo Vibol"}, "child_dob": {"01/01/2020"}},
			[]*domain.Event{ev(domain.KHealth, d(2020, 11, 14), "", &domain.HealthData{Fact: domain.FactChildOut, Detail: "with her grandmother",
				ChildName: "Keo Vibol", ChildDOB: d(2020, 1, 1)})}, []string{"with her grandmother"}},
		{"order_extension", url.Values{"date": {"01/12/2020"}, "order_kind": {"detention_order"}, "order_authority": {"Investigating judge Sok"},
			"order_reference": {"DO-2020-78-E1"}, "order_issued": {"01/12/2020"}, "order_expires": {"06/11/2021"}, "status": {"pretrial"}},
			[]*domain.Event{ev(domain.KExtension, d(2020, 12, 1), "", &domain.OrderData{Order: domain.Order{Kind: domain.OrderDetention,
				Authority: "Investigating judge Sok", Reference: "DO-2020-78-E1", Issued: d(2020, 12, 1), Expires: d(2021, 11, 6)},
				Status: domain.StatusPretrial})}, []string{"DO-2020-78-E1"}},
		{"verdict", url.Values{"date": {"05/12/2020"}, "case": {"PPC-2020-0077"}, "court": {"Phnom Penh Court of First Instance"},
			"outcome": {"convicted"}, "final": {"1"}, "sentence_months": {"24"}, "sentence_days": {"10"}, "sentence_start": {"02/11/2020"},
			"pretrial_credit_days": {"33"}, "suspended": {"1"}},
			[]*domain.Event{ev(domain.KVerdict, d(2020, 12, 5), "", &domain.VerdictData{Case: "PPC-2020-0077",
				Court: "Phnom Penh Court of First Instance", Outcome: domain.OutcomeConvicted, Final: true,
				Sentence: &domain.Sentence{Months: 24, Days: 10, Start: d(2020, 11, 2), PretrialCreditDays: 33, Suspended: true}})},
			[]string{"Convicted"}},
		{"appeal", url.Values{"date": {"10/12/2020"}, "case": {"PPC-2020-0077"}, "by": {"defence"}},
			[]*domain.Event{ev(domain.KAppeal, d(2020, 12, 10), "", &domain.AppealData{Case: "PPC-2020-0077", By: "defence"})}, []string{"defence"}},
		{"sentence_reduction", url.Values{"date": {"01/01/2021"}, "months": {"3"}, "days": {"5"}, "decree": {"Royal decree NS-RKT-0121-001"}},
			[]*domain.Event{ev(domain.KReduction, d(2021, 1, 1), "", &domain.ReductionData{Months: 3, Days: 5, Decree: "Royal decree NS-RKT-0121-001"})},
			[]string{"Royal decree NS-RKT-0121-001"}},
		{"transfer", url.Values{"date": {"05/01/2021"}, "to": {"CC2"}, "cell": {cc2}, "reason": {"overcrowding"}},
			[]*domain.Event{ev(domain.KTransfer, d(2021, 1, 5), "", &domain.TransferData{To: "CC2", Cell: cc2, Reason: "overcrowding"})},
			[]string{"overcrowding"}},
		{"escape", url.Values{"date": {"15/01/2021"}, "note": {"during a hospital visit"}},
			[]*domain.Event{ev(domain.KEscape, d(2021, 1, 15), "", &domain.EscapeData{Note: "during a hospital visit"})},
			[]string{"during a hospital visit"}},
		{"admission", again, []*domain.Event{ev(domain.KAdmission, d(2021, 1, 20), "CC1", &domain.AdmissionData{Cell: cc1b,
			ArrestedAt: "2021-01-19", ArrestPlace: "Takhmao", Status: domain.StatusPolice, Order: &domain.Order{Kind: domain.OrderPoliceCustody,
				Authority: "Judicial police", Reference: "PC-9", Issued: d(2021, 1, 19), Expires: d(2021, 1, 21)},
			Injuries: "none seen", NextOfKin: "Keo Dara again"})}, []string{"Takhmao", "PC-9", "none seen", "Keo Dara again"}},
		{"release", url.Values{"date": {"01/02/2021"}, "mechanism": {"judicial_supervision"}, "authority": {"Investigating judge Sok"},
			"reference": {"RO-12"}, "note": {"reports weekly"}},
			[]*domain.Event{ev(domain.KRelease, d(2021, 2, 1), "", &domain.ReleaseData{Mechanism: domain.MechBail,
				Authority: "Investigating judge Sok", Reference: "RO-12", Note: "reports weekly"})}, []string{"RO-12", "reports weekly"}},
		{"admission", url.Values{"date": {"05/02/2021"}, "facility": {"CC1"}, "status": {"pretrial"}},
			[]*domain.Event{ev(domain.KAdmission, d(2021, 2, 5), "CC1", &domain.AdmissionData{Status: domain.StatusPretrial})}, nil},
		{"death", url.Values{"date": {"10/02/2021"}, "cause": {"heart failure"}, "circumstances": {"found in the cell at dawn"}},
			[]*domain.Event{ev(domain.KDeath, d(2021, 2, 10), "", &domain.DeathData{Cause: "heart failure", Circumstances: "found in the cell at dawn"})},
			[]string{"heart failure", "found in the cell at dawn"}},
	}
	admin := f.login("admin")
	head := func() int64 { h, _ := f.db.Head(ctx); return h.Seq }
	saved := regexp.MustCompile(`\?saved=(\d+)$`)
	seqOf := map[string]int64{}
	for _, c := range forms {
		path := c.form
		if !strings.HasPrefix(path, "/") {
			path = "/staff/persons/" + id + "/record/" + c.form
			res := admin.get(path)
			if res.code != 200 || !strings.Contains(res.body, `name="idempotency_key"`) {
				t.Fatalf("%s form: %d", c.form, res.code)
			}
			// The change of cell offers the cells of the person's facility.
			if c.form == "cell_assignment" && (!strings.Contains(res.body, `<option value="`+cc1b+`">`) || !slices.Contains(cellsOf["CC1"], cc2) && strings.Contains(res.body, `<option value="`+cc2+`">`)) {
				t.Errorf("the change of cell does not offer the cells of CC1 only")
			}
		}
		// An impossible date: nothing stored, the message on the field in
		// words, what was typed still there.
		bad := url.Values{}
		for k, v := range c.values {
			bad[k] = v
		}
		bad.Set("date", "31/02/2020")
		before := head()
		res := admin.post(path, bad)
		if res.code != 400 || head() != before {
			t.Fatalf("%s with 31/02/2020: %d, ledger %d -> %d; want 400 and nothing stored", c.form, res.code, before, head())
		}
		if !regexp.MustCompile(`<label class="invalid"><span class="lbl">Date <span class="req"[^>]*>\*</span></span> <span class="err">must be a date that exists`).MatchString(res.body) {
			t.Errorf("%s with 31/02/2020: no message on the date field:\n%s", c.form, res.body)
		}
		for k, v := range c.values {
			if k == "date" {
				continue
			}
			if !strings.Contains(res.body, `name="`+k+`"`) {
				t.Errorf("%s: the form has no field %s", c.form, k)
			} else if !strings.Contains(res.body, html.EscapeString(v[0])) {
				t.Errorf("%s: the refused form lost %s = %q", c.form, k, v[0])
			}
		}
		// The form as typed.
		c.values.Set("idempotency_key", "rt-"+strconv.Itoa(int(before)))
		res = admin.post(path, c.values)
		m := saved.FindStringSubmatch(res.header.Get("Location"))
		if res.code != 303 || m == nil {
			t.Fatalf("%s: %d %s\n%s", c.form, res.code, res.header.Get("Location"), res.body)
		}
		// Sent again (a double click, a resend after a lost answer): the
		// same answer, nothing more stored.
		if again := admin.post(path, c.values); again.code != 303 || again.header.Get("Location") != res.header.Get("Location") ||
			head() != before+int64(len(c.want)) {
			t.Errorf("%s sent twice: %d %s, %d events stored; want the first answer and %d events", c.form, again.code,
				again.header.Get("Location"), head()-before, len(c.want))
		}
		last, _ := strconv.ParseInt(m[1], 10, 64)
		if n := int64(len(c.want)); last != before+n {
			t.Errorf("%s stored events %d..%d, want %d", c.form, before+1, last, n)
		}
		seqOf[c.form] = before + 1
		pv, err := f.srv.Registry().Person(ctx, auth.System("check", "test"), id)
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range c.want {
			seq := before + 1 + int64(i)
			var got *domain.Event
			for _, e := range pv.Timeline {
				if e.Seq == seq {
					got = &domain.Event{Kind: e.Kind, Date: e.Date, Person: id, Facility: e.Facility, Data: e.Data}
				}
			}
			if got == nil {
				t.Errorf("%s: event %d is not on the file", c.form, seq)
				continue
			}
			if w.Facility == "" {
				got.Facility = "" // the facility where the person is held, filled in by the register
			}
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(w)
			if string(gj) != string(wj) {
				t.Errorf("%s: event %d stored\n %s\nwant\n %s", c.form, seq, gj, wj)
			}
		}
		page := admin.get("/staff/persons/" + id)
		for _, s := range c.shown {
			if !strings.Contains(page.body, html.EscapeString(s)) {
				t.Errorf("%s: the person page does not show %q", c.form, s)
			}
		}
	}
	// A correction: the hearing moved to the day it was really held.
	hearing := seqOf["hearing"]
	res := admin.post("/staff/persons/"+id+"/record/correction", url.Values{"target": {strconv.FormatInt(hearing, 10)},
		"reason": {"the hearing was held a day later"}, "new_date": {"១១/១១/២០២០"}})
	if res.code != 303 {
		t.Fatalf("correction: %d\n%s", res.code, res.body)
	}
	pv, err := f.srv.Registry().Person(ctx, auth.System("check", "test"), id)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := pv.Timeline[len(pv.Timeline)-1].Data.(*domain.CorrectionData)
	if !ok || c.Target != hearing || c.TargetKind != domain.KHearing || c.Reason != "the hearing was held a day later" ||
		c.Date != d(2020, 11, 11) || c.Void {
		t.Errorf("the correction stored %+v", pv.Timeline[len(pv.Timeline)-1].Data)
	}
	// A correction of the details starts from the event's own form, filled
	// in as recorded: sent with one field changed, it replaces the event
	// with every other value as it was.
	for _, c := range []struct {
		form, field, value string
		want               *domain.Event
	}{
		{"release", "note", "reports every week", ev(domain.KRelease, d(2021, 2, 1), "", &domain.ReleaseData{Mechanism: domain.MechBail,
			Authority: "Investigating judge Sok", Reference: "RO-12", Note: "reports every week"})},
		{"/staff/admit", "next_of_kin", "Keo Dara, brother, 099 888 777", ev(domain.KAdmission, d(2020, 11, 2), "CC1", func() any {
			a := *admitted
			a.NextOfKin = "Keo Dara, brother, 099 888 777"
			return &a
		}())},
		{"verdict", "sentence_days", "12", ev(domain.KVerdict, d(2020, 12, 5), "", &domain.VerdictData{Case: "PPC-2020-0077",
			Court: "Phnom Penh Court of First Instance", Outcome: domain.OutcomeConvicted, Final: true,
			Sentence: &domain.Sentence{Months: 24, Days: 12, Start: d(2020, 11, 2), PretrialCreditDays: 33, Suspended: true}})},
	} {
		target := seqOf[c.form]
		if c.form == "/staff/admit" {
			target++ // the admission, after the identity
		}
		path := "/staff/persons/" + id + "/record/correction"
		page := admin.get(path + "?target=" + strconv.FormatInt(target, 10))
		if page.code != 200 {
			t.Fatalf("correction form of %s: %d", c.form, page.code)
		}
		form := url.Values{}
		for _, m := range regexp.MustCompile(`<input name="([^"]+)" value="([^"]*)"`).FindAllStringSubmatch(page.body, -1) {
			form.Set(m[1], html.UnescapeString(m[2]))
		}
		for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`).FindAllStringSubmatch(page.body, -1) {
			form.Set(m[1], html.UnescapeString(m[2]))
		}
		for _, m := range regexp.MustCompile(`<input type="checkbox" name="([^"]+)" value="1" checked>`).FindAllStringSubmatch(page.body, -1) {
			form.Set(m[1], "1")
		}
		for _, m := range regexp.MustCompile(`(?s)<select name="([^"]+)"[^>]*>.*?<option value="([^"]*)" selected>`).FindAllStringSubmatch(page.body, -1) {
			form.Set(m[1], html.UnescapeString(m[2]))
		}
		for _, m := range regexp.MustCompile(`<textarea name="([^"]+)"[^>]*>([^<]*)</textarea>`).FindAllStringSubmatch(page.body, -1) {
			if m[2] != "" {
				form.Set(m[1], html.UnescapeString(m[2]))
			}
		}
		form.Set(c.field, c.value)
		form.Set("reason", "corrected from the paper file")
		if res := admin.post(path, form); res.code != 303 {
			t.Fatalf("correcting %s: %d\n%s", c.form, res.code, res.body)
		}
		pv, err := f.srv.Registry().Person(ctx, auth.System("check", "test"), id)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := pv.Timeline[len(pv.Timeline)-1].Data.(*domain.CorrectionData)
		if !ok || got.Target != target || got.Reason != "corrected from the paper file" || got.Void || got.Date != c.want.Date ||
			got.Facility != c.want.Facility {
			t.Errorf("correction of %s stored %+v", c.form, pv.Timeline[len(pv.Timeline)-1].Data)
			continue
		}
		gj, _ := json.Marshal(got.Data)
		wj, _ := json.Marshal(c.want.Data)
		if string(gj) != string(wj) {
			t.Errorf("correction of %s stored\n %s\nwant\n %s", c.form, gj, wj)
		}
	}
}

// TestFormsNeverDropTypedFields (issue 16, items 1 and 3): a field typed
// without the one that gives it meaning refuses the form with a message on
// the missing field, naming the typed one by its label; nothing that
// decides is chosen for the user.
func TestFormsNeverDropTypedFields(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), 200)
	ctx := context.Background()
	reg := f.login("registrar")
	head := func() int64 { h, _ := f.db.Head(ctx); return h.Seq }
	base := func() url.Values {
		return url.Values{"person_id": {"ND-1"}, "name": {"Sok Dara"}, "sex": {"M"}, "dob": {"1990-01-01"}, "dob_basis": {"declared"},
			"date": {"2020-06-01"}, "facility": {"CC1"}, "status": {"pretrial"}}
	}
	for _, c := range []struct {
		name, lang    string
		set           map[string]string
		field, phrase string
	}{
		{"order number without a kind", "en", map[string]string{"order_reference": "DO-1", "order_issued": "01/06/2020"},
			"order_kind", "is required when “Order number” is given"},
		{"order expiry without a kind", "en", map[string]string{"order_expires": "01/12/2020"}, "order_kind", "is required when “Expires on” is given"},
		{"offence without a case", "en", map[string]string{"offence": "theft", "class": "misdemeanour", "max_months": "36", "drug": "1"},
			"case", "is required when"},
		{"class without an offence", "en", map[string]string{"case": "C-1", "procedure": "ordinary", "class_2": "felony"},
			"offence_2", "is required when “Class of offence (2)” is given"},
		{"offence without a class", "km", map[string]string{"case": "C-1", "procedure": "ordinary", "offence": "theft"},
			"class", "ត្រូវតែបំពេញ នៅពេលបានបញ្ចូល “បទល្មើស”"},
		{"a case without its procedure", "en", map[string]string{"case": "C-1"}, "procedure", "is required when “Case number” is given"},
		{"arrest time without its date", "en", map[string]string{"arrest_time": "18:30"}, "arrest_date", "is required when"},
		{"a child without a date of birth", "en", map[string]string{"child_name": "Nita"}, "child_dob", "is required when “Child's name” is given"},
		{"no sex chosen", "en", map[string]string{"sex": ""}, "sex", "is required: choose one"},
		{"no basis of the date of birth", "en", map[string]string{"dob_basis": ""}, "dob_basis", "is required: choose one"},
		{"no legal status", "km", map[string]string{"status": ""}, "status", "ត្រូវតែបំពេញ៖ សូមជ្រើសរើសមួយ"},
		{"no facility", "en", map[string]string{"facility": ""}, "facility", "is required: choose one"},
		{"an impossible date of birth", "en", map[string]string{"dob": "31/02/1990"}, "dob", "must be a date that exists"},
		{"a time that is not one", "en", map[string]string{"arrest_date": "31/05/2020", "arrest_time": "25:00"}, "arrest_time", "must be a time of day"},
	} {
		t.Run(c.name, func(t *testing.T) {
			form := base()
			for k, v := range c.set {
				form.Set(k, v)
			}
			before := head()
			res := reg.post("/staff/admit?lang="+c.lang, form)
			if res.code != 400 || head() != before {
				t.Fatalf("%d, ledger %d -> %d; want 400 and nothing stored", res.code, before, head())
			}
			// The message is on the field that makes the form incomplete.
			field := regexp.MustCompile(`(?s)<label class="invalid"><span class="lbl">[^<]*(?:<span class="req"[^>]*>\*</span>)?</span>\s*<span class="err">([^<]*)</span>\s*<(?:input|select|textarea) name="` + c.field + `"`)
			m := field.FindStringSubmatch(res.body)
			if m == nil || !strings.Contains(html.UnescapeString(m[1]), c.phrase) {
				t.Errorf("no message %q on %s:\n%s", c.phrase, c.field, res.body)
			}
			for k, v := range c.set {
				if v != "" && !strings.Contains(res.body, html.EscapeString(v)) {
					t.Errorf("the refused form lost %s = %q", k, v)
				}
			}
		})
	}
	// The blank admission form chooses nothing for the user, and marks
	// what is required.
	page := reg.get("/staff/admit")
	for _, sel := range []string{"sex", "dob_basis", "facility", "status", "order_kind", "class", "procedure"} {
		m := regexp.MustCompile(`<select name="` + sel + `"[^>]*>(.*?)</select>`).FindStringSubmatch(page.body)
		if m == nil {
			t.Errorf("the admission form has no select %s", sel)
			continue
		}
		if strings.Contains(m[1], "selected") || !strings.HasPrefix(m[1], `<option value="">`) {
			t.Errorf("select %s starts with a choice made: %s", sel, m[1])
		}
	}
	for _, req := range []string{"person_id", "name", "date"} {
		if !regexp.MustCompile(`<input name="` + req + `"[^>]* required aria-required="true"`).MatchString(page.body) {
			t.Errorf("%s is not marked required", req)
		}
	}
	for _, req := range []string{"sex", "dob_basis", "facility", "status"} {
		if !strings.Contains(page.body, `<select name="`+req+`" required aria-required="true">`) {
			t.Errorf("%s is not marked required", req)
		}
	}
	if n := strings.Count(page.body, `<span class="req"`); n < 8 {
		t.Errorf("%d visible required marks, want one on each of 7 required fields and the note", n)
	}
	// A new user's role is chosen, not given: left blank, the form is
	// refused with the message on it and what was typed kept.
	admin := f.login("admin")
	users := admin.get("/staff/users")
	if m := regexp.MustCompile(`<select name="role"[^>]*>(.*?)</select>`).FindStringSubmatch(users.body); m == nil ||
		strings.Contains(m[1], "selected") || !strings.HasPrefix(m[1], `<option value="">`) {
		t.Errorf("the new user's role starts chosen: %v", m)
	}
	res := admin.post("/staff/users", url.Values{"name": {"newclerk"}, "display": {"New Clerk"}, "password": {"a long enough password"}, "role": {""}})
	if res.code != 400 || !regexp.MustCompile(`<span class="err">[^<]+</span><select name="role"`).MatchString(res.body) ||
		!strings.Contains(res.body, `value="New Clerk"`) {
		t.Errorf("a new user without a role: %d, want 400 with the message on the role and the name kept\n%s", res.code, res.body)
	}
}

// TestFormWithoutSession (issue 16, item 5): a form sent after the session
// ended is not stored and sends the user to sign in and back to the form
// (whose page fills it again from the tab: TestBrowserAdmissionForm), with
// nothing typed in the link; a form refused by the cross-origin check
// stores nothing either.
func TestFormWithoutSession(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), 200)
	ctx := context.Background()
	head := func() int64 { h, _ := f.db.Head(ctx); return h.Seq }
	form := url.Values{"person_id": {"NS-1"}, "name": {"Secret Name"}, "sex": {"M"}, "dob": {"01/01/1990"}, "dob_basis": {"declared"},
		"date": {"01/06/2020"}, "facility": {"CC1"}, "status": {"pretrial"}}
	person := f.person
	for _, path := range []string{"/staff/admit", "/staff/persons/" + url.PathEscape(person) + "/record/release"} {
		before := head()
		res := f.client().post(path, form)
		loc := res.header.Get("Location")
		if res.code != 303 || loc != "/login?next="+url.QueryEscape(path) || head() != before {
			t.Errorf("%s without a session: %d to %q, %d events stored; want 303 to /login?next=%s and nothing stored",
				path, res.code, loc, head()-before, url.QueryEscape(path))
		}
		if strings.Contains(loc, "Secret") || strings.Contains(loc, "NS-1") {
			t.Errorf("%s: the sign-in link carries what was typed: %s", path, loc)
		}
	}
	reg := f.login("registrar")
	reg.header.Set("Sec-Fetch-Site", "cross-site")
	before := head()
	if res := reg.post("/staff/admit", form); res.code != 403 || head() != before {
		t.Errorf("a cross-site form: %d, %d events stored; want 403 and nothing", res.code, head()-before)
	}
	// The pages of a signed-in user carry the script that keeps and
	// forgets what is typed, and say whose the page is.
	reg.header.Del("Sec-Fetch-Site")
	page := reg.get("/staff/admit")
	if !strings.Contains(page.body, `<script src="/static/draft.js" defer></script>`) || !strings.Contains(page.body, `data-draft="admit"`) ||
		!strings.Contains(page.body, `<body data-user="registrar">`) {
		t.Error("the admission form does not keep what is typed")
	}
	if js := reg.get("/static/draft.js"); js.code != 200 || !strings.Contains(js.body, "sessionStorage") {
		t.Errorf("draft.js: %d", js.code)
	}
}
