// Package plan computes decongestion plans: from the screening of the
// register on a date, who to release, by which mechanism and on whose
// decision, to bring each facility to a target (its official capacity, a
// floor space per person, a number of releases shared nationally, or what
// a pledge still needs), and what each choice of the planner (a mechanism
// switched off, a category excluded) costs in releases. See docs/plan.md.
//
// The computation (Compute) is pure: it reads screening results and the
// estate it is given, so that a test can build both by hand and the CLI,
// the web and a benchmark all get the same figures. It is its own package,
// not part of registry: registry owns the staff's reading and writing of
// person files, while a plan is a national, cross-facility aggregate over
// a screening that the CLI computes without a registry at all.
package plan

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/rules"
)

// TargetKind is what a plan brings each facility to.
type TargetKind string

const (
	TargetCapacity TargetKind = "capacity" // the official capacity in force on the date
	TargetDensity  TargetKind = "density"  // a floor space per person, in m², from measured cells
	TargetReleases TargetKind = "releases" // N releases nationally, shared in proportion to overcrowding
	TargetPledge   TargetKind = "pledge"   // the releases a pledge still needs, shared like releases:N
)

// Target is a parsed --target.
type Target struct {
	Kind   TargetKind
	M2     float64 // density
	N      int     // releases
	Pledge string  // pledge id
}

func (t Target) String() string {
	switch t.Kind {
	case TargetDensity:
		return "density:" + strconv.FormatFloat(t.M2, 'f', -1, 64)
	case TargetReleases:
		return "releases:" + strconv.Itoa(t.N)
	case TargetPledge:
		return "pledge:" + t.Pledge
	}
	return string(t.Kind)
}

// ParseTarget reads capacity, density:M2, releases:N or pledge:ID. Its
// errors name the field "target".
func ParseTarget(s string) (Target, error) {
	kind, arg, hasArg := strings.Cut(strings.TrimSpace(s), ":")
	switch TargetKind(kind) {
	case TargetCapacity:
		if hasArg {
			return Target{}, domain.Invalid("target", "capacity takes no value, not %q", arg)
		}
		return Target{Kind: TargetCapacity}, nil
	case TargetDensity:
		m2, err := strconv.ParseFloat(arg, 64)
		if !hasArg || err != nil || m2 <= 0 || m2 > 100 {
			return Target{}, domain.Invalid("target", "density needs a floor space per person in m², more than 0 and at most 100 (e.g. density:3.4), not %q", arg)
		}
		return Target{Kind: TargetDensity, M2: m2}, nil
	case TargetReleases:
		n, err := strconv.Atoi(arg)
		if !hasArg || err != nil || n < 0 || n > 10_000_000 {
			return Target{}, domain.Invalid("target", "releases needs a whole number of releases, 0 or more (e.g. releases:10000), not %q", arg)
		}
		return Target{Kind: TargetReleases, N: n}, nil
	case TargetPledge:
		if !hasArg || strings.TrimSpace(arg) == "" {
			return Target{}, domain.Invalid("target", "pledge needs the id of a pledge (e.g. pledge:release-10000)")
		}
		return Target{Kind: TargetPledge, Pledge: arg}, nil
	}
	return Target{}, domain.Invalid("target", "unknown target %q (expected capacity, density:M2, releases:N or pledge:ID)", s)
}

// Exclusion is a category of people the planner leaves out of the plan's
// discretionary releases. Each is the screening fact of the same name (see
// screening.Traits); people held unlawfully are never excluded: their
// release is owed.
type Exclusion string

const (
	ExcludeViolent Exclusion = "violent" // some charge is an offence of violence
	ExcludeFelony  Exclusion = "felony"  // the most serious charge is a felony (fact charge_class)
	ExcludeDrug    Exclusion = "drug"    // some charge is a drug offence
	ExcludeGrave   Exclusion = "grave"   // genocide, a crime against humanity or a war crime
)

// Exclusions are every exclusion, in the order plans list them.
var Exclusions = []Exclusion{ExcludeViolent, ExcludeFelony, ExcludeDrug, ExcludeGrave}

// ParseExclusions reads a comma-separated list; its errors name the field
// "exclude".
func ParseExclusions(s string) ([]Exclusion, error) {
	var out []Exclusion
	for _, x := range splitList(s) {
		e := Exclusion(x)
		if !slices.Contains(Exclusions, e) {
			return nil, domain.Invalid("exclude", "unknown exclusion %q (expected violent, felony, drug or grave)", x)
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// ParseMechanisms reads a comma-separated list of the mechanisms the plan
// may use; empty means every release mechanism of the pack. Its errors
// name the field "mechanisms".
func ParseMechanisms(s string, pack *rules.Pack) ([]domain.Mechanism, error) {
	open := PackMechanisms(pack)
	if strings.TrimSpace(s) == "" {
		return open, nil
	}
	var out []domain.Mechanism
	for _, x := range splitList(s) {
		m := domain.Mechanism(x)
		if !slices.Contains(open, m) {
			names := make([]string, len(open))
			for i, o := range open {
				names[i] = string(o)
			}
			return nil, domain.Invalid("mechanisms", "unknown mechanism %q (the pack's release mechanisms are %s)", x, strings.Join(names, ", "))
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out, nil
}

// PackMechanisms are the mechanisms the pack's eligible rules open, in the
// order of preference of its mechanisms section (then of the rules).
func PackMechanisms(pack *rules.Pack) []domain.Mechanism {
	var opened []domain.Mechanism
	for _, r := range pack.Rules {
		if r.Kind == rules.Eligible && r.Mechanism != "" && !slices.Contains(opened, r.Mechanism) {
			opened = append(opened, r.Mechanism)
		}
	}
	var out []domain.Mechanism
	for _, m := range pack.Mechanisms {
		if slices.Contains(opened, m.Mechanism) {
			out = append(out, m.Mechanism)
		}
	}
	for _, m := range opened {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// Group is an at-risk group a plan counts releases by (domain.md section 1:
// the statement's priorities). A person may be in several.
type Group string

const (
	GroupOlder    Group = "older"         // aged at least the pack's older_age (60 by default)
	GroupIll      Group = "ill"           // chronic, serious or mental illness, or disability
	GroupPregnant Group = "pregnant"      //
	GroupMothers  Group = "mothers"       // a woman with a child living with her or a dependent child
	GroupChildren Group = "children"      // under 18
	GroupMinor    Group = "minor_offence" // charged, the most serious charge a misdemeanour or petty offence
)

// Groups in the order plans list them.
var Groups = []Group{GroupOlder, GroupIll, GroupPregnant, GroupMothers, GroupChildren, GroupMinor}

func errf(format string, args ...any) error { return fmt.Errorf(format, args...) }

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func fmtFloat(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func sortStrings(s []string) { slices.Sort(s) }

func joinM(ms []domain.Mechanism) string {
	if len(ms) == 0 {
		return "none"
	}
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}
