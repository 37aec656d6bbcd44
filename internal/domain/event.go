package domain

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Kind names an event type in the ledger. The strings are the interchange
// format (docs/interchange.md); never rename one.
type Kind string

const (
	KFacility   Kind = "facility"        // a facility is registered, or its details or capacity change
	KCell       Kind = "cell"            // a cell is registered or changes
	KPerson     Kind = "person"          // a person's identity is registered
	KAdmission  Kind = "admission"       // admission into custody with a commitment order
	KTransfer   Kind = "transfer"        // moved to another facility
	KCellAssign Kind = "cell_assignment" // moved to another cell in the same facility
	KCharge     Kind = "charge_change"   // charges added, dropped or requalified
	KOrder      Kind = "order"           // a new commitment order (e.g. detention order after police custody)
	KExtension  Kind = "order_extension" // a detention order extended
	KHearing    Kind = "hearing"
	KVerdict    Kind = "verdict"
	KAppeal     Kind = "appeal"
	KHealth     Kind = "health"
	KReduction  Kind = "sentence_reduction" // a reduction of sentence by decree, without release
	KRelease    Kind = "release"
	KDeath      Kind = "death"
	KEscape     Kind = "escape"
	KCorrection Kind = "correction"
	KCensus     Kind = "census" // an aggregate count without individual records
	// Mandela Rule 8: requests and complaints (including of ill-treatment),
	// and disciplinary offences with their sanctions.
	KComplaint  Kind = "complaint"
	KDiscipline Kind = "discipline"
	// Public commitments: what an authority promised and said, recorded in
	// the same ledger so that who entered them, and when, is as checkable as
	// any custody event.
	KPledge      Kind = "pledge"      // a pledge (releases, cases cleared) or its amendment
	KDeclaration Kind = "declaration" // a figure an authority declared against a pledge
	KReform      Kind = "reform"      // a reform commitment or a change of its status
	// KPlan enters a decongestion plan (PlanData), or publishes one.
	KPlan Kind = "plan"
	// Monitoring: a team's visit to a facility (visit.go).
	KVisit Kind = "visit"
)

var Kinds = []Kind{KFacility, KCell, KPerson, KAdmission, KTransfer, KCellAssign, KCharge, KOrder, KExtension,
	KHearing, KVerdict, KAppeal, KHealth, KReduction, KRelease, KDeath, KEscape, KCorrection, KCensus,
	KComplaint, KDiscipline, KPledge, KDeclaration, KReform, KFollowUp, KPlan, KMarker, KVisit}

// PersonKind reports whether events of this kind concern one person.
func (k Kind) PersonKind() bool {
	switch k {
	case KFacility, KCell, KCensus, KPledge, KDeclaration, KReform, KPlan, KMarker, KVisit:
		return false
	}
	return true
}

// Event is one entry of the ledger. Seq, Prev and Hash are assigned when the
// event is appended; an imported backup carries them and they are checked.
type Event struct {
	Seq        int64  `json:"seq"`
	Kind       Kind   `json:"kind"`
	Date       Date   `json:"date"`
	Person     string `json:"person,omitempty"`
	Facility   string `json:"facility,omitempty"`
	RecordedAt string `json:"recorded_at"`
	RecordedBy string `json:"recorded_by"`
	Via        string `json:"via,omitempty"`
	Data       any    `json:"data"`
	Prev       string `json:"prev,omitempty"`
	Hash       string `json:"hash,omitempty"`
}

// Payload types, one per kind. Field names are the interchange format.

type FacilityData struct {
	Name           string       `json:"name"`
	Kind           FacilityKind `json:"kind"`
	Province       string       `json:"province"`
	Capacity       int          `json:"capacity"`
	CapacitySource string       `json:"capacity_source,omitempty"`
}

type CellData struct {
	Label    string  `json:"label"`
	AreaM2   float64 `json:"area_m2,omitempty"`
	Capacity int     `json:"capacity"`
	Category string  `json:"category,omitempty"` // e.g. men, women, juveniles, untried
}

type PersonData struct {
	Name        string   `json:"name"`
	OtherNames  string   `json:"other_names,omitempty"`
	Sex         Sex      `json:"sex"`
	Gender      string   `json:"gender,omitempty"` // self-perceived gender, as the person states it
	DOB         Date     `json:"dob"`
	DOBBasis    DOBBasis `json:"dob_basis"`
	Nationality string   `json:"nationality,omitempty"`
	IDDocument  string   `json:"id_document,omitempty"`
}

type Order struct {
	Kind      OrderKind `json:"kind"`
	Authority string    `json:"authority"`
	Reference string    `json:"reference"`
	Issued    Date      `json:"issued"`
	Expires   Date      `json:"expires,omitempty"`
}

type Charge struct {
	Offence   string       `json:"offence"`
	Class     OffenceClass `json:"class"`
	MinMonths int          `json:"min_months"`
	MaxMonths int          `json:"max_months"`
	Life      bool         `json:"life,omitempty"`
	Drug      bool         `json:"drug,omitempty"`
	Violent   bool         `json:"violent,omitempty"`
	Grave     bool         `json:"grave,omitempty"` // genocide, crimes against humanity, war crimes (CPC Art. 208)
}

type Case struct {
	ID          string    `json:"id"`
	Court       string    `json:"court,omitempty"`
	Procedure   Procedure `json:"procedure"`
	OffenceDate Date      `json:"offence_date,omitempty"`
	Charges     []Charge  `json:"charges,omitempty"`
}

type AdmissionData struct {
	Cell           string      `json:"cell,omitempty"`
	ArrestedAt     string      `json:"arrested_at,omitempty"` // local date and time, YYYY-MM-DDTHH:MM
	ArrestPlace    string      `json:"arrest_place,omitempty"`
	Status         LegalStatus `json:"status"`
	Order          *Order      `json:"order,omitempty"`
	Case           *Case       `json:"case,omitempty"`
	RepeatOffender bool        `json:"repeat_offender,omitempty"`
	PriorPrison5y  bool        `json:"prior_prison_5y,omitempty"`
	Injuries       string      `json:"injuries,omitempty"`
	Complaints     string      `json:"complaints,omitempty"`
	Property       string      `json:"property,omitempty"`
	NextOfKin      string      `json:"next_of_kin,omitempty"`
}

type TransferData struct {
	To     string `json:"to"`
	Cell   string `json:"cell,omitempty"`
	Reason string `json:"reason,omitempty"`
}

type CellAssignData struct {
	Cell string `json:"cell"`
}

type ChargeData struct {
	Case    string   `json:"case"`
	Charges []Charge `json:"charges"`
}

// OrderData is used by both KOrder (a new order) and KExtension.
type OrderData struct {
	Order  Order       `json:"order"`
	Status LegalStatus `json:"status,omitempty"` // the status the order puts the person in, when it changes
}

type HearingData struct {
	Case    string `json:"case"`
	Court   string `json:"court,omitempty"`
	Purpose string `json:"purpose,omitempty"`
	Lawyer  string `json:"lawyer,omitempty"`
	Outcome string `json:"outcome,omitempty"`
}

type Sentence struct {
	Months             int  `json:"months"`
	Days               int  `json:"days,omitempty"`
	Life               bool `json:"life,omitempty"`
	Start              Date `json:"start"`
	PretrialCreditDays int  `json:"pretrial_credit_days,omitempty"`
	Suspended          bool `json:"suspended,omitempty"`
}

type VerdictData struct {
	Case     string    `json:"case"`
	Court    string    `json:"court,omitempty"`
	Outcome  string    `json:"outcome"` // convicted, acquitted or dismissed
	Final    bool      `json:"final"`
	Sentence *Sentence `json:"sentence,omitempty"`
}

const (
	OutcomeConvicted = "convicted"
	OutcomeAcquitted = "acquitted"
	// OutcomeDismissed is a court's dismissal of the charges (a "non-lieu"
	// or their discontinuance by the court): like an acquittal, it ends
	// what the earlier order held the person for.
	OutcomeDismissed = "dismissed"
)

// Outcomes are the verdict outcomes the interchange format knows.
var Outcomes = []string{OutcomeConvicted, OutcomeAcquitted, OutcomeDismissed}

type AppealData struct {
	Case string `json:"case"`
	By   string `json:"by"` // prosecution or defence
}

type HealthData struct {
	Fact      HealthFact `json:"fact"`
	Detail    string     `json:"detail,omitempty"`
	ChildName string     `json:"child_name,omitempty"`
	ChildDOB  Date       `json:"child_dob,omitempty"`
	Due       Date       `json:"due,omitempty"` // expected delivery date for a pregnancy
}

type ReductionData struct {
	Months int    `json:"months"`
	Days   int    `json:"days,omitempty"`
	Decree string `json:"decree"`
}

type ReleaseData struct {
	Mechanism Mechanism `json:"mechanism"`
	Authority string    `json:"authority,omitempty"`
	Reference string    `json:"reference,omitempty"`
	Note      string    `json:"note,omitempty"`
}

type DeathData struct {
	Cause         string `json:"cause,omitempty"`
	Circumstances string `json:"circumstances,omitempty"`
}

// ComplaintData is a request or complaint by or about the person.
type ComplaintData struct {
	Subject      string `json:"subject"`
	Detail       string `json:"detail,omitempty"`
	IllTreatment bool   `json:"ill_treatment,omitempty"` // an allegation of torture or ill-treatment
	To           string `json:"to,omitempty"`            // who it was made to
	Response     string `json:"response,omitempty"`
}

// DisciplineData is a disciplinary offence and the sanction imposed.
type DisciplineData struct {
	Offence   string `json:"offence"`
	Sanction  string `json:"sanction,omitempty"`
	Authority string `json:"authority,omitempty"`
}

type EscapeData struct {
	Note string `json:"note,omitempty"`
}

// CorrectionData supersedes the event with sequence Target. Either Void (the
// event should never have been entered) or a replacement date, facility and
// data of the same kind as the target.
type CorrectionData struct {
	Target     int64  `json:"target"`
	TargetKind Kind   `json:"target_kind"`
	Reason     string `json:"reason"`
	Void       bool   `json:"void,omitempty"`
	Date       Date   `json:"date,omitempty"`
	Facility   string `json:"facility,omitempty"`
	Data       any    `json:"data,omitempty"`
}

type CensusData struct {
	Category string `json:"category"`
	Count    int    `json:"count"`
	Source   string `json:"source"`
	Note     string `json:"note,omitempty"`
}

// newPayload returns a pointer to the zero payload of the kind.
func newPayload(k Kind) (any, bool) {
	switch k {
	case KFacility:
		return &FacilityData{}, true
	case KCell:
		return &CellData{}, true
	case KPerson:
		return &PersonData{}, true
	case KAdmission:
		return &AdmissionData{}, true
	case KTransfer:
		return &TransferData{}, true
	case KCellAssign:
		return &CellAssignData{}, true
	case KCharge:
		return &ChargeData{}, true
	case KOrder, KExtension:
		return &OrderData{}, true
	case KHearing:
		return &HearingData{}, true
	case KVerdict:
		return &VerdictData{}, true
	case KAppeal:
		return &AppealData{}, true
	case KHealth:
		return &HealthData{}, true
	case KReduction:
		return &ReductionData{}, true
	case KRelease:
		return &ReleaseData{}, true
	case KDeath:
		return &DeathData{}, true
	case KEscape:
		return &EscapeData{}, true
	case KCorrection:
		return &CorrectionData{}, true
	case KCensus:
		return &CensusData{}, true
	case KComplaint:
		return &ComplaintData{}, true
	case KDiscipline:
		return &DisciplineData{}, true
	case KPledge:
		return &PledgeData{}, true
	case KDeclaration:
		return &DeclarationData{}, true
	case KReform:
		return &ReformData{}, true
	case KFollowUp:
		return &FollowUpData{}, true
	case KPlan:
		return &PlanData{}, true
	case KMarker:
		return &MarkerData{}, true
	case KVisit:
		return &VisitData{}, true
	}
	return nil, false
}

// fieldErr is invalid input at field, a JSON path such as
// "data.order.expires".
func fieldErr(field, format string, args ...any) *Error { return Invalid(field, format, args...) }

// rawEvent mirrors Event with the payload left undecoded.
type rawEvent struct {
	Seq        int64          `json:"seq"`
	Kind       Kind           `json:"kind"`
	Date       jsontext.Value `json:"date"`
	Person     string         `json:"person"`
	Facility   string         `json:"facility"`
	RecordedAt string         `json:"recorded_at"`
	RecordedBy string         `json:"recorded_by"`
	Via        string         `json:"via"`
	Data       jsontext.Value `json:"data"`
	Prev       string         `json:"prev"`
	Hash       string         `json:"hash"`
}

// DecodeEvent parses one interchange line strictly: unknown fields, a wrong
// type or a malformed date are errors naming the field.
func DecodeEvent(line []byte) (*Event, error) {
	var r rawEvent
	if err := strictUnmarshal(line, &r); err != nil {
		return nil, jsonFieldError("", err)
	}
	if r.Kind == "" {
		return nil, fieldErr("kind", "missing")
	}
	ev := &Event{Seq: r.Seq, Kind: r.Kind, Person: r.Person, Facility: r.Facility,
		RecordedAt: r.RecordedAt, RecordedBy: r.RecordedBy, Via: r.Via, Prev: r.Prev, Hash: r.Hash}
	if len(r.Date) == 0 {
		return nil, fieldErr("date", "missing")
	}
	if err := ev.Date.UnmarshalJSON(r.Date); err != nil {
		return nil, fieldErr("date", "must be a date that exists, written YYYY-MM-DD; got %s", r.Date)
	}
	p, ok := newPayload(r.Kind)
	if !ok {
		return nil, fieldErr("kind", "unknown event kind %q", r.Kind)
	}
	if len(r.Data) == 0 || string(r.Data) == "null" {
		return nil, fieldErr("data", "missing")
	}
	if err := strictUnmarshal(r.Data, p); err != nil {
		return nil, jsonFieldError("data", err)
	}
	if c, ok := p.(*CorrectionData); ok && c.Data != nil {
		raw, _ := json.Marshal(c.Data)
		rp, ok := newPayload(c.TargetKind)
		if !ok {
			return nil, fieldErr("data.target_kind", "unknown event kind %q", c.TargetKind)
		}
		if err := strictUnmarshal(raw, rp); err != nil {
			return nil, jsonFieldError("data.data", err)
		}
		c.Data = rp
	}
	ev.Data = p
	return ev, nil
}

// strictOptions make decoding refuse what encoding/json lets through by
// default: members the format does not have, and a member given twice
// (which would otherwise let a later copy silently win).
var strictOptions = jsonv2.RejectUnknownMembers(true)

// strictUnmarshal decodes with the encoding/json/v2 prototype: one pass over
// the bytes where encoding/json makes three, which matters for an import of
// millions of lines and for every read of the ledger. Members are matched
// case-sensitively, as the interchange format is written.
func strictUnmarshal(b []byte, v any) error {
	return jsonv2.Unmarshal(b, v, strictOptions)
}

// jsonFieldError turns a decoding error into one naming the field, as a
// path like data.case.charges[0].offence.
func jsonFieldError(prefix string, err error) error {
	var fe *Error
	if errors.As(err, &fe) && fe.Code == ErrInvalid {
		return fieldErr(joinPath(prefix, fe.Field), "%s", fe.Msg)
	}
	var se *jsonv2.SemanticError
	if errors.As(err, &se) {
		field := joinPath(prefix, pointerPath(se.JSONPointer))
		var te *json.UnmarshalTypeError
		switch {
		case errors.Is(se.Err, jsonv2.ErrUnknownName):
			return fieldErr(field, "unknown field")
		case errors.As(se.Err, &te) && te.Type == reflect.TypeFor[Date]():
			return fieldErr(field, "must be a date that exists, written YYYY-MM-DD; got %s", te.Value)
		case se.GoType != nil && len(se.JSONValue) > 0:
			return fieldErr(field, "expected %s, got %s", se.GoType, se.JSONValue)
		case se.GoType != nil && se.JSONKind != 0:
			return fieldErr(field, "expected %s, got %s", se.GoType, kindName(se.JSONKind))
		}
		return fieldErr(field, "%v", se.Err)
	}
	var syn *jsontext.SyntacticError
	if errors.As(err, &syn) {
		return fieldErr(joinPath(prefix, pointerPath(syn.JSONPointer)), "malformed JSON at byte %d: %v", syn.ByteOffset, syn.Err)
	}
	if prefix == "" {
		return fieldErr("line", "%v", err)
	}
	return fieldErr(prefix, "%v", err)
}

// pointerPath writes a JSON pointer (/case/charges/0/offence) the way
// habeas names fields elsewhere (case.charges[0].offence).
func pointerPath(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil && tok != "" && tok[0] != '-' {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return k.String()
}

func joinPath(prefix, f string) string {
	switch {
	case prefix == "":
		return f
	case f == "":
		return prefix
	case f[0] == '[':
		return prefix + f
	}
	return prefix + "." + f
}

// ViaDemo is the Via of every event the demo generator writes (it sets it
// itself, whoever loads it). A register whose first event came through it
// is synthetic: no person or prison figure in it is real. The first event
// is kept, hashed, in every backup, so a restored demo is still known for
// what it is; and the demo refuses a register that already holds anything,
// so nothing real is mixed into one.
const ViaDemo = "habeas demo"

// SyntheticVia reports whether an event recorded through via was written
// by the demo.
func SyntheticVia(via string) bool { return via == ViaDemo }
