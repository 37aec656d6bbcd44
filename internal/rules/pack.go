// Package rules reads rule packs: YAML files that say, for one jurisdiction
// and version of its law, which situations of a person in custody are
// unlawful, call for review, open a release mechanism or raise priority. Each
// rule's condition is a CEL expression over the facts of facts.go and the
// pack's named parameters; a pack is compiled and type-checked once, then
// evaluated for every person.
package rules

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/yamlerr"
)

// Kind is what a rule's firing means.
type Kind string

const (
	Unlawful Kind = "unlawful" // held without legal basis: release now
	Review   Kind = "review"   // a judge must look at the case urgently
	Eligible Kind = "eligible" // a release mechanism is open
	Priority Kind = "priority" // raises the person's place in the queue
	// DataCheck is not law: it lists a record that cannot be right (a
	// pregnancy long past its due date, an order that expires before it is
	// issued), so that staff correct it instead of the rules trusting it.
	DataCheck Kind = "data_check"
)

// Kinds of the rules of law, in the order screening lists them. Data checks
// (DataCheck) are declared among the rules but kept apart (Pack.Checks).
var Kinds = []Kind{Unlawful, Review, Eligible, Priority}

// Param is a named value of a pack: a limit, an age, a fraction. Conditions
// and reasons refer to it as params.NAME. Like a rule, it cites where its
// value comes from and says whether that is confirmed: a rule citing a
// confirmed article is only as sure as the figures it reads.
type Param struct {
	Name     string
	Value    any // int64, float64, string or bool
	Citation string
	Verified bool
	Note     string // the confirmation status when not verified, or any caveat
	Line     int
}

// Rule is one rule of a pack.
type Rule struct {
	ID        string
	Title     string
	Kind      Kind
	Condition string
	Mechanism domain.Mechanism // for eligible rules
	Citation  string
	Verified  bool
	Note      string // the confirmation status when not verified, or any caveat
	Weight    int
	Reason    string // template: {expr} is replaced by the value of the CEL expression
	// TitleKm, ReasonKm and NoteKm are the Khmer title, reason template
	// and note (title_km, reason_km, note_km in the file). A pack may leave
	// them out: Khmer pages then show the English, marked as English.
	TitleKm  string
	ReasonKm string
	NoteKm   string
	Line     int // where the rule starts in the file

	prog *program
}

// Pack is a loaded and compiled rule pack.
type Pack struct {
	File          string // where it was read from ("builtin:kh-2020.yaml" for the built-in pack)
	ID            string
	Jurisdiction  string
	Version       string
	EffectiveFrom domain.Date
	EffectiveTo   domain.Date // NoDate when open
	Sources       []string
	// ReviewedBy names the lawyer who reviewed the pack, on ReviewedOn
	// (NoDate, with ReviewedBy empty, when no lawyer has).
	ReviewedBy string
	ReviewedOn domain.Date
	Params     []Param
	Rules      []*Rule // the rules of law: unlawful, review, eligible, priority
	// Checks are the data checks (kind data_check), in the order of the file.
	Checks []*Rule
	// Mechanisms says, per release mechanism (and for release from
	// unlawful detention, ReleaseUnlawful), who must act and on what law, in
	// the order a plan prefers them; nil when the pack has no such section.
	Mechanisms []MechanismInfo
	// Hash is the SHA-256 of the pack's text, in hex: a screening stored
	// with one pack is not current under another (registry's stored
	// screening), however the two are named.
	Hash string

	env *environment
}

// Error is one problem in a pack file; a mapping file's problems are the
// same type.
type Error = yamlerr.Error

// Errors is every problem found in a pack, in order of line.
type Errors = yamlerr.Errors

// Parse reads, validates and compiles a pack. file names it in errors. On
// any problem it returns Errors listing all of them, and no pack.
func Parse(file string, data []byte) (*Pack, error) {
	l := &loader{file: file}
	p := l.parse(data)
	if p != nil {
		// Compile even when the structure has problems, so that one run
		// reports every error of the file.
		l.compile(p)
	}
	if len(l.errs) > 0 {
		sort.SliceStable(l.errs, func(i, j int) bool { return l.errs[i].Line < l.errs[j].Line })
		return nil, l.errs
	}
	sum := sha256.Sum256(data)
	p.Hash = hex.EncodeToString(sum[:])
	return p, nil
}

type loader struct {
	file string
	errs Errors
}

func (l *loader) errf(line int, format string, args ...any) {
	l.errs = append(l.errs, Error{File: l.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

var (
	identRE  = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	ruleIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	ratioRE  = regexp.MustCompile(`^\s*([0-9]+)\s*/\s*([0-9]+)\s*$`)
)

func (l *loader) parse(data []byte) *Pack {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		l.errf(yamlerr.Line(err), "not valid YAML: %s", yamlerr.Msg(err))
		return nil
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		l.errf(doc.Line, "a pack must be a mapping with pack, jurisdiction, version, params and rules")
		return nil
	}
	root := doc.Content[0]
	p := &Pack{File: l.file}
	seen := map[string]bool{}
	mechLine := 0
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if seen[k.Value] {
			l.errf(k.Line, "%s is given twice", k.Value)
		}
		seen[k.Value] = true
		switch k.Value {
		case "pack":
			p.ID = l.str(v, "pack")
		case "jurisdiction":
			p.Jurisdiction = l.str(v, "jurisdiction")
		case "version":
			p.Version = l.str(v, "version")
		case "effective_from":
			p.EffectiveFrom = l.date(v, "effective_from")
		case "effective_to":
			p.EffectiveTo = l.date(v, "effective_to")
		case "sources":
			p.Sources = l.strList(v, "sources")
		case "reviewed_by":
			p.ReviewedBy = l.str(v, "reviewed_by")
		case "reviewed_on":
			p.ReviewedOn = l.date(v, "reviewed_on")
		case "params":
			p.Params = l.params(v)
		case "mechanisms":
			p.Mechanisms = l.mechanisms(v)
			mechLine = k.Line
		case "rules":
			for _, r := range l.rules(v) {
				if r.Kind == DataCheck {
					p.Checks = append(p.Checks, r)
				} else {
					p.Rules = append(p.Rules, r)
				}
			}
		default:
			l.errf(k.Line, "unknown key %q (expected pack, jurisdiction, version, effective_from, effective_to, sources, reviewed_by, reviewed_on, params, mechanisms, rules)", k.Value)
		}
	}
	// A review is a lawyer's name and a date, or it is not a review.
	if (p.ReviewedBy == "") != (p.ReviewedOn == domain.NoDate) && !(seen["reviewed_by"] && seen["reviewed_on"]) {
		missing, given := "reviewed_on", "reviewed_by"
		if p.ReviewedBy == "" {
			missing, given = "reviewed_by", "reviewed_on"
		}
		l.errf(root.Line, "%s is given without %s: a review names the lawyer and the date", given, missing)
	}
	for _, req := range []struct {
		key string
		ok  bool
	}{{"pack", p.ID != ""}, {"jurisdiction", p.Jurisdiction != ""}, {"version", p.Version != ""}, {"rules", len(p.Rules)+len(p.Checks) > 0}} {
		if !req.ok && !seen[req.key] {
			l.errf(root.Line, "missing %s", req.key)
		}
	}
	l.checkMechanisms(p, mechLine)
	if p.EffectiveTo != domain.NoDate && p.EffectiveTo < p.EffectiveFrom {
		l.errf(root.Line, "effective_to %s is before effective_from %s", p.EffectiveTo, p.EffectiveFrom)
	}
	return p
}

func (l *loader) str(v *yaml.Node, what string) string {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		l.errf(v.Line, "%s must be a text", what)
		return ""
	}
	if strings.TrimSpace(v.Value) == "" {
		l.errf(v.Line, "%s is empty", what)
	}
	return v.Value
}

func (l *loader) date(v *yaml.Node, what string) domain.Date {
	s := l.str(v, what)
	if s == "" {
		return domain.NoDate
	}
	d, err := domain.ParseDate(s)
	if err != nil {
		l.errf(v.Line, "%s: %v", what, err)
	}
	return d
}

func (l *loader) strList(v *yaml.Node, what string) []string {
	if v.Kind != yaml.SequenceNode {
		l.errf(v.Line, "%s must be a list", what)
		return nil
	}
	out := make([]string, 0, len(v.Content))
	for _, c := range v.Content {
		out = append(out, l.str(c, what))
	}
	return out
}

func (l *loader) boolean(v *yaml.Node, what string) bool {
	if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
		l.errf(v.Line, "%s must be true or false, not %q", what, v.Value)
		return false
	}
	b, _ := strconv.ParseBool(strings.ToLower(v.Value))
	return b
}

func (l *loader) params(v *yaml.Node) []Param {
	if v.Kind != yaml.MappingNode {
		l.errf(v.Line, "params must be a mapping of names to values")
		return nil
	}
	var out []Param
	seen := map[string]bool{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		p := Param{Name: k.Value, Line: k.Line}
		if !identRE.MatchString(p.Name) {
			l.errf(k.Line, "parameter name %q must be lower case letters, digits and _", p.Name)
			continue
		}
		if seen[p.Name] {
			l.errf(k.Line, "parameter %s is given twice", p.Name)
			continue
		}
		seen[p.Name] = true
		// A parameter is a mapping with its value, the citation it comes
		// from and whether that is confirmed, as a rule is, so that the
		// source and status of a figure stay next to it.
		if val.Kind != yaml.MappingNode {
			l.errf(k.Line, "parameter %s: missing citation and verified (write value:, citation:, verified: and, when not verified, note:)", p.Name)
		} else {
			var valueNode, verifiedNode *yaml.Node
			given := map[string]bool{}
			for j := 0; j+1 < len(val.Content); j += 2 {
				key, kv := val.Content[j], val.Content[j+1]
				if given[key.Value] {
					l.errf(key.Line, "parameter %s: %s is given twice", p.Name, key.Value)
				}
				given[key.Value] = true
				switch key.Value {
				case "value":
					valueNode = kv
				case "citation":
					p.Citation = l.str(kv, "parameter "+p.Name+": citation")
				case "verified":
					p.Verified = l.boolean(kv, "parameter "+p.Name+": verified")
					verifiedNode = kv
				case "note":
					p.Note = l.str(kv, "parameter "+p.Name+": note")
				default:
					l.errf(key.Line, "unknown key %q in parameter %s (expected value, citation, verified, note)", key.Value, p.Name)
				}
			}
			for _, req := range []string{"citation", "verified"} {
				if !given[req] {
					l.errf(k.Line, "parameter %s: missing %s", p.Name, req)
				}
			}
			if verifiedNode != nil && !p.Verified && p.Note == "" {
				l.errf(verifiedNode.Line, "parameter %s: an unverified parameter needs a note saying what is not confirmed", p.Name)
			}
			if valueNode == nil {
				l.errf(val.Line, "parameter %s has no value", p.Name)
				continue
			}
			val = valueNode
		}
		if val.Kind != yaml.ScalarNode {
			l.errf(val.Line, "parameter %s must be a number, a fraction such as 2/3, a text or true/false", p.Name)
			continue
		}
		switch val.Tag {
		case "!!int":
			n, err := strconv.ParseInt(val.Value, 0, 64)
			if err != nil {
				l.errf(val.Line, "parameter %s: %v", p.Name, err)
			}
			p.Value = n
		case "!!float":
			f, err := strconv.ParseFloat(val.Value, 64)
			if err != nil {
				l.errf(val.Line, "parameter %s: %v", p.Name, err)
			}
			p.Value = f
		case "!!bool":
			p.Value = l.boolean(val, p.Name)
		default:
			// A fraction is kept exact until the one division: a/b and c/d
			// equal as numbers give the same float, so "served at least 2/3"
			// holds on the very day it should.
			if m := ratioRE.FindStringSubmatch(val.Value); m != nil {
				a, _ := strconv.ParseFloat(m[1], 64)
				b, _ := strconv.ParseFloat(m[2], 64)
				if b == 0 {
					l.errf(val.Line, "parameter %s divides by zero", p.Name)
					continue
				}
				p.Value = a / b
			} else {
				p.Value = val.Value
			}
		}
		out = append(out, p)
	}
	return out
}

func (l *loader) rules(v *yaml.Node) []*Rule {
	if v.Kind != yaml.SequenceNode {
		l.errf(v.Line, "rules must be a list")
		return nil
	}
	var out []*Rule
	ids := map[string]int{}
	for _, n := range v.Content {
		r := l.rule(n)
		if r == nil {
			continue
		}
		if prev, ok := ids[r.ID]; ok && r.ID != "" {
			l.errf(r.Line, "duplicate rule id %s (first defined on line %d)", r.ID, prev)
			continue
		}
		ids[r.ID] = r.Line
		out = append(out, r)
	}
	return out
}

func (l *loader) rule(n *yaml.Node) *Rule {
	if n.Kind != yaml.MappingNode {
		l.errf(n.Line, "a rule must be a mapping with id, title, kind, condition, citation, verified, reason")
		return nil
	}
	r := &Rule{Line: n.Line}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] != nil {
			l.errf(k.Line, "%s is given twice in this rule", k.Value)
		}
		seen[k.Value] = v
		switch k.Value {
		case "id":
			r.ID = l.str(v, "id")
			if r.ID != "" && !ruleIDRE.MatchString(r.ID) {
				l.errf(v.Line, "rule id %q: use letters, digits, '-', '_' and '.'", r.ID)
			}
		case "title":
			r.Title = l.str(v, "title")
		case "kind":
			r.Kind = Kind(l.str(v, "kind"))
			if r.Kind != "" && r.Kind != DataCheck && !domain.In(r.Kind, Kinds) {
				l.errf(v.Line, "unknown kind %q (expected unlawful, review, eligible, priority or data_check)", r.Kind)
			}
		case "condition":
			r.Condition = l.str(v, "condition")
		case "mechanism":
			r.Mechanism = domain.Mechanism(l.str(v, "mechanism"))
			if r.Mechanism != "" && !domain.In(r.Mechanism, domain.Mechanisms) {
				l.errf(v.Line, "unknown mechanism %q (expected one of %s)", r.Mechanism, joinMechanisms())
			}
		case "citation":
			r.Citation = l.str(v, "citation")
		case "verified":
			r.Verified = l.boolean(v, "verified")
		case "note":
			r.Note = l.str(v, "note")
		case "weight":
			w, err := strconv.Atoi(v.Value)
			if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || err != nil || w < 0 {
				l.errf(v.Line, "weight must be a whole number, 0 or more, not %q", v.Value)
			}
			r.Weight = w
		case "reason":
			r.Reason = l.str(v, "reason")
		case "title_km":
			r.TitleKm = l.str(v, "title_km")
		case "reason_km":
			r.ReasonKm = l.str(v, "reason_km")
		case "note_km":
			r.NoteKm = l.str(v, "note_km")
		default:
			l.errf(k.Line, "unknown key %q in rule (expected id, title, kind, condition, mechanism, citation, verified, note, weight, reason, and the Khmer title_km, reason_km, note_km)", k.Value)
		}
	}
	name := r.ID
	if name == "" {
		name = "the rule"
	}
	required := []string{"id", "title", "kind", "condition", "citation", "verified", "reason"}
	if r.Kind == DataCheck {
		// A data check states no law: it has nothing to verify, opens no
		// mechanism and weighs nothing in the queue. A citation is welcome
		// (why the record cannot be right) but not required.
		required = []string{"id", "title", "kind", "condition", "reason"}
		for _, k := range []string{"verified", "mechanism", "weight"} {
			if seen[k] != nil {
				l.errf(seen[k].Line, "%s: a data check states no law and takes no %s", name, k)
			}
		}
	}
	for _, req := range required {
		if seen[req] == nil {
			l.errf(n.Line, "%s: missing %s", name, req)
		}
	}
	if r.Kind == Eligible && seen["mechanism"] == nil {
		l.errf(n.Line, "%s: an eligible rule must name the mechanism it opens", name)
	}
	if r.Kind != DataCheck && seen["verified"] != nil && !r.Verified && r.Note == "" {
		l.errf(seen["verified"].Line, "%s: an unverified rule needs a note saying what is not confirmed", name)
	}
	r.prog = &program{condLine: lineOf(seen["condition"]), reasonLine: lineOf(seen["reason"]), reasonKmLine: lineOf(seen["reason_km"])}
	return r
}

// healthFacts are the facts drawn from health records (pregnancy, illness,
// disability, children in custody or dependent): what a reader who may not
// read health data must not learn from a rule's reason either.
var healthFacts = func() FactSet {
	var s FactSet
	for _, f := range []FactID{FPregnant, FPregnancyHasDue, FPregnancyDue, FPregnancyDaysPastDue, FChildrenInCustody,
		FDependentChild, FChronicIllness, FMentalIllness, FDisability} {
		s.Add(f)
	}
	return s
}()

// ReadsHealth reports whether the rule's condition or reason reads a fact
// drawn from health records.
func (r *Rule) ReadsHealth() bool {
	return r.prog != nil && (r.prog.refs.Intersects(healthFacts) || r.prog.reasonRefs.Intersects(healthFacts))
}

// lineOf is the line of the first character of a scalar's content: block
// scalars (| and >) start on the line after their indicator.
func lineOf(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Line + 1
	}
	return n.Line
}

func joinMechanisms() string {
	s := make([]string, len(domain.Mechanisms))
	for i, m := range domain.Mechanisms {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}
