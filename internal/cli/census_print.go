package cli

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/habeas-kh/habeas/internal/stats"
)

// printCensus prints the figures from aggregate counts, when there are any.
func printCensus(w io.Writer, c *stats.CensusFigures) {
	if c == nil {
		return
	}
	fmt.Fprintf(w, "\nCensus counts (each facility's last count on or before %s, standing for %d days):\n", c.AsOf, c.WindowDays)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "people counted\t%d\tin %d facilities\t\n", c.Population, c.Facilities)
	fmt.Fprintf(tw, "capacity\t%d\tof %d facilities with a plausible capacity\t\n", c.Capacity, c.OccupancyFacilities)
	fmt.Fprintf(tw, "occupancy\t%.1f%%\t\t\n", c.OccupancyPct)
	for _, ct := range c.Categories {
		if ct.Category != stats.PopulationCategory {
			fmt.Fprintf(tw, "  %s\t%d\tin %d facilities\t\n", ct.Category, ct.Count, ct.Facilities)
		}
	}
	tw.Flush()
	if len(c.ByKind) > 1 {
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "kind\tfacilities\tpeople\tcapacity\toccupancy\t")
		for _, k := range c.ByKind {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.1f%%\t\n", k.Kind, k.Facilities, k.Population, k.Capacity, k.OccupancyPct)
		}
		tw.Flush()
	}
	list := func(title string, fs []stats.CensusFacility, line func(f stats.CensusFacility) string) {
		if len(fs) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s (%d):\n", title, len(fs))
		const most = 15
		for i, f := range fs {
			if i == most {
				fmt.Fprintf(w, "  ... and %d more (--format json lists them all)\n", len(fs)-most)
				break
			}
			fmt.Fprintf(w, "  %s %s: %s\n", f.ID, f.Name, line(f))
		}
	}
	list("Over capacity", c.OverCapacity, func(f stats.CensusFacility) string {
		return fmt.Sprintf("%d people for %d places (%.1f%%)", f.Population, f.Capacity, f.OccupancyPct)
	})
	list("Warnings: not in the occupancy", c.Implausible, func(f stats.CensusFacility) string { return f.Warning })
	stale := append([]stats.CensusFacility(nil), c.Stale...)
	sort.SliceStable(stale, func(i, j int) bool { return stale[i].Date > stale[j].Date })
	list("Stale: last count older than the window, not in the totals", stale, func(f stats.CensusFacility) string {
		return fmt.Sprintf("%d people on %s (%d days before)", f.Population, f.Date, f.AgeDays)
	})
}
