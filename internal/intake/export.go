package intake

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/tabular"
)

// ExportFacilities writes every capacity record of every facility in the
// layout `habeas import facilities` reads without a mapping. Name, kind and
// province are the facility's current ones.
func ExportFacilities(ctx context.Context, st store.Store, w tabular.Writer) (int, error) {
	facs, err := st.Facilities(ctx)
	if err != nil {
		return 0, fmt.Errorf("exporting facilities: %w", err)
	}
	caps, err := st.Capacities(ctx)
	if err != nil {
		return 0, fmt.Errorf("exporting facilities: %w", err)
	}
	byID := map[string]store.Facility{}
	for _, f := range facs {
		byID[f.ID] = f
	}
	sort.Slice(caps, func(i, j int) bool {
		if caps[i].Facility != caps[j].Facility {
			return caps[i].Facility < caps[j].Facility
		}
		return caps[i].From < caps[j].From
	})
	w.Numeric(4)
	if err := w.Write([]string{"id", "name", "kind", "province", "capacity", "capacity_date", "capacity_source"}); err != nil {
		return 0, err
	}
	n := 0
	for _, c := range caps {
		f := byID[c.Facility]
		if err := w.Write([]string{f.ID, f.Name, string(f.Kind), f.Province, strconv.Itoa(c.Capacity), c.From.String(), c.Source}); err != nil {
			return n, err
		}
		n++
	}
	return n, w.Close()
}

// ExportCensus writes the census records one row per facility and date, a
// column per category, in the layout `habeas import census` reads without
// a mapping. A category with no record on a row is left blank: unknown.
func ExportCensus(ctx context.Context, st store.Store, w tabular.Writer) (int, error) {
	rows, err := st.Census(ctx)
	if err != nil {
		return 0, fmt.Errorf("exporting census records: %w", err)
	}
	type key struct {
		fac  string
		date int
	}
	type line struct {
		counts map[string]store.Census
	}
	lines := map[key]*line{}
	catSet := map[string]bool{}
	for _, r := range rows {
		k := key{r.Facility, int(r.Date)}
		l := lines[k]
		if l == nil {
			l = &line{counts: map[string]store.Census{}}
			lines[k] = l
		}
		if old, ok := l.counts[r.Category]; !ok || r.Seq > old.Seq {
			l.counts[r.Category] = r
		}
		catSet[r.Category] = true
	}
	cats := make([]string, 0, len(catSet))
	for c := range catSet {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	keys := make([]key, 0, len(lines))
	for k := range lines {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].fac != keys[j].fac {
			return keys[i].fac < keys[j].fac
		}
		return keys[i].date < keys[j].date
	})
	for i := range cats {
		w.Numeric(2 + i)
	}
	if err := w.Write(append(append([]string{"facility", "date"}, cats...), "source")); err != nil {
		return 0, err
	}
	for i, k := range keys {
		l := lines[k]
		rec := []string{k.fac, ""}
		source := ""
		for _, c := range cats {
			r, ok := l.counts[c]
			if !ok {
				rec = append(rec, "")
				continue
			}
			rec[1] = r.Date.String()
			if source == "" {
				source = r.Source
			}
			rec = append(rec, strconv.Itoa(r.Count))
		}
		if err := w.Write(append(rec, source)); err != nil {
			return i, err
		}
	}
	return len(keys), w.Close()
}
