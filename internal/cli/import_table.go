package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/habeas-kh/habeas/internal/intake"
	"github.com/habeas-kh/habeas/internal/mapping"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/tabular"
)

// addTableImports adds the spreadsheet imports to the import command, and
// --infer to the command itself.
func (a *app) addTableImports(cmd *cobra.Command) {
	var infer, what string
	var sample int
	cmd.Flags().StringVar(&infer, "infer", "", "propose a mapping for this CSV or XLSX file, from its header and first rows")
	cmd.Flags().StringVar(&what, "as", "", "with --infer: what the file holds, "+strings.Join(mapping.InferKinds, ", ")+" (default: guessed from the header, else census)")
	cmd.Flags().IntVar(&sample, "sample", 200, "with --infer: how many rows to look at")
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if infer == "" {
			return cmd.Help()
		}
		return a.inferMapping(infer, what, sample)
	}
	cmd.Long = `Load data into the register.

  habeas import events FILE.jsonl                  ledger events (a backup, or prepared elsewhere)
  habeas import facilities FILE --map MAP.yaml     facilities and their capacity from a spreadsheet
  habeas import cells FILE [--map MAP.yaml]        cells: label, floor area, capacity, category
  habeas import census FILE --map MAP.yaml         counts per facility and date from a spreadsheet
  habeas import declarations FILE --map MAP.yaml   figures authorities declared (releases, cases
                                                   cleared), with or without a pledge
  habeas import visits FILE [--format F]           monitoring visits from KoboToolbox or ODK
                                                   Central exports of habeas's XLSForm
  habeas import people FILE [--map MAP.yaml]       people: identity, date of birth, nationality
  habeas import admissions FILE [--charges FILE]   custody episodes: admission, order, case, release
  habeas import charges FILE                       charges, per case and date
  habeas import register --people P --admissions A --charges C
                                                   a whole register in one pass
  habeas import --infer FILE [--as WHAT] > MAP.yaml
                                                   propose a mapping to edit (WHAT: census,
                                                   facilities, cells, people, admissions, charges)

Spreadsheets are CSV or XLSX files. A mapping says which column is which field,
how dates are written and which values mean "missing" (docs/import.md;
examples/ has mappings for real published data).`
	cmd.AddCommand(a.tableImportCmd(intake.Facilities), a.tableImportCmd(intake.Cells), a.tableImportCmd(intake.Census),
		a.tableImportCmd(intake.People), a.tableImportCmd(intake.Admissions), a.tableImportCmd(intake.Charges),
		a.tableImportCmd(intake.Declarations), a.registerImportCmd(), a.visitsImportCmd())
}

func (a *app) tableImportCmd(what intake.What) *cobra.Command {
	var mapFile, rejects, sheet string
	var chargesFile, chargesMap, chargesRejects string
	var dryRun, skipInvalid, noProgress bool
	short := map[intake.What]string{
		intake.Facilities:   "Register facilities and their capacity from a CSV or XLSX file",
		intake.Census:       "Record counts per facility and date from a CSV or XLSX file",
		intake.Cells:        "Register cells and their floor area and capacity from a CSV or XLSX file (one row per cell)",
		intake.People:       "Register people from a CSV or XLSX file (one row per person)",
		intake.Admissions:   "Record custody episodes from a CSV or XLSX file (one row per admission, with its release)",
		intake.Charges:      "Record charges from a CSV or XLSX file (one row per charge)",
		intake.Declarations: "Record figures authorities declared from a CSV or XLSX file (one row per declaration)",
	}[what]
	order := ""
	switch what {
	case intake.Declarations:
		order = `

A declaration needs a date, a figure, who declared it and its source; without
a pledge, what the figure counts (releases, cases_cleared,
population_reduction) and where (a registered facility or a free area:
a province, a state, nationwide). declaration.reasons maps each reason to the
column that flags it with one of the mapping's flags: values (x). Totals and
footnotes are left out by the mapping's skip rules, never guessed; a row
declaring no figure, a date that is not one, a blank source are refused with
the row named. Declarations are imported all or none (no --skip-invalid).
See docs/monitoring.md and examples/ucla-*-releases.yaml.`
	case intake.Cells:
		order = `

Import facilities first: a cell of a facility the register does not hold is
refused. A row for a cell the register already holds with other figures
enters a new cell event for that label, which replaces the figures (the old
event stays in the ledger) and counts as corrected. A blank area or category
is unknown: it leaves the register's figure as it is. The cell events are
dated the day of the import, or by the mapping's cell.date.`
	case intake.People, intake.Admissions, intake.Charges:
		order = `

Import in this order: facilities, people, admissions, charges. An admissions
sheet with --charges FILE loads the charges with it: the charges on the day of
an admission enter with it, later ones as charge changes. A whole register
loads quickest in one pass: habeas import register --people P --admissions A
--charges C (docs/import.md).`
	}
	cmd := &cobra.Command{
		Use:   string(what) + " FILE",
		Short: short,
		Long: short + `.

--map names the mapping file that says which column is which field (see
docs/import.md; habeas import --infer FILE proposes one). Without --map the
columns must be named as habeas exports them (habeas export ` + string(what) + `).

Every row is checked before anything is written; a problem names the file,
the row as a spreadsheet shows it, the column and what was expected, and then
nothing is imported. --skip-invalid loads the valid rows instead and writes
the others, with their reasons, to --rejects, a CSV file to correct and import
again. --dry-run checks everything, against the register too, and writes
nothing.

Importing the same file again changes nothing; a corrected file records
correction events for the figures that changed. The summary says how many rows
were new, unchanged or corrected. Ctrl-C stops the import and writes nothing.` + order,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			path := args[0]
			var m *mapping.Mapping
			var err error
			if mapFile != "" {
				if m, err = mapping.Load(mapFile); err != nil {
					return err
				}
			}
			opt := tabular.Options{Sheet: sheet}
			if m != nil {
				opt = m.ReadOptions()
				if sheet != "" {
					opt.Sheet = sheet
				}
			}
			r, err := tabular.Open(path, opt)
			if err != nil {
				return err
			}
			defer r.Close()
			if m == nil {
				if m, err = mapping.Default(string(what), r.Header()); err != nil {
					return fmt.Errorf("%s: %w (or give a mapping with --map)", filepath.Base(path), err)
				}
			}
			var rej *os.File
			if skipInvalid {
				if rejects == "" {
					return errors.New("--skip-invalid needs --rejects FILE.csv for the rows left out")
				}
				if rej, err = os.Create(rejects); err != nil {
					return err
				}
				defer rej.Close()
			} else if rejects != "" {
				return errors.New("--rejects goes with --skip-invalid")
			}
			db, svc, err := a.open(ctx, sqldb.LoadsAlone())
			if err != nil {
				return err
			}
			defer db.Close()
			in := intake.New(db, svc, intake.WithClock(a.now), intake.WithLogger(a.log))
			name := filepath.Base(path)
			iopt := intake.Options{What: what, File: name, DryRun: dryRun, SkipInvalid: skipInvalid,
				Actor: a.actor("import " + name)}
			if rej != nil {
				iopt.Rejects = rej
			}
			if chargesFile != "" {
				t, closeT, err := openCharges(chargesFile, chargesMap, chargesRejects, rejects, skipInvalid)
				if err != nil {
					return err
				}
				defer closeT()
				iopt.Charges = t
			}
			start := time.Now()
			var prog *progressLine
			if !noProgress && isTerminal(a.errOut) {
				prog = &progressLine{w: a.errOut, start: start}
				iopt.Progress = prog.update
			}
			var res *intake.Result
			if what == intake.Declarations {
				res, err = in.ImportDeclarations(ctx, r, m, iopt)
			} else {
				res, err = in.Import(ctx, r, m, iopt)
			}
			prog.done()
			if err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("interrupted: the import was rolled back, nothing was written")
				}
				return err
			}
			a.printImport(name, what, res, time.Since(start), rejects)
			return nil
		},
	}
	cmd.RunE = a.removeNewDBOnError(cmd.RunE)
	cmd.Flags().StringVar(&mapFile, "map", "", "mapping file (YAML) saying which column is which field")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "check everything and write nothing")
	cmd.Flags().BoolVar(&skipInvalid, "skip-invalid", false, "load the valid rows; write the others to --rejects")
	cmd.Flags().StringVar(&rejects, "rejects", "", "CSV file for the rows left out by --skip-invalid, with their reasons")
	cmd.Flags().StringVar(&sheet, "sheet", "", "XLSX worksheet to read (default: the mapping's, or the first)")
	cmd.Flags().BoolVar(&noProgress, "no-progress", false, "do not show progress on the terminal")
	if what == intake.Admissions {
		cmd.Flags().StringVar(&chargesFile, "charges", "", "charges sheet (CSV or XLSX) to load with the admissions")
		cmd.Flags().StringVar(&chargesMap, "charges-map", "", "mapping file of the charges sheet (default: habeas's layout)")
		cmd.Flags().StringVar(&chargesRejects, "charges-rejects", "", "with --skip-invalid: CSV file for the charges left out (default: the --rejects name with .charges before .csv)")
	}
	return cmd
}

// openCharges opens the charges sheet of an admissions import.
func openCharges(path, mapFile, rejects, mainRejects string, skip bool) (*intake.Table, func(), error) {
	var m *mapping.Mapping
	var err error
	opt := tabular.Options{}
	if mapFile != "" {
		if m, err = mapping.Load(mapFile); err != nil {
			return nil, nil, err
		}
		opt = m.ReadOptions()
	}
	r, err := tabular.Open(path, opt)
	if err != nil {
		return nil, nil, err
	}
	if m == nil {
		if m, err = mapping.Default(string(intake.Charges), r.Header()); err != nil {
			r.Close()
			return nil, nil, err
		}
	}
	t := &intake.Table{Reader: r, Mapping: m, File: filepath.Base(path)}
	closers := []func() error{r.Close}
	if skip {
		if rejects == "" {
			ext := filepath.Ext(mainRejects)
			rejects = strings.TrimSuffix(mainRejects, ext) + ".charges" + ext
		}
		f, err := os.Create(rejects)
		if err != nil {
			r.Close()
			return nil, nil, err
		}
		t.Rejects = f
		closers = append(closers, f.Close)
	}
	return t, func() {
		for _, c := range closers {
			_ = c()
		}
	}, nil
}

func (a *app) printImport(name string, what intake.What, res *intake.Result, el time.Duration, rejects string) {
	verb := "imported"
	if res.DryRun {
		verb = "checked (dry run, nothing written)"
	}
	fmt.Fprintf(a.out, "%s %s: %d rows %s in %s (%.0f rows/s)\n", what, name, res.Rows, verb, el.Round(time.Millisecond), float64(res.Rows)/max(el.Seconds(), 1e-3))
	fmt.Fprintf(a.out, "  new %d, unchanged %d, corrected %d\n", res.New, res.Unchanged, res.Corrected)
	if res.Duplicates > 0 {
		fmt.Fprintf(a.out, "  duplicates of earlier rows: %d\n", res.Duplicates)
	}
	if res.Skipped > 0 {
		fmt.Fprintf(a.out, "  left out by the mapping's skip rules: %d\n", res.Skipped)
	}
	if res.NoCounts > 0 {
		fmt.Fprintf(a.out, "  without any count (blank or missing: unknown, nothing recorded): %d\n", res.NoCounts)
	}
	if res.Rejected > 0 || rejects != "" {
		fmt.Fprintf(a.out, "  rejected: %d, written with their reasons to %s\n", res.Rejected, rejects)
	}
	if c := res.Also; c != nil {
		fmt.Fprintf(a.out, "  charges: %d rows: new %d, unchanged %d, corrected %d", c.Rows, c.New, c.Unchanged, c.Corrected)
		if c.Rejected > 0 {
			fmt.Fprintf(a.out, ", rejected %d", c.Rejected)
		}
		fmt.Fprintln(a.out)
	}
	fmt.Fprintf(a.out, "  ledger events: %d\n", res.Events)
	for _, w := range res.Warnings {
		fmt.Fprintf(a.errOut, "warning: %s\n", w)
	}
}

// inferMapping prints a proposed mapping for a file.
func (a *app) inferMapping(path, what string, sample int) error {
	r, err := tabular.Open(path, tabular.Options{})
	if err != nil {
		return err
	}
	defer r.Close()
	var rows [][]string
	for len(rows) < sample {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		rows = append(rows, row.Cells)
	}
	text, err := mapping.Infer(filepath.Base(path), what, r.Header(), rows)
	if err != nil {
		return err
	}
	_, err = io.WriteString(a.out, text)
	return err
}

// isTerminal reports whether w is a terminal, where progress is shown.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressLine redraws one line on the terminal at most a few times a
// second.
type progressLine struct {
	w         io.Writer
	start     time.Time
	last      time.Time
	phase     string
	phaseFrom time.Time
	shown     bool
}

func (p *progressLine) update(pr intake.Progress) {
	now := time.Now()
	if pr.Phase != p.phase {
		p.phase, p.phaseFrom = pr.Phase, now
	}
	if now.Sub(p.last) < 200*time.Millisecond && pr.Done < 1 {
		return
	}
	p.last = now
	el := now.Sub(p.start).Seconds()
	line := fmt.Sprintf("%s: %d rows, %.0f rows/s", pr.Phase, pr.Rows, float64(pr.Rows)/max(el, 1e-3))
	if pr.Done > 0 && pr.Done < 1 {
		spent := now.Sub(p.phaseFrom)
		left := time.Duration(float64(spent) * (1 - pr.Done) / pr.Done)
		line += fmt.Sprintf(", %.0f%%, about %s left", pr.Done*100, left.Round(time.Second))
	}
	fmt.Fprintf(p.w, "\r%-78s", line)
	p.shown = true
}

func (p *progressLine) done() {
	if p != nil && p.shown {
		fmt.Fprintf(p.w, "\r%-78s\r", "")
	}
}

// addTableExports adds the spreadsheet exports to the export command.
func (a *app) addTableExports(cmd *cobra.Command) {
	for _, what := range []string{"facilities", "cells", "census", "people", "admissions", "charges"} {
		var out, mapFile string
		register := what == "people" || what == "admissions" || what == "charges"
		c := &cobra.Command{
			Use:   what,
			Short: "Write the " + what + " as CSV or XLSX, in the layout habeas import " + what + " reads",
			Long: `Write the ` + what + ` as a spreadsheet: CSV, or XLSX when --out ends in .xlsx.
The columns are those 'habeas import ` + what + ` FILE' reads without a mapping, so
the file can be edited and imported again: unchanged rows change nothing,
changed figures are recorded as corrections. A blank is unknown.`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				ctx := cmd.Context()
				var m *mapping.Mapping
				if mapFile != "" {
					var err error
					if m, err = mapping.Load(mapFile); err != nil {
						return err
					}
				}
				db, _, err := a.open(ctx)
				if err != nil {
					return err
				}
				defer db.Close()
				var w io.Writer = a.out
				var f *os.File
				if out != "" && out != "-" {
					if f, err = os.Create(out); err != nil {
						return err
					}
					w = f
				}
				tw, err := tabular.NewWriter(w, out)
				if err != nil {
					return err
				}
				var n int
				switch {
				case what == "facilities":
					n, err = intake.ExportFacilities(ctx, db, tw)
				case what == "census":
					n, err = intake.ExportCensus(ctx, db, tw)
				case what == "cells":
					n, err = intake.ExportCells(ctx, db, tw)
				default:
					n, err = intake.ExportRegister(ctx, db, intake.What(what), m, tw)
				}
				if f != nil {
					if cerr := f.Close(); err == nil {
						err = cerr
					}
					if err != nil {
						// A half-written sheet is worse than none.
						_ = os.Remove(out)
					}
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(a.errOut, "exported %d rows of %s\n", n, what)
				return nil
			},
		}
		c.Flags().StringVarP(&out, "out", "o", "", "file to write, .csv or .xlsx (default: CSV on standard output)")
		if register {
			c.Short = "Write the " + what + " of the register as CSV or XLSX (staff only: personal data)"
			c.Long += `

The sheet holds personal data: keep it as you keep the register. With --map the
sheet is written the way the mapping's source writes it (its column names,
first date format and words), so a register kept in Excel can take back what
habeas holds. Transfers, verdicts, hearings and health are not in these
sheets: 'habeas export events' writes the whole ledger. An XLSX sheet holds at
most 1,048,576 rows; a larger register is written as CSV.`
			c.Flags().StringVar(&mapFile, "map", "", "mapping file (YAML): write the sheet in its source's layout")
		}
		cmd.AddCommand(c)
	}
}
