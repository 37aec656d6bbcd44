package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/screening"
)

func (a *app) screenCmd() *cobra.Command {
	var asOf, facility, pack, format string
	var within int
	var factsOnly, save bool
	cmd := &cobra.Command{
		Use:   "screen",
		Short: "Who is held unlawfully, who can be released and how, in what order",
		Long: `Apply a rule pack to everyone held at the end of a day: who is held beyond a
legal limit or with no legal basis (unlawful), whose case needs urgent review,
who is eligible for release and through which mechanism, and the priority
factors. People held unlawfully come first, then by priority score (the sum of
the weights of the priority rules that fired), then by id. Every result gives
its reason with the numbers and the article of law; rules whose figures are not
confirmed are marked. A rule that depends on a fact missing from the file (no
date of birth, no order...) is reported as undecided, with the missing facts.

--within N also lists the rules that will fire in the next N days if nothing
else is recorded, with the date they will. The output names the pack, its
version and the ledger head it was computed from: the same three and the same
date give the same result. Facts and rules are described in docs/screening.md.

--as-of defaults to the date of the latest event in the register; --pack to
the built-in Cambodia pack (see habeas rules list).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if format != "json" && format != "csv" && format != "table" {
				return fmt.Errorf("--format must be json, csv or table, not %q", format)
			}
			if within < 0 || within > 3660 {
				return fmt.Errorf("--within must be between 0 and 3660 days, not %d", within)
			}
			p, err := rules.Load(pack)
			if err != nil {
				return err
			}
			// A bad date is refused before the database is opened: opening
			// a SQLite path that does not exist creates the file.
			if _, err := parseDay("as-of", asOf, domain.NoDate); err != nil {
				return err
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
			rep, err := screening.Run(ctx, db, p, screening.Options{AsOf: day, Facility: facility, Within: within, FactsOnly: factsOnly})
			if err != nil {
				return fmt.Errorf("screening as of %s: %w", day, err)
			}
			if save {
				if err := saveScreening(ctx, db, rep, a.now()); err != nil {
					return err
				}
			}
			if factsOnly {
				// The baseline of bench/screen.sh: the same reading and
				// facts as a screening, no rule evaluated, nothing else printed.
				_, err := fmt.Fprintf(a.out, "facts only: %d people in custody read as of %s, ledger head event %d, hash %s\n",
					rep.Len(), rep.AsOf, rep.Head.Seq, rep.Head.Hash)
				return err
			}
			switch format {
			case "json":
				return rep.WriteJSON(a.out)
			case "csv":
				return rep.WriteCSV(a.out)
			}
			return rep.WriteTable(a.out, p)
		},
	}
	cmd.Flags().StringVar(&asOf, "as-of", "", "date YYYY-MM-DD (default: latest event in the register)")
	cmd.Flags().StringVar(&facility, "facility", "", "only people held in this facility (its id)")
	cmd.Flags().StringVar(&pack, "pack", rules.BuiltinID, "rule pack: a built-in name or a YAML file")
	cmd.Flags().IntVar(&within, "within", 0, "also list the rules that will fire within this many days")
	cmd.Flags().StringVar(&format, "format", "table", "json, csv or table")
	cmd.Flags().BoolVar(&save, "save", false, "save the counts per facility for the public report (habeas report), which shows how many are held without legal basis")
	cmd.Flags().BoolVar(&factsOnly, "facts-only", false, "read the people and compute their facts without evaluating any rule, and print a one-line summary (benchmark baseline)")
	if err := cmd.Flags().MarkHidden("facts-only"); err != nil {
		panic(err)
	}
	return cmd
}
