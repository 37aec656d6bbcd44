package ledger

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// Brought is an event brought in an offline bundle: recorded elsewhere (a
// monitor's laptop, on its own ledger), with the hash it had there.
type Brought struct {
	Event  *domain.Event
	Origin string // the event's hash in the ledger it was recorded in
}

// ImportBundle appends events brought in a verified offline bundle of org,
// signed by keyID, in one transaction: each gets the next sequence number
// here and keeps who recorded it and when; its origin is written with it,
// so that the bundle imported again adds nothing (the store refuses an
// origin twice). actor is who imports the bundle; the audit entry names
// the events and the bundle.
func (s *Service) ImportBundle(ctx context.Context, actor Actor, org, keyID, file string, evs []Brought) ([]int64, error) {
	w, err := s.begin(ctx, actor, file)
	if err != nil {
		return nil, err
	}
	defer w.rollback(ctx)
	// Who recorded the events and when are the laptop's, which the
	// signature vouches for: the writer takes them as given.
	w.trusted = true
	w.origins = map[*domain.Event]store.Origin{}
	seqs := make([]int64, len(evs))
	for i, b := range evs {
		ev := b.Event
		ev.Seq, ev.Prev, ev.Hash = 0, "", ""
		ev.Via = "bundle " + keyID
		w.origins[ev] = store.Origin{Hash: b.Origin, Org: org, KeyID: keyID}
		if err := w.add(ctx, ev, i+1); err != nil {
			return nil, err
		}
		seqs[i] = ev.Seq
	}
	d, err := json.Marshal(map[string]any{"seqs": seqs, "bundle": file, "org": org, "key_id": keyID})
	if err != nil {
		return nil, fmt.Errorf("encoding the audit detail: %w", err)
	}
	w.audit = &store.AuditEntry{Action: store.ActEventRecord, Subject: "org:" + org, Detail: string(d)}
	if err := w.commit(ctx); err != nil {
		return nil, err
	}
	return seqs, nil
}
