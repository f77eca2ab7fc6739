package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

func newDatagenCmd(g *globals) *cobra.Command {
	cfg := dataset.SynthConfig{}
	var out string
	cmd := &cobra.Command{
		Use:   "datagen --out F.parquet",
		Short: "Write synthetic CTR data with planted target attention and a p_true column",
		Long: `Writes synthetic click logs as Parquet: users with a few interests, items with
latent vectors and categories, a history of recent items per row, and a label
drawn from a true click probability (column p_true) that depends on how well
the candidate matches the best-matching history item. The same seed gives the
same file.`,
		Example: `  sweep datagen --out data/synth.parquet --rows 200000 --seed 1 --history 20`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("datagen: --out is required")
			}
			if cfg.Rows <= 0 {
				return fmt.Errorf("datagen: --rows must be positive, got %d", cfg.Rows)
			}
			if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
				return fmt.Errorf("datagen: %w", err)
			}
			if err := dataset.Generate(cfg, out); err != nil {
				return fmt.Errorf("datagen --rows %d --history %d: %w", cfg.Rows, cfg.History, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d rows to %s\n", cfg.Rows, out)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "Parquet file to write")
	cmd.Flags().IntVar(&cfg.Rows, "rows", 200000, "rows to generate")
	cmd.Flags().Uint64Var(&cfg.Seed, "seed", 1, "random seed")
	cmd.Flags().IntVar(&cfg.History, "history", 20, "longest history (items per row)")
	return cmd
}
