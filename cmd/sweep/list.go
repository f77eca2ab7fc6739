package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/attnsweep/attnsweep/pkg/report"
	"github.com/attnsweep/attnsweep/pkg/store"
)

func newListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List the sweeps in the database with their trial counts",
		Example: `  sweep list --db results/sweeps.db`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := store.OpenReadOnly(g.db)
			if err != nil {
				return err
			}
			defer db.Close()
			sweeps, err := db.Sweeps()
			if err != nil {
				return err
			}
			t := &report.Table{Header: []string{"sweep", "created", "trials", store.Done, store.Pruned, store.Failed, store.Interrupted, store.Queued}}
			for _, s := range sweeps {
				total := 0
				for _, n := range s.Counts {
					total += n
				}
				t.Rows = append(t.Rows, []string{s.Name, s.CreatedAt, fmt.Sprint(total),
					fmt.Sprint(s.Counts[store.Done]), fmt.Sprint(s.Counts[store.Pruned]), fmt.Sprint(s.Counts[store.Failed]),
					fmt.Sprint(s.Counts[store.Interrupted] + s.Counts[store.Running]), fmt.Sprint(s.Counts[store.Queued])})
			}
			return t.WriteText(cmd.OutOrStdout())
		},
	}
}
