package intake_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/intake"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/mapping"
	"github.com/habeas-kh/habeas/internal/stats"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/tabular"
)

// A bulletin in the Italian style: semicolons, a BOM, a capacity per month.
const testMapping = `
source: "test bulletin"
missing: [NA, "--", x]
dates: [DD/MM/YYYY, excel]
skip:
  - {column: Istituto, equals: TOTALE}
facility:
  id: {column: Codice, prefix: "T-"}
  name: Istituto
  kind: {column: Tipo, values: {CC: prison, CR: prison, CL: correctional_centre}}
  province: Regione
  capacity: Capienza
census:
  date: Data
  counts:
    total: Presenti
    women: Donne
`

const header = "\ufeffCodice;Istituto;Tipo;Regione;Capienza;Presenti;Donne;Data\r\n"

func parseMapping(t testing.TB) *mapping.Mapping {
	t.Helper()
	m, err := mapping.Parse([]byte(testMapping), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func runImport(t *testing.T, e *env, what intake.What, data string, opt intake.Options) (*intake.Result, error) {
	t.Helper()
	r, err := tabular.NewCSV(strings.NewReader(data), "b.csv", tabular.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opt.What, opt.File, opt.Actor = what, "b.csv", ledger.Actor{Name: "tester"}
	return e.svc.Import(context.Background(), r, parseMapping(t), opt)
}

func head(t *testing.T, e *env) int64 {
	t.Helper()
	h, err := e.db.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h.Seq
}

const good = header +
	"1;Verona;CC;Veneto;335;588;40;31/01/2020\r\n" +
	"2;Vasto;CL;Abruzzo;\"1,015\";NA;--;31/01/2020\r\n" + // counts unknown
	"1;Verona;CC;Veneto;335;590;41;43890\r\n" + // 2020-02-29 as an Excel serial
	"2;Vasto;CL;Abruzzo;1015;1200;x;29/02/2020\r\n" +
	";TOTALE;;;;;;\r\n"

func TestImportIdempotentAndCorrections(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			e := open(t, be.DSN(t))
			res, err := runImport(t, e, intake.Census, good, intake.Options{})
			if err != nil {
				t.Fatal(err)
			}
			// Events: two facilities, 3 totals and 2 women's counts.
			if res.Rows != 5 || res.Skipped != 1 || res.New != 4 || res.NoCounts != 1 || res.Events != 2+3+2 {
				t.Errorf("first import: %+v", res)
			}
			n := head(t, e)
			res, err = runImport(t, e, intake.Census, good, intake.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Events != 0 || res.Unchanged != 4 || res.New != 0 || head(t, e) != n {
				t.Errorf("second import of the same file: %+v", res)
			}
			// The corrected file: Verona's February count and Vasto's January
			// capacity revised, and a new month. Vasto's February row, which
			// said nothing new before, now records the capacity going back
			// to 1,015.
			revised := strings.Replace(good, "335;590;41", "335;592;41", 1)
			revised = strings.Replace(revised, "\"1,015\"", "1010", 1)
			revised += "1;Verona;CC;Veneto;335;600;42;31/03/2020\r\n"
			res, err = runImport(t, e, intake.Census, revised, intake.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Corrected != 2 || res.New != 2 || res.Unchanged != 1 || res.Events != 2+1+2 {
				t.Errorf("corrected file: %+v", res)
			}
			ctx := context.Background()
			var corrections int
			_ = e.db.Events(ctx, 1, func(se store.StoredEvent) error {
				if se.Kind == domain.KCorrection {
					corrections++
				}
				return nil
			})
			if corrections != 2 {
				t.Errorf("%d correction events, want 2", corrections)
			}
			s, err := stats.Compute(ctx, e.db, domain.MustDate("2020-02-29"), stats.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if s.Census.Population != 592+1200 || s.Census.Capacity != 335+1015 {
				t.Errorf("figures after the correction: %+v", s.Census)
			}
			rep, err := ledger.New(e.db, ledger.WithClock(clock)).Verify(ctx, "")
			if err != nil || !rep.OK() {
				t.Fatalf("verify: %v %+v", err, rep)
			}
		})
	}
}

const bad = header +
	"1;Verona;CC;Veneto;335;588;40;31/01/2020\r\n" +
	"2;Vasto;Carcere;Abruzzo;100;50;0;31/01/2020\r\n" + // row 3: unknown kind
	"3;Trani;CC;Puglia;200;-4;0;31/01/2020\r\n" + // row 4: negative count
	"4;Lauro;CC;Campania;30;20;0;5/4/20; 3/27/20\r\n" + // row 5: a cell more than the header has
	"5;Enna;CC;Sicilia;1,5;20;0;31/01/2020\r\n" + // row 6: a misplaced thousands separator
	"1;Verona;CC;Veneto;335;589;40;31/01/2020\r\n" // row 7: contradicts row 2

func TestAllOrNothing(t *testing.T) {
	e := open(t, dbtest.SQLiteDSN(t))
	_, err := runImport(t, e, intake.Census, bad, intake.Options{})
	var re *intake.RowErrors
	if !errors.As(err, &re) {
		t.Fatalf("want row errors, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{
		`b.csv: row 3: column "Tipo": "Carcere" is not one of the values the mapping translates`,
		`b.csv: row 4: column "Presenti": a count cannot be negative (-4)`,
		`b.csv: row 5: the row has a cell in column 9, "3/27/20", past the 8 columns of the header`, // the ; split it
		`b.csv: row 6: column "Capienza": "1,5" has a thousands separator in the wrong place: expected a whole number`,
		`b.csv: row 7: column "Presenti": facility T-1 on 2020-01-31: total is 589 here but 588 in row 2`,
		"nothing was imported",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if re.Total != 5 {
		t.Errorf("%d problems, want 5", re.Total)
	}
	if head(t, e) != 0 {
		t.Fatal("a refused file wrote events")
	}
}

func TestSkipInvalidAndRejects(t *testing.T) {
	e := open(t, dbtest.SQLiteDSN(t))
	var rej bytes.Buffer
	res, err := runImport(t, e, intake.Census, bad, intake.Options{SkipInvalid: true, Rejects: &rej})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rejected != 5 || res.New != 1 || res.Events != 1+2 {
		t.Errorf("result %+v", res)
	}
	cr := csv.NewReader(&rej)
	cr.FieldsPerRecord = -1 // row 5's date held the separator: it has a cell too many
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 6 || recs[0][0] != "row" || recs[0][1] != "problem" || recs[0][2] != "Codice" {
		t.Fatalf("rejects file %q", recs)
	}
	if recs[1][0] != "3" || !strings.Contains(recs[1][1], "Carcere") || recs[1][3] != "Vasto" {
		t.Errorf("first rejected row %q", recs[1])
	}
	// The user fixes the rejects file and imports it, columns row and
	// problem included: the mapping reads its own columns only.
	var fixed bytes.Buffer
	w := csv.NewWriter(&fixed)
	w.Comma = ';'
	for i, r := range recs {
		if i > 0 {
			r[4] = strings.Replace(r[4], "Carcere", "CR", 1)
			r[7] = strings.Replace(r[7], "-4", "4", 1)
			if len(r) > 10 {
				r = r[:10]
			}
			r[9] = strings.Replace(r[9], "5/4/20", "05/04/2020", 1)
			r[6] = strings.Replace(r[6], "1,5", "15", 1)
			r[7] = strings.Replace(r[7], "589", "588", 1)
		}
		_ = w.Write(r)
	}
	w.Flush()
	r, err := tabular.NewCSV(&fixed, "rejects.csv", tabular.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err = e.svc.Import(context.Background(), r, parseMapping(t), intake.Options{What: intake.Census, File: "rejects.csv", Actor: ledger.Actor{Name: "tester"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 4 || res.Unchanged != 1 {
		t.Errorf("import of the fixed rejects: %+v", res)
	}
}

func TestDryRunAndRegisterChecks(t *testing.T) {
	e := open(t, dbtest.SQLiteDSN(t))
	res, err := runImport(t, e, intake.Census, good, intake.Options{DryRun: true})
	if err != nil || !res.DryRun || res.Events != 7 {
		t.Fatalf("dry run: %+v %v", res, err)
	}
	if head(t, e) != 0 {
		t.Fatal("a dry run wrote events")
	}
	// Counts for a facility the register does not know, from a mapping
	// that does not describe facilities: refused, naming the row.
	m, err := mapping.Parse([]byte("source: s\nfacility:\n  id: Codice\ncensus:\n  date: Data\n  counts: {total: Presenti}\ndates: [DD/MM/YYYY]\n"), "ids.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, _ := tabular.NewCSV(strings.NewReader("Codice,Presenti,Data\nX9,5,31/01/2020\n"), "c.csv", tabular.Options{})
	_, err = e.svc.Import(context.Background(), r, m, intake.Options{What: intake.Census, File: "c.csv", Actor: ledger.Actor{Name: "t"}, DryRun: true})
	if err == nil || !strings.Contains(err.Error(), "c.csv: row 2") || !strings.Contains(err.Error(), "facility X9 is not in the register") {
		t.Errorf("unknown facility: %v", err)
	}
}

func TestCancelRollsBack(t *testing.T) {
	e := open(t, dbtest.SQLiteDSN(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, _ := tabular.NewCSV(strings.NewReader(good), "b.csv", tabular.Options{})
	opt := intake.Options{What: intake.Census, File: "b.csv", Actor: ledger.Actor{Name: "t"},
		Progress: func(p intake.Progress) {
			if p.Phase == "writing" {
				cancel() // Ctrl-C while the events are being written
			}
		}}
	_, err := e.svc.Import(ctx, r, parseMapping(t), opt)
	if err == nil || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("cancelled import: %v", err)
	}
	if head(t, e) != 0 {
		t.Fatal("a cancelled import wrote events")
	}
}

func TestFacilitiesImport(t *testing.T) {
	e := open(t, dbtest.SQLiteDSN(t))
	m, err := mapping.Parse([]byte(`
source: registry
dates: [YYYY-MM-DD]
facility:
  id: id
  name: name
  kind: {column: kind, values: {Prison: prison, Jail: police_custody}}
  province: state
  capacity: capacity
  capacity_date: {value: "2020-02-29"}
`), "f.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data := "id,name,kind,state,capacity\nA,Alpha,Prison,X,100\nB,Beta,Jail,Y,NA\n"
	imp := func(data string) (*intake.Result, error) {
		r, _ := tabular.NewCSV(strings.NewReader(data), "f.csv", tabular.Options{})
		return e.svc.Import(context.Background(), r, m, intake.Options{What: intake.Facilities, File: "f.csv", Actor: ledger.Actor{Name: "t"}})
	}
	if _, err := imp(data); err == nil || !strings.Contains(err.Error(), `"NA" is not a number`) {
		t.Fatalf("NA without missing: %v", err)
	}
	data = strings.Replace(data, "NA", "", 1)
	res, err := imp(data)
	if err != nil || res.New != 2 {
		t.Fatalf("%+v %v", res, err)
	}
	facs, _ := e.db.Facilities(context.Background())
	if len(facs) != 2 || facs[1].Kind != domain.PoliceCustody || facs[0].Capacity != 100 || facs[1].Capacity != 0 {
		t.Errorf("facilities %+v", facs)
	}
	res, err = imp(strings.Replace(data, "Beta", "Beta Jail", 1))
	if err != nil || res.Corrected != 1 || res.Unchanged != 1 {
		t.Errorf("renamed facility: %+v %v", res, err)
	}
}
