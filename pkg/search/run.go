package search

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/attnsweep/attnsweep/pkg/dataset"
	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// ErrInterrupted is returned by Run when its context was cancelled before
// every trial finished; `sweep resume` completes the rest.
var ErrInterrupted = errors.New("sweep interrupted")

// Observer is told what the runner does, for progress display. Its methods
// are called from worker goroutines and must be safe for concurrent use.
// worker is a display slot: 0 ≤ worker < 2·workers.
type Observer interface {
	SweepStarted(name string, total, pending, workers int)
	TrialStarted(t Trial, worker int)
	TrialEpoch(t Trial, worker int, e model.Epoch)
	TrialFinished(t Trial, worker int, status string, err error, seconds float64)
}

// Store is what the runner needs of the results database (*store.DB).
type Store interface {
	Path() string
	CreateSweep(name, spec, specHash string) (int64, error)
	SweepByName(name string) (*store.Sweep, error)
	SetSweepInfo(sweep int64, info []store.Param) error
	SetSweepArray(sweep int64, name string, blob []byte) error
	SweepFiles(sweep int64) ([]store.DataFile, error)
	SetSweepFiles(sweep int64, files []store.DataFile) error
	AddTrials(ctx context.Context, sweep int64, trials []store.NewTrial, dataID string) (int, error)
	ClaimNext(sweep int64, o store.Owner, lease time.Duration, f store.ClaimFilter) (*store.Claim, error)
	Heartbeat(o store.Owner) error
	Unfinished(sweep int64, f store.ClaimFilter) (int, error)
	AddEpoch(c store.Claim, epoch int, values []store.Value) error
	FinishTrial(c store.Claim, o store.Outcome) error
	Trials(sweep int64) ([]*store.Trial, error)
	ValidCurves(sweep int64) (map[int64][]store.CurvePoint, error)
}

// Runner runs a sweep's trials on a pool of workers. Several runners, in
// one process or many, may run the same sweep on one database: each trial
// is claimed (store.ClaimNext) and trained once.
type Runner struct {
	Spec     *Spec
	Data     *dataset.Dataset // shared read-only by every worker
	DB       Store
	Workers  int           // cores in all (default: the number of cores)
	Observer Observer      // may be nil
	Shard    Shard         // recorded with the sweep so `sweep resume` runs the same part
	Lease    time.Duration // a silent claim's life (default store.DefaultLease)
	// MemoryBudget, when > 0, is the most memory one trial may need by its
	// estimate (model.EstimateBytes): a trial above it is recorded failed,
	// with the estimate, before it allocates anything.
	MemoryBudget int64

	train func(context.Context, *dataset.Dataset, model.Params, model.Callback, model.Cores) (*model.Result, error) // tests replace model.TrainOn
}

// Summary counts what a Run did.
type Summary struct {
	Planned, Skipped int            // Skipped: finished before this run (by an earlier run, or reused)
	Ran, Reused      int            // trained here; copied from another sweep's done record
	Status           map[string]int // outcome of the trials this run trained
	Elapsed          time.Duration
}

// Run records the sweep, then plans and trains its trials batch by batch
// (one batch for grid and random search) until every trial of this shard
// is finished, here or by another process. A trial that panics or whose
// loss diverges is recorded as failed and the others go on. A store error
// stops the sweep (running trials are recorded interrupted where the store
// still allows) and is returned. When ctx is cancelled, running trials are
// recorded as interrupted and Run returns ErrInterrupted.
func (r *Runner) Run(ctx context.Context) (*Summary, error) {
	start := time.Now()
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	sw, err := r.openSweep(ctx)
	if err != nil {
		return nil, err
	}
	sum := &Summary{Planned: r.Spec.Count() / max(r.Shard.Count, 1), Status: map[string]int{}}
	done, err := r.finishedCount(sw)
	if err != nil {
		return nil, err
	}
	sum.Skipped = done
	pool := r.newPool(ctx, stop, sw, sum, start)
	go pool.heartbeat()
	if r.Observer != nil {
		r.Observer.SweepStarted(r.Spec.Name, sum.Planned, sum.Planned-done, pool.cores.total)
	}
	for k := 0; k < r.Spec.Batches(r.Shard) && !pool.stopped(); k++ {
		trials, filter, err := r.planBatch(ctx, sw, k)
		if err != nil {
			stop(err)
			break
		}
		n, err := r.DB.AddTrials(ctx, sw.id, storeTrials(trials), sw.dataID)
		sum.Reused += n
		if err != nil {
			stop(err)
			break
		}
		pool.runBatch(trials, filter)
	}
	pool.wait()
	sum.Elapsed = time.Since(start)
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return sum, err
	}
	if ctx.Err() != nil {
		return sum, ErrInterrupted
	}
	return sum, nil
}

// workers is the number of cores the runner uses.
func (r *Runner) workers() int {
	if r.Workers > 0 {
		return r.Workers
	}
	return runtime.NumCPU()
}

func (r *Runner) lease() time.Duration {
	if r.Lease > 0 {
		return r.Lease
	}
	return store.DefaultLease
}

// finishedCount counts this shard's trials already finished.
func (r *Runner) finishedCount(sw *sweepRecord) (int, error) {
	trials, err := r.DB.Trials(sw.id)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range trials {
		if store.Finished(t.Status) && r.inShard(t.Position) {
			n++
		}
	}
	return n, nil
}

// inShard reports whether a plan position belongs to this runner's shard.
func (r *Runner) inShard(pos int) bool {
	f := r.shardFilter()
	return f.Shards <= 1 || (pos/f.Unit)%f.Shards == f.Shard
}

// shardFilter restricts claims to this runner's shard: by position for grid
// and random search, by configuration for TPE (a configuration's repeats
// are proposed by one search).
func (r *Runner) shardFilter() store.ClaimFilter {
	unit := 1
	if r.Spec.Search.Method == "tpe" {
		unit = r.Spec.Search.Repeats
	}
	return store.ClaimFilter{Shards: r.Shard.Count, Shard: r.Shard.Index, Unit: unit}
}

// planBatch returns batch k's trials and the claim filter that covers them.
// A TPE batch waits for nothing: Run only gets here when the batches before
// are finished, and reads their results.
func (r *Runner) planBatch(ctx context.Context, sw *sweepRecord, k int) ([]Trial, store.ClaimFilter, error) {
	f := r.shardFilter()
	confirm := r.Spec.Search.Confirm > 0 && k == r.Spec.Batches(r.Shard)-1
	var earlier []Finished
	if r.Spec.Search.Method == "tpe" || confirm {
		before := r.Spec.plannedPositions()
		if !confirm {
			before = r.Spec.batchStart(k, r.Shard)
		}
		var err error
		if earlier, err = r.history(sw, before); err != nil {
			return nil, f, err
		}
	}
	trials, err := r.Spec.Batch(k, r.Shard, earlier)
	if err != nil || len(trials) == 0 {
		return trials, f, err
	}
	if r.Spec.Search.Method == "tpe" || confirm {
		f.Lo, f.Hi = trials[0].Position, trials[len(trials)-1].Position+1
	}
	return trials, f, ctx.Err()
}

// storeTrials converts plan trials to store rows.
func storeTrials(trials []Trial) []store.NewTrial {
	rows := make([]store.NewTrial, len(trials))
	for i, t := range trials {
		ps := make([]store.Param, len(t.Params))
		for j, p := range t.Params {
			ps[j] = store.Param{Name: p.Name, Value: p.Value}
		}
		rows[i] = store.NewTrial{Key: t.Key, Position: t.Position, Config: t.Config, Model: t.Model,
			Seed: t.Seed, Repeat: t.Repeat, Params: ps}
	}
	return rows
}

// errNotPlanned is recorded for a claimed trial that the spec's plan does
// not hold (a row an older version planned under another key).
var errNotPlanned = fmt.Errorf("not in this spec's plan (planned by an older version under another key; the plan holds its configuration under its canonical key)")
