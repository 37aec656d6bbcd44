package storetest

import (
	"github.com/habeas-kh/habeas/internal/domain"
)

// Charges the scenarios use.
var (
	DrugCharge  = domain.Charge{Offence: "drug trafficking", Class: domain.Felony, MinMonths: 24, MaxMonths: 60, Drug: true}
	TheftCharge = domain.Charge{Offence: "theft", Class: domain.Misdemeanor, MinMonths: 6, MaxMonths: 36}
)

// Man and Woman are identities with a documented date of birth (NoDate
// makes it unknown).
func Man(name string, dob domain.Date) domain.PersonData   { return identity(name, domain.Male, dob) }
func Woman(name string, dob domain.Date) domain.PersonData { return identity(name, domain.Female, dob) }

func identity(name string, sex domain.Sex, dob domain.Date) domain.PersonData {
	basis := domain.DOBDocument
	if dob == domain.NoDate {
		basis = domain.DOBUnknown
	}
	return domain.PersonData{Name: name, Sex: sex, DOB: dob, DOBBasis: basis, Nationality: "KH"}
}

// Held is an admission in a cell with a status, and a case with the charges.
func Held(status domain.LegalStatus, cell string, charges ...domain.Charge) domain.AdmissionData {
	kind := domain.OrderDetention
	switch status {
	case domain.StatusPolice:
		kind = domain.OrderPoliceCustody
	case domain.StatusAppeal, domain.StatusFinal:
		kind = domain.OrderJudgment
	case domain.StatusDrugCentre:
		kind = domain.OrderDrugCentre
	}
	a := domain.AdmissionData{Cell: cell, Status: status,
		Order: &domain.Order{Kind: kind, Authority: "Phnom Penh Court of First Instance", Reference: "ORD-1"}}
	if len(charges) > 0 {
		a.Case = &domain.Case{ID: "CASE-1", Procedure: domain.ProcOrdinary, Charges: charges}
	}
	return a
}

// Facility registers a facility, or changes its details and capacity.
func (b *Builder) Facility(date domain.Date, id, name string, kind domain.FacilityKind, capacity int, source string) int64 {
	return b.Add(NewEvent(domain.KFacility, date, "", id, &domain.FacilityData{Name: name, Kind: kind,
		Province: "Phnom Penh", Capacity: capacity, CapacitySource: source}))
}

// Cell registers a cell of a facility, or changes it.
func (b *Builder) Cell(date domain.Date, facility string, c domain.CellData) int64 {
	return b.Add(NewEvent(domain.KCell, date, "", facility, &c))
}

// Census records an aggregate count.
func (b *Builder) Census(date domain.Date, facility, category string, count int, source string) int64 {
	return b.Add(NewEvent(domain.KCensus, date, "", facility, &domain.CensusData{Category: category, Count: count, Source: source}))
}

// CorrectCensus replaces the census recorded by event target (on targetDate)
// with c; the batch upserts the census row of the target.
func (b *Builder) CorrectCensus(date domain.Date, target int64, facility string, targetDate domain.Date, c domain.CensusData) int64 {
	return b.Add(NewEvent(domain.KCorrection, date, "", facility, &domain.CorrectionData{Target: target,
		TargetKind: domain.KCensus, Reason: "miscounted", Date: targetDate, Facility: facility, Data: &c}))
}

// Register registers a person's identity.
func (b *Builder) Register(date domain.Date, id string, p domain.PersonData) int64 {
	return b.Add(NewEvent(domain.KPerson, date, id, "", &p))
}

// Admit admits a person into a facility.
func (b *Builder) Admit(date domain.Date, id, facility string, a domain.AdmissionData) int64 {
	return b.Add(NewEvent(domain.KAdmission, date, id, facility, &a))
}

// Transfer moves a person to another facility (and cell).
func (b *Builder) Transfer(date domain.Date, id, to, cell string) int64 {
	return b.Add(NewEvent(domain.KTransfer, date, id, "", &domain.TransferData{To: to, Cell: cell, Reason: "overcrowding"}))
}

// AssignCell moves a person to another cell of the same facility.
func (b *Builder) AssignCell(date domain.Date, id, cell string) int64 {
	return b.Add(NewEvent(domain.KCellAssign, date, id, "", &domain.CellAssignData{Cell: cell}))
}

// Charges replaces the charges of the person's case.
func (b *Builder) Charges(date domain.Date, id string, charges ...domain.Charge) int64 {
	return b.Add(NewEvent(domain.KCharge, date, id, "", &domain.ChargeData{Case: "CASE-1", Charges: charges}))
}

// Order records a new commitment order putting the person in status.
func (b *Builder) Order(date domain.Date, id string, status domain.LegalStatus) int64 {
	return b.Add(NewEvent(domain.KOrder, date, id, "", &domain.OrderData{Order: domain.Order{Kind: domain.OrderDetention,
		Authority: "investigating judge", Reference: "DO-1", Issued: date, Expires: date.AddMonths(6)}, Status: status}))
}

// Convict records a conviction with a sentence of months (final or not).
func (b *Builder) Convict(date domain.Date, id string, months int, final bool) int64 {
	return b.Add(NewEvent(domain.KVerdict, date, id, "", &domain.VerdictData{Case: "CASE-1", Outcome: domain.OutcomeConvicted,
		Final: final, Sentence: &domain.Sentence{Months: months, Start: date}}))
}

// Health records a health fact.
func (b *Builder) Health(date domain.Date, id string, h domain.HealthData) int64 {
	return b.Add(NewEvent(domain.KHealth, date, id, "", &h))
}

// Release ends the person's custody by a legal mechanism.
func (b *Builder) Release(date domain.Date, id string, m domain.Mechanism) int64 {
	return b.Add(NewEvent(domain.KRelease, date, id, "", &domain.ReleaseData{Mechanism: m, Authority: "court"}))
}

// Death records a death in custody.
func (b *Builder) Death(date domain.Date, id string) int64 {
	return b.Add(NewEvent(domain.KDeath, date, id, "", &domain.DeathData{Cause: "illness"}))
}

// Escape records an escape.
func (b *Builder) Escape(date domain.Date, id string) int64 {
	return b.Add(NewEvent(domain.KEscape, date, id, "", &domain.EscapeData{}))
}

// Void records a correction voiding one of the person's events.
func (b *Builder) Void(date domain.Date, id string, target int64, targetKind domain.Kind) int64 {
	return b.Add(NewEvent(domain.KCorrection, date, id, "", &domain.CorrectionData{Target: target,
		TargetKind: targetKind, Reason: "entered in error", Void: true}))
}
