package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/attnsweep/attnsweep/pkg/ui"
)

func newUICmd(g *globals) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "ui",
		Short: "Serve a read-only web page over the results: sweeps, leaderboards, live learning curves, trials",
		Long: `Serves a local web page over the results database, read-only: every sweep with
its progress, a sweep's trials (sortable, filterable) with learning curves that
fill in while trials train, the report's analyses and plots, one trial whole,
and two sweeps compared. The server re-reads what a page follows every half
second with short statements; a running sweep does not slow down for it.
The database is opened read-only; no endpoint writes. Ctrl-C stops the server.`,
		Example: `  sweep ui
  sweep ui --db results/sweeps.db --addr 127.0.0.1:8321`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			srv, err := ui.Open(g.db)
			if err != nil {
				return err
			}
			defer srv.Close()
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("--addr %s: %w", addr, err)
			}
			loopback := isLoopback(ln.Addr())
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "sweep ui: http://%s/ serves %s read-only (Ctrl-C stops)\n", ln.Addr(), g.db)
			if !loopback {
				fmt.Fprintf(out, "sweep ui: warning: %s is not a loopback address: anyone who can reach it can read these results\n", ln.Addr())
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			// Requests live in ctx: a signal ends the pages' streams too.
			hs := &http.Server{Handler: srv.Handler(loopback), ReadHeaderTimeout: 10 * time.Second,
				BaseContext: func(net.Listener) context.Context { return ctx }}
			go func() {
				<-ctx.Done()
				shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				hs.Shutdown(shut)
			}()
			if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8321", "address to listen on (host:port; port 0 picks a free one)")
	return cmd
}

// isLoopback reports whether a listener's address is on the loopback
// interface only.
func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
