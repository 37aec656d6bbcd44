package report

import (
	"strings"
	"testing"

	"github.com/habeas-kh/habeas/internal/pledges"
)

// The open data neutralise text cells against spreadsheet formulas, while
// the columns the HXL row marks as numbers keep their numbers, negative
// ones included.
func TestCSVFormulaCells(t *testing.T) {
	r := &Report{Pledges: []pledges.Progress{{ID: "=cmd|' /C calc'!A0", Title: "-Reduce overcrowding", MadeBy: "@ministry", Target: 5000,
		Declared: []pledges.Declared{{Date: "2024-01-01", Figure: 100, DeclaredBy: "+855", Recorded: ptr(3010), Difference: ptr(-2910), Source: "\tnews"}}}}}
	files, err := r.Files("csv")
	if err != nil {
		t.Fatal(err)
	}
	declared := string(files["declared_figures.csv"])
	if !strings.Contains(declared, "\n'=cmd|' /C calc'!A0,2024-01-01,,100,'+855,3010,-2910,'\tnews\n") {
		t.Errorf("declared_figures.csv:\n%s", declared)
	}
	pledges := string(files["pledges.csv"])
	if !strings.Contains(pledges, ",'-Reduce overcrowding,'@ministry,") {
		t.Errorf("pledges.csv:\n%s", pledges)
	}
}

func ptr(n int) *int { return &n }
