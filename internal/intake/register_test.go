package intake_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/demo"
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

// regClock is "today" for the register tests: after the demo's years.
func regClock() time.Time { return time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC) }

func newRegEnv(t *testing.T, dsn string) *env {
	db := dbtest.Open(t, dsn)
	led := ledger.New(db, ledger.WithClock(regClock))
	return &env{db: db, svc: intake.New(db, led, intake.WithClock(regClock))}
}

// export writes one sheet of db as CSV in habeas's layout or through m.
func export(t *testing.T, db *sqldb.DB, what intake.What, m *mapping.Mapping) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := tabular.NewWriter(&buf, "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	switch what {
	case intake.Facilities:
		_, err = intake.ExportFacilities(context.Background(), db, w)
	default:
		_, err = intake.ExportRegister(context.Background(), db, what, m, w)
	}
	if err != nil {
		t.Fatalf("exporting %s: %v", what, err)
	}
	return buf.String()
}

// sheets are the CSV texts of a register.
type sheets struct{ facilities, people, admissions, charges string }

func exportAll(t *testing.T, db *sqldb.DB, m map[intake.What]*mapping.Mapping) sheets {
	return sheets{export(t, db, intake.Facilities, nil), export(t, db, intake.People, m[intake.People]),
		export(t, db, intake.Admissions, m[intake.Admissions]), export(t, db, intake.Charges, m[intake.Charges])}
}

func csvReader(t *testing.T, name, data string, m *mapping.Mapping) tabular.Reader {
	t.Helper()
	opt := tabular.Options{}
	if m != nil {
		opt.Delimiter = m.Delimiter
	}
	r, err := tabular.NewCSV(strings.NewReader(data), name, opt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// load imports a sheet; m nil is habeas's layout. charges, when given, goes
// with an admissions sheet.
func (e *env) load(t *testing.T, what intake.What, data string, m *mapping.Mapping, charges string, cm *mapping.Mapping, opt intake.Options) (*intake.Result, error) {
	t.Helper()
	name := string(what) + ".csv"
	r := csvReader(t, name, data, m)
	if m == nil {
		var err error
		if m, err = mapping.Default(string(what), r.Header()); err != nil {
			t.Fatal(err)
		}
	}
	if charges != "" {
		cr := csvReader(t, "charges.csv", charges, cm)
		if cm == nil {
			cm, _ = mapping.Default("charges", cr.Header())
		}
		var rej io.Writer
		if opt.Charges != nil {
			rej = opt.Charges.Rejects
		}
		opt.Charges = &intake.Table{Reader: cr, Mapping: cm, File: "charges.csv", Rejects: rej}
	}
	opt.What, opt.File, opt.Actor = what, name, ledger.Actor{Name: "tester"}
	return e.svc.Import(context.Background(), r, m, opt)
}

// restore loads the sheets into an empty database: facilities, the cells
// (which the sheets do not carry), people, then admissions with charges.
func restore(t *testing.T, src, dst *env, sh sheets, m map[intake.What]*mapping.Mapping) {
	t.Helper()
	restoreEstate(t, src, dst, sh)
	res, err := dst.load(t, intake.People, sh.people, m[intake.People], "", nil, intake.Options{})
	if err != nil {
		t.Fatalf("importing people: %v", err)
	}
	if res.New != res.Rows || res.New == 0 {
		t.Fatalf("people: %+v, want every row new", res)
	}
	res, err = dst.load(t, intake.Admissions, sh.admissions, m[intake.Admissions], sh.charges, m[intake.Charges], intake.Options{})
	if err != nil {
		t.Fatalf("importing admissions: %v", err)
	}
	if res.New != res.Rows || res.Also.New != res.Also.Rows {
		t.Fatalf("admissions: %+v, charges %+v, want every row new", res, res.Also)
	}
}

// restoreEstate loads the facilities sheet and the cells of src into dst.
func restoreEstate(t *testing.T, src, dst *env, sh sheets) {
	t.Helper()
	ctx := context.Background()
	fm, _ := mapping.Default("facilities", strings.Split(strings.SplitN(sh.facilities, "\n", 2)[0], ","))
	r := csvReader(t, "facilities.csv", sh.facilities, nil)
	if _, err := dst.svc.Import(ctx, r, fm, intake.Options{What: intake.Facilities, File: "facilities.csv", Actor: ledger.Actor{Name: "tester"}}); err != nil {
		t.Fatalf("importing facilities: %v", err)
	}
	cells, err := src.db.Cells(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var evs []*domain.Event
	for _, c := range cells {
		evs = append(evs, &domain.Event{Kind: domain.KCell, Date: domain.MustDate("2010-01-01"), Facility: c.Facility,
			Data: &domain.CellData{Label: c.Label, AreaM2: c.AreaM2, Capacity: c.Capacity, Category: c.Category}})
	}
	if _, err := ledger.New(dst.db, ledger.WithClock(regClock)).Record(ctx, ledger.Actor{Name: "tester"}, evs...); err != nil {
		t.Fatalf("registering cells: %v", err)
	}
}

func demoRegister(t *testing.T, dsn string, people int) *env {
	t.Helper()
	e := newRegEnv(t, dsn)
	ctx := context.Background()
	_, err := ledger.New(e.db, ledger.WithClock(regClock)).Load(ctx, ledger.Actor{Name: "test", Via: "register test"}, func(emit func(*domain.Event) error) error {
		return demo.Generate(ctx, demo.Options{Seed: 1, People: people}, emit)
	})
	if err != nil {
		t.Fatalf("loading the demo register: %v", err)
	}
	return e
}

// records reads a CSV with the standard library into maps by column name.
func records(t *testing.T, data string) []map[string]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// counted is what the test counts straight from the sheets for a day: the
// people held in prisons and correctional centres, the women, the minors,
// and the population of each facility.
type counted struct {
	pop, women, minors int
	byFacility         map[string]int
}

func countFromSheets(t *testing.T, sh sheets, day string) counted {
	kind := map[string]string{}
	for _, f := range records(t, sh.facilities) {
		kind[f["id"]] = f["kind"]
	}
	people := map[string]map[string]string{}
	for _, p := range records(t, sh.people) {
		people[p["id"]] = p
	}
	c := counted{byFacility: map[string]int{}}
	for _, a := range records(t, sh.admissions) {
		// Held from the day of admission, no longer on the day of release.
		if a["date"] > day || (a["release_date"] != "" && a["release_date"] <= day) {
			continue
		}
		c.byFacility[a["facility"]]++
		if k := kind[a["facility"]]; k != "prison" && k != "correctional_centre" {
			continue
		}
		c.pop++
		p := people[a["person"]]
		if p["sex"] == "F" {
			c.women++
		}
		if dob := p["dob"]; dob != "" {
			age := digits(day[:4]) - digits(dob[:4])
			if day[5:] < dob[5:] {
				age--
			}
			if age < 18 {
				c.minors++
			}
		}
	}
	return c
}

func digits(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

func checkFigures(t *testing.T, db store.Store, sh sheets, days ...string) {
	t.Helper()
	for _, day := range days {
		want := countFromSheets(t, sh, day)
		s, err := stats.Compute(context.Background(), db, domain.MustDate(day), stats.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Population != want.pop || s.Women != want.women || s.Minors != want.minors || want.pop == 0 {
			t.Errorf("%s: stats say population %d, women %d, minors %d; the sheets %d, %d, %d", day, s.Population, s.Women, s.Minors, want.pop, want.women, want.minors)
		}
		for _, f := range s.Facilities {
			if f.Population != want.byFacility[f.ID] {
				t.Errorf("%s: %s holds %d by the stats, %d by the sheets", day, f.ID, f.Population, want.byFacility[f.ID])
			}
		}
	}
}

var figureDays = []string{"2016-06-30", "2018-12-31", "2020-03-31"}

// The demo register exported as sheets and imported into an empty database
// gives the figures the sheets give when counted by hand; importing them
// again changes nothing; a corrected sheet enters corrections.
func TestRegisterRoundTrip(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			src := demoRegister(t, be.DSN(t), 400)
			sh := exportAll(t, src.db, nil)
			dst := newRegEnv(t, be.DSN(t))
			restore(t, src, dst, sh, nil)
			checkFigures(t, dst.db, sh, figureDays...)
			// The sheets of the copy are the sheets of the original.
			if again := exportAll(t, dst.db, nil); again != sh {
				t.Fatalf("the copy exports differently from the original")
			}

			// Idempotent, on the copy and on the original (which also has
			// transfers, verdicts ... that the sheets leave out).
			for _, e := range []*env{dst, src} {
				h := head(t, e)
				for _, what := range []intake.What{intake.People, intake.Admissions, intake.Charges} {
					data := map[intake.What]string{intake.People: sh.people, intake.Admissions: sh.admissions, intake.Charges: sh.charges}[what]
					res, err := e.load(t, what, data, nil, "", nil, intake.Options{})
					if err != nil {
						t.Fatalf("importing %s again: %v", what, err)
					}
					if res.New != 0 || res.Corrected != 0 || res.Unchanged != res.Rows || res.Events != 0 {
						t.Fatalf("importing %s again: %+v, want every row unchanged", what, res)
					}
				}
				if head(t, e) != h {
					t.Fatal("importing the same sheets again appended events")
				}
			}

			// A corrected sheet: a name, a release mechanism, a charge.
			people, adms, charges := records(t, sh.people), records(t, sh.admissions), records(t, sh.charges)
			pid := people[3]["id"]
			var rel map[string]string
			for _, a := range adms {
				if a["release_mechanism"] != "" && a["release_mechanism"] != "royal_pardon" && a["release_mechanism"] != "death" && a["release_mechanism"] != "escape" {
					rel = a
					break
				}
			}
			ch := charges[5]
			fixedPeople := replaceLine(t, sh.people, pid+",", people[3]["name"], "Renamed Person")
			fixedAdms := replaceLine(t, sh.admissions, rel["person"]+","+rel["date"]+",", ","+rel["release_mechanism"]+",", ",royal_pardon,")
			fixedCharges := replaceLine(t, sh.charges, ch["person"]+","+ch["case"]+","+ch["date"]+","+ch["offence"], ","+ch["offence"]+",", ",Corrected offence,")
			before := head(t, dst)
			for _, c := range []struct {
				what intake.What
				data string
			}{{intake.People, fixedPeople}, {intake.Admissions, fixedAdms}, {intake.Charges, fixedCharges}} {
				res, err := dst.load(t, c.what, c.data, nil, "", nil, intake.Options{})
				if err != nil {
					t.Fatalf("importing the corrected %s: %v", c.what, err)
				}
				if res.Corrected != 1 || res.New != 0 || res.Unchanged != res.Rows-1 {
					t.Fatalf("corrected %s: %+v, want one row corrected", c.what, res)
				}
			}
			if n := head(t, dst) - before; n != 3 {
				t.Fatalf("%d events for three corrected rows", n)
			}
			n, err := dst.db.CountEvents(ctx, domain.KCorrection, domain.MustDate("2026-09-01"), domain.MustDate("2026-09-02"))
			if err != nil || n != 3 {
				t.Fatalf("%d correction events (%v), want 3", n, err)
			}
			// The register now says what the corrected sheets say, and the
			// originals stay in the ledger.
			got := exportAll(t, dst.db, nil)
			if got.people != fixedPeople || got.admissions != fixedAdms || got.charges != fixedCharges {
				t.Fatal("the register does not export the corrected sheets")
			}
			checkFigures(t, dst.db, sheets{sh.facilities, fixedPeople, fixedAdms, fixedCharges}, figureDays...)
		})
	}
}

// replaceLine changes old to new in the one line of data starting with
// prefix.
func replaceLine(t *testing.T, data, prefix, old, new string) string {
	t.Helper()
	lines := strings.Split(data, "\n")
	n := 0
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			if !strings.Contains(l, old) {
				t.Fatalf("line %q has no %q", l, old)
			}
			lines[i] = strings.Replace(l, old, new, 1)
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d lines start with %q", n, prefix)
	}
	return strings.Join(lines, "\n")
}

// A register kept in French (examples/register-fr-*.yaml), with day-first
// dates and its own words, is written by an export through its mappings and
// read back through them.
func TestRegisterCustomMappingRoundTrip(t *testing.T) {
	be := dbtest.Backends[0]
	src := demoRegister(t, be.DSN(t), 150)
	m := map[intake.What]*mapping.Mapping{}
	for what, file := range map[intake.What]string{intake.People: "people", intake.Admissions: "admissions", intake.Charges: "charges"} {
		mm, err := mapping.Load("../../examples/register-fr-" + file + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		m[what] = mm
	}
	fr := exportAll(t, src.db, m)
	// The source's own layout: its columns, its dates, its words.
	first := records(t, fr.people)[0]
	if !strings.Contains(first["Date d'écrou"], "/") || (first["Sexe"] != "Homme" && first["Sexe"] != "Femme") {
		t.Fatalf("first person as exported: %v", first)
	}
	adm := records(t, fr.admissions)
	if adm[0]["Statut"] != "détention provisoire" && adm[0]["Statut"] != "garde à vue" && adm[0]["Statut"] != "condamné définitif" {
		t.Fatalf("first admission as exported: %v", adm[0])
	}
	if d := adm[0]["Date d'entrée"]; len(d) != 10 || d[2] != '/' {
		t.Fatalf("date of admission written %q, want DD/MM/YYYY", d)
	}
	dst := newRegEnv(t, be.DSN(t))
	restore(t, src, dst, fr, m)
	// Read back through the French mapping, the register is the original's.
	orig := exportAll(t, src.db, nil)
	if got := exportAll(t, dst.db, nil); got != orig {
		t.Fatal("the register read back from the French sheets differs from the original")
	}
	checkFigures(t, dst.db, orig, figureDays...)
}

// A small register written by hand, for the errors.
const (
	facilitiesCSV = "id,name,kind,province,capacity,capacity_date,capacity_source\nCC1,Prison One,prison,Phnom Penh,100,2015-01-01,test\n"
	peopleCSV     = "id,registered,name,sex,dob,dob_basis\n" +
		"P1,2019-01-10,Sok Dara,M,1990-05-01,document\n" +
		"P2,2019-02-01,Chan Srey,F,,\n" +
		"P3,2019-03-01,Keo Mony,M,1985-01-01,declared\n"
)

func smallRegister(t *testing.T, dsn string) *env {
	t.Helper()
	e := newRegEnv(t, dsn)
	r := csvReader(t, "facilities.csv", facilitiesCSV, nil)
	fm, _ := mapping.Default("facilities", r.Header())
	if _, err := e.svc.Import(context.Background(), r, fm, intake.Options{What: intake.Facilities, File: "facilities.csv", Actor: ledger.Actor{Name: "tester"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.load(t, intake.People, peopleCSV, nil, "", nil, intake.Options{}); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestRegisterBadInput(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			e := smallRegister(t, be.DSN(t))
			const admHeader = "person,date,facility,status,case,release_date,release_mechanism\n"
			cases := []struct {
				what       intake.What
				data, want string
			}{
				{intake.People, "id,registered,name,sex,dob,dob_basis\nP9,2019-01-10,X Y,male,,\n", `people.csv: row 2: column "sex": "male" is not a sex (M, F or X) habeas knows`},
				{intake.People, "id,registered,name,sex,dob,dob_basis\nP9,2019-01-10,X Y,M,2019-02-01,document\n", `people.csv: row 2: column "dob": 2019-02-01 is after the date of registration 2019-01-10`},
				{intake.People, "id,registered,name,sex,dob,dob_basis\nP9,2031-01-10,X Y,M,,\n", `people.csv: row 2: column "registered": 2031-01-10 is in the future`},
				{intake.People, "id,registered,name,sex\nP9,10/01/2019,X Y,M\n", `people.csv: row 2: column "registered": "10/01/2019" matches none of the date formats YYYY-MM-DD`},
				{intake.People, "id,registered,name,sex\nP9,2019-01-10,X Y,M\nP9,2019-01-10,X Z,M\n", `people.csv: row 3: person P9 is also in row 2, differently`},
				{intake.People, "id,registered,sex\nP9,2019-01-10,M\n", `column "name" is not in the header of people.csv`},
				{intake.Admissions, admHeader + "P9,2019-01-10,CC1,pretrial,,,\n", `admissions.csv: row 2: column "person": person P9 is not in the register: import people first`},
				{intake.Admissions, admHeader + "P1,2019-01-10,CC9,pretrial,,,\n", `admissions.csv: row 2: column "facility": unknown facility "CC9"`},
				{intake.Admissions, admHeader + "P1,2019-01-10,CC1,remand,,,\n", `admissions.csv: row 2: column "status": "remand" is not a legal status habeas knows`},
				{intake.Admissions, admHeader + "P1,2019-01-10,CC1,pretrial,,2019-01-05,sentence_served\n", `admissions.csv: row 2: column "release_date": released on 2019-01-05, before the admission on 2019-01-10`},
				{intake.Admissions, admHeader + "P1,2019-01-10,CC1,pretrial,,2019-03-05,bail\n", `admissions.csv: row 2: column "release_mechanism": "bail" is not a release mechanism habeas knows`},
				{intake.Admissions, admHeader + "P1,2019-01-10,CC1,pretrial,,2019-03-05,\n", `admissions.csv: row 2: column "release_mechanism": missing: every release must say by which legal mechanism`},
				{intake.Admissions, admHeader + "P1,2031-01-10,CC1,pretrial,,,\n", `admissions.csv: row 2: column "date": 2031-01-10 is in the future`},
				{intake.Admissions, admHeader + "P1,2019-01-10,CC1,pretrial,,,\nP1,2019-06-10,CC1,pretrial,,,\n", `admissions.csv: row 3: column "date": P1 is already held in CC1 since 2019-01-10 (row 2), with no release before the admission on 2019-06-10`},
				{intake.Admissions, admHeader + "P1,2019-01-10,CC1,pretrial,,2019-08-01,acquittal\nP1,2019-06-10,CC1,pretrial,,,\n", `admissions.csv: row 3: column "date": P1 is held in CC1 from 2019-01-10 until 2019-08-01 (row 2), which overlaps the admission on 2019-06-10`},
				{intake.Charges, "person,case,date,offence,class\nP1,K1,2019-01-10,theft,misdemeanour\n", `charges.csv: row 2: column "case": P1 is not held on case K1 on 2019-01-10`},
				{intake.Charges, "person,case,date,offence,class,min_months,max_months\nP1,K1,2019-01-10,theft,crime,6,3\n", `charges.csv: row 2: column "class": "crime" is not a class of offence habeas knows`},
				{intake.Charges, "person,case,date,offence,class,min_months,max_months\nP1,K1,2019-01-10,theft,felony,6,3\n", `charges.csv: row 2: column "max_months": the maximum penalty (3 months) is below the minimum (6)`},
				{intake.Charges, "person,case,date,offence,class,drug\nP1,K1,2019-01-10,theft,felony,maybe\n", `charges.csv: row 2: column "drug": "maybe" is not yes or no`},
			}
			h := head(t, e)
			for _, c := range cases {
				_, err := e.load(t, c.what, c.data, nil, "", nil, intake.Options{})
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("%s %q:\n got %v\nwant %s", c.what, c.data, err, c.want)
				}
			}
			if head(t, e) != h {
				t.Fatal("a refused import wrote events")
			}

			// All or nothing: one bad row stops the good ones; the error
			// says nothing was imported.
			mixed := admHeader + "P1,2019-01-10,CC1,pretrial,K1,2019-05-01,charges_dropped\nP2,2019-02-01,CC1,remand,K2,,\nP3,2019-03-01,CC1,pretrial,K3,,\n"
			_, err := e.load(t, intake.Admissions, mixed, nil, "", nil, intake.Options{})
			var re *intake.RowErrors
			if !errors.As(err, &re) || re.Total != 1 || !strings.Contains(err.Error(), "nothing was imported") {
				t.Fatalf("mixed file: %v", err)
			}
			if head(t, e) != h {
				t.Fatal("a refused import wrote events")
			}

			// A dry run checks against the register and writes nothing.
			good := admHeader + "P1,2019-01-10,CC1,pretrial,K1,2019-05-01,charges_dropped\nP3,2019-03-01,CC1,pretrial,K3,,\n"
			charges := "person,case,date,offence,class,min_months,max_months\nP1,K1,2019-01-10,theft,misdemeanour,6,36\nP1,K1,2019-03-01,theft,misdemeanour,6,36\nP1,K1,2019-03-01,fraud,misdemeanour,6,36\n"
			res, err := e.load(t, intake.Admissions, good, nil, charges, nil, intake.Options{DryRun: true})
			if err != nil || res.New != 2 || res.Also.New != 3 || res.Events != 4 || !res.DryRun {
				t.Fatalf("dry run: %+v %v", res, err)
			}
			if head(t, e) != h {
				t.Fatal("a dry run wrote events")
			}

			// Skipping invalid rows loads the good ones and lists the others.
			var rej, crej bytes.Buffer
			charges2 := charges + "P2,K2,2019-02-01,theft,misdemeanour,6,36\n"
			res, err = e.load(t, intake.Admissions, mixed, nil, charges2, nil, intake.Options{SkipInvalid: true, Rejects: &rej, Charges: &intake.Table{Rejects: &crej}})
			if err != nil {
				t.Fatal(err)
			}
			if res.New != 2 || res.Rejected != 1 || res.Also.New != 3 || res.Also.Rejected != 1 {
				t.Fatalf("skip invalid: %+v, charges %+v", res, res.Also)
			}
			if !strings.Contains(rej.String(), `3,"column ""status"": ""remand"" is not a legal status`) {
				t.Fatalf("rejects:\n%s", rej.String())
			}
			if !strings.Contains(crej.String(), `5,"column ""case"": P2 is not held on case K2 on 2019-02-01`) {
				t.Fatalf("charge rejects:\n%s", crej.String())
			}
			// P1 was released on 2019-05-01 with two charges from 2019-03-01.
			ps, err := e.db.Persons(context.Background(), []string{"P1", "P3"})
			if err != nil {
				t.Fatal(err)
			}
			if p := ps["P1"]; p.InCustody || p.ExitDate != domain.MustDate("2019-05-01") || p.Mechanism != domain.MechDropped || !ps["P3"].InCustody {
				t.Fatalf("persons after the import: %+v", ps)
			}
			evs, err := e.db.PersonEvents(context.Background(), []string{"P1"})
			if err != nil {
				t.Fatal(err)
			}
			dec, err := store.DecodeEvents(evs["P1"])
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, ev := range dec {
				kinds = append(kinds, string(ev.Kind))
				if d, ok := ev.Data.(*domain.AdmissionData); ok && (d.Case == nil || len(d.Case.Charges) != 1) {
					t.Fatalf("admission's case: %+v", d.Case)
				}
				if d, ok := ev.Data.(*domain.ChargeData); ok && len(d.Charges) != 2 {
					t.Fatalf("charge change: %+v", d)
				}
			}
			if strings.Join(kinds, " ") != "person admission charge_change release" {
				t.Fatalf("P1's events: %v", kinds)
			}
			// Admitting someone the register holds is refused.
			_, err = e.load(t, intake.Admissions, admHeader+"P3,2019-04-01,CC1,pretrial,K4,,\n", nil, "", nil, intake.Options{})
			if err == nil || !strings.Contains(err.Error(), `admissions.csv: row 2: column "date": P3 is already held in CC1 since 2019-03-01 (in the register)`) {
				t.Fatalf("second admission: %v", err)
			}
		})
	}
}

func TestExportXLSXRowLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a million rows")
	}
	var buf bytes.Buffer
	w, err := tabular.NewWriter(&buf, "big.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < tabular.MaxXLSXRows; i++ {
		if err := w.Write([]string{"x"}); err != nil {
			t.Fatalf("row %d: %v", i+1, err)
		}
	}
	err = w.Write([]string{"x"})
	if err == nil || !strings.Contains(err.Error(), "write CSV instead") {
		t.Fatalf("row %d: %v", tabular.MaxXLSXRows+1, err)
	}
}
