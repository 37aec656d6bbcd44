package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/habeas-kh/habeas/internal/intake"
	"github.com/habeas-kh/habeas/internal/mapping"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/tabular"
)

// registerImportCmd loads a whole register: people, admissions and charges
// sheets in one pass and one transaction.
func (a *app) registerImportCmd() *cobra.Command {
	var files, maps [3]string
	var rejects string
	var dryRun, skipInvalid, noProgress bool
	names := [3]string{"people", "admissions", "charges"}
	cmd := &cobra.Command{
		Use:   "register --people FILE [--admissions FILE [--charges FILE]]",
		Short: "Load a register's people, admissions and charges sheets together, in one transaction",
		Long: `Load a prison's register of individuals: the people sheet, the admissions
sheet and the charges sheet (CSV or XLSX, as habeas export people, admissions
and charges write them, or through --people-map ...) in one pass and one
transaction. Each person's registration, admissions, charges and releases
enter in date order. This is the way to load a whole register, and the
quickest: the sheets are read side by side, person by person, while the
ledger writes, and people the register does not hold yet need no comparison.

Facilities (habeas import facilities) and cells must be registered first.

Every row is checked; a problem names the file, the row and the column, and
then nothing is imported. --skip-invalid loads the valid rows instead and
writes the others, with their reasons, to --rejects FILE.csv, one file per
sheet (FILE.people.csv, FILE.admissions.csv, FILE.charges.csv). --dry-run
checks everything and writes nothing. Importing the same sheets again changes
nothing; corrected sheets record correction events.

Sheets in person id order (as habeas exports them) are streamed in little
memory; others are read whole and grouped by person in memory.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if files[0] == "" && files[1] == "" {
				return errors.New("give --people FILE, --admissions FILE, or both")
			}
			if files[2] != "" && files[1] == "" {
				return errors.New("--charges goes with --admissions")
			}
			if skipInvalid && rejects == "" {
				return errors.New("--skip-invalid needs --rejects FILE.csv for the rows left out")
			}
			if !skipInvalid && rejects != "" {
				return errors.New("--rejects goes with --skip-invalid")
			}
			var in [3]*intake.Sheet
			for i, path := range files {
				if path == "" {
					continue
				}
				var m *mapping.Mapping
				opt := tabular.Options{}
				if maps[i] != "" {
					var err error
					if m, err = mapping.Load(maps[i]); err != nil {
						return err
					}
					opt = m.ReadOptions()
				}
				// Checked now, so that a missing file is reported before the
				// register is opened.
				if _, err := os.Stat(path); err != nil {
					return err
				}
				sh := &intake.Sheet{File: filepath.Base(path), Mapping: m,
					Open: func() (tabular.Reader, error) { return tabular.Open(path, opt) }}
				if skipInvalid {
					ext := filepath.Ext(rejects)
					name := strings.TrimSuffix(rejects, ext) + "." + names[i] + ext
					f, err := os.Create(name)
					if err != nil {
						return err
					}
					defer f.Close()
					sh.Rejects = f
				}
				in[i] = sh
			}
			db, svc, err := a.open(ctx, sqldb.LoadsAlone())
			if err != nil {
				return err
			}
			defer db.Close()
			var shown []string
			for _, sh := range in {
				if sh != nil {
					shown = append(shown, sh.File)
				}
			}
			// A load allocates much and keeps little (a few thousand
			// persons' files and the batches in flight): collecting garbage
			// less often saves a fifth of the CPU, for about twice the
			// memory, within a limit. GOGC and GOMEMLIMIT still rule when set.
			// They are put back after, for the commands run in-process by tests.
			if os.Getenv("GOGC") == "" {
				defer debug.SetGCPercent(debug.SetGCPercent(400))
			}
			if os.Getenv("GOMEMLIMIT") == "" {
				defer debug.SetMemoryLimit(debug.SetMemoryLimit(4 << 30))
			}
			svcIn := intake.New(db, svc, intake.WithClock(a.now), intake.WithLogger(a.log))
			iopt := intake.Options{DryRun: dryRun, SkipInvalid: skipInvalid, Actor: a.actor("import " + strings.Join(shown, ", "))}
			start := time.Now()
			var prog *progressLine
			if !noProgress && isTerminal(a.errOut) {
				prog = &progressLine{w: a.errOut, start: start}
				iopt.Progress = prog.update
			}
			res, err := svcIn.ImportRegister(ctx, intake.RegisterSheets{People: in[0], Admissions: in[1], Charges: in[2]}, iopt)
			prog.done()
			if err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("interrupted: the import was rolled back, nothing was written")
				}
				return err
			}
			el := time.Since(start)
			verb := "imported"
			if res.DryRun {
				verb = "checked (dry run, nothing written)"
			}
			rows := 0
			for _, r := range []*intake.Result{res.People, res.Admissions, res.Charges} {
				if r != nil {
					rows += r.Rows
				}
			}
			fmt.Fprintf(a.out, "register: %d rows %s in %s (%.0f rows/s)\n", rows, verb, el.Round(time.Millisecond), float64(rows)/max(el.Seconds(), 1e-3))
			for i, r := range []*intake.Result{res.People, res.Admissions, res.Charges} {
				if r == nil {
					continue
				}
				fmt.Fprintf(a.out, "  %s %s: %d rows: new %d, unchanged %d, corrected %d", names[i], in[i].File, r.Rows, r.New, r.Unchanged, r.Corrected)
				if r.Duplicates > 0 {
					fmt.Fprintf(a.out, ", duplicates %d", r.Duplicates)
				}
				if r.Skipped > 0 {
					fmt.Fprintf(a.out, ", left out by skip rules %d", r.Skipped)
				}
				if skipInvalid {
					fmt.Fprintf(a.out, ", rejected %d", r.Rejected)
				}
				fmt.Fprintln(a.out)
			}
			if skipInvalid {
				ext := filepath.Ext(rejects)
				fmt.Fprintf(a.out, "  rejected rows are written with their reasons to %s.{people,admissions,charges}%s\n", strings.TrimSuffix(rejects, ext), ext)
			}
			if res.InMemory {
				fmt.Fprintln(a.out, "  the sheets were not in person order and were grouped in memory")
			}
			fmt.Fprintf(a.out, "  ledger events: %d\n", res.Events)
			return nil
		},
	}
	for i, n := range names {
		cmd.Flags().StringVar(&files[i], n, "", n+" sheet (CSV or XLSX)")
		cmd.Flags().StringVar(&maps[i], n+"-map", "", "mapping file of the "+n+" sheet (default: habeas's layout)")
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "check everything and write nothing")
	cmd.Flags().BoolVar(&skipInvalid, "skip-invalid", false, "load the valid rows; write the others to --rejects")
	cmd.Flags().StringVar(&rejects, "rejects", "", "with --skip-invalid: FILE.csv; the rows left out go to FILE.people.csv, FILE.admissions.csv, FILE.charges.csv")
	cmd.Flags().BoolVar(&noProgress, "no-progress", false, "do not show progress on the terminal")
	cmd.RunE = a.removeNewDBOnError(cmd.RunE)
	return cmd
}
