package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/attnsweep/attnsweep/pkg/dataset"
	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/report"
	"github.com/attnsweep/attnsweep/pkg/search"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// runFlags are the flags run and resume share.
type runFlags struct {
	workers   int
	maxTrials int
	lease     time.Duration
	memory    string // per trial, e.g. 4GiB; "" = a share of the memory available after loading
}

func (f *runFlags) register(cmd *cobra.Command) {
	cmd.Flags().IntVar(&f.workers, "workers", runtime.NumCPU(), "cores to use: trials side by side, and spare cores lent to running trials")
	cmd.Flags().IntVar(&f.maxTrials, "max-trials", search.DefaultMaxTrials, "refuse a plan of more trials than this")
	cmd.Flags().DurationVar(&f.lease, "lease", store.DefaultLease, "how long a running trial's heartbeat may be silent before another process takes the trial over")
	cmd.Flags().StringVar(&f.memory, "memory", "", "most memory one trial may need, e.g. 4GiB (default: 90% of the memory available after loading the data, shared by the workers)")
}

// memoryBudget is the per-trial memory budget: --memory, or a worker's
// share of 90% of what the machine has available once the data is loaded
// (0, no budget, where that is unknown).
func (f *runFlags) memoryBudget() (int64, error) {
	if f.memory != "" {
		return parseBytes(f.memory)
	}
	avail, _ := dataset.AvailableMemory()
	return avail / 10 * 9 / int64(f.workers), nil
}

// parseBytes reads a size such as 512MiB, 4GiB, 2G or 1073741824.
func parseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		scale  int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"T", 1e12}, {"G", 1e9}, {"M", 1e6}, {"K", 1e3}, {"B", 1}, {"", 1}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
			if err != nil || n < 1 || n > math.MaxInt64/u.scale {
				break
			}
			return n * u.scale, nil
		}
	}
	return 0, fmt.Errorf("--memory %q: want a positive size such as 512MiB, 4GiB or 2G", s)
}

// check refuses flag values that make no sense.
func (f *runFlags) check() error {
	switch {
	case f.workers < 1:
		return fmt.Errorf("--workers %d: want at least 1 (the default is the number of cores, %d)", f.workers, runtime.NumCPU())
	case f.maxTrials < 1:
		return fmt.Errorf("--max-trials %d: want at least 1", f.maxTrials)
	case f.lease < time.Second:
		return fmt.Errorf("--lease %s: want at least 1s", f.lease)
	}
	_, err := f.memoryBudget()
	return err
}

func newRunCmd(g *globals) *cobra.Command {
	var flags runFlags
	var dryRun bool
	var shardFlag string
	cmd := &cobra.Command{
		Use:   "run SPEC.yaml",
		Short: "Run a sweep: train every planned trial, record it, write the report",
		Long: `Plans the spec's trials, loads the data once, trains every trial not finished
yet on a pool of workers, records each in the database, prints the leaderboard
and writes the report beside the database. Several run and resume processes may
share one database: each trial is claimed and trained once.

Models: ` + strings.Join(model.Models(), ", ") + `
Optimizers: ` + strings.Join(model.Optimizers(), ", ") + `
Hyperparameters: ` + strings.Join(model.HyperNames(), ", ") + `
Spec format: README.md ("The sweep spec").`,
		Example: `  sweep run experiments/quickstart.yaml
  sweep run experiments/quickstart.yaml --workers 1
  sweep run experiments/quickstart.yaml --dry-run
  sweep run experiments/quickstart.yaml --shard 0/3 --db shard0.db`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := flags.check(); err != nil {
				return err
			}
			spec, err := search.LoadSpec(args[0])
			if err != nil {
				return err
			}
			shard, err := search.ParseShard(shardFlag, os.Getenv)
			if err != nil {
				return err
			}
			if err := spec.CheckSize(flags.maxTrials); err != nil {
				return err
			}
			if err := spec.CheckTrials(); err != nil {
				return err
			}
			if dryRun {
				return printPlan(cmd.OutOrStdout(), spec, shard)
			}
			return runSweep(cmd, g, spec, shard, flags)
		},
	}
	flags.register(cmd)
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the plan (key, model, parameters, seed) and exit")
	cmd.Flags().StringVar(&shardFlag, "shard", "", "run shard I of N of the plan (I/N, 0-based; auto/N reads JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID)")
	return cmd
}

// runSweep loads the data, runs the pending trials, prints the leaderboard
// and writes the report. Ctrl-C, SIGTERM or SIGHUP stops it cleanly.
func runSweep(cmd *cobra.Command, g *globals, spec *search.Spec, shard search.Shard, flags runFlags) error {
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
	for _, w := range ds.Warnings {
		fmt.Fprintf(cmd.ErrOrStderr(), "sweep: warning: %s\n", w)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	var obs search.Observer = &search.LogObserver{W: out}
	if isTerminal(out) {
		bars := search.NewBarObserver(out, spec.Train.Epochs)
		defer bars.Close() // also on errors: leave the terminal clean
		obs = bars
	}
	budget, err := flags.memoryBudget()
	if err != nil {
		return err
	}
	r := &search.Runner{Spec: spec, Data: ds, DB: db, Workers: flags.workers, Observer: obs, Shard: shard, Lease: flags.lease, MemoryBudget: budget}
	sum, runErr := r.Run(ctx)
	if bars, ok := obs.(*search.BarObserver); ok {
		bars.Close()
	}
	if sum != nil {
		fmt.Fprintf(out, "sweep %s: trained %d trials in %s, reused %d finished elsewhere (%d already finished)\n",
			spec.Name, sum.Ran, sum.Elapsed.Round(1e6), sum.Reused, sum.Skipped)
	}
	if errors.Is(runErr, search.ErrInterrupted) {
		return &exitError{code: 130, err: fmt.Errorf("sweep %s interrupted; finish it with: sweep resume %s --db %s", spec.Name, spec.Name, g.db)}
	}
	if runErr != nil {
		return fmt.Errorf("sweep %s stopped: %w; what was recorded is kept: after fixing it, finish with: sweep resume %s --db %s", spec.Name, runErr, spec.Name, g.db)
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

// printPlan prints the plan; for TPE its first batch, since the later
// batches depend on results.
func printPlan(w io.Writer, spec *search.Spec, shard search.Shard) error {
	plan, err := spec.Batch(0, shard, nil)
	if err != nil {
		return err
	}
	if spec.Search.Method == "tpe" {
		fmt.Fprintf(w, "sweep %s: %d trials in %d batches; the first batch (later batches depend on its results):\n",
			spec.Name, spec.Count()/max(shard.Count, 1), spec.Batches(shard))
	} else {
		fmt.Fprintf(w, "sweep %s: %d trials\n", spec.Name, len(plan))
	}
	if c := spec.Search.Confirm; c > 0 {
		fmt.Fprintf(w, "then each model's best configuration again, up to %d seeds (it depends on the results)\n", c)
	}
	for _, t := range plan {
		fmt.Fprintf(w, "%4d  %s  %-8s seed=%-16d %s\n", t.Position, t.Key, t.Model, t.Seed, t)
	}
	return nil
}
