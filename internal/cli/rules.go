package cli

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/habeas-kh/habeas/internal/rules"
)

func (a *app) rulesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the rules of a pack, or check a pack file",
	}
	var pack string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the rules of a pack (default: the built-in Cambodia pack)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			p, err := rules.Load(pack)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "%s version %s (%s), from %s\n", p.ID, p.Version, p.Jurisdiction, p.File)
			if p.ReviewedBy != "" {
				fmt.Fprintf(a.out, "reviewed by %s on %s\n", p.ReviewedBy, p.ReviewedOn)
			} else {
				fmt.Fprintln(a.out, "not reviewed by a lawyer")
			}
			fmt.Fprintf(a.out, "built-in packs: %v\n\n", rules.Builtins())
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "id\tkind\tmechanism\tweight\tverified\ttitle")
			for _, r := range p.Rules {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", r.ID, r.Kind, r.Mechanism, r.Weight, yesNo(r.Verified), r.Title)
			}
			tw.Flush()
			fmt.Fprintln(a.out, "\ncitations and notes:")
			for _, r := range p.Rules {
				fmt.Fprintf(a.out, "  %s: %s\n", r.ID, r.Citation)
				if r.Note != "" {
					fmt.Fprintf(a.out, "  %s  note: %s\n", pad(r.ID), r.Note)
				}
			}
			fmt.Fprintln(a.out, "\nparameters:")
			tw = tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "  name\tvalue\tverified\tcitation\tnote")
			for _, prm := range p.Params {
				fmt.Fprintf(tw, "  %s\t%v\t%s\t%s\t%s\n", prm.Name, prm.Value, yesNo(prm.Verified), prm.Citation, prm.Note)
			}
			tw.Flush()
			if len(p.Checks) > 0 {
				fmt.Fprintln(a.out, "\ndata checks (not law: records listed under data to check, to be corrected):")
				for _, c := range p.Checks {
					fmt.Fprintf(a.out, "  %s: %s\n", c.ID, c.Title)
				}
			}
			return nil
		},
	}
	list.Flags().StringVar(&pack, "pack", rules.BuiltinID, "rule pack: a built-in name or a YAML file")
	check := &cobra.Command{
		Use:   "check FILE",
		Short: "Type-check a rule pack; report each error with its line",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return fmt.Errorf("reading rule pack: %w", err)
			}
			p, err := rules.Parse(args[0], b)
			if err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			fmt.Fprintf(a.out, "%s: pack %s version %s: %d rules, %d data checks, %d parameters, OK\n", args[0], p.ID, p.Version,
				len(p.Rules), len(p.Checks), len(p.Params))
			return nil
		},
	}
	cmd.AddCommand(list, check)
	return cmd
}

func pad(s string) string { return fmt.Sprintf("%*s", len(s), "") }

// yesNo shows a verified flag; NO stands out in a column of yes.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "NO"
}
