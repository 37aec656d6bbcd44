package rules

import (
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/habeas-kh/habeas/internal/domain"
)

// Unlawful release is not a mechanism a person is eligible for: it is what
// must happen to someone held without legal basis. A pack's mechanisms
// section names who must act for it under this key, beside the release
// mechanisms of domain.Mechanisms.
const ReleaseUnlawful = domain.PlanUnlawful

// MechanismInfo says who must act to release a person by a mechanism, and
// on what law: what a plan tells a ministry planner for each person in it.
type MechanismInfo struct {
	Mechanism domain.Mechanism
	Authority string
	// AuthorityKm is the authority in Khmer (authority_km); empty when the
	// pack gives none.
	AuthorityKm string
	Citation    string
	Verified    bool
	Note        string
	Line        int
}

// Mechanism returns the pack's metadata of a mechanism, and false when the
// pack declares none for it.
func (p *Pack) Mechanism(m domain.Mechanism) (MechanismInfo, bool) {
	i := slices.IndexFunc(p.Mechanisms, func(x MechanismInfo) bool { return x.Mechanism == m })
	if i < 0 {
		return MechanismInfo{}, false
	}
	return p.Mechanisms[i], true
}

// mechanisms reads the mechanisms section: a mapping from a mechanism to
// its authority, citation, verified and note, in the order a plan prefers
// them when several are open to one person.
func (l *loader) mechanisms(v *yaml.Node) []MechanismInfo {
	if v.Kind != yaml.MappingNode {
		l.errf(v.Line, "mechanisms must be a mapping from a mechanism to its authority, citation, verified and note")
		return nil
	}
	var out []MechanismInfo
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		m := MechanismInfo{Mechanism: domain.Mechanism(k.Value), Line: k.Line}
		if m.Mechanism != ReleaseUnlawful && !domain.In(m.Mechanism, domain.Mechanisms) {
			l.errf(k.Line, "unknown mechanism %q (expected %s or one of %s)", k.Value, ReleaseUnlawful, joinMechanisms())
			continue
		}
		if slices.ContainsFunc(out, func(x MechanismInfo) bool { return x.Mechanism == m.Mechanism }) {
			l.errf(k.Line, "mechanism %s is given twice", k.Value)
			continue
		}
		if val.Kind != yaml.MappingNode {
			l.errf(val.Line, "mechanism %s must be a mapping with authority, citation, verified and note", k.Value)
			continue
		}
		given := map[string]*yaml.Node{}
		for j := 0; j+1 < len(val.Content); j += 2 {
			key, kv := val.Content[j], val.Content[j+1]
			if given[key.Value] != nil {
				l.errf(key.Line, "mechanism %s: %s is given twice", k.Value, key.Value)
			}
			given[key.Value] = kv
			switch key.Value {
			case "authority":
				m.Authority = l.str(kv, "mechanism "+k.Value+": authority")
			case "authority_km":
				m.AuthorityKm = l.str(kv, "mechanism "+k.Value+": authority_km")
			case "citation":
				m.Citation = l.str(kv, "mechanism "+k.Value+": citation")
			case "verified":
				m.Verified = l.boolean(kv, "mechanism "+k.Value+": verified")
			case "note":
				m.Note = l.str(kv, "mechanism "+k.Value+": note")
			default:
				l.errf(key.Line, "unknown key %q in mechanism %s (expected authority, authority_km, citation, verified, note)", key.Value, k.Value)
			}
		}
		for _, req := range []string{"authority", "citation", "verified"} {
			if given[req] == nil {
				l.errf(k.Line, "mechanism %s: missing %s", k.Value, req)
			}
		}
		if given["verified"] != nil && !m.Verified && m.Note == "" {
			l.errf(given["verified"].Line, "mechanism %s: an unverified mechanism needs a note saying what is not confirmed", k.Value)
		}
		out = append(out, m)
	}
	return out
}

// checkMechanisms: a pack that declares mechanisms declares every one its
// eligible rules open, so that no one in a plan lacks an authority.
func (l *loader) checkMechanisms(p *Pack, line int) {
	if p.Mechanisms == nil {
		return
	}
	for _, r := range p.Rules {
		if r.Kind == Eligible && r.Mechanism != "" {
			if _, ok := p.Mechanism(r.Mechanism); !ok {
				l.errf(line, "%s opens %s, which the mechanisms section does not declare (its authority and citation)", r.ID, r.Mechanism)
			}
		}
	}
}
