package web

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/registry"
)

// formReader reads typed fields from a form, collecting every problem so
// that the form comes back with all of them at once: each is a
// domain.Invalid naming the form's field, and err joins them.
type formReader struct {
	f    url.Values
	errs []error
}

const maxField = 1000

func (r *formReader) bad(field, format string, args ...any) {
	r.errs = append(r.errs, domain.Invalid(field, format, args...))
}

func (r *formReader) text(k string, required bool) string {
	v := strings.TrimSpace(r.f.Get(k))
	switch {
	case !utf8.ValidString(v):
		r.bad(k, "is not valid text")
		return ""
	case len(v) > maxField:
		r.bad(k, "is too long (at most %d characters)", maxField)
		return ""
	case strings.ContainsAny(v, "\x00\r\n") && k != "note":
		r.bad(k, "must be on one line")
		return ""
	case required && v == "":
		r.bad(k, "is required")
	}
	return v
}

func (r *formReader) date(k string, required bool) domain.Date {
	v := r.text(k, required)
	if v == "" {
		return domain.NoDate
	}
	d, err := domain.ParseDate(v)
	if err != nil {
		r.bad(k, "must be a date that exists, written YYYY-MM-DD; got %q", v)
	}
	return d
}

func (r *formReader) num(k string, required bool, lo, hi int) int {
	v := r.text(k, required)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		r.bad(k, "must be a whole number from %d to %d; got %q", lo, hi, v)
	}
	return n
}

func (r *formReader) check(k string) bool { return r.f.Get(k) == "1" || r.f.Get(k) == "on" }

func oneOf[T ~string](r *formReader, k string, allowed []T, required bool) T {
	v := T(r.text(k, required))
	if v != "" && !domain.In(v, allowed) {
		r.bad(k, "is not one of the allowed values")
	}
	return v
}

func (r *formReader) err() error { return errors.Join(r.errs...) }

// admissionEvents reads the admission form: with newPerson, the identity
// event and the admission; else the admission of a registered person.
func admissionEvents(f url.Values, newPerson bool) ([]*domain.Event, error) {
	r := &formReader{f: f}
	id := r.text("person_id", true)
	if id != "" {
		if err := domain.ValidatePersonID("person_id", id); err != nil {
			r.errs = append(r.errs, err)
		}
	}
	date := r.date("date", true)
	fac := r.text("facility", true)
	var evs []*domain.Event
	if newPerson {
		pd := &domain.PersonData{Name: r.text("name", true), Sex: oneOf(r, "sex", domain.Sexes, true),
			DOB: r.date("dob", false), DOBBasis: oneOf(r, "dob_basis", domain.DOBBases, true), Nationality: r.text("nationality", false)}
		evs = append(evs, &domain.Event{Kind: domain.KPerson, Date: date, Person: id, Data: pd})
	}
	ad := &domain.AdmissionData{Status: oneOf(r, "status", domain.LegalStatuses, true)}
	if ok := oneOf(r, "order_kind", domain.OrderKinds, false); ok != "" {
		ad.Order = &domain.Order{Kind: ok, Authority: r.text("order_authority", false), Reference: r.text("order_reference", false),
			Issued: r.date("order_issued", false), Expires: r.date("order_expires", false)}
	}
	if c := r.text("case", false); c != "" {
		ad.Case = &domain.Case{ID: c, Procedure: domain.ProcOrdinary}
		if off := r.text("offence", false); off != "" {
			ad.Case.Charges = []domain.Charge{{Offence: off, Class: oneOf(r, "class", domain.OffenceClasses, true),
				MaxMonths: r.num("max_months", false, 0, 1200), Drug: r.check("drug")}}
		}
	}
	evs = append(evs, &domain.Event{Kind: domain.KAdmission, Date: date, Person: id, Facility: fac, Data: ad})
	return evs, r.err()
}

// eventFromForm reads the form of one event about a registered person.
func eventFromForm(ctx context.Context, s *Server, kind, person string, f url.Values) (*domain.Event, error) {
	r := &formReader{f: f}
	ev := &domain.Event{Kind: domain.Kind(kind), Person: person}
	switch kind {
	case "transfer":
		ev.Date = r.date("date", true)
		ev.Data = &domain.TransferData{To: r.text("to", true), Reason: r.text("reason", false)}
	case "hearing":
		ev.Date = r.date("date", true)
		ev.Data = &domain.HearingData{Case: r.text("case", true), Court: r.text("court", false), Purpose: r.text("purpose", false),
			Outcome: r.text("outcome", false)}
	case "order_extension":
		ev.Date = r.date("date", true)
		ev.Data = &domain.OrderData{Order: domain.Order{Kind: oneOf(r, "order_kind", domain.OrderKinds, true),
			Authority: r.text("order_authority", false), Reference: r.text("order_reference", false),
			Issued: r.date("order_issued", false), Expires: r.date("order_expires", true)}}
	case "verdict":
		ev.Date = r.date("date", true)
		vd := &domain.VerdictData{Case: r.text("case", true), Court: r.text("court", false),
			Outcome: r.text("outcome", true), Final: r.check("final")}
		if vd.Outcome != "" && vd.Outcome != domain.OutcomeConvicted && vd.Outcome != domain.OutcomeAcquitted {
			r.bad("outcome", "must be convicted or acquitted")
		}
		if vd.Outcome == domain.OutcomeConvicted {
			vd.Sentence = &domain.Sentence{Months: r.num("sentence_months", true, 0, 1200), Start: r.date("sentence_start", true)}
		}
		ev.Data = vd
	case "appeal":
		ev.Date = r.date("date", true)
		ev.Data = &domain.AppealData{Case: r.text("case", true), By: oneOf(r, "by", appealParties, true)}
	case "dismissal":
		// The court dismisses the charges: a verdict, which screening reads
		// with the prosecution's time to appeal (RV-03, LB-11).
		ev.Kind, ev.Date = domain.KVerdict, r.date("date", true)
		ev.Data = &domain.VerdictData{Case: r.text("case", true), Court: r.text("court", false),
			Outcome: domain.OutcomeDismissed, Final: r.check("final")}
	case "release":
		ev.Date = r.date("date", true)
		ev.Data = &domain.ReleaseData{Mechanism: oneOf(r, "mechanism", domain.Mechanisms, true), Authority: r.text("authority", false),
			Reference: r.text("reference", false), Note: r.text("note", false)}
	case "correction":
		req := registry.CorrectionRequest{Target: int64(r.num("target", true, 1, 1<<50)), Reason: r.text("reason", true),
			Void: r.check("void"), NewDate: r.date("new_date", false)}
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
func commitmentFromForm(form string, f url.Values) (*domain.Event, error) {
	r := &formReader{f: f}
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
