package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/attnsweep/attnsweep/pkg/report"
	"github.com/attnsweep/attnsweep/pkg/store"
)

func newReportCmd(g *globals) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "report NAME",
		Short: "Write a sweep's markdown report (default results/NAME/report.md)",
		Example: `  sweep report quickstart
  sweep report quickstart --out /tmp/quickstart-report`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := store.OpenReadOnly(g.db)
			if err != nil {
				return err
			}
			defer db.Close()
			dir := out
			if dir == "" {
				dir = filepath.Join(filepath.Dir(g.db), args[0])
			}
			path, err := report.Write(db, args[0], dir)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "report: %s\n", path)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "folder for report.md and its plots (default: beside the database, named after the sweep)")
	return cmd
}
