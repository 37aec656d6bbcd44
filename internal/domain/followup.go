package domain

// Follow-ups are the staff's work on a person the screening lists: who took
// the case and what was done about it (issue 16, item 10). Each step is an
// event of the ledger, so who did what, and when, is as checkable as any
// custody event; the state a follow-up is in is derived from its steps when
// read (FollowUpState), never stored.

// KFollowUp is a step of a person's follow-up.
const KFollowUp Kind = "follow_up"

// FollowUpAction is what a step of a follow-up records. The strings are the
// interchange format; never rename one.
type FollowUpAction string

const (
	FollowTake       FollowUpAction = "take"              // taken by (assigned to) a user
	FollowPetition   FollowUpAction = "petition_filed"    // a petition for release filed
	FollowHearing    FollowUpAction = "hearing_requested" // a hearing asked of the court
	FollowReleased   FollowUpAction = "released"          // the follow-up ended in a release
	FollowNotPursued FollowUpAction = "not_pursued"       // dropped, with a coded reason
	FollowSnoozed    FollowUpAction = "snoozed"           // set aside until a date
)

// FollowUpActions in the order they are offered.
var FollowUpActions = []FollowUpAction{FollowTake, FollowPetition, FollowHearing, FollowReleased, FollowNotPursued, FollowSnoozed}

// NotPursuedReason is why a follow-up is not pursued.
type NotPursuedReason string

const (
	ReasonNotEligible NotPursuedReason = "not_eligible"      // not eligible on review
	ReasonRefused     NotPursuedReason = "court_refused"     // the court refused
	ReasonDeclined    NotPursuedReason = "person_declined"   // the person declined
	ReasonDocuments   NotPursuedReason = "documents_awaited" // documents awaited
	ReasonOther       NotPursuedReason = "other"             // other: the note says what
)

// NotPursuedReasons in the order they are offered.
var NotPursuedReasons = []NotPursuedReason{ReasonNotEligible, ReasonRefused, ReasonDeclined, ReasonDocuments, ReasonOther}

// FollowUpData is one step of a person's follow-up. Rule, when given, is the
// rule of the pack the follow-up concerns; its kind (unlawful, review,
// eligible, priority) decides when the follow-up closes by itself.
type FollowUpData struct {
	Action   FollowUpAction   `json:"action"`
	Rule     string           `json:"rule,omitempty"`
	Assignee string           `json:"assignee,omitempty"` // for take: the user it is assigned to
	Reason   NotPursuedReason `json:"reason,omitempty"`   // for not_pursued
	Until    Date             `json:"until,omitempty"`    // for snoozed: the first day it is back
	Note     string           `json:"note,omitempty"`     // required with the reason "other"
}

// Validate checks a step of a follow-up: each action carries its own
// fields and no other's (a field that does not belong to the action would
// be dropped by the reader of the step, so it is refused). That a snooze
// ends after the step's date is checked with the envelope.
func (d *FollowUpData) Validate() error {
	if !In(d.Action, FollowUpActions) {
		return Invalid("action", "must be one of take, petition_filed, hearing_requested, released, not_pursued, snoozed, not %q", d.Action)
	}
	switch {
	case d.Action == FollowTake && blank(d.Assignee):
		return Invalid("assignee", "missing: the user who takes the follow-up")
	case d.Action != FollowTake && d.Assignee != "":
		return Invalid("assignee", "only a step taking the follow-up names an assignee")
	case d.Action == FollowNotPursued && d.Reason == "":
		return Invalid("reason", "missing: why the follow-up is not pursued")
	case d.Action != FollowNotPursued && d.Reason != "":
		return Invalid("reason", "only a step not pursuing the follow-up gives a reason")
	case d.Reason != "" && !In(d.Reason, NotPursuedReasons):
		return Invalid("reason", "must be one of not_eligible, court_refused, person_declined, documents_awaited, other, not %q", d.Reason)
	case d.Reason == ReasonOther && blank(d.Note):
		return Invalid("note", "missing: say why, when the reason is \"other\"")
	case d.Action == FollowSnoozed && d.Until == NoDate:
		return Invalid("until", "missing: the date the follow-up is back")
	case d.Action != FollowSnoozed && d.Until != NoDate:
		return Invalid("until", "only a snoozed follow-up has a date it is back")
	}
	return nil
}

// validateFollowUp checks what ties a step to its envelope.
func validateFollowUp(ev *Event, d *FollowUpData) error {
	if err := d.Validate(); err != nil {
		return InField("data", err)
	}
	if d.Until != NoDate && d.Until <= ev.Date {
		return Invalid("data.until", "%s is not after the step's date %s: a follow-up is snoozed until a later day", d.Until, ev.Date)
	}
	if ev.Facility != "" {
		return Invalid("facility", "a follow-up names no facility: it is the person's, wherever they are held")
	}
	return nil
}
