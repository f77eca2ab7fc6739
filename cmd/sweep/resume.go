package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/attnsweep/attnsweep/pkg/search"
	"github.com/attnsweep/attnsweep/pkg/store"
)

func newResumeCmd(g *globals) *cobra.Command {
	var flags runFlags
	cmd := &cobra.Command{
		Use:   "resume NAME",
		Short: "Finish a sweep: train only the trials not finished (none twice, even beside other processes)",
		Example: `  sweep resume quickstart
  sweep resume quickstart --workers 2`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := flags.check(); err != nil {
				return err
			}
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
			if err := spec.CheckSize(flags.maxTrials); err != nil {
				return err
			}
			return runSweep(cmd, g, spec, shard, flags)
		},
	}
	flags.register(cmd)
	return cmd
}
