package rules

import (
	"regexp"
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/i18n"
)

// TestBuiltinKhmer: the built-in pack gives every rule's title and reason
// and every mechanism's authority in Khmer (issue 16 item 13).
func TestBuiltinKhmer(t *testing.T) {
	p, err := Builtin(BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	khmer := regexp.MustCompile(`\p{Khmer}`)
	for _, r := range append(append([]*Rule{}, p.Rules...), p.Checks...) {
		if title, ok := r.TitleIn(i18n.Khmer); !ok || !khmer.MatchString(title) {
			t.Errorf("%s: no Khmer title (%q)", r.ID, title)
		}
		if !r.HasKhmer() || !khmer.MatchString(r.ReasonKm) {
			t.Errorf("%s: no Khmer reason", r.ID)
		}
	}
	for _, m := range p.Mechanisms {
		if !khmer.MatchString(m.AuthorityKm) {
			t.Errorf("mechanism %s: no Khmer authority", m.Mechanism)
		}
	}
}

// TestKhmerReason: a Khmer reason writes its computed numbers and dates in
// Khmer form, and a pack with no Khmer falls back to its English.
func TestKhmerReason(t *testing.T) {
	src := good + `    title_km: "ច្បាប់"
    reason_km: "ជាប់ឃុំ {pretrial_days} ថ្ងៃ គិតត្រឹម {as_of}; កំណត់ {params.limit}; ចំណែក {percent(params.share)}"
`
	p, err := Parse("km.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	r := p.Rules[0]
	var v Values
	v.SetInt(FPretrialDays, 1234)
	v.SetString(FAsOf, "2020-12-31")
	if got, want := r.ExplainKm(&v), "ជាប់ឃុំ ១២៣៤ ថ្ងៃ គិតត្រឹម ៣១ ធ្នូ ២០២០; កំណត់ ៤; ចំណែក ៦៦,៧%"; got != want {
		t.Errorf("Khmer reason %q, want %q", got, want)
	}
	if got, want := r.Explain(&v), "held 1234 days; limit 4; share 0.6666666666666666"; got != want {
		t.Errorf("English reason %q, want %q", got, want)
	}
	if title, ok := r.TitleIn(i18n.Khmer); !ok || title != "ច្បាប់" {
		t.Errorf("Khmer title %q %v", title, ok)
	}

	// The same pack without Khmer still loads: English, said to be English.
	old, err := Parse("old.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	r = old.Rules[0]
	if r.HasKhmer() || r.ExplainKm(&v) != "" {
		t.Error("a pack with no Khmer reason has one")
	}
	if title, ok := r.TitleIn(i18n.Khmer); ok || title != "a rule" {
		t.Errorf("fallback title %q %v, want the English, not Khmer", title, ok)
	}

	// A broken Khmer template is an error naming its key and line.
	_, err = Parse("bad.yaml", []byte(good+"    reason_km: \"{nosuchfact}\"\n"))
	if err == nil || !strings.Contains(err.Error(), "reason_km") || !strings.Contains(err.Error(), "bad.yaml:22") {
		t.Errorf("a bad Khmer reason: %v", err)
	}
}
