package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/demo"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
)

func (a *app) demoCmd() *cobra.Command {
	var seed int64
	var people int
	var force bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Build a synthetic Cambodian register (2015-2020) in the database",
		Long: `Build a synthetic but realistic register of Cambodia's prisons from 2015 to the
end of 2020, calibrated to the published figures (38,990 people held on
2020-03-31 for 26,593 places, about 75% not finally convicted, 101 children
living with their mothers in June 2020, ...). The same --seed always gives the
same register. --people scales the population held on 2020-03-31 (for
benchmarks; 1000000 works).

No person in it is real. The database must be empty; --force deletes an
existing SQLite file first.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if force && !sqldb.IsPostgres(a.dsn) {
				// A journal left by an interrupted load belongs to the old file:
				// played back into a new one it would corrupt it.
				for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
					if err := os.Remove(a.dsn + suffix); err != nil && !os.IsNotExist(err) {
						return fmt.Errorf("removing %s: %w", a.dsn+suffix, err)
					}
				}
			}
			db, svc, err := a.open(ctx, sqldb.LoadsAlone())
			if err != nil {
				return err
			}
			defer db.Close()
			start := time.Now()
			held, res, err := a.buildDemoIfEmpty(ctx, db, svc, "habeas demo", demo.Options{Seed: seed, People: people})
			if err != nil {
				return err
			}
			if held != 0 {
				return fmt.Errorf("%s already holds %d events: the demo needs an empty database (use --force for a SQLite file)", a.dsn, held)
			}
			fmt.Fprintf(a.out, "demo register written to %s: %d events, %d people, in %s\nledger head %s\n",
				a.dsn, res.Events, res.Persons, time.Since(start).Round(time.Millisecond), res.Head.Hash)
			return nil
		},
	}
	cmd.Flags().Int64Var(&seed, "seed", 1, "random seed: the same seed gives the same register")
	cmd.Flags().IntVar(&people, "people", 0, "people held on 2020-03-31 (default: the real figure, 38990)")
	cmd.Flags().BoolVar(&force, "force", false, "delete an existing SQLite database file first")
	return cmd
}

func (a *app) importCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Load data into the register",
	}
	events := &cobra.Command{
		Use:   "events FILE.jsonl",
		Short: "Append ledger events from a JSON Lines file (all or nothing)",
		Long: `Append the events of a JSON Lines file (one event per line, see
docs/interchange.md) to the ledger. Every event is checked against the register
as it stands: an error names the line and the field, and then nothing of the
file is written. A file exported by 'habeas export events' restores the same
ledger, with the same hashes, into an empty database of either kind.
Use - to read standard input.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			name := args[0]
			in := os.Stdin
			if name != "-" {
				f, err := os.Open(name)
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			}
			db, svc, err := a.open(ctx, sqldb.LoadsAlone())
			if err != nil {
				return err
			}
			defer db.Close()
			start := time.Now()
			res, err := svc.Import(ctx, bufio.NewReaderSize(in, 1<<20), filepath.Base(name), a.actor("import "+filepath.Base(name)))
			if err != nil {
				return err
			}
			el := time.Since(start)
			fmt.Fprintf(a.out, "imported %d events (%d people) in %s, %.0f events/s\nledger head %d %s\n",
				res.Events, res.Persons, el.Round(time.Millisecond), float64(res.Events)/el.Seconds(), res.Head.Seq, res.Head.Hash)
			return nil
		},
	}
	events.RunE = a.removeNewDBOnError(events.RunE)
	cmd.AddCommand(events, a.importBundleCmd())
	a.addTableImports(cmd) // import_table.go: facilities, census, --infer
	return cmd
}

func (a *app) exportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write data out of the register",
	}
	var out string
	ev := &cobra.Command{
		Use:   "events",
		Short: "Write the whole ledger as JSON Lines (a complete backup)",
		Long: `Write every event of the ledger, in order, as JSON Lines (docs/interchange.md)
to standard output or --out. Importing the file into an empty database
reproduces the same ledger and the same head hash. The file holds personal
data: keep it as safe as the database.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, svc, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			w := a.out
			var f *os.File
			if out != "" && out != "-" {
				if f, err = os.Create(out); err != nil {
					return err
				}
				w = f
			}
			head, err := svc.Export(ctx, w)
			if f != nil {
				if cerr := f.Close(); err == nil {
					err = cerr
				}
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(a.errOut, "exported %d events; ledger head %s\n", head.Seq, head.Hash)
			return nil
		},
	}
	ev.Flags().StringVarP(&out, "out", "o", "", "file to write (default: standard output)")
	cmd.AddCommand(ev, a.exportBundleCmd())
	a.addTableExports(cmd) // import_table.go: facilities, census as CSV or XLSX
	return cmd
}

func (a *app) verifyCmd() *cobra.Command {
	var head, against, key, exportFile string
	var rebuild bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check the ledger's hash chain and that the projections match it",
		Long: `Check every event of the ledger against the hash chain, then rebuild every
projection (current state, stays, episodes, vulnerabilities, facilities,
census) from the ledger and compare it with what is stored. Exits 1 and names
the first bad event when a row was changed, deleted, inserted or reordered
outside habeas. --head checks that a head hash published earlier is still in
the ledger. --rebuild replaces the person projections with the rebuild.

The ledger's Merkle tree is rebuilt from the events and compared with the
stored tiles. --against CHECKPOINT --key KEY.pub checks that the ledger
extends a checkpoint published earlier (habeas checkpoint): it fails when any
event up to it was changed, removed or reordered, even with every later hash
recomputed, and names the first differing event when the stored tree still
holds the checkpointed hashes or --export gives an export made before.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, svc, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if rebuild {
				n, err := svc.Rebuild(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.out, "rebuilt the projections of %d people\n", n)
			}
			rep, err := svc.Verify(ctx, head)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "events: %d, people: %d, head: %s\n", rep.Events, rep.Persons, rep.Head)
			fmt.Fprintf(a.out, "hash chain: %s\nprojections: %s\ntree: %s\n", okWord(rep.ChainOK), okWord(rep.ProjOK), okWord(rep.TreeOK))
			for _, p := range rep.Problems {
				fmt.Fprintln(a.out, "  "+p.String())
			}
			if rep.Truncated {
				fmt.Fprintln(a.out, "  (more problems not shown)")
			}
			if rep.Broken > 0 {
				// Not a failure: events restored as they were written before
				// a rule came in; they are listed to be corrected.
				fmt.Fprintf(a.out, "events that break a rule made after they were entered: %d (correct them)\n", rep.Broken)
				for _, p := range rep.Rules {
					fmt.Fprintln(a.out, "  "+p.String())
				}
				if rep.Broken > len(rep.Rules) {
					fmt.Fprintln(a.out, "  (more not shown)")
				}
			}
			lh, err := db.Head(ctx)
			if err != nil {
				return err
			}
			from, err := db.AuditedFrom(ctx)
			if err != nil {
				return err
			}
			arep, err := auth.VerifyAuditFrom(ctx, db, from, lh.Seq)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "audit chain: %d entries, %s; accounts: %s; events audited: %s\n", arep.Entries, okWord(arep.ChainOK), okWord(arep.TablesOK), okWord(arep.EventsOK))
			for _, p := range arep.Problems {
				fmt.Fprintln(a.out, "  "+p)
			}
			extends := true
			if against != "" {
				if extends, err = a.verifyAgainst(ctx, svc, against, key, exportFile); err != nil {
					return err
				}
			}
			if !extends {
				return &exitError{code: 1, msg: "verify: the ledger does not extend the checkpoint " + against}
			}
			if !rep.OK() || !arep.OK() {
				return &exitError{code: 1, msg: "verify: the register does not match its ledger"}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&head, "head", "", "a head hash published earlier that must be in the ledger")
	cmd.Flags().BoolVar(&rebuild, "rebuild", false, "rebuild the person projections from the ledger first")
	cmd.Flags().StringVar(&against, "against", "", "a signed checkpoint the ledger must extend")
	cmd.Flags().StringVar(&key, "key", "", "the public key of the checkpoint (PEM)")
	cmd.Flags().StringVar(&exportFile, "export", "", "an export made before the checkpoint, to name the first differing event")
	return cmd
}

func okWord(ok bool) string {
	if ok {
		return "ok"
	}
	return "FAILED"
}

// buildDemoIfEmpty builds the demo register when the database holds no
// event. Otherwise it builds nothing and returns how many events the database
// holds: synthetic people must never be mixed into a register, real or not.
func (a *app) buildDemoIfEmpty(ctx context.Context, db *sqldb.DB, svc *ledger.Service, via string, opt demo.Options) (held int64, res ledger.ImportResult, err error) {
	head, err := db.Head(ctx)
	if err != nil {
		return 0, res, fmt.Errorf("reading the ledger head: %w", err)
	}
	if head.Seq != 0 {
		return head.Seq, res, nil
	}
	// A large demo takes minutes: say what is happening before it starts.
	fmt.Fprintf(a.errOut, "the database is empty: building the demo register in %s ...\n", a.dsn)
	res, err = a.buildDemo(ctx, svc, via, opt)
	return 0, res, err
}

// buildDemo fills the ledger with the synthetic demo register.
func (a *app) buildDemo(ctx context.Context, svc *ledger.Service, via string, opt demo.Options) (ledger.ImportResult, error) {
	res, err := svc.Load(ctx, a.actor(via), func(emit func(*domain.Event) error) error {
		return demo.Generate(ctx, opt, emit)
	})
	if err != nil {
		return res, fmt.Errorf("building the demo register: %w", err)
	}
	return res, nil
}
