package web

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/registry"
)

// formReader reads typed fields from a form, collecting every problem so
// that the form comes back with all of them at once: each is a
// domain.Invalid naming the form's field, and err joins them. Its messages
// are in the user's language and name other fields by their labels.
type formReader struct {
	f    url.Values
	lang Lang
	errs []error
}

const maxField = 1000

func newFormReader(l Lang, f url.Values) *formReader { return &formReader{f: f, lang: l} }

func (r *formReader) bad(field, key string, args ...any) {
	r.errs = append(r.errs, domain.Invalid(field, "%s", fmt.Sprintf(r.lang.T(key), args...)))
}

// has reports whether the field was filled in (or ticked).
func (r *formReader) has(k string) bool { return strings.TrimSpace(r.f.Get(k)) != "" }

func (r *formReader) text(k string, required bool) string {
	v := strings.TrimSpace(r.f.Get(k))
	switch {
	case !utf8.ValidString(v):
		r.bad(k, "msg.not_text")
		return ""
	case utf8.RuneCountInString(v) > maxField:
		r.bad(k, "msg.too_long", r.lang.Num(maxField))
		return ""
	case strings.ContainsAny(v, "\x00\r\n") && !multiline[k]:
		r.bad(k, "msg.one_line")
		return ""
	case required && v == "":
		r.bad(k, "msg.required")
	}
	return v
}

// multiline are the fields typed in a text area.
var multiline = map[string]bool{"note": true, "injuries": true, "complaints": true, "property": true, "next_of_kin": true,
	"detail": true, "circumstances": true}

// requiredWith refuses the form when k is blank though one of others,
// which mean nothing without it, was filled in: nothing typed is dropped.
func (r *formReader) requiredWith(k string, others ...string) {
	if r.has(k) {
		return
	}
	for _, o := range others {
		if r.has(o) {
			r.bad(k, "msg.required_with", r.lang.fieldLabel(o))
			return
		}
	}
}

// date reads a date typed day first (31/12/2020) or ISO, in Latin or
// Khmer digits.
func (r *formReader) date(k string, required bool) domain.Date {
	v := r.text(k, required)
	if v == "" {
		return domain.NoDate
	}
	d, err := domain.ParseTypedDate(v)
	if err != nil {
		r.bad(k, "msg.date", v)
	}
	return d
}

func (r *formReader) num(k string, required bool, lo, hi int) int {
	v := r.text(k, required)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(domain.LatinDigits(v))
	if err != nil || n < lo || n > hi {
		r.bad(k, "msg.number", r.lang.Num(lo), r.lang.Num(hi), v)
	}
	return n
}

func (r *formReader) check(k string) bool { return r.f.Get(k) == "1" || r.f.Get(k) == "on" }

func oneOf[T ~string](r *formReader, k string, allowed []T, required bool) T {
	v := strings.TrimSpace(r.f.Get(k))
	switch {
	case v == "" && required:
		r.bad(k, "msg.choose")
	case v != "" && !domain.In(T(v), allowed):
		r.bad(k, "msg.not_allowed")
		return ""
	}
	return T(v)
}

func (r *formReader) err() error { return errors.Join(r.errs...) }

// rowSuffix names the fields of the i-th row of a repeated group (charges,
// children): the first row's are the plain names ("offence"), the next ones
// carry their number ("offence_2").
func rowSuffix(i int) string {
	if i == 0 {
		return ""
	}
	return "_" + strconv.Itoa(i+1)
}

// maxRows bounds the rows of a repeated group a form is read for.
const maxRows = 20

// rowsOf is the number of rows of a group the form holds: those up to the
// last one with any field filled in.
func rowsOf(f url.Values, fields []string) int {
	n := 0
	for i := range maxRows {
		for _, k := range fields {
			if strings.TrimSpace(f.Get(k+rowSuffix(i))) != "" {
				n = i + 1
			}
		}
	}
	return n
}

var chargeFields = []string{"offence", "class", "min_months", "max_months", "life", "drug", "violent", "grave"}
var childFields = []string{"child_name", "child_dob"}

// charges reads the rows of charges, each complete or refused.
func (r *formReader) charges() []domain.Charge {
	var cs []domain.Charge
	for i := range rowsOf(r.f, chargeFields) {
		x := rowSuffix(i)
		var filled []string
		for _, k := range chargeFields {
			filled = append(filled, k+x)
		}
		if !slices.ContainsFunc(filled, r.has) {
			continue // an empty row between filled ones
		}
		r.requiredWith("offence"+x, filled...)
		r.requiredWith("class"+x, filled...)
		c := domain.Charge{Offence: r.text("offence"+x, false), Class: oneOf(r, "class"+x, domain.OffenceClasses, false),
			MinMonths: r.num("min_months"+x, false, 0, 1200), MaxMonths: r.num("max_months"+x, false, 0, 1200),
			Life: r.check("life" + x), Drug: r.check("drug" + x), Violent: r.check("violent" + x), Grave: r.check("grave" + x)}
		cs = append(cs, c)
	}
	return cs
}

// order reads an order's fields: with its kind, or refused when a field of
// it was typed and the kind left blank (an order without a kind would be
// dropped, and the person flagged as held without one).
func (r *formReader) order(kindRequired, expiresRequired bool) *domain.Order {
	fields := []string{"order_authority", "order_reference", "order_issued", "order_expires"}
	r.requiredWith("order_kind", fields...)
	o := &domain.Order{Kind: oneOf(r, "order_kind", domain.OrderKinds, kindRequired), Authority: r.text("order_authority", false),
		Reference: r.text("order_reference", false), Issued: r.date("order_issued", false), Expires: r.date("order_expires", expiresRequired)}
	if o.Kind == "" && !kindRequired && !slices.ContainsFunc(fields, r.has) {
		return nil
	}
	return o
}

// arrestedAt is the arrest's local date and time as the interchange format
// writes it (YYYY-MM-DDTHH:MM), or its date alone when no time is known.
func (r *formReader) arrestedAt() string {
	r.requiredWith("arrest_date", "arrest_time")
	d := r.date("arrest_date", false)
	t := domain.LatinDigits(r.text("arrest_time", false))
	if t != "" {
		hh, mm, ok := strings.Cut(t, ":")
		h, err1 := strconv.Atoi(hh)
		m, err2 := strconv.Atoi(mm)
		if !ok || err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 || len(mm) != 2 {
			r.bad("arrest_time", "msg.time", t)
			t = ""
		} else {
			t = fmt.Sprintf("%02d:%02d", h, m)
		}
	}
	switch {
	case d == domain.NoDate:
		return ""
	case t == "":
		return d.String()
	}
	return d.String() + "T" + t
}

// admissionEvents reads the admission form: with newPerson, the identity
// event and the admission; else the admission of a registered person. The
// children living with the person follow as health events.
func admissionEvents(l Lang, f url.Values, newPerson bool) ([]*domain.Event, error) {
	r := newFormReader(l, f)
	id := r.text("person_id", true)
	if id != "" {
		if err := domain.ValidatePersonID("person_id", id); err != nil {
			r.errs = append(r.errs, err)
		}
	}
	date := r.date("date", true)
	fac := oneOf(r, "facility", []string{strings.TrimSpace(f.Get("facility"))}, true)
	var evs []*domain.Event
	if newPerson {
		pd := &domain.PersonData{Name: r.text("name", true), OtherNames: r.text("other_names", false),
			Sex: oneOf(r, "sex", domain.Sexes, true), Gender: r.text("gender", false),
			DOB: r.date("dob", false), DOBBasis: oneOf(r, "dob_basis", domain.DOBBases, true),
			Nationality: r.text("nationality", false), IDDocument: r.text("id_document", false)}
		if pd.DOB == domain.NoDate && pd.DOBBasis != "" && pd.DOBBasis != domain.DOBUnknown && !r.has("dob") {
			r.bad("dob", "msg.dob_required")
		}
		evs = append(evs, &domain.Event{Kind: domain.KPerson, Date: date, Person: id, Data: pd})
	}
	ad := &domain.AdmissionData{Status: oneOf(r, "status", domain.LegalStatuses, true), Cell: r.text("cell", false),
		ArrestedAt: r.arrestedAt(), ArrestPlace: r.text("arrest_place", false), Order: r.order(false, false),
		RepeatOffender: r.check("repeat_offender"), PriorPrison5y: r.check("prior_prison_5y"),
		Injuries: r.text("injuries", false), Complaints: r.text("complaints", false), Property: r.text("property", false),
		NextOfKin: r.text("next_of_kin", false)}
	caseFields := []string{"court", "procedure", "offence_date"}
	for i := range rowsOf(f, chargeFields) {
		for _, k := range chargeFields {
			caseFields = append(caseFields, k+rowSuffix(i))
		}
	}
	r.requiredWith("case", caseFields...)
	r.requiredWith("procedure", "case")
	if c := r.text("case", false); c != "" || slices.ContainsFunc(caseFields, r.has) {
		ad.Case = &domain.Case{ID: c, Court: r.text("court", false), Procedure: oneOf(r, "procedure", domain.Procedures, false),
			OffenceDate: r.date("offence_date", false), Charges: r.charges()}
	}
	evs = append(evs, &domain.Event{Kind: domain.KAdmission, Date: date, Person: id, Facility: fac, Data: ad})
	for i := range rowsOf(f, childFields) {
		x := rowSuffix(i)
		if !r.has("child_name"+x) && !r.has("child_dob"+x) {
			continue
		}
		r.requiredWith("child_dob"+x, "child_name"+x)
		hd := &domain.HealthData{Fact: domain.FactChildIn, ChildName: r.text("child_name"+x, false), ChildDOB: r.date("child_dob"+x, false)}
		evs = append(evs, &domain.Event{Kind: domain.KHealth, Date: date, Person: id, Data: hd})
	}
	return evs, r.err()
}

// eventFromForm reads the form of one event about a registered person.
func eventFromForm(ctx context.Context, s *Server, l Lang, kind, person string, f url.Values) (*domain.Event, error) {
	r := newFormReader(l, f)
	ev := &domain.Event{Kind: domain.Kind(kind), Person: person}
	if kind != "correction" {
		ev.Date = r.date("date", true)
	}
	switch kind {
	case "transfer":
		ev.Data = &domain.TransferData{To: oneOf(r, "to", []string{strings.TrimSpace(f.Get("to"))}, true), Cell: r.text("cell", false),
			Reason: r.text("reason", false)}
	case "cell_assignment":
		ev.Data = &domain.CellAssignData{Cell: r.text("cell", true)}
	case "charge_change":
		ev.Data = &domain.ChargeData{Case: r.text("case", false), Charges: r.charges()}
	case "hearing":
		ev.Data = &domain.HearingData{Case: r.text("case", false), Court: r.text("court", false), Purpose: r.text("purpose", false),
			Lawyer: r.text("lawyer", false), Outcome: r.text("outcome", false)}
	case "order", "order_extension":
		ev.Data = &domain.OrderData{Order: *r.order(true, kind == "order_extension"), Status: oneOf(r, "status", domain.LegalStatuses, false)}
	case "verdict":
		vd := &domain.VerdictData{Case: r.text("case", false), Court: r.text("court", false),
			Outcome: oneOf(r, "outcome", []string{domain.OutcomeConvicted, domain.OutcomeAcquitted}, true), Final: r.check("final")}
		sentence := []string{"sentence_months", "sentence_days", "sentence_life", "sentence_start", "pretrial_credit_days", "suspended"}
		if vd.Outcome == domain.OutcomeConvicted {
			r.requiredWith("sentence_start", "outcome")
			if !r.check("sentence_life") {
				r.requiredWith("sentence_months", "outcome")
			}
		} else if vd.Outcome != "" {
			// A sentence typed with an acquittal would be dropped: refused.
			for _, k := range sentence {
				if r.has(k) {
					r.bad(k, "msg.only_convicted")
				}
			}
		}
		if vd.Outcome == domain.OutcomeConvicted {
			vd.Sentence = &domain.Sentence{Months: r.num("sentence_months", false, 0, 1200), Days: r.num("sentence_days", false, 0, 36600),
				Life: r.check("sentence_life"), Start: r.date("sentence_start", false),
				PretrialCreditDays: r.num("pretrial_credit_days", false, 0, 36600), Suspended: r.check("suspended")}
		}
		ev.Data = vd
	case "appeal":
		ev.Data = &domain.AppealData{Case: r.text("case", false), By: oneOf(r, "by", appealParties, true)}
	case "dismissal":
		// The court dismisses the charges: a verdict, which screening reads
		// with the prosecution's time to appeal (RV-03, LB-11).
		ev.Kind = domain.KVerdict
		ev.Data = &domain.VerdictData{Case: r.text("case", false), Court: r.text("court", false),
			Outcome: domain.OutcomeDismissed, Final: r.check("final")}
	case "health":
		hd := &domain.HealthData{Fact: oneOf(r, "fact", domain.HealthFacts, true), Detail: r.text("detail", false),
			ChildName: r.text("child_name", false), ChildDOB: r.date("child_dob", false), Due: r.date("due", false)}
		if hd.Fact == domain.FactChildIn {
			r.requiredWith("child_dob", "fact")
		}
		// What does not belong to the fact chosen would be dropped: refused.
		if hd.Fact != "" && hd.Fact != domain.FactPregnant && r.has("due") {
			r.bad("due", "msg.only_fact", r.lang.T("fact."+string(domain.FactPregnant)))
		}
		if hd.Fact != "" && hd.Fact != domain.FactChildIn && hd.Fact != domain.FactChildOut && hd.Fact != domain.FactDependent {
			for _, k := range childFields {
				if r.has(k) {
					r.bad(k, "msg.only_child")
				}
			}
		}
		ev.Data = hd
	case "sentence_reduction":
		r.requiredWith("months", "decree")
		ev.Data = &domain.ReductionData{Months: r.num("months", false, 0, 1200), Days: r.num("days", false, 0, 36600),
			Decree: r.text("decree", true)}
	case "release":
		ev.Data = &domain.ReleaseData{Mechanism: oneOf(r, "mechanism", domain.Mechanisms, true), Authority: r.text("authority", false),
			Reference: r.text("reference", false), Note: r.text("note", false)}
	case "death":
		ev.Data = &domain.DeathData{Cause: r.text("cause", false), Circumstances: r.text("circumstances", false)}
	case "escape":
		ev.Data = &domain.EscapeData{Note: r.text("note", false)}
	case "follow_up":
		ev.Data = followUpFromForm(r, s.ruleIDs(), ev.Date)
	case "correction":
		req := registry.CorrectionRequest{Target: int64(r.num("target", true, 1, 1<<50)), Reason: r.text("reason", true),
			Void: r.check("void")}
		if fk := f.Get("fields"); fk != "" && !req.Void {
			// The corrected event, as its own form reads it.
			var repl *domain.Event
			var err error
			switch {
			case fk == "admission":
				f.Set("person_id", person)
				var evs []*domain.Event
				if evs, err = admissionEvents(l, f, false); err == nil {
					repl = evs[0]
				}
			case recordKinds[fk] && fk != "correction":
				repl, err = eventFromForm(ctx, s, l, fk, person, f)
			default:
				err = domain.Invalid("fields", "no such form")
			}
			if err != nil {
				return nil, errors.Join(append(r.errs, err)...)
			}
			req.NewDate, req.Data, req.Facility = repl.Date, repl.Data, repl.Facility
		} else {
			req.NewDate = r.date("new_date", false)
		}
		if err := r.err(); err != nil {
			return nil, err
		}
		// What the correction carries comes from the event it corrects: the
		// service reads it, and says whether this user may correct it.
		return s.reg.Correction(ctx, principalOf(ctx), person, req)
	default:
		return nil, domain.Invalid("kind", "no such form")
	}
	return ev, r.err()
}

// commitmentForms are the forms of the staff pledges page: the event kind
// each records and the prefix of its fields.
var commitmentForms = map[string]struct {
	kind   domain.Kind
	prefix string
}{
	"pledge":      {domain.KPledge, "pledge_"},
	"declaration": {domain.KDeclaration, "decl_"},
	"reform":      {domain.KReform, "reform_"},
}

// commitmentFromForm reads the form that records a pledge, a declared
// figure or a reform. Only what the writer cannot judge (dates and numbers
// that do not parse) is checked here; the rest is the ledger writer's, whose
// messages come back on the form.
func commitmentFromForm(l Lang, form string, f url.Values) (*domain.Event, error) {
	r := newFormReader(l, f)
	switch form {
	case "pledge":
		date := r.date("pledge_date", true)
		start := r.date("pledge_start", false)
		if start == domain.NoDate {
			start = date
		}
		pd := &domain.PledgeData{ID: r.text("pledge_id", false), Title: r.text("pledge_title", false), MadeBy: r.text("pledge_made_by", false),
			Kind: domain.PledgeKind(r.text("pledge_kind", false)), Start: start, Deadline: r.date("pledge_deadline", true),
			Target: r.num("pledge_target", true, 1, 100_000_000), Source: r.text("pledge_source", false), Note: r.text("pledge_note", false)}
		for _, m := range f["pledge_mechanisms"] {
			pd.Mechanisms = append(pd.Mechanisms, domain.Mechanism(strings.TrimSpace(m)))
		}
		for _, g := range f["pledge_groups"] {
			pd.Groups = append(pd.Groups, domain.Group(strings.TrimSpace(g)))
		}
		for _, fac := range strings.Split(r.text("pledge_facilities", false), ",") {
			if fac = strings.TrimSpace(fac); fac != "" {
				pd.Facilities = append(pd.Facilities, fac)
			}
		}
		return &domain.Event{Kind: domain.KPledge, Date: date, Data: pd}, r.err()
	case "declaration":
		dd := &domain.DeclarationData{Pledge: r.text("decl_pledge", false), Figure: r.num("decl_figure", true, 0, 100_000_000),
			AsOf: r.date("decl_as_of", false), DeclaredBy: r.text("decl_declared_by", false), Source: r.text("decl_source", false),
			Note: r.text("decl_note", false)}
		return &domain.Event{Kind: domain.KDeclaration, Date: r.date("decl_date", true), Data: dd}, r.err()
	case "reform":
		rd := &domain.ReformData{ID: r.text("reform_id", false), Title: r.text("reform_title", false), PromisedBy: r.text("reform_promised_by", false),
			Status: domain.ReformStatus(r.text("reform_status", false)), Source: r.text("reform_source", false), Note: r.text("reform_note", false)}
		return &domain.Event{Kind: domain.KReform, Date: r.date("reform_date", true), Data: rd}, r.err()
	}
	return nil, domain.Invalid("kind", "no such form")
}

// commitmentField maps a field the ledger writer names ("data.source",
// "data.groups[1]", "date") to the field of the form with prefix.
func commitmentField(prefix, f string) string {
	if strings.HasPrefix(f, prefix) {
		return f
	}
	f = strings.TrimPrefix(f, "data.")
	if i := strings.IndexByte(f, '['); i >= 0 {
		f = f[:i]
	}
	if i := strings.IndexByte(f, '.'); i >= 0 {
		f = f[:i]
	}
	return prefix + f
}

// formValues writes a stored event as the fields of its form, for a
// correction that starts from what was recorded: reading them back with the
// form gives the event again. Dates are written day first, in the digits of
// the user's language.
func formValues(l Lang, ev *domain.Event) url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	date := func(k string, d domain.Date) { set(k, l.digits(d.DayFirst())) }
	num := func(k string, n int) {
		if n != 0 {
			v.Set(k, strconv.Itoa(n))
		}
	}
	check := func(k string, b bool) {
		if b {
			v.Set(k, "1")
		}
	}
	order := func(o *domain.Order) {
		if o == nil {
			return
		}
		set("order_kind", string(o.Kind))
		set("order_authority", o.Authority)
		set("order_reference", o.Reference)
		date("order_issued", o.Issued)
		date("order_expires", o.Expires)
	}
	charges := func(cs []domain.Charge) {
		for i, c := range cs {
			x := rowSuffix(i)
			set("offence"+x, c.Offence)
			set("class"+x, string(c.Class))
			num("min_months"+x, c.MinMonths)
			num("max_months"+x, c.MaxMonths)
			check("life"+x, c.Life)
			check("drug"+x, c.Drug)
			check("violent"+x, c.Violent)
			check("grave"+x, c.Grave)
		}
	}
	date("date", ev.Date)
	switch d := ev.Data.(type) {
	case *domain.AdmissionData:
		set("facility", ev.Facility)
		set("cell", d.Cell)
		set("status", string(d.Status))
		if day, t, ok := strings.Cut(d.ArrestedAt, "T"); ok || day != "" {
			if ad, err := domain.ParseDate(day); err == nil {
				date("arrest_date", ad)
				set("arrest_time", t)
			}
		}
		set("arrest_place", d.ArrestPlace)
		order(d.Order)
		if c := d.Case; c != nil {
			set("case", c.ID)
			set("court", c.Court)
			set("procedure", string(c.Procedure))
			date("offence_date", c.OffenceDate)
			charges(c.Charges)
		}
		check("repeat_offender", d.RepeatOffender)
		check("prior_prison_5y", d.PriorPrison5y)
		set("injuries", d.Injuries)
		set("complaints", d.Complaints)
		set("property", d.Property)
		set("next_of_kin", d.NextOfKin)
	case *domain.TransferData:
		set("to", d.To)
		set("cell", d.Cell)
		set("reason", d.Reason)
	case *domain.CellAssignData:
		set("cell", d.Cell)
	case *domain.ChargeData:
		set("case", d.Case)
		charges(d.Charges)
	case *domain.OrderData:
		order(&d.Order)
		set("status", string(d.Status))
	case *domain.HearingData:
		set("case", d.Case)
		set("court", d.Court)
		set("purpose", d.Purpose)
		set("lawyer", d.Lawyer)
		set("outcome", d.Outcome)
	case *domain.VerdictData:
		set("case", d.Case)
		set("court", d.Court)
		if d.Outcome != domain.OutcomeDismissed {
			set("outcome", d.Outcome)
		}
		check("final", d.Final)
		if s := d.Sentence; s != nil {
			num("sentence_months", s.Months)
			num("sentence_days", s.Days)
			check("sentence_life", s.Life)
			date("sentence_start", s.Start)
			num("pretrial_credit_days", s.PretrialCreditDays)
			check("suspended", s.Suspended)
		}
	case *domain.AppealData:
		set("case", d.Case)
		set("by", d.By)
	case *domain.HealthData:
		set("fact", string(d.Fact))
		set("detail", d.Detail)
		set("child_name", d.ChildName)
		date("child_dob", d.ChildDOB)
		date("due", d.Due)
	case *domain.ReductionData:
		num("months", d.Months)
		num("days", d.Days)
		set("decree", d.Decree)
	case *domain.ReleaseData:
		set("mechanism", string(d.Mechanism))
		set("authority", d.Authority)
		set("reference", d.Reference)
		set("note", d.Note)
	case *domain.DeathData:
		set("cause", d.Cause)
		set("circumstances", d.Circumstances)
	case *domain.EscapeData:
		set("note", d.Note)
	}
	return v
}

// formOf is the form that records an event like ev: its kind's, or the
// dismissal's for a verdict dismissing the charges; "" when no form
// records it (an identity, a correction).
func formOf(ev *domain.Event) string {
	if vd, ok := ev.Data.(*domain.VerdictData); ok && vd.Outcome == domain.OutcomeDismissed {
		return "dismissal"
	}
	// A follow-up step is not corrected: the next step supersedes it.
	if k := string(ev.Kind); recordKinds[k] && ev.Kind != domain.KCorrection && ev.Kind != domain.KFollowUp {
		return k
	}
	return ""
}

// followUpFromForm reads a step of a follow-up. A field that belongs to
// another action than the one chosen (a reason with a petition) is refused,
// never dropped; the assignee left blank is the user who takes it.
func followUpFromForm(r *formReader, rules []string, date domain.Date) *domain.FollowUpData {
	act := oneOf(r, "action", domain.FollowUpActions, true)
	d := &domain.FollowUpData{Action: act, Rule: oneOf(r, "rule", rules, false), Note: r.text("note", false)}
	only := func(k string, a domain.FollowUpAction) bool {
		if act != "" && act != a && r.has(k) {
			r.bad(k, "msg.fu_only", r.lang.T("fuaction."+string(a)))
			return false
		}
		return true
	}
	if only("assignee", domain.FollowTake) {
		d.Assignee = r.text("assignee", false)
	}
	if only("reason", domain.FollowNotPursued) {
		d.Reason = oneOf(r, "reason", domain.NotPursuedReasons, act == domain.FollowNotPursued)
	}
	if only("until", domain.FollowSnoozed) {
		d.Until = r.date("until", act == domain.FollowSnoozed)
		if d.Until != domain.NoDate && date != domain.NoDate && d.Until <= date {
			r.bad("until", "msg.fu_until_after")
		}
	}
	if d.Reason == domain.ReasonOther {
		r.requiredWith("note", "reason")
	}
	return d
}
