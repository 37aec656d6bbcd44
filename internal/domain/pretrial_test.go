package domain_test

import (
	"reflect"
	"testing"

	"github.com/habeas-kh/habeas/internal/domain"
)

type oneFacility struct{}

func (oneFacility) FacilityKind(id string) (domain.FacilityKind, bool) {
	return domain.Prison, id == "P1"
}

// TestPretrialPeriods: the fold keeps each ended stretch of untried
// detention with its case and custody; police custody followed by pre-trial
// detention is one period; time convicted is not in any; an earlier custody
// dated before the registration (entered late) folds.
func TestPretrialPeriods(t *testing.T) {
	d := domain.MustDate
	seq := int64(0)
	ev := func(k domain.Kind, date string, fac string, data any) *domain.Event {
		seq++
		return &domain.Event{Seq: seq, Kind: k, Date: d(date), Person: "X", Facility: fac, Data: data}
	}
	cs := func(id string) *domain.Case { return &domain.Case{ID: id, Procedure: domain.ProcOrdinary} }
	evs := []*domain.Event{
		// registered at the second custody; the first was entered late
		ev(domain.KPerson, "2020-01-10", "", &domain.PersonData{Name: "X", Sex: domain.Male, DOBBasis: domain.DOBUnknown}),
		ev(domain.KAdmission, "2020-01-10", "P1", &domain.AdmissionData{Status: domain.StatusPretrial, Case: cs("C1")}),
		ev(domain.KVerdict, "2020-03-01", "", &domain.VerdictData{Case: "C1", Outcome: domain.OutcomeConvicted}),
		ev(domain.KAppeal, "2020-03-05", "", &domain.AppealData{Case: "C1", By: "defence"}),
		ev(domain.KAdmission, "2018-12-30", "P1", &domain.AdmissionData{Status: domain.StatusPolice, Case: cs("C1")}),
		ev(domain.KOrder, "2019-01-01", "", &domain.OrderData{Order: domain.Order{Kind: domain.OrderDetention}, Status: domain.StatusPretrial}),
		ev(domain.KRelease, "2019-04-03", "P1", &domain.ReleaseData{Mechanism: domain.MechBail}),
	}
	f, err := domain.Project("X", evs, oneFacility{}, domain.NoDate)
	if err != nil {
		t.Fatal(err)
	}
	want := []domain.PretrialPeriod{
		{Case: "C1", Episode: 1, From: d("2018-12-30"), To: d("2019-04-03")},
		{Case: "C1", Episode: 2, From: d("2020-01-10"), To: d("2020-03-01")},
	}
	if !reflect.DeepEqual(f.Pretrial, want) {
		t.Errorf("periods %+v, want %+v", f.Pretrial, want)
	}
	if n := f.Pretrial[0].Days(); n != 94 {
		t.Errorf("the first period is %d days, want 94 (2 in police custody, 92 pre-trial)", n)
	}
	if got := f.EarlierPretrial("C1"); !reflect.DeepEqual(got, want[:1]) {
		t.Errorf("earlier on C1: %+v", got)
	}
	if got := f.EarlierPretrial("C2"); got != nil {
		t.Errorf("earlier on C2: %+v", got)
	}
	if got := f.EarlierPretrial(""); got != nil {
		t.Errorf("earlier on a case with no number: %+v", got)
	}
	if len(f.Episodes) != 2 || f.Episodes[0].Admitted != d("2018-12-30") || !f.Registered || f.State.LastDate != d("2020-03-05") {
		t.Errorf("episodes %+v, registered %v, last date %s", f.Episodes, f.Registered, f.State.LastDate)
	}
	// As of a day of the first custody, the person is held then.
	then, err := domain.Project("X", evs, oneFacility{}, d("2019-02-01"))
	if err != nil || !then.State.InCustody || then.State.Admitted != d("2018-12-30") {
		t.Errorf("as of 2019-02-01: %+v %v", then.State, err)
	}
}
