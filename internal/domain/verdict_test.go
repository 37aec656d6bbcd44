package domain_test

import (
	"strings"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
)

type kinds map[string]domain.FacilityKind

func (k kinds) FacilityKind(id string) (domain.FacilityKind, bool) { v, ok := k[id]; return v, ok }

// fileOf folds the events, after a registration, as person X1's, each
// checked as the ledger checks it; admissions are to P1.
func fileOf(t *testing.T, evs ...*domain.Event) *domain.PersonFile {
	t.Helper()
	all := append([]*domain.Event{{Kind: domain.KPerson, Date: domain.MustDate("2000-01-01"), Person: "X1",
		Data: &domain.PersonData{Name: "Test", Sex: domain.Male, DOB: domain.MustDate("1990-01-01"), DOBBasis: domain.DOBDocument}}}, evs...)
	for i, ev := range all {
		ev.Seq, ev.Person = int64(i+1), "X1"
		if ev.Kind == domain.KAdmission {
			ev.Facility = "P1"
		}
		if err := ev.Validate(time.Time{}); err != nil {
			t.Fatalf("event %d (%s): %v", i+1, ev.Kind, err)
		}
	}
	f, err := domain.Project("X1", all, kinds{"P1": domain.Prison}, domain.NoDate)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func ev(kind domain.Kind, date string, data any) *domain.Event {
	return &domain.Event{Kind: kind, Date: domain.MustDate(date), Data: data}
}

func admission(caseID string) *domain.AdmissionData {
	return &domain.AdmissionData{Status: domain.StatusPretrial, Case: &domain.Case{ID: caseID, Procedure: domain.ProcOrdinary}}
}

func TestVerdictOutcomes(t *testing.T) {
	for _, o := range []string{domain.OutcomeConvicted, domain.OutcomeAcquitted, domain.OutcomeDismissed} {
		vd := &domain.VerdictData{Case: "C1", Outcome: o}
		if o == domain.OutcomeConvicted {
			vd.Sentence = &domain.Sentence{Months: 12, Start: domain.MustDate("2020-01-01")}
		}
		if err := vd.Validate(); err != nil {
			t.Errorf("%s refused: %v", o, err)
		}
	}
	for _, o := range []string{"", "guilty", "Dismissed", "charges_dropped"} {
		err := (&domain.VerdictData{Case: "C1", Outcome: o}).Validate()
		field, msg, ok := domain.FieldOf(err)
		if !ok || field != "outcome" || !strings.Contains(msg, `"dismissed"`) {
			t.Errorf("outcome %q: %v, want outcome: ... naming the three outcomes", o, err)
		}
	}
}

func TestDismissalEndsTheCaseLikeAnAcquittal(t *testing.T) {
	f := fileOf(t,
		ev(domain.KAdmission, "2020-01-10", admission("C1")),
		ev(domain.KVerdict, "2020-05-01", &domain.VerdictData{Case: "C1", Outcome: domain.OutcomeDismissed}))
	s := f.State
	if s.Status != domain.StatusAcquitted || s.StatusSince != domain.MustDate("2020-05-01") {
		t.Errorf("after a dismissal: status %s since %s, want acquitted_held since 2020-05-01", s.Status, s.StatusSince)
	}
	if s.Verdict != domain.OutcomeDismissed || s.VerdictDate != domain.MustDate("2020-05-01") || s.VerdictFinal || !s.InCustody {
		t.Errorf("verdict %q on %s (final %v), in custody %v", s.Verdict, s.VerdictDate, s.VerdictFinal, s.InCustody)
	}
	// A new admission starts with no verdict.
	f = fileOf(t,
		ev(domain.KAdmission, "2020-01-10", admission("C1")),
		ev(domain.KVerdict, "2020-05-01", &domain.VerdictData{Case: "C1", Outcome: domain.OutcomeDismissed, Final: true}),
		ev(domain.KRelease, "2020-05-02", &domain.ReleaseData{Mechanism: domain.MechDropped}),
		ev(domain.KAdmission, "2020-08-01", admission("C2")))
	if f.State.Verdict != "" || f.State.VerdictDate != domain.NoDate || f.State.VerdictFinal {
		t.Errorf("a new custody carries the last one's verdict: %q %s", f.State.Verdict, f.State.VerdictDate)
	}
}

func TestProsecutionAppealIsAgainstTheLastVerdict(t *testing.T) {
	conviction := &domain.VerdictData{Case: "C1", Outcome: domain.OutcomeConvicted, Sentence: &domain.Sentence{Months: 60, Start: domain.MustDate("2020-03-01")}}
	f := fileOf(t,
		ev(domain.KAdmission, "2020-01-10", admission("C1")),
		ev(domain.KVerdict, "2020-03-01", conviction),
		ev(domain.KAppeal, "2020-03-05", &domain.AppealData{Case: "C1", By: "prosecution"}))
	if !f.State.ProsecutionAppeal {
		t.Fatal("the prosecution's appeal against the conviction is not recorded")
	}
	f = fileOf(t,
		ev(domain.KAdmission, "2020-01-10", admission("C1")),
		ev(domain.KVerdict, "2020-03-01", conviction),
		ev(domain.KAppeal, "2020-03-05", &domain.AppealData{Case: "C1", By: "prosecution"}),
		ev(domain.KVerdict, "2020-09-01", &domain.VerdictData{Case: "C1", Outcome: domain.OutcomeAcquitted}))
	if f.State.ProsecutionAppeal {
		t.Error("the appeal court's acquittal decided the prosecution's appeal, which is still shown as pending")
	}
	f = fileOf(t,
		ev(domain.KAdmission, "2020-01-10", admission("C1")),
		ev(domain.KVerdict, "2020-09-01", &domain.VerdictData{Case: "C1", Outcome: domain.OutcomeAcquitted}),
		ev(domain.KAppeal, "2020-09-01", &domain.AppealData{Case: "C1", By: "prosecution"}))
	if !f.State.ProsecutionAppeal {
		t.Error("an appeal lodged on the day of the acquittal, after it, is not pending")
	}
}

func TestFirstAdmissionOnTheCase(t *testing.T) {
	rel := ev(domain.KRelease, "2020-02-01", &domain.ReleaseData{Mechanism: domain.MechBail})
	f := fileOf(t,
		ev(domain.KAdmission, "2020-01-10", admission("C1")),
		rel,
		ev(domain.KAdmission, "2020-06-01", admission("C1")))
	if got := f.State.CaseAdmitted; got != domain.MustDate("2020-01-10") {
		t.Errorf("re-detained on the same case: first admission on it %s, want 2020-01-10", got)
	}
	f = fileOf(t,
		ev(domain.KAdmission, "2020-01-10", admission("C1")),
		ev(domain.KRelease, "2020-02-01", &domain.ReleaseData{Mechanism: domain.MechBail}),
		ev(domain.KAdmission, "2020-06-01", admission("C2")))
	if got := f.State.CaseAdmitted; got != domain.MustDate("2020-06-01") {
		t.Errorf("re-detained on another case: first admission on it %s, want 2020-06-01", got)
	}
	// A case first named by a change of charges counts from the admission.
	f = fileOf(t,
		ev(domain.KAdmission, "2020-01-10", &domain.AdmissionData{Status: domain.StatusPretrial}),
		ev(domain.KCharge, "2020-01-20", &domain.ChargeData{Case: "C3", Charges: []domain.Charge{{Offence: "x", Class: domain.Felony, MaxMonths: 120}}}))
	if got := f.State.CaseAdmitted; got != domain.MustDate("2020-01-10") {
		t.Errorf("case named by a change of charges: first admission on it %s, want 2020-01-10", got)
	}
}
