package cli

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/intake"
	"github.com/habeas-kh/habeas/internal/visits"
)

// visitsImportCmd records the submissions of the visit form exported from
// KoboToolbox or ODK Central.
func (a *app) visitsImportCmd() *cobra.Command {
	var format, org string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "visits FILE",
		Short: "Record monitoring visits from a KoboToolbox (XLSX, CSV) or ODK Central (zip) export of habeas's visit form",
		Long: `Record the submissions of habeas's visit form (examples/xlsform/visit.xlsx,
docs/field-intake.md) as monitoring visits, all or none.

  --format kobo-xlsx   KoboToolbox's XLS export (XML values and headers): the
                       submissions on the first sheet, one sheet per repeat
                       group (cells, interviews, allegations, recommendations)
  --format kobo-csv    KoboToolbox's CSV export: the submissions only. It
                       carries no repeat group; a submission that has any is
                       refused (import the XLSX export instead)
  --format odk-zip     ODK Central's zip of CSV files (FORM.csv, FORM-cells.csv …)

Without --format the layout is told from the file. Each submission becomes one
visit whose id is the submission's uuid: importing the same export again
records nothing and says how many were there already. Every problem names
the file, the sheet, the row and the column; nothing is recorded while there
is one.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "" && !slices.Contains(intake.VisitFormats, format) {
				return fmt.Errorf("--format must be one of %s, not %q", strings.Join(intake.VisitFormats, ", "), format)
			}
			ctx := cmd.Context()
			db, svc, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			in := intake.New(db, svc, intake.WithClock(a.now), intake.WithLogger(a.log))
			name := filepath.Base(args[0])
			start := time.Now()
			var seal func(*domain.VisitData) error
			if org != "" {
				if _, err := a.orgPrincipal(ctx, db, org); err != nil {
					return err
				}
				keys, err := a.keyring()
				if err != nil {
					return err
				}
				seal = func(d *domain.VisitData) error { return visits.Seal(keys, org, d) }
			}
			res, err := in.ImportVisits(ctx, args[0], format, a.actor("import visits "+name), dryRun, seal)
			if err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("interrupted: the import was rolled back, nothing was written")
				}
				return err
			}
			for _, w := range res.Warnings {
				fmt.Fprintln(a.errOut, "warning:", w)
			}
			verb := "recorded"
			if res.DryRun {
				verb = "would record (dry run, nothing written)"
			}
			fmt.Fprintf(a.out, "%s (%s): %d submission(s); %s %d visit(s) as %d event(s); %d already in the register", name, res.Format,
				res.Submissions, verb, res.New, res.Events, res.Already)
			if res.Repeated > 0 {
				fmt.Fprintf(a.out, "; %d given twice in the file", res.Repeated)
			}
			fmt.Fprintf(a.out, "; %.1f s\n", time.Since(start).Seconds())
			return nil
		},
	}
	cmd.RunE = a.removeNewDBOnError(cmd.RunE)
	cmd.Flags().StringVar(&format, "format", "", "the export's layout: "+strings.Join(intake.VisitFormats, ", ")+" (default: told from the file)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "check everything, against the register too, and write nothing")
	cmd.Flags().StringVar(&org, "org", "", "the monitoring organisation whose key seals the interviews and allegations (required when the export holds any)")
	return cmd
}
