// Command habeas is the register, screening and reporting tool for places of
// detention. Run `habeas --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/habeas-kh/habeas/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
