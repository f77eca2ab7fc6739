package main

import (
	"github.com/spf13/cobra"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

func newInspectCmd(g *globals) *cobra.Command {
	var cols dataset.Columns
	cmd := &cobra.Command{
		Use:   "inspect F.parquet...",
		Short: "Show a Parquet table's schema, the role each column would get and why, and per-column statistics",
		Long: `Reads the files as one table and prints, per column, its Parquet type, the role
sweep would give it (label, categorical, dense, sequence, group, p_true, or
ignored) and why, the row and null counts, and statistics: distinct values of
categoricals, min/max/mean of numbers, history lengths of lists. Flags give
roles as a spec's columns: section does.`,
		Example: `  sweep inspect ../shared/data/frappe_x1/train.parquet
  sweep inspect clicks/*.parquet --label click --group user_id`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := dataset.Inspect(args, cols)
			if err != nil {
				return err
			}
			return rep.Write(cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&cols.Label, "label", "", "label column (default: label, click or clk)")
	cmd.Flags().StringSliceVar(&cols.Categorical, "categorical", nil, "categorical columns (default: inferred)")
	cmd.Flags().StringSliceVar(&cols.Dense, "dense", nil, "dense columns (default: inferred)")
	cmd.Flags().StringVar(&cols.Group, "group", "", "group column for gAUC")
	return cmd
}
