package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/habeas-kh/habeas/internal/screening"
	"github.com/habeas-kh/habeas/internal/store"
)

// saveScreening keeps the per-facility counts of a screening of everyone
// (never a single facility's, which would read as a national figure).
func saveScreening(ctx context.Context, st store.Store, rep *screening.Report, now time.Time) error {
	if rep.Facility != "" {
		return fmt.Errorf("--save needs a screening of every facility: leave --facility out")
	}
	sum := store.ScreeningSummary{AsOf: rep.AsOf, Pack: rep.Pack.ID + " " + rep.Pack.Version, Head: rep.Head.Hash,
		ComputedAt: now.UTC().Format(time.RFC3339)}
	for _, f := range rep.Summary.ByFacility {
		for kind, n := range map[string]int{"unlawful": f.Unlawful, "review": f.Review, "eligible": f.Eligible, "priority": f.Priority} {
			if n > 0 {
				sum.Counts = append(sum.Counts, store.ScreeningCount{Facility: f.Facility, Kind: kind, People: n})
			}
		}
	}
	if err := st.SaveScreening(ctx, sum); err != nil {
		return err
	}
	return nil
}
