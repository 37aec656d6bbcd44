package domain_test

import (
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
)

func admissionWith(charges ...domain.Charge) *domain.Event {
	return &domain.Event{Kind: domain.KAdmission, Date: domain.MakeDate(2020, 3, 1), Person: "P1", Facility: "CC1",
		Data: &domain.AdmissionData{Status: domain.LegalStatus("pretrial"), NextOfKin: "Sok",
			Case: &domain.Case{ID: "C1", Charges: charges}}}
}

// Both walks over a payload name the field at fault by its whole path, down
// through pointers and lists, and find nothing in a clean event.
func TestPayloadWalkPaths(t *testing.T) {
	clean := admissionWith(domain.Charge{Offence: "theft"}, domain.Charge{Offence: "fraud", MaxMonths: 36})
	if err := clean.ValidateTexts(); err != nil {
		t.Fatalf("clean event: %v", err)
	}
	if f, ok := clean.FindNUL(); ok {
		t.Fatalf("clean event: NUL found at %s", f)
	}

	nul := admissionWith(domain.Charge{Offence: "theft"}, domain.Charge{Offence: "fr\x00aud"})
	if f, ok := nul.FindNUL(); !ok || f != "data.case.charges[1].offence" {
		t.Errorf("FindNUL = %q, %v; want data.case.charges[1].offence", f, ok)
	}
	if f, _, _ := domain.FieldOf(nul.ValidateTexts()); f != "data.case.charges[1].offence" {
		t.Errorf("ValidateTexts names %q; want data.case.charges[1].offence", f)
	}

	long := admissionWith(domain.Charge{Offence: strings.Repeat("ក", domain.MaxShort+1)})
	if f, _, _ := domain.FieldOf(long.ValidateTexts()); f != "data.case.charges[0].offence" {
		t.Errorf("an offence of %d Khmer letters: field %q", domain.MaxShort+1, f)
	}
	// A text at its limit in characters passes, although it is three times
	// longer in bytes.
	if err := admissionWith(domain.Charge{Offence: strings.Repeat("ក", domain.MaxShort)}).ValidateTexts(); err != nil {
		t.Errorf("an offence of %d Khmer letters: %v", domain.MaxShort, err)
	}

	months := admissionWith(domain.Charge{Offence: "x", MaxMonths: domain.MaxMonths + 1})
	if f, _, _ := domain.FieldOf(months.ValidateTexts()); f != "data.case.charges[0].max_months" {
		t.Errorf("max_months over the limit: field %q", f)
	}
	// A range is a limit, not a text: the NUL walk does not look at it.
	if _, ok := months.FindNUL(); ok {
		t.Error("FindNUL flagged a number")
	}

	old := admissionWith(domain.Charge{Offence: "x"})
	old.Data.(*domain.AdmissionData).Case.OffenceDate = domain.MakeDate(1899, 12, 31)
	if f, _, _ := domain.FieldOf(old.ValidateTexts()); f != "data.case.offence_date" {
		t.Errorf("an offence date before 1900: field %q", f)
	}
}

// BenchmarkValidateTexts is the limits walk an import runs on every event.
func BenchmarkValidateTexts(b *testing.B) {
	ev := admissionWith(domain.Charge{Offence: "theft", MaxMonths: 36}, domain.Charge{Offence: "fraud", MinMonths: 12, MaxMonths: 60})
	for b.Loop() {
		if err := ev.ValidateTexts(); err != nil {
			b.Fatal(err)
		}
	}
}
