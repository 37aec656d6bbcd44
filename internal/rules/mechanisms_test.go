package rules_test

import (
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/rules"
)

// TestMechanismsSection: the Cambodia pack names who must act for every
// mechanism its rules open, and for release from unlawful detention; a
// section that is wrong is refused with the line.
func TestMechanismsSection(t *testing.T) {
	p, err := rules.Load(rules.BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Rules {
		if r.Kind != rules.Eligible {
			continue
		}
		m, ok := p.Mechanism(r.Mechanism)
		if !ok || m.Authority == "" || m.Citation == "" || (!m.Verified && m.Note == "") {
			t.Errorf("%s opens %s: metadata %+v", r.ID, r.Mechanism, m)
		}
	}
	if m, ok := p.Mechanism(rules.ReleaseUnlawful); !ok || !strings.Contains(m.Citation, "Mandela Rule 7") {
		t.Errorf("release from unlawful detention: %+v", m)
	}
	const head = "pack: x\njurisdiction: y\nversion: \"1\"\n"
	const rule = "rules:\n  - id: A\n    title: t\n    kind: eligible\n    mechanism: royal_pardon\n    condition: convicted\n    citation: c\n    verified: true\n    reason: r\n"
	for _, c := range []struct{ yaml, want string }{
		{"mechanisms:\n  royal_pardonn:\n    authority: the King\n    citation: decree\n    verified: true\n", `x.yaml:5: unknown mechanism "royal_pardonn"`},
		{"mechanisms:\n  royal_pardon:\n    citation: decree\n    verified: true\n", "x.yaml:5: mechanism royal_pardon: missing authority"},
		{"mechanisms:\n  royal_pardon:\n    authority: the King\n    citation: decree\n    verified: false\n", "x.yaml:8: mechanism royal_pardon: an unverified mechanism needs a note"},
		{"mechanisms:\n  judicial_supervision:\n    authority: a judge\n    citation: CPC\n    verified: true\n", "A opens royal_pardon, which the mechanisms section does not declare"},
	} {
		_, err := rules.Parse("x.yaml", []byte(head+c.yaml+rule))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v; want %q", c.yaml, err, c.want)
		}
	}
	if _, err := rules.Parse("x.yaml", []byte(head+rule)); err != nil {
		t.Errorf("a pack with no mechanisms section: %v", err)
	}
}
