package demo

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/habeas-kh/habeas/internal/domain"
)

// TestScaleRun generates a large register and discards it, reporting the
// number of events and the time taken. It runs only when HABEAS_DEMO_PEOPLE
// is set (e.g. 1000000), for measuring the generator under /usr/bin/time.
func TestScaleRun(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("HABEAS_DEMO_PEOPLE"))
	if n <= 0 {
		t.Skip("set HABEAS_DEMO_PEOPLE to run")
	}
	start := time.Now()
	events, persons := 0, 0
	err := Generate(context.Background(), Options{Seed: 1, People: n}, func(ev *domain.Event) error {
		events++
		if ev.Kind == domain.KPerson {
			persons++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	t.Logf("people %d: %d events, %d persons, %.2f events/person, %s, %.0f events/s", n, events, persons,
		float64(events)/float64(persons), el, float64(events)/el.Seconds())
}
