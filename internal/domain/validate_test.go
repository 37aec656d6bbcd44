package domain_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
)

func TestErrorVocabulary(t *testing.T) {
	err := fmt.Errorf("recording: %w", domain.InField("events[2]", domain.InField("data", domain.Invalid("order.expires", "too early"))))
	if !errors.Is(err, domain.ErrInvalid) || errors.Is(err, domain.ErrNotFound) {
		t.Errorf("invalid input is not told apart: %v", err)
	}
	field, msg, ok := domain.FieldOf(err)
	if !ok || field != "events[2].data.order.expires" || msg != "too early" {
		t.Errorf("FieldOf = %q, %q, %v", field, msg, ok)
	}
	if got := domain.InField("data.charges", domain.Invalid("[0].class", "x")).Error(); got != "data.charges[0].class: x" {
		t.Errorf("an index joins without a dot: %q", got)
	}
	nf := fmt.Errorf("user ghost: %w", domain.ErrNotFound)
	if domain.ErrorCode(nf) != domain.ErrNotFound || !errors.Is(nf, domain.ErrNotFound) {
		t.Errorf("a wrapped code: %v", domain.ErrorCode(nf))
	}
	if _, _, ok := domain.FieldOf(nf); ok {
		t.Error("a not-found has no field")
	}
	if domain.InField("x", nf) != nf {
		t.Error("InField changed an error that is not invalid input")
	}
	if domain.ErrorCode(errors.New("disk full")) != "" {
		t.Error("an unclassified error has a code")
	}
}

func TestPersonID(t *testing.T) {
	for _, id := range []string{"P1", "123/2020", "KH-PNH-000001", strings.Repeat("x", 100), "សុខ-១"} {
		if err := domain.ValidatePersonID("person", id); err != nil {
			t.Errorf("%q refused: %v", id, err)
		}
	}
	for id, words := range map[string]string{
		"":                       "missing",
		strings.Repeat("x", 101): "at most 100",
		"P 1":                    "white space",
		"P\x001":                 "control",
		"P\t1":                   "white space",
		"P\u200b1":               "control", // a zero-width space prints nothing
		"P\xff":                  "UTF-8",
	} {
		err := domain.ValidatePersonID("person", id)
		field, msg, ok := domain.FieldOf(err)
		if !ok || field != "person" || !strings.Contains(msg, words) {
			t.Errorf("%q: %v, want person: ...%s...", id, err, words)
		}
	}
}

func TestLatestDate(t *testing.T) {
	// 10:00 UTC on 31 March is 00:00 on 1 April at UTC+14: the first moment
	// anyone anywhere may enter an event of 1 April.
	if got := domain.LatestDate(time.Date(2020, 3, 31, 9, 59, 0, 0, time.UTC)); got != domain.MustDate("2020-03-31") {
		t.Errorf("09:59 UTC: %s", got)
	}
	if got := domain.LatestDate(time.Date(2020, 3, 31, 10, 0, 0, 0, time.UTC)); got != domain.MustDate("2020-04-01") {
		t.Errorf("10:00 UTC: %s", got)
	}
	ev := &domain.Event{Kind: domain.KRelease, Date: domain.MustDate("2020-04-01"), Person: "P1",
		Data: &domain.ReleaseData{Mechanism: domain.Mechanisms[0]}}
	if err := ev.Validate(time.Date(2020, 3, 31, 9, 0, 0, 0, time.UTC)); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("an event of tomorrow everywhere: %v", err)
	}
	if err := ev.Validate(time.Date(2020, 3, 31, 11, 0, 0, 0, time.UTC)); err != nil {
		t.Errorf("an event of today at UTC+14: %v", err)
	}
}

// TestNewRulesAndWrittenEvents: the identifier and text rules apply to
// events entered now; ValidateWritten, which a backup line with its hash
// is held to, keeps only the rules every stored event was entered under.
func TestNewRulesAndWrittenEvents(t *testing.T) {
	now := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	ev := &domain.Event{Kind: domain.KPerson, Date: domain.MustDate("2020-01-01"), Person: "P 1",
		Data: &domain.PersonData{Name: "Sok\x00Dara", Sex: domain.Male, DOBBasis: domain.DOBUnknown}}
	if err := ev.ValidateWritten(now); err != nil {
		t.Errorf("an old event refused by the rules it was written under: %v", err)
	}
	if field, _, _ := domain.FieldOf(ev.Validate(now)); field != "person" {
		t.Errorf("a new event with a space in its identifier: field %q", field)
	}
	ev.Person = "P1"
	if field, _, _ := domain.FieldOf(ev.Validate(now)); field != "data.name" {
		t.Errorf("a new event with a NUL in a name: field %q", field)
	}
	ev.Data = &domain.PersonData{Name: "Sok Dara", Sex: domain.Male, DOBBasis: domain.DOBUnknown}
	if err := ev.Validate(now); err != nil {
		t.Errorf("a valid event: %v", err)
	}
	// Nested payloads are walked: a correction's replacement, a charge.
	c := &domain.Event{Kind: domain.KCharge, Date: domain.MustDate("2020-01-01"), Person: "P1",
		Data: &domain.ChargeData{Case: "C1", Charges: []domain.Charge{{Offence: "ok", Class: domain.Felony}, {Offence: "t\xffheft", Class: domain.Felony}}}}
	if field, _, _ := domain.FieldOf(c.Validate(now)); field != "data.charges[1].offence" {
		t.Errorf("a bad offence text: field %q", field)
	}
}

// TestLimits: every field has a maximum; a value past it is refused at its
// field, before it can overflow the arithmetic of a sentence or fill a
// database with a 900 KB name.
func TestLimits(t *testing.T) {
	now := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	day := domain.MustDate("2020-06-01")
	for _, c := range []struct {
		name  string
		ev    *domain.Event
		field string
	}{
		{"a 900 KB name", &domain.Event{Kind: domain.KPerson, Date: day, Person: "P1",
			Data: &domain.PersonData{Name: strings.Repeat("x", 900<<10), Sex: domain.Male, DOBBasis: domain.DOBUnknown}}, "data.name"},
		{"a 5,000-character identifier", &domain.Event{Kind: domain.KPerson, Date: day, Person: strings.Repeat("1", 5000),
			Data: &domain.PersonData{Name: "x", Sex: domain.Male, DOBBasis: domain.DOBUnknown}}, "person"},
		{"a reduction of 2,147,483,647 months", &domain.Event{Kind: domain.KReduction, Date: day, Person: "P1",
			Data: &domain.ReductionData{Months: 2147483647, Decree: "RK-1"}}, "data.months"},
		{"a sentence of 100 years and a day", &domain.Event{Kind: domain.KVerdict, Date: day, Person: "P1",
			Data: &domain.VerdictData{Case: "C1", Outcome: domain.OutcomeConvicted, Sentence: &domain.Sentence{Months: 1200, Days: 36601, Start: day}}}, "data.sentence.days"},
		{"a penalty of 1,201 months", &domain.Event{Kind: domain.KCharge, Date: day, Person: "P1",
			Data: &domain.ChargeData{Case: "C1", Charges: []domain.Charge{{Offence: "x", Class: domain.Felony, MaxMonths: 1201}}}}, "data.charges[0].max_months"},
		{"a birth in 1850", &domain.Event{Kind: domain.KPerson, Date: day, Person: "P1",
			Data: &domain.PersonData{Name: "x", Sex: domain.Male, DOB: domain.MustDate("1850-01-01"), DOBBasis: domain.DOBDeclared}}, "data.dob"},
		{"an admission without a legal status", &domain.Event{Kind: domain.KAdmission, Date: day, Person: "P1", Facility: "F1",
			Data: &domain.AdmissionData{}}, "data.status"},
		{"an event of 1899", &domain.Event{Kind: domain.KRelease, Date: domain.MustDate("1899-12-31"), Person: "P1",
			Data: &domain.ReleaseData{Mechanism: domain.Mechanisms[0]}}, "date"},
		{"a capacity of twenty million", &domain.Event{Kind: domain.KFacility, Date: day, Facility: "F1",
			Data: &domain.FacilityData{Name: "x", Kind: domain.FacilityKinds[0], Province: "y", Capacity: 20000000}}, "data.capacity"},
		{"a cell of 2,000 km²", &domain.Event{Kind: domain.KCell, Date: day, Facility: "F1",
			Data: &domain.CellData{Label: "A", Capacity: 10, AreaM2: 2e9}}, "data.area_m2"},
		{"an offence of 201 characters", &domain.Event{Kind: domain.KCharge, Date: day, Person: "P1",
			Data: &domain.ChargeData{Case: "C1", Charges: []domain.Charge{{Offence: strings.Repeat("x", 201), Class: domain.Felony}}}}, "data.charges[0].offence"},
	} {
		err := c.ev.Validate(now)
		if field, _, ok := domain.FieldOf(err); !ok || field != c.field {
			t.Errorf("%s: %v, want refused at %s", c.name, err, c.field)
		}
	}
	// At the limits, accepted; Khmer counts in characters, not bytes.
	ok := &domain.Event{Kind: domain.KPerson, Date: day, Person: strings.Repeat("ក", 100),
		Data: &domain.PersonData{Name: strings.Repeat("ស", 200), Sex: domain.Female, DOB: domain.MustDate("1900-01-01"), DOBBasis: domain.DOBDeclared}}
	if err := ok.Validate(now); err != nil {
		t.Errorf("values at their limits: %v", err)
	}
}
