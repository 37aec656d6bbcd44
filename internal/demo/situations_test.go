package demo

import (
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
)

// situations returns the rules of domain.md section 3 whose situation holds
// for a person, from their file as of day d. The conditions are written from
// the rule table, not from the generator.
func situations(f *domain.PersonFile, d domain.Date, kinds facLookup) []string {
	s := &f.State
	if !s.InCustody || s.Admitted > d {
		return nil
	}
	var out []string
	add := func(id string) { out = append(out, id) }
	kind := kinds[s.Facility]
	age := -1
	if f.Identity.DOB != domain.NoDate {
		age = f.Identity.DOB.AgeOn(d)
	}
	untried := s.Status.Untried()
	days := d.DaysSince(s.Admitted) // this stay; untried people have been untried since admission
	var maxMonths int
	felony, misd, violent, life := false, false, false, false
	if s.Case != nil {
		for _, c := range s.Case.Charges {
			maxMonths = max(maxMonths, c.MaxMonths)
			felony = felony || c.Class == domain.Felony
			misd = misd || c.Class == domain.Misdemeanor
			violent = violent || c.Violent
			life = life || c.Life
		}
	}
	convicted := (s.Status == domain.StatusAppeal || s.Status == domain.StatusFinal) && s.Sentence != nil
	var fraction float64
	var servedOn domain.Date
	if convicted && !s.Sentence.Life {
		sen := s.Sentence
		// The sentence runs from its start for its length in calendar
		// months, then days. Reductions come off its end, their months
		// counted back on the calendar, then their days; the pre-trial
		// credit is time already served, so the sentence is served that
		// many days earlier still.
		end := sen.Start.AddMonths(sen.Months).AddDays(sen.Days)
		reduced := end.AddMonths(-s.ReductionMonths).AddDays(-s.ReductionDays)
		servedOn = reduced.AddDays(-sen.PretrialCreditDays)
		// The fraction served: the days served on it, the credit among
		// them, over the sentence as reduced (the credit is part of the
		// sentence, not added to it).
		if length := reduced.DaysSince(sen.Start); length > 0 {
			fraction = float64(d.DaysSince(sen.Start)+sen.PretrialCreditDays) / float64(length)
		}
	}
	open := func(k domain.FlagKind) bool {
		for _, fl := range f.Flags {
			if fl.Kind == k && fl.From <= d && d < fl.To {
				return true
			}
		}
		return false
	}

	// LB-01: no valid title of detention on d. A conviction is one; after an
	// acquittal or a dismissal the order holds no one (RV-02, RV-03, LB-11).
	// Otherwise the order is one from its issue to its expiry; police
	// custody (counted in hours) and immediate appearance (two weeks) need
	// no expiry, and any other order without one cannot be judged.
	switch o := s.Order; {
	case kind == domain.DrugCentre:
		// LB-10's: the rule of drug centres judges their order.
	case o == nil:
		add("LB-01")
	case s.Status == domain.StatusAppeal || s.Status == domain.StatusFinal || s.Status == domain.StatusAcquitted:
	case o.Issued != domain.NoDate && o.Issued > d:
		add("LB-01")
	case o.Expires != domain.NoDate:
		if o.Expires < d {
			add("LB-01")
			add("LB-01/lapsed")
		}
	case s.Status == domain.StatusPolice || o.Kind == domain.OrderPoliceCustody || o.Kind == domain.OrderImmediateAppear || o.Kind == domain.OrderJudgment:
	default:
		add("undecided/LB-01")
	}
	// LB-02: police custody over 48 hours, counted from the arrest (local
	// time; a date alone is its midnight) to the end of day d.
	if s.Status == domain.StatusPolice && kind == domain.PoliceCustody {
		if at, ok := arrestTime(s.ArrestedAt); ok && endOfDay(d).Sub(at) > 48*time.Hour {
			add("LB-02")
		}
	}
	// LB-03: pre-trial detention on a charge punishable by less than a year.
	if untried && s.Case != nil && maxMonths > 0 && maxMonths < 12 && !life {
		add("LB-03")
	}
	adult := age >= 18 || age < 0
	// Pre-trial limits count the untried days of earlier custodies on the
	// same case: from a start moved back by them. A limit reached only so
	// is the situation "pretrial/cumulative".
	from := s.Admitted
	if s.Case != nil && s.Case.ID != "" {
		for _, p := range f.Pretrial {
			if p.Case == s.Case.ID && p.Episode < len(f.Episodes) {
				from = from.AddDays(-p.To.DaysSince(p.From))
			}
		}
	}
	past := func(months int, orOn bool) (all, alone bool) {
		if orOn {
			return from.AddMonths(months) <= d, s.Admitted.AddMonths(months) <= d
		}
		return from.AddMonths(months) < d, s.Admitted.AddMonths(months) < d
	}
	cumulative := false
	limit := func(id string, all, alone bool) {
		if all {
			add(id)
			cumulative = cumulative || !alone
		}
	}
	// LB-04: adult felony pre-trial beyond 18 months (past the order is LB-01).
	if adult && s.Status == domain.StatusPretrial && felony {
		all, alone := past(18, false)
		limit("LB-04", all, alone)
	}
	// LB-05: adult misdemeanour pre-trial beyond 4 months without extension, or beyond 6.
	if adult && s.Status == domain.StatusPretrial && misd && !felony {
		a4, o4 := past(4, false)
		a6, o6 := past(6, false)
		limit("LB-05", (s.Extensions == 0 && a4) || a6, (s.Extensions == 0 && o4) || o6)
	}
	// The age at the act: on the offence date, or else at the latest on the
	// day of the arrest or of the first admission on the case.
	atAct := -1
	if f.Identity.DOB != domain.NoDate {
		act := s.CaseAdmitted
		if act == domain.NoDate {
			act = s.Admitted
		}
		if t, ok := arrestTime(s.ArrestedAt); ok && domain.DateOf(t) < act {
			act = domain.DateOf(t)
		}
		if s.Case != nil && s.Case.OffenceDate != domain.NoDate {
			act = s.Case.OffenceDate
		}
		atAct = f.Identity.DOB.AgeOn(act)
	}
	// LB-06: a child under 14, now or at the act.
	if (age >= 0 && age < 14) || (atAct >= 0 && atAct < 14) {
		add("LB-06")
		if age >= 14 {
			add("LB-06/at-act")
		}
	}
	// LB-07: children (at the act) over their pre-trial limits.
	if atAct >= 14 && atAct < 18 && untried {
		lim := 4
		switch {
		case atAct < 16 && felony:
			lim = 4
		case atAct < 16:
			lim = 2
		case felony:
			lim = 6
		}
		all, alone := past(lim, false)
		limit("LB-07", all, alone)
	}
	// LB-08: immediate appearance with no judgment two weeks on.
	if untried && s.Case != nil && s.Case.Procedure == domain.ProcImmediate && days > 14 {
		add("LB-08")
	}
	// LB-09: sentence served, still held.
	if convicted && !s.Sentence.Life && !s.Sentence.Suspended && servedOn <= d {
		add("LB-09")
	}
	// LB-10: drug centre with no order or past the ordered period.
	if kind == domain.DrugCentre && (s.Order == nil || (s.Order.Expires != domain.NoDate && s.Order.Expires < d)) {
		add("LB-10")
	}
	// RV-01: pre-trial time at least the maximum sentence.
	if untried && maxMonths > 0 && !life {
		all, alone := past(maxMonths, true)
		limit("RV-01", all, alone)
	}
	if cumulative {
		add("pretrial/cumulative")
	}
	// RV-02: acquitted (or the charges dismissed), held pending the
	// prosecution's appeal; with none on file, RV-03 while the prosecution
	// may still appeal (a month), LB-11 after.
	if s.Status == domain.StatusAcquitted {
		switch {
		case s.ProsecutionAppeal:
			add("RV-02")
		case !s.VerdictFinal && s.VerdictDate != domain.NoDate && d <= s.VerdictDate.AddMonths(1):
			add("RV-03")
		case s.VerdictDate != domain.NoDate:
			add("LB-11")
		}
		if s.Verdict == domain.OutcomeDismissed {
			add("dismissed")
		}
	}
	// EL-01: pre-trial.
	if s.Status == domain.StatusPretrial {
		add("EL-01")
	}
	// A sentence served opens no release mechanism: LB-09 alone.
	if convicted && !s.Sentence.Life && servedOn > d {
		need := 0.5
		if s.RepeatOffender {
			need = 2.0 / 3
		}
		if fraction >= need {
			add("EL-02")
		}
		if s.Status == domain.StatusFinal && fraction >= 2.0/3 {
			add("EL-03")
		}
		if s.Status == domain.StatusFinal && fraction >= 1.0/3 {
			add("EL-04")
		}
		if s.Status == domain.StatusAppeal && !s.Sentence.Suspended && s.Sentence.Months <= 60 && !s.PriorPrison5y {
			add("EL-05")
		}
	}
	// PR-01..PR-05.
	if age >= 60 {
		add("PR-01")
	}
	if open(domain.FlagChronic) || open(domain.FlagMental) || open(domain.FlagDisability) {
		add("PR-02")
	}
	if f.Identity.Sex == domain.Female && (open(domain.FlagPregnant) || open(domain.FlagDependent) || open(domain.FlagChild)) {
		add("PR-03")
		if open(domain.FlagPregnant) {
			add("PR-03/pregnant")
		}
		if open(domain.FlagDependent) {
			add("PR-03/dependent")
		}
		if open(domain.FlagChild) {
			add("PR-03/child")
		}
	}
	if age >= 0 && age < 18 {
		add("PR-04")
	}
	if s.Case != nil && (!violent || (misd && !felony)) && !s.RepeatOffender {
		add("PR-05")
	}
	// Data to check (not law): a pregnancy more than 60 days past its due
	// date with no end, a detention or drug-centre order with no expiry, an
	// offence dated before the birth.
	for _, fl := range f.Flags {
		if fl.Kind == domain.FlagPregnant && fl.From <= d && d < fl.To && fl.ChildDOB != domain.NoDate && d.DaysSince(fl.ChildDOB) > 60 {
			add("DQ-01")
			break
		}
	}
	if s.Order != nil && (s.Order.Kind == domain.OrderDetention || s.Order.Kind == domain.OrderDrugCentre) && s.Order.Expires == domain.NoDate {
		add("DQ-03")
	}
	if s.Case != nil && s.Case.OffenceDate != domain.NoDate && f.Identity.DOB != domain.NoDate && s.Case.OffenceDate < f.Identity.DOB {
		add("DQ-05")
	}
	for _, id := range out {
		if id[:3] == "LB-" {
			add("unlawful")
			break
		}
	}
	add("held")
	return out
}

// arrestTime reads an arrest time, YYYY-MM-DDTHH:MM or a date alone.
func arrestTime(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// endOfDay is midnight at the end of d.
func endOfDay(d domain.Date) time.Time {
	return time.Date(d.Year(), time.Month(d.Month()), d.Day()+1, 0, 0, 0, 0, time.UTC)
}

// ruleIDs are the rules every one of which must find people.
var ruleIDs = []string{"LB-01", "LB-01/lapsed", "undecided/LB-01", "LB-02", "LB-03", "LB-04", "LB-05", "LB-06", "LB-06/at-act",
	"LB-07", "LB-08", "LB-09", "LB-10", "LB-11", "RV-01", "pretrial/cumulative", "RV-02", "RV-03", "dismissed", "EL-01", "EL-02", "EL-03", "EL-04", "EL-05", "PR-01", "PR-02", "PR-03", "PR-03/pregnant",
	"PR-03/dependent", "PR-03/child", "PR-04", "PR-05"}

// checkIDs are the data checks the demo's errors of record must give.
var checkIDs = []string{"DQ-01", "DQ-03", "DQ-05"}
