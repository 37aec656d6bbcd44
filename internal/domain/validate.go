package domain

import (
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The rules an event must keep to enter the ledger live here, once: the
// ledger writer, the sheet and JSONL imports, the API and the forms all call
// them and only translate the field path of the error into a place of their
// own (a column, a line, a form field).

// MaxPersonID is the longest person identifier, in characters.
const MaxPersonID = 100

// ValidatePersonID checks a person's identifier: 1 to 100 printable
// characters, no white space or control character. A slash is allowed: real
// register numbers such as "123/2020" use it, and links escape it.
func ValidatePersonID(field, id string) error {
	switch {
	case id == "":
		return Invalid(field, "missing")
	case !utf8.ValidString(id):
		return Invalid(field, "is not valid UTF-8 text")
	case utf8.RuneCountInString(id) > MaxPersonID:
		return Invalid(field, "is %d characters long; a person's identifier has at most %d", utf8.RuneCountInString(id), MaxPersonID)
	}
	for i, r := range id {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return Invalid(field, "must not contain white space or control characters (character %d is %U)", utf8.RuneCountInString(id[:i])+1, r)
		}
	}
	return nil
}

// ValidateText checks free text: valid UTF-8 with no NUL, which some
// databases and every C-string tool would cut the text at.
func ValidateText(field, s string) error {
	if !utf8.ValidString(s) {
		return Invalid(field, "is not valid UTF-8 text")
	}
	if i := strings.IndexByte(s, 0); i >= 0 {
		return Invalid(field, "contains a NUL character (at byte %d)", i)
	}
	return nil
}

// FindNUL names the first text of the event, envelope or payload, that
// holds a NUL character; ok is false when none does. Some databases
// (PostgreSQL) cannot store such text at all.
func (ev *Event) FindNUL() (field string, ok bool) {
	for _, f := range [...]struct{ name, v string }{{"person", ev.Person}, {"facility", ev.Facility}} {
		if strings.IndexByte(f.v, 0) >= 0 {
			return f.name, true
		}
	}
	if err := walkPayload(ev.Data, walkNUL); err != nil {
		return err.Field, true
	}
	return "", false
}

// LatestDate is the latest event date acceptable at time t: the calendar
// date in the time zone furthest ahead of UTC (UTC+14), so that a registrar
// in Phnom Penh (UTC+7) can enter today's events before 07:00 UTC, and no
// one anywhere can enter tomorrow's.
func LatestDate(t time.Time) Date { return DateOf(t.UTC().Add(14 * time.Hour)) }

// Validate checks every rule an event must keep to be entered at the time
// recorded (the zero time checks no date against the calendar). The
// envelope fields habeas sets itself (seq, recorded_at, recorded_by, via,
// prev, hash) are the writer's to check.
func (ev *Event) Validate(recorded time.Time) error {
	if err := ev.ValidateWritten(recorded); err != nil {
		return err
	}
	if ev.Person != "" || (ev.Kind.PersonKind() && ev.Kind != KCorrection) {
		if err := ValidatePersonID("person", ev.Person); err != nil {
			return err
		}
	}
	return ev.ValidateTexts()
}

// ValidateWritten checks the rules that every event in a ledger keeps,
// including those entered before the person-identifier and text rules of
// Validate came in: a backup line that carries its hash is accepted as it
// was written, and `habeas verify` lists those that break the newer rules
// (Validate) so that they can be corrected.
func (ev *Event) ValidateWritten(recorded time.Time) error {
	if ev.Date == NoDate {
		return Invalid("date", "missing")
	}
	if !recorded.IsZero() && ev.Date > LatestDate(recorded) {
		return Invalid("date", "%s is in the future (recorded on %s)", ev.Date, DateOf(recorded.UTC()))
	}
	// A correction concerns its target's person, or none for a facility or
	// census record: the ledger checks it against the target.
	if ev.Kind.PersonKind() && ev.Kind != KCorrection {
		if ev.Person == "" {
			return Invalid("person", "missing")
		}
	} else if !ev.Kind.PersonKind() && ev.Person != "" {
		return Invalid("person", "a %s event concerns no person", ev.Kind)
	}
	return ev.validatePayload()
}

// validatePayload checks the payload, and the rules that tie it to the
// envelope (a facility's identifier, a birth before the registration).
func (ev *Event) validatePayload() error {
	switch d := ev.Data.(type) {
	case *PledgeData, *DeclarationData, *ReformData:
		if ev.Facility != "" {
			return Invalid("facility", "a %s event concerns no single facility (name facilities in data.facilities)", ev.Kind)
		}
		return ValidateCommitment(ev.Date, d)
	case *FollowUpData:
		return validateFollowUp(ev, d)
	case *PlanData:
		if ev.Facility != "" {
			return Invalid("facility", "a plan event concerns no single facility (its facilities are in data)")
		}
		return d.Validate()
	case *FacilityData:
		if ev.Facility == "" {
			return Invalid("facility", "missing: the facility's identifier")
		}
	case *CellData, *CensusData:
		if ev.Facility == "" {
			return Invalid("facility", "missing")
		}
	case *VisitData:
		if ev.Facility == "" {
			return Invalid("facility", "missing: the facility visited")
		}
		return d.Validate(ev.Date)
	case *PersonData:
		if err := d.Validate(); err != nil {
			return InField("data", err)
		}
		if d.DOB > ev.Date {
			return Invalid("data.dob", "%s is after the date of registration %s", d.DOB, ev.Date)
		}
		return nil
	}
	if v, ok := ev.Data.(interface{ Validate() error }); ok {
		return InField("data", v.Validate())
	}
	return nil
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

// MaxFacilityCount bounds the people one facility holds or has places for:
// the largest prisons in the world hold tens of thousands, so a figure above
// it is a typing or reading mistake (189,130,000,000 people), never a fact.
const MaxFacilityCount = 10_000_000

// Validate checks a facility's details.
func (d *FacilityData) Validate() error {
	switch {
	case blank(d.Name):
		return Invalid("name", "missing")
	case !In(d.Kind, FacilityKinds):
		return Invalid("kind", "unknown facility kind %q", d.Kind)
	case blank(d.Province):
		return Invalid("province", "missing")
	case d.Capacity < 0:
		return Invalid("capacity", "must not be negative")
	case d.Capacity > MaxFacilityCount:
		return Invalid("capacity", "%d is more places than any facility has (at most %d)", d.Capacity, MaxFacilityCount)
	}
	return nil
}

// Validate checks a cell's details.
func (d *CellData) Validate() error {
	switch {
	case blank(d.Label):
		return Invalid("label", "missing")
	case d.Capacity < 0:
		return Invalid("capacity", "must not be negative")
	case d.AreaM2 < 0:
		return Invalid("area_m2", "must not be negative")
	}
	return nil
}

// Validate checks a person's identity.
func (d *PersonData) Validate() error {
	switch {
	case blank(d.Name):
		return Invalid("name", "missing")
	case !In(d.Sex, Sexes):
		return Invalid("sex", "must be M, F or X, not %q", d.Sex)
	case !In(d.DOBBasis, DOBBases):
		return Invalid("dob_basis", "must be one of document, declared, estimated, unknown, not %q", d.DOBBasis)
	case d.DOB == NoDate && d.DOBBasis != DOBUnknown:
		return Invalid("dob", "missing (say dob_basis \"unknown\" when it is not known)")
	}
	return nil
}

// Validate checks an admission's legal status, order and case.
func (d *AdmissionData) Validate() error {
	if !In(d.Status, LegalStatuses) {
		return Invalid("status", "unknown legal status %q", d.Status)
	}
	if d.Order != nil {
		if err := d.Order.Validate(); err != nil {
			return InField("order", err)
		}
	}
	if d.Case != nil {
		if err := d.Case.Validate(); err != nil {
			return InField("case", err)
		}
	}
	return nil
}

// Validate checks a commitment order: a known kind, and an expiry that does
// not come before the order was issued.
func (o *Order) Validate() error {
	if !In(o.Kind, OrderKinds) {
		return Invalid("kind", "unknown order kind %q", o.Kind)
	}
	if o.Expires != NoDate && o.Issued != NoDate && o.Expires < o.Issued {
		return Invalid("expires", "%s is before the order was issued (%s)", o.Expires, o.Issued)
	}
	return nil
}

// Validate checks a case's procedure and charges.
func (c *Case) Validate() error {
	if !In(c.Procedure, Procedures) {
		return Invalid("procedure", "unknown procedure %q", c.Procedure)
	}
	return InField("charges", validateCharges(c.Charges))
}

// Validate checks one charge: a known class, and penalties with
// 0 <= min_months <= max_months.
func (c *Charge) Validate() error {
	if !In(c.Class, OffenceClasses) {
		return Invalid("class", "must be felony, misdemeanour or petty, not %q", c.Class)
	}
	if c.MinMonths < 0 {
		return Invalid("min_months", "must not be negative")
	}
	if c.MaxMonths < c.MinMonths {
		return Invalid("max_months", "the maximum penalty (%d months) is below the minimum (%d)", c.MaxMonths, c.MinMonths)
	}
	return nil
}

func validateCharges(cs []Charge) error {
	for i := range cs {
		if err := cs[i].Validate(); err != nil {
			return InField(fmt.Sprintf("[%d]", i), err)
		}
	}
	return nil
}

// Validate checks a change of charges.
func (d *ChargeData) Validate() error { return InField("charges", validateCharges(d.Charges)) }

// Validate checks a new or extended order.
func (d *OrderData) Validate() error { return InField("order", d.Order.Validate()) }

// Validate checks a verdict: a known outcome, and a conviction carries its
// sentence.
func (d *VerdictData) Validate() error {
	if !In(d.Outcome, Outcomes) {
		return Invalid("outcome", "must be %q, %q or %q, not %q", OutcomeConvicted, OutcomeAcquitted, OutcomeDismissed, d.Outcome)
	}
	if d.Outcome == OutcomeConvicted && d.Sentence == nil {
		return Invalid("sentence", "missing for a conviction")
	}
	if s := d.Sentence; s != nil {
		if s.Months < 0 || s.Days < 0 || s.PretrialCreditDays < 0 {
			return Invalid("sentence", "lengths must not be negative")
		}
		if s.Start == NoDate {
			return Invalid("sentence.start", "missing")
		}
	}
	return nil
}

// Validate checks a request or complaint.
func (d *ComplaintData) Validate() error {
	if blank(d.Subject) {
		return Invalid("subject", "missing: what the request or complaint is about")
	}
	return nil
}

// Validate checks a disciplinary offence.
func (d *DisciplineData) Validate() error {
	if blank(d.Offence) {
		return Invalid("offence", "missing")
	}
	return nil
}

// Validate checks who appealed.
func (d *AppealData) Validate() error {
	if d.By != "prosecution" && d.By != "defence" {
		return Invalid("by", "must be prosecution or defence, not %q", d.By)
	}
	return nil
}

// Validate checks a health fact: a child living in custody has a date of
// birth.
func (d *HealthData) Validate() error {
	if !In(d.Fact, HealthFacts) {
		return Invalid("fact", "unknown health fact %q", d.Fact)
	}
	if d.Fact == FactChildIn && d.ChildDOB == NoDate {
		return Invalid("child_dob", "missing: a child living in custody must have a date of birth")
	}
	return nil
}

// Validate checks a reduction of sentence.
func (d *ReductionData) Validate() error {
	if d.Months < 0 {
		return Invalid("months", "must not be negative")
	}
	if d.Days < 0 {
		return Invalid("days", "must not be negative")
	}
	return nil
}

// Validate checks that a release names its legal mechanism.
func (d *ReleaseData) Validate() error {
	if d.Mechanism == "" {
		return Invalid("mechanism", "missing: every release must say by which legal mechanism")
	}
	if !In(d.Mechanism, Mechanisms) {
		return Invalid("mechanism", "unknown release mechanism %q", d.Mechanism)
	}
	return nil
}

// Validate checks an aggregate count: every count needs its source.
func (d *CensusData) Validate() error {
	switch {
	case blank(d.Category):
		return Invalid("category", "missing")
	case d.Count < 0:
		return Invalid("count", "must not be negative")
	case d.Count > MaxFacilityCount:
		return Invalid("count", "%d is more people than any facility holds (at most %d)", d.Count, MaxFacilityCount)
	case blank(d.Source):
		return Invalid("source", "missing: every count needs its source")
	}
	return nil
}

// Validate checks a correction's own fields; the corrected event is checked
// against its target by the ledger, with the target's kind.
func (d *CorrectionData) Validate() error {
	if blank(d.Reason) {
		return Invalid("reason", "missing: a correction must say why")
	}
	if !d.Void && d.Data == nil {
		return Invalid("data", "missing: give the corrected event, or void: true")
	}
	return nil
}

// ValidateTexts checks the facility and every value of the payload against
// the limits every field has (docs/interchange.md, "Limits"): text is valid
// UTF-8 without NUL and no longer than its field's maximum, whole numbers
// lie in their range, dates are not before 1900. It names the first field
// at fault by its JSON path. (The person's identifier has its own, stricter
// rule: ValidatePersonID.)
func (ev *Event) ValidateTexts() error {
	if err := ValidateText("facility", ev.Facility); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(ev.Facility); n > MaxID {
		return Invalid("facility", "is %d characters long; an identifier has at most %d", n, MaxID)
	}
	if ev.Date != NoDate && ev.Date < EarliestDate {
		return Invalid("date", "%s is before %s", ev.Date, EarliestDate)
	}
	if err := walkPayload(ev.Data, walkLimits); err != nil {
		return err
	}
	return nil
}

// The limits of the values of events. They keep out what no register
// holds (a 900 KB name, a reduction of 2,147,483,647 months that
// overflows the arithmetic of a sentence) and what a database or a tool
// downstream would cut or refuse.
const (
	MaxID    = 100  // identifiers: cases, cells, orders, pledges, facilities
	MaxShort = 200  // names and other short texts
	MaxText  = 2000 // free text: details, notes, reasons, sources

	MaxMonths = 1200     // 100 years: sentences, penalties, reductions
	MaxDays   = 36600    // 100 years in days
	MaxTotal  = 10000000 // declared figures and pledge targets
	MaxAreaM2 = 1000000.0
)

// EarliestDate is the earliest date an event, or a date in one, may carry.
var EarliestDate = MakeDate(1900, 1, 1)

// textLimit is the longest text a field may hold, by its JSON name.
func textLimit(field string) int {
	switch field {
	case "id", "case", "cell", "label", "reference", "to", "pledge", "target_kind", "facility", "org":
		return MaxID
	case "ciphertext":
		return MaxSealed
	case "name", "other_names", "child_name", "authority", "court", "province", "nationality", "id_document",
		"offence", "category", "made_by", "declared_by", "title", "gender", "lawyer", "decree", "sanction",
		"capacity_source", "arrested_at", "arrest_place", "purpose", "outcome", "by", "subject", "cause":
		return MaxShort
	}
	return MaxText
}

// intLimit is the range of a whole number, by the payload's type and the
// field's JSON name; ok is false for a field with no limit of its own.
func intLimit(typ, field string) (lo, hi int64, ok bool) {
	switch field {
	case "months", "min_months", "max_months":
		return 0, MaxMonths, true
	case "days", "pretrial_credit_days":
		return 0, MaxDays, true
	case "capacity", "count":
		return 0, MaxFacilityCount, true
	case "figure":
		return 0, MaxTotal, true
	case "target":
		if typ == "CorrectionData" {
			return 1, 1 << 53, true // a sequence number
		}
		return 1, MaxTotal, true
	}
	return 0, 0, false
}

var dateType = reflect.TypeFor[Date]()
