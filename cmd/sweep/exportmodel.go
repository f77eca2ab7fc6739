package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/attnsweep/attnsweep/pkg/model"
)

func newExportModelCmd(g *globals) *cobra.Command {
	var sweepName, trialArg, out string
	cmd := &cobra.Command{
		Use:   "export-model --sweep NAME --trial ID|best --out M.safetensors",
		Short: "Write a trial's model as one self-contained file that predict and serve score with",
		Long: `export-model writes a trial's best checkpoint together with everything needed to
score raw data with it: the model and its hyperparameters, the weights, the input
columns and their types, the vocabularies, history and pooled lengths, the dense
statistics and the missing-value policy, where it comes from (sweep, trial,
metrics, data files), a format version and a content hash. The layout is
safetensors (see README, "Model files").

The sweep's data is re-loaded from its stored spec to recover the encoding; data
files that changed since the sweep read them are refused. "best" is the done
trial with the best valid value of the sweep's objective.`,
		Example: `  sweep export-model --sweep quickstart --trial best --out best.safetensors
  sweep export-model --sweep frappe-bars --trial 3 --out dnn.safetensors --db results/sweeps.db`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, f := range []struct{ name, v string }{{"--sweep", sweepName}, {"--trial", trialArg}, {"--out", out}} {
				if f.v == "" {
					return fmt.Errorf("export-model: %s is required", f.name)
				}
			}
			if err := checkOut(out, [2]string{"--db", g.db}); err != nil {
				return fmt.Errorf("export-model: %w", err)
			}
			tm, err := loadTrial(g.db, sweepName, trialArg)
			if err != nil {
				return fmt.Errorf("export-model: %w", err)
			}
			st, err := tm.data.State()
			if err != nil {
				return fmt.Errorf("export-model: %w", err)
			}
			mf, err := model.NewModelFile(tm.ckpt, st, tm.about(g.db))
			if err != nil {
				return fmt.Errorf("export-model: trial %d: %w", tm.trial.ID, err)
			}
			if err := mf.Write(out); err != nil {
				return fmt.Errorf("export-model: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "export-model: trial %d (%s %s) of sweep %s → %s (sha256 %s)\n",
				tm.trial.ID, tm.trial.Model, tm.trial.Key, tm.sweep.Name, out, mf.Hash)
			return nil
		},
	}
	cmd.Flags().StringVar(&sweepName, "sweep", "", "the sweep's name")
	cmd.Flags().StringVar(&trialArg, "trial", "", `trial id, trial key, or "best" (the done trial with the best valid value of the sweep's objective)`)
	cmd.Flags().StringVar(&out, "out", "", "the model file to write")
	return cmd
}
