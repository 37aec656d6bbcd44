package rules

import (
	"fmt"
	"strconv"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/habeas-kh/habeas/internal/i18n"
)

// FactSet is a set of facts.
type FactSet [2]uint64

// Add puts f in the set.
func (s *FactSet) Add(f FactID) { s[f/64] |= 1 << (f % 64) }

// Has reports whether f is in the set.
func (s FactSet) Has(f FactID) bool { return s[f/64]&(1<<(f%64)) != 0 }

// Intersects reports whether the sets share a fact.
func (s FactSet) Intersects(o FactSet) bool { return s[0]&o[0] != 0 || s[1]&o[1] != 0 }

// Names lists the facts of the set in catalogue order.
func (s FactSet) Names() []string {
	var out []string
	for i := range Facts {
		if s.Has(FactID(i)) {
			out = append(out, Facts[i].Name)
		}
	}
	return out
}

// Values are the facts of one person as of one date. A fact never set is
// unknown: a rule that needs it is undecided rather than silently false.
type Values struct {
	vals  [numFacts]ref.Val
	known FactSet
}

// Reset makes every fact unknown, so that a Values can be reused.
func (v *Values) Reset() { *v = Values{} }

func (v *Values) set(f FactID, x ref.Val) { v.vals[f] = x; v.known.Add(f) }

// SetBool and the others set a fact; the type must be the fact's own.
func (v *Values) SetBool(f FactID, b bool)      { v.set(f, types.Bool(b)) }
func (v *Values) SetInt(f FactID, n int)        { v.set(f, types.Int(n)) }
func (v *Values) SetDouble(f FactID, x float64) { v.set(f, types.Double(x)) }
func (v *Values) SetString(f FactID, s string)  { v.set(f, types.String(s)) }

// Known reports whether f has a value.
func (v *Values) Known(f FactID) bool { return v.known.Has(f) }

// Get returns the value of f as a Go value (nil when unknown).
func (v *Values) Get(f FactID) any {
	if !v.known.Has(f) {
		return nil
	}
	return v.vals[f].Value()
}

// Unknown is the set of facts with no value.
func (v *Values) Unknown() FactSet {
	var s FactSet
	for i := range Facts {
		if !v.known.Has(FactID(i)) {
			s.Add(FactID(i))
		}
	}
	return s
}

// activation resolves fact names for CEL without building a map per person.
type activation struct{ v *Values }

func (a activation) ResolveName(name string) (any, bool) {
	f, ok := factIndex[name]
	if !ok || !a.v.known.Has(f) {
		return nil, false
	}
	return a.v.vals[f], true
}

func (a activation) Parent() interpreter.Activation { return nil }

var factIndex = func() map[string]FactID {
	m := make(map[string]FactID, len(Facts))
	for _, f := range Facts {
		m[f.Name] = f.ID
	}
	return m
}()

// Outcome is what one rule says about one person.
type Outcome struct {
	Rule      *Rule
	Fired     bool
	Undecided bool     // the result depends on facts that are unknown, or evaluation failed
	Unknown   []string // the unknown facts it depends on
	Err       string   // an evaluation error (e.g. a date function given a bad date)
}

// Evaluate runs every rule of the pack on one person's facts. It is safe to
// call from many goroutines at once.
func (p *Pack) Evaluate(v *Values, out []Outcome) []Outcome {
	out = out[:0]
	unknown := v.Unknown()
	act := activation{v}
	var partial interpreter.PartialActivation
	for _, r := range p.Rules {
		out = append(out, p.evalRule(r, v, act, unknown, &partial))
	}
	return out
}

// EvaluateChecks runs every data check of the pack on one person's facts,
// as Evaluate runs the rules.
func (p *Pack) EvaluateChecks(v *Values, out []Outcome) []Outcome {
	out = out[:0]
	unknown := v.Unknown()
	act := activation{v}
	var partial interpreter.PartialActivation
	for _, r := range p.Checks {
		out = append(out, p.evalRule(r, v, act, unknown, &partial))
	}
	return out
}

// EvaluateRule runs one rule.
func (p *Pack) EvaluateRule(r *Rule, v *Values) Outcome {
	var partial interpreter.PartialActivation
	return p.evalRule(r, v, activation{v}, v.Unknown(), &partial)
}

func (p *Pack) evalRule(r *Rule, v *Values, act activation, unknown FactSet, partial *interpreter.PartialActivation) Outcome {
	o := Outcome{Rule: r}
	pr := r.prog
	res, _, err := pr.fast.Eval(act)
	if !pr.refs.Intersects(unknown) {
		return decide(o, res, err)
	}
	// A fact the condition reads is unknown, and the fast program saw it as
	// an error. CEL's && and || absorb an error as they absorb an unknown
	// ("false && x" is false either way), so a boolean here is the result
	// partial evaluation would give, at a fraction of its cost; only a
	// result that depends on a missing fact (or a real error) needs it.
	if _, ok := res.(types.Bool); ok && err == nil {
		return decide(o, res, err)
	}
	return p.evalPartial(r, v, act, unknown, partial)
}

// evalPartial evaluates a rule over the unknown facts: undecided, with the
// facts its result depends on, or decided.
func (p *Pack) evalPartial(r *Rule, v *Values, act activation, unknown FactSet, partial *interpreter.PartialActivation) Outcome {
	o := Outcome{Rule: r}
	pr := r.prog
	// Some fact the condition reads is unknown: evaluate over the unknowns.
	// CEL's && and || are commutative over unknowns, so "false && unknown"
	// is still false and only a result that truly depends on a missing fact
	// comes back undecided.
	if *partial == nil {
		var pats []*cel.AttributePatternType
		for i := range Facts {
			if unknown.Has(FactID(i)) {
				pats = append(pats, p.env.patterns[i])
			}
		}
		pa, err := cel.PartialVars(act, pats...)
		if err != nil {
			o.Undecided, o.Err = true, err.Error()
			return o
		}
		*partial = pa
	}
	res, _, err := pr.partial.Eval(*partial)
	if u, ok := res.(*types.Unknown); ok {
		o.Undecided = true
		seen := map[string]bool{}
		for _, id := range u.IDs() {
			trails, _ := u.GetAttributeTrails(id)
			for _, t := range trails {
				seen[t.Variable()] = true
			}
		}
		for i := range Facts {
			if seen[Facts[i].Name] {
				o.Unknown = append(o.Unknown, Facts[i].Name)
			}
		}
		if len(o.Unknown) == 0 {
			for _, f := range pr.refs.Names() {
				if !v.Known(factIndex[f]) {
					o.Unknown = append(o.Unknown, f)
				}
			}
		}
		return o
	}
	return decide(o, res, err)
}

func decide(o Outcome, res ref.Val, err error) Outcome {
	if err != nil {
		o.Undecided, o.Err = true, err.Error()
		return o
	}
	b, ok := res.(types.Bool)
	if !ok {
		o.Undecided, o.Err = true, fmt.Sprintf("condition gave %v, not true or false", res)
		return o
	}
	o.Fired = bool(b)
	return o
}

// Explain fills the rule's reason template from the facts. An expression that
// cannot be computed prints as "unknown".
func (r *Rule) Explain(v *Values) string {
	return explain(r.prog.reason, v, i18n.English, "unknown")
}

// HasKhmer reports whether the pack gives the rule's reason in Khmer.
func (r *Rule) HasKhmer() bool { return r.prog != nil && r.prog.reasonKm != nil }

// ExplainKm fills the rule's Khmer reason template (reason_km), with its
// computed dates and numbers in Khmer form; "" when the pack gives none.
func (r *Rule) ExplainKm(v *Values) string {
	if !r.HasKhmer() {
		return ""
	}
	return explain(r.prog.reasonKm, v, i18n.Khmer, "មិនដឹង")
}

func explain(pieces []piece, v *Values, l i18n.Lang, unknown string) string {
	act := activation{v}
	var b strings.Builder
	for _, pc := range pieces {
		if pc.prog == nil {
			b.WriteString(pc.text)
			continue
		}
		res, _, err := pc.prog.Eval(act)
		if err != nil || types.IsUnknownOrError(res) {
			b.WriteString(unknown)
			continue
		}
		b.WriteString(l.Text(format(res)))
	}
	return b.String()
}

// TitleIn is the rule's title in a language, and whether it is in that
// language (false: the English, for a pack with no Khmer title).
func (r *Rule) TitleIn(l i18n.Lang) (string, bool) {
	if l == i18n.Khmer {
		if r.TitleKm != "" {
			return r.TitleKm, true
		}
		return r.Title, false
	}
	return r.Title, true
}

// NoteIn is the rule's note in a language, as TitleIn.
func (r *Rule) NoteIn(l i18n.Lang) (string, bool) {
	if l == i18n.Khmer {
		if r.NoteKm != "" {
			return r.NoteKm, true
		}
		return r.Note, r.Note == ""
	}
	return r.Note, true
}

func format(v ref.Val) string {
	switch x := v.(type) {
	case types.Double:
		return strconv.FormatFloat(float64(x), 'f', -1, 64)
	case types.String:
		return string(x)
	}
	return fmt.Sprint(v.Value())
}
