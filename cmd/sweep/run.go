package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/report"
	"github.com/attnsweep/attnsweep/pkg/search"
	"github.com/attnsweep/attnsweep/pkg/store"
)

func newRunCmd(g *globals) *cobra.Command {
	var workers int
	var dryRun bool
	var shardFlag string
	cmd := &cobra.Command{
		Use:   "run SPEC.yaml",
		Short: "Run a sweep: train every planned trial, record it, write the report",
		Long: `Plans the spec's trials, loads the data once, trains every trial not finished
yet on a pool of workers, records each in the database, prints the leaderboard
and writes the report beside the database.

Models: ` + strings.Join(model.Models(), ", ") + `
Optimizers: ` + strings.Join(model.Optimizers(), ", ") + `
Spec format: README.md ("The sweep spec").`,
		Example: `  sweep run experiments/quickstart.yaml
  sweep run experiments/quickstart.yaml --workers 1
  sweep run experiments/quickstart.yaml --dry-run
  sweep run experiments/quickstart.yaml --shard 0/3 --db shard0.db`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := search.LoadSpec(args[0])
			if err != nil {
				return err
			}
			shard, err := search.ParseShard(shardFlag, os.Getenv)
			if err != nil {
				return err
			}
			plan := shard.Select(spec.Plan())
			if dryRun {
				printPlan(cmd.OutOrStdout(), spec, plan)
				return nil
			}
			return runSweep(cmd, g, spec, shard, plan, workers)
		},
	}
	cmd.Flags().IntVar(&workers, "workers", 0, "trials trained side by side (default: number of cores)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the plan (key, model, parameters, seed) and exit")
	cmd.Flags().StringVar(&shardFlag, "shard", "", "run shard I of N of the plan (I/N, 0-based; auto/N reads JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID)")
	return cmd
}

// runSweep loads the data, runs the pending trials, prints the leaderboard
// and writes the report. Ctrl-C or SIGTERM stops it cleanly.
func runSweep(cmd *cobra.Command, g *globals, spec *search.Spec, shard search.Shard, plan []search.Trial, workers int) error {
	out := cmd.OutOrStdout()
	db, err := store.Open(g.db)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(out, "loading data for sweep %s\n", spec.Name)
	ds, err := spec.LoadData(filepath.Join(filepath.Dir(g.db), "data"))
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	var obs search.Observer = &search.LogObserver{W: out}
	if isTerminal(out) {
		bars := search.NewBarObserver(out, spec.Train.Epochs)
		defer bars.Close() // also on errors: leave the terminal clean
		obs = bars
	}
	r := &search.Runner{Spec: spec, Data: ds, DB: db, Workers: workers, Observer: obs, Shard: shard}
	sum, runErr := r.Run(ctx, plan)
	if bars, ok := obs.(*search.BarObserver); ok {
		bars.Close()
	}
	if sum != nil {
		fmt.Fprintf(out, "sweep %s: ran %d trials in %s (%d already finished)\n",
			spec.Name, sum.Ran, sum.Elapsed.Round(1e6), sum.Skipped)
	}
	if errors.Is(runErr, search.ErrInterrupted) {
		return &exitError{code: 130, err: fmt.Errorf("sweep %s interrupted; finish it with: sweep resume %s --db %s", spec.Name, spec.Name, g.db)}
	}
	if runErr != nil {
		return runErr
	}
	if err := report.PrintLeaderboard(out, db, spec.Name, 10); err != nil {
		return err
	}
	path, err := report.Write(db, spec.Name, filepath.Join(filepath.Dir(g.db), spec.Name))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "report: %s\n", path)
	return nil
}

func infoString(v any) string {
	s, _ := v.(string)
	return s
}

// isTerminal reports whether w is a terminal (bars) rather than a file or
// pipe (one line per event).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func printPlan(w io.Writer, spec *search.Spec, plan []search.Trial) {
	fmt.Fprintf(w, "sweep %s: %d trials\n", spec.Name, len(plan))
	for _, t := range plan {
		fmt.Fprintf(w, "%4d  %s  %-8s seed=%-16d %s\n", t.Position, t.Key, t.Model, t.Seed, t)
	}
}
