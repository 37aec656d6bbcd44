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

// DeclaredKind is what a declared figure counts.
type DeclaredKind string

const (
	// DeclaredReleases counts people released.
	DeclaredReleases DeclaredKind = "releases"
	// DeclaredCleared counts cases cleared (the backlog).
	DeclaredCleared DeclaredKind = "cases_cleared"
	// DeclaredReduction counts how much a population fell, by releases and
	// other measures together (fewer admissions, transfers): UCLA's "Mix".
	DeclaredReduction DeclaredKind = "population_reduction"
)

var DeclaredKinds = []DeclaredKind{DeclaredReleases, DeclaredCleared, DeclaredReduction}

// Nationwide is the area of a declaration about the whole country.
const Nationwide = "nationwide"

// DeclarationData is a figure an authority declared: what it said, when (the
// event's date), where it was published, and what it is about. It may be
// about a pledge (the figure then counts what the pledge counts), or stand
// alone, as the figures monitors collect where they have no register: a
// number released from a province's prisons, by a mechanism or for reasons
// the authority gave.
//
// Every field added after the first version is optional and left out of the
// JSON when empty, so that declarations recorded before decode, and encode,
// as they were (the ledger hashes their bytes).
type DeclarationData struct {
	Pledge     string `json:"pledge,omitempty"` // "" for a declaration not about a pledge
	Figure     int    `json:"figure"`
	AsOf       Date   `json:"as_of,omitempty"` // the date the figure counts up to (the period's end); the event's date when empty
	DeclaredBy string `json:"declared_by"`
	Source     string `json:"source"`
	Note       string `json:"note,omitempty"`
	// Counts is what the figure counts; required without a pledge (a
	// pledge's figure counts what the pledge counts).
	Counts DeclaredKind `json:"counts,omitempty"`
	// From is the first day of the period the figure covers, when said.
	From Date `json:"from,omitempty"`
	// Where: a registered facility, or an area the register need not know
	// (a province, a state, "nationwide", a facility of another country).
	Facility string `json:"facility,omitempty"`
	Area     string `json:"area,omitempty"`
	// Mechanism is the legal mechanism of the releases, when one was named.
	Mechanism Mechanism `json:"mechanism,omitempty"`
	// Reasons are the authority's own categories of why people were
	// released ("vulnerable populations"); a figure may carry several, so
	// figures per reason do not add up to the total.
	Reasons []string `json:"reasons,omitempty"`
	Group   Group    `json:"group,omitempty"` // the group released, when one was named
	// PopulationBefore is the population the authority gave for before the
	// releases; nil when not given.
	PopulationBefore *int `json:"population_before,omitempty"`
}

// Kind is what the figure counts, given the kind of its pledge ("" when
// it has none).
func (d *DeclarationData) Kind(pledge PledgeKind) DeclaredKind {
	if d.Counts != "" {
		return d.Counts
	}
	if pledge == PledgeBacklog {
		return DeclaredCleared
	}
	return DeclaredReleases
}

// Place is where the declaration is about, in words: the facility or area,
// "" when it says neither.
func (d *DeclarationData) Place() string {
	if d.Facility != "" {
		return d.Facility
	}
	return d.Area
}

// Validate checks a declaration on its own (date is the event's); that the
// pledge and the facility exist is the ledger's check.
func (d *DeclarationData) Validate(date Date) error {
	blank := func(s string) bool { return strings.TrimSpace(s) == "" }
	switch {
	case d.Figure < 0:
		return fieldErr("data.figure", "must not be negative")
	case blank(d.DeclaredBy):
		return fieldErr("data.declared_by", "missing: who declared the figure")
	case blank(d.Source):
		return fieldErr("data.source", "missing: a declared figure needs its source (a statement, a report, an article)")
	case d.AsOf != NoDate && d.AsOf > date:
		return fieldErr("data.as_of", "%s is after the declaration's date %s", d.AsOf, date)
	case d.Counts != "" && !In(d.Counts, DeclaredKinds):
		return fieldErr("data.counts", "unknown %q (one of %s)", d.Counts, joinAny(DeclaredKinds))
	case blank(d.Pledge) && d.Counts == "":
		return fieldErr("data.counts", "missing: a declaration not about a pledge must say what its figure counts (%s)", joinAny(DeclaredKinds))
	case blank(d.Pledge) && blank(d.Facility) && blank(d.Area):
		return fieldErr("data.area", "missing: a declaration not about a pledge must say where: a facility, or an area (a province, a state, %q)", Nationwide)
	case !blank(d.Facility) && !blank(d.Area):
		return fieldErr("data.area", "give a facility or an area, not both (%q and %q)", d.Facility, d.Area)
	case d.Mechanism != "" && !In(d.Mechanism, Mechanisms):
		return fieldErr("data.mechanism", "unknown mechanism %q (one of %s)", d.Mechanism, joinAny(Mechanisms))
	case d.Group != "" && !In(d.Group, ReleaseGroups):
		return fieldErr("data.group", "unknown group %q (one of %s)", d.Group, joinAny(ReleaseGroups))
	case d.PopulationBefore != nil && *d.PopulationBefore < 0:
		return fieldErr("data.population_before", "must not be negative")
	}
	end := d.AsOf
	if end == NoDate {
		end = date
	}
	if d.From != NoDate && d.From > end {
		return fieldErr("data.from", "%s is after the end of the period, %s", d.From, end)
	}
	for i, r := range d.Reasons {
		if blank(r) {
			return fieldErr(fmt.Sprintf("data.reasons[%d]", i), "empty")
		}
		if slices.Contains(d.Reasons[:i], r) {
			return fieldErr(fmt.Sprintf("data.reasons[%d]", i), "%q is given twice", r)
		}
	}
	if d.Counts == DeclaredCleared && (d.Mechanism != "" || d.Group != "" || len(d.Reasons) > 0) {
		return fieldErr("data.counts", "a figure of cases cleared counts cases, not releases: leave mechanism, reasons and group out")
	}
	return nil
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
		return d.Validate(date)
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
	// Declarations are the declared figures not about a pledge, by date.
	Declarations []Declaration
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
			if d.Pledge == "" {
				c.Declarations = append(c.Declarations, Declaration{DeclarationData: *d, Date: ev.Date})
			} else if p := pledges[d.Pledge]; p != nil {
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
	slices.SortStableFunc(c.Declarations, func(a, b Declaration) int { return int(a.Date) - int(b.Date) })
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
