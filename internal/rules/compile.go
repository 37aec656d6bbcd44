package rules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/habeas-kh/habeas/internal/domain"
)

// environment is the CEL environment of one pack: the facts as variables,
// the parameters as constants, and the date functions.
type environment struct {
	env      *cel.Env
	params   map[string]bool
	patterns [numFacts]*cel.AttributePatternType
}

// program is a rule compiled: the condition twice (a fast program for people
// whose facts are all known, and one that evaluates over unknowns), the
// facts the condition reads, and the reason's pieces.
type program struct {
	condLine, reasonLine, reasonKmLine int
	fast, partial                      cel.Program
	refs                               FactSet
	reasonRefs                         FactSet // the facts the reason's expressions read (in either language)
	reason                             []piece
	reasonKm                           []piece // nil when the pack gives no Khmer reason
}

// piece of a reason template: literal text, or an expression to print.
type piece struct {
	text string
	prog cel.Program
}

// dateFunctions lets conditions count calendar months and days the way
// courts do (domain.Date.AddMonths clamps 31 January + 1 month to the end of
// February).
func dateFunctions() []cel.EnvOption {
	date := func(v ref.Val) (domain.Date, ref.Val) {
		s, ok := v.(types.String)
		if !ok {
			return 0, types.MaybeNoSuchOverloadErr(v)
		}
		d, err := domain.ParseDate(string(s))
		if err != nil {
			return 0, types.NewErr("%v", err)
		}
		return d, nil
	}
	shift := func(add func(domain.Date, int) domain.Date) cel.OverloadOpt {
		return cel.BinaryBinding(func(l, r ref.Val) ref.Val {
			d, e := date(l)
			if e != nil {
				return e
			}
			n, ok := r.(types.Int)
			if !ok {
				return types.MaybeNoSuchOverloadErr(r)
			}
			return types.String(add(d, int(n)).String())
		})
	}
	return []cel.EnvOption{
		cel.Function("add_days", cel.Overload("add_days_string_int", []*cel.Type{cel.StringType, cel.IntType}, cel.StringType,
			shift(func(d domain.Date, n int) domain.Date { return d.AddDays(n) }))),
		cel.Function("add_months", cel.Overload("add_months_string_int", []*cel.Type{cel.StringType, cel.IntType}, cel.StringType,
			shift(func(d domain.Date, n int) domain.Date { return d.AddMonths(n) }))),
		cel.Function("days_between", cel.Overload("days_between_string_string", []*cel.Type{cel.StringType, cel.StringType}, cel.IntType,
			cel.BinaryBinding(func(l, r ref.Val) ref.Val {
				a, e := date(l)
				if e != nil {
					return e
				}
				b, e := date(r)
				if e != nil {
					return e
				}
				return types.Int(b.DaysSince(a))
			}))),
		cel.Function("quantity", cel.Overload("quantity_int_string_string", []*cel.Type{cel.IntType, cel.StringType, cel.StringType}, cel.StringType,
			cel.FunctionBinding(func(args ...ref.Val) ref.Val {
				n, ok := args[0].(types.Int)
				one, ok1 := args[1].(types.String)
				many, ok2 := args[2].(types.String)
				if !ok || !ok1 || !ok2 {
					return types.NoSuchOverloadErr()
				}
				return types.String(Count(int(n), string(one), string(many)))
			}))),
		cel.Function("percent", cel.Overload("percent_double", []*cel.Type{cel.DoubleType}, cel.StringType,
			cel.UnaryBinding(func(v ref.Val) ref.Val {
				f, ok := v.(types.Double)
				if !ok {
					return types.MaybeNoSuchOverloadErr(v)
				}
				return types.String(strconv.FormatFloat(float64(f)*100, 'f', 1, 64) + "%")
			}))),
	}
}

// Count writes a number with its noun, singular for 1 (and -1): "1 day",
// "0 days", "92 days". Reasons are written in English; Khmer, which a
// translation of them would use, does not mark the plural.
func Count(n int, one, many string) string {
	if n == 1 || n == -1 {
		return strconv.Itoa(n) + " " + one
	}
	return strconv.Itoa(n) + " " + many
}

func newEnvironment(params []Param) (*environment, error) {
	opts := dateFunctions()
	for _, f := range Facts {
		opts = append(opts, cel.Variable(f.Name, f.Type.celType()))
	}
	for _, p := range params {
		var t *cel.Type
		var v ref.Val
		switch x := p.Value.(type) {
		case int64:
			t, v = cel.IntType, types.Int(x)
		case float64:
			t, v = cel.DoubleType, types.Double(x)
		case bool:
			t, v = cel.BoolType, types.Bool(x)
		case string:
			t, v = cel.StringType, types.String(x)
		default:
			return nil, fmt.Errorf("parameter %s has no value", p.Name)
		}
		opts = append(opts, cel.Constant("params."+p.Name, t, v))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, fmt.Errorf("building the CEL environment: %w", err)
	}
	e := &environment{env: env, params: map[string]bool{}}
	for _, p := range params {
		e.params[p.Name] = true
	}
	for i, f := range Facts {
		e.patterns[i] = cel.AttributePattern(f.Name)
	}
	return e, nil
}

func (l *loader) compile(p *Pack) {
	for _, f := range Facts {
		for _, prm := range p.Params {
			if prm.Name == f.Name {
				l.errf(prm.Line, "parameter %s has the name of a fact; parameters are read as params.%s, but pick another name to avoid confusion", prm.Name, prm.Name)
			}
		}
	}
	env, err := newEnvironment(p.Params)
	if err != nil {
		l.errf(0, "%v", err)
		return
	}
	p.env = env
	for _, r := range p.Rules {
		l.compileRule(env, r)
	}
	for _, r := range p.Checks {
		l.compileRule(env, r)
	}
}

func (l *loader) compileRule(env *environment, r *Rule) {
	pr := r.prog
	if r.Condition == "" {
		return // reported as missing
	}
	checked, ok := l.check(env, r.Condition, pr.condLine, r.ID+": condition")
	if ok && checked.OutputType() != cel.BoolType {
		l.errf(pr.condLine, "%s: condition must be true or false, but it gives a %s", r.ID, checked.OutputType())
		ok = false
	}
	if ok {
		pr.refs = referencedFacts(checked)
		var err error
		if pr.fast, err = env.env.Program(checked); err == nil {
			pr.partial, err = env.env.Program(checked, cel.EvalOptions(cel.OptPartialEval))
		}
		if err != nil {
			l.errf(pr.condLine, "%s: condition: %v", r.ID, err)
		}
	}
	pr.reason = l.compileReason(env, r, r.Reason, pr.reasonLine, "reason")
	if r.ReasonKm != "" {
		pr.reasonKm = l.compileReason(env, r, r.ReasonKm, pr.reasonKmLine, "reason_km")
	}
}

// compileReason compiles a reason template (key names it in errors: reason
// or reason_km) into its pieces, adding the facts it reads to the rule's.
func (l *loader) compileReason(env *environment, r *Rule, tmpl string, line int, key string) []piece {
	pr := r.prog
	pieces, err := splitTemplate(tmpl)
	if err != nil {
		l.errf(line, "%s: %s: %v", r.ID, key, err)
		return nil
	}
	var out []piece
	for _, pc := range pieces {
		if pc.expr == "" {
			out = append(out, piece{text: pc.text})
			continue
		}
		checked, ok := l.check(env, pc.expr, line, r.ID+": "+key+" {"+pc.expr+"}")
		if !ok {
			continue
		}
		rr := referencedFacts(checked)
		pr.reasonRefs[0] |= rr[0]
		pr.reasonRefs[1] |= rr[1]
		prog, err := env.env.Program(checked)
		if err != nil {
			l.errf(line, "%s: %s {%s}: %v", r.ID, key, pc.expr, err)
			continue
		}
		out = append(out, piece{prog: prog})
	}
	return out
}

// check parses and type-checks one expression, reporting each issue at its
// line in the file (line is where the expression starts).
func (l *loader) check(env *environment, expr string, line int, what string) (*cel.Ast, bool) {
	// CEL would only say "undeclared reference to 'params'": name the
	// parameter that is missing.
	ok := true
	for _, m := range paramRefRE.FindAllStringSubmatchIndex(expr, -1) {
		name := expr[m[2]:m[3]]
		if !env.params[name] {
			l.errf(line+strings.Count(expr[:m[0]], "\n"), "%s: unknown parameter params.%s (not in the params of this pack)", what, name)
			ok = false
		}
	}
	if !ok {
		return nil, false
	}
	checked, iss := env.env.Compile(expr)
	if iss == nil || iss.Err() == nil {
		return checked, true
	}
	for _, e := range iss.Errors() {
		at := line
		if loc := e.Location; loc != nil && loc.Line() > 1 {
			at += loc.Line() - 1
		}
		msg := e.Message
		if strings.HasPrefix(msg, "undeclared reference to '") {
			msg += " (not a fact of docs/screening.md, a params.NAME of this pack, or a function)"
		}
		l.errf(at, "%s: %s", what, msg)
	}
	return nil, false
}

// referencedFacts lists the facts an expression reads, so that evaluation
// knows whether an unknown fact can matter.
func referencedFacts(a *cel.Ast) FactSet {
	var s FactSet
	for _, ref := range a.NativeRep().ReferenceMap() {
		if ref == nil || ref.Name == "" {
			continue
		}
		if f, ok := FactByName(ref.Name); ok {
			s.Add(f.ID)
		}
	}
	return s
}

var paramRefRE = regexp.MustCompile(`\bparams\.([A-Za-z0-9_]+)`)

type templatePiece struct{ text, expr string }

// splitTemplate cuts "held {pretrial_days} days" into text and expressions.
// Braces nest (a CEL map literal may appear inside); {{ is a literal {.
func splitTemplate(s string) ([]templatePiece, error) {
	var out []templatePiece
	var text strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '{' && i+1 < len(s) && s[i+1] == '{':
			text.WriteByte('{')
			i++
		case c == '}' && i+1 < len(s) && s[i+1] == '}':
			text.WriteByte('}')
			i++
		case c == '{':
			depth, j := 1, i+1
			for ; j < len(s) && depth > 0; j++ {
				switch s[j] {
				case '{':
					depth++
				case '}':
					depth--
				}
			}
			if depth > 0 {
				return nil, fmt.Errorf("unclosed { at character %d", i+1)
			}
			expr := strings.TrimSpace(s[i+1 : j-1])
			if expr == "" {
				return nil, fmt.Errorf("empty {} at character %d", i+1)
			}
			if text.Len() > 0 {
				out = append(out, templatePiece{text: text.String()})
				text.Reset()
			}
			out = append(out, templatePiece{expr: expr})
			i = j - 1
		case c == '}':
			return nil, fmt.Errorf("} without { at character %d (write }} for a brace)", i+1)
		default:
			text.WriteByte(c)
		}
	}
	if text.Len() > 0 {
		out = append(out, templatePiece{text: text.String()})
	}
	return out, nil
}
