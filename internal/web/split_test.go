package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/cli"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

type heldSplit struct {
	Total       int `json:"total"`
	Confirmed   int `json:"on_confirmed_law"`
	Unconfirmed int `json:"on_law_not_yet_confirmed"`
}

// TestUnlawfulSplitEverywhere: the people held unlawfully, on confirmed law
// and on law not yet confirmed, are the same figures in habeas screen, in
// the API's queue, and in the public report (its JSON and the dashboard);
// the two parts add up to the total, and the demo has people in both.
func TestUnlawfulSplitEverywhere(t *testing.T) {
	ctx := context.Background()
	dsn := dbtest.SQLiteDSN(t)
	f := newFixture(t, dsn, publicPeople)
	asOf, err := f.srv.Registry().AsOf(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := cli.Main(ctx, []string{"--db", dsn, "--user", "tester", "screen", "--as-of", asOf.String(), "--save", "--format", "json"},
		&out, &errOut); code != 0 {
		t.Fatalf("habeas screen --save: exit %d\n%s", code, errOut.String())
	}
	var cliRep struct {
		Summary struct {
			Held       heldSplit `json:"held_unlawfully"`
			ByFacility []struct {
				Facility    string `json:"facility"`
				Unlawful    int    `json:"unlawful"`
				Confirmed   int    `json:"unlawful_on_confirmed_law"`
				Unconfirmed int    `json:"unlawful_on_law_not_yet_confirmed"`
			} `json:"by_facility"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(out.Bytes(), &cliRep); err != nil {
		t.Fatal(err)
	}
	want := cliRep.Summary.Held
	if want.Confirmed == 0 || want.Unconfirmed == 0 || want.Confirmed+want.Unconfirmed != want.Total {
		t.Fatalf("habeas screen: held unlawfully %+v: both parts should be found and add up", want)
	}
	for _, fc := range cliRep.Summary.ByFacility {
		if fc.Confirmed+fc.Unconfirmed != fc.Unlawful {
			t.Errorf("habeas screen, %s: %d + %d != %d", fc.Facility, fc.Confirmed, fc.Unconfirmed, fc.Unlawful)
		}
	}

	res := f.login("admin").get("/api/v1/queue?limit=1")
	var q struct {
		Held heldSplit `json:"held_unlawfully"`
	}
	if err := json.Unmarshal([]byte(res.body), &q); res.code != 200 || err != nil {
		t.Fatalf("queue: %d %v\n%.300s", res.code, err, res.body)
	}
	if q.Held != want {
		t.Errorf("the API's queue says %+v, habeas screen %+v", q.Held, want)
	}

	res = f.client().get("/api/v1/report?as_of=" + asOf.String())
	var rep struct {
		National []struct {
			Key   string  `json:"key"`
			Value float64 `json:"value"`
		} `json:"national"`
		Screening struct {
			Split      bool   `json:"split_by_confirmed_law"`
			ReviewedBy string `json:"pack_reviewed_by"`
		} `json:"screening"`
	}
	if err := json.Unmarshal([]byte(res.body), &rep); res.code != 200 || err != nil {
		t.Fatalf("report: %d %v", res.code, err)
	}
	fig := map[string]int{}
	for _, n := range rep.National {
		fig[n.Key] = int(n.Value)
	}
	if got := (heldSplit{fig["held_without_basis"], fig["held_without_basis_confirmed_law"], fig["held_without_basis_unconfirmed_law"]}); got != want || !rep.Screening.Split {
		t.Errorf("the report says %+v (split kept: %v), habeas screen %+v", got, rep.Screening.Split, want)
	}
	if rep.Screening.ReviewedBy != "" {
		t.Errorf("the built-in pack is not reviewed, the report says by %q", rep.Screening.ReviewedBy)
	}

	page := f.client().get("/?as_of=" + asOf.String() + "&lang=en")
	for key, n := range map[string]int{"held_without_basis_confirmed_law": want.Confirmed, "held_without_basis_unconfirmed_law": want.Unconfirmed} {
		m := regexp.MustCompile(`id="fig-` + key + `">([^<]*)<`).FindStringSubmatch(page.body)
		if m == nil || strings.ReplaceAll(m[1], ",", "") != strconv.Itoa(n) {
			t.Errorf("the dashboard shows %s as %v, want %d", key, m, n)
		}
	}
}

// TestDataToCheckScoped: the data to check lists the records a data check
// holds for, in the queue and its CSV export, only in the facilities the
// reader may screen; the reason of a check that reads health data is
// withheld from a reader who may not read health data.
func TestDataToCheckScoped(t *testing.T) {
	f := newFixture(t, dbtest.SQLiteDSN(t), publicPeople)
	// A woman admitted to CC1 on a detention order entered with no expiry,
	// pregnant with a due date 4 months before the register's last day.
	evs := []string{
		`{"kind":"person","date":"2020-06-01","person":"DQ-TEST","data":{"name":"Data Check","sex":"F","dob":"1990-02-03","dob_basis":"document"}}`,
		`{"kind":"admission","date":"2020-06-01","person":"DQ-TEST","facility":"CC1","data":{"status":"pretrial",` +
			`"order":{"kind":"detention_order","authority":"Investigating judge","reference":"DO-9","issued":"2020-06-01"},` +
			`"case":{"id":"C-DQ","procedure":"ordinary","charges":[{"offence":"theft","class":"misdemeanour","min_months":6,"max_months":36}]}}}`,
		`{"kind":"health","date":"2020-06-02","person":"DQ-TEST","data":{"fact":"pregnancy","due":"2020-08-31"}}`,
	}
	admin := f.login("admin")
	for _, batch := range [][]string{evs[:2], evs[2:]} {
		if res := admin.do("POST", "/api/v1/events", strings.NewReader(`{"events":[`+strings.Join(batch, ",")+`]}`), "application/json"); res.code != 201 {
			t.Fatalf("recording the test person: %d %s", res.code, res.body)
		}
	}
	read := func(who string) (map[string]string, []string) {
		res := f.login(who).get("/staff/queue/checks.csv")
		if res.code != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("%s: %d %s", who, res.code, res.body)
		}
		rows, err := csv.NewReader(strings.NewReader(res.body)).ReadAll()
		if err != nil || len(rows) == 0 || strings.Join(rows[0], ",") != "as_of,ledger_head,facility,check,title,person,name,reason" {
			t.Fatalf("%s: %v %v", who, err, rows)
		}
		mine := map[string]string{}
		var facs []string
		for _, r := range rows[1:] {
			facs = append(facs, r[2])
			if r[5] == "DQ-TEST" {
				mine[r[3]] = r[7]
			}
		}
		return mine, facs
	}
	// The registrar of CC1 reads health data there.
	mine, facs := read("registrar")
	if !strings.Contains(mine["DQ-03"], "issued 2020-06-01") || !strings.Contains(mine["DQ-01"], "2020-08-31") {
		t.Errorf("registrar of CC1: the test person's checks %v", mine)
	}
	for _, fc := range facs {
		if fc != "CC1" {
			t.Errorf("registrar of CC1 sees data to check in %s", fc)
		}
	}
	// The monitor of CC1 does not.
	mine, facs = read("monitor")
	if !strings.Contains(mine["DQ-03"], "issued 2020-06-01") || strings.Contains(mine["DQ-01"], "2020-08-31") || mine["DQ-01"] == "" {
		t.Errorf("monitor of CC1 without health access: the test person's checks %v", mine)
	}
	for _, fc := range facs {
		if fc != "CC1" {
			t.Errorf("monitor of CC1 sees data to check in %s", fc)
		}
	}
	// An administrator sees every facility; the queue page counts them.
	_, facs = read("admin")
	others := 0
	for _, fc := range facs {
		if fc != "CC1" {
			others++
		}
	}
	if others == 0 {
		t.Error("the administrator sees no data to check outside CC1: the demo should have some")
	}
	page := f.login("monitor").get("/staff/queue?lang=en")
	// The due date must not show in the data to check (another person's
	// reason elsewhere on the page may hold the same date).
	checks := page.body
	if i := strings.Index(checks, `id="check-DQ-01"`); i >= 0 {
		checks = checks[i:]
		if j := strings.Index(checks, "</table>"); j >= 0 {
			checks = checks[:j]
		}
	}
	if !strings.Contains(page.body, `id="check-DQ-01"`) || !strings.Contains(checks, "CC1: 1") || strings.Contains(checks, "2020-08-31") {
		t.Errorf("the monitor's queue page: no data-to-check row for DQ-01 in CC1, or the due date shown")
	}
	// The queue filtered by a data check lists the person.
	if res := f.login("registrar").get("/api/v1/queue?rule=DQ-01"); !strings.Contains(res.body, `"person":"DQ-TEST"`) {
		t.Errorf("the queue filtered by DQ-01: %.300s", res.body)
	}
}
