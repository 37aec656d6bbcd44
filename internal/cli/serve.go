package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/habeas-kh/habeas/internal/demo"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/markers"
	"github.com/habeas-kh/habeas/internal/registry"
	"github.com/habeas-kh/habeas/internal/report"
	"github.com/habeas-kh/habeas/internal/rules"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
	"github.com/habeas-kh/habeas/internal/web"
)

func (a *app) serveCmd() *cobra.Command {
	var addr string
	var withDemo, insecure bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web application and the JSON API",
		Long: `Serve habeas over HTTP (default http://localhost:8080): the public figures,
reports and open data for everyone; the register, the screening queue and the
forms for staff after sign-in; the JSON API under /api/v1 (described at
/api/v1/openapi.json). With --demo, an empty database is first filled with the
synthetic demo register.

There is no default account: create the first administrator with
  habeas user add NAME --role admin
Session cookies are marked Secure, which browsers accept from
http://localhost; to serve plain HTTP to other machines on a trusted network
use --insecure-cookies, or better, put habeas behind an HTTPS proxy.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, svc, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if withDemo {
				if _, _, err := a.buildDemoIfEmpty(ctx, db, svc, "habeas serve --demo", demo.Options{Seed: 1}); err != nil {
					return err
				}
			}
			svcs, err := a.webServices(db, svc)
			if err != nil {
				return err
			}
			ws, err := web.New(svcs, web.Options{Log: a.log, InsecureCookies: insecure})
			if err != nil {
				return err
			}
			// Compute the dashboard before the first visitor asks for it.
			go ws.Warm(ctx)
			// Keep the screenings the public side shows current without
			// anyone running habeas screen --save.
			go ws.KeepScreenings(ctx, 30*time.Second)
			srv := &http.Server{Addr: addr, Handler: ws.Handler(), ReadHeaderTimeout: 10 * time.Second,
				ReadTimeout: 30 * time.Second, WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
			errc := make(chan error, 1)
			go func() { errc <- srv.ListenAndServe() }()
			fmt.Fprintf(a.errOut, "habeas is serving %s on http://%s (Ctrl-C to stop)\n", a.dsn, displayAddr(addr))
			select {
			case err := <-errc:
				return err
			case <-ctx.Done():
			}
			// In-flight requests finish: a report being built for a visitor
			// can take seconds on a busy register.
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err = srv.Shutdown(sctx)
			if errors.Is(err, context.DeadlineExceeded) {
				// Asked to stop, it stops: the requests still running are
				// cut, and said so, rather than the stop failing.
				a.log.Warn("stopping: requests still running after 30 s were cut")
				srv.Close()
				return nil
			}
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "localhost:8080", "address to listen on")
	cmd.Flags().BoolVar(&withDemo, "demo", false, "fill an empty database with the demo register first")
	cmd.Flags().BoolVar(&insecure, "insecure-cookies", false, "send session cookies over plain HTTP (trusted networks only)")
	return cmd
}

// webServices builds the services the web server calls, all on db: the
// accounts, the register (writing through led, screening with the built-in
// rule pack) and the public reports.
func (a *app) webServices(db *sqldb.DB, led *ledger.Service) (web.Services, error) {
	pack, err := rules.Builtin(rules.BuiltinID)
	if err != nil {
		return web.Services{}, fmt.Errorf("loading the built-in rule pack: %w", err)
	}
	au := a.newAuth(db)
	svc := web.Services{
		Auth:     au,
		Registry: registry.New(db, led, au, pack, a.log),
		Reports:  report.NewCache(db, report.CacheOptions{Now: a.now}),
		// The server publishes the checkpoints signed with habeas
		// checkpoint; it never holds the key.
		Checkpoints: led,
	}
	// The monitoring organisations' keys (--org-key): without one, the
	// server keeps no concern markers.
	if len(a.orgKeys) > 0 {
		keys, err := a.keyring()
		if err != nil {
			return web.Services{}, err
		}
		svc.Markers = markers.New(db, led, keys, au)
	}
	return svc, nil
}

func displayAddr(addr string) string {
	if len(addr) > 0 && addr[0] == ':' {
		return "localhost" + addr
	}
	return addr
}
