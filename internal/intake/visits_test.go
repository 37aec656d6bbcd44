package intake_test

import (
	"archive/zip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/intake"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/monitor"
	"github.com/habeas-kh/habeas/internal/restricted"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb/dbtest"
	"github.com/habeas-kh/habeas/internal/visits"
)

const visitsDir = "testdata/visits"

// visitEnv is a register with the two facilities the fixtures visit.
func visitEnv(t *testing.T, dsn string) *env {
	t.Helper()
	e := open(t, dsn)
	led := ledger.New(e.db, ledger.WithClock(clock))
	var evs []*domain.Event
	for _, f := range []struct {
		id   string
		kind domain.FacilityKind
	}{{"CC1", domain.CorrectionalCentre}, {"PJ", domain.Prison}} {
		evs = append(evs, &domain.Event{Kind: domain.KFacility, Date: vday("2020-01-01"), Facility: f.id,
			Data: &domain.FacilityData{Name: f.id, Kind: f.kind, Province: "Phnom Penh", Capacity: 1000, CapacitySource: "GDP"}})
	}
	if _, err := led.Record(context.Background(), ledger.Actor{Name: "admin"}, evs...); err != nil {
		t.Fatal(err)
	}
	return e
}

// fixtureFiles reads the CSV files of a fixture folder in name order.
func fixtureFiles(t *testing.T, dir string, edit func(name, text string) string) (names, texts []string) {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(visitsDir, dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range ents {
		b, err := os.ReadFile(filepath.Join(visitsDir, dir, en.Name()))
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		if edit != nil {
			text = edit(en.Name(), text)
		}
		names, texts = append(names, en.Name()), append(texts, text)
	}
	return names, texts
}

// koboXLSX assembles the KoboToolbox fixture's sheets into a workbook,
// numbers as number cells as KoboToolbox writes them. edit may change a
// sheet's text first.
func koboXLSX(t *testing.T, edit func(name, text string) string) string {
	t.Helper()
	names, texts := fixtureFiles(t, "kobo-xlsx", edit)
	f := excelize.NewFile()
	defer f.Close()
	for i, name := range names {
		sheet := strings.TrimSuffix(name[strings.Index(name, " ")+1:], ".csv")
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sheet); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(sheet); err != nil {
			t.Fatal(err)
		}
		for r, rec := range parseCSV(t, texts[i]) {
			for c, v := range rec {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				var val any = v
				if x, err := strconv.ParseFloat(v, 64); err == nil && r > 0 {
					val = x
				}
				if err := f.SetCellValue(sheet, cell, val); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	path := filepath.Join(t.TempDir(), "visits.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func parseCSV(t *testing.T, text string) [][]string {
	t.Helper()
	var out [][]string
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		// The fixtures quote only a place with a comma in it.
		var rec []string
		for line != "" || rec == nil {
			var cell string
			if strings.HasPrefix(line, `"`) {
				end := strings.Index(line[1:], `"`) + 1
				cell, line = line[1:end], strings.TrimPrefix(line[end+1:], ",")
			} else if i := strings.IndexByte(line, ','); i >= 0 {
				cell, line = line[:i], line[i+1:]
				if line == "" {
					rec = append(rec, cell)
					cell = ""
				}
			} else {
				cell, line = line, ""
			}
			rec = append(rec, cell)
		}
		out = append(out, rec)
	}
	return out
}

// odkZip zips the ODK Central fixture's files as Central names them.
func odkZip(t *testing.T, edit func(name, text string) string) string {
	t.Helper()
	names, texts := fixtureFiles(t, "odk", edit)
	path := filepath.Join(t.TempDir(), "visits.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	z := zip.NewWriter(f)
	for i, name := range names {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(texts[i])); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func intp(n int) *int           { return &n }
func floatp(x float64) *float64 { return &x }

func vday(s string) domain.Date {
	d, err := domain.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func visitAt(v monitor.Visit) string { return v.Ev.Facility + " " + v.Ev.Date.String() }

// wantFixtureVisits are the three submissions of the XLSX and ODK
// fixtures, read from the files by hand.
func wantFixtureVisits() map[string]monitor.Visit {
	return map[string]monitor.Visit{
		"3f1c2a7e-5b6d-4e8f-9a01-1b2c3d4e5f60": {
			Ev: &domain.Event{Facility: "CC1", Date: vday("2024-03-12")},
			Data: &domain.VisitData{ID: "3f1c2a7e-5b6d-4e8f-9a01-1b2c3d4e5f60", Team: []string{"Sokha Chan", "Dara Keo"},
				Observed: domain.HeadCount{Total: intp(2630), Men: intp(2450), Women: intp(180), Children: intp(0), Pretrial: intp(1950)},
				Cells: []domain.CellMeasure{
					{Label: "B4", Use: domain.CellDormitory, AreaM2: 60, People: 85, WaterPoints: intp(1), LitresPerDay: floatp(200), Toilets: intp(1),
						Light: domain.Inadequate, Ventilation: domain.Inadequate, SleepingM2: floatp(50), Note: "no window"},
					{Label: "S2", Use: domain.CellSingle, AreaM2: 6.5, People: 1, LitresPerDay: floatp(10), Toilets: intp(1),
						Light: domain.Adequate, Ventilation: domain.Adequate, SleepingM2: floatp(5.5)},
				},
				Recommendations: []domain.Recommendation{{ID: "CC1-2024-R1", Text: "Open block C to relieve block B", Addressee: "General Department of Prisons"}},
				Restricted: &domain.VisitRestricted{
					Interviews: []domain.Interview{{Consent: true, Anonymous: true, Summary: "Beaten at arrest"},
						{Consent: true, Pseudonym: "K.", Summary: "No doctor for three weeks"}},
					Allegations: []domain.Allegation{
						{Kind: domain.AllegIllTreatment, Date: vday("2024-02-20"), Place: "police station, Chbar Ampov", Interview: intp(0)},
						{Kind: domain.AllegMedicalCare, Date: vday("2024-02-01"), Place: "CC1 block B", Interview: intp(1), Account: "Asked every day"}},
				},
				Note: "Block C closed for repairs"},
		},
		"8a9b0c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d": {
			Ev: &domain.Event{Facility: "PJ", Date: vday("2024-05-02")},
			Data: &domain.VisitData{ID: "8a9b0c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d", Team: []string{"Sokha Chan"},
				Observed: domain.HeadCount{Total: intp(410), Women: intp(35)},
				Cells: []domain.CellMeasure{{Label: "A1", Use: domain.CellDormitory, AreaM2: 48, People: 120, WaterPoints: intp(2),
					LitresPerDay: floatp(300), Toilets: intp(2), Light: domain.Adequate, Ventilation: domain.Inadequate}},
				// No id given: the submission's, numbered.
				Recommendations: []domain.Recommendation{{ID: "8a9b0c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d-r1", Text: "Give each cell drinking water", Addressee: "Prison director"}}},
		},
		"c4d5e6f7-0819-4a2b-9c3d-4e5f60718293": {
			Ev: &domain.Event{Facility: "CC1", Date: vday("2024-06-20")},
			Data: &domain.VisitData{ID: "c4d5e6f7-0819-4a2b-9c3d-4e5f60718293", Team: []string{"Dara Keo"},
				Observed:   domain.HeadCount{Total: intp(2500), Men: intp(2330), Women: intp(170), Foreigners: intp(12)},
				FollowUps:  []domain.FollowUp{{Recommendation: "CC1-2024-R1", Status: domain.RecPartly, Note: "Block C half open"}},
				Restricted: &domain.VisitRestricted{Interviews: []domain.Interview{{Consent: true, Anonymous: true, Summary: "Water twice a day"}}}},
		},
	}
}

// checkVisits compares the visits held with want, field by field.
func checkVisits(t *testing.T, e *env, want map[string]monitor.Visit) {
	t.Helper()
	got, err := monitor.Load(context.Background(), e.db, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("%d visits held, want %d", len(got), len(want))
	}
	for _, g := range got {
		w, ok := want[g.Data.ID]
		if !ok {
			t.Errorf("visit %q (%s) not in the fixture", g.Data.ID, visitAt(g))
			continue
		}
		if visitAt(g) != visitAt(w) {
			t.Errorf("visit %s: at %s, want %s", g.Data.ID, visitAt(g), visitAt(w))
		}
		// What the import gave to be sealed is the fixture's restricted
		// part; the register holds it sealed, one record per interview
		// (and one for allegations of no interview), never in clear.
		if w.Data.Restricted != nil {
			if g.Data.Restricted != nil {
				t.Errorf("visit %s: interviews held in clear", g.Data.ID)
			}
			if !reflect.DeepEqual(e.sealed[g.Data.ID], w.Data.Restricted) {
				t.Errorf("visit %s: sealed %+v, want %+v", g.Data.ID, e.sealed[g.Data.ID], w.Data.Restricted)
			}
			if len(g.Data.Sealed) < len(w.Data.Restricted.Interviews) || len(g.Data.Sealed) == 0 {
				t.Errorf("visit %s: %d sealed records for %d interviews", g.Data.ID, len(g.Data.Sealed), len(w.Data.Restricted.Interviews))
			}
			wd := *w.Data
			wd.Restricted, wd.Sealed = nil, g.Data.Sealed
			w.Data = &wd
		}
		if !reflect.DeepEqual(g.Data, w.Data) {
			t.Errorf("visit %s:\n got  %+v\n want %+v", g.Data.ID, g.Data, w.Data)
			if !reflect.DeepEqual(g.Data.Restricted, w.Data.Restricted) {
				t.Errorf("  restricted: got %+v, want %+v", g.Data.Restricted, w.Data.Restricted)
			}
		}
	}
}

func importVisits(t *testing.T, e *env, path, format string) (*intake.VisitResult, error) {
	t.Helper()
	return e.svc.ImportVisits(context.Background(), path, format, ledger.Actor{Name: "monitor.a"}, false, e.seal(t))
}

// seal seals a visit's restricted part with a key of the test's own, as
// habeas import visits --org does, and keeps what it sealed by visit id:
// checkVisits compares that with the fixture.
func (e *env) seal(t *testing.T) func(*domain.VisitData) error {
	t.Helper()
	if e.keys == nil {
		file := filepath.Join(t.TempDir(), "licadho.key")
		if _, err := restricted.Generate(file); err != nil {
			t.Fatal(err)
		}
		k, err := restricted.Load(map[string]string{"licadho": file})
		if err != nil {
			t.Fatal(err)
		}
		e.keys, e.sealed = k, map[string]*domain.VisitRestricted{}
		acc := auth.New(e.db, auth.WithOrgs(e.db))
		if err := acc.AddOrg(t.Context(), auth.System("root", "test"), store.Org{ID: "licadho", Name: "LICADHO", Kind: auth.OrgMonitoring}); err != nil {
			t.Fatal(err)
		}
	}
	return func(d *domain.VisitData) error {
		r := *d.Restricted
		e.sealed[d.ID] = &r
		return visits.Seal(e.keys, "licadho", d)
	}
}

// The XLSX and ODK exports of the same submissions record the same
// visits; a second import, of either, records nothing and counts them.
func TestImportVisitsKoboXLSXAndODK(t *testing.T) {
	for _, be := range dbtest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			e := visitEnv(t, be.DSN(t))
			xlsx, odk := koboXLSX(t, nil), odkZip(t, nil)
			res, err := importVisits(t, e, xlsx, "") // told from the file
			if err != nil {
				t.Fatal(err)
			}
			if res.Format != intake.KoboXLSX || res.Submissions != 3 || res.New != 3 || res.Already != 0 || res.Events != 3 {
				t.Errorf("first import: %+v", res)
			}
			checkVisits(t, e, wantFixtureVisits())
			h := head(t, e)
			for _, p := range []string{xlsx, odk} {
				res, err = importVisits(t, e, p, "")
				if err != nil {
					t.Fatal(err)
				}
				if res.New != 0 || res.Already != 3 || res.Events != 0 {
					t.Errorf("%s imported again: %+v", filepath.Base(p), res)
				}
			}
			if head(t, e) != h {
				t.Errorf("imports of submissions held wrote events: head %d, was %d", head(t, e), h)
			}
		})
	}
}

func TestImportVisitsODKZip(t *testing.T) {
	e := visitEnv(t, dbtest.SQLiteDSN(t))
	res, err := importVisits(t, e, odkZip(t, nil), "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != intake.ODKZip || res.New != 3 {
		t.Errorf("import: %+v", res)
	}
	checkVisits(t, e, wantFixtureVisits())
}

func TestImportVisitsKoboCSV(t *testing.T) {
	e := visitEnv(t, dbtest.SQLiteDSN(t))
	path := filepath.Join(visitsDir, "kobo.csv")
	res, err := importVisits(t, e, path, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != intake.KoboCSV || res.New != 2 {
		t.Errorf("import: %+v", res)
	}
	checkVisits(t, e, map[string]monitor.Visit{
		"e1f2a3b4-c5d6-4e7f-8091-a2b3c4d5e6f7": {Ev: &domain.Event{Facility: "CC1", Date: vday("2024-07-15")},
			Data: &domain.VisitData{ID: "e1f2a3b4-c5d6-4e7f-8091-a2b3c4d5e6f7", Team: []string{"Sokha Chan", "Dara Keo"},
				Observed: domain.HeadCount{Total: intp(2400)}, Note: "Counted at the gate"}},
		"f0e1d2c3-b4a5-4968-8776-655443322110": {Ev: &domain.Event{Facility: "PJ", Date: vday("2024-07-16")},
			Data: &domain.VisitData{ID: "f0e1d2c3-b4a5-4968-8776-655443322110", Team: []string{"Dara Keo"},
				Observed: domain.HeadCount{Total: intp(395), Men: intp(365), Women: intp(30)}}},
	})
	res, err = importVisits(t, e, path, intake.KoboCSV)
	if err != nil || res.New != 0 || res.Already != 2 {
		t.Errorf("imported again: %+v, %v", res, err)
	}

	// A submission sent twice (the tools can hold duplicates) is recorded
	// once, with a warning naming both rows.
	e = visitEnv(t, dbtest.SQLiteDSN(t))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	dup := filepath.Join(t.TempDir(), "dup.csv")
	if err := os.WriteFile(dup, []byte(lines[0]+lines[1]+lines[2]+lines[1]), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err = importVisits(t, e, dup, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Submissions != 3 || res.New != 2 || res.Repeated != 1 || len(res.Warnings) != 1 ||
		!strings.Contains(res.Warnings[0], "dup.csv: row 4 repeats the submission of row 2 (e1f2a3b4-c5d6-4e7f-8091-a2b3c4d5e6f7)") {
		t.Errorf("a submission given twice: %+v", res)
	}
}

// Each refusal names the file, the sheet, the row and the column, and
// nothing is recorded.
func TestImportVisitsRefused(t *testing.T) {
	// replace edits one file of a fixture: old becomes new, once.
	replace := func(file, old, new string) func(string, string) string {
		return func(name, text string) string {
			if name != file {
				return text
			}
			if !strings.Contains(text, old) {
				t.Fatalf("%s does not contain %q", file, old)
			}
			return strings.Replace(text, old, new, 1)
		}
	}
	const main, cells = "0 habeas monitoring visit.csv", "1 cells.csv"
	cases := []struct {
		name string
		path func(t *testing.T) string
		want []string // in the message, in order
	}{
		{"more people in a cell than observed", func(t *testing.T) string {
			return koboXLSX(t, replace(cells, "A1,dormitory,48,120,", "A1,dormitory,48,500,"))
		}, []string{`visits.xlsx: sheet "cells": row 4: column "cells/cell_people": `, `500 people in cell "A1" is more than the facility's observed headcount, 410`}},
		{"zero area", func(t *testing.T) string {
			return koboXLSX(t, replace(cells, "B4,dormitory,60,", "B4,dormitory,0,"))
		}, []string{`visits.xlsx: sheet "cells": row 2: column "cells/cell_area": `, "must be more than 0"}},
		{"negative area", func(t *testing.T) string {
			return odkZip(t, replace("habeas_visit-cells.csv", "S2,single,6.5,", "S2,single,-2,"))
		}, []string{`visits.zip/habeas_visit-cells.csv: row 3: column "cells-cell_area": `, "must be more than 0"}},
		{"allegation without a date", func(t *testing.T) string {
			return koboXLSX(t, replace("3 allegations.csv", "denial_of_medical_care,2024-02-01,", "denial_of_medical_care,,"))
		}, []string{`visits.xlsx: sheet "allegations": row 3: column "allegations/al_date": `, "missing: when it happened"}},
		{"a column of the form missing", func(t *testing.T) string {
			return koboXLSX(t, func(name, text string) string {
				if name != cells {
					return text
				}
				var out []string
				for _, line := range strings.Split(text, "\n") {
					if f := strings.Split(line, ","); len(f) > 6 {
						line = strings.Join(slices.Delete(f, 6, 7), ",") // cells/cell_toilets
					}
					out = append(out, line)
				}
				return strings.Join(out, "\n")
			})
		}, []string{`visits.xlsx: sheet "cells": row 1: column "cell_toilets": no column "cell_toilets"`, "version " + intake.FormVersion}},
		{"a repeat row of no submission", func(t *testing.T) string {
			return odkZip(t, replace("habeas_visit-interviews.csv", "Water twice a day,uuid:c4d5", "Water twice a day,uuid:0000"))
		}, []string{`visits.zip/habeas_visit-interviews.csv: row 4: column "PARENT_KEY": "uuid:0000`, "names no submission"}},
		{"a repeat row missing", func(t *testing.T) string {
			return koboXLSX(t, func(name, text string) string {
				if name != "2 interviews.csv" {
					return text
				}
				lines := strings.Split(text, "\n")
				return strings.Join(slices.Delete(lines, 2, 3), "\n") // the first submission's second interview
			})
		}, []string{`visits.xlsx: sheet "habeas monitoring visit": row 2: column "n_interviews": `, "counted 2 row(s) of interviews", "has 1 for it"}},
		{"an unknown facility", func(t *testing.T) string {
			return koboXLSX(t, replace(main, ",PJ,2024-05-02,", ",PX,2024-05-02,"))
		}, []string{`visits.xlsx: sheet "habeas monitoring visit": row 3: column "facility": `, `unknown facility "PX"`}},
		{"a follow-up of no recommendation", func(t *testing.T) string {
			return odkZip(t, replace("habeas_visit-recommendations.csv", "CC1-2024-R1,,Block C", "CC1-2024-R9,,Block C"))
		}, []string{`visits.zip/habeas_visit-recommendations.csv: row 4: column "recommendations-rec_follows": `, `no recommendation "CC1-2024-R9"`}},
		{"a choice not of the form", func(t *testing.T) string {
			return koboXLSX(t, replace(cells, "S2,single,", "S2,solitary,"))
		}, []string{`visits.xlsx: sheet "cells": row 3: column "cells/cell_use": "solitary" is not one of the form's choices (dormitory, single)`}},
		{"a CSV whose submission has repeat groups", func(t *testing.T) string {
			b, err := os.ReadFile(filepath.Join(visitsDir, "kobo.csv"))
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(t.TempDir(), "visits.csv")
			s := strings.Replace(string(b), `"Dara Keo";"395";"365";"30";"";"";"";"0"`, `"Dara Keo";"395";"365";"30";"";"";"";"3"`, 1)
			if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}, []string{`visits.csv: row 3: column "n_cells": the submission has 3 row(s) of cells, which a KoboToolbox CSV export does not carry`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := visitEnv(t, dbtest.SQLiteDSN(t))
			h := head(t, e)
			_, err := importVisits(t, e, c.path(t), "")
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, domain.ErrInvalid) {
				t.Errorf("not invalid input: %v", err)
			}
			msg, at := err.Error(), 0
			for _, w := range c.want {
				i := strings.Index(msg[at:], w)
				if i < 0 {
					t.Fatalf("the message does not say %q (after what came before):\n%s", w, msg)
				}
				at += i + len(w)
			}
			if head(t, e) != h {
				t.Errorf("refused, yet the ledger moved from %d to %d", h, head(t, e))
			}
		})
	}
}
