package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/outbreak"
	"github.com/habeas-kh/habeas/internal/plan"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/scenario"
)

func (a *app) planCmd() *cobra.Command {
	var asOf, target, facility, exclude, mechanisms, format, pack, save string
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "A decongestion plan: who to release, by which mechanism and on whose decision, to reach a target",
		Long: `Plan releases from the screening of a date (habeas screen): everyone held
unlawfully first (their release is owed; those found only on law not yet
confirmed are counted on their own line), then people eligible for release by
priority score (at-risk groups first), facility by facility, until the
facility reaches the target:

  capacity        its official capacity on the date
  density:M2      M2 square metres of floor space per person, from its measured
                  cells (a facility whose cells are not all measured falls back
                  to its capacity, and the plan says so); 3.4 is the ICRC's
                  dormitory minimum
  releases:N      N releases nationally, shared in proportion to overcrowding
                  (the excess over capacity; beyond it, in proportion to
                  population)
  pledge:ID       what a recorded releases pledge still needs, shared like
                  releases:N

--mechanisms LIST uses only these release mechanisms (default: all of the
pack's); --exclude violent,felony,drug,grave leaves out people with some
violent charge, a felony as the most serious charge, some drug charge, or a
grave crime (the screening facts violent, charge_class, drug and grave); people
held unlawfully are never excluded. The plan reports what each choice costs:
the releases lost per facility. The gap of a facility is how many more
releases the target needs than the law allows. See docs/plan.md.

The JSON lists the people in the plan by id, with the mechanism and the
authority that must act: it is staff-only data. CSV and table give the
aggregates.`,
		Example: `  habeas plan --target capacity --format table
  habeas plan --as-of 2020-06-30 --target density:3.4 --exclude violent,grave
  habeas plan --target releases:10000 --mechanisms judicial_supervision,royal_pardon --format csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			// Every flag is checked before the database is opened: nothing
			// is read, let alone written, on bad input.
			if format != "json" && format != "csv" && format != "table" {
				return fmt.Errorf("--format must be json, csv or table, not %q", format)
			}
			if target == "" {
				return fmt.Errorf("--target is required: capacity, density:M2, releases:N or pledge:ID")
			}
			t, err := plan.ParseTarget(target)
			if err != nil {
				return flagErr(err)
			}
			ex, err := plan.ParseExclusions(exclude)
			if err != nil {
				return flagErr(err)
			}
			p, err := rules.Load(pack)
			if err != nil {
				return err
			}
			var mechs []domain.Mechanism
			if cmd.Flags().Changed("mechanisms") {
				if mechs, err = plan.ParseMechanisms(mechanisms, p); err != nil {
					return flagErr(err)
				}
			}
			if _, err := parseDay("as-of", asOf, domain.NoDate); err != nil {
				return err
			}
			if save != "" {
				if err := (&domain.PlanData{Name: save, Publish: true}).Validate(); err != nil {
					return fmt.Errorf("--save: %s", err.(*domain.Error).Msg)
				}
			}
			db, svc, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			day, err := asOfDay(ctx, db, asOf)
			if err != nil {
				return err
			}
			if facility != "" {
				facs, err := db.Facilities(ctx)
				if err != nil {
					return err
				}
				found := false
				for _, f := range facs {
					found = found || f.ID == facility
				}
				if !found {
					return fmt.Errorf("--facility: no facility %q in the register", facility)
				}
			}
			if save != "" {
				// A name saved before is refused before the screening, not
				// after a minute of it (the ledger refuses it too).
				if _, err := plan.ReadSaved(ctx, db, save); err == nil {
					return fmt.Errorf("--save: a plan named %q is already saved: choose another name", save)
				}
			}
			opt := plan.Options{Target: t, Facility: facility, Exclude: ex, Mechanisms: mechs}
			if t.Kind == plan.TargetPledge {
				// The pledge is checked before the screening: a minute of
				// work is not spent on a pledge that is not there.
				if _, _, err := plan.PledgeNeeds(ctx, db, day, t.Pledge); err != nil {
					return flagErr(err)
				}
			}
			results, err := plan.Screen(ctx, db, p, day)
			if err != nil {
				return err
			}
			pl, err := plan.Make(ctx, db, p, day, results, opt)
			if err != nil {
				return flagErr(err)
			}
			if save != "" {
				// The plan is entered as computed; the ledger refuses a
				// name already saved, and then nothing is written.
				ev := &domain.Event{Kind: domain.KPlan, Date: day, Data: pl.Entry(save)}
				seqs, err := svc.Record(ctx, a.actor("habeas cli"), ev)
				if err != nil {
					return fmt.Errorf("--save: saving plan %q: %w", save, err)
				}
				fmt.Fprintf(a.errOut, "plan %q saved as event %d (%d people)\n", save, seqs[0], len(pl.People))
			}
			switch format {
			case "json":
				return pl.WriteJSON(a.out)
			case "csv":
				return pl.WriteCSV(a.out)
			}
			return pl.WriteTable(a.out)
		},
	}
	f := cmd.Flags()
	f.StringVar(&asOf, "as-of", "", "date YYYY-MM-DD (default: latest event in the register)")
	f.StringVar(&target, "target", "", "capacity, density:M2, releases:N or pledge:ID (required)")
	f.StringVar(&facility, "facility", "", "only this facility in the output (a national target is still shared among all)")
	f.StringVar(&exclude, "exclude", "", "categories left out of discretionary releases: violent, felony, drug, grave (comma-separated)")
	f.StringVar(&mechanisms, "mechanisms", "", "the release mechanisms the plan may use (comma-separated; default all of the pack's)")
	f.StringVar(&format, "format", "table", "json, csv or table")
	f.StringVar(&pack, "pack", rules.BuiltinID, "rule pack: a built-in name or a YAML file")
	f.StringVar(&save, "save", "", "enter the plan in the ledger under this name (staff-only until published)")
	cmd.AddCommand(a.planPublishCmd(), a.planProgressCmd())
	return cmd
}

func (a *app) planPublishCmd() *cobra.Command {
	var runs, days int
	var seed uint64
	var paramsFile string
	var noScenario bool
	cmd := &cobra.Command{
		Use:   "publish NAME",
		Short: "Make a saved plan's aggregates and progress public (no one named; small counts protected), with its national outbreak scenario",
		Long: `Make a saved plan's aggregates and progress public, and publish with them
its national outbreak scenario: the model (habeas outbreak --plan NAME) run
once now on the plan's date, --runs runs over --days days from --seed, its
national figures, fan chart and assumptions entered in the same ledger entry,
so that the public page shows figures that do not move and says who
published them. --no-scenario publishes the plan alone.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if !noScenario {
				if runs < 1 || runs > outbreak.MaxRuns {
					return fmt.Errorf("--runs %d is out of range: want 1 to %d", runs, outbreak.MaxRuns)
				}
				if days < 1 || days > scenario.WebMaxDays {
					return fmt.Errorf("--days %d is out of range: want 1 to %d", days, scenario.WebMaxDays)
				}
			}
			p, err := loadParams("params", paramsFile)
			if err != nil {
				return err
			}
			db, svc, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			s, err := plan.ReadSaved(ctx, db, args[0])
			if err != nil {
				return err
			}
			data := &domain.PlanData{Name: args[0], Publish: true}
			if !noScenario && !s.Published {
				if data.Scenario, err = scenario.Public(ctx, db, s, scenario.Options{Runs: runs, Days: days, Seed: seed, Params: p}); err != nil {
					return err
				}
			}
			ev := &domain.Event{Kind: domain.KPlan, Date: s.Plan.AsOf, Data: data}
			seqs, err := svc.Record(ctx, a.actor("habeas cli"), ev)
			if err != nil {
				return fmt.Errorf("publishing plan %q: %w", args[0], err)
			}
			_, err = fmt.Fprintf(a.out, "plan %q published as event %d\n", args[0], seqs[0])
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&runs, "runs", scenario.PublicRuns, "runs of the published scenario")
	f.IntVar(&days, "days", scenario.DefaultDays, fmt.Sprintf("days of the published scenario (1 to %d)", scenario.WebMaxDays))
	f.Uint64Var(&seed, "seed", 1, "seed of the published scenario's random numbers")
	f.StringVar(&paramsFile, "params", "", "YAML file of the model's parameters (default: the built-in ones)")
	f.BoolVar(&noScenario, "no-scenario", false, "publish the plan without its outbreak scenario")
	return cmd
}

func (a *app) planProgressCmd() *cobra.Command {
	var format string
	var public bool
	var threshold int
	cmd := &cobra.Command{
		Use:   "progress NAME",
		Short: "How far a saved plan has come: releases after its date of the people in it, planned against done",
		Long: `A release dated after the plan's date of a person in the plan counts as done,
by the mechanism planned and the facility. The people of the plan still held
are listed by id (staff only); --public gives the figures as the public page
shows them: counts only, those of 1 to --threshold people withheld with
whatever would give them away.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if format != "json" && format != "table" {
				return fmt.Errorf("--format must be json or table, not %q", format)
			}
			db, _, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			s, err := plan.ReadSaved(ctx, db, args[0])
			if err != nil {
				return err
			}
			pr, err := plan.Track(ctx, db, s)
			if err != nil {
				return err
			}
			var v any = pr
			if public {
				if !s.Published {
					return fmt.Errorf("--public: plan %q is not published (habeas plan publish %s)", args[0], args[0])
				}
				if v, err = pr.Public(threshold); err != nil {
					return err
				}
			}
			if format == "json" {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			}
			fmt.Fprintf(a.out, "Plan %s (as of %s, target %s), saved by %s at %s; published: %v\n", pr.Name, pr.AsOf, pr.Target, pr.SavedBy, pr.SavedAt, pr.Published)
			fmt.Fprintf(a.out, "Planned %d, done %d, still held %d, left otherwise %d\n", pr.Planned, pr.Done, len(pr.StillHeld), pr.LeftOtherwise)
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "facility\tplanned\tdone\t")
			for _, f := range pr.Facilities {
				fmt.Fprintf(tw, "%s\t%d\t%d\t\n", f.ID, f.Planned, f.Done)
			}
			fmt.Fprintln(tw, "mechanism\tplanned\tdone\t")
			for _, m := range pr.ByMechanism {
				fmt.Fprintf(tw, "%s\t%d\t%d\t\n", m.Mechanism, m.Planned, m.Done)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "json or table")
	cmd.Flags().BoolVar(&public, "public", false, "the figures as published: counts only, small counts protected")
	cmd.Flags().IntVar(&threshold, "threshold", 5, "with --public: counts from 1 to this are withheld")
	return cmd
}

// flagErr names the flag of a service's invalid-input error: the field of
// a plan's options is its flag's name.
func flagErr(err error) error {
	var e *domain.Error
	if errors.As(err, &e) && e.Code == domain.ErrInvalid && e.Field != "" {
		return fmt.Errorf("--%s: %s", e.Field, e.Msg)
	}
	return err
}
