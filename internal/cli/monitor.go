package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/monitor"
	"github.com/habeas-kh/habeas/internal/visits"
)

// visitCmd records monitoring visits.
func (a *app) visitCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "visit",
		Short: "Record monitoring visits to facilities (docs/monitoring.md)",
	}
	var org string
	add := &cobra.Command{
		Use:   "add FILE.json",
		Short: "Record the visits in a JSON file: one visit object, or a list of them",
		Long: `Record the visits in a JSON file, all or none. Each visit is an object:

  {"facility": "PP-CC1", "date": "2024-03-12",
   "data": {"id": "licadho-cc1-2024-03", "team": ["..."],
            "observed": {"total": 2630, "women": 180, "foreigners": 0},
            "cells": [{"label": "B4", "use": "dormitory", "area_m2": 60, "people": 85,
                       "litres_per_day": 200, "toilets": 1}],
            "recommendations": [{"id": "cc1-r1", "text": "...", "addressee": "GDP"}],
            "follow_ups": [{"recommendation": "cc1-r0", "status": "partly_implemented"}],
            "restricted": {"interviews": [...], "allegations": [...]}}}

A count left out of "observed" is unknown, not zero. Every problem names the
visit and the field; nothing is written when one visit is refused. The
restricted part (interviews, allegations) is sealed with the key of the
organisation named by --org (--org-key ORG=FILE), one record per interview,
and read back by its users only (habeas visit read).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			var raws []json.RawMessage
			if t := strings.TrimSpace(string(b)); strings.HasPrefix(t, "[") {
				if err := json.Unmarshal(b, &raws); err != nil {
					return fmt.Errorf("%s: not a JSON list of visits: %w", args[0], err)
				}
			} else {
				raws = []json.RawMessage{b}
			}
			evs := make([]*domain.Event, 0, len(raws))
			sealed := false
			for i, raw := range raws {
				ev, err := decodeVisit(raw)
				if err != nil {
					return fmt.Errorf("%s: visit %d: %w", args[0], i+1, err)
				}
				// Checked before sealing, which leaves no interview's field
				// to name.
				if err := ev.Validate(time.Now()); err != nil {
					return fmt.Errorf("%s: visit %d: %w", args[0], i+1, err)
				}
				if ev.Data.(*domain.VisitData).Restricted != nil {
					sealed = true
				}
				evs = append(evs, ev)
			}
			if sealed && org == "" {
				return fmt.Errorf("%s: --org is required: interviews and allegations are sealed with the key of the organisation that recorded them", args[0])
			}
			keys, err := a.keyring()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			db, svc, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if org != "" {
				if _, err := a.orgPrincipal(ctx, db, org); err != nil {
					return err
				}
			}
			for i, ev := range evs {
				if err := visits.Seal(keys, org, ev.Data.(*domain.VisitData)); err != nil {
					return fmt.Errorf("%s: visit %d: %w", args[0], i+1, err)
				}
			}
			seqs, err := svc.Record(ctx, a.actor("visit add "+args[0]), evs...)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			fmt.Fprintf(a.out, "recorded %d visit(s) as events %d to %d\n", len(seqs), seqs[0], seqs[len(seqs)-1])
			return nil
		},
	}
	add.Flags().StringVar(&org, "org", "", "the monitoring organisation whose key seals the interviews and allegations")
	cmd.AddCommand(add, a.visitReadCmd(), a.visitWithdrawCmd())
	return cmd
}

// withVisits runs a visit command with the service, acting for --org.
func (a *app) withVisits(org *string, fn func(ctx context.Context, s *visits.Service, acc *auth.Service, by *auth.Principal, args []string) error) func(*cobra.Command, []string) error {
	return a.withOrg(org, func(ctx context.Context, o orgRecords, args []string) error {
		return fn(ctx, visits.New(o.db, o.led, o.keys, o.acc), o.acc, o.by, args)
	})
}

func (a *app) visitReadCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{
		Use:   "read SEQ",
		Short: "Show the interviews and allegations of a visit (its organisation's users only; the read is audited)",
		Args:  cobra.ExactArgs(1),
		RunE: a.withVisits(&org, func(ctx context.Context, s *visits.Service, _ *auth.Service, by *auth.Principal, args []string) error {
			seq, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return domain.Invalid("seq", "%q is not an event number", args[0])
			}
			r, err := s.Restricted(ctx, by, seq)
			if err != nil {
				return err
			}
			for _, iv := range r.Interviews {
				who := iv.Interview.Pseudonym
				switch {
				case iv.Interview.Anonymous:
					who = "anonymous"
				case iv.Interview.Person != "":
					who = "person " + iv.Interview.Person
				}
				fmt.Fprintf(a.out, "record %d: interview (%s): %s\n", iv.Part, who, iv.Interview.Summary)
				for _, al := range iv.Allegations {
					fmt.Fprintf(a.out, "  allegation %s on %s at %s: %s\n", al.Kind, al.Date, al.Place, al.Account)
				}
			}
			for _, al := range r.Other {
				fmt.Fprintf(a.out, "record %d: allegation %s on %s at %s: %s\n", r.OtherPart, al.Kind, al.Date, al.Place, al.Account)
			}
			for _, p := range r.Withdrawn {
				fmt.Fprintf(a.out, "record %d: destroyed (consent withdrawn)\n", p)
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&org, "org", "", "the organisation to act for (its key opens the records)")
	return cmd
}

func (a *app) visitWithdrawCmd() *cobra.Command {
	var org, reason string
	var part int
	cmd := &cobra.Command{
		Use:   "withdraw SEQ --record N --reason TEXT",
		Short: "Destroy for good one record of a visit (an interview whose consent was withdrawn, with its allegations); the chain still verifies",
		Args:  cobra.ExactArgs(1),
		RunE: a.withVisits(&org, func(ctx context.Context, s *visits.Service, acc *auth.Service, by *auth.Principal, args []string) error {
			seq, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return domain.Invalid("seq", "%q is not an event number", args[0])
			}
			if err := s.Withdraw(ctx, acc, by, seq, part, reason); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "record %d of visit event %d destroyed: it can never be read again\n", part, seq)
			return nil
		}),
	}
	cmd.Flags().StringVar(&org, "org", "", "the organisation to act for")
	cmd.Flags().IntVar(&part, "record", 0, "the record to destroy, as habeas visit read numbers them")
	cmd.Flags().StringVar(&reason, "reason", "", "why (consent withdrawn on DATE, ...)")
	return cmd
}

// decodeVisit reads one visit object as a visit event, strictly: an unknown
// field is an error naming it.
func decodeVisit(raw json.RawMessage) (*domain.Event, error) {
	var env struct {
		Facility string          `json:"facility"`
		Date     string          `json:"date"`
		Data     json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, err
	}
	line, err := json.Marshal(map[string]any{"kind": domain.KVisit, "date": env.Date, "facility": env.Facility, "data": env.Data})
	if err != nil {
		return nil, err
	}
	return domain.DecodeEvent(line)
}

// monitorCmd shows what visits measured.
func (a *app) monitorCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "monitor",
		Short: "Indicators of monitoring visits, and observed headcounts against the register's",
	}
	var facility, format string
	var p = monitor.DefaultParams
	params := func(c *cobra.Command) {
		c.Flags().StringVar(&facility, "facility", "", "one facility's visits (default: all)")
		c.Flags().StringVar(&format, "format", "table", "table, csv or json")
		c.Flags().Float64Var(&p.DormitoryM2, "dormitory-m2", p.DormitoryM2, "floor space per person in a dormitory (ICRC)")
		c.Flags().Float64Var(&p.SingleM2, "single-m2", p.SingleM2, "floor space per person in a single cell (ICRC)")
		c.Flags().Float64Var(&p.WaterLitres, "water-litres", p.WaterLitres, "drinking water per person per day, at least (ICRC: 3 to 5)")
		c.Flags().Float64Var(&p.MinPct, "min-pct", p.MinPct, "a discrepancy is flagged above this percentage of the official figure ...")
		c.Flags().IntVar(&p.MinPeople, "min-people", p.MinPeople, "... and above this many people")
	}
	ind := &cobra.Command{
		Use:   "indicators",
		Short: "Per visit and cell: m² per person against the ICRC's 3.4 (dormitory) and 5.4 (single cell), people per toilet, water per person per day, the most crowded cell",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, _, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			vs, err := monitor.AllIndicators(ctx, db, facility, p)
			if err != nil {
				return err
			}
			head := []string{"facility", "date", "visit", "observed_total", "m2_per_person", "people_per_toilet", "litres_per_person_day",
				"most_crowded_cell", "cells_below_space", "cells_below_water"}
			var rows [][]string
			for _, v := range vs {
				rows = append(rows, []string{v.Facility, v.Date, v.Visit, optInt(v.Observed), optF(v.M2PerPerson), optF(v.PeoplePerToil),
					optF(v.LitresPerPers), v.MostCrowded, strconv.Itoa(v.BelowSpace), strconv.Itoa(v.BelowWater)})
			}
			return a.writeTable(format, vs, head, rows)
		},
	}
	params(ind)
	disc := &cobra.Command{
		Use:   "discrepancies",
		Short: "Per visit and category: the observed headcount, the register's (or a census count's) figure for the same day, and the difference, flagged above both --min-pct and --min-people",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, _, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			ds, err := monitor.Discrepancies(ctx, db, facility, p)
			if err != nil {
				return err
			}
			head := []string{"facility", "date", "visit", "category", "observed", "official", "basis", "difference", "pct_of_official", "flagged"}
			var rows [][]string
			for _, d := range ds {
				rows = append(rows, []string{d.Facility, d.Date, d.Visit, d.Category, strconv.Itoa(d.Observed), optInt(d.Official), d.Basis,
					optInt(d.Difference), optF(d.Pct), strconv.FormatBool(d.Flagged)})
			}
			return a.writeTable(format, ds, head, rows)
		},
	}
	params(disc)
	cmd.AddCommand(ind, disc)
	return cmd
}

func optInt(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func optF(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

// writeTable writes v as JSON, or head and rows as CSV or an aligned table.
func (a *app) writeTable(format string, v any, head []string, rows [][]string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(a.out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "csv":
		w := csv.NewWriter(a.out)
		w.Write(head)
		w.WriteAll(rows)
		return w.Error()
	case "table":
		tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(head, "\t"))
		for _, r := range rows {
			fmt.Fprintln(tw, strings.Join(r, "\t"))
		}
		return tw.Flush()
	}
	return fmt.Errorf("--format must be table, csv or json, not %q", format)
}
