package report

import (
	"context"
	"fmt"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
)

// ConcernSection is the national count of concern markers per category
// (issue 20): people a monitoring organisation marked as held on
// politically motivated grounds, held arbitrarily in a drug detention
// centre, or alleging ill-treatment. Only these counts leave the
// organisations, protected like every count of people: who was marked, and
// by whom, is sealed for the organisation that marked them.
type ConcernSection struct {
	Rows []ConcernRow `json:"by_category"`
	Note string       `json:"note"`
}

// ConcernRow is one category's national count.
type ConcernRow struct {
	Category string `json:"category"`
	Label    string `json:"label"`
	Markers  Cell   `json:"markers"`
}

// ConcernLabels are the categories' labels in the English report.
var ConcernLabels = map[string]string{
	domain.MarkerPolitical:     "Held on politically motivated grounds",
	domain.MarkerDrugArbitrary: "Held arbitrarily in a drug detention centre",
	domain.MarkerIllTreatment:  "Alleging ill-treatment",
}

// ConcernReader is what counting concern markers reads: a store that keeps
// the organisations' record keys.
type ConcernReader interface {
	Event(ctx context.Context, seq int64) (store.StoredEvent, bool, error)
	RecordKeys(ctx context.Context, org string) ([]store.RecordKey, error)
}

// ConcernCounts counts the concern markers dated on or before asOf (any
// date when NoDate) per category, over every organisation, leaving out
// those whose data key was destroyed (consent withdrawn). It reads only
// what is in clear, the category and the date: no key is needed. A person
// marked by two organisations counts twice, since no one can match sealed
// records across organisations.
func ConcernCounts(ctx context.Context, st ConcernReader, asOf domain.Date) (map[string]int, error) {
	keys, err := st.RecordKeys(ctx, "")
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, k := range keys {
		if k.Wrapped == nil {
			continue
		}
		se, ok, err := st.Event(ctx, k.Seq)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("event %d, which has a record key, is not in the ledger", k.Seq)
		}
		if se.Kind != domain.KMarker || (asOf != domain.NoDate && se.Date > asOf) {
			continue
		}
		ev, err := domain.DecodeEvent(se.Body)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", k.Seq, err)
		}
		out[ev.Data.(*domain.MarkerData).Category]++
	}
	return out, nil
}

func concernKey(cat string) string { return "concerns/" + cat }
