package rules

import "cel.dev/cel-go/interpreter"

// EvaluatePartial evaluates a rule over the unknown facts only, the way
// every rule reading an unknown fact was evaluated before the fast program
// was tried first: the reference TestFastFirstMatchesPartial compares with.
func (p *Pack) EvaluatePartial(r *Rule, v *Values) Outcome {
	var partial interpreter.PartialActivation
	return p.evalPartial(r, v, activation{v}, v.Unknown(), &partial)
}
