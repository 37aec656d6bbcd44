package yamlerr

import (
	"errors"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestError(t *testing.T) {
	es := Errors{{File: "m.yaml", Line: 4, Msg: "unknown key"}, {File: "m.yaml", Msg: "census is missing"}}
	if got, want := es.Error(), "m.yaml:4: unknown key\nm.yaml: census is missing"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	var e Error
	if !errors.As(error(es[0]), &e) || e.Line != 4 {
		t.Errorf("errors.As: %+v", e)
	}
}

// TestLine: the line of a syntax error and of the first problem of a type
// error, and the message without the decoder's prefixes.
func TestLine(t *testing.T) {
	var n yaml.Node
	err := yaml.Unmarshal([]byte("a: 1\n\nb: c: d\n"), &n)
	if err == nil {
		t.Fatal("broken YAML decoded")
	}
	if got := Line(err); got != 3 {
		t.Errorf("line %d of %v, want 3", got, err)
	}
	var v struct{ A, B, C int }
	err = yaml.Unmarshal([]byte("a: 1\n\nb: x\nc: y\n"), &v)
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		t.Fatalf("want a type error, got %v", err)
	}
	if got := Line(err); got != 3 {
		t.Errorf("line %d of %v, want 3", got, err)
	}
	if got, want := Msg(errors.New("yaml: line 7: did not find expected key")), "did not find expected key"; got != want {
		t.Errorf("Msg: %q, want %q", got, want)
	}
	if Line(errors.New("no line here")) != 0 {
		t.Error("a line from nowhere")
	}
}
