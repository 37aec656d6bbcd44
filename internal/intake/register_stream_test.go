package intake_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/intake"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/mapping"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/tabular"
)

// csvSheet is a sheet read from a string, opened afresh on every pass.
func csvSheet(name, data string) *intake.Sheet {
	return &intake.Sheet{File: name, Open: func() (tabular.Reader, error) {
		return tabular.NewCSV(strings.NewReader(data), name, tabular.Options{})
	}}
}

// importRegister loads the people, admissions and charges of sh in one pass.
func (e *env) importRegister(sh sheets, opt intake.Options, rejects ...*bytes.Buffer) (*intake.RegisterResult, error) {
	in := intake.RegisterSheets{People: csvSheet("people.csv", sh.people)}
	if sh.admissions != "" {
		in.Admissions = csvSheet("admissions.csv", sh.admissions)
	}
	if sh.charges != "" {
		in.Charges = csvSheet("charges.csv", sh.charges)
	}
	for i, s := range []*intake.Sheet{in.People, in.Admissions, in.Charges} {
		if s != nil && i < len(rejects) {
			s.Rejects = rejects[i]
		}
	}
	opt.Actor = ledger.Actor{Name: "tester"}
	return e.svc.ImportRegister(context.Background(), in, opt)
}

// shuffleRows puts the data rows of a CSV in a random order.
func shuffleRows(data string, seed uint64) string {
	lines := strings.Split(strings.TrimSuffix(data, "\n"), "\n")
	body := lines[1:]
	rand.New(rand.NewPCG(seed, seed)).Shuffle(len(body), func(i, j int) { body[i], body[j] = body[j], body[i] })
	return lines[0] + "\n" + strings.Join(body, "\n") + "\n"
}

// The demo register's sheets loaded in one pass give the register the
// separate imports give; again, they change nothing; corrected, they enter
// corrections; out of person order, they are grouped in memory and give the
// same register.
func TestImportRegisterOnePass(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			src := demoRegister(t, be.DSN(t), 300)
			sh := exportAll(t, src.db, nil)
			dst := newRegEnv(t, be.DSN(t))
			restoreEstate(t, src, dst, sh)
			res, err := dst.importRegister(sh, intake.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range []*intake.Result{res.People, res.Admissions, res.Charges} {
				if r.New != r.Rows || r.Rows == 0 || r.Unchanged != 0 || r.Corrected != 0 {
					t.Fatalf("first import: %+v, want every row new", r)
				}
			}
			if res.InMemory {
				t.Error("exported sheets are in person order, yet were grouped in memory")
			}
			if again := exportAll(t, dst.db, nil); again != sh {
				t.Fatal("the register loaded in one pass exports differently from the original")
			}
			checkFigures(t, dst.db, sh, figureDays...)

			h := head(t, dst)
			res, err = dst.importRegister(sh, intake.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range []*intake.Result{res.People, res.Admissions, res.Charges} {
				if r.Unchanged != r.Rows || r.New != 0 || r.Corrected != 0 {
					t.Fatalf("second import: %+v, want every row unchanged", r)
				}
			}
			if res.Events != 0 || head(t, dst) != h {
				t.Fatal("importing the same sheets again appended events")
			}

			// Corrected sheets, in one pass: a name, a release mechanism, a
			// charge.
			people, adms, charges := records(t, sh.people), records(t, sh.admissions), records(t, sh.charges)
			pid := people[7]["id"]
			var rel map[string]string
			for _, a := range adms {
				if m := a["release_mechanism"]; m != "" && m != "royal_pardon" && m != "death" && m != "escape" {
					rel = a
					break
				}
			}
			// A charge of a later change, not of an admission's day (which
			// would correct the admission, and count its row too).
			admitted := map[string]bool{}
			for _, a := range adms {
				admitted[a["person"]+" "+a["date"]] = true
			}
			var ch map[string]string
			for _, c := range charges {
				if !admitted[c["person"]+" "+c["date"]] && c["person"] != rel["person"] {
					ch = c
					break
				}
			}
			if ch == nil {
				t.Fatal("the demo register has no charge change")
			}
			fixed := sheets{sh.facilities,
				replaceLine(t, sh.people, pid+",", people[7]["name"], "Renamed Person"),
				replaceLine(t, sh.admissions, rel["person"]+","+rel["date"]+",", ","+rel["release_mechanism"]+",", ",royal_pardon,"),
				replaceLine(t, sh.charges, ch["person"]+","+ch["case"]+","+ch["date"]+","+ch["offence"], ","+ch["offence"]+",", ",Corrected offence,")}
			res, err = dst.importRegister(fixed, intake.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range []*intake.Result{res.People, res.Admissions, res.Charges} {
				if r.Corrected != 1 || r.New != 0 || r.Unchanged != r.Rows-1 {
					t.Fatalf("corrected sheets: %+v, want one row corrected in each", r)
				}
			}
			if n, err := dst.db.CountEvents(ctx, domain.KCorrection, domain.MustDate("2026-09-01"), domain.MustDate("2026-09-02")); err != nil || n != 3 || head(t, dst)-h != 3 {
				t.Fatalf("%d correction events (%v), %d events in all; want 3", n, err, head(t, dst)-h)
			}
			if got := exportAll(t, dst.db, nil); got != fixed {
				t.Fatal("the register does not export the corrected sheets")
			}

			// Rows in no particular order.
			mixed := newRegEnv(t, be.DSN(t))
			restoreEstate(t, src, mixed, sh)
			shuffled := sheets{sh.facilities, shuffleRows(sh.people, 1), shuffleRows(sh.admissions, 2), shuffleRows(sh.charges, 3)}
			res, err = mixed.importRegister(shuffled, intake.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !res.InMemory || res.People.New != res.People.Rows || res.Charges.New != res.Charges.Rows {
				t.Fatalf("shuffled sheets: in memory %v, people %+v, charges %+v", res.InMemory, res.People, res.Charges)
			}
			if got := exportAll(t, mixed.db, nil); got != sh {
				t.Fatal("the register loaded from shuffled sheets exports differently from the original")
			}
		})
	}
}

// Problems in any of the sheets stop the whole import, each named by file,
// row and column; a dry run writes nothing; skipping invalid rows loads the
// others and writes each sheet's rejects, a row the ledger refuses among them.
func TestImportRegisterBadInput(t *testing.T) {
	const (
		people = "id,registered,name,sex,dob,dob_basis\n" +
			"P1,2019-01-10,Sok Dara,M,1990-05-01,document\n" +
			"P2,2019-02-01,Chan Srey,female,,\n" + // bad sex
			"P3,2019-03-01,Keo Mony,M,1985-01-01,declared\n" +
			"P3,2019-03-01,Keo Mony,M,1985-01-01,declared\n" + // a duplicate
			"P4,2019-05-01,Late Registration,M,,\n"
		adms = "person,date,facility,status,case,release_date,release_mechanism\n" +
			"P1,2019-01-10,CC1,pretrial,K1,2019-05-01,charges_dropped\n" +
			"P2,2019-02-01,CC1,pretrial,K2,,\n" + // its person is rejected
			"P3,2019-03-01,CC1,remand,K3,,\n" + // bad status
			"P3,2019-04-01,CC1,pretrial,K4,,\n" +
			"P4,2019-01-10,CC1,pretrial,K5,,\n" // before the registration: the ledger refuses it
		charges = "person,case,date,offence,class,min_months,max_months\n" +
			"P1,K1,2019-01-10,theft,misdemeanour,6,36\n" +
			"P1,K1,2019-03-01,theft,misdemeanour,6,36\n" +
			"P1,K1,2019-03-01,fraud,misdemeanour,6,36\n" +
			"P3,K9,2019-04-01,theft,misdemeanour,6,36\n" // no admission on case K9
	)
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			e := newRegEnv(t, be.DSN(t))
			r := csvReader(t, "facilities.csv", facilitiesCSV, nil)
			fm, _ := mapping.Default("facilities", r.Header())
			if _, err := e.svc.Import(context.Background(), r, fm, intake.Options{What: intake.Facilities, File: "facilities.csv", Actor: ledger.Actor{Name: "tester"}}); err != nil {
				t.Fatal(err)
			}
			h := head(t, e)
			sh := sheets{people: people, admissions: adms, charges: charges}

			_, err := e.importRegister(sh, intake.Options{})
			var re *intake.RowErrors
			if !errors.As(err, &re) {
				t.Fatalf("bad sheets: %v", err)
			}
			for _, want := range []string{
				`people.csv: row 3: column "sex": "female" is not a sex (M, F or X) habeas knows`,
				`admissions.csv: row 3: column "person": person P2 is neither in the register nor, valid, in people.csv`,
				`admissions.csv: row 4: column "status": "remand" is not a legal status habeas knows`,
				`charges.csv: row 5: column "case": P3 is not held on case K9 on 2019-04-01`,
				"nothing was imported",
			} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the error does not say %q:\n%v", want, err)
				}
			}
			if re.Total != 4 {
				t.Errorf("%d problems, want 4:\n%v", re.Total, err)
			}
			if head(t, e) != h {
				t.Fatal("a refused import wrote events")
			}

			// The ledger's own refusal, without skipping: nothing written.
			onlyLate := sheets{people: "id,registered,name,sex\nP4,2019-05-01,Late Registration,M\n",
				admissions: "person,date,facility,status\nP4,2019-01-10,CC1,pretrial\n"}
			_, err = e.importRegister(onlyLate, intake.Options{})
			if err == nil || !strings.Contains(err.Error(), "admissions.csv: row 2: the register refuses it") {
				t.Fatalf("an admission before the registration: %v", err)
			}
			if head(t, e) != h {
				t.Fatal("a refused import wrote events")
			}

			good := sheets{people: "id,registered,name,sex\nP1,2019-01-10,Sok Dara,M\nP3,2019-03-01,Keo Mony,M\n",
				admissions: "person,date,facility,status,case\nP1,2019-01-10,CC1,pretrial,K1\nP3,2019-03-01,CC1,pretrial,K3\n",
				charges:    "person,case,date,offence,class\nP1,K1,2019-01-10,theft,misdemeanour\nP1,K1,2019-02-01,fraud,felony\n"}
			res, err := e.importRegister(good, intake.Options{DryRun: true})
			if err != nil || !res.DryRun || res.People.New != 2 || res.Admissions.New != 2 || res.Charges.New != 2 || res.Events != 5 {
				t.Fatalf("dry run: %+v %v", res, err)
			}
			if head(t, e) != h {
				t.Fatal("a dry run wrote events")
			}

			var prej, arej, crej bytes.Buffer
			res, err = e.importRegister(sh, intake.Options{SkipInvalid: true}, &prej, &arej, &crej)
			if err != nil {
				t.Fatal(err)
			}
			if p := res.People; p.New != 3 || p.Rejected != 1 || p.Duplicates != 1 {
				t.Errorf("people: %+v", p)
			}
			if a := res.Admissions; a.New != 2 || a.Rejected != 3 {
				t.Errorf("admissions: %+v", a)
			}
			if c := res.Charges; c.New != 3 || c.Rejected != 1 {
				t.Errorf("charges: %+v", c)
			}
			for _, c := range []struct {
				buf  *bytes.Buffer
				want []string
			}{
				{&prej, []string{"row,problem,id,", `3,"column ""sex"": ""female"" is not a sex`}},
				{&arej, []string{"row,problem,person,", "3,\"column \"\"person\"\": person P2 is neither", "4,\"column \"\"status\"\"", `6,"the register refuses it: `}},
				{&crej, []string{"row,problem,person,", "5,\"column \"\"case\"\": P3 is not held on case K9"}},
			} {
				for _, w := range c.want {
					if !strings.Contains(c.buf.String(), w) {
						t.Errorf("rejects do not say %q:\n%s", w, c.buf.String())
					}
				}
			}
			ps, err := e.db.Persons(context.Background(), []string{"P1", "P3", "P4"})
			if err != nil {
				t.Fatal(err)
			}
			if p := ps["P1"]; p.InCustody || p.Mechanism != domain.MechDropped || !ps["P3"].InCustody || ps["P3"].Admitted != domain.MustDate("2019-04-01") || ps["P4"].InCustody {
				t.Fatalf("persons after the import: %+v", ps)
			}
			if _, ok := ps["P4"]; !ok {
				t.Fatal("P4, whose registration is valid, was not registered")
			}
		})
	}
}
