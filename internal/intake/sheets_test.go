package intake_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/intake"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/mapping"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
)

// People whose names a spreadsheet would run as formulas are exported with
// the cells neutralised, and import back exactly.
func TestFormulaNamesRoundTrip(t *testing.T) {
	src := newRegEnv(t, dbtest.SQLiteDSN(t))
	people := "id,registered,name,other_names,sex,gender,dob,dob_basis,nationality,id_document\n" +
		`P1,2024-01-05,"=HYPERLINK(""x"")",,M,,,unknown,,` + "\n" +
		"P2,2024-01-05,-Sok,@alias,F,,,unknown,,+855\n"
	if _, err := src.load(t, intake.People, people, nil, "", nil, intake.Options{}); err != nil {
		t.Fatal(err)
	}
	out := export(t, src.db, intake.People, nil)
	for _, want := range []string{"\"'=HYPERLINK(\"\"x\"\")\"", ",'-Sok,'@alias,", ",'+855\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("the export lacks the neutralised cell %s:\n%s", want, out)
		}
	}
	dst := newRegEnv(t, dbtest.SQLiteDSN(t))
	if _, err := dst.load(t, intake.People, out, nil, "", nil, intake.Options{}); err != nil {
		t.Fatal(err)
	}
	if again := again(t, dst); again != out {
		t.Errorf("the round trip changed the sheet:\n%s\nwas\n%s", again, out)
	}
	r := csvReader(t, "people.csv", again(t, dst), nil)
	var names []string
	for {
		row, err := r.Next()
		if err != nil {
			break
		}
		names = append(names, row.Cell(2))
	}
	if strings.Join(names, "|") != `=HYPERLINK("x")|-Sok` {
		t.Errorf("the names read back are %q", names)
	}
}

func again(t *testing.T, e *env) string { return export(t, e.db, intake.People, nil) }

// refused runs a census import that must be refused as a whole, with a
// message containing each of want, and checks the register is unchanged.
func refused(t *testing.T, m *mapping.Mapping, data string, want ...string) {
	t.Helper()
	e := open(t, dbtest.SQLiteDSN(t))
	r := csvReader(t, "b.csv", data, m)
	_, err := e.svc.Import(context.Background(), r, m, intake.Options{What: intake.Census, File: "b.csv", Actor: ledger.Actor{Name: "tester"}})
	var re *intake.RowErrors
	if !errors.As(err, &re) {
		t.Fatalf("want row errors, got %v", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%s", w, err)
		}
	}
	if head(t, e) != 0 {
		t.Error("a refused file wrote events")
	}
}

const sheetMapping = `
source: bulletin
dates: [YYYY-MM-DD]
facility:
  id: Code
  name: Name
  kind: {value: prison}
  province: Province
  capacity: Capacity
census:
  date: Date
  counts: {total: Present}
`

func sheetMap(t *testing.T, extra string) *mapping.Mapping {
	t.Helper()
	m, err := mapping.Parse([]byte(sheetMapping+extra), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

const sheetHeader = "Code,Name,Province,Capacity,Present,Date\n"

func TestRowsOfTheWrongWidth(t *testing.T) {
	// An unquoted 18,913 becomes 18 and a cell past the header.
	refused(t, sheetMap(t, ""), sheetHeader+"F1,Prey Sar,Phnom Penh,2000,18,913,2020-01-31\n",
		`b.csv: row 2: the row has a cell in column 7, "2020-01-31", past the 6 columns of the header`)
	// Trailing blank cells past the header are harmless.
	e := open(t, dbtest.SQLiteDSN(t))
	m := sheetMap(t, "")
	if _, err := e.svc.Import(context.Background(), csvReader(t, "b.csv", sheetHeader+"F1,Prey Sar,Phnom Penh,2000,1891,2020-01-31,,\n", m), m,
		intake.Options{What: intake.Census, File: "b.csv", Actor: ledger.Actor{Name: "tester"}}); err != nil {
		t.Errorf("trailing separators: %v", err)
	}
	// A short row is refused, unless the mapping allows short rows.
	short := sheetHeader + "F1,Prey Sar,Phnom Penh,2000\n"
	refused(t, sheetMap(t, ""), short, `b.csv: row 2: column "Present": the row has 4 cells but the header 6 columns`, "short_rows: true")
	m = sheetMap(t, "short_rows: true\n")
	_, err := e.svc.Import(context.Background(), csvReader(t, "b.csv", short, m), m, intake.Options{What: intake.Census, File: "b.csv", Actor: ledger.Actor{Name: "tester"}})
	if err == nil || strings.Contains(err.Error(), "cells but the header") {
		// The date is then missing, which is its own error.
		t.Errorf("with short_rows the row is read, its missing cells unknown: %v", err)
	}
}

func TestTotalRows(t *testing.T) {
	data := sheetHeader +
		"F1,Prey Sar,Phnom Penh,2000,1500,2020-01-31\n" +
		"F2,Kandal,Kandal,1000,700,2020-01-31\n" +
		"F1,TOTAL,Cambodia,2000,2200,2020-01-31\n"
	refused(t, sheetMap(t, ""), data, `b.csv: row 4: column "Name": "TOTAL" looks like a total, not a facility`)
	refused(t, sheetMap(t, ""), strings.Replace(data, "F1,TOTAL", "Grand Total,Cambodia", 1), `row 4: column "Code": "Grand Total" looks like a total`)
	// A skip rule leaves it out; totals: [] keeps it (and then the repeated
	// id contradicts row 2).
	e := open(t, dbtest.SQLiteDSN(t))
	m := sheetMap(t, "skip: [{column: Name, equals: total}]\n")
	res, err := e.svc.Import(context.Background(), csvReader(t, "b.csv", data, m), m, intake.Options{What: intake.Census, File: "b.csv", Actor: ledger.Actor{Name: "tester"}})
	if err != nil || res.Skipped != 1 || res.New != 2 {
		t.Errorf("with a skip rule: %+v %v", res, err)
	}
	refused(t, sheetMap(t, "totals: []\n"), data, `row 4: column "Name": facility F1 on 2020-01-31: the name is "TOTAL" here, other than row 2 says`)
	// A total under a facility's name is only warned of.
	m = sheetMap(t, "totals: [Nationwide]\n")
	hidden := strings.Replace(data, "F1,TOTAL,Cambodia", "F3,Cambodia,Cambodia", 1)
	e = open(t, dbtest.SQLiteDSN(t))
	res, err = e.svc.Import(context.Background(), csvReader(t, "b.csv", hidden, m), m, intake.Options{What: intake.Census, File: "b.csv", Actor: ledger.Actor{Name: "tester"}})
	if err != nil || res == nil || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "b.csv: row 4: total of F3 on 2020-01-31 is 2200, the sum of the other 2 rows") {
		t.Errorf("warnings %q (%v)", res.Warnings, err)
	}
}

func TestImplausibleCounts(t *testing.T) {
	refused(t, sheetMap(t, ""), sheetHeader+"F1,Prey Sar,Phnom Penh,2000,189130000000,2020-01-31\n",
		`row 2: column "Present": 189130000000 people is more than any facility holds (at most 10000000)`)
	refused(t, sheetMap(t, ""), sheetHeader+"F1,Prey Sar,Phnom Penh,20000000,100,2020-01-31\n",
		`row 2: column "Capacity": a capacity of 20000000 is more places than any facility has`)
	refused(t, sheetMap(t, ""), sheetHeader+"F1,Prey Sar,Phnom Penh,20,2001,2020-01-31\n",
		`row 2: column "Present": total of F1 on 2020-01-31 is 2001, more than 100 times its capacity of 20`)
}

// A stray quote makes the rest of the file one cell; the message stays
// short.
func TestMessagesAreShort(t *testing.T) {
	data := sheetHeader + "F1,Prey Sar,Phnom Penh,2000,\"1500,2020-01-31\n" + strings.Repeat("F2,Kandal,Kandal,1000,700,2020-01-31\n", 1000)
	e := open(t, dbtest.SQLiteDSN(t))
	m := sheetMap(t, "short_rows: true\n")
	_, err := e.svc.Import(context.Background(), csvReader(t, "b.csv", data, m), m, intake.Options{What: intake.Census, File: "b.csv", Actor: ledger.Actor{Name: "tester"}})
	if err == nil {
		t.Fatal("a stray quote was accepted")
	}
	if len(err.Error()) > 800 {
		t.Errorf("the message is %d bytes:\n%.2000s", len(err.Error()), err)
	}
}
