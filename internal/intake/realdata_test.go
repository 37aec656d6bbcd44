package intake_test

// The real-data tests import the public files in ../shared/data with the
// mapping files shipped in examples/, then check the census figures of
// habeas stats on chosen dates against totals this file computes on its own,
// straight from the CSV with encoding/csv and strconv: nothing of habeas's
// readers, mappings or figures is used for the expected values.

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/intake"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/mapping"
	"github.com/habeas-kh/habeas/internal/restricted"
	"github.com/habeas-kh/habeas/internal/stats"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/tabular"
)

// repoRoot walks up from the test's directory to go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// realFile is a file of ../shared/data (or $HABEAS_SHARED_DATA); the test
// is skipped, with a message, when the folder is absent.
func realFile(t testing.TB, name string) string {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "..", "shared", "data")
	if env := os.Getenv("HABEAS_SHARED_DATA"); env != "" {
		dir = env // a checkout elsewhere (CI) says where the data is
	}
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		t.Skipf("real data folder %s is absent: the real-data tests need ../shared/data next to the repository", dir)
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("real data file missing: %v", err)
	}
	return p
}

// clock pins "today" after every date in the files.
func clock() time.Time { return time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC) }

type env struct {
	db  *sqldb.DB
	svc *intake.Service
	// keys seals visits' interviews (visits_test.go), and sealed keeps
	// what was sealed, by visit id.
	keys   *restricted.Keyring
	sealed map[string]*domain.VisitRestricted
}

func open(t testing.TB, dsn string) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	led := ledger.New(db, ledger.WithClock(clock))
	return &env{db: db, svc: intake.New(db, led, intake.WithClock(clock))}
}

func (e *env) importFile(t *testing.T, what intake.What, path, mappingFile string, opt intake.Options) (*intake.Result, error) {
	t.Helper()
	m, err := mapping.Load(mappingFile)
	if err != nil {
		t.Fatal(err)
	}
	r, err := tabular.Open(path, tabular.Options{Sheet: m.Sheet, HeaderRow: m.HeaderRow, Delimiter: m.Delimiter})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	opt.What = what
	opt.File = filepath.Base(path)
	opt.Actor = ledger.Actor{Name: "tester"}
	return e.svc.Import(context.Background(), r, m, opt)
}

// --- the independent side ---------------------------------------------------

// rawRow is what the test reads from a raw row: a facility key, a date, and
// the population and capacity when given.
type rawRow struct {
	fac     string
	date    string // YYYY-MM-DD
	pop     int
	popOK   bool
	cap     int
	capOK   bool
	extra   map[string]int // other categories
	extraOK map[string]bool
}

// readRaw reads a CSV with the standard library only.
func readRaw(t *testing.T, path string) (map[string]int, [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	return col, recs[1:]
}

func atoi(s string) (int, bool) {
	n, err := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
	return n, err == nil
}

// expected are the census figures the test expects on a date.
type expected struct {
	pop, facilities, capacity, occFacilities int
	cats                                     map[string]int
	stale, over, implausible                 []string
}

// expect computes the figures on day with a window, the simple way: per
// facility the latest population at or before day, the capacity last given
// at or before day.
func expect(rows []rawRow, day string, window int) expected {
	type last struct {
		date  string
		pop   int
		extra map[string]int
		cap   int
	}
	per := map[string]*last{}
	capDate := map[string]string{}
	extraDate := map[string]map[string]string{}
	for _, r := range rows {
		if r.date > day {
			continue
		}
		l := per[r.fac]
		if l == nil {
			l = &last{extra: map[string]int{}}
			per[r.fac] = l
			extraDate[r.fac] = map[string]string{}
		}
		if r.capOK && r.date >= capDate[r.fac] {
			l.cap, capDate[r.fac] = r.cap, r.date
		}
		if r.popOK && r.date >= l.date {
			l.date, l.pop = r.date, r.pop
		}
		for c, ok := range r.extraOK {
			if ok && r.date >= extraDate[r.fac][c] {
				l.extra[c], extraDate[r.fac][c] = r.extra[c], r.date
			}
		}
	}
	d := domain.MustDate(day)
	e := expected{cats: map[string]int{}}
	for fac, l := range per {
		if l.date == "" {
			continue
		}
		if d.DaysSince(domain.MustDate(l.date)) > window {
			e.stale = append(e.stale, fac)
			continue
		}
		e.pop += l.pop
		e.facilities++
		e.cats["total"] += l.pop
		for c, n := range l.extra {
			if d.DaysSince(domain.MustDate(extraDate[fac][c])) <= window {
				e.cats[c] += n
			}
		}
		if l.pop > 0 && (l.cap == 0 || l.pop > 5*l.cap) {
			e.implausible = append(e.implausible, fac)
			continue
		}
		e.capacity += l.cap
		e.occFacilities++
		if l.pop > l.cap {
			e.over = append(e.over, fac)
		}
	}
	sort.Strings(e.stale)
	sort.Strings(e.over)
	sort.Strings(e.implausible)
	return e
}

// check compares habeas's figures with the expected ones.
func check(t *testing.T, db *sqldb.DB, day string, window int, prefix string, want expected) {
	t.Helper()
	s, err := stats.Compute(context.Background(), db, domain.MustDate(day), stats.Options{Census: stats.CensusOptions{WindowDays: window}})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Census
	if c == nil {
		t.Fatalf("%s: no census figures", day)
	}
	ids := func(fs []stats.CensusFacility) []string {
		out := []string{}
		for _, f := range fs {
			out = append(out, strings.TrimPrefix(f.ID, prefix))
		}
		sort.Strings(out)
		return out
	}
	t.Logf("%s (window %d): population %d in %d facilities, capacity %d, %d over capacity, %d stale, %d implausible",
		day, window, c.Population, c.Facilities, c.Capacity, len(c.OverCapacity), len(c.Stale), len(c.Implausible))
	if c.Population != want.pop || c.Facilities != want.facilities {
		t.Errorf("%s (window %d): population %d in %d facilities, want %d in %d", day, window, c.Population, c.Facilities, want.pop, want.facilities)
	}
	if c.Capacity != want.capacity || c.OccupancyFacilities != want.occFacilities {
		t.Errorf("%s: capacity %d over %d facilities, want %d over %d", day, c.Capacity, c.OccupancyFacilities, want.capacity, want.occFacilities)
	}
	for _, ct := range c.Categories {
		if ct.Count != want.cats[ct.Category] {
			t.Errorf("%s: %s %d, want %d", day, ct.Category, ct.Count, want.cats[ct.Category])
		}
	}
	if len(c.Categories) != len(want.cats) {
		t.Errorf("%s: categories %+v, want %v", day, c.Categories, want.cats)
	}
	for _, l := range []struct {
		what      string
		got, want []string
	}{{"stale", ids(c.Stale), want.stale}, {"over capacity", ids(c.OverCapacity), want.over}, {"implausible", ids(c.Implausible), want.implausible}} {
		if strings.Join(l.got, ",") != strings.Join(l.want, ",") {
			t.Errorf("%s: %s facilities %d %v, want %d %v", day, l.what, len(l.got), trim(l.got), len(l.want), trim(l.want))
		}
	}
}

func trim(s []string) []string {
	if len(s) > 8 {
		return append(s[:8:8], "...")
	}
	return s
}

// --- the files ---------------------------------------------------------------

func TestItalyBulletins(t *testing.T) {
	path := realFile(t, "italy_bulletines_monthly_by_institute.csv")
	col, recs := readRaw(t, path)
	var rows []rawRow
	for _, r := range recs {
		key := r[col["Sigla Provincia"]] + "-" + r[col["Istituto"]] + "-" + r[col["Tipo istituto"]]
		rr := rawRow{fac: key, date: r[col["Ultimo aggiornamento"]], extra: map[string]int{}, extraOK: map[string]bool{}}
		rr.pop, rr.popOK = atoi(r[col["Detenuti presenti - totale"]])
		rr.cap, rr.capOK = atoi(r[col["Capienza Regolamentare"]])
		rr.extra["women"], rr.extraOK["women"] = atoi(r[col["Detenuti presenti - donne"]])
		rr.extra["foreigners"], rr.extraOK["foreigners"] = atoi(r[col["Detenuti presenti - stranieri"]])
		rows = append(rows, rr)
	}
	mapFile := filepath.Join(repoRoot(t), "examples", "italy-bulletins.yaml")
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			e := open(t, be.DSN(t))
			start := time.Now()
			res, err := e.importFile(t, intake.Census, path, mapFile, intake.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("imported %d rows in %s: %+v", res.Rows, time.Since(start), res)
			// 2024-10-31 is in the file twice, row for row.
			if res.Rows != len(recs) || res.Duplicates != 189 || res.New != len(recs)-189 || res.Corrected != 0 {
				t.Errorf("first import: %+v", res)
			}
			for _, c := range []struct {
				day    string
				window int
			}{
				{"2019-01-31", 14},
				{"2019-07-31", 14}, // Camerino's last bulletin was June's: stale
				{"2019-07-15", 14}, // every count is 15 days old: all stale
				{"2019-07-15", 31},
				{"2020-03-31", 14},
				{"2024-10-31", 14},
				{"2025-01-31", 14},
			} {
				check(t, e.db, c.day, c.window, "IT-", expect(rows, c.day, c.window))
			}
			// The same file again changes nothing.
			again, err := e.importFile(t, intake.Census, path, mapFile, intake.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if again.Events != 0 || again.New != 0 || again.Unchanged != len(recs)-189 {
				t.Errorf("second import: %+v", again)
			}
		})
	}
}

func TestUCLAFacilities(t *testing.T) {
	path := realFile(t, "ucla_fac_data_2023-01-04.csv")
	col, recs := readRaw(t, path)
	var rows []rawRow
	for _, r := range recs {
		rr := rawRow{fac: r[col["Facility.ID"]], date: "2020-02-29"}
		rr.pop, rr.popOK = atoi(r[col["Population.Feb20"]])
		rr.cap, rr.capOK = atoi(r[col["Capacity"]])
		rows = append(rows, rr)
	}
	mapFile := filepath.Join(repoRoot(t), "examples", "ucla-facilities.yaml")
	e := open(t, dbtest.SQLiteDSN(t))
	res, err := e.importFile(t, intake.Census, path, mapFile, intake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != len(recs) || res.New != len(recs) {
		t.Errorf("import: %+v", res)
	}
	want := expect(rows, "2020-02-29", 14)
	// The data README's example: 3,290 people against a capacity of 192.
	found := false
	for _, id := range want.implausible {
		found = found || id == "358"
	}
	if !found {
		t.Fatalf("the independent computation misses facility 358: %v", want.implausible)
	}
	check(t, e.db, "2020-02-29", 14, "UCLA-", want)
	check(t, e.db, "2020-03-31", 14, "UCLA-", expect(rows, "2020-03-31", 14)) // all stale
}

func TestUCLAHistories(t *testing.T) {
	for _, name := range []string{"ucla_PA_facility_history_2020-03_2021-05.csv", "ucla_AZ_facility_history_2020-03_2021-05.csv"} {
		t.Run(name[5:7], func(t *testing.T) {
			path := realFile(t, name)
			col, recs := readRaw(t, path)
			var rows []rawRow
			for _, r := range recs {
				rr := rawRow{fac: r[col["Facility.ID"]], date: r[col["Date"]]}
				rr.pop, rr.popOK = atoi(r[col["Residents.Population"]])
				rr.cap, rr.capOK = atoi(r[col["Capacity"]])
				rows = append(rows, rr)
			}
			mapFile := filepath.Join(repoRoot(t), "examples", "ucla-facility-history.yaml")
			e := open(t, dbtest.SQLiteDSN(t))
			if _, err := e.importFile(t, intake.Census, path, mapFile, intake.Options{}); err != nil {
				t.Fatal(err)
			}
			for _, day := range []string{"2020-06-30", "2020-11-10", "2021-01-15", "2021-05-02"} {
				check(t, e.db, day, 14, "UCLA-", expect(rows, day, 14))
			}
			check(t, e.db, "2020-11-11", 1, "UCLA-", expect(rows, "2020-11-11", 1)) // reports every other day: some stale
		})
	}
}

func TestMarshallStatePopulations(t *testing.T) {
	path := realFile(t, "marshall_prison_populations.csv")
	col, recs := readRaw(t, path)
	var rows []rawRow
	for _, r := range recs {
		d, err := time.Parse("01/02/2006", r[col["as_of_date"]])
		if err != nil {
			t.Fatal(err)
		}
		rr := rawRow{fac: r[col["abbreviation"]], date: d.Format("2006-01-02")}
		rr.pop, rr.popOK = atoi(r[col["pop"]])
		rows = append(rows, rr)
	}
	mapFile := filepath.Join(repoRoot(t), "examples", "marshall-state-populations.yaml")
	e := open(t, dbtest.SQLiteDSN(t))
	res, err := e.importFile(t, intake.Census, path, mapFile, intake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Duplicates == 0 {
		t.Errorf("the repeated figures (Maryland's 11/30/2020 seven times) are not counted as duplicates: %+v", res)
	}
	for _, day := range []string{"2020-03-31", "2020-06-30", "2020-12-31", "2021-05-31"} {
		for _, w := range []int{14, 45} {
			check(t, e.db, day, w, "US-", expect(rows, day, w))
		}
	}
}
