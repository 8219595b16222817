// Command exchange-sim serves the Binance-Spot-compatible exchange
// simulator (package internal/exchangesim) until SIGINT or SIGTERM.
// Started with no flags it listens on 127.0.0.1:18090 and prints its
// address and the demo account's API key and secret.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
	// The image has no OS files: the binary carries the time-zone database
	// and the CA roots (the latter used only where the system has none).
	_ "time/tzdata"

	_ "golang.org/x/crypto/x509roots/fallback"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

// shutdownGrace is how long in-flight REST requests get at shutdown.
const shutdownGrace = 5 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "exchange-sim:", err)
		os.Exit(1)
	}
}

// run parses the flags, serves the simulator and returns when ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, errShowVersion) {
		_, err = fmt.Fprintln(stdout, versionLine("exchange-sim"))
		return err
	}
	if err != nil {
		return err
	}
	sim, err := exchangesim.New(cfg)
	if err != nil {
		return err
	}
	defer sim.Close()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	fmt.Fprintf(stdout, "exchange-sim listening on http://%s\n", ln.Addr())
	fmt.Fprintf(stdout, "demo API key:    %s\n", exchangesim.DemoAPIKey)
	fmt.Fprintf(stdout, "demo secret key: %s\n", exchangesim.DemoSecretKey)

	runCtx, stopRun := context.WithCancel(ctx)
	runDone := make(chan struct{})
	go func() {
		defer close(runDone)
		_ = sim.Run(runCtx)
	}()

	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	stopRun()
	<-runDone
	sim.Close() // WebSocket connections are hijacked: Shutdown does not wait for them
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if serr := srv.Shutdown(shutdownCtx); err == nil {
		err = serr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
