package rules

import (
	"errors"
	"strings"
	"testing"
)

func TestBuiltinCompiles(t *testing.T) {
	p, err := Builtin(BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"LB-01", "LB-02", "LB-03", "LB-04", "LB-05", "LB-06", "LB-07", "LB-08", "LB-09", "LB-10", "LB-11",
		"RV-01", "RV-02", "RV-03", "EL-01", "EL-02", "EL-03", "EL-04", "EL-05", "PR-01", "PR-02", "PR-03", "PR-04", "PR-05"}
	var got []string
	for _, r := range p.Rules {
		got = append(got, r.ID)
		if !r.Verified && r.Note == "" {
			t.Errorf("%s is not verified and says nothing about why", r.ID)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("rules %v, want %v", got, want)
	}
	// The confirmation status of domain.md section 3.
	unverified := map[string]bool{"LB-02": true, "LB-03": true, "LB-04": true, "LB-05": true, "LB-06": true, "LB-07": true,
		"LB-09": true, "LB-10": true, "RV-02": true, "EL-01": true, "EL-02": true, "EL-05": true,
		// issue 15: the prosecution's time to appeal is unconfirmed.
		"LB-11": true, "RV-03": true}
	for _, r := range p.Rules {
		if r.Verified == unverified[r.ID] {
			t.Errorf("%s: verified = %v, domain.md says otherwise", r.ID, r.Verified)
		}
	}
}

const good = `pack: test
jurisdiction: Testland
version: "1"
params:
  limit: 4
  share: 2/3
rules:
  - id: R1
    title: a rule
    kind: unlawful
    condition: pretrial_days > params.limit
    citation: Art. 1
    verified: true
    reason: "held {pretrial_days} days; limit {params.limit}; share {params.share}"
`

func TestParseGood(t *testing.T) {
	p, err := Parse("good.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	var v Values
	v.SetInt(FPretrialDays, 5)
	o := p.EvaluateRule(p.Rules[0], &v)
	if !o.Fired || o.Undecided {
		t.Fatalf("outcome %+v", o)
	}
	if got, want := p.Rules[0].Explain(&v), "held 5 days; limit 4; share 0.6666666666666666"; got != want {
		t.Errorf("reason %q, want %q", got, want)
	}
	v.SetInt(FPretrialDays, 4)
	if o := p.EvaluateRule(p.Rules[0], &v); o.Fired || o.Undecided {
		t.Fatalf("on the limit: %+v", o)
	}
	var none Values
	o = p.EvaluateRule(p.Rules[0], &none)
	if !o.Undecided || strings.Join(o.Unknown, ",") != "pretrial_days" {
		t.Fatalf("with the fact unknown: %+v", o)
	}
}

// TestBadPacks: each broken pack is refused with the file, the line of the
// problem and the reason.
func TestBadPacks(t *testing.T) {
	cases := []struct {
		name, from, to, want string
	}{
		{"unknown fact", "pretrial_days > params.limit", "pretrial_dayz > params.limit", "bad.yaml:11: R1: condition: undeclared reference to 'pretrial_dayz'"},
		{"unknown param", "pretrial_days > params.limit", "pretrial_days > params.limt", "bad.yaml:11: R1: condition: unknown parameter params.limt"},
		{"type error", "pretrial_days > params.limit", `pretrial_days > "four"`, "bad.yaml:11: R1: condition: found no matching overload for '_>_' applied to '(int, string)'"},
		{"not a bool", "pretrial_days > params.limit", "pretrial_days + 1", "bad.yaml:11: R1: condition must be true or false, but it gives a int"},
		{"syntax error", "pretrial_days > params.limit", "pretrial_days >> 3", "bad.yaml:11: R1: condition: Syntax error"},
		{"missing citation", "    citation: Art. 1\n", "", "bad.yaml:8: R1: missing citation"},
		{"unknown kind", "kind: unlawful", "kind: illegal", `bad.yaml:10: unknown kind "illegal"`},
		{"unknown mechanism", "kind: unlawful", "kind: eligible\n    mechanism: prayer", `bad.yaml:11: unknown mechanism "prayer"`},
		{"eligible without mechanism", "kind: unlawful", "kind: eligible", "bad.yaml:8: R1: an eligible rule must name the mechanism it opens"},
		{"unverified without note", "verified: true", "verified: false", "bad.yaml:13: R1: an unverified rule needs a note"},
		{"bad reason", "limit {params.limit}", "limit {params.nope}", "bad.yaml:14: R1: reason {params.nope}: unknown parameter params.nope"},
		{"yaml syntax", "title: a rule", "title: [a rule", "bad.yaml:8: not valid YAML"},
		{"unknown key", "title: a rule", "title: a rule\n    weigth: 3", `bad.yaml:10: unknown key "weigth" in rule`},
		{"duplicate id", "", "", "bad.yaml:15: duplicate rule id R1 (first defined on line 8)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := good
			if c.name == "duplicate id" {
				src += good[strings.Index(good, "  - id: R1"):]
			} else {
				src = strings.Replace(good, c.from, c.to, 1)
				if src == good {
					t.Fatalf("the test's replacement did not apply")
				}
			}
			_, err := Parse("bad.yaml", []byte(src))
			if err == nil {
				t.Fatalf("accepted:\n%s", src)
			}
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("error %T: %v", err, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error:\n%v\nwant it to contain:\n%s", err, c.want)
			}
		})
	}
}

// TestMultilineConditionLine: an error on the third line of a block scalar
// is reported on that line of the file.
func TestMultilineConditionLine(t *testing.T) {
	src := strings.Replace(good, "condition: pretrial_days > params.limit", "condition: |\n      untried &&\n      untried &&\n      nope > 1", 1)
	_, err := Parse("m.yaml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "m.yaml:14: R1: condition: undeclared reference to 'nope'") {
		t.Fatalf("got %v", err)
	}
}

func TestEveryFactHasADocAndAUniqueName(t *testing.T) {
	seen := map[string]bool{}
	for i, f := range Facts {
		if int(f.ID) != i {
			t.Errorf("fact %s is at %d but has id %d", f.Name, i, f.ID)
		}
		if f.Doc == "" || seen[f.Name] || !identRE.MatchString(f.Name) {
			t.Errorf("fact %q: empty doc, duplicate or bad name", f.Name)
		}
		seen[f.Name] = true
	}
}
