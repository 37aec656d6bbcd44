package cli

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/outbreak"
	"github.com/habeas-kh/habeas/internal/plan"
	"github.com/habeas-kh/habeas/internal/scenario"
)

// outbreakOutput is what habeas outbreak prints as JSON: the stochastic
// runs and, beside them, one run of the deterministic version.
type outbreakOutput struct {
	*scenario.Result
	Deterministic *outbreak.DeterministicResult `json:"deterministic"`
}

func (a *app) outbreakCmd() *cobra.Command {
	var asOf, paramsFile, scenarioFile, facility, format, planName string
	var detOnly bool
	var runs, days int
	var seed uint64
	cmd := &cobra.Command{
		Use:   "outbreak",
		Short: "Run the stochastic COVID-19 outbreak model on the people held on a date",
		Long: `Run a stochastic compartmental model of a COVID-19 outbreak in every facility
(or one, --facility), its strata filled from the register on --as-of: the
people held per age band, recorded chronic illness and housing (dormitory or
cell), the facility's capacity and its own admission and release rates over
the year before. Print infections, hospitalisations, peak hospital beds and
deaths in custody per facility and nationally, each as the median and 90%
interval of --runs runs over --days days, and one deterministic run of the
same model beside them. The same --seed gives the same figures.

Parameters and their sources: docs/outbreak.md; --params loads another file
in the format of the built-in one (habeas outbreak --print-params).
--plan NAME runs a saved decongestion plan (habeas plan --save NAME) against
the baseline on the same random numbers, run by run: the plan's people held
on --as-of leave their strata (age band on the date, recorded chronic
illness, dormitory or cell) on the plan's date, or on day 0 when the plan's
date is not after --as-of (which defaults to the plan's date). It prints
the plan's figures as "plan" and the deaths and infections it averts as
"averted". --scenario-params runs a second set of parameters instead
(measures such as isolation of detected cases, prior immunity, fewer
admissions); with --plan, the plan's releases and those parameters together.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if format != "json" && format != "csv" && format != "table" {
				return fmt.Errorf("--format must be json, csv or table, not %q", format)
			}
			if runs < 1 || runs > outbreak.MaxRuns {
				return fmt.Errorf("--runs %d is out of range: want 1 to %d", runs, outbreak.MaxRuns)
			}
			if days < 1 || days > outbreak.MaxDays {
				return fmt.Errorf("--days %d is out of range: want 1 to %d", days, outbreak.MaxDays)
			}
			p, err := loadParams("params", paramsFile)
			if err != nil {
				return err
			}
			var sp *outbreak.Params
			if scenarioFile != "" {
				if sp, err = loadParams("scenario-params", scenarioFile); err != nil {
					return err
				}
			}
			db, _, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			day, err := parseDay("as-of", asOf, domain.NoDate)
			if err != nil {
				return err
			}
			var saved *plan.Saved
			if planName != "" {
				if saved, err = plan.ReadSaved(ctx, db, planName); err != nil {
					if errors.Is(err, domain.ErrNotFound) {
						return fmt.Errorf("--plan %q: no plan of that name has been saved (habeas plan --save NAME)", planName)
					}
					return fmt.Errorf("--plan %q: %w", planName, err)
				}
			} else if day == domain.NoDate {
				if day, err = asOfDay(ctx, db, asOf); err != nil {
					return err
				}
			}
			in, sc, out, err := scenario.Prepare(ctx, db, saved, scenario.Options{AsOf: day, Runs: runs, Days: days, Seed: seed, Params: p, Facility: facility})
			if err != nil {
				var de *domain.Error
				if errors.As(err, &de) && de.Code == domain.ErrInvalid && de.Field != "" {
					return fmt.Errorf("--%s: %s", strings.ReplaceAll(de.Field, "_", "-"), de.Msg)
				}
				return err
			}
			if sp != nil {
				if sc == nil {
					sc = &outbreak.Scenario{Name: "parameters of " + scenarioFile}
				}
				sc.Params = sp
			}
			det, err := outbreak.Deterministic(ctx, in, sc)
			if err != nil {
				return err
			}
			if detOnly {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(det)
			}
			res, err := outbreak.Run(ctx, in, sc)
			if err != nil {
				return err
			}
			out.Result = res
			switch format {
			case "json":
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(outbreakOutput{Result: out, Deterministic: det})
			case "csv":
				return writeOutbreakCSV(a.out, res)
			}
			printOutbreak(a.out, out, det)
			return nil
		},
	}
	cmd.Flags().StringVar(&asOf, "as-of", "", "date YYYY-MM-DD whose people are held on day 0 (default: the plan's date with --plan, else the latest event in the register)")
	cmd.Flags().StringVar(&planName, "plan", "", "a saved plan (habeas plan --save NAME) whose people are released, against the baseline on the same random numbers")
	cmd.Flags().IntVar(&runs, "runs", 1000, fmt.Sprintf("stochastic runs (1 to %d)", outbreak.MaxRuns))
	cmd.Flags().IntVar(&days, "days", 180, fmt.Sprintf("days each run covers (1 to %d)", outbreak.MaxDays))
	cmd.Flags().Uint64Var(&seed, "seed", 1, "seed of the random numbers: the same seed gives the same figures")
	cmd.Flags().StringVar(&paramsFile, "params", "", "YAML file of parameters replacing the built-in ones (docs/outbreak.md)")
	cmd.Flags().StringVar(&scenarioFile, "scenario-params", "", "YAML file of parameters for a scenario (measures: isolation, prior immunity, fewer admissions) run against the baseline on the same random numbers")
	cmd.Flags().StringVar(&facility, "facility", "", "model this facility only (its figures are those it has in the national run)")
	cmd.Flags().StringVar(&format, "format", "table", "json, csv or table")
	var printParams bool
	cmd.Flags().BoolVar(&detOnly, "deterministic", false, "run only the deterministic version (R0 at its mean, expected values), as JSON")
	cmd.Flags().BoolVar(&printParams, "print-params", false, "print the built-in parameter file and exit")
	prev := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if printParams {
			_, err := a.out.Write(outbreak.DefaultParamsYAML())
			return err
		}
		return prev(cmd, args)
	}
	return cmd
}

// loadParams reads a parameter file named by a flag; "" is the built-in one.
func loadParams(flag, file string) (*outbreak.Params, error) {
	if file == "" {
		return outbreak.DefaultParams(), nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flag, err)
	}
	return outbreak.ParseParams(file, data)
}

func fmtInterval(i outbreak.Interval) string {
	// A value that rounds to 0 prints 0, not "-0".
	r := func(x float64) float64 { return math.Round(x) + 0 }
	return fmt.Sprintf("%.0f (%.0f–%.0f)", r(i.Median), r(i.P5), r(i.P95))
}

func printOutbreak(w io.Writer, sr *scenario.Result, det *outbreak.DeterministicResult) {
	r := sr.Result
	fmt.Fprintf(w, "Outbreak model on %s: %d runs of %d days, seed %d, transmission %s\n", r.AsOf, r.Runs, r.Days, r.Seed, r.Transmission)
	fmt.Fprintf(w, "%d people held, capacity %d. Figures: median (90%% interval), residents only.\n\n", r.Population, r.Capacity)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "facility\theld\tcapacity\tinfections\thospitalised\tpeak beds\tdeaths\t")
	for _, f := range r.Facilities {
		b := f.Baseline
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t\n", f.ID, f.Population, f.Capacity, fmtInterval(b.Infections),
			fmtInterval(b.Hospitalisations), fmtInterval(b.PeakBeds), fmtInterval(b.Deaths))
	}
	b := r.Baseline
	fmt.Fprintf(tw, "national\t%d\t%d\t%s\t%s\t%s\t%s\t\n", r.Population, r.Capacity, fmtInterval(b.Infections),
		fmtInterval(b.Hospitalisations), fmtInterval(b.PeakBeds), fmtInterval(b.Deaths))
	d := det.Baseline
	fmt.Fprintf(tw, "deterministic (R0 %.2f)\t\t\t%.0f\t%.0f\t%.0f\t%.0f\t\n", det.R0, d.Infections, d.Hospitalisations, d.PeakBeds, d.Deaths)
	tw.Flush()
	if r.Plan == nil {
		return
	}
	fmt.Fprintf(w, "\nScenario: %s (paired with the baseline, run by run)\n", r.PlanName)
	if sr.PlanDate != domain.NoDate {
		fmt.Fprintf(w, "The plan of %s releases %d people held on %s.\n", sr.PlanDate, sr.Released, r.AsOf)
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "facility\tinfections\tdeaths\tinfections averted\tdeaths averted\t")
	for _, f := range r.Facilities {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", f.ID, fmtInterval(f.Plan.Infections), fmtInterval(f.Plan.Deaths),
			fmtInterval(f.Averted.Infections), fmtInterval(f.Averted.Deaths))
	}
	fmt.Fprintf(tw, "national\t%s\t%s\t%s\t%s\t\n", fmtInterval(r.Plan.Infections), fmtInterval(r.Plan.Deaths),
		fmtInterval(r.Averted.Infections), fmtInterval(r.Averted.Deaths))
	tw.Flush()
}

func writeOutbreakCSV(w io.Writer, r *outbreak.Result) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"facility", "population", "capacity", "scenario", "figure", "median", "p5", "p95"})
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	put := func(id string, pop, capacity int, scenario string, fig outbreak.Figures) {
		for _, c := range []struct {
			name string
			i    outbreak.Interval
		}{{"infections", fig.Infections}, {"hospitalisations", fig.Hospitalisations}, {"peak_hospital_beds", fig.PeakBeds}, {"deaths", fig.Deaths}} {
			_ = cw.Write([]string{id, strconv.Itoa(pop), strconv.Itoa(capacity), scenario, c.name, f(c.i.Median), f(c.i.P5), f(c.i.P95)})
		}
	}
	for _, fr := range r.Facilities {
		put(fr.ID, fr.Population, fr.Capacity, "baseline", fr.Baseline)
	}
	put("national", r.Population, r.Capacity, "baseline", r.Baseline)
	if r.Plan != nil {
		for _, fr := range r.Facilities {
			put(fr.ID, fr.Population, fr.Capacity, "plan", *fr.Plan)
			putAverted(cw, fr.ID, fr.Population, fr.Capacity, fr.Averted, f)
		}
		put("national", r.Population, r.Capacity, "plan", *r.Plan)
		putAverted(cw, "national", r.Population, r.Capacity, r.Averted, f)
	}
	cw.Flush()
	return cw.Error()
}

func putAverted(cw *csv.Writer, id string, pop, capacity int, a *outbreak.Averted, f func(float64) string) {
	for _, c := range []struct {
		name string
		i    outbreak.Interval
	}{{"infections", a.Infections}, {"deaths", a.Deaths}} {
		_ = cw.Write([]string{id, strconv.Itoa(pop), strconv.Itoa(capacity), "averted", c.name, f(c.i.Median), f(c.i.P5), f(c.i.P95)})
	}
}
