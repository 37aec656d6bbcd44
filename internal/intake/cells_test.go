package intake_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/intake"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/mapping"
	"github.com/habeas-kh/habeas/internal/stats"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/tabular"
)

func exportCells(t *testing.T, db *sqldb.DB, name string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := tabular.NewWriter(&buf, name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := intake.ExportCells(context.Background(), db, w); err != nil {
		t.Fatalf("exporting cells: %v", err)
	}
	return buf.Bytes()
}

// importCells loads a cells sheet (CSV or XLSX by its name) with habeas's
// own layout.
func (e *env) importCells(t *testing.T, name string, data []byte, opt intake.Options) (*intake.Result, error) {
	t.Helper()
	var r tabular.Reader
	var err error
	if strings.HasSuffix(name, ".xlsx") {
		r, err = tabular.NewXLSX(bytes.NewReader(data), name, tabular.Options{})
	} else {
		r, err = tabular.NewCSV(bytes.NewReader(data), name, tabular.Options{})
	}
	if err != nil {
		t.Fatal(err)
	}
	m, err := mapping.Default(string(intake.Cells), r.Header())
	if err != nil {
		t.Fatal(err)
	}
	opt.What, opt.File, opt.Actor = intake.Cells, name, ledger.Actor{Name: "tester"}
	return e.svc.Import(context.Background(), r, m, opt)
}

func importFacilities(t *testing.T, dst *env, sh sheets) {
	t.Helper()
	fm, _ := mapping.Default("facilities", strings.Split(strings.SplitN(sh.facilities, "\n", 2)[0], ","))
	r := csvReader(t, "facilities.csv", sh.facilities, nil)
	if _, err := dst.svc.Import(context.Background(), r, fm, intake.Options{What: intake.Facilities, File: "facilities.csv", Actor: ledger.Actor{Name: "tester"}}); err != nil {
		t.Fatalf("importing facilities: %v", err)
	}
}

func sortedCells(t *testing.T, db store.Store) []store.Cell {
	t.Helper()
	cs, err := db.Cells(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(cs, func(i, j int) bool {
		return cs[i].Facility+"\x00"+cs[i].Label < cs[j].Facility+"\x00"+cs[j].Label
	})
	return cs
}

func largestCells(t *testing.T, db store.Store, day string) []stats.CellStats {
	t.Helper()
	s, err := stats.Compute(context.Background(), db, domain.MustDate(day), stats.Options{Cells: 10})
	if err != nil {
		t.Fatal(err)
	}
	return s.LargestCells
}

// The demo's cells exported as a sheet (CSV and XLSX) and imported after the
// facilities into an empty register give the source's cells; the register's
// sheets then load, and the most crowded cells are those of a copy whose
// cells were entered as events; the same sheet again changes nothing.
func TestCellsRoundTrip(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			src := demoRegister(t, be.DSN(t), 300)
			sh := exportAll(t, src.db, nil)
			want := sortedCells(t, src.db)
			if len(want) == 0 {
				t.Fatal("the demo has no cells")
			}
			for _, name := range []string{"cells.csv", "cells.xlsx"} {
				data := exportCells(t, src.db, name)
				dst := newRegEnv(t, be.DSN(t))
				importFacilities(t, dst, sh)
				res, err := dst.importCells(t, name, data, intake.Options{})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if res.Rows != len(want) || res.New != len(want) || res.Events != len(want) {
					t.Fatalf("%s: %+v, want %d new rows", name, res, len(want))
				}
				if got := sortedCells(t, dst.db); !reflect.DeepEqual(got, want) {
					t.Fatalf("%s: the copy's cells differ from the source's:\n got %v\nwant %v", name, got, want)
				}
				h := head(t, dst)
				res, err = dst.importCells(t, name, data, intake.Options{})
				if err != nil || res.Unchanged != len(want) || res.New != 0 || res.Corrected != 0 || res.Events != 0 {
					t.Fatalf("%s again: %+v, %v, want every row unchanged", name, res, err)
				}
				if head(t, dst) != h {
					t.Fatalf("%s again appended events", name)
				}
				if name != "cells.csv" {
					continue
				}
				// The admissions that name cells load.
				if _, err := dst.importRegister(sh, intake.Options{}); err != nil {
					t.Fatalf("importing the register after the cells sheet: %v", err)
				}
				// The sheets carry no cell moves, so the source itself is
				// not the yardstick: a copy whose cells entered as events is.
				ref := newRegEnv(t, be.DSN(t))
				restoreEstate(t, src, ref, sh)
				if _, err := ref.importRegister(sh, intake.Options{}); err != nil {
					t.Fatal(err)
				}
				crowded := 0
				for _, day := range figureDays {
					got, exp := largestCells(t, dst.db, day), largestCells(t, ref.db, day)
					crowded += len(exp)
					if !reflect.DeepEqual(got, exp) {
						t.Errorf("%s: largest cells\n got %+v\nwant %+v", day, got, exp)
					}
				}
				if crowded == 0 {
					t.Fatal("no crowded cells in the reference on any day: the comparison shows nothing")
				}
			}
		})
	}
}

const cellsHeader = "facility,label,area_m2,capacity,category\n"

// A small register with two facilities, for the cells sheet's checks.
func cellsRegister(t *testing.T, dsn string) *env {
	t.Helper()
	e := newRegEnv(t, dsn)
	fac := "id,name,kind,province,capacity,capacity_date\n" +
		"CC1,Correctional Centre 1,correctional_centre,Phnom Penh,2000,2020-01-01\n" +
		"PP-KDL,Kandal Provincial Prison,prison,Kandal,800,2020-01-01\n"
	importFacilities(t, e, sheets{facilities: fac})
	return e
}

func TestCellsBadInput(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			e := cellsRegister(t, be.DSN(t))
			for _, c := range []struct {
				name, rows string
				want       []string // in the message, in order
			}{
				{"unknown facility", "XX9,A,10,4,men\n", []string{`row 2: column "facility": facility XX9 is not in the register`}},
				{"blank label", "CC1, ,10,4,men\n", []string{`row 2: column "label": the cell label is missing`}},
				{"blank facility", ",A,10,4,men\n", []string{`row 2: column "facility": the facility identifier is missing`}},
				{"negative area", "CC1,A,-2.5,4,men\n", []string{`row 2: column "area_m2": a floor area cannot be negative`}},
				{"text area", "CC1,A,big,4,men\n", []string{`row 2: column "area_m2": "big" is not a number`}},
				{"negative capacity", "CC1,A,10,-4,men\n", []string{`row 2: column "capacity": a capacity cannot be negative (-4)`}},
				{"text capacity", "CC1,A,10,four,men\n", []string{`row 2: column "capacity": "four" is not a number`}},
				{"fractional capacity", "CC1,A,10,4.5,men\n", []string{`row 2: column "capacity"`}},
				{"missing capacity", "CC1,A,10,,men\n", []string{`row 2: column "capacity": the designated capacity is missing`}},
				{"conflicting rows", "CC1,A,10,4,men\nPP-KDL,A,10,5,men\nCC1,A,10,5,men\n",
					[]string{`row 4: column "capacity": cell A of CC1: the capacity is 5 here, other than row 2 says`}},
				{"conflicting areas", "CC1,A,10,4,men\nCC1,A,12,4,men\n", []string{`row 3: column "area_m2": cell A of CC1: the area is 12 m² here, other than row 2 says`}},
			} {
				h := head(t, e)
				_, err := e.importCells(t, "cells.csv", []byte(cellsHeader+c.rows), intake.Options{})
				var re *intake.RowErrors
				if !errors.As(err, &re) {
					t.Fatalf("%s: %v, want row errors", c.name, err)
				}
				msg := err.Error()
				for _, w := range c.want {
					if !strings.Contains(msg, "cells.csv: "+w) {
						t.Errorf("%s: %q does not say %q", c.name, msg, w)
					}
				}
				if head(t, e) != h {
					t.Fatalf("%s: a refused sheet wrote events", c.name)
				}
			}
			// A sheet without the capacity column is refused before any row.
			_, err := e.importCells(t, "cells.csv", []byte("facility,label\nCC1,A\n"), intake.Options{})
			if err == nil || !strings.Contains(err.Error(), "cell.capacity") {
				t.Errorf("sheet without capacity: %v", err)
			}
			// With --skip-invalid the good rows load and the others go to the
			// rejects file.
			var rej bytes.Buffer
			res, err := e.importCells(t, "cells.csv", []byte(cellsHeader+"CC1,A,10,4,men\nXX9,B,1,1,\nCC1,C,x,1,\n"),
				intake.Options{SkipInvalid: true, Rejects: &rej})
			if err != nil || res.New != 1 || res.Rejected != 2 {
				t.Fatalf("skip invalid: %+v, %v", res, err)
			}
			lines := strings.Split(strings.TrimSpace(rej.String()), "\n")
			if len(lines) != 3 || !strings.HasPrefix(lines[1], "3,") || !strings.HasPrefix(lines[2], "4,") {
				t.Errorf("rejects file:\n%s", rej.String())
			}
		})
	}
}

// Identical rows are duplicates; changed figures enter a new cell event and
// count as corrected; a blank area or category keeps the register's; a dry
// run writes nothing.
func TestCellsCorrectionsAndDryRun(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			e := cellsRegister(t, be.DSN(t))
			first := cellsHeader + "CC1,A-01,23,12,men\nCC1,A-01,23,12,men\nPP-KDL,B-02,12.5,6,women\n"
			h := head(t, e)
			res, err := e.importCells(t, "cells.csv", []byte(first), intake.Options{DryRun: true})
			if err != nil || res.New != 2 || res.Duplicates != 1 || res.Events != 2 || !res.DryRun {
				t.Fatalf("dry run: %+v, %v", res, err)
			}
			if head(t, e) != h || len(sortedCells(t, e.db)) != 0 {
				t.Fatal("a dry run wrote something")
			}
			// "12,5" without decimal_comma is not a number.
			comma := strings.Replace(first, "12.5", `"12,5"`, 1)
			if _, err := e.importCells(t, "cells.csv", []byte(comma), intake.Options{}); err == nil || !strings.Contains(err.Error(), `row 4: column "area_m2"`) {
				t.Fatalf("12,5 without decimal_comma: %v", err)
			}
			if res, err = e.importCells(t, "cells.csv", []byte(first), intake.Options{}); err != nil || res.New != 2 || res.Duplicates != 1 {
				t.Fatalf("first import: %+v, %v", res, err)
			}
			h = head(t, e)
			fixed := cellsHeader + "CC1,A-01,,14,\nPP-KDL,B-02,12.5,6,women\nPP-KDL,C-03,,2,\n"
			res, err = e.importCells(t, "cells.csv", []byte(fixed), intake.Options{})
			if err != nil || res.Corrected != 1 || res.Unchanged != 1 || res.New != 1 || res.Events != 2 {
				t.Fatalf("corrected sheet: %+v, %v", res, err)
			}
			if n := head(t, e) - h; n != 2 {
				t.Fatalf("%d events for one changed and one new cell", n)
			}
			want := []store.Cell{
				{Facility: "CC1", Label: "A-01", AreaM2: 23, Capacity: 14, Category: "men"},
				{Facility: "PP-KDL", Label: "B-02", AreaM2: 12.5, Capacity: 6, Category: "women"},
				{Facility: "PP-KDL", Label: "C-03", Capacity: 2},
			}
			if got := sortedCells(t, e.db); !reflect.DeepEqual(got, want) {
				t.Fatalf("cells after the correction:\n got %+v\nwant %+v", got, want)
			}
			res, err = e.importCells(t, "cells.csv", []byte(fixed), intake.Options{})
			if err != nil || res.Unchanged != 3 || res.Events != 0 {
				t.Fatalf("corrected sheet again: %+v, %v", res, err)
			}
			// The projections still rebuild from the ledger.
			rep, err := ledger.New(e.db, ledger.WithClock(regClock)).Verify(context.Background(), "")
			if err != nil || !rep.OK() {
				t.Fatalf("verify: %+v, %v", rep, err)
			}
		})
	}
}
