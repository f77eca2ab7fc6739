package main

import (
	"github.com/spf13/cobra"

	"github.com/attnsweep/attnsweep/pkg/report"
	"github.com/attnsweep/attnsweep/pkg/store"
)

func newQueryCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   `query "SQL"`,
		Short: "Run read-only SQL over the results (tables, views such as leaderboard)",
		Example: `  sweep query "SELECT model, lr, test_auc FROM leaderboard ORDER BY valid_auc DESC LIMIT 5"
  sweep query --format csv "SELECT * FROM curves WHERE trial = 3"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := store.OpenReadOnly(g.db)
			if err != nil {
				return err
			}
			defer db.Close()
			res, err := db.Query(args[0])
			if err != nil {
				return err
			}
			return report.FromResult(res).Write(cmd.OutOrStdout(), format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, csv, json or markdown")
	return cmd
}
