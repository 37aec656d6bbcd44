package cli

import (
	"context"
	"time"

	"github.com/habeas-kh/habeas/internal/screening"
	"github.com/habeas-kh/habeas/internal/store"
)

// saveScreening keeps the per-facility counts of a screening of everyone
// (never a single facility's, which would read as a national figure).
func saveScreening(ctx context.Context, st store.Store, rep *screening.Report, now time.Time) error {
	sum, err := rep.Saved(now)
	if err != nil {
		return err
	}
	return st.SaveScreening(ctx, sum)
}
