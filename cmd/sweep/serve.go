package main

import (
	"context"
	"fmt"
	"net"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/serve"
)

func newServeCmd(g *globals) *cobra.Command {
	var modelPath, addr string
	var cfg serve.Config
	var drain time.Duration
	cmd := &cobra.Command{
		Use:   "serve --model M [--addr 127.0.0.1:8080]",
		Short: "Score rows over HTTP and JSON with a model file",
		Long: `serve answers, with the model file M (sweep export-model):

  POST /v1/score   {"rows": [{"user_id": 7, "item_id": 12, "hist_item": [3, 9]}, ...],
                    "common": {...}, "attention": true}
                   → {"scores": [...], "unknown": {"item_id": 1}, "attention": [[...], ...]}
  GET  /v1/model   the input columns (name, type, role, lengths) and the model's description
  GET  /healthz    ok

Values are raw: strings or integers for categorical columns (as the training
data held them), lists for histories and pooled columns, numbers for dense
columns, null for a missing value. "common" holds values every row takes unless
it has its own (a user's features and history, once for many candidate ads).
Values never seen in training are scored as unknown and counted in "unknown".
A bad request is a 400 with {"error": "..."} naming the row and the field.

serve listens on loopback unless --addr says otherwise. SIGTERM or Ctrl-C stops
it: requests in flight are answered first (at most --drain), then it exits 0.`,
		Example: `  sweep serve --model best.safetensors
  sweep serve --model best.safetensors --addr 0.0.0.0:9000 --workers 2
  curl -s localhost:8080/v1/score -d '{"rows": [{"user_id": 1, "item_id": 5, "cate_id": 2, "hour": 9, "device": 1, "weekday": 3, "price": 4.5, "hist_item": [7, 12]}]}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkServeFlags(modelPath, addr, cfg, drain); err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			mf, err := model.ReadModelFile(modelPath)
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			srv, err := serve.New(mf, cfg)
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("serve: --addr %s: %w", addr, err)
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			fmt.Fprintf(cmd.OutOrStdout(), "serve: model %s (%s, sha256 %.12s) on http://%s\n", modelPath, mf.Params.Model, mf.Hash, ln.Addr())
			if err := serve.Run(ctx, ln, srv.Handler(), drain); err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "serve: stopped")
			return nil
		},
	}
	cmd.Flags().StringVar(&modelPath, "model", "", "model file written by `sweep export-model`")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (host:port; port 0 picks a free one)")
	cmd.Flags().IntVar(&cfg.MaxRows, "max-rows", serve.DefaultMaxRows, "most rows per request")
	cmd.Flags().Int64Var(&cfg.MaxBody, "max-body", serve.DefaultMaxBody, "most bytes per request body")
	cmd.Flags().IntVar(&cfg.Workers, "workers", 0, "requests scored at the same time (0: the cores Go may use)")
	cmd.Flags().DurationVar(&drain, "drain", 30*time.Second, "on SIGTERM, how long requests in flight may take to finish")
	return cmd
}

// checkServeFlags refuses flags serve would otherwise bend: an empty --addr
// would listen on every interface, and a limit of 0 or less would mean none.
func checkServeFlags(modelPath, addr string, cfg serve.Config, drain time.Duration) error {
	switch {
	case modelPath == "":
		return fmt.Errorf("--model is required")
	case addr == "":
		return fmt.Errorf("--addr is empty: give host:port, such as 127.0.0.1:8080")
	case cfg.MaxRows < 1:
		return fmt.Errorf("--max-rows %d: want at least 1", cfg.MaxRows)
	case cfg.MaxBody < 1:
		return fmt.Errorf("--max-body %d: want at least 1", cfg.MaxBody)
	case cfg.Workers < 0:
		return fmt.Errorf("--workers %d: want 1 or more, or 0 for the cores Go may use", cfg.Workers)
	case drain < 0:
		return fmt.Errorf("--drain %s: want 0 or more", drain)
	}
	return nil
}
