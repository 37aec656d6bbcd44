package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/habeas-kh/habeas/internal/demo"
	"github.com/habeas-kh/habeas/internal/web"
)

func (a *app) serveCmd() *cobra.Command {
	var addr string
	var withDemo bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the public figures page on the web",
		Long: `Serve habeas over HTTP (default http://localhost:8080). With --demo, an empty
database is first filled with the synthetic demo register.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, svc, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if withDemo {
				head, err := db.Head(ctx)
				if err != nil {
					return err
				}
				if head.Seq == 0 {
					fmt.Fprintf(a.errOut, "the database is empty: building the demo register in %s ...\n", a.dsn)
					if _, err := a.buildDemo(ctx, svc, "habeas serve --demo", demo.Options{Seed: 1}); err != nil {
						return err
					}
				}
			}
			srv := &http.Server{Addr: addr, Handler: web.New(db, a.log).Handler(), ReadHeaderTimeout: 10 * time.Second}
			errc := make(chan error, 1)
			go func() { errc <- srv.ListenAndServe() }()
			fmt.Fprintf(a.errOut, "habeas is serving %s on http://%s (Ctrl-C to stop)\n", a.dsn, displayAddr(addr))
			select {
			case err := <-errc:
				return err
			case <-ctx.Done():
			}
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "localhost:8080", "address to listen on")
	cmd.Flags().BoolVar(&withDemo, "demo", false, "fill an empty database with the demo register first")
	return cmd
}

func displayAddr(addr string) string {
	if len(addr) > 0 && addr[0] == ':' {
		return "localhost" + addr
	}
	return addr
}
