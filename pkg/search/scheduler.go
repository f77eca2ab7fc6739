package search

import (
	"context"
	"math"
	"sort"
	"sync"
)

// SchedulerSpec configures early pruning of unpromising trials.
//
// "asha" is asynchronous successive halving made deterministic: rungs are at
// min_epochs·reduction^k epochs; a trial reaching a rung continues only if
// its best valid objective so far is in the top 1/reduction of the trials
// before it in the plan that reached the same rung (itself included). It
// waits for those earlier trials to reach the rung (or to end) before it
// decides, so the same spec prunes the same trials whatever the worker count
// or timing. Trials start in plan order, so that wait never deadlocks.
type SchedulerSpec struct {
	Name      string `yaml:"name"`       // "" or "none": every trial runs fully; "asha"
	MinEpochs int    `yaml:"min_epochs"` // first rung (default 1)
	Reduction int    `yaml:"reduction"`  // keep the top 1/reduction at each rung (default 3)
}

func (s *Spec) validateScheduler() error {
	sc := &s.Search.Scheduler
	switch sc.Name {
	case "", "none":
		sc.Name = "none"
		return nil
	case "asha":
	default:
		return s.errorAt("$.search.scheduler.name", "unknown scheduler %q (known: none, asha)", sc.Name)
	}
	if sc.MinEpochs == 0 {
		sc.MinEpochs = 1
	}
	if sc.Reduction == 0 {
		sc.Reduction = 3
	}
	if sc.MinEpochs < 0 {
		return s.errorAt("$.search.scheduler.min_epochs", "min_epochs must be positive, got %d", sc.MinEpochs)
	}
	if sc.Reduction < 2 {
		return s.errorAt("$.search.scheduler.reduction", "reduction must be at least 2, got %d", sc.Reduction)
	}
	return nil
}

// rungs lists the epochs at which ASHA decides, below the last epoch.
func (sc SchedulerSpec) rungs(epochs int) []int {
	if sc.Name != "asha" {
		return nil
	}
	var out []int
	for e := sc.MinEpochs; e < epochs; e *= sc.Reduction {
		out = append(out, e)
	}
	return out
}

// board is what the ASHA scheduler knows: each trial's best objective at
// each rung, and which trials will report no more.
type board struct {
	mu       sync.Mutex
	changed  *sync.Cond
	rungs    []int
	keep     float64 // fraction kept at each rung
	maximize bool
	members  []int                   // plan positions of the trials compared (this shard's), ascending
	value    map[int]map[int]float64 // position → rung epoch → best objective so far
	closed   map[int]bool            // position → ended (done, pruned, failed, interrupted, or not run)
}

func newBoard(sc SchedulerSpec, epochs int, maximize bool, members []int) *board {
	b := &board{rungs: sc.rungs(epochs), keep: 1 / float64(sc.Reduction), maximize: maximize,
		members: members, value: map[int]map[int]float64{}, closed: map[int]bool{}}
	b.changed = sync.NewCond(&b.mu)
	return b
}

// isRung reports whether a decision is due after this epoch.
func (b *board) isRung(epoch int) bool {
	for _, r := range b.rungs {
		if r == epoch {
			return true
		}
	}
	return false
}

// record stores a trial's objective at a rung without deciding (used for
// trials that finished in an earlier run).
func (b *board) record(pos, epoch int, v float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.value[pos] == nil {
		b.value[pos] = map[int]float64{}
	}
	b.value[pos][epoch] = v
	b.changed.Broadcast()
}

// close marks a trial as reporting no more rungs.
func (b *board) close(pos int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed[pos] = true
	b.changed.Broadcast()
}

// promote records a trial's objective at a rung and decides whether it goes
// on. It waits until every earlier trial has reached the rung or ended; it
// returns true (go on) if ctx is cancelled, leaving the stop to the caller.
func (b *board) promote(ctx context.Context, pos, epoch int, v float64) bool {
	b.record(pos, epoch, v)
	stop := context.AfterFunc(ctx, func() {
		b.mu.Lock()
		b.changed.Broadcast()
		b.mu.Unlock()
	})
	defer stop()
	b.mu.Lock()
	defer b.mu.Unlock()
	for {
		if ctx.Err() != nil {
			return true
		}
		ready := true
		var peers []float64
		for _, j := range b.members {
			if j >= pos {
				break
			}
			if pv, ok := b.value[j][epoch]; ok {
				peers = append(peers, pv)
			} else if !b.closed[j] {
				ready = false
				break
			}
		}
		if ready {
			peers = append(peers, v)
			return b.inTop(v, peers)
		}
		b.changed.Wait()
	}
}

// inTop reports whether v is among the best ceil(keep·n) of values.
func (b *board) inTop(v float64, values []float64) bool {
	if math.IsNaN(v) {
		return false
	}
	sorted := append([]float64(nil), values...)
	sort.Float64s(sorted)
	if b.maximize {
		sort.Sort(sort.Reverse(sort.Float64Slice(sorted)))
	}
	k := int(math.Ceil(b.keep * float64(len(sorted))))
	cut := sorted[k-1]
	if b.maximize {
		return v >= cut
	}
	return v <= cut
}

// better reports whether a beats b under the objective.
func better(a, b float64, maximize bool) bool {
	if math.IsNaN(b) {
		return !math.IsNaN(a)
	}
	if maximize {
		return a > b
	}
	return a < b
}
