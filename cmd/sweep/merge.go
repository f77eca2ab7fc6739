package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/attnsweep/attnsweep/pkg/store"
)

func newMergeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "merge --db OUT.db IN.db...",
		Short:   "Merge shard databases into one (idempotent; keeps the most final record of a trial)",
		Example: `  sweep merge --db results/sweeps.db shards/shard-0.db shards/shard-1.db shards/shard-2.db`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := store.Open(g.db)
			if err != nil {
				return err
			}
			defer db.Close()
			for _, in := range args {
				st, err := db.Merge(in)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %d sweeps, %d trials added, %d replaced by a more final record, %d kept\n",
					in, st.Sweeps, st.Added, st.Replaced, st.Kept)
			}
			return nil
		},
	}
}
