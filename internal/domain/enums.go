package domain

// The vocabularies below are closed: the interchange format and the rule
// packs refer to these exact strings, so adding one is a format change.

// FacilityKind is what sort of place holds people.
type FacilityKind string

const (
	Prison             FacilityKind = "prison"
	CorrectionalCentre FacilityKind = "correctional_centre"
	PoliceCustody      FacilityKind = "police_custody"
	DrugCentre         FacilityKind = "drug_centre"
	JuvenileCentre     FacilityKind = "juvenile_centre"
)

var FacilityKinds = []FacilityKind{Prison, CorrectionalCentre, PoliceCustody, DrugCentre, JuvenileCentre}

// Sex as recorded on the file; Mandela Rule 7 asks that self-perceived gender
// be respected, which Person.Gender carries separately.
type Sex string

const (
	Male     Sex = "M"
	Female   Sex = "F"
	OtherSex Sex = "X"
)

var Sexes = []Sex{Male, Female, OtherSex}

// DOBBasis says how a date of birth was established.
type DOBBasis string

const (
	DOBDocument  DOBBasis = "document"
	DOBDeclared  DOBBasis = "declared"
	DOBEstimated DOBBasis = "estimated"
	DOBUnknown   DOBBasis = "unknown"
)

var DOBBases = []DOBBasis{DOBDocument, DOBDeclared, DOBEstimated, DOBUnknown}

// LegalStatus is where a person stands in the criminal process.
type LegalStatus string

const (
	StatusPolice     LegalStatus = "police_custody"   // arrested, not yet before a judge
	StatusPretrial   LegalStatus = "pretrial"         // charged, held under a detention order, not tried
	StatusAppeal     LegalStatus = "convicted_appeal" // convicted at first instance, judgment not final
	StatusFinal      LegalStatus = "final"            // convicted with final judgment
	StatusAcquitted  LegalStatus = "acquitted_held"   // acquitted, held pending the prosecution's appeal
	StatusDrugCentre LegalStatus = "drug_centre"      // administrative detention in a drug centre
)

var LegalStatuses = []LegalStatus{StatusPolice, StatusPretrial, StatusAppeal, StatusFinal, StatusAcquitted, StatusDrugCentre}

// Untried reports whether the status counts as pre-trial in the narrow sense
// the Cambodian statistics use (police custody and pre-trial detention).
// "Awaiting appeal" is reported separately; see Counting right in domain.md.
func (s LegalStatus) Untried() bool { return s == StatusPolice || s == StatusPretrial }

// NotFinal reports whether the person is held in the criminal process
// without a final conviction. Administrative detention in a drug centre is
// neither: it is counted on its own.
func (s LegalStatus) NotFinal() bool { return s != StatusFinal && s != StatusDrugCentre }

// OrderKind is the kind of commitment order that makes detention lawful.
type OrderKind string

const (
	OrderArrestWarrant   OrderKind = "arrest_warrant"
	OrderPoliceCustody   OrderKind = "police_custody"
	OrderDetention       OrderKind = "detention_order"
	OrderJudgment        OrderKind = "judgment"
	OrderDrugCentre      OrderKind = "drug_centre_order"
	OrderImmediateAppear OrderKind = "immediate_appearance"
)

var OrderKinds = []OrderKind{OrderArrestWarrant, OrderPoliceCustody, OrderDetention, OrderJudgment, OrderDrugCentre, OrderImmediateAppear}

// Procedure is the type of criminal procedure a case follows.
type Procedure string

const (
	ProcOrdinary  Procedure = "ordinary"
	ProcImmediate Procedure = "immediate_appearance" // CPC Art. 47 and 304
	ProcDrugAdmin Procedure = "drug_administrative"  // drug centre placement
)

var Procedures = []Procedure{ProcOrdinary, ProcImmediate, ProcDrugAdmin}

// OffenceClass is the three-way classification of the Criminal Code.
type OffenceClass string

const (
	Felony      OffenceClass = "felony"
	Misdemeanor OffenceClass = "misdemeanour"
	Petty       OffenceClass = "petty"
)

var OffenceClasses = []OffenceClass{Felony, Misdemeanor, Petty}

// Mechanism is the legal mechanism through which a person left custody.
type Mechanism string

const (
	MechBail        Mechanism = "judicial_supervision"
	MechAcquittal   Mechanism = "acquittal"
	MechDropped     Mechanism = "charges_dropped"
	MechServed      Mechanism = "sentence_served"
	MechConditional Mechanism = "conditional_release"
	MechPardon      Mechanism = "royal_pardon"
	MechReduction   Mechanism = "sentence_reduction"
	MechSuspended   Mechanism = "suspended_sentence"
	MechAmnesty     Mechanism = "amnesty"
	MechHospital    Mechanism = "transfer_to_hospital"
	MechOther       Mechanism = "other"
)

var Mechanisms = []Mechanism{MechBail, MechAcquittal, MechDropped, MechServed, MechConditional, MechPardon, MechReduction, MechSuspended, MechAmnesty, MechHospital, MechOther}

// HealthFact is a vulnerability or health event recorded on the file.
type HealthFact string

const (
	FactPregnant     HealthFact = "pregnancy"
	FactPregnancyEnd HealthFact = "pregnancy_end"
	FactChronic      HealthFact = "chronic_illness"
	FactMental       HealthFact = "mental_illness"
	FactDisability   HealthFact = "disability"
	FactConditionEnd HealthFact = "condition_end"
	FactChildIn      HealthFact = "child_admitted"
	FactChildOut     HealthFact = "child_left"
	FactDependent    HealthFact = "dependent_child" // a dependent child outside prison
	FactCovid        HealthFact = "covid_positive"
)

var HealthFacts = []HealthFact{FactPregnant, FactPregnancyEnd, FactChronic, FactMental, FactDisability, FactConditionEnd, FactChildIn, FactChildOut, FactDependent, FactCovid}

// In reports whether v is one of the allowed values.
func In[T ~string](v T, allowed []T) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}
