package main

import (
	"github.com/spf13/cobra"

	"github.com/attnsweep/attnsweep/pkg/report"
	"github.com/attnsweep/attnsweep/pkg/store"
)

func newShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show TRIAL",
		Short: "Show one trial whole: parameters, status, learning curve and metrics (TRIAL: id, key or key prefix)",
		Example: `  sweep show 12
  sweep show 51589b6e`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := store.OpenReadOnly(g.db)
			if err != nil {
				return err
			}
			defer db.Close()
			d, err := report.BuildTrial(db, args[0])
			if err != nil {
				return err
			}
			return d.WriteText(cmd.OutOrStdout())
		},
	}
}
