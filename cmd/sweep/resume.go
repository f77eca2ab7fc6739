package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/attnsweep/attnsweep/pkg/search"
	"github.com/attnsweep/attnsweep/pkg/store"
)

func newResumeCmd(g *globals) *cobra.Command {
	var workers int
	cmd := &cobra.Command{
		Use:   "resume NAME",
		Short: "Finish an interrupted sweep: run only the trials that are not done",
		Example: `  sweep resume quickstart
  sweep resume quickstart --workers 2`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := store.OpenReadOnly(g.db)
			if err != nil {
				return err
			}
			sw, err := db.SweepByName(args[0])
			db.Close()
			if err != nil {
				return err
			}
			spec, err := search.ParseSpec("sweep "+sw.Name+" (spec stored in "+g.db+")", []byte(sw.Spec))
			if err != nil {
				return err
			}
			shard, err := search.ParseShard(infoString(sw.Info["shard"]), os.Getenv)
			if err != nil {
				return err
			}
			return runSweep(cmd, g, spec, shard, shard.Select(spec.Plan()), workers)
		},
	}
	cmd.Flags().IntVar(&workers, "workers", 0, "trials trained side by side (default: number of cores)")
	return cmd
}
