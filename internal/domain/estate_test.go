package domain_test

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
)

func d(s string) domain.Date { return domain.MustDate(s) }

func facilityEv(seq int64, date, id string, capacity int, source string) *domain.Event {
	return &domain.Event{Seq: seq, Kind: domain.KFacility, Date: d(date), Facility: id,
		Data: &domain.FacilityData{Name: "Prison " + id, Kind: domain.Prison, Province: "Kandal", Capacity: capacity, CapacitySource: source}}
}

func cellEv(seq int64, date, fac, label string, capacity int) *domain.Event {
	return &domain.Event{Seq: seq, Kind: domain.KCell, Date: d(date), Facility: fac,
		Data: &domain.CellData{Label: label, AreaM2: 30, Capacity: capacity, Category: "men"}}
}

func censusEv(seq int64, date, fac string, count int) *domain.Event {
	return &domain.Event{Seq: seq, Kind: domain.KCensus, Date: d(date), Facility: fac,
		Data: &domain.CensusData{Category: "total", Count: count, Source: "visit"}}
}

func correctionEv(seq int64, fac string, c *domain.CorrectionData) *domain.Event {
	if c.Reason == "" {
		c.Reason = "revised"
	}
	return &domain.Event{Seq: seq, Kind: domain.KCorrection, Date: d("2024-06-01"), Facility: fac, Data: c}
}

// fold applies events in order and fails on the first refused.
func fold(t *testing.T, e *domain.Estate, evs ...*domain.Event) {
	t.Helper()
	for _, ev := range evs {
		if _, err := e.Apply(ev); err != nil {
			t.Fatalf("event %d (%s): %v", ev.Seq, ev.Kind, err)
		}
	}
}

func wantFacility(t *testing.T, e *domain.Estate, id, date string, capacity int) {
	t.Helper()
	f, ok := e.Facilities[id]
	if !ok || f.CapacityDate != d(date) || f.Capacity != capacity {
		t.Errorf("facility %s: %+v (known %v), want the record of %s with capacity %d", id, f, ok, date, capacity)
	}
}

func wantCapacities(t *testing.T, e *domain.Estate, want ...domain.Capacity) {
	t.Helper()
	w := map[domain.CapacityKey]domain.Capacity{}
	for _, c := range want {
		w[domain.CapacityKey{Facility: c.Facility, From: c.From}] = c
	}
	if !maps.Equal(e.Capacities, w) {
		t.Errorf("capacities %+v, want %+v", e.Capacities, w)
	}
}

func TestEstateFacilityOverTime(t *testing.T) {
	e := domain.NewEstate()
	if _, ok := e.FacilityKind("F1"); ok {
		t.Fatal("an empty estate knows F1")
	}
	ch, err := e.Apply(facilityEv(1, "2020-01-31", "F1", 335, "bulletin"))
	if err != nil {
		t.Fatal(err)
	}
	want := domain.Facility{ID: "F1", Name: "Prison F1", Kind: domain.Prison, Province: "Kandal", Capacity: 335,
		CapacityDate: d("2020-01-31"), CapacitySource: "bulletin"}
	if ch.Facility == nil || *ch.Facility != want || ch.Capacity == nil || ch.Cell != nil || ch.Census != nil {
		t.Fatalf("created: %+v, want the facility and its first capacity", ch)
	}
	if e.Facilities["F1"] != want {
		t.Errorf("facility %+v, want %+v", e.Facilities["F1"], want)
	}
	if k, ok := e.FacilityKind("F1"); !ok || k != domain.Prison {
		t.Errorf("FacilityKind(F1) = %q %v", k, ok)
	}
	c1 := domain.Capacity{Facility: "F1", From: d("2020-01-31"), Capacity: 335, Source: "bulletin"}
	wantCapacities(t, e, c1)

	// A later record is in force from its date; the first stays as history.
	fold(t, e, facilityEv(2, "2021-01-31", "F1", 400, "decree"))
	wantFacility(t, e, "F1", "2021-01-31", 400)
	c2 := domain.Capacity{Facility: "F1", From: d("2021-01-31"), Capacity: 400, Source: "decree"}
	wantCapacities(t, e, c1, c2)

	// A record dated before the one in force, entered late, is history only.
	ch, err = e.Apply(facilityEv(3, "2020-06-30", "F1", 350, "bulletin"))
	if err != nil {
		t.Fatal(err)
	}
	if ch.Facility != nil || ch.Capacity == nil {
		t.Errorf("an older record: %+v, want a capacity entry and no new description", ch)
	}
	wantFacility(t, e, "F1", "2021-01-31", 400)
	c3 := domain.Capacity{Facility: "F1", From: d("2020-06-30"), Capacity: 350, Source: "bulletin"}
	wantCapacities(t, e, c1, c2, c3)

	// A record of the same date replaces the one in force and its entry.
	fold(t, e, facilityEv(4, "2021-01-31", "F1", 410, "decree, erratum"))
	wantFacility(t, e, "F1", "2021-01-31", 410)
	c2 = domain.Capacity{Facility: "F1", From: d("2021-01-31"), Capacity: 410, Source: "decree, erratum"}
	wantCapacities(t, e, c1, c2, c3)
}

func TestEstateCellsAndCensus(t *testing.T) {
	e := domain.NewEstate()
	fold(t, e, facilityEv(1, "2020-01-01", "F1", 100, ""), facilityEv(2, "2020-01-01", "F2", 50, ""))
	ch, err := e.Apply(cellEv(3, "2020-01-01", "F1", "A", 20))
	if err != nil {
		t.Fatal(err)
	}
	a := domain.Cell{Facility: "F1", Label: "A", AreaM2: 30, Capacity: 20, Category: "men"}
	if ch.Cell == nil || *ch.Cell != a || ch.Facility != nil || ch.Capacity != nil || ch.Census != nil {
		t.Fatalf("cell created: %+v", ch)
	}
	// The same label in another facility is another cell; in the same one,
	// a change of the cell.
	fold(t, e, cellEv(4, "2020-01-01", "F2", "A", 10), cellEv(5, "2021-01-01", "F1", "A", 25))
	a.Capacity = 25
	if len(e.Cells) != 2 || e.Cells[domain.CellKey{Facility: "F1", Label: "A"}] != a ||
		e.Cells[domain.CellKey{Facility: "F2", Label: "A"}].Capacity != 10 {
		t.Errorf("cells %+v", e.Cells)
	}

	ch, err = e.Apply(censusEv(6, "2022-12-31", "F1", 1200))
	if err != nil {
		t.Fatal(err)
	}
	k := domain.Census{Seq: 6, Facility: "F1", Date: d("2022-12-31"), Category: "total", Count: 1200, Source: "visit"}
	if ch.Census == nil || *ch.Census != k || e.Census[6] != k || len(e.Census) != 1 {
		t.Errorf("census row: change %+v, rows %+v, want %+v", ch, e.Census, k)
	}
	// Two counts of the same facility, date and category are two rows.
	fold(t, e, censusEv(7, "2022-12-31", "F1", 1250))
	if len(e.Census) != 2 || e.Census[6].Count != 1200 || e.Census[7].Count != 1250 {
		t.Errorf("census rows %+v", e.Census)
	}

	// A cell or a count needs a facility registered before it.
	before := clone(e)
	for _, ev := range []*domain.Event{cellEv(8, "2020-01-01", "F9", "A", 1), censusEv(8, "2020-01-01", "F9", 1)} {
		_, err := e.Apply(ev)
		wantInvalid(t, err, "facility", `unknown facility "F9"`)
	}
	sameEstate(t, e, before)
}

func TestEstateCorrections(t *testing.T) {
	setup := func(t *testing.T) *domain.Estate {
		e := domain.NewEstate()
		fold(t, e,
			facilityEv(1, "2020-01-31", "F1", 335, "bulletin"),
			facilityEv(2, "2020-02-29", "F1", 340, "bulletin"),
			facilityEv(3, "2020-01-31", "F2", 80, "bulletin"),
			cellEv(4, "2020-01-31", "F1", "A", 20),
			censusEv(5, "2020-01-31", "F1", 588))
		return e
	}
	t.Run("census", func(t *testing.T) {
		e := setup(t)
		fixed := &domain.CensusData{Category: "total", Count: 590, Source: "bulletin, revised"}
		ch, err := e.Apply(correctionEv(6, "F1", &domain.CorrectionData{Target: 5, TargetKind: domain.KCensus, Date: d("2020-01-31"), Data: fixed}))
		if err != nil {
			t.Fatal(err)
		}
		want := domain.Census{Seq: 5, Facility: "F1", Date: d("2020-01-31"), Category: "total", Count: 590, Source: "bulletin, revised"}
		if ch.Census == nil || *ch.Census != want || len(e.Census) != 1 || e.Census[5] != want {
			t.Errorf("corrected count: change %+v, rows %+v, want %+v under the original's seq", ch, e.Census, want)
		}
		// Corrected again, it moves to another facility and date: the latest
		// correction is the row.
		fold(t, e, correctionEv(7, "F1", &domain.CorrectionData{Target: 5, TargetKind: domain.KCensus, Date: d("2020-02-29"), Facility: "F2", Data: fixed}))
		want.Facility, want.Date = "F2", d("2020-02-29")
		if len(e.Census) != 1 || e.Census[5] != want {
			t.Errorf("moved count: %+v, want %+v", e.Census, want)
		}
	})
	t.Run("facility record in force", func(t *testing.T) {
		e := setup(t)
		fold(t, e, correctionEv(6, "F1", &domain.CorrectionData{Target: 2, TargetKind: domain.KFacility, Date: d("2020-02-29"),
			Data: &domain.FacilityData{Name: "Verona", Kind: domain.Prison, Province: "Veneto", Capacity: 345, CapacitySource: "revised"}}))
		if f := e.Facilities["F1"]; f.Name != "Verona" || f.Capacity != 345 || f.CapacityDate != d("2020-02-29") {
			t.Errorf("facility %+v, want the corrected record in force", f)
		}
		wantCapacities(t, e,
			domain.Capacity{Facility: "F1", From: d("2020-01-31"), Capacity: 335, Source: "bulletin"},
			domain.Capacity{Facility: "F1", From: d("2020-02-29"), Capacity: 345, Source: "revised"},
			domain.Capacity{Facility: "F2", From: d("2020-01-31"), Capacity: 80, Source: "bulletin"})
	})
	t.Run("older facility record", func(t *testing.T) {
		e := setup(t)
		ch, err := e.Apply(correctionEv(6, "F1", &domain.CorrectionData{Target: 1, TargetKind: domain.KFacility, Date: d("2020-01-31"),
			Data: &domain.FacilityData{Name: "Prison F1", Kind: domain.Prison, Province: "Kandal", Capacity: 330, CapacitySource: "revised"}}))
		if err != nil {
			t.Fatal(err)
		}
		// History changes; the record in force does not.
		if ch.Facility != nil {
			t.Errorf("a correction of an older record replaced the facility: %+v", ch.Facility)
		}
		wantFacility(t, e, "F1", "2020-02-29", 340)
		if c := e.Capacities[domain.CapacityKey{Facility: "F1", From: d("2020-01-31")}]; c.Capacity != 330 || c.Source != "revised" {
			t.Errorf("corrected capacity entry %+v", c)
		}
	})

	// What the estate cannot take leaves it as it was.
	for _, c := range []struct {
		name         string
		ev           *domain.Event
		field, words string
	}{
		{"void of a count", correctionEv(6, "F1", &domain.CorrectionData{Target: 5, TargetKind: domain.KCensus, Void: true}),
			"data.void", "a census record cannot be voided"},
		{"void of a facility record", correctionEv(6, "F1", &domain.CorrectionData{Target: 1, TargetKind: domain.KFacility, Void: true}),
			"data.void", "a facility record cannot be voided"},
		{"void of a cell", correctionEv(6, "F1", &domain.CorrectionData{Target: 4, TargetKind: domain.KCell, Void: true}),
			"data.target_kind", "a cell event is not a facility or census record"},
		{"correction of a cell", correctionEv(6, "F1", &domain.CorrectionData{Target: 4, TargetKind: domain.KCell, Date: d("2020-01-31"),
			Data: &domain.CellData{Label: "A", Capacity: 1}}),
			"data.target_kind", "a cell event is not a facility or census record"},
		{"correction of a person's event", correctionEv(6, "F1", &domain.CorrectionData{Target: 4, TargetKind: domain.KAdmission, Void: true}),
			"data.target_kind", "not a facility or census record"},
		{"count moved to an unknown facility", correctionEv(6, "F1", &domain.CorrectionData{Target: 5, TargetKind: domain.KCensus, Date: d("2020-01-31"),
			Facility: "F9", Data: &domain.CensusData{Category: "total", Count: 1, Source: "x"}}),
			"data.facility", `unknown facility "F9"`},
		{"facility record moved", correctionEv(6, "F1", &domain.CorrectionData{Target: 1, TargetKind: domain.KFacility, Date: d("2020-01-31"),
			Facility: "F2", Data: &domain.FacilityData{Name: "x", Kind: domain.Prison, Province: "x", Capacity: 1}}),
			"data.facility", "cannot move to another facility (F1)"},
		{"a count corrected with a facility's details", correctionEv(6, "F1", &domain.CorrectionData{Target: 5, TargetKind: domain.KCensus, Date: d("2020-01-31"),
			Data: &domain.FacilityData{Name: "x", Kind: domain.Prison, Province: "x", Capacity: 1}}),
			"data.data", "must be the details of a census record"},
		{"a facility record corrected with a count", correctionEv(6, "F1", &domain.CorrectionData{Target: 1, TargetKind: domain.KFacility, Date: d("2020-01-31"),
			Data: &domain.CensusData{Category: "total", Count: 1, Source: "x"}}),
			"data.data", "must be the details of a facility record"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := setup(t)
			before := clone(e)
			_, err := e.Apply(c.ev)
			wantInvalid(t, err, c.field, c.words)
			sameEstate(t, e, before)
		})
	}
}

// TestEstateIgnoresOthers: a person's event or a pledge changes nothing, and
// an estate that keeps only facilities and cells (as the writer's does)
// takes every estate event.
func TestEstateIgnoresOthers(t *testing.T) {
	e := domain.NewEstate()
	fold(t, e, facilityEv(1, "2020-01-01", "F1", 100, ""))
	before := clone(e)
	for _, ev := range []*domain.Event{
		{Seq: 2, Kind: domain.KPerson, Date: d("2020-01-01"), Person: "P1", Data: &domain.PersonData{Name: "x"}},
		{Seq: 3, Kind: domain.KAdmission, Date: d("2020-01-02"), Person: "P1", Facility: "F1", Data: &domain.AdmissionData{Status: domain.StatusPretrial}},
		{Seq: 4, Kind: domain.KPledge, Date: d("2020-01-03"), Data: &domain.PledgeData{ID: "p"}},
	} {
		ch, err := e.Apply(ev)
		if err != nil || ch != (domain.EstateChange{}) {
			t.Errorf("%s: %+v %v, want no change", ev.Kind, ch, err)
		}
	}
	sameEstate(t, e, before)

	lean := &domain.Estate{Facilities: map[string]domain.Facility{}, Cells: map[domain.CellKey]domain.Cell{}}
	fold(t, lean, facilityEv(1, "2020-01-01", "F1", 100, ""), cellEv(2, "2020-01-01", "F1", "A", 5), censusEv(3, "2020-01-01", "F1", 7),
		correctionEv(4, "F1", &domain.CorrectionData{Target: 3, TargetKind: domain.KCensus, Date: d("2020-01-01"), Data: &domain.CensusData{Category: "total", Count: 8, Source: "x"}}))
	if len(lean.Facilities) != 1 || len(lean.Cells) != 1 || lean.Capacities != nil || lean.Census != nil {
		t.Errorf("lean estate %+v", lean)
	}
}

func wantInvalid(t *testing.T, err error, field, words string) {
	t.Helper()
	f, msg, ok := domain.FieldOf(err)
	if !ok || !errors.Is(err, domain.ErrInvalid) || f != field || !strings.Contains(msg, words) {
		t.Errorf("got %v, want invalid %s: ...%s...", err, field, words)
	}
}

func clone(e *domain.Estate) *domain.Estate {
	return &domain.Estate{Facilities: maps.Clone(e.Facilities), Capacities: maps.Clone(e.Capacities),
		Cells: maps.Clone(e.Cells), Census: maps.Clone(e.Census)}
}

func sameEstate(t *testing.T, got, want *domain.Estate) {
	t.Helper()
	if !maps.Equal(got.Facilities, want.Facilities) || !maps.Equal(got.Capacities, want.Capacities) ||
		!maps.Equal(got.Cells, want.Cells) || !maps.Equal(got.Census, want.Census) {
		t.Errorf("the estate changed: %+v, want %+v", got, want)
	}
}
