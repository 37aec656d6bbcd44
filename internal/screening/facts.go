// Package screening applies a rule pack to the people of the register as of
// a date: who is held without legal basis, who must be reviewed, who can be
// released by which mechanism, and in what order to act.
package screening

import (
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/rules"
)

// Kinds tells the kind of each facility.
type Kinds map[string]domain.FacilityKind

// FacilityKind implements domain.FacilityLookup.
func (k Kinds) FacilityKind(id string) (domain.FacilityKind, bool) {
	kind, ok := k[id]
	return kind, ok
}

// Held reports whether the file, folded as of a date up to d, shows the
// person in custody at the end of d.
func Held(f *domain.PersonFile, d domain.Date) bool {
	return f.State.InCustody && f.State.Admitted <= d
}

// Facts fills v with the facts of docs/screening.md for a person held at
// the end of d. f is the person's file folded as of a date on or before d
// (screening folds once as of the screening date and moves d forward to see
// which limits will be crossed if nothing else happens). A fact that cannot
// be computed is left unknown.
func Facts(f *domain.PersonFile, kinds Kinds, d domain.Date, v *rules.Values) {
	v.Reset()
	s := &f.State
	v.SetString(rules.FAsOf, d.String())
	v.SetBool(rules.FInCustody, Held(f, d))
	v.SetString(rules.FFacility, s.Facility)
	if k, ok := kinds[s.Facility]; ok {
		v.SetString(rules.FFacilityKind, string(k))
	}
	if f.Identity.Sex != "" {
		v.SetString(rules.FSex, string(f.Identity.Sex))
	}

	dob := f.Identity.DOB
	v.SetBool(rules.FHasDOB, dob != domain.NoDate)
	basis := f.Identity.DOBBasis
	if dob == domain.NoDate {
		basis = domain.DOBUnknown
	}
	v.SetString(rules.FDOBBasis, string(basis))
	if dob != domain.NoDate {
		v.SetString(rules.FDOB, dob.String())
		v.SetInt(rules.FAge, dob.AgeOn(d))
	}
	var offence domain.Date
	if s.Case != nil {
		offence = s.Case.OffenceDate
		v.SetString(rules.FProcedure, string(s.Case.Procedure))
	}
	v.SetBool(rules.FHasOffenceDate, offence != domain.NoDate)
	// An offence before the birth gives no age: the record is wrong (the
	// pack's data checks list it), and a rule reading the age at the
	// offence is undecided rather than misled by it.
	if dob != domain.NoDate && offence != domain.NoDate && offence >= dob {
		v.SetInt(rules.FAgeAtOffence, dob.AgeOn(offence))
	}
	by, basisBy := offenceBy(s, offence)
	v.SetString(rules.FOffenceBy, by.String())
	v.SetString(rules.FOffenceByBasis, basisBy)
	if dob != domain.NoDate && by >= dob {
		v.SetInt(rules.FAgeAtOffenceMax, dob.AgeOn(by))
	}
	if offence != domain.NoDate {
		v.SetString(rules.FOffenceDate, offence.String())
	}

	flags(f, d, v)

	v.SetString(rules.FStatus, string(s.Status))
	v.SetBool(rules.FUntried, s.Status.Untried())
	convicted := s.Status == domain.StatusAppeal || s.Status == domain.StatusFinal
	v.SetBool(rules.FConvicted, convicted)
	v.SetBool(rules.FFinalJudgment, s.Status == domain.StatusFinal)
	charges(s.Case, v)

	v.SetString(rules.FAdmitted, s.Admitted.String())
	v.SetInt(rules.FDaysInCustody, d.DaysSince(s.Admitted))
	pre := s.EpisodePretrialDays
	if s.Status.Untried() {
		pre += d.DaysSince(s.StatusSince)
	}
	v.SetInt(rules.FPretrialDays, pre)
	v.SetString(rules.FPretrialSince, d.AddDays(-pre).String())
	earlier, periods := earlierPretrial(f)
	v.SetInt(rules.FEarlierPretrialDays, earlier)
	v.SetString(rules.FEarlierPretrialPeriods, periods)
	v.SetInt(rules.FCasePretrialDays, earlier+pre)
	v.SetString(rules.FCasePretrialSince, d.AddDays(-(earlier + pre)).String())
	if at, ok := parseArrest(s.ArrestedAt); ok {
		v.SetString(rules.FArrestedAt, s.ArrestedAt)
		// to the end of d: the register knows days, not the hour of the
		// screening, so a limit crossed at any hour of d counts on d.
		// Part of an hour counts as an hour begun: 48 h 30 min is over 48 h.
		mins := (d.AddDays(1).DayNumber()-at.day.DayNumber())*24*60 - at.minute
		v.SetInt(rules.FHoursSinceArrest, (mins+59)/60)
	}

	order(s, d, v)
	if s.FirstAppearance != domain.NoDate {
		v.SetString(rules.FFirstAppearance, s.FirstAppearance.String())
		v.SetInt(rules.FDaysSinceFirstAppearance, d.DaysSince(s.FirstAppearance))
	}
	sentence(s, d, v)
	v.SetBool(rules.FRepeatOffender, s.RepeatOffender)
	v.SetBool(rules.FPriorPrison5y, s.PriorPrison5y)
	v.SetBool(rules.FProsecutionAppeal, s.ProsecutionAppeal)
	v.SetBool(rules.FVerdictFinal, s.Verdict != "" && s.VerdictFinal)
	if s.Verdict != "" {
		v.SetString(rules.FVerdict, s.Verdict)
		v.SetString(rules.FVerdictDate, s.VerdictDate.String())
	}
	if s.AcquittedOn != domain.NoDate {
		v.SetString(rules.FAcquittedOn, s.AcquittedOn.String())
	}
	if s.ConvictedOn != domain.NoDate {
		v.SetString(rules.FConvictedOn, s.ConvictedOn.String())
	}
	v.SetBool(rules.FConvictedAfterAcquittal, s.ConvictedAfterAcquittal)
	v.SetBool(rules.FAppealAfterAcquittal, s.AppealAfterAcquittal)
}

// earlierPretrial counts the days untried on the current case in earlier
// custody episodes and lists them. The admission names the case: a person
// released (under judicial supervision, say) and detained again on the same
// case has used up the earlier days of the limit; detained on another case,
// the count starts again. A case with no number matches nothing.
func earlierPretrial(f *domain.PersonFile) (int, string) {
	s := &f.State
	if s.Case == nil || s.Case.ID == "" || len(f.Pretrial) == 0 {
		return 0, ""
	}
	days := 0
	var b []byte
	cur := len(f.Episodes)
	for _, p := range f.Pretrial {
		if p.Case != s.Case.ID || p.Episode >= cur {
			continue
		}
		n := p.Days()
		days += n
		if b != nil {
			b = append(b, "; "...)
		}
		b = append(b, p.From.String()...)
		b = append(b, " to "...)
		b = append(b, p.To.String()...)
		b = append(b, " ("...)
		b = append(b, rules.Count(n, "day", "days")...)
		b = append(b, ')')
	}
	return days, string(b)
}

// offenceBy is the latest date the alleged offence can have been committed,
// and where that date comes from. With no offence date on file, the act
// cannot have been later than the arrest nor than the first admission on
// the case, so the age then is the most the person can have been at the
// act: an age of criminal responsibility judged on the screening date
// instead would stop protecting a child on the birthday after the arrest.
func offenceBy(s *domain.PersonState, offence domain.Date) (domain.Date, string) {
	if offence != domain.NoDate {
		return offence, "offence_date"
	}
	by, basis := s.CaseAdmitted, "admission"
	if by == domain.NoDate {
		by = s.Admitted
	}
	if at, ok := parseArrest(s.ArrestedAt); ok && at.day <= by {
		by, basis = at.day, "arrest"
	}
	return by, basis
}

func flags(f *domain.PersonFile, d domain.Date, v *rules.Values) {
	var pregnant, dependent, chronic, mental, disability bool
	children := 0
	var pregnancy *domain.Flag
	for i, fl := range f.Flags {
		if fl.From > d || d >= fl.To {
			continue
		}
		switch fl.Kind {
		case domain.FlagPregnant:
			pregnant = true
			if pregnancy == nil || fl.From >= pregnancy.From {
				pregnancy = &f.Flags[i]
			}
		case domain.FlagChild:
			children++
		case domain.FlagDependent:
			dependent = true
		case domain.FlagChronic:
			chronic = true
		case domain.FlagMental:
			mental = true
		case domain.FlagDisability:
			disability = true
		}
	}
	v.SetBool(rules.FPregnant, pregnant)
	// A pregnancy flag keeps its expected delivery date in ChildDOB.
	due := domain.NoDate
	if pregnancy != nil {
		due = pregnancy.ChildDOB
	}
	v.SetBool(rules.FPregnancyHasDue, due != domain.NoDate)
	if due != domain.NoDate {
		v.SetString(rules.FPregnancyDue, due.String())
		v.SetInt(rules.FPregnancyDaysPastDue, d.DaysSince(due))
	}
	v.SetInt(rules.FChildrenInCustody, children)
	v.SetBool(rules.FDependentChild, dependent)
	v.SetBool(rules.FChronicIllness, chronic)
	v.SetBool(rules.FMentalIllness, mental)
	v.SetBool(rules.FDisability, disability)
}

var classRank = map[domain.OffenceClass]int{domain.Petty: 1, domain.Misdemeanor: 2, domain.Felony: 3}

func charges(c *domain.Case, v *rules.Values) {
	has := c != nil && len(c.Charges) > 0
	v.SetBool(rules.FHasCharges, has)
	if !has {
		return
	}
	var class domain.OffenceClass
	maxM, minM := 0, 0
	life, grave, drug, violent := false, false, false, false
	for _, ch := range c.Charges {
		if classRank[ch.Class] > classRank[class] {
			class = ch.Class
		}
		maxM, minM = max(maxM, ch.MaxMonths), max(minM, ch.MinMonths)
		life, grave = life || ch.Life, grave || ch.Grave
		drug, violent = drug || ch.Drug, violent || ch.Violent
	}
	if class != "" {
		v.SetString(rules.FChargeClass, string(class))
	}
	v.SetInt(rules.FMaxPenaltyMonths, maxM)
	v.SetInt(rules.FMinPenaltyMonths, minM)
	v.SetBool(rules.FLifePenalty, life)
	v.SetBool(rules.FGrave, grave)
	v.SetBool(rules.FDrug, drug)
	v.SetBool(rules.FViolent, violent)
}

func order(s *domain.PersonState, d domain.Date, v *rules.Values) {
	o := s.Order
	v.SetBool(rules.FHasOrder, o != nil)
	v.SetInt(rules.FExtensions, s.Extensions)
	if o == nil {
		v.SetBool(rules.FOrderIssuedLater, false)
	}
	v.SetBool(rules.FOrderHasExpiry, o != nil && o.Expires != domain.NoDate)
	v.SetBool(rules.FDrugCentreOrder, o != nil && o.Kind == domain.OrderDrugCentre)
	if o == nil {
		return
	}
	v.SetString(rules.FOrderKind, string(o.Kind))
	if o.Reference != "" {
		v.SetString(rules.FOrderReference, o.Reference)
	}
	if o.Issued != domain.NoDate {
		v.SetString(rules.FOrderIssued, o.Issued.String())
	}
	v.SetBool(rules.FOrderIssuedLater, o.Issued != domain.NoDate && o.Issued > d)
	if o.Expires != domain.NoDate {
		v.SetString(rules.FOrderExpires, o.Expires.String())
		v.SetInt(rules.FOrderDaysPastExpiry, d.DaysSince(o.Expires))
	}
}

func sentence(s *domain.PersonState, d domain.Date, v *rules.Values) {
	sen := s.Sentence
	v.SetBool(rules.FHasSentence, sen != nil)
	if sen == nil {
		return
	}
	v.SetBool(rules.FSentenceLife, sen.Life)
	v.SetBool(rules.FSentenceSuspended, sen.Suspended)
	v.SetString(rules.FSentenceStart, sen.Start.String())
	v.SetInt(rules.FSentenceMonths, sen.Months)
	v.SetInt(rules.FPretrialCreditDays, sen.PretrialCreditDays)
	served := d.DaysSince(sen.Start) + sen.PretrialCreditDays
	v.SetInt(rules.FServedDays, served)
	if sen.Life {
		return
	}
	end := sen.Start.AddMonths(sen.Months).AddDays(sen.Days)
	// Reductions are taken off the end of the sentence, months first, as a
	// decree reducing "by 6 months" is read against the calendar.
	reduced := end.AddMonths(-s.ReductionMonths).AddDays(-s.ReductionDays)
	length := end.DaysSince(sen.Start)
	reduction := end.DaysSince(reduced)
	release := reduced.AddDays(-sen.PretrialCreditDays)
	v.SetString(rules.FSentenceEnd, end.String())
	v.SetInt(rules.FSentenceDays, length)
	v.SetInt(rules.FReductionDays, reduction)
	v.SetString(rules.FReleaseDate, release.String())
	v.SetInt(rules.FDaysLeft, release.DaysSince(d))
	if eff := length - reduction; eff > 0 {
		v.SetDouble(rules.FFractionServed, float64(served)/float64(eff))
	}
}

type instant struct {
	day    domain.Date
	minute int // minutes after midnight
}

// parseArrest reads YYYY-MM-DDTHH:MM; a date alone counts as midnight, the
// earliest the arrest can have been, so that the hours are not understated.
func parseArrest(s string) (instant, bool) {
	if len(s) < 10 {
		return instant{}, false
	}
	day, err := domain.ParseDate(s[:10])
	if err != nil {
		return instant{}, false
	}
	if len(s) == 10 {
		return instant{day: day}, true
	}
	if len(s) != 16 || s[10] != 'T' || s[13] != ':' {
		return instant{}, false
	}
	h := int(s[11]-'0')*10 + int(s[12]-'0')
	m := int(s[14]-'0')*10 + int(s[15]-'0')
	if s[11] < '0' || s[11] > '9' || s[12] < '0' || s[12] > '9' || s[14] < '0' || s[14] > '9' || s[15] < '0' || s[15] > '9' || h > 23 || m > 59 {
		return instant{}, false
	}
	return instant{day: day, minute: h*60 + m}, true
}
