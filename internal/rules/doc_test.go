package rules

import (
	"os"
	"strings"
	"testing"
)

// TestFactsAreDocumented: every fact a condition can read is in the table of
// docs/screening.md.
func TestFactsAreDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/screening.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, f := range Facts {
		if !strings.Contains(doc, "| `"+f.Name+"` | "+f.Type.String()+" |") {
			t.Errorf("fact %s (%s) is not documented in docs/screening.md", f.Name, f.Type)
		}
	}
}
