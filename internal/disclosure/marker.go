package disclosure

import (
	"fmt"
	"strconv"
)

// CSVMarker stands in a CSV file for a suppressed count. It is not "<=5" or
// a range: that would tell a reader a primary cell from a secondary one.
const CSVMarker = "*"

// Cell is one published count as it goes out. In JSON a suppressed count is
// {"value": null, "suppressed": true}; a shown one is {"value": 12}.
type Cell struct {
	Value      *int `json:"value"`
	Suppressed bool `json:"suppressed,omitempty"`
}

// CSV renders the cell for a CSV file: the count, or CSVMarker.
func (c Cell) CSV() string {
	if c.Suppressed || c.Value == nil {
		return CSVMarker
	}
	return strconv.Itoa(*c.Value)
}

// Cell returns key as it must be published.
func (r *Result) Cell(key string) (Cell, error) {
	i, ok := r.index[key]
	if !ok {
		return Cell{}, fmt.Errorf("disclosure: publishing %q: unknown key", key)
	}
	if r.reasons[i] != Shown {
		return Cell{Suppressed: true}, nil
	}
	v := r.values[i]
	return Cell{Value: &v}, nil
}
