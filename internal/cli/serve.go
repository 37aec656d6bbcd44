package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/habeas-kh/habeas/internal/demo"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/markers"
	"github.com/habeas-kh/habeas/internal/registry"
	"github.com/habeas-kh/habeas/internal/report"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/visits"
	"github.com/habeas-kh/habeas/internal/web"
)

func (a *app) serveCmd() *cobra.Command {
	var cfg serveConfig
	var configFile string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web application and the JSON API",
		Long: `Serve habeas over HTTP or HTTPS (default http://localhost:8080): the public
figures, reports and open data for everyone; the register, the screening queue
and the forms for staff after sign-in; the JSON API under /api/v1 (described at
/api/v1/openapi.json); /healthz and /readyz for a supervisor; Prometheus
metrics on a separate listener (--metrics-addr). With --demo, an empty
database is first filled with the synthetic demo register.

Every setting comes from a flag, else its HABEAS_… environment variable, else
the configuration file (--config, or ` + defaultConfigFile + ` when it exists),
else its default: habeas config check shows which (docs/operations.md).

There is no default account: create the first administrator with
  habeas user add NAME --role admin
Session cookies are marked Secure, which browsers accept from
http://localhost; to other machines serve HTTPS (--tls-cert and --tls-key,
read again on SIGHUP) or sit behind an HTTPS proxy (--trusted-proxy). On a
trusted network only, --insecure-cookies allows plain HTTP.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := a.resolveConfig(cmd, &cfg, configFile); err != nil {
				return err
			}
			a.log = newLogger(a.errOut, cfg.LogFormat, cfg.LogLevel)
			return a.serve(cmd.Context(), cfg, nil)
		},
	}
	bindConfig(cmd.Flags(), &cfg, &configFile)
	return cmd
}

// newLogger is the process's logger: JSON lines (one object a line, for
// journald and log shippers) or text.
func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level)) // checked with the configuration
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// listening, when not nil, is told the addresses the server listens on
// (tests listen on port 0).
type listening func(web, metrics net.Addr)

// serve runs the server until ctx ends, then stops it: requests still
// running get cfg.ShutdownTimeout to finish, the screening keeper stops,
// and only then is the database closed, so that no write is cut between
// its statements (each write is one transaction: it commits or rolls back).
func (a *app) serve(ctx context.Context, cfg serveConfig, ready listening) error {
	proxies, err := cfg.proxies()
	if err != nil {
		return err
	}
	var certs *certReloader
	if cfg.TLSCert != "" {
		// Before the database: a certificate that does not fit its key is
		// a mistake to report at once.
		if certs, err = newCertReloader(cfg.TLSCert, cfg.TLSKey, a.log); err != nil {
			return err
		}
	}
	db, led, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.DBRead != "" {
		// Reads of pages, reports and exports from the replica; a replica
		// that does not answer yet is logged, and the primary serves.
		if err := db.AttachReplica(ctx, cfg.DBRead, sqldb.ReplicaOptions{MaxLag: cfg.DBReadMaxLag}); err != nil {
			return fmt.Errorf("reading from the replica (db-read): %w", err)
		}
	}
	if cfg.Demo {
		if _, _, err := a.buildDemoIfEmpty(ctx, db, led, "habeas serve --demo", demo.Options{Seed: 1}); err != nil {
			return err
		}
	}
	m := newMetrics(ctx, db, a.dsn)
	svcs, err := a.webServices(db, led, registry.WithObserver(m))
	if err != nil {
		return err
	}
	m.watch(svcs.Registry)
	ws, err := web.New(svcs, web.Options{Log: a.log, InsecureCookies: cfg.InsecureCookies, TrustedProxies: proxies,
		Observer: m, Health: &health{db: db, reg: svcs.Registry, maxLag: cfg.ReadyMaxLag}})
	if err != nil {
		return err
	}

	// The background work stops with bg, after the listeners have drained.
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	var wg sync.WaitGroup
	// Compute the dashboard before the first visitor asks for it.
	wg.Go(func() { ws.Warm(bg) })
	// Keep the screenings the public side shows current without anyone
	// running habeas screen --save.
	wg.Go(func() { ws.KeepScreenings(bg, cfg.ScreeningInterval) })

	srv := &http.Server{Handler: ws.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
		// A request's context ends with the server's stop only through
		// Shutdown's deadline, not with ctx: in-flight writes finish.
		BaseContext: func(net.Listener) context.Context { return bg }}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	scheme := "http"
	if certs != nil {
		srv.TLSConfig = certs.tlsConfig()
		scheme = "https"
	}
	errc := make(chan error, 2)
	go func() {
		if certs != nil {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	var msrv *http.Server
	var maddr net.Addr
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			srv.Close()
			return fmt.Errorf("listening for metrics on %s: %w", cfg.MetricsAddr, err)
		}
		maddr = mln.Addr()
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}))
		msrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: time.Minute}
		go func() { errc <- msrv.Serve(mln) }()
	}
	hup := make(chan os.Signal, 1)
	if certs != nil {
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
	}
	if ready != nil {
		ready(ln.Addr(), maddr)
	}
	shown, _ := strconv.Unquote(maskSecret(strconv.Quote(a.dsn)))
	a.log.Info("serving", "url", scheme+"://"+displayAddr(ln.Addr().String()), "db", shown, "metrics", cfg.MetricsAddr)
	fmt.Fprintf(a.errOut, "habeas is serving %s on %s://%s (Ctrl-C to stop)\n", shown, scheme, displayAddr(ln.Addr().String()))
	for stop := false; !stop; {
		select {
		case err := <-errc:
			if !errors.Is(err, http.ErrServerClosed) {
				srv.Close()
				if msrv != nil {
					msrv.Close()
				}
				stopBG()
				wg.Wait()
				return err
			}
		case <-hup:
			_ = certs.reload() // logged; the certificate in use stays
		case <-ctx.Done():
			stop = true
		}
	}
	return a.shutdown(srv, msrv, cfg.ShutdownTimeout, stopBG, &wg)
}

// shutdown stops the server: it stops taking requests, lets those running
// finish for up to timeout (a report being built for a visitor can take
// seconds on a busy register), then cuts the rest: their contexts end, so
// a write still waiting rolls back. The background work stops last, and is
// waited for before the database closes.
func (a *app) shutdown(srv, msrv *http.Server, timeout time.Duration, stopBG context.CancelFunc, wg *sync.WaitGroup) error {
	a.log.Info("stopping", "timeout", timeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if msrv != nil {
		msrv.Close()
	}
	// Cut what is still running (their request contexts derive from bg),
	// and stop the keeper and the warm-up.
	stopBG()
	if errors.Is(err, context.DeadlineExceeded) {
		// Asked to stop, it stops: the requests still running are cut,
		// and said so, rather than the stop failing.
		a.log.Warn("stopping: requests still running were cut", "after", timeout.String())
		srv.Close()
		err = nil
	}
	// The keeper and the warm-up end at their next check of the context;
	// a screening pass on a large register checks it between facilities.
	// Bounded too: past the limit the database is closed under them, and
	// what they were writing rolls back.
	waited := make(chan struct{})
	go func() { wg.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(timeout):
		a.log.Warn("stopping: the background work did not end in time; closing the database under it", "after", timeout.String())
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	a.log.Info("stopped")
	return nil
}

// health answers /readyz: the database answers, its schema is the one this
// binary knows, and the saved screenings are not further behind the ledger
// than maxLag (0: any lag is ready). A lag alone does not take the public
// site down unless it passes the limit: a large import makes one.
type health struct {
	db     *sqldb.DB
	reg    *registry.Service
	maxLag time.Duration
}

// replicaAnswer is the read replica's part of /readyz.
type replicaAnswer struct {
	Up         bool    `json:"up"`
	Standby    bool    `json:"standby"`
	Problem    string  `json:"problem,omitempty"`
	LagSeconds float64 `json:"lag_seconds"`
	LagBytes   int64   `json:"lag_bytes"`
	LagLimit   string  `json:"lag_limit"`
	// ReadsFrom is where the public's reads go now: "replica", or
	// "primary" while it is down or further behind than the limit.
	ReadsFrom string `json:"reads_from"`
}

func (h *health) Ready(ctx context.Context) (bool, any) {
	type answer struct {
		Status        string   `json:"status"`
		Problems      []string `json:"problems,omitempty"`
		Schema        int64    `json:"schema_version"`
		SchemaWanted  int64    `json:"schema_version_wanted"`
		LagSeconds    float64  `json:"screening_lag_seconds"`
		LagEvents     int64    `json:"screening_lag_events"`
		LagLimit      string   `json:"screening_lag_limit"`
		KeeperRunning bool     `json:"screening_keeper_running"`
		// Replica is the read replica's state (--db-read), absent
		// without one. A replica down or behind does not make habeas
		// unready: its reads go to the primary.
		Replica *replicaAnswer `json:"replica,omitempty"`
	}
	out := answer{SchemaWanted: sqldb.LatestMigration(h.db.Dialect()), LagLimit: h.maxLag.String()}
	if err := h.db.Ping(ctx); err != nil {
		out.Problems = append(out.Problems, "the database does not answer: "+err.Error())
	} else if v, err := h.db.SchemaVersion(ctx); err != nil {
		out.Problems = append(out.Problems, err.Error())
	} else {
		out.Schema = v
		if v != out.SchemaWanted {
			out.Problems = append(out.Problems, fmt.Sprintf("the schema is at version %d, not %d", v, out.SchemaWanted))
		}
		if lag, err := h.reg.ScreeningLag(ctx); err != nil {
			out.Problems = append(out.Problems, err.Error())
		} else {
			out.LagSeconds, out.LagEvents, out.KeeperRunning = lag.Age.Seconds(), lag.Behind, lag.Running
			if h.maxLag > 0 && lag.Age > h.maxLag {
				out.Problems = append(out.Problems, fmt.Sprintf("the saved screenings are %s behind the ledger (limit %s)",
					lag.Age.Round(time.Second), h.maxLag))
			}
		}
	}
	if st, ok := h.db.Replica(); ok {
		out.Replica = &replicaAnswer{Up: st.Up, Standby: st.Standby, Problem: st.Problem, LagSeconds: st.Lag.Seconds(),
			LagBytes: st.LagBytes, LagLimit: st.MaxLag.String(), ReadsFrom: "replica"}
		if !st.Up || st.Behind {
			out.Replica.ReadsFrom = "primary"
		}
	}
	out.Status = "ready"
	if len(out.Problems) > 0 {
		out.Status = "not ready"
	}
	return len(out.Problems) == 0, out
}

// webServices builds the services the web server calls, all on db: the
// accounts, the register (writing through led, screening with the built-in
// rule pack, with opts) and the public reports.
func (a *app) webServices(db *sqldb.DB, led *ledger.Service, opts ...registry.Option) (web.Services, error) {
	pack, err := rules.Builtin(rules.BuiltinID)
	if err != nil {
		return web.Services{}, fmt.Errorf("loading the built-in rule pack: %w", err)
	}
	au := a.newAuth(db)
	svc := web.Services{
		Auth:     au,
		Registry: registry.New(db, led, au, pack, a.log, opts...),
		Reports:  report.NewCache(db, report.CacheOptions{Now: a.now}),
		// The server publishes the checkpoints signed with habeas
		// checkpoint; it never holds the key.
		Checkpoints: led,
		// The reports published with habeas report publish, served from
		// the register.
		Publications: led,
	}
	// The monitoring organisations' keys (--org-key): without one, the
	// server keeps no concern markers.
	keys, err := a.keyring()
	if err != nil {
		return web.Services{}, err
	}
	if len(a.orgKeys) > 0 {
		svc.Markers = markers.New(db, led, keys, au)
	}
	// Visits are kept with or without keys: without its organisation's
	// key, a visit's interviews and allegations are refused, not stored.
	svc.Visits = visits.New(db, led, keys, au)
	return svc, nil
}

func displayAddr(addr string) string {
	if len(addr) > 0 && addr[0] == ':' {
		return "localhost" + addr
	}
	return addr
}
