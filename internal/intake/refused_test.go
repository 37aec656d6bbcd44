package intake_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/intake"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/mapping"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/tabular"
)

// Sheets with rows that only the register's state refuses: admissions
// before the person's registration (P2, P4, with P4's charges and a repeat
// of the row), and the admission of a person the register records as dead
// (P6). The register before the import holds the facility and P6.
const (
	refPeople = "id,registered,name,sex\n" +
		"P1,2019-01-10,Sok Dara,M\n" +
		"P2,2019-05-01,Late One,M\n" +
		"P3,2019-03-01,Keo Mony,M\n" +
		"P4,2019-02-01,Late Two,F\n" +
		"P6,2018-01-10,Dead Person,M\n"
	refAdms = "person,date,facility,status,case,release_date,release_mechanism\n" +
		"P1,2019-01-10,CC1,pretrial,K1,2019-05-01,charges_dropped\n" +
		"P2,2019-01-10,CC1,pretrial,K2,2019-03-01,charges_dropped\n" + // row 3: before the registration
		"P3,2019-03-01,CC1,pretrial,K3,,\n" +
		"P4,2019-01-15,CC1,pretrial,K4,,\n" + // row 5: before the registration
		"P4,2019-01-15,CC1,pretrial,K4,,\n" + // row 6: a repeat of row 5
		"P6,2018-01-10,CC1,pretrial,K6,2018-06-01,death\n" +
		"P6,2019-06-01,CC1,pretrial,K7,,\n" // row 8: P6 died in 2018
	refCharges = "person,case,date,offence,class\n" +
		"P1,K1,2019-01-10,theft,misdemeanour\n" +
		"P1,K1,2019-03-01,fraud,felony\n" +
		"P3,K3,2019-04-01,theft,misdemeanour\n" +
		"P4,K4,2019-01-15,theft,misdemeanour\n" + // row 5: part of admissions row 5
		"P4,K4,2019-03-01,fraud,felony\n" // row 6: P4 is not held
)

// refusedRows are the rows of each sheet the register refuses.
var refusedRows = map[string][]int{"admissions.csv": {3, 5, 6, 8}, "charges.csv": {5, 6}}

// withoutRows is data without the given data rows (numbered as sheet rows,
// the header being row 1).
func withoutRows(data string, rows []int) string {
	lines := strings.SplitAfter(data, "\n")
	drop := map[int]bool{}
	for _, r := range rows {
		drop[r] = true
	}
	var b strings.Builder
	for i, l := range lines {
		if !drop[i+1] {
			b.WriteString(l)
		}
	}
	return b.String()
}

// refusedEnv is a register with the facility CC1 and P6, who died in 2018.
func refusedEnv(t *testing.T, dsn string) *env {
	t.Helper()
	e := newRegEnv(t, dsn)
	r := csvReader(t, "facilities.csv", facilitiesCSV, nil)
	fm, _ := mapping.Default("facilities", r.Header())
	if _, err := e.svc.Import(context.Background(), r, fm, intake.Options{What: intake.Facilities, File: "facilities.csv", Actor: ledger.Actor{Name: "tester"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.importRegister(sheets{people: "id,registered,name,sex\nP6,2018-01-10,Dead Person,M\n",
		admissions: "person,date,facility,status,case,release_date,release_mechanism\nP6,2018-01-10,CC1,pretrial,K6,2018-06-01,death\n"}, intake.Options{}); err != nil {
		t.Fatal(err)
	}
	return e
}

func ledgerExport(t *testing.T, e *env) string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := ledger.New(e.db).Export(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// checkRejects checks that a rejects file lists exactly the rows given,
// each with the register's reason.
func checkRejects(t *testing.T, file string, rej string, rows []int) {
	t.Helper()
	recs := records(t, rej)
	if len(recs) != len(rows) {
		t.Fatalf("%s: %d rows rejected, want %v:\n%s", file, len(recs), rows, rej)
	}
	for i, r := range recs {
		if r["row"] != strconv.Itoa(rows[i]) || !strings.Contains(r["problem"], "the register refuses it") {
			t.Errorf("%s: rejected row %s (%s), want row %d refused by the register", file, r["row"], r["problem"], rows[i])
		}
	}
}

// With SkipInvalid, the rows the register refuses for its state are left
// out in the one pass: each is in its sheet's rejects with the reason, the
// others are imported, and the register is the one the sheets without those
// rows give.
func TestImportRegisterRefusedRowsInOnePass(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			e := refusedEnv(t, be.DSN(t))
			opens := 0
			counted := func(name, data string) *intake.Sheet {
				return &intake.Sheet{File: name, Open: func() (tabular.Reader, error) {
					opens++
					return tabular.NewCSV(strings.NewReader(data), name, tabular.Options{})
				}}
			}
			var prej, arej, crej bytes.Buffer
			in := intake.RegisterSheets{People: counted("people.csv", refPeople), Admissions: counted("admissions.csv", refAdms), Charges: counted("charges.csv", refCharges)}
			in.People.Rejects, in.Admissions.Rejects, in.Charges.Rejects = &prej, &arej, &crej
			res, err := e.svc.ImportRegister(context.Background(), in, intake.Options{SkipInvalid: true, Actor: ledger.Actor{Name: "tester"}})
			if err != nil {
				t.Fatal(err)
			}
			if opens != 3 {
				t.Errorf("the sheets were opened %d times, want once each (one pass)", opens)
			}
			if p := res.People; p.New != 4 || p.Unchanged != 1 || p.Rejected != 0 {
				t.Errorf("people: %+v", p)
			}
			if a := res.Admissions; a.New != 2 || a.Unchanged != 1 || a.Rejected != 4 || a.Duplicates != 0 {
				t.Errorf("admissions: %+v", a)
			}
			if c := res.Charges; c.New != 3 || c.Rejected != 2 {
				t.Errorf("charges: %+v", c)
			}
			checkRejects(t, "people.csv", prej.String(), nil)
			checkRejects(t, "admissions.csv", arej.String(), refusedRows["admissions.csv"])
			checkRejects(t, "charges.csv", crej.String(), refusedRows["charges.csv"])
			for _, want := range []string{"2019-01-10 is before P2's last event (2019-05-01)", "unknown person", "P6 is recorded as dead"} {
				if !strings.Contains(arej.String(), want) {
					t.Errorf("the admissions rejects do not say %q:\n%s", want, arej.String())
				}
			}
			if !strings.Contains(crej.String(), "not in custody") {
				t.Errorf("the charges rejects do not say why:\n%s", crej.String())
			}

			clean := refusedEnv(t, be.DSN(t))
			cleaned := sheets{people: refPeople, admissions: withoutRows(refAdms, refusedRows["admissions.csv"]), charges: withoutRows(refCharges, refusedRows["charges.csv"])}
			if _, err := clean.importRegister(cleaned, intake.Options{}); err != nil {
				t.Fatal(err)
			}
			if got, want := ledgerExport(t, e), ledgerExport(t, clean); got != want {
				t.Fatalf("the register with the refused rows left out differs from the one of the cleaned sheets:\n%s\n---\n%s", got, want)
			}
		})
	}
}

// When leaving a refused row out changes the plan of another row (P7's
// second admission, refused by the plan as overlapping the first, which the
// register refuses), the import starts again without it, and the register
// is still the one of the sheets without the rows rejected.
func TestImportRegisterRefusedRowOthersDependOn(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			people := "id,registered,name,sex\nP1,2019-01-10,Sok Dara,M\nP7,2019-05-01,Late Three,M\n"
			adms := "person,date,facility,status,case\nP1,2019-01-10,CC1,pretrial,K1\nP7,2019-01-10,CC1,pretrial,K8\nP7,2019-08-01,CC1,pretrial,K9\n"
			e := refusedEnv(t, be.DSN(t))
			var prej, arej bytes.Buffer
			res, err := e.importRegister(sheets{people: people, admissions: adms}, intake.Options{SkipInvalid: true}, &prej, &arej)
			if err != nil {
				t.Fatal(err)
			}
			if a := res.Admissions; a.New != 2 || a.Rejected != 1 {
				t.Errorf("admissions: %+v", a)
			}
			checkRejects(t, "admissions.csv", arej.String(), []int{3})
			clean := refusedEnv(t, be.DSN(t))
			if _, err := clean.importRegister(sheets{people: people, admissions: withoutRows(adms, []int{3})}, intake.Options{}); err != nil {
				t.Fatal(err)
			}
			if got, want := ledgerExport(t, e), ledgerExport(t, clean); got != want {
				t.Fatalf("the register differs from the one of the cleaned sheets:\n%s\n---\n%s", got, want)
			}
		})
	}
}

// The import of one sheet (admissions with their charges, the people
// already registered) leaves out the rows the register refuses in the same
// way.
func TestImportSheetRefusedRows(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			load := func(e *env, adms, charges string, opt intake.Options) *intake.Result {
				t.Helper()
				if _, err := e.load(t, intake.People, refPeople, nil, "", nil, intake.Options{}); err != nil {
					t.Fatal(err)
				}
				res, err := e.load(t, intake.Admissions, adms, nil, charges, nil, opt)
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			e := refusedEnv(t, be.DSN(t))
			var rej, crej bytes.Buffer
			res := load(e, refAdms, refCharges, intake.Options{SkipInvalid: true, Rejects: &rej, Charges: &intake.Table{Rejects: &crej}})
			if res.New != 2 || res.Rejected != 4 || res.Also.New != 3 || res.Also.Rejected != 2 {
				t.Errorf("admissions %+v, charges %+v", res, res.Also)
			}
			checkRejects(t, "admissions.csv", rej.String(), refusedRows["admissions.csv"])
			checkRejects(t, "charges.csv", crej.String(), refusedRows["charges.csv"])
			clean := refusedEnv(t, be.DSN(t))
			load(clean, withoutRows(refAdms, refusedRows["admissions.csv"]), withoutRows(refCharges, refusedRows["charges.csv"]), intake.Options{})
			if got, want := ledgerExport(t, e), ledgerExport(t, clean); got != want {
				t.Fatalf("the register differs from the one of the cleaned sheets:\n%s\n---\n%s", got, want)
			}
		})
	}
}
