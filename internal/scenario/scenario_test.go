package scenario

import (
	"testing"

	"github.com/habeas-kh/habeas/internal/store"
)

// The choices made where the register is silent, and the series' step.
func TestChoices(t *testing.T) {
	// No cell recorded, or a cell the estate does not list: a dormitory.
	for h, want := range map[store.Housing]bool{store.HousingCell: false, store.HousingDormitory: true, store.HousingUnknown: true} {
		if got := housing(h); got != want {
			t.Errorf("housing %q: dormitory %v, want %v", h, got, want)
		}
	}
	// About SeriesPoints points whatever the horizon, never a step of 0.
	for days, want := range map[int]int{1: 1, 60: 1, 61: 2, 180: 3, 365: 7} {
		if got := SeriesEvery(days); got != want {
			t.Errorf("SeriesEvery(%d) = %d, want %d", days, got, want)
		}
	}
	for v, want := range map[any]string{2.5: "2.5", "density": "density", 10: "10"} {
		if got := ValueText(v); got != want {
			t.Errorf("ValueText(%v) = %q, want %q", v, got, want)
		}
	}
	if got := ValueText([]float64{2.4, 3, 3.7}); got != "2.4, 3, 3.7" {
		t.Errorf("ValueText of a list = %q", got)
	}
}
