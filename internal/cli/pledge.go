package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/pledges"
)

func (a *app) pledgeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pledge",
		Short: "Record pledges and the figures declared against them; show their progress",
		Long: `A pledge is a public promise that can be counted: "release up to 10,000
prisoners by November" (kind releases, counted from the release events in the
register, optionally only some mechanisms, groups or facilities) or "clear the
case backlog" (kind cases_cleared, counted from the judgments recorded, or
from declared figures when the register holds no cases).

Pledges and declared figures are entered in the ledger like custody events:
who entered them and when is recorded, and they are never edited; recording
a pledge again with the same --id amends it, and the ledger keeps both.`,
	}
	cmd.AddCommand(a.pledgeAddCmd(), a.pledgeDeclareCmd(), a.pledgeListCmd())
	return cmd
}

func (a *app) pledgeAddCmd() *cobra.Command {
	var id, title, madeBy, kind, announced, start, deadline, source, note string
	var target int
	var mechs, groups, facs []string
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Record a pledge (or amend one with the same --id)",
		Example: `  habeas pledge add --id release-10000 --title "Release up to 10,000 prisoners" \
    --made-by "Minister of Interior" --kind releases --announced 2020-05-15 \
    --start 2020-05-15 --deadline 2020-11-15 --target 10000 --source "Press conference, 15 May 2020"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ann, err := parseDay("announced", announced, domain.NoDate)
			if err != nil {
				return err
			}
			if ann == domain.NoDate {
				return fmt.Errorf("--announced is required: the day the pledge was made")
			}
			st, err := parseDay("start", start, ann)
			if err != nil {
				return err
			}
			dl, err := parseDay("deadline", deadline, domain.NoDate)
			if err != nil {
				return err
			}
			p := &domain.PledgeData{ID: id, Title: title, MadeBy: madeBy, Kind: domain.PledgeKind(kind), Start: st, Deadline: dl,
				Target: target, Facilities: facs, Source: source, Note: note}
			for _, m := range mechs {
				p.Mechanisms = append(p.Mechanisms, domain.Mechanism(m))
			}
			for _, g := range groups {
				p.Groups = append(p.Groups, domain.Group(g))
			}
			return a.record(cmd, &domain.Event{Kind: domain.KPledge, Date: ann, Data: p}, "pledge "+id)
		},
	}
	f := cmd.Flags()
	f.StringVar(&id, "id", "", "short identifier, e.g. release-10000")
	f.StringVar(&title, "title", "", "the pledge in words")
	f.StringVar(&madeBy, "made-by", "", "who made it")
	f.StringVar(&kind, "kind", "releases", "releases or cases_cleared")
	f.StringVar(&announced, "announced", "", "the day it was made (YYYY-MM-DD)")
	f.StringVar(&start, "start", "", "first day counted (default: --announced)")
	f.StringVar(&deadline, "deadline", "", "last day counted")
	f.IntVar(&target, "target", 0, "the number promised")
	f.StringSliceVar(&mechs, "mechanism", nil, "count only releases by these mechanisms (repeatable)")
	f.StringSliceVar(&groups, "group", nil, "count only releases of people in these groups: women, minors, older, ill, pregnant, mothers, pretrial, drug_related")
	f.StringSliceVar(&facs, "facility", nil, "count only releases from these facilities (ids)")
	f.StringVar(&source, "source", "", "where the pledge was made public (required)")
	f.StringVar(&note, "note", "", "anything a reader should know")
	return cmd
}

func (a *app) pledgeDeclareCmd() *cobra.Command {
	var by, source, note, date, asOf string
	var figure int
	cmd := &cobra.Command{
		Use:     "declare PLEDGE-ID",
		Short:   "Record a figure an authority declared against a pledge, with its source",
		Example: `  habeas pledge declare backlog-campaign --figure 3500 --declared-by "Ministry of Justice" --date 2020-07-23 --source "Statement of 23 July 2020"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("figure") {
				return fmt.Errorf("--figure is required")
			}
			day, err := parseDay("date", date, domain.NoDate)
			if err != nil {
				return err
			}
			if day == domain.NoDate {
				return fmt.Errorf("--date is required: the day the figure was declared")
			}
			upTo, err := parseDay("as-of", asOf, domain.NoDate)
			if err != nil {
				return err
			}
			d := &domain.DeclarationData{Pledge: args[0], Figure: figure, AsOf: upTo, DeclaredBy: by, Source: source, Note: note}
			return a.record(cmd, &domain.Event{Kind: domain.KDeclaration, Date: day, Data: d}, "declared figure for "+args[0])
		},
	}
	f := cmd.Flags()
	f.IntVar(&figure, "figure", 0, "the number declared")
	f.StringVar(&by, "declared-by", "", "who declared it")
	f.StringVar(&date, "date", "", "when it was declared (YYYY-MM-DD)")
	f.StringVar(&asOf, "as-of", "", "the date the figure counts up to (default: --date)")
	f.StringVar(&source, "source", "", "where it was published (required)")
	f.StringVar(&note, "note", "", "anything a reader should know")
	return cmd
}

func (a *app) reformCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "reform",
		Short: "Record reform commitments and each change of their status, with sources",
	}
	var title, by, status, source, note, date string
	add := &cobra.Command{
		Use:     "set ID",
		Short:   "Record a new reform (with --title) or a new status of one",
		Example: `  habeas reform set bail --title "Use bail instead of pre-trial detention" --promised-by "Minister of Justice" --status announced --date 2020-05-15 --source "Statement"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			day, err := parseDay("date", date, domain.NoDate)
			if err != nil {
				return err
			}
			if day == domain.NoDate {
				return fmt.Errorf("--date is required: the day of this status")
			}
			r := &domain.ReformData{ID: args[0], Title: title, PromisedBy: by, Status: domain.ReformStatus(status), Source: source, Note: note}
			return a.record(cmd, &domain.Event{Kind: domain.KReform, Date: day, Data: r}, "reform "+args[0])
		},
	}
	f := add.Flags()
	f.StringVar(&title, "title", "", "the reform in words (required the first time)")
	f.StringVar(&by, "promised-by", "", "who promised it (or demanded it)")
	f.StringVar(&status, "status", "", "announced, in_progress, partially_implemented, implemented, stalled, abandoned or demanded")
	f.StringVar(&date, "date", "", "the day of this status (YYYY-MM-DD)")
	f.StringVar(&source, "source", "", "the source of this status (required)")
	f.StringVar(&note, "note", "", "anything a reader should know")
	cmd.AddCommand(add)
	return cmd
}

// record enters one event as the CLI user.
func (a *app) record(cmd *cobra.Command, ev *domain.Event, what string) error {
	ctx := cmd.Context()
	db, svc, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	seqs, err := svc.Record(ctx, a.actor("habeas cli"), ev)
	if err != nil {
		return fmt.Errorf("recording the %s: %w", what, err)
	}
	fmt.Fprintf(a.out, "recorded %s as event %d\n", what, seqs[0])
	return nil
}

func (a *app) pledgeListCmd() *cobra.Command {
	var asOf, format string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Every pledge with its progress, and every reform with its status, as of a date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, _, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			day, err := asOfDay(ctx, db, asOf)
			if err != nil {
				return err
			}
			res, err := pledges.Compute(ctx, db, day)
			if err != nil {
				return err
			}
			switch format {
			case "json":
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			case "table":
			default:
				return fmt.Errorf("--format must be table or json, not %q", format)
			}
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintf(tw, "Pledges as of %s\nID\tTITLE\tTARGET\tACHIEVED\tBASIS\t%%\tSTATUS\tDEADLINE\n", res.AsOf)
			for _, p := range res.Pledges {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%.1f\t%s\t%s\n", p.ID, p.Title, p.Target, p.Achieved, p.Basis, p.Pct, p.Status, p.Deadline)
				for _, d := range p.Declared {
					rec := "not countable in the register"
					if d.Recorded != nil {
						rec = "register: " + strconv.Itoa(*d.Recorded) + ", difference " + strconv.Itoa(*d.Difference)
					}
					fmt.Fprintf(tw, "\t  declared %d on %s by %s (%s)\t\t\t\t\t\t\n", d.Figure, d.Date, d.DeclaredBy, rec)
				}
			}
			fmt.Fprintf(tw, "\nReforms as of %s\nID\tSTATUS\tSINCE\tTITLE\n", res.AsOf)
			for _, r := range res.Reforms {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Status, r.Since, r.Title)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&asOf, "as-of", "", "date YYYY-MM-DD (default: latest event in the register)")
	cmd.Flags().StringVar(&format, "format", "table", "table or json")
	return cmd
}
