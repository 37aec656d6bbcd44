package domain

import "fmt"

// A visit is what a monitoring team saw in a facility on a day: the people
// it counted, the cells it measured, what detainees told it, and what it
// recommended to the authorities. The event's Facility is the facility
// visited (a registered one), its Date the day of the visit.

// HeadCount is the headcount a team observed, by category. A nil count is
// unknown (not counted, or not told), which is not zero: a team that counted
// no foreigners writes 0. Categories overlap (a pre-trial woman is in
// Women and Pretrial); Total is everyone present.
type HeadCount struct {
	Total      *int `json:"total,omitempty"`
	Men        *int `json:"men,omitempty"`
	Women      *int `json:"women,omitempty"`
	Children   *int `json:"children,omitempty"` // under 18, detained (not children living with their mothers)
	Pretrial   *int `json:"pretrial,omitempty"` // not finally convicted
	Foreigners *int `json:"foreigners,omitempty"`
}

// HeadCategories are the categories of a HeadCount, in order, with their
// JSON names: what a discrepancy is computed for.
var HeadCategories = []string{"total", "men", "women", "children", "pretrial", "foreigners"}

// Get is the count of a category (see HeadCategories), nil when unknown.
func (h *HeadCount) Get(cat string) *int {
	switch cat {
	case "total":
		return h.Total
	case "men":
		return h.Men
	case "women":
		return h.Women
	case "children":
		return h.Children
	case "pretrial":
		return h.Pretrial
	case "foreigners":
		return h.Foreigners
	}
	return nil
}

// CellUse is how a measured cell is used: the ICRC's floor space per person
// differs for a dormitory (3.4 m²) and a single cell (5.4 m²).
type CellUse string

const (
	CellDormitory CellUse = "dormitory"
	CellSingle    CellUse = "single"
)

var CellUses = []CellUse{CellDormitory, CellSingle}

// Adequacy is a team's judgement of a cell's light or ventilation.
type Adequacy string

const (
	Adequate   Adequacy = "adequate"
	Inadequate Adequacy = "inadequate"
	Absent     Adequacy = "none"
)

var Adequacies = []Adequacy{Adequate, Inadequate, Absent}

// CellMeasure is one cell as the team measured it. Unknown measures are nil.
type CellMeasure struct {
	Label        string   `json:"label"`
	Use          CellUse  `json:"use"`
	AreaM2       float64  `json:"area_m2"`
	People       int      `json:"people"` // present when measured
	WaterPoints  *int     `json:"water_points,omitempty"`
	LitresPerDay *float64 `json:"litres_per_day,omitempty"` // drinking water available to the cell per day
	Toilets      *int     `json:"toilets,omitempty"`
	Light        Adequacy `json:"light,omitempty"`
	Ventilation  Adequacy `json:"ventilation,omitempty"`
	SleepingM2   *float64 `json:"sleeping_m2,omitempty"` // floor given to sleeping, in all
	Note         string   `json:"note,omitempty"`
}

// AllegationKind is what an allegation is of.
type AllegationKind string

const (
	AllegIllTreatment AllegationKind = "ill_treatment"
	AllegTorture      AllegationKind = "torture"
	AllegCorruption   AllegationKind = "corruption"
	AllegMedicalCare  AllegationKind = "denial_of_medical_care"
)

var AllegationKinds = []AllegationKind{AllegIllTreatment, AllegTorture, AllegCorruption, AllegMedicalCare}

// Interview is a conversation with a detainee. It is recorded only with the
// detainee's consent; an anonymous one names no one.
type Interview struct {
	Consent   bool   `json:"consent"`
	Anonymous bool   `json:"anonymous,omitempty"`
	Person    string `json:"person,omitempty"`    // register id, when not anonymous and known to the register
	Pseudonym string `json:"pseudonym,omitempty"` // how the team refers to them otherwise
	Summary   string `json:"summary,omitempty"`
}

// Allegation is something a detainee or witness alleged.
type Allegation struct {
	Kind      AllegationKind `json:"kind"`
	Date      Date           `json:"date"`  // when it happened (or began)
	Place     string         `json:"place"` // where: the facility, a police station, a cell
	Interview *int           `json:"interview,omitempty"`
	Account   string         `json:"account,omitempty"`
}

// VisitRestricted holds what only the visiting organisation may read:
// interviews and allegations. It is what a visit is written with (a form,
// a file, an import); it is never stored as it is: before the visit is
// recorded it is sealed for the organisation (package visits), one record
// per interview with the allegations it gave, and one for allegations
// given otherwise, in VisitData.Sealed. The ledger refuses a visit that
// still carries it.
type VisitRestricted struct {
	Interviews  []Interview  `json:"interviews,omitempty"`
	Allegations []Allegation `json:"allegations,omitempty"`
}

// RecStatus is where a recommendation stands, as national preventive
// mechanisms follow them.
type RecStatus string

const (
	RecAccepted    RecStatus = "accepted"
	RecImplemented RecStatus = "implemented"
	RecPartly      RecStatus = "partly_implemented"
	RecNot         RecStatus = "not_implemented"
)

var RecStatuses = []RecStatus{RecAccepted, RecImplemented, RecPartly, RecNot}

// Recommendation is one the team made to an authority.
type Recommendation struct {
	ID        string `json:"id"` // unique in the register, so that later visits can follow it
	Text      string `json:"text"`
	Addressee string `json:"addressee"`
}

// FollowUp is a recommendation of an earlier visit, as this visit found it.
type FollowUp struct {
	Recommendation string    `json:"recommendation"`
	Status         RecStatus `json:"status"`
	Note           string    `json:"note,omitempty"`
}

// VisitData is a monitoring visit.
type VisitData struct {
	ID              string           `json:"id"`
	Team            []string         `json:"team"`
	Observed        HeadCount        `json:"observed"`
	Cells           []CellMeasure    `json:"cells,omitempty"`
	Recommendations []Recommendation `json:"recommendations,omitempty"`
	FollowUps       []FollowUp       `json:"follow_ups,omitempty"`
	Restricted      *VisitRestricted `json:"restricted,omitempty"`
	// Sealed is the restricted part as stored: records encrypted for the
	// visiting organisation (see VisitRestricted and package visits).
	Sealed []Sealed `json:"sealed,omitempty"`
	Note   string   `json:"note,omitempty"`
}

// SealedRecords returns the visit's sealed records, in part order.
func (d *VisitData) SealedRecords() []*Sealed {
	out := make([]*Sealed, len(d.Sealed))
	for i := range d.Sealed {
		out[i] = &d.Sealed[i]
	}
	return out
}

// Validate checks a visit on its own (date is the visit's): what needs the
// register (the facility, the recommendations followed) is the ledger's.
func (d *VisitData) Validate(date Date) error {
	switch {
	case blank(d.ID):
		return fieldErr("data.id", "missing: a short identifier for the visit, e.g. PP-CC1-2024-03-12")
	case len(d.Team) == 0:
		return fieldErr("data.team", "missing: who visited")
	}
	for i, m := range d.Team {
		if blank(m) {
			return fieldErr(fmt.Sprintf("data.team[%d]", i), "empty")
		}
	}
	for _, cat := range HeadCategories {
		if n := d.Observed.Get(cat); n != nil && *n < 0 {
			return fieldErr("data.observed."+cat, "must not be negative (leave it out when not known)")
		}
	}
	if t := d.Observed.Total; t != nil {
		for _, cat := range HeadCategories[1:] {
			if n := d.Observed.Get(cat); n != nil && *n > *t {
				return fieldErr("data.observed."+cat, "%d is more than the total observed, %d", *n, *t)
			}
		}
		if m, w := d.Observed.Men, d.Observed.Women; m != nil && w != nil && *m+*w > *t {
			return fieldErr("data.observed.women", "men and women (%d + %d) are more than the total observed, %d", *m, *w, *t)
		}
	}
	labels := map[string]bool{}
	sum := 0
	for i, c := range d.Cells {
		f := func(name string) string { return fmt.Sprintf("data.cells[%d].%s", i, name) }
		switch {
		case blank(c.Label):
			return fieldErr(f("label"), "missing")
		case labels[c.Label]:
			return fieldErr(f("label"), "%q is measured twice in this visit", c.Label)
		case !In(c.Use, CellUses):
			return fieldErr(f("use"), "unknown %q (one of %s)", c.Use, joinAny(CellUses))
		case !(c.AreaM2 > 0):
			return fieldErr(f("area_m2"), "must be more than 0 m² (%g)", c.AreaM2)
		case c.People < 0:
			return fieldErr(f("people"), "must not be negative")
		case c.WaterPoints != nil && *c.WaterPoints < 0:
			return fieldErr(f("water_points"), "must not be negative")
		case c.LitresPerDay != nil && !(*c.LitresPerDay >= 0):
			return fieldErr(f("litres_per_day"), "must not be negative")
		case c.Toilets != nil && *c.Toilets < 0:
			return fieldErr(f("toilets"), "must not be negative")
		case c.Light != "" && !In(c.Light, Adequacies):
			return fieldErr(f("light"), "unknown %q (one of %s)", c.Light, joinAny(Adequacies))
		case c.Ventilation != "" && !In(c.Ventilation, Adequacies):
			return fieldErr(f("ventilation"), "unknown %q (one of %s)", c.Ventilation, joinAny(Adequacies))
		case c.SleepingM2 != nil && (!(*c.SleepingM2 >= 0) || *c.SleepingM2 > c.AreaM2):
			return fieldErr(f("sleeping_m2"), "must be from 0 to the cell's area, %g m²", c.AreaM2)
		}
		labels[c.Label] = true
		sum += c.People
		if t := d.Observed.Total; t != nil {
			if c.People > *t {
				return fieldErr(f("people"), "%d people in cell %q is more than the facility's observed headcount, %d", c.People, c.Label, *t)
			}
			if sum > *t {
				return fieldErr(f("people"), "the cells measured hold %d people up to %q, more than the facility's observed headcount, %d", sum, c.Label, *t)
			}
		}
	}
	recs := map[string]bool{}
	for i, r := range d.Recommendations {
		f := func(name string) string { return fmt.Sprintf("data.recommendations[%d].%s", i, name) }
		switch {
		case blank(r.ID):
			return fieldErr(f("id"), "missing: an identifier later visits can follow it by")
		case recs[r.ID]:
			return fieldErr(f("id"), "%q is given twice", r.ID)
		case blank(r.Text):
			return fieldErr(f("text"), "missing")
		case blank(r.Addressee):
			return fieldErr(f("addressee"), "missing: the authority it is made to")
		}
		recs[r.ID] = true
	}
	for i, u := range d.FollowUps {
		f := func(name string) string { return fmt.Sprintf("data.follow_ups[%d].%s", i, name) }
		switch {
		case blank(u.Recommendation):
			return fieldErr(f("recommendation"), "missing: the id of a recommendation of an earlier visit")
		case recs[u.Recommendation]:
			return fieldErr(f("recommendation"), "%q is made in this visit: a follow-up is of an earlier one", u.Recommendation)
		case !In(u.Status, RecStatuses):
			return fieldErr(f("status"), "unknown %q (one of %s)", u.Status, joinAny(RecStatuses))
		}
	}
	if d.Restricted != nil && len(d.Sealed) > 0 {
		return fieldErr("data.restricted", "a visit carries its restricted part either as written or sealed, not both")
	}
	for i := range d.Sealed {
		if err := InField(fmt.Sprintf("data.sealed[%d]", i), d.Sealed[i].Validate()); err != nil {
			return err
		}
		if d.Sealed[i].Org != d.Sealed[0].Org {
			return fieldErr(fmt.Sprintf("data.sealed[%d].org", i), "sealed for %s, and part 0 for %s: a visit's records are its organisation's", d.Sealed[i].Org, d.Sealed[0].Org)
		}
	}
	if r := d.Restricted; r != nil {
		for i, iv := range r.Interviews {
			f := func(name string) string { return fmt.Sprintf("data.restricted.interviews[%d].%s", i, name) }
			switch {
			case !iv.Consent:
				return fieldErr(f("consent"), "an interview is recorded only with the detainee's consent")
			case iv.Anonymous && (iv.Person != "" || iv.Pseudonym != ""):
				return fieldErr(f("anonymous"), "an anonymous interview names no one: leave person and pseudonym out")
			case iv.Person != "":
				if err := ValidatePersonID(f("person"), iv.Person); err != nil {
					return err
				}
			}
		}
		for i, a := range r.Allegations {
			f := func(name string) string { return fmt.Sprintf("data.restricted.allegations[%d].%s", i, name) }
			switch {
			case !In(a.Kind, AllegationKinds):
				return fieldErr(f("kind"), "unknown %q (one of %s)", a.Kind, joinAny(AllegationKinds))
			case a.Date == NoDate:
				return fieldErr(f("date"), "missing: when it happened (the first day, when it lasted)")
			case a.Date > date:
				return fieldErr(f("date"), "%s is after the visit, %s", a.Date, date)
			case blank(a.Place):
				return fieldErr(f("place"), "missing: where it happened")
			case a.Interview != nil && (*a.Interview < 0 || *a.Interview >= len(r.Interviews)):
				return fieldErr(f("interview"), "there is no interview %d in this visit", *a.Interview)
			}
		}
	}
	return nil
}
