package rules

import "cel.dev/cel-go/common/types"

// FactType is the CEL type of a fact. Dates are ISO strings (YYYY-MM-DD):
// they compare correctly as strings, read as themselves in a reason, and the
// pack's date functions (add_days, add_months, days_between) accept them.
type FactType int

const (
	Bool FactType = iota
	Int
	Double
	String
	Date // a string in the form YYYY-MM-DD
)

func (t FactType) String() string {
	switch t {
	case Bool:
		return "bool"
	case Int:
		return "int"
	case Double:
		return "double"
	case Date:
		return "date (string YYYY-MM-DD)"
	}
	return "string"
}

// FactID indexes Facts.
type FactID int

// Fact is one thing a condition can know about a person as of a date.
// Unknown says when the fact has no value; empty means it always has one.
type Fact struct {
	ID      FactID
	Name    string
	Type    FactType
	Doc     string
	Unknown string
}

// The facts, in the order of Facts. docs/screening.md documents each one;
// a test checks that it names them all.
const (
	FAsOf FactID = iota
	FInCustody
	FFacility
	FFacilityKind
	FSex
	FHasDOB
	FDOBBasis
	FDOB
	FAge
	FHasOffenceDate
	FAgeAtOffence
	FOffenceBy
	FOffenceByBasis
	FAgeAtOffenceMax
	FPregnant
	FChildrenInCustody
	FDependentChild
	FChronicIllness
	FMentalIllness
	FDisability
	FStatus
	FUntried
	FConvicted
	FFinalJudgment
	FProcedure
	FHasCharges
	FChargeClass
	FMaxPenaltyMonths
	FMinPenaltyMonths
	FLifePenalty
	FGrave
	FDrug
	FViolent
	FAdmitted
	FDaysInCustody
	FPretrialDays
	FPretrialSince
	FEarlierPretrialDays
	FEarlierPretrialPeriods
	FCasePretrialDays
	FCasePretrialSince
	FArrestedAt
	FHoursSinceArrest
	FHasOrder
	FOrderKind
	FOrderReference
	FOrderIssued
	FOrderIssuedLater
	FOrderHasExpiry
	FOrderExpires
	FOrderDaysPastExpiry
	FExtensions
	FFirstAppearance
	FDaysSinceFirstAppearance
	FHasSentence
	FSentenceLife
	FSentenceSuspended
	FSentenceStart
	FSentenceMonths
	FSentenceEnd
	FSentenceDays
	FPretrialCreditDays
	FReductionDays
	FServedDays
	FReleaseDate
	FDaysLeft
	FFractionServed
	FRepeatOffender
	FPriorPrison5y
	FProsecutionAppeal
	FVerdict
	FVerdictDate
	FVerdictFinal
	FDrugCentreOrder
	FOffenceDate
	FPregnancyHasDue
	FPregnancyDue
	FPregnancyDaysPastDue
	FAcquittedOn
	FConvictedOn
	FConvictedAfterAcquittal
	FAppealAfterAcquittal
	numFacts
)

const (
	noCharges  = "the person has no charge on file"
	noSentence = "no sentence on file (not convicted, or the verdict gave none)"
	noFixed    = "no sentence on file, or a life sentence"
	noOrder    = "no commitment order on file"
	noDue      = "not pregnant, or no expected delivery date on file"
)

// Facts is the catalogue of facts, indexed by FactID. It is never modified.
var Facts = [numFacts]Fact{
	{FAsOf, "as_of", Date, "the date the screening is made for; every day count runs to the end of this day", ""},
	{FInCustody, "in_custody", Bool, "held at the end of as_of (screening lists only people in custody, so this is true for them)", ""},
	{FFacility, "facility", String, "id of the facility holding the person", ""},
	{FFacilityKind, "facility_kind", String, "kind of that facility: prison, correctional_centre, police_custody, drug_centre, juvenile_centre", "the facility is not registered"},
	{FSex, "sex", String, "sex on file: M, F or X", "not recorded"},
	{FHasDOB, "has_dob", Bool, "a date of birth is on file (of whatever basis)", ""},
	{FDOBBasis, "dob_basis", String, "how the date of birth was established: document, declared, estimated, unknown", ""},
	{FDOB, "dob", Date, "date of birth on file (see dob_basis for how it was established)", "no date of birth"},
	{FAge, "age", Int, "age in completed years on as_of; born on 29 February, one comes of age on 1 March in common years", "no date of birth"},
	{FHasOffenceDate, "has_offence_date", Bool, "the case records the date of the alleged offence", ""},
	{FAgeAtOffence, "age_at_offence", Int, "age in completed years on the date of the alleged offence", "no date of birth, or no offence date, or an offence date before the date of birth"},
	{FOffenceBy, "offence_by", Date, "the latest date the alleged offence can have been committed: the offence date when recorded; otherwise the earlier of the arrest (the date of arrested_at) and the first admission on the case (in this custody or an earlier one), or this admission when the case has no number", ""},
	{FOffenceByBasis, "offence_by_basis", String, "where offence_by comes from: offence_date, arrest or admission", ""},
	{FAgeAtOffenceMax, "age_at_offence_max", Int, "age in completed years on offence_by: the age at the alleged offence when its date is recorded, otherwise the most the person can have been at the offence", "no date of birth"},
	{FPregnant, "pregnant", Bool, "a pregnancy recorded in this custody and not ended by as_of, however long past its due date (see pregnancy_days_past_due)", ""},
	{FChildrenInCustody, "children_in_custody", Int, "children living with the person in custody on as_of", ""},
	{FDependentChild, "dependent_child", Bool, "a dependent child outside prison recorded in this custody", ""},
	{FChronicIllness, "chronic_illness", Bool, "a chronic or serious illness recorded in this custody and not ended", ""},
	{FMentalIllness, "mental_illness", Bool, "a mental illness recorded in this custody and not ended", ""},
	{FDisability, "disability", Bool, "a disability recorded in this custody and not ended", ""},
	{FStatus, "status", String, "legal status: police_custody, pretrial, convicted_appeal, final, acquitted_held, drug_centre", ""},
	{FUntried, "untried", Bool, "status is police_custody or pretrial", ""},
	{FConvicted, "convicted", Bool, "status is convicted_appeal or final", ""},
	{FFinalJudgment, "final_judgment", Bool, "status is final (convicted with a final judgment)", ""},
	{FProcedure, "procedure", String, "procedure of the case: ordinary, immediate_appearance, drug_administrative", "no case on file"},
	{FHasCharges, "has_charges", Bool, "the case lists at least one charge", ""},
	{FChargeClass, "charge_class", String, "class of the most serious charge: felony, then misdemeanour, then petty", noCharges},
	{FMaxPenaltyMonths, "max_penalty_months", Int, "the largest maximum penalty of the charges, in months (a life penalty counts as its fixed maximum; see life_penalty)", noCharges},
	{FMinPenaltyMonths, "min_penalty_months", Int, "the largest minimum penalty of the charges, in months", noCharges},
	{FLifePenalty, "life_penalty", Bool, "some charge is punishable by life imprisonment", noCharges},
	{FGrave, "grave", Bool, "some charge is genocide, a crime against humanity or a war crime (CPC Art. 208)", noCharges},
	{FDrug, "drug", Bool, "some charge is a drug offence", noCharges},
	{FViolent, "violent", Bool, "some charge is an offence of violence", noCharges},
	{FAdmitted, "admitted", Date, "admission date of the current custody episode", ""},
	{FDaysInCustody, "days_in_custody", Int, "as_of minus admitted, in days (the day of admission counts as day 0)", ""},
	{FPretrialDays, "pretrial_days", Int, "days untried (police custody or pretrial) in the current episode up to as_of", ""},
	{FPretrialSince, "pretrial_since", Date, "as_of minus pretrial_days: where continuous pre-trial detention would have started; limits in months are counted from it", ""},
	{FEarlierPretrialDays, "earlier_pretrial_days", Int, "days untried on the current case in earlier custody episodes (released, then detained again on the same case number); 0 when the case has no number", ""},
	{FEarlierPretrialPeriods, "earlier_pretrial_periods", String, "those periods, oldest first, each as FROM to TO (N days), separated by semicolons; empty when there are none", ""},
	{FCasePretrialDays, "case_pretrial_days", Int, "earlier_pretrial_days plus pretrial_days: the pre-trial detention on the case in all", ""},
	{FCasePretrialSince, "case_pretrial_since", Date, "as_of minus case_pretrial_days: where continuous detention on the case would have started; the limits in months are counted from it when params.pretrial_cumulative", ""},
	{FArrestedAt, "arrested_at", String, "date and time of arrest as recorded (YYYY-MM-DDTHH:MM)", "not recorded, or not a valid date and time"},
	{FHoursSinceArrest, "hours_since_arrest", Int, "hours from the arrest to the end of as_of (24:00), an hour begun counting as an hour", "arrested_at unknown"},
	{FHasOrder, "has_order", Bool, "a commitment order (warrant, police custody, detention order, judgment, drug-centre order, immediate appearance) is on file", ""},
	{FOrderKind, "order_kind", String, "kind of the current order: arrest_warrant, police_custody, detention_order, judgment, drug_centre_order, immediate_appearance", noOrder},
	{FOrderReference, "order_reference", String, "reference (number) of the current order as recorded", noOrder + ", or it has no reference"},
	{FOrderIssued, "order_issued", Date, "date the current order was issued", noOrder + ", or no issue date"},
	{FOrderIssuedLater, "order_issued_later", Bool, "the current order was issued after as_of: it is not yet a title on that day (false with no order or no issue date)", ""},
	{FOrderHasExpiry, "order_has_expiry", Bool, "the current order has an expiry date (false with no order)", ""},
	{FOrderExpires, "order_expires", Date, "expiry date of the current order (the last extension's, when extended)", noOrder + ", or it has no expiry"},
	{FOrderDaysPastExpiry, "order_days_past_expiry", Int, "as_of minus order_expires in days: positive once the order has lapsed, 0 on the expiry day, negative before", noOrder + ", or it has no expiry"},
	{FExtensions, "extensions", Int, "extensions of the detention order in the current episode", ""},
	{FFirstAppearance, "first_appearance", Date, "first date of the episode the person was before a judge: admission under a status other than police custody, the end of police custody, or a hearing", "still in police custody with no hearing"},
	{FDaysSinceFirstAppearance, "days_since_first_appearance", Int, "as_of minus first_appearance, in days", "first_appearance unknown"},
	{FHasSentence, "has_sentence", Bool, "a sentence is on file (from the last conviction)", ""},
	{FSentenceLife, "sentence_life", Bool, "the sentence is life imprisonment", noSentence},
	{FSentenceSuspended, "sentence_suspended", Bool, "the sentence is suspended", noSentence},
	{FSentenceStart, "sentence_start", Date, "date the sentence starts to run", noSentence},
	{FSentenceMonths, "sentence_months", Int, "months of imprisonment imposed (plus sentence_end for any extra days)", noSentence},
	{FSentenceEnd, "sentence_end", Date, "sentence_start plus the months and days imposed, before credit and reductions", noFixed},
	{FSentenceDays, "sentence_days", Int, "sentence_end minus sentence_start: the imposed length in days", noFixed},
	{FPretrialCreditDays, "pretrial_credit_days", Int, "days of pre-trial detention credited against the sentence", noSentence},
	{FReductionDays, "reduction_days", Int, "sentence reductions granted, in days (months counted back from sentence_end)", noFixed},
	{FServedDays, "served_days", Int, "as_of minus sentence_start plus pretrial_credit_days", noSentence},
	{FReleaseDate, "release_date", Date, "sentence_end minus reduction_days minus pretrial_credit_days: the day the sentence is served", noFixed},
	{FDaysLeft, "days_left", Int, "release_date minus as_of; 0 or less means the sentence is served", noFixed},
	{FFractionServed, "fraction_served", Double, "served_days divided by (sentence_days minus reduction_days): 1 or more exactly when days_left <= 0", noFixed},
	{FRepeatOffender, "repeat_offender", Bool, "recorded as a repeat offender at admission", ""},
	{FPriorPrison5y, "prior_prison_5y", Bool, "recorded at admission as having served a prison sentence in the previous 5 years", ""},
	{FProsecutionAppeal, "prosecution_appeal", Bool, "the prosecution has appealed against the last verdict (or, before any verdict, in the current case)", ""},
	{FVerdict, "verdict", String, "outcome of the last verdict in this custody: convicted, acquitted or dismissed (charges dismissed by the court)", "no verdict in this custody"},
	{FVerdictDate, "verdict_date", Date, "date of that verdict", "no verdict in this custody"},
	{FVerdictFinal, "verdict_final", Bool, "that verdict was recorded as final (no appeal possible or pending; false with no verdict)", ""},
	{FDrugCentreOrder, "drug_centre_order", Bool, "the current order is a drug-centre placement order", ""},
	{FOffenceDate, "offence_date", Date, "date of the alleged offence recorded on the case", "no offence date on file"},
	{FPregnancyHasDue, "pregnancy_has_due", Bool, "pregnant, and the pregnancy has an expected delivery date on file", ""},
	{FPregnancyDue, "pregnancy_due", Date, "expected delivery date of the pregnancy (the latest recorded in this custody and not ended)", noDue},
	{FPregnancyDaysPastDue, "pregnancy_days_past_due", Int, "as_of minus pregnancy_due in days: positive once the due date has passed", noDue},
	{FAcquittedOn, "acquitted_on", Date, "date of the last acquittal in this custody", "no acquittal in this custody"},
	{FConvictedOn, "convicted_on", Date, "date of the last conviction in this custody", "no conviction in this custody"},
	{FConvictedAfterAcquittal, "convicted_after_acquittal", Bool, "the last verdict in this custody is a conviction, and the verdict before it an acquittal", ""},
	{FAppealAfterAcquittal, "appeal_after_acquittal", Bool, "an appeal (by either party) is on file after the last acquittal in this custody and before the verdict that followed it", ""},
}

// FactByName finds a fact.
func FactByName(name string) (Fact, bool) {
	for _, f := range Facts {
		if f.Name == name {
			return f, true
		}
	}
	return Fact{}, false
}

func (t FactType) celType() *types.Type {
	switch t {
	case Bool:
		return types.BoolType
	case Int:
		return types.IntType
	case Double:
		return types.DoubleType
	}
	return types.StringType
}
