package main

import (
	"fmt"
	"strconv"
	"strings"

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
			if err := rep.Write(cmd.OutOrStdout()); err != nil {
				return err
			}
			if rep.Problem != "" { // described anyway, but not loadable as given
				return fmt.Errorf("%s", rep.Problem)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&cols.Label, "label", "", "label column (default: label, click or clk)")
	cmd.Flags().StringSliceVar(&cols.Categorical, "categorical", nil, "categorical columns (default: inferred)")
	cmd.Flags().StringSliceVar(&cols.Dense, "dense", nil, "dense columns (default: inferred)")
	cmd.Flags().StringVar(&cols.Group, "group", "", "group column for gAUC")
	cmd.Flags().StringSliceVar(&cols.Pooled, "pooled", nil, "multi-valued categorical list columns (default: inferred)")
	cmd.Flags().IntVar(&cols.MinCount, "min-count", 0, "train rows a categorical value needs for its own id (default 1)")
	cmd.Flags().BoolVar(&cols.Strict, "strict", false, "nulls and NaN in dense columns are errors")
	cmd.Flags().Var(&seqFlag{&cols.Sequences}, "sequence", "history column as COLUMN:TARGET[:MAX_LEN] (repeatable; default: inferred)")
	return cmd
}

// seqFlag parses --sequence COLUMN:TARGET[:MAX_LEN] into SeqSpecs.
type seqFlag struct{ specs *[]dataset.SeqSpec }

func (f *seqFlag) String() string { return "" }
func (f *seqFlag) Type() string   { return "COLUMN:TARGET[:MAX_LEN]" }
func (f *seqFlag) Set(v string) error {
	parts := strings.Split(v, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return fmt.Errorf("want COLUMN:TARGET[:MAX_LEN], got %q", v)
	}
	s := dataset.SeqSpec{Column: parts[0], Target: parts[1]}
	if len(parts) == 3 {
		n, err := strconv.Atoi(parts[2])
		if err != nil || n < 1 {
			return fmt.Errorf("max length %q: want a positive whole number", parts[2])
		}
		s.MaxLen = n
	}
	*f.specs = append(*f.specs, s)
	return nil
}
