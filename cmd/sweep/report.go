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
	var compare bool
	cmd := &cobra.Command{
		Use:   "report NAME | report --compare A B",
		Short: "Write a sweep's markdown report with SVG plots (default results/NAME/report.md)",
		Example: `  sweep report quickstart
  sweep report quickstart --out /tmp/quickstart-report
  sweep report --compare quickstart quickstart-bigger`,
		Args: func(cmd *cobra.Command, args []string) error {
			if compare {
				return cobra.ExactArgs(2)(cmd, args)
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := store.OpenReadOnly(g.db)
			if err != nil {
				return err
			}
			defer db.Close()
			name := args[0]
			if compare {
				name = "compare-" + args[0] + "-vs-" + args[1]
			}
			dir := out
			if dir == "" {
				dir = filepath.Join(filepath.Dir(g.db), name)
			}
			var path string
			if compare {
				path, err = report.Compare(db, args[0], args[1], dir)
			} else {
				path, err = report.Write(db, args[0], dir)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "report: %s\n", path)
			return nil
		},
	}
	cmd.Flags().BoolVar(&compare, "compare", false, "compare two sweeps' best configurations side by side")
	cmd.Flags().StringVar(&out, "out", "", "folder for report.md and its plots (default: beside the database, named after the sweep)")
	return cmd
}
