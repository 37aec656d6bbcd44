package ledger

import (
	"context"
	"fmt"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// recMade is where and when a recommendation was made.
type recMade struct {
	facility string
	date     domain.Date
}

// applyVisit checks what a visit refers to: the facility visited, and the
// recommendations it follows up, which must have been made at an earlier
// visit to the same facility. Visits have no projection of their own: the
// store reads them from the ledger by a partial index (migration 00011).
func (w *writer) applyVisit(ctx context.Context, ev *domain.Event, d *domain.VisitData) error {
	if d.Restricted != nil {
		// Interviews and allegations are stored only sealed for the
		// visiting organisation: whoever records a visit seals them first
		// (visits.Seal), so that the database alone never holds them.
		return domain.Invalid("data.restricted", "interviews and allegations are recorded sealed with the organisation's key: record the visit as a user of a monitoring organisation whose key this process holds (--org-key)")
	}
	if _, ok := w.FacilityKind(ev.Facility); !ok {
		return domain.Invalid("facility", "unknown facility %q: a visit is to a registered facility", ev.Facility)
	}
	if w.visits == nil {
		w.visits, w.recs = map[string]bool{}, map[string]recMade{}
		var stored []store.StoredEvent
		if w.head.Seq > 0 {
			var err error
			// Through the transaction, as applyCommitment reads.
			if stored, err = w.ap.Visits(ctx, ""); err != nil {
				return fmt.Errorf("reading the recorded visits: %w", err)
			}
		}
		evs, err := store.DecodeEvents(stored)
		if err != nil {
			return err
		}
		for _, e := range evs {
			if v, ok := e.Data.(*domain.VisitData); ok {
				w.visits[v.ID] = true
				for _, r := range v.Recommendations {
					w.recs[r.ID] = recMade{e.Facility, e.Date}
				}
			}
		}
	}
	if w.visits[d.ID] {
		return domain.Invalid("data.id", "a visit %q has been recorded already", d.ID)
	}
	for i, r := range d.Recommendations {
		if _, dup := w.recs[r.ID]; dup {
			return domain.Invalid(fmt.Sprintf("data.recommendations[%d].id", i), "a recommendation %q has been recorded already: give a new one its own id, and follow an old one up in follow_ups", r.ID)
		}
	}
	for i, u := range d.FollowUps {
		m, ok := w.recs[u.Recommendation]
		switch {
		case !ok:
			return domain.Invalid(fmt.Sprintf("data.follow_ups[%d].recommendation", i), "no recommendation %q has been recorded", u.Recommendation)
		case m.facility != ev.Facility:
			return domain.Invalid(fmt.Sprintf("data.follow_ups[%d].recommendation", i), "%q was made at a visit to %s, not %s", u.Recommendation, m.facility, ev.Facility)
		case m.date > ev.Date:
			return domain.Invalid(fmt.Sprintf("data.follow_ups[%d].recommendation", i), "%q was made on %s, after this visit", u.Recommendation, m.date)
		}
	}
	w.visits[d.ID] = true
	for _, r := range d.Recommendations {
		w.recs[r.ID] = recMade{ev.Facility, ev.Date}
	}
	return nil
}
