package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/attnsweep/attnsweep/pkg/store"
)

func newMergeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "merge --db OUT.db IN.db...",
		Short:   "Merge shard databases into one, all or nothing (idempotent; keeps the most final record of a trial)",
		Example: `  sweep merge --db results/sweeps.db shards/shard-0.db shards/shard-1.db shards/shard-2.db`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, in := range args { // before the output is created
				if _, err := os.Stat(in); err != nil {
					var pe *fs.PathError
					if errors.As(err, &pe) {
						err = pe.Err
					}
					return fmt.Errorf("merge: input %s: %w", in, err)
				}
			}
			db, err := store.Open(g.db)
			if err != nil {
				return err
			}
			defer db.Close()
			stats, err := db.Merge(args...)
			if err != nil {
				return err
			}
			for i, st := range stats {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %d sweeps, %d trials added, %d replaced by a more final record, %d kept\n",
					args[i], st.Sweeps, st.Added, st.Replaced, st.Kept)
			}
			return nil
		},
	}
}
