package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// Visits on the command line: recorded with who entered them, refused
// whole with the field named, followed up over later visits, and compared
// with the register's population of the same day, which habeas stats
// computes by another path.
func TestVisitsCommand(t *testing.T) {
	dsn := dbtest.SQLiteDSN(t)
	mustRun(t, "--db", dsn, "demo", "--people", "600")
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var st struct {
		Facilities []struct {
			ID         string `json:"id"`
			Population int    `json:"population"`
			Pretrial   int    `json:"pretrial"`
		} `json:"facilities"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "--db", dsn, "stats", "--as-of", "2020-06-30", "--format", "json")), &st); err != nil {
		t.Fatal(err)
	}
	pop, pre := -1, -1
	for _, f := range st.Facilities {
		if f.ID == "CC1" {
			pop, pre = f.Population, f.Pretrial
		}
	}
	if pop < 50 {
		t.Fatalf("CC1 holds %d on 2020-06-30 in the demo: too few for the test", pop)
	}
	// Observed: 30% more than the register (flagged), and the pre-trial
	// count as the register has it (not flagged).
	obs := pop * 13 / 10
	first := fmt.Sprintf(`{"facility": "CC1", "date": "2020-06-30", "data": {"id": "v1", "team": ["A"],
		"observed": {"total": %d, "pretrial": %d},
		"cells": [{"label": "B4", "use": "dormitory", "area_m2": 60, "people": 85, "toilets": 1}],
		"recommendations": [{"id": "r1", "text": "Open block C", "addressee": "GDP"}],
		"restricted": {"allegations": [{"kind": "torture", "date": "2020-06-01", "place": "police station"}]}}}`, obs, pre)
	// The allegation is sealed for the organisation: --org is required, and
	// its key.
	mustRun(t, "--db", dsn, "org", "add", "licadho", "--name", "LICADHO", "--kind", "monitoring")
	orgKey := filepath.Join(dir, "licadho.agekey")
	mustRun(t, "org", "key", "generate", "--out", orgKey)
	if code, _, errOut := run(t, "--db", dsn, "--org-key", "licadho="+orgKey, "visit", "add", write("v1.json", first)); code == 0 || !strings.Contains(errOut, "--org is required") {
		t.Errorf("a visit with an allegation and no --org: exit %d %q", code, errOut)
	}
	if code, _, errOut := run(t, "--db", dsn, "visit", "add", "--org", "licadho", write("v1.json", first)); code == 0 || !strings.Contains(errOut, "--org-key licadho=FILE") {
		t.Errorf("a visit with an allegation and no key: exit %d %q", code, errOut)
	}
	added := mustRun(t, "--db", dsn, "--user", "monitor.a", "--org-key", "licadho="+orgKey, "visit", "add", "--org", "licadho", write("v1.json", first))
	seq := regexp.MustCompile(`as events (\d+) to`).FindStringSubmatch(added)
	if seq == nil {
		t.Fatalf("visit add said %q", added)
	}
	for _, p := range []string{dsn, dsn + "-wal"} {
		if data, err := os.ReadFile(p); (err != nil && !os.IsNotExist(err)) || strings.Contains(string(data), "police station") {
			t.Errorf("%s holds the allegation in clear (or cannot be read: %v)", p, err)
		}
	}
	if out := mustRun(t, "--db", dsn, "--org-key", "licadho="+orgKey, "visit", "read", "--org", "licadho", seq[1]); !strings.Contains(out, "allegation torture on 2020-06-01 at police station") {
		t.Errorf("visit read: %q", out)
	}
	if code, _, errOut := run(t, "--db", dsn, "--org-key", "licadho="+orgKey, "visit", "read", "--org", "administration", seq[1]); code == 0 || !strings.Contains(errOut, "may not read them") {
		t.Errorf("the prison administration reading the allegation: exit %d %q", code, errOut)
	}
	mustRun(t, "--db", dsn, "verify")

	refused := func(file, want string) {
		t.Helper()
		code, _, errOut := run(t, "--db", dsn, "visit", "add", file)
		if code == 0 || !strings.Contains(errOut, want) {
			t.Errorf("%s: exit %d, want an error saying %q:\n%s", filepath.Base(file), code, want, errOut)
		}
	}
	// A list whose second visit is bad: neither is written.
	refused(write("two.json", `[{"facility": "CC2", "date": "2020-07-01", "data": {"id": "v2", "team": ["A"], "observed": {}}},
		{"facility": "CC1", "date": "2020-07-01", "data": {"id": "v3", "team": ["A"], "observed": {"total": 10},
		 "cells": [{"label": "X", "use": "dormitory", "area_m2": 20, "people": 11}]}}]`), "data.cells[0].people")
	refused(write("area.json", `{"facility": "CC1", "date": "2020-07-01", "data": {"id": "v4", "team": ["A"], "observed": {},
		"cells": [{"label": "X", "use": "dormitory", "area_m2": -3, "people": 1}]}}`), "data.cells[0].area_m2")
	refused(write("alleg.json", `{"facility": "CC1", "date": "2020-07-01", "data": {"id": "v5", "team": ["A"], "observed": {},
		"restricted": {"allegations": [{"kind": "corruption", "place": "CC1"}]}}}`), "data.restricted.allegations[0].date")
	refused(write("elsewhere.json", `{"facility": "CC2", "date": "2020-08-01", "data": {"id": "v6", "team": ["A"], "observed": {},
		"follow_ups": [{"recommendation": "r1", "status": "accepted"}]}}`), "made at a visit to CC1")
	refused(write("dup.json", `{"facility": "CC1", "date": "2020-08-01", "data": {"id": "v7", "team": ["A"], "observed": {},
		"recommendations": [{"id": "r1", "text": "again", "addressee": "GDP"}]}}`), "recorded already")
	refused(write("nowhere.json", `{"facility": "NOWHERE", "date": "2020-08-01", "data": {"id": "v8", "team": ["A"], "observed": {}}}`), "unknown facility")
	// A later visit to CC1 follows r1 up.
	mustRun(t, "--db", dsn, "visit", "add", write("v9.json", `{"facility": "CC1", "date": "2020-09-01", "data": {"id": "v9", "team": ["A"],
		"observed": {}, "follow_ups": [{"recommendation": "r1", "status": "partly_implemented"}]}}`))

	var ind []struct {
		Visit string `json:"visit"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "--db", dsn, "monitor", "indicators", "--format", "json")), &ind); err != nil {
		t.Fatal(err)
	}
	if len(ind) != 2 || ind[0].Visit != "v1" || ind[1].Visit != "v9" {
		t.Fatalf("visits recorded: %+v (the refused ones must not be)", ind)
	}
	var ds []struct {
		Category string `json:"category"`
		Official *int   `json:"official"`
		Diff     *int   `json:"difference"`
		Flagged  bool   `json:"flagged"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "--db", dsn, "monitor", "discrepancies", "--format", "json", "--facility", "CC1")), &ds); err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].Category != "total" || ds[0].Official == nil || *ds[0].Official != pop || *ds[0].Diff != obs-pop || !ds[0].Flagged ||
		ds[1].Category != "pretrial" || *ds[1].Official != pre || *ds[1].Diff != 0 || ds[1].Flagged {
		t.Fatalf("discrepancies: %s", mustRun(t, "--db", dsn, "monitor", "discrepancies", "--facility", "CC1"))
	}
	// The public report: CC1's latest count is v1's, beside the register's
	// of the same day.
	rep := filepath.Join(t.TempDir(), "rep")
	// On 2020-12-31 too: the later visit v9 counted no one, so v1's count
	// is still the monitors' latest.
	mustRun(t, "--db", dsn, "report", "--as-of", "2020-12-31", "--format", "csv", "--out", rep)
	obsCSV, err := os.ReadFile(filepath.Join(rep, "observed.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("CC1,\"Correctional Centre 1 (Prey Sar, men)\",2020-06-30,%d,monitoring visit v1,%d,", obs, pop)
	if !strings.Contains(string(obsCSV), want) || !strings.Contains(string(obsCSV), fmt.Sprintf(",%d,", obs-pop)) {
		t.Errorf("observed.csv lacks %q:\n%s", want, obsCSV)
	}
	for _, leak := range []string{"police station", "torture", "monitor.a"} {
		if strings.Contains(string(obsCSV), leak) {
			t.Errorf("observed.csv shows %q", leak)
		}
	}
	// The restricted part never shows in what monitor prints.
	if out := mustRun(t, "--db", dsn, "monitor", "indicators", "--format", "json"); strings.Contains(out, "police station") {
		t.Errorf("indicators show an allegation:\n%s", out)
	}
}
