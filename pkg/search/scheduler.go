package search

import (
	"context"
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/store"
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
// each rung, and which trials will report no more. Trials this process
// trains report to it directly; what other processes (sharing the
// database) and earlier runs did, it reads from the store.
type board struct {
	r       *Runner
	sw      *sweepRecord
	obj     model.MetricInfo
	rungs   []int
	keep    float64 // fraction kept at each rung
	mu      sync.Mutex
	notify  chan struct{}           // closed and replaced on every change
	members []int                   // plan positions of the trials compared (this shard's), ascending
	value   map[int]map[int]float64 // position → rung epoch → best objective so far
	closed  map[int]bool            // position → ended (done, pruned, failed, or never to start)
	read    time.Time               // last refresh from the store
	stop    func(error)             // stops the sweep on a store error
}

func newBoard(r *Runner, sw *sweepRecord, stop func(error)) *board {
	sc := r.Spec.Search.Scheduler
	return &board{r: r, sw: sw, stop: stop, obj: r.Spec.Objective.metric(), rungs: sc.rungs(r.Spec.Train.Epochs),
		keep: 1 / float64(sc.Reduction), notify: make(chan struct{}), value: map[int]map[int]float64{}, closed: map[int]bool{}}
}

// addMembers adds a batch's trials to the comparison.
func (b *board) addMembers(trials []Trial) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, t := range trials {
		if !slices.Contains(b.members, t.Position) {
			b.members = append(b.members, t.Position)
		}
	}
	slices.Sort(b.members)
}

// isRung reports whether a decision is due after this epoch.
func (b *board) isRung(epoch int) bool { return slices.Contains(b.rungs, epoch) }

// changedLocked wakes every waiting trial; b.mu is held.
func (b *board) changedLocked() {
	close(b.notify)
	b.notify = make(chan struct{})
}

// record stores a trial's objective at a rung without deciding.
func (b *board) record(pos, epoch int, v float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.value[pos] == nil {
		b.value[pos] = map[int]float64{}
	}
	b.value[pos][epoch] = v
	b.changedLocked()
}

// close marks a trial as reporting no more rungs.
func (b *board) close(pos int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed[pos] = true
	b.changedLocked()
}

// refresh reads the other trials' rung values and ends from the store, at
// most once per poll interval.
func (b *board) refresh() error {
	b.mu.Lock()
	if time.Since(b.read) < poll {
		b.mu.Unlock()
		return nil
	}
	b.read = time.Now()
	b.mu.Unlock()
	trials, err := b.r.DB.Trials(b.sw.id)
	if err != nil {
		return err
	}
	curves, err := b.r.DB.ValidCurves(b.sw.id)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, t := range trials {
		for e, v := range rungValues(curves[t.ID], b.obj, b.rungs) {
			if b.value[t.Position] == nil {
				b.value[t.Position] = map[int]float64{}
			}
			b.value[t.Position][e] = v
		}
		if store.Finished(t.Status) {
			b.closed[t.Position] = true
		}
	}
	b.changedLocked()
	return nil
}

// closeUnclaimed closes the members still queued when the budget is spent:
// they will not start in this run, so no trial waits for them.
func (b *board) closeUnclaimed() {
	trials, err := b.r.DB.Trials(b.sw.id)
	if err != nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, t := range trials {
		if t.Status == store.Queued || t.Status == store.Interrupted {
			b.closed[t.Position] = true
		}
	}
	b.changedLocked()
}

// promote records a trial's objective at a rung and decides whether it goes
// on. It waits until every earlier trial has reached the rung or ended,
// here or in another process; it returns true (go on) if ctx ends first,
// leaving the stop to the caller.
func (b *board) promote(ctx context.Context, pos, epoch int, v float64) bool {
	b.record(pos, epoch, v)
	for {
		b.mu.Lock()
		peers, ready := b.peersLocked(pos, epoch)
		notify := b.notify
		b.mu.Unlock()
		if ready {
			return b.inTop(v, append(peers, v))
		}
		select {
		case <-ctx.Done():
			return true
		case <-notify:
		case <-time.After(poll):
			if err := b.refresh(); err != nil {
				b.stop(err)
				return true
			}
		}
	}
}

// peersLocked returns the earlier members' values at the rung, and whether
// every earlier member has one or has ended; b.mu is held.
func (b *board) peersLocked(pos, epoch int) ([]float64, bool) {
	var peers []float64
	for _, j := range b.members {
		if j >= pos {
			break
		}
		if pv, ok := b.value[j][epoch]; ok {
			peers = append(peers, pv)
		} else if !b.closed[j] {
			return nil, false
		}
	}
	return peers, true
}

// inTop reports whether v is among the best ceil(keep·n) of values.
func (b *board) inTop(v float64, values []float64) bool {
	if math.IsNaN(v) {
		return false
	}
	sorted := make([]float64, len(values))
	for i, x := range values {
		sorted[i] = b.obj.Oriented(x)
		if math.IsNaN(sorted[i]) {
			sorted[i] = math.Inf(-1) // a trial without a value ranks last
		}
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(sorted)))
	k := int(math.Ceil(b.keep * float64(len(sorted))))
	return b.obj.Oriented(v) >= sorted[k-1]
}
