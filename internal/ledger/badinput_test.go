package ledger_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// TestBadInput feeds files with one bad line each to a register that already
// holds the fixture's estate: the error names the file, line and field, and
// nothing already stored changes.
func TestBadInput(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(string(fixture(t))), "\n")
	estate, people := lines[:3], lines[3:]
	replace := func(i int, old, new string) []string {
		out := append([]string(nil), people...)
		if !strings.Contains(out[i], old) {
			t.Fatalf("fixture line %d lacks %q", i, old)
		}
		out[i] = strings.Replace(out[i], old, new, 1)
		return out
	}
	appendLine := func(l string) []string { return append(append([]string(nil), people...), l) }
	cases := []struct {
		name  string
		file  []string
		line  int // 1-based line of the bad file
		field string
		msg   string
	}{
		{"malformed JSON", replace(2, `"sex":"M"`, `"sex":"M",,`), 3, "", "malformed JSON"},
		{"unknown person", replace(3, `"person":"P1","facility":"CC1"`, `"person":"P9","facility":"CC1"`), 4, "person", `unknown person "P9"`},
		{"unknown facility at admission", replace(4, `"facility":"CC1"`, `"facility":"CC9"`), 5, "facility", `unknown facility "CC9"`},
		{"transfer to a facility that does not exist", replace(7, `"to":"PP-KDL"`, `"to":"PP-XXX"`), 8, "data.to", `unknown facility "PP-XXX"`},
		{"release of someone not in custody", appendLine(`{"kind":"release","date":"2020-09-01","person":"P2","data":{"mechanism":"amnesty"}}`), 13, "person", "not in custody"},
		{"date in the future", appendLine(`{"kind":"hearing","date":"2030-01-01","person":"P1","data":{"case":"PPC-2020-00001"}}`), 13, "date", "in the future"},
		{"event out of order", appendLine(`{"kind":"hearing","date":"2020-01-05","person":"P1","data":{"case":"PPC-2020-00001"}}`), 13, "date", "out of order"},
		{"unknown kind", appendLine(`{"kind":"parole","date":"2020-05-01","person":"P1","data":{}}`), 13, "kind", `unknown event kind "parole"`},
		{"unknown field", replace(3, `"cell":"A1"`, `"cel":"A1"`), 4, "data.cel", "unknown field"},
		{"wrong type", replace(0, `"dob":"1990-05-01"`, `"dob":19900501`), 1, "data.dob", "YYYY-MM-DD"},
		{"impossible date", replace(0, `"dob":"1990-05-01"`, `"dob":"1990-02-30"`), 1, "data.dob", `got "1990-02-30"`},
		{"unknown mechanism", replace(8, `"judicial_supervision"`, `"bail_please"`), 9, "data.mechanism", "unknown release mechanism"},
		{"cell not registered", replace(3, `"cell":"A1"`, `"cell":"Z9"`), 4, "data.cell", `no cell "Z9"`},
		{"missing person id", replace(7, `"person":"P1",`, ``), 8, "person", "missing"},
		{"negative penalty", replace(4, `"min_months":6`, `"min_months":-6`), 5, "data.case.charges[0].min_months", "negative"},
		{"correction of a missing event", appendLine(`{"kind":"correction","date":"2020-09-01","person":"P1","data":{"target":999,"target_kind":"admission","reason":"typo","void":true}}`), 13, "data.target", "no event 999"},
		{"correction without reason", appendLine(`{"kind":"correction","date":"2020-09-01","person":"P1","data":{"target":7,"target_kind":"admission","reason":" ","void":true}}`), 13, "data.reason", "must say why"},
		{"attribution without a hash", replace(0, `{"kind":"person",`, `{"kind":"person","recorded_by":"someone",`), 1, "recorded_by", "set by habeas"},
		{"void a registration", appendLine(`{"kind":"correction","date":"2020-09-01","person":"P1","data":{"target":4,"target_kind":"person","reason":"duplicate","void":true}}`), 13, "data.void", "cannot be voided"},
		{"verdict on another case", replace(9, `"case":"PPC-2020-00002"`, `"case":"PPC-2020-99999"`), 10, "data.case", "held on case PPC-2020-00002"},
		{"correction into the future", appendLine(`{"kind":"correction","date":"2020-09-01","person":"P3","data":{"target":12,"target_kind":"release","reason":"typo","date":"2030-03-25","data":{"mechanism":"amnesty"}}}`), 13, "data.date", "in the future"},
		{"release without mechanism", replace(8, `"mechanism":"judicial_supervision",`, ``), 9, "data.mechanism", "missing"},
		{"late entry that does not fit", appendLine(`{"kind":"release","date":"2020-02-15","person":"P2","data":{"mechanism":"amnesty"}}`), 13, "date", "out of order"},
		{"correction that breaks the file", appendLine(`{"kind":"correction","date":"2020-09-01","person":"P1","data":{"target":7,"target_kind":"admission","reason":"no admission","void":true}}`), 13, "data", "no longer holds together"},
	}
	forBoth(t, func(t *testing.T, dsn func(testing.TB) string) {
		ctx := context.Background()
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				db, svc := newService(t, dsn(t))
				if _, err := svc.Import(ctx, strings.NewReader(strings.Join(estate, "\n")), "estate.jsonl", registrar); err != nil {
					t.Fatal(err)
				}
				before := export(t, svc)
				_, err := svc.Import(ctx, strings.NewReader(strings.Join(c.file, "\n")), "bad.jsonl", registrar)
				if err == nil {
					t.Fatal("the bad file was accepted")
				}
				msg := err.Error()
				wantPrefix := "bad.jsonl:" + strconv.Itoa(c.line) + ": "
				if !strings.HasPrefix(msg, wantPrefix) {
					t.Errorf("error %q does not start with %q", msg, wantPrefix)
				}
				if c.field != "" && !strings.Contains(msg, ": "+c.field+": ") {
					t.Errorf("error %q does not name the field %q", msg, c.field)
				}
				if !strings.Contains(msg, c.msg) {
					t.Errorf("error %q does not say %q", msg, c.msg)
				}
				if after := export(t, svc); !bytes.Equal(before, after) {
					t.Errorf("the ledger changed after a refused import")
				}
				persons, err := db.PersonExists(ctx, []string{"P1", "P2", "P3"})
				if err != nil || len(persons) != 0 {
					t.Errorf("projections were written by a refused import: %v %v", persons, err)
				}
			})
		}
	})
}

// TestTamperedBackup refuses a backup whose line was edited after export.
func TestTamperedBackup(t *testing.T) {
	_, a := newService(t, dbtest.SQLiteDSN(t))
	importFixture(t, a)
	backup := export(t, a)
	edited := bytes.Replace(backup, []byte(`"capacity":100`), []byte(`"capacity":900`), 1)
	_, b := newService(t, dbtest.SQLiteDSN(t))
	_, err := b.Import(context.Background(), bytes.NewReader(edited), "backup.jsonl", registrar)
	if err == nil || !strings.HasPrefix(err.Error(), "backup.jsonl:1: hash: ") {
		t.Fatalf("an edited backup line was not refused by its hash: %v", err)
	}
}
