package store

import (
	"fmt"

	"github.com/habeas-kh/habeas/internal/domain"
)

// DecodeEvents decodes stored ledger rows back into events, in the order
// given. It lives with StoredEvent, not with the ledger service that writes
// the rows, so that every reader of the ledger (screening, the registry,
// verify) can fold a person's events without depending on the writer.
func DecodeEvents(stored []StoredEvent) ([]*domain.Event, error) {
	evs := make([]*domain.Event, len(stored))
	for i, se := range stored {
		ev, err := domain.DecodeEvent(se.Body)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", se.Seq, err)
		}
		evs[i] = ev
	}
	return evs, nil
}
