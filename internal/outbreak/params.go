package outbreak

import (
	_ "embed"
	"fmt"
	"math"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/habeas-kh/habeas/internal/yamlerr"
)

//go:embed params.yaml
var defaultParams []byte

// DefaultParamsFile is the name under which errors in the embedded
// parameters would be reported.
const DefaultParamsFile = "params.yaml (built in)"

// Params are the model's parameters. docs/outbreak.md and params.yaml say
// what each means and where it comes from.
type Params struct {
	R0                         [3]float64 // triangular: min, mode, max
	DormitoryMultiplier        float64
	DormitoryMinCellCapacity   int
	Transmission               string // "density" or "frequency"
	CrowdingPer10Points        float64
	CrowdingReferenceOccupancy float64
	CrowdingMaxMultiplier      float64
	LatentDays                 float64
	InfectiousDays             float64
	HospitalLagDays            float64
	HospitalStayDays           float64
	HospitalToDeathDays        float64
	AsymptomaticShare          float64
	AsymptomaticInfectiousness float64
	IFRIntercept               float64
	IFRSlope                   float64
	LMICMultiplier             float64
	ChronicDeathMultiplier     float64
	ChronicHospitalMultiplier  float64
	HospitalisationByAge       [NAges]float64
	StaffPerResident           float64
	StaffContact               float64
	CommunityDailyIncidence    float64
	AdmissionInfectedShare     float64
	InitialExposed             float64
	IsolationDetectedShare     float64
	IsolationReduction         float64
	PriorImmuneShare           float64
	AdmissionsMultiplier       float64
	TimeStepDays               float64

	// Entries are the file's entries in file order, with their provenance,
	// for the output's list of assumptions.
	Entries []Entry
}

// Entry is one parameter as the file gives it.
type Entry struct {
	Key      string `json:"key"`
	Value    any    `json:"value"`
	Unit     string `json:"unit"`
	Source   string `json:"source"`
	Verified bool   `json:"verified"`
}

// The transmission variants.
const (
	Density   = "density"
	Frequency = "frequency"
)

// kind of a parameter's value.
type kind int

const (
	number kind = iota
	numbers
	integer
	word
)

// spec says how to read one key.
type spec struct {
	key      string
	kind     kind
	n        int     // numbers: how many
	min, max float64 // allowed range (inclusive)
	words    []string
	set      func(p *Params, v []float64, s string)
}

var inf = math.Inf(1)

// specs is every key a parameter file must have, in the order of the
// built-in file.
var specs = []spec{
	{key: "r0", kind: numbers, n: 3, min: 0, max: 100, set: func(p *Params, v []float64, _ string) { copy(p.R0[:], v) }},
	{key: "dormitory_multiplier", min: 0, max: 100, set: func(p *Params, v []float64, _ string) { p.DormitoryMultiplier = v[0] }},
	{key: "dormitory_min_cell_capacity", kind: integer, min: 1, max: 1e6, set: func(p *Params, v []float64, _ string) { p.DormitoryMinCellCapacity = int(v[0]) }},
	{key: "transmission", kind: word, words: []string{Density, Frequency}, set: func(p *Params, _ []float64, s string) { p.Transmission = s }},
	{key: "crowding_per_10_points", min: 0, max: 10, set: func(p *Params, v []float64, _ string) { p.CrowdingPer10Points = v[0] }},
	{key: "crowding_reference_occupancy", min: 0, max: 100, set: func(p *Params, v []float64, _ string) { p.CrowdingReferenceOccupancy = v[0] }},
	{key: "crowding_max_multiplier", min: 1, max: 1000, set: func(p *Params, v []float64, _ string) { p.CrowdingMaxMultiplier = v[0] }},
	{key: "latent_days", min: 0.01, max: 365, set: func(p *Params, v []float64, _ string) { p.LatentDays = v[0] }},
	{key: "infectious_days", min: 0.01, max: 365, set: func(p *Params, v []float64, _ string) { p.InfectiousDays = v[0] }},
	{key: "hospital_lag_days", min: 0.01, max: 365, set: func(p *Params, v []float64, _ string) { p.HospitalLagDays = v[0] }},
	{key: "hospital_stay_days", min: 0.01, max: 365, set: func(p *Params, v []float64, _ string) { p.HospitalStayDays = v[0] }},
	{key: "hospital_to_death_days", min: 0.01, max: 365, set: func(p *Params, v []float64, _ string) { p.HospitalToDeathDays = v[0] }},
	{key: "asymptomatic_share", min: 0, max: 1, set: func(p *Params, v []float64, _ string) { p.AsymptomaticShare = v[0] }},
	{key: "asymptomatic_infectiousness", min: 0, max: 10, set: func(p *Params, v []float64, _ string) { p.AsymptomaticInfectiousness = v[0] }},
	{key: "ifr_intercept", min: -inf, max: inf, set: func(p *Params, v []float64, _ string) { p.IFRIntercept = v[0] }},
	{key: "ifr_slope", min: -inf, max: inf, set: func(p *Params, v []float64, _ string) { p.IFRSlope = v[0] }},
	{key: "lmic_multiplier", min: 0, max: 100, set: func(p *Params, v []float64, _ string) { p.LMICMultiplier = v[0] }},
	{key: "chronic_death_multiplier", min: 0, max: 100, set: func(p *Params, v []float64, _ string) { p.ChronicDeathMultiplier = v[0] }},
	{key: "chronic_hospital_multiplier", min: 0, max: 100, set: func(p *Params, v []float64, _ string) { p.ChronicHospitalMultiplier = v[0] }},
	{key: "hospitalisation_by_age", kind: numbers, n: NAges, min: 0, max: 1, set: func(p *Params, v []float64, _ string) { copy(p.HospitalisationByAge[:], v) }},
	{key: "staff_per_resident", min: 0, max: 10, set: func(p *Params, v []float64, _ string) { p.StaffPerResident = v[0] }},
	{key: "staff_contact", min: 0, max: 100, set: func(p *Params, v []float64, _ string) { p.StaffContact = v[0] }},
	{key: "community_daily_incidence", min: 0, max: 1, set: func(p *Params, v []float64, _ string) { p.CommunityDailyIncidence = v[0] }},
	{key: "admission_infected_share", min: 0, max: 1, set: func(p *Params, v []float64, _ string) { p.AdmissionInfectedShare = v[0] }},
	{key: "initial_exposed", min: 0, max: 1e9, set: func(p *Params, v []float64, _ string) { p.InitialExposed = v[0] }},
	{key: "isolation_detected_share", min: 0, max: 1, set: func(p *Params, v []float64, _ string) { p.IsolationDetectedShare = v[0] }},
	{key: "isolation_reduction", min: 0, max: 1, set: func(p *Params, v []float64, _ string) { p.IsolationReduction = v[0] }},
	{key: "prior_immune_share", min: 0, max: 1, set: func(p *Params, v []float64, _ string) { p.PriorImmuneShare = v[0] }},
	{key: "admissions_multiplier", min: 0, max: 100, set: func(p *Params, v []float64, _ string) { p.AdmissionsMultiplier = v[0] }},
	{key: "time_step_days", min: 0.001, max: 1, set: func(p *Params, v []float64, _ string) { p.TimeStepDays = v[0] }},
}

// DefaultParams are the built-in parameters (params.yaml).
func DefaultParams() *Params {
	p, err := ParseParams(DefaultParamsFile, defaultParams)
	if err != nil {
		// The file is embedded and tested: a failure is a build defect.
		panic(err)
	}
	return p
}

// ParseParams reads a parameter file. Every problem (an unknown key, a key
// missing, a value missing, of the wrong type or out of range) is reported
// with the file's name and line, all at once, as yamlerr.Errors.
func ParseParams(file string, data []byte) (*Params, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlerr.Errors{{File: file, Line: yamlerr.Line(err), Msg: yamlerr.Msg(err)}}
	}
	if len(doc.Content) == 0 {
		return nil, yamlerr.Errors{{File: file, Msg: "the file is empty"}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, yamlerr.Errors{{File: file, Line: root.Line, Msg: "want a mapping of parameter names to entries"}}
	}
	byKey := map[string]*spec{}
	for i := range specs {
		byKey[specs[i].key] = &specs[i]
	}
	p := &Params{}
	var errs yamlerr.Errors
	bad := func(line int, format string, args ...any) {
		errs = append(errs, yamlerr.Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		sp := byKey[k.Value]
		if sp == nil {
			bad(k.Line, "unknown parameter %q", k.Value)
			continue
		}
		if seen[k.Value] {
			bad(k.Line, "parameter %q given twice", k.Value)
			continue
		}
		seen[k.Value] = true
		e, ok := readEntry(sp, k.Line, v, bad)
		if !ok {
			continue
		}
		p.Entries = append(p.Entries, e)
	}
	for _, sp := range specs {
		if !seen[sp.key] {
			bad(0, "parameter %q is missing", sp.key)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	for _, e := range p.Entries {
		sp := byKey[e.Key]
		switch v := e.Value.(type) {
		case float64:
			sp.set(p, []float64{v}, "")
		case []float64:
			sp.set(p, v, "")
		case string:
			sp.set(p, nil, v)
		}
	}
	if !(p.R0[0] <= p.R0[1] && p.R0[1] <= p.R0[2]) {
		return nil, yamlerr.Errors{{File: file, Line: lineOf(root, "r0"), Msg: fmt.Sprintf("r0: want min <= mode <= max, got %v", p.R0)}}
	}
	return p, nil
}

// lineOf is the line of a top-level key.
func lineOf(root *yaml.Node, key string) int {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == key {
			return root.Content[i].Line
		}
	}
	return 0
}

// readEntry reads one entry: a mapping with value, unit, source and
// verified.
func readEntry(sp *spec, keyLine int, n *yaml.Node, bad func(int, string, ...any)) (Entry, bool) {
	e := Entry{Key: sp.key}
	if n.Kind != yaml.MappingNode {
		bad(n.Line, "%s: want a mapping with value, unit, source and verified", sp.key)
		return e, false
	}
	var value *yaml.Node
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "value":
			value = v
		case "unit", "source":
			if v.Kind != yaml.ScalarNode {
				bad(v.Line, "%s.%s: want text", sp.key, k.Value)
				ok = false
				continue
			}
			if k.Value == "unit" {
				e.Unit = v.Value
			} else {
				e.Source = v.Value
			}
		case "verified":
			b, err := strconv.ParseBool(v.Value)
			if v.Kind != yaml.ScalarNode || err != nil {
				bad(v.Line, "%s.verified: want true or false, not %q", sp.key, v.Value)
				ok = false
				continue
			}
			e.Verified = b
		default:
			bad(k.Line, "%s: unknown key %q (want value, unit, source, verified)", sp.key, k.Value)
			ok = false
		}
	}
	if value == nil || (value.Kind == yaml.ScalarNode && value.Tag == "!!null") {
		bad(keyLine, "%s: the value is missing", sp.key)
		return e, false
	}
	if e.Source == "" {
		bad(keyLine, "%s: the source is missing (say where the value comes from, or that it is a placeholder)", sp.key)
		ok = false
	}
	num := func(v *yaml.Node, what string) (float64, bool) {
		if v.Kind != yaml.ScalarNode || (v.Tag != "!!int" && v.Tag != "!!float") {
			bad(v.Line, "%s: want a number, not %q", what, v.Value)
			return 0, false
		}
		f, err := strconv.ParseFloat(v.Value, 64)
		if err != nil || math.IsNaN(f) {
			bad(v.Line, "%s: want a number, not %q", what, v.Value)
			return 0, false
		}
		if f < sp.min || f > sp.max {
			if f < 0 && sp.min >= 0 {
				bad(v.Line, "%s: %v is negative", what, f)
			} else {
				bad(v.Line, "%s: %v is out of range [%v, %v]", what, f, sp.min, sp.max)
			}
			return 0, false
		}
		if sp.kind == integer && f != math.Trunc(f) {
			bad(v.Line, "%s: want a whole number, not %v", what, f)
			return 0, false
		}
		return f, true
	}
	switch sp.kind {
	case number, integer:
		f, good := num(value, sp.key)
		if !good {
			return e, false
		}
		e.Value = f
	case numbers:
		if value.Kind != yaml.SequenceNode || len(value.Content) != sp.n {
			bad(value.Line, "%s: want a list of %d numbers", sp.key, sp.n)
			return e, false
		}
		vs := make([]float64, sp.n)
		for i, c := range value.Content {
			f, good := num(c, fmt.Sprintf("%s[%d]", sp.key, i))
			if !good {
				return e, false
			}
			vs[i] = f
		}
		e.Value = vs
	case word:
		if value.Kind != yaml.ScalarNode || value.Tag != "!!str" {
			bad(value.Line, "%s: want one of %v", sp.key, sp.words)
			return e, false
		}
		found := false
		for _, w := range sp.words {
			found = found || w == value.Value
		}
		if !found {
			bad(value.Line, "%s: %q is not one of %v", sp.key, value.Value, sp.words)
			return e, false
		}
		e.Value = value.Value
	}
	return e, ok
}

// DefaultParamsYAML is the built-in parameter file, to start another from.
func DefaultParamsYAML() []byte { return append([]byte(nil), defaultParams...) }
