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
  limit:
    value: 4
    citation: Art. 2
    verified: true
  share:
    value: 2/3
    citation: Art. 3
    verified: false
    note: secondary
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
		{"unknown fact", "pretrial_days > params.limit", "pretrial_dayz > params.limit", "bad.yaml:18: R1: condition: undeclared reference to 'pretrial_dayz'"},
		{"unknown param", "pretrial_days > params.limit", "pretrial_days > params.limt", "bad.yaml:18: R1: condition: unknown parameter params.limt"},
		{"type error", "pretrial_days > params.limit", `pretrial_days > "four"`, "bad.yaml:18: R1: condition: found no matching overload for '_>_' applied to '(int, string)'"},
		{"not a bool", "pretrial_days > params.limit", "pretrial_days + 1", "bad.yaml:18: R1: condition must be true or false, but it gives a int"},
		{"syntax error", "pretrial_days > params.limit", "pretrial_days >> 3", "bad.yaml:18: R1: condition: Syntax error"},
		{"missing citation", "    citation: Art. 1\n", "", "bad.yaml:15: R1: missing citation"},
		{"unknown kind", "kind: unlawful", "kind: illegal", `bad.yaml:17: unknown kind "illegal"`},
		{"unknown mechanism", "kind: unlawful", "kind: eligible\n    mechanism: prayer", `bad.yaml:18: unknown mechanism "prayer"`},
		{"eligible without mechanism", "kind: unlawful", "kind: eligible", "bad.yaml:15: R1: an eligible rule must name the mechanism it opens"},
		{"unverified without note", "verified: true\n    reason", "verified: false\n    reason", "bad.yaml:20: R1: an unverified rule needs a note"},
		{"bad reason", "limit {params.limit}", "limit {params.nope}", "bad.yaml:21: R1: reason {params.nope}: unknown parameter params.nope"},
		{"yaml syntax", "title: a rule", "title: [a rule", "bad.yaml:15: not valid YAML"},
		{"unknown key", "title: a rule", "title: a rule\n    weigth: 3", `bad.yaml:17: unknown key "weigth" in rule`},
		{"duplicate id", "", "", "bad.yaml:22: duplicate rule id R1 (first defined on line 15)"},
		{"parameter without citation", "    citation: Art. 2\n", "", "bad.yaml:5: parameter limit: missing citation"},
		{"parameter without verified", "    citation: Art. 2\n    verified: true\n", "    citation: Art. 2\n", "bad.yaml:5: parameter limit: missing verified"},
		{"parameter as a plain value", "  limit:\n    value: 4\n    citation: Art. 2\n    verified: true\n", "  limit: 4\n", "bad.yaml:5: parameter limit: missing citation and verified"},
		{"unverified parameter without a note", "    verified: false\n    note: secondary\n", "    verified: false\n", "bad.yaml:12: parameter share: an unverified parameter needs a note"},
		{"parameter verified not a boolean", "    citation: Art. 2\n    verified: true\n", "    citation: Art. 2\n    verified: yes please\n", `bad.yaml:8: parameter limit: verified must be true or false, not "yes please"`},
		{"unknown key in a parameter", "    citation: Art. 2\n", "    citation: Art. 2\n    source: x\n", `bad.yaml:8: unknown key "source" in parameter limit (expected value, citation, verified, note)`},
		{"reviewer without a date", "version: \"1\"\n", "version: \"1\"\nreviewed_by: A. Lawyer\n", "bad.yaml:1: reviewed_by is given without reviewed_on"},
		{"review date without a reviewer", "version: \"1\"\n", "version: \"1\"\nreviewed_on: 2021-03-01\n", "bad.yaml:1: reviewed_on is given without reviewed_by"},
		{"review date not a date", "version: \"1\"\n", "version: \"1\"\nreviewed_by: A. Lawyer\nreviewed_on: March 2021\n", "bad.yaml:5: reviewed_on:"},
		{"data check with verified", "kind: unlawful", "kind: data_check", "bad.yaml:20: R1: a data check states no law and takes no verified"},
		{"data check with a weight", "kind: unlawful", "kind: data_check\n    weight: 2", "bad.yaml:18: R1: a data check states no law and takes no weight"},
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
	if err == nil || !strings.Contains(err.Error(), "m.yaml:21: R1: condition: undeclared reference to 'nope'") {
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

// TestParamsAndReview: a parameter keeps its citation, status and note, and
// a pack its reviewer and date, as written.
func TestParamsAndReview(t *testing.T) {
	src := strings.Replace(good, "version: \"1\"\n", "version: \"1\"\nreviewed_by: A. Lawyer\nreviewed_on: 2021-03-01\n", 1)
	p, err := Parse("good.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if p.ReviewedBy != "A. Lawyer" || p.ReviewedOn.String() != "2021-03-01" {
		t.Errorf("review: %q on %s", p.ReviewedBy, p.ReviewedOn)
	}
	want := []Param{{Name: "limit", Value: int64(4), Citation: "Art. 2", Verified: true, Line: 7},
		{Name: "share", Value: 2.0 / 3, Citation: "Art. 3", Verified: false, Note: "secondary", Line: 11}}
	if len(p.Params) != len(want) {
		t.Fatalf("params %+v", p.Params)
	}
	for i := range want {
		if p.Params[i] != want[i] {
			t.Errorf("param %d: %+v, want %+v", i, p.Params[i], want[i])
		}
	}
	p, err = Parse("good.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if p.ReviewedBy != "" || p.ReviewedOn != 0 {
		t.Errorf("a pack with no review: %q on %s", p.ReviewedBy, p.ReviewedOn)
	}
}

// TestDataChecksKeptApart: a rule of kind data_check is compiled like a rule
// but listed among the checks, not the rules of law, and needs no citation.
func TestDataChecksKeptApart(t *testing.T) {
	src := good + `
  - id: Q1
    title: a check
    kind: data_check
    condition: pretrial_days < 0
    reason: "{pretrial_days} days"
`
	p, err := Parse("good.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rules) != 1 || p.Rules[0].ID != "R1" || len(p.Checks) != 1 || p.Checks[0].ID != "Q1" {
		t.Fatalf("rules %v, checks %v", p.Rules, p.Checks)
	}
	var v Values
	v.SetInt(FPretrialDays, -1)
	out := p.EvaluateChecks(&v, nil)
	if len(out) != 1 || !out[0].Fired || out[0].Rule != p.Checks[0] {
		t.Fatalf("check outcome %+v", out)
	}
	if got := p.Checks[0].Explain(&v); got != "-1 days" {
		t.Errorf("reason %q", got)
	}
	// A check shares the id space of the rules.
	if _, err := Parse("dup.yaml", []byte(strings.Replace(src, "id: Q1", "id: R1", 1))); err == nil || !strings.Contains(err.Error(), "duplicate rule id R1") {
		t.Errorf("a check with a rule's id: %v", err)
	}
}

// TestBuiltinParams: every parameter of the built-in pack cites its source,
// and those domain.md marks secondary or unconfirmed are not verified.
func TestBuiltinParams(t *testing.T) {
	p, err := Builtin(BuiltinID)
	if err != nil {
		t.Fatal(err)
	}
	verified := map[string]bool{"police_custody_hours": true, "misd_initial_months": true, "adult_age": true,
		"immediate_judgment_days": true, "pardon_fraction": true, "reduction_fraction": true}
	for _, prm := range p.Params {
		if prm.Citation == "" {
			t.Errorf("parameter %s cites nothing", prm.Name)
		}
		if prm.Verified != verified[prm.Name] {
			t.Errorf("parameter %s: verified = %v, domain.md section 3 says otherwise", prm.Name, prm.Verified)
		}
		if !prm.Verified && prm.Note == "" {
			t.Errorf("parameter %s is not verified and says nothing about why", prm.Name)
		}
	}
	var checks []string
	for _, c := range p.Checks {
		checks = append(checks, c.ID)
	}
	if got, want := strings.Join(checks, " "), "DQ-01 DQ-02 DQ-03 DQ-04 DQ-05 DQ-06"; got != want {
		t.Errorf("data checks %s, want %s", got, want)
	}
}
