package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/stats"
)

func (a *app) statsCmd() *cobra.Command {
	var asOf, from, format string
	var cells, censusWindow int
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Population, capacity, occupancy and groups at risk on a date",
		Long: `Print the register's figures at the end of a day: population and official
capacity per facility and nationally, occupancy, the share not finally
convicted, women, minors, children living with their mothers, people held on
drug charges, and the most crowded cells. The national figures cover the
prison system (prisons and correctional centres); drug centres, police custody
and juvenile centres are listed by kind and per facility.

--as-of defaults to the date of the latest event in the register. --from adds
admissions and releases between that date and --as-of.

Counts imported from bulletins and other aggregate sources (habeas import
census) are reported apart: per facility the last count on or before the date,
for --census-window days; older counts are listed as stale and left out of the
totals, and implausible pairs of count and capacity are listed, not averaged in.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if format != "json" && format != "table" {
				return fmt.Errorf("--format must be json or table, not %q", format)
			}
			db, _, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			day, err := asOfDay(ctx, db, asOf)
			if err != nil {
				return err
			}
			start, err := parseDay("from", from, domain.NoDate)
			if err != nil {
				return err
			}
			if start != domain.NoDate && start > day {
				return fmt.Errorf("--from %s is after --as-of %s", start, day)
			}
			s, err := stats.Compute(ctx, db, day, stats.Options{From: start, Cells: cells,
				Census: stats.CensusOptions{WindowDays: censusWindow}})
			if err != nil {
				return err
			}
			if format == "json" {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(s)
			}
			printStats(a.out, s)
			printCensus(a.out, s.Census) // census_print.go
			return nil
		},
	}
	cmd.Flags().StringVar(&asOf, "as-of", "", "date YYYY-MM-DD (default: latest event in the register)")
	cmd.Flags().StringVar(&from, "from", "", "start of a period (YYYY-MM-DD) for admissions and releases")
	cmd.Flags().StringVar(&format, "format", "table", "json or table")
	cmd.Flags().IntVar(&cells, "cells", 5, "how many of the most crowded cells to list")
	cmd.Flags().IntVar(&censusWindow, "census-window", stats.DefaultCensusWindow, "days a facility's last census count stands for it before it is reported stale")
	return cmd
}

func printStats(w io.Writer, s *stats.Stats) {
	fmt.Fprintf(w, "As of %s (source: %s; national figures: %s)\n\n", s.AsOf, s.Source, s.Scope)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(label string, v any, extra string) { fmt.Fprintf(tw, "%s\t%v\t%s\t\n", label, v, extra) }
	row("population", s.Population, "")
	row("capacity", s.Capacity, "")
	row("occupancy", fmt.Sprintf("%.1f%%", s.OccupancyPct), "")
	row("not finally convicted", s.Pretrial, fmt.Sprintf("%.1f%%", s.PretrialShare*100))
	row("  untried", s.Untried, "")
	row("  awaiting appeal", s.AwaitingAppeal, "")
	row("women", s.Women, fmt.Sprintf("%.1f%%", s.WomenShare*100))
	row("minors (under 18)", s.Minors, fmt.Sprintf("%.1f%%", s.MinorsShare*100))
	row("children living with their mothers", s.ChildrenWithMothers, "")
	row("held on drug charges", s.DrugRelated, "")
	row("pregnant", s.Pregnant, "")
	row("aged 60 or more", s.Aged60Plus, "")
	tw.Flush()
	if s.Period != nil {
		fmt.Fprintf(w, "\nFrom %s to %s (all facilities): %d admitted (%d on drug charges), %d released\n",
			s.Period.From, s.Period.To, s.Period.Admitted, s.Period.Drug, s.Period.Released)
		for _, c := range s.Period.ReleasedBy {
			fmt.Fprintf(w, "  %-22s %d\n", c.Key, c.Count)
		}
	}
	fmt.Fprintln(w, "\nBy kind of facility:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "kind\tfacilities\tpopulation\tcapacity\toccupancy\t")
	for _, k := range s.ByKind {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.1f%%\t\n", k.Kind, k.Facilities, k.Population, k.Capacity, k.OccupancyPct)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nFacilities:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "id\tname\tprovince\tpopulation\tcapacity\toccupancy\tnot final\twomen\tminors\tchildren\t")
	for _, f := range s.Facilities {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%.1f%%\t%d\t%d\t%d\t%d\t\n", f.ID, f.Name, f.Province, f.Population, f.Capacity,
			f.OccupancyPct, f.Pretrial, f.Women, f.Minors, f.Children)
	}
	tw.Flush()
	if len(s.LargestCells) > 0 {
		fmt.Fprintln(w, "\nMost crowded cells:")
		for _, c := range s.LargestCells {
			fmt.Fprintf(w, "  %s %s: %d people for %d places, %.2f m² each\n", c.Facility, c.Cell, c.Population, c.Capacity, c.M2PerPerson)
		}
	}
}
