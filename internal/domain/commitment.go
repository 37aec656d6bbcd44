package domain

import (
	"fmt"
	"slices"
	"strings"
)

// PledgeKind says what a pledge counts.
type PledgeKind string

const (
	// PledgeReleases counts releases recorded in the register.
	PledgeReleases PledgeKind = "releases"
	// PledgeBacklog counts cases cleared: first-instance verdicts recorded in
	// the register, or figures declared where the register has no cases.
	PledgeBacklog PledgeKind = "cases_cleared"
)

var PledgeKinds = []PledgeKind{PledgeReleases, PledgeBacklog}

// Group is a group of people the public report and pledges count releases
// and population by: the groups the 2020 statement asked to release first,
// and the legal situations it asked to be counted.
type Group string

const (
	GroupWomen    Group = "women"
	GroupMinors   Group = "minors"             // under 18 on the date
	GroupOlder    Group = "older"              // 60 or older on the date
	GroupIll      Group = "ill"                // chronic or mental illness, or disability
	GroupPregnant Group = "pregnant"           //
	GroupMothers  Group = "mothers"            // held with a child living with them
	GroupPretrial Group = "pretrial"           // not finally convicted
	GroupDrug     Group = "drug_related"       // held on a drug charge
	GroupNoBasis  Group = "held_without_basis" // found unlawful by screening (counts only)
)

// ReleaseGroups are the groups a release can be counted in.
var ReleaseGroups = []Group{GroupWomen, GroupMinors, GroupOlder, GroupIll, GroupPregnant, GroupMothers, GroupPretrial, GroupDrug}

// OlderAge is the age from which the report counts a person as older.
const OlderAge = 60

// PledgeData declares a pledge, or amends one recorded before with the same
// id (the latest entry is in force; the ledger keeps every version). The
// event's date is the day it was announced.
type PledgeData struct {
	ID       string     `json:"id"`
	Title    string     `json:"title"`
	MadeBy   string     `json:"made_by"`
	Kind     PledgeKind `json:"kind"`
	Start    Date       `json:"start"`    // counting starts on this day
	Deadline Date       `json:"deadline"` // and ends on this day
	Target   int        `json:"target"`
	// What counts toward a release pledge; empty means any.
	Mechanisms []Mechanism `json:"mechanisms,omitempty"`
	Groups     []Group     `json:"groups,omitempty"` // a release counts when the person is in any of them
	Facilities []string    `json:"facilities,omitempty"`
	Source     string      `json:"source"`
	Note       string      `json:"note,omitempty"`
}

// DeclarationData is a figure an authority declared against a pledge: what
// it said, when (the event's date) and where it was published.
type DeclarationData struct {
	Pledge     string `json:"pledge"`
	Figure     int    `json:"figure"`
	AsOf       Date   `json:"as_of,omitempty"` // the date the figure counts up to; the event's date when empty
	DeclaredBy string `json:"declared_by"`
	Source     string `json:"source"`
	Note       string `json:"note,omitempty"`
}

// ReformStatus is where a promised reform stands.
type ReformStatus string

const (
	ReformAnnounced   ReformStatus = "announced"
	ReformInProgress  ReformStatus = "in_progress"
	ReformPartial     ReformStatus = "partially_implemented"
	ReformImplemented ReformStatus = "implemented"
	ReformStalled     ReformStatus = "stalled"
	ReformAbandoned   ReformStatus = "abandoned"
	ReformDemanded    ReformStatus = "demanded" // asked for by monitors, not (yet) promised
)

var ReformStatuses = []ReformStatus{ReformAnnounced, ReformInProgress, ReformPartial, ReformImplemented, ReformStalled, ReformAbandoned, ReformDemanded}

// ReformData records a reform commitment (the first entry of an id, which
// must carry the title) or a later change of its status. The event's date is
// the date of the status.
type ReformData struct {
	ID         string       `json:"id"`
	Title      string       `json:"title,omitempty"`
	PromisedBy string       `json:"promised_by,omitempty"`
	Status     ReformStatus `json:"status"`
	Source     string       `json:"source"`
	Note       string       `json:"note,omitempty"`
}

// ValidateCommitment checks a pledge, declaration or reform on its own; what
// needs the ledger (a declaration's pledge exists, a facility exists) is
// checked by the ledger's writer.
func ValidateCommitment(date Date, data any) error {
	blank := func(s string) bool { return strings.TrimSpace(s) == "" }
	switch d := data.(type) {
	case *PledgeData:
		switch {
		case blank(d.ID):
			return fieldErr("data.id", "missing: a short identifier for the pledge, e.g. release-10000")
		case blank(d.Title):
			return fieldErr("data.title", "missing")
		case blank(d.MadeBy):
			return fieldErr("data.made_by", "missing: who made the pledge")
		case !In(d.Kind, PledgeKinds):
			return fieldErr("data.kind", "unknown pledge kind %q (one of %s)", d.Kind, joinAny(PledgeKinds))
		case d.Start == NoDate:
			return fieldErr("data.start", "missing: the first day counted")
		case d.Deadline == NoDate:
			return fieldErr("data.deadline", "missing")
		case d.Deadline < d.Start:
			return fieldErr("data.deadline", "%s is before the start, %s", d.Deadline, d.Start)
		case d.Target <= 0:
			return fieldErr("data.target", "must be a positive number")
		case blank(d.Source):
			return fieldErr("data.source", "missing: where the pledge was announced")
		}
		for i, m := range d.Mechanisms {
			if !In(m, Mechanisms) {
				return fieldErr(fmt.Sprintf("data.mechanisms[%d]", i), "unknown mechanism %q", m)
			}
		}
		for i, g := range d.Groups {
			if !In(g, ReleaseGroups) {
				return fieldErr(fmt.Sprintf("data.groups[%d]", i), "unknown group %q (one of %s)", g, joinAny(ReleaseGroups))
			}
		}
		if d.Kind == PledgeBacklog && (len(d.Mechanisms) > 0 || len(d.Groups) > 0) {
			return fieldErr("data.kind", "a cases_cleared pledge counts cases, not releases: leave mechanisms and groups out")
		}
	case *DeclarationData:
		switch {
		case blank(d.Pledge):
			return fieldErr("data.pledge", "missing: the id of the pledge the figure is about")
		case d.Figure < 0:
			return fieldErr("data.figure", "must not be negative")
		case blank(d.DeclaredBy):
			return fieldErr("data.declared_by", "missing: who declared the figure")
		case blank(d.Source):
			return fieldErr("data.source", "missing: a declared figure needs its source (a statement, a report, an article)")
		case d.AsOf != NoDate && d.AsOf > date:
			return fieldErr("data.as_of", "%s is after the declaration's date %s", d.AsOf, date)
		}
	case *ReformData:
		switch {
		case blank(d.ID):
			return fieldErr("data.id", "missing")
		case !In(d.Status, ReformStatuses):
			return fieldErr("data.status", "unknown status %q (one of %s)", d.Status, joinAny(ReformStatuses))
		case blank(d.Source):
			return fieldErr("data.source", "missing: a reform's status needs its source")
		}
	default:
		return fmt.Errorf("not a commitment: %T", data)
	}
	return nil
}

func joinAny[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// Pledge is a pledge as in force, with its declared figures.
type Pledge struct {
	PledgeData
	Announced    Date
	Versions     int // how many times it was recorded (1 = never amended)
	Declarations []Declaration
}

// Declaration is one declared figure.
type Declaration struct {
	DeclarationData
	Date Date
}

// Reform is a reform commitment with its status history, oldest first.
type Reform struct {
	ID         string
	Title      string
	PromisedBy string
	History    []ReformChange
}

// ReformChange is one dated status of a reform.
type ReformChange struct {
	Date   Date
	Status ReformStatus
	Source string
	Note   string
}

// Status is the latest status on or before asOf, and false when the reform
// had none yet.
func (r *Reform) Status(asOf Date) (ReformChange, bool) {
	var out ReformChange
	ok := false
	for _, c := range r.History {
		if c.Date <= asOf {
			out, ok = c, true
		}
	}
	return out, ok
}

// Commitments are the pledges and reforms recorded up to a date.
type Commitments struct {
	Pledges []*Pledge
	Reforms []*Reform
}

// FoldCommitments builds the pledges and reforms from their events (in
// ledger order), keeping only what was announced or declared by asOf.
// Events of other kinds are ignored.
func FoldCommitments(evs []*Event, asOf Date) *Commitments {
	c := &Commitments{}
	pledges := map[string]*Pledge{}
	reforms := map[string]*Reform{}
	for _, ev := range evs {
		if ev.Date > asOf {
			continue
		}
		switch d := ev.Data.(type) {
		case *PledgeData:
			p := pledges[d.ID]
			if p == nil {
				p = &Pledge{Announced: ev.Date}
				pledges[d.ID] = p
				c.Pledges = append(c.Pledges, p)
			}
			p.PledgeData = *d
			p.Versions++
		case *DeclarationData:
			if p := pledges[d.Pledge]; p != nil {
				p.Declarations = append(p.Declarations, Declaration{DeclarationData: *d, Date: ev.Date})
			}
		case *ReformData:
			r := reforms[d.ID]
			if r == nil {
				r = &Reform{ID: d.ID}
				reforms[d.ID] = r
				c.Reforms = append(c.Reforms, r)
			}
			if d.Title != "" {
				r.Title = d.Title
			}
			if d.PromisedBy != "" {
				r.PromisedBy = d.PromisedBy
			}
			r.History = append(r.History, ReformChange{Date: ev.Date, Status: d.Status, Source: d.Source, Note: d.Note})
		}
	}
	for _, r := range c.Reforms {
		// Entered late, a status still belongs at its date.
		slices.SortStableFunc(r.History, func(a, b ReformChange) int { return int(a.Date) - int(b.Date) })
	}
	for _, p := range c.Pledges {
		slices.SortStableFunc(p.Declarations, func(a, b Declaration) int { return int(a.Date) - int(b.Date) })
	}
	return c
}

// Counts reports whether a release with these attributes counts toward the
// pledge.
func (p *PledgeData) Counts(date Date, facility string, mech Mechanism, groups []Group) bool {
	if p.Kind != PledgeReleases || date < p.Start || date > p.Deadline {
		return false
	}
	if len(p.Mechanisms) > 0 && !slices.Contains(p.Mechanisms, mech) {
		return false
	}
	if len(p.Facilities) > 0 && !slices.Contains(p.Facilities, facility) {
		return false
	}
	if len(p.Groups) > 0 && !slices.ContainsFunc(p.Groups, func(g Group) bool { return slices.Contains(groups, g) }) {
		return false
	}
	return true
}
