package domain

import (
	"fmt"
	"sort"
)

// FacilityLookup answers what the person fold needs to know about the estate.
type FacilityLookup interface {
	FacilityKind(id string) (FacilityKind, bool)
}

// Stay is a stretch of time during which a person was held in one facility
// and cell with one legal status and one drug-charge flag. Population on a day
// D is the number of stays with From <= D < To: people admitted on D count,
// people released on D do not (counts are taken at the end of the day).
type Stay struct {
	Person   string
	Facility string
	Cell     string
	From     Date
	To       Date // OpenEnd while it lasts
	Status   LegalStatus
	Drug     bool
	Sex      Sex
	DOB      Date
}

// Episode is one period of custody from admission to its end.
type Episode struct {
	Person      string
	N           int // 1 for the first admission of the person
	Admitted    Date
	FacilityIn  string
	Ended       Date // OpenEnd while in custody
	EndKind     Kind // release, death or escape; empty while open
	Mechanism   Mechanism
	FacilityOut string
	StatusAtEnd LegalStatus
	Drug        bool
}

// FlagKind is a vulnerability that lasts for a period.
type FlagKind string

const (
	FlagPregnant   FlagKind = "pregnant"
	FlagChild      FlagKind = "child_with_mother" // a child living with the person in custody
	FlagDependent  FlagKind = "dependent_child"
	FlagChronic    FlagKind = "chronic_illness"
	FlagMental     FlagKind = "mental_illness"
	FlagDisability FlagKind = "disability"
)

// Flag is a vulnerability with its period. For children living in custody,
// ChildDOB is the child's date of birth.
type Flag struct {
	Person   string
	Kind     FlagKind
	From     Date
	To       Date
	ChildDOB Date
	Detail   string
}

// PersonState is a person's situation after the events folded so far.
type PersonState struct {
	InCustody         bool
	Facility          string
	Cell              string
	Status            LegalStatus
	StatusSince       Date
	Admitted          Date // start of the current (or last) episode
	ArrestedAt        string
	Order             *Order
	Extensions        int
	Case              *Case
	Sentence          *Sentence
	ReductionMonths   int // sentence reductions granted, in months and days
	ReductionDays     int
	RepeatOffender    bool
	PriorPrison5y     bool
	ProsecutionAppeal bool
	PretrialDays      int // days spent untried over all episodes up to LastDate
	Exit              Kind
	ExitDate          Date
	Mechanism         Mechanism
	LastDate          Date
	Dead              bool

	// EpisodePretrialDays is PretrialDays for the current (or last) episode
	// only: the limits of pre-trial detention run per custody, and a person
	// released and re-arrested starts again. Like PretrialDays it counts the
	// untried stretches that have ended; the open one runs from StatusSince.
	EpisodePretrialDays int
	// FirstAppearance is the first date of the current episode on which the
	// person is known to have been before a judge: admitted under a status
	// other than police custody, the end of police custody, or a hearing.
	// NoDate while that has not happened.
	FirstAppearance Date
	// Verdict is the outcome of the last verdict of the current episode
	// (OutcomeConvicted, OutcomeAcquitted, OutcomeDismissed; empty before
	// any), given on VerdictDate, final or not.
	Verdict      string
	VerdictDate  Date
	VerdictFinal bool
	// CaseAdmitted is the person's first admission on the current case, in
	// this episode or an earlier one: the act the case is about cannot
	// have been later. NoDate when the case has no number.
	CaseAdmitted Date

	// The verdicts of the current episode, kept so that screening can list
	// a record that cannot be right: a conviction after an acquittal (or a
	// dismissal) with no appeal between them. AcquittedOn and ConvictedOn
	// are the dates of the last acquittal or dismissal and of the last
	// conviction (NoDate when none); ConvictedAfterAcquittal is set by a
	// conviction whose preceding verdict was an acquittal or a dismissal;
	// AppealAfterAcquittal by an appeal recorded after one and before any
	// verdict that followed it.
	AcquittedOn             Date
	ConvictedOn             Date
	ConvictedAfterAcquittal bool
	AppealAfterAcquittal    bool
}

// PretrialPeriod is a stretch of untried detention (police custody or
// pre-trial detention) that has ended, with the case it was on: the limits
// of pre-trial detention are counted per case, and a person released under
// judicial supervision and detained again on the same case has used up the
// earlier days (CPC Arts. 205-209; screening's pretrial_cumulative).
type PretrialPeriod struct {
	Case    string // "" when the case has no number: it cannot be matched
	Episode int    // Episode.N of the custody it belongs to
	From    Date
	To      Date // the day it ended (released, tried): To - From days
}

// Days is the length of the period, the day it began counting as day 0.
func (p PretrialPeriod) Days() int { return p.To.DaysSince(p.From) }

// caseStart is the first admission of a person on a case.
type caseStart struct {
	id       string
	admitted Date
}

// PersonFile is the projection of the ledger for one person.
type PersonFile struct {
	ID         string
	Registered bool
	// identitySeq is the ledger sequence of the identity in force: the last
	// entered wins, whatever its date, so that refolding in date order gives
	// the same identity as entering in ledger order.
	identitySeq int64
	Identity    PersonData
	State       PersonState
	Stays       []Stay
	Episodes    []Episode
	Flags       []Flag
	// Pretrial lists the ended stretches of untried detention, in date
	// order; stretches of one custody that follow each other (police
	// custody, then pre-trial detention) are one period.
	Pretrial []PretrialPeriod
	// cases are the cases the person has been held on, each with its first
	// admission (PersonState.CaseAdmitted).
	cases []caseStart
}

// caseAdmitted is the first admission on case id, which is d when the
// person has not been held on that case before.
func (f *PersonFile) caseAdmitted(id string, d Date) Date {
	if id == "" {
		return NoDate
	}
	for _, c := range f.cases {
		if c.id == id {
			return c.admitted
		}
	}
	f.cases = append(f.cases, caseStart{id, d})
	return d
}

func (f *PersonFile) drug() bool {
	if f.State.Case == nil {
		return false
	}
	for _, c := range f.State.Case.Charges {
		if c.Drug {
			return true
		}
	}
	return false
}

// openStay closes the current stay (if any) at d and opens one reflecting the
// present state, so that every change of facility, cell, status or drug flag
// starts a new stay.
func (f *PersonFile) restay(d Date) {
	if n := len(f.Stays); n > 0 && f.Stays[n-1].To == OpenEnd {
		f.Stays[n-1].To = d
		if f.Stays[n-1].From == d {
			f.Stays = f.Stays[:n-1]
		}
	}
	if !f.State.InCustody {
		return
	}
	f.Stays = append(f.Stays, Stay{Person: f.ID, Facility: f.State.Facility, Cell: f.State.Cell, From: d, To: OpenEnd,
		Status: f.State.Status, Drug: f.drug(), Sex: f.Identity.Sex, DOB: f.Identity.DOB})
}

// endUntried closes the open stretch of untried detention at d.
func (f *PersonFile) endUntried(d Date) {
	s := &f.State
	n := d.DaysSince(s.StatusSince)
	s.PretrialDays += n
	s.EpisodePretrialDays += n
	if n <= 0 {
		return
	}
	c := ""
	if s.Case != nil {
		c = s.Case.ID
	}
	ep := len(f.Episodes)
	if k := len(f.Pretrial); k > 0 {
		if p := &f.Pretrial[k-1]; p.Episode == ep && p.Case == c && p.To == s.StatusSince {
			p.To = d
			return
		}
	}
	f.Pretrial = append(f.Pretrial, PretrialPeriod{Case: c, Episode: ep, From: s.StatusSince, To: d})
}

// EarlierPretrial lists the periods of untried detention on case id in
// custody episodes before the current (or last) one. A case with no number
// has none: nothing says two such custodies are on the same case.
func (f *PersonFile) EarlierPretrial(id string) []PretrialPeriod {
	if id == "" {
		return nil
	}
	var out []PretrialPeriod
	for _, p := range f.Pretrial {
		if p.Case == id && p.Episode < len(f.Episodes) {
			out = append(out, p)
		}
	}
	return out
}

func (f *PersonFile) setStatus(s LegalStatus, d Date) {
	if s == "" || s == f.State.Status {
		return
	}
	if f.State.Status.Untried() {
		f.endUntried(d)
	}
	if f.State.Status == StatusPolice && f.State.FirstAppearance == NoDate {
		f.State.FirstAppearance = d
	}
	f.State.Status = s
	f.State.StatusSince = d
}

func (f *PersonFile) openFlag(k FlagKind, d Date, childDOB Date, detail string) {
	f.Flags = append(f.Flags, Flag{Person: f.ID, Kind: k, From: d, To: OpenEnd, ChildDOB: childDOB, Detail: detail})
}

// closeFlags ends open flags of the kind (all kinds when k is empty); for a
// child, only the first open one (or the one with the given date of birth).
func (f *PersonFile) closeFlags(k FlagKind, d Date, childDOB Date) bool {
	closed := false
	for i := range f.Flags {
		fl := &f.Flags[i]
		if fl.To != OpenEnd || (k != "" && fl.Kind != k) {
			continue
		}
		if k == FlagChild && childDOB != NoDate && fl.ChildDOB != childDOB {
			continue
		}
		fl.To = d
		closed = true
		if k == FlagChild {
			return true
		}
	}
	return closed
}

// endCondition closes the open illness or disability whose detail matches,
// or, with no detail, the one recorded last.
func (f *PersonFile) endCondition(d Date, detail string) bool {
	for i := len(f.Flags) - 1; i >= 0; i-- {
		fl := &f.Flags[i]
		switch fl.Kind {
		case FlagChronic, FlagMental, FlagDisability:
		default:
			continue
		}
		if fl.To == OpenEnd && (detail == "" || fl.Detail == detail) {
			fl.To = d
			return true
		}
	}
	return false
}

func (f *PersonFile) endEpisode(ev *Event, mech Mechanism) {
	d := ev.Date
	// Flags describe the person during this custody: children leave with
	// their mother, and a pregnancy or an illness must be recorded again at a
	// later admission (it may have ended in between).
	for i := range f.Flags {
		if f.Flags[i].To == OpenEnd {
			f.Flags[i].To = d
		}
	}
	if f.State.Status.Untried() {
		f.endUntried(d)
	}
	st := f.State.Status
	f.State.InCustody = false
	f.State.Exit = ev.Kind
	f.State.ExitDate = d
	f.State.Mechanism = mech
	f.restay(d)
	if n := len(f.Episodes); n > 0 {
		e := &f.Episodes[n-1]
		e.Ended, e.EndKind, e.Mechanism, e.FacilityOut, e.StatusAtEnd = d, ev.Kind, mech, f.State.Facility, st
	}
}

// identify applies a registration or an update of identity: the last
// entered wins, whatever its date.
func (f *PersonFile) identify(ev *Event) {
	if f.Registered && ev.Seq < f.identitySeq {
		return
	}
	p := ev.Data.(*PersonData)
	f.identitySeq = ev.Seq
	f.Identity = *p
	f.Registered = true
	for i := range f.Stays {
		f.Stays[i].Sex, f.Stays[i].DOB = p.Sex, p.DOB
	}
}

// Apply folds one event into the file, or says why the event cannot happen
// to this person now. The file is unchanged when an error is returned only
// for the checks made before any change; callers that need atomicity keep a
// copy (Clone).
func (f *PersonFile) Apply(ev *Event, fac FacilityLookup) error {
	if !ev.Kind.PersonKind() || ev.Kind == KCorrection {
		return fieldErr("kind", "%s is not an event of a person's file", ev.Kind)
	}
	if ev.Kind == KFollowUp {
		// The staff's work on the person, not custody: it changes nothing
		// the file keeps, and it does not count as the person's last event
		// (a custody event entered after a follow-up step of a later date
		// is not late).
		return nil
	}
	if ev.Kind == KPerson {
		// Identity is a property of the person, not of a period: an update
		// (a date of birth established by a document, say) applies to the
		// whole file, so every stay carries the identity as now known.
		if ev.Date > f.State.LastDate {
			f.State.LastDate = ev.Date
		}
		f.identify(ev)
		return nil
	}
	if !f.Registered {
		return fieldErr("person", "unknown person %q (register the person first)", ev.Person)
	}
	if ev.Date < f.State.LastDate {
		return fieldErr("date", "out of order: %s is before this person's last event on %s; enter a correction instead", ev.Date, f.State.LastDate)
	}
	if f.State.Dead {
		return fieldErr("person", "%s is recorded as dead on %s", f.ID, f.State.ExitDate)
	}
	s := &f.State
	if ev.Kind != KAdmission {
		if !s.InCustody {
			return fieldErr("person", "%s is not in custody on %s", f.ID, ev.Date)
		}
		if ev.Facility != "" && ev.Facility != s.Facility {
			return fieldErr("facility", "%s is held in %s, not %s", f.ID, s.Facility, ev.Facility)
		}
	}
	switch d := ev.Data.(type) {
	case *AdmissionData:
		if s.InCustody {
			return fieldErr("person", "%s is already in custody in %s since %s", f.ID, s.Facility, s.Admitted)
		}
		if ev.Facility == "" {
			return fieldErr("facility", "missing: the admitting facility")
		}
		if _, ok := fac.FacilityKind(ev.Facility); !ok {
			return fieldErr("facility", "unknown facility %q", ev.Facility)
		}
		// The status is one the law knows: AdmissionData.Validate, which
		// every event passes before it is written.
		ps := s.PretrialDays
		*s = PersonState{InCustody: true, Facility: ev.Facility, Cell: d.Cell, Status: d.Status, StatusSince: ev.Date,
			Admitted: ev.Date, ArrestedAt: d.ArrestedAt, Order: d.Order, Case: d.Case,
			RepeatOffender: d.RepeatOffender, PriorPrison5y: d.PriorPrison5y, PretrialDays: ps}
		if d.Status != StatusPolice {
			s.FirstAppearance = ev.Date
		}
		if d.Case != nil {
			s.CaseAdmitted = f.caseAdmitted(d.Case.ID, ev.Date)
		}
		f.Episodes = append(f.Episodes, Episode{Person: f.ID, N: len(f.Episodes) + 1, Admitted: ev.Date,
			FacilityIn: ev.Facility, Ended: OpenEnd, Drug: false})
		f.restay(ev.Date)
		f.Episodes[len(f.Episodes)-1].Drug = f.drug()
	case *TransferData:
		if _, ok := fac.FacilityKind(d.To); !ok {
			return fieldErr("data.to", "unknown facility %q", d.To)
		}
		if d.To == s.Facility {
			return fieldErr("data.to", "%s is already held in %s", f.ID, d.To)
		}
		s.Facility, s.Cell = d.To, d.Cell
		f.restay(ev.Date)
	case *CellAssignData:
		s.Cell = d.Cell
		f.restay(ev.Date)
	case *ChargeData:
		if s.Case == nil {
			s.Case = &Case{ID: d.Case, Procedure: ProcOrdinary}
		} else {
			c := *s.Case
			s.Case = &c
		}
		s.Case.Charges = d.Charges
		if s.CaseAdmitted == NoDate {
			s.CaseAdmitted = f.caseAdmitted(s.Case.ID, s.Admitted)
		}
		f.restay(ev.Date)
		if n := len(f.Episodes); n > 0 && f.drug() {
			f.Episodes[n-1].Drug = true
		}
	case *OrderData:
		o := d.Order
		s.Order = &o
		if ev.Kind == KExtension {
			s.Extensions++
		}
		if d.Status != "" {
			if !In(d.Status, LegalStatuses) {
				return fieldErr("data.status", "unknown legal status %q", d.Status)
			}
			f.setStatus(d.Status, ev.Date)
			f.restay(ev.Date)
		}
	case *HearingData:
		// A hearing is an appearance before a judge; otherwise it changes no
		// state the projections keep (it stays in the ledger, Mandela Rule 8).
		if s.FirstAppearance == NoDate {
			s.FirstAppearance = ev.Date
		}
	case *ComplaintData, *DisciplineData:
		// These change no state the projections keep; they stay in the ledger
		// for the person's file (Mandela Rule 8) and for screening facts.
	case *VerdictData:
		switch d.Outcome {
		case OutcomeConvicted:
			if d.Sentence != nil {
				sc := *d.Sentence
				s.Sentence = &sc
			}
			st := StatusAppeal
			if d.Final {
				st = StatusFinal
			}
			f.setStatus(st, ev.Date)
			s.Order = &Order{Kind: OrderJudgment, Authority: d.Court, Reference: d.Case, Issued: ev.Date}
			s.ConvictedAfterAcquittal = s.Verdict == OutcomeAcquitted || s.Verdict == OutcomeDismissed
			s.ConvictedOn = ev.Date
		case OutcomeAcquitted, OutcomeDismissed:
			// The earlier order held the person for a charge this judgment
			// ends: it stays on file as the last order, and screening
			// reads the verdict, not the order, from now on.
			s.Sentence = nil
			f.setStatus(StatusAcquitted, ev.Date)
			s.AcquittedOn, s.ConvictedAfterAcquittal, s.AppealAfterAcquittal = ev.Date, false, false
		default:
			return fieldErr("data.outcome", "must be %q, %q or %q, not %q", OutcomeConvicted, OutcomeAcquitted, OutcomeDismissed, d.Outcome)
		}
		// A verdict decides what an earlier appeal asked for: an appeal by
		// the prosecution is pending only when lodged against this one.
		s.ProsecutionAppeal = false
		s.Verdict, s.VerdictDate, s.VerdictFinal = d.Outcome, ev.Date, d.Final
		f.restay(ev.Date)
	case *AppealData:
		if d.By == "prosecution" {
			s.ProsecutionAppeal = true
		}
		if s.Verdict == OutcomeAcquitted || s.Verdict == OutcomeDismissed {
			s.AppealAfterAcquittal = true
		}
		if s.Status == StatusFinal {
			f.setStatus(StatusAppeal, ev.Date)
			f.restay(ev.Date)
		}
	case *HealthData:
		switch d.Fact {
		case FactPregnant:
			f.openFlag(FlagPregnant, ev.Date, d.Due, d.Detail)
		case FactPregnancyEnd:
			f.closeFlags(FlagPregnant, ev.Date, NoDate)
		case FactChronic:
			f.openFlag(FlagChronic, ev.Date, NoDate, d.Detail)
		case FactMental:
			f.openFlag(FlagMental, ev.Date, NoDate, d.Detail)
		case FactDisability:
			f.openFlag(FlagDisability, ev.Date, NoDate, d.Detail)
		case FactDependent:
			f.openFlag(FlagDependent, ev.Date, d.ChildDOB, d.Detail)
		case FactConditionEnd:
			if !f.endCondition(ev.Date, d.Detail) {
				return fieldErr("data.fact", "no open illness or disability of %s matches %q", f.ID, d.Detail)
			}
		case FactChildIn:
			f.openFlag(FlagChild, ev.Date, d.ChildDOB, "")
		case FactChildOut:
			if !f.closeFlags(FlagChild, ev.Date, d.ChildDOB) {
				return fieldErr("data.fact", "no child is recorded as living with %s", f.ID)
			}
		case FactCovid:
		default:
			return fieldErr("data.fact", "unknown health fact %q", d.Fact)
		}
	case *ReductionData:
		s.ReductionMonths += d.Months
		s.ReductionDays += d.Days
	case *ReleaseData:
		if !In(d.Mechanism, Mechanisms) {
			return fieldErr("data.mechanism", "unknown release mechanism %q", d.Mechanism)
		}
		f.endEpisode(ev, d.Mechanism)
	case *DeathData:
		f.endEpisode(ev, "")
		s.Dead = true
	case *EscapeData:
		f.endEpisode(ev, "")
	default:
		return fieldErr("kind", "no projection for %s", ev.Kind)
	}
	if ev.Date > s.LastDate {
		s.LastDate = ev.Date
	}
	return nil
}

// Clone copies the file deeply enough that applying events to the copy leaves
// the original untouched.
func (f *PersonFile) Clone() *PersonFile {
	c := *f
	c.Stays = append([]Stay(nil), f.Stays...)
	c.Episodes = append([]Episode(nil), f.Episodes...)
	c.Flags = append([]Flag(nil), f.Flags...)
	c.cases = append([]caseStart(nil), f.cases...)
	c.Pretrial = append([]PretrialPeriod(nil), f.Pretrial...)
	return &c
}

// Effective applies corrections to a person's events: superseded events are
// replaced by their latest correction or dropped when voided; the result is
// in order of date, then of original sequence.
func Effective(events []*Event) []*Event {
	var corr map[int64]*CorrectionData
	for _, ev := range events {
		if c, ok := ev.Data.(*CorrectionData); ok {
			if corr == nil {
				corr = map[int64]*CorrectionData{}
			}
			corr[c.Target] = c
		}
	}
	if corr == nil {
		if sort.SliceIsSorted(events, func(i, j int) bool { return events[i].Date < events[j].Date }) {
			return events
		}
		out := append([]*Event(nil), events...)
		sort.SliceStable(out, func(i, j int) bool { return out[i].Date < out[j].Date })
		return out
	}
	out := make([]*Event, 0, len(events))
	for _, ev := range events {
		if ev.Kind == KCorrection {
			continue
		}
		c, ok := corr[ev.Seq]
		if !ok {
			out = append(out, ev)
			continue
		}
		if c.Void {
			continue
		}
		r := *ev
		r.Date, r.Data = c.Date, c.Data
		if c.Facility != "" {
			r.Facility = c.Facility
		}
		out = append(out, &r)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out
}

// registerEarly reads the file as registered from its first event, effs[i],
// when that event belongs to an earlier custody entered late (found in an
// old register, say): one before a later admission on or after the
// registration, at which the person was registered. The identity is the
// person's, not a period's. An event before the registration with no
// custody after it is more likely a wrong date, of the event or of the
// registration, and stays refused ("register the person first"). The
// registration is folded again in its place (it sets the file's last date).
func (f *PersonFile) registerEarly(effs []*Event, i int) {
	for j := i + 1; j < len(effs); j++ {
		r := effs[j]
		if r.Kind != KPerson {
			continue
		}
		for _, a := range effs[i+1:] {
			if a.Kind == KAdmission && a.Date >= r.Date {
				f.identify(r)
				return
			}
		}
		return
	}
}

// Project folds a person's ledger events (in sequence order, corrections
// included) into their file. Events dated after asOf are ignored when asOf is
// set, which is how a file is seen as of a past date.
func Project(id string, events []*Event, fac FacilityLookup, asOf Date) (*PersonFile, error) {
	f := &PersonFile{ID: id}
	effs := Effective(events)
	for i, ev := range effs {
		if asOf != NoDate && ev.Date > asOf {
			break
		}
		if !f.Registered && ev.Kind != KPerson {
			f.registerEarly(effs, i)
		}
		if err := f.Apply(ev, fac); err != nil {
			return f, fmt.Errorf("event %d (%s, %s): %w", ev.Seq, ev.Kind, ev.Date, err)
		}
	}
	return f, nil
}
