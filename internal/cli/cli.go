// Package cli is habeas's command line: one cobra command per task, each a
// thin layer over the services.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/user"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
)

// app holds what the commands share; one per invocation, no globals.
type app struct {
	dsn      string
	userName string
	verbose  bool
	cpuProf  string
	orgKeys  []string // ORG=FILE: the organisations' record keys (--org-key, HABEAS_ORG_KEYS)
	out      io.Writer
	errOut   io.Writer
	log      *slog.Logger
	now      func() time.Time
}

// exitError carries a specific exit code.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{out: stdout, errOut: stderr, now: time.Now}
	root := a.root()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(stderr, ee.msg)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "habeas:", err)
	return 1
}

func (a *app) root() *cobra.Command {
	root := &cobra.Command{
		Use:   "habeas",
		Short: "A register of people in detention, kept so that unlawful detention can be found and releases counted",
		Long: `habeas keeps a register of places of detention, the people held in them and every
event of their custody, as an append-only, hash-chained ledger (Nelson Mandela
Rules 6-10). From the ledger it computes, for any date, the population,
occupancy and the groups at risk.

Data lives in one database: a SQLite file (the default, habeas.db) or a
PostgreSQL server (--db postgres://user@host/dbname).

Start with:
  habeas demo            build a synthetic Cambodian register (2015-2020)
  habeas stats           population, capacity and occupancy on a date
  habeas serve --demo    open the web page on http://localhost:8080`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			level := slog.LevelWarn
			if a.verbose {
				level = slog.LevelInfo
			}
			a.log = slog.New(slog.NewTextHandler(a.errOut, &slog.HandlerOptions{Level: level}))
			if a.cpuProf != "" {
				f, err := os.Create(a.cpuProf)
				if err != nil {
					return err
				}
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
			}
			return nil
		},
		PersistentPostRun: func(*cobra.Command, []string) {
			if a.cpuProf != "" {
				pprof.StopCPUProfile()
			}
		},
	}
	def := os.Getenv("HABEAS_DB")
	if def == "" {
		def = "habeas.db"
	}
	root.PersistentFlags().StringVar(&a.dsn, "db", def, "database: a SQLite file path, or a postgres:// URL (env HABEAS_DB)")
	root.PersistentFlags().StringVar(&a.userName, "user", "", "who is making the entries (default: the login name)")
	root.PersistentFlags().BoolVarP(&a.verbose, "verbose", "v", false, "log what is being done")
	var keysDef []string
	if v := os.Getenv("HABEAS_ORG_KEYS"); v != "" {
		keysDef = []string{v}
	}
	root.PersistentFlags().StringArrayVar(&a.orgKeys, "org-key", keysDef,
		"ORG=FILE: the key file of a monitoring organisation, which seals and opens its restricted records (repeat; env HABEAS_ORG_KEYS=ORG=FILE,ORG=FILE)")
	root.PersistentFlags().StringVar(&a.cpuProf, "cpuprofile", "", "write a CPU profile to this file (for benchmarks)")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	root.AddCommand(a.demoCmd(), a.importCmd(), a.exportCmd(), a.statsCmd(), a.verifyCmd(), a.serveCmd(),
		a.screenCmd(), a.rulesCmd(), a.userCmd(), a.reportCmd(), a.pledgeCmd(), a.reformCmd(),
		a.checkpointCmd(), a.proveCmd(), a.verifyProofCmd(), a.backupCmd(), a.restoreCmd(), a.planCmd(), a.outbreakCmd(),
		a.orgCmd(), a.markerCmd(), a.visitCmd(), a.monitorCmd(), a.configCmd())
	return root
}

// removeNewDBOnError wraps an import command (events, sheets, a register) so
// that, when the command created the SQLite database file and then fails,
// the file and its companions are removed: a refused import into a new path
// must not leave an empty register behind to be mistaken for a loaded one.
// The command's own deferred close has run by the time run returns.
func (a *app) removeNewDBOnError(run func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		path := a.dsn
		created := false
		if path != "" && !sqldb.IsPostgres(path) {
			_, err := os.Stat(path)
			created = errors.Is(err, fs.ErrNotExist)
		}
		err := run(cmd, args)
		if err != nil && created {
			for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
				if rerr := os.Remove(path + suffix); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
					a.log.Warn("removing the database file the failed import created", "file", path+suffix, "err", rerr)
				}
			}
		}
		return err
	}
}

// open connects to the database and returns the ledger service on it.
// Commands that fill a register and are the file's only user meanwhile (an
// import, the demo) pass sqldb.LoadsAlone.
func (a *app) open(ctx context.Context, opts ...sqldb.Option) (*sqldb.DB, *ledger.Service, error) {
	db, err := sqldb.Open(ctx, a.dsn, a.log, opts...)
	if err != nil {
		return nil, nil, err
	}
	return db, ledger.New(db, ledger.WithClock(a.now), ledger.WithLogger(a.log)), nil
}

func (a *app) actor(via string) ledger.Actor {
	name := a.userName
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		} else {
			name = "cli"
		}
	}
	return ledger.Actor{Name: name, Via: via}
}

// parseDay reads a --as-of style flag; empty means def.
// asOfDay is the day --as-of names or, when it names none, the register's
// latest date; an empty register has none, and nothing to report on.
func asOfDay(ctx context.Context, db store.Store, asOf string) (domain.Date, error) {
	day, err := parseDay("as-of", asOf, domain.NoDate)
	if err != nil || day != domain.NoDate {
		return day, err
	}
	if day, err = db.LatestDate(ctx); err != nil {
		return day, err
	}
	if day == domain.NoDate {
		return day, fmt.Errorf("the register is empty: load data first (habeas demo, or habeas import events FILE)")
	}
	return day, nil
}

func parseDay(flag, v string, def domain.Date) (domain.Date, error) {
	if v == "" {
		return def, nil
	}
	d, err := domain.ParseDate(v)
	if err != nil {
		return 0, fmt.Errorf("--%s: %w", flag, err)
	}
	return d, nil
}
