package model

import (
	"fmt"
	"runtime/debug"
	"sync"
)

// One trial on several cores: data parallelism over the batch.
//
// A trial cuts every batch into slices of a fixed number of rows and keeps
// one replica of its network per slice (replica.go). The number of slices
// depends on the batch size and the model's size only, never on the cores
// a step gets, and everything that combines slices does so in slice order:
//
//   - each replica computes its slice's forward and backward into its own
//     gradient slab; the trainer adds slabs 1, 2, … into slab 0 in that
//     order, over the ranges the step updates;
//   - BatchNorm (and Dice's) batch statistics are sums over the whole batch:
//     each replica sums its rows, then team.sum adds the partial sums in
//     slice order, on every replica alike (a barrier between the two);
//   - each slice draws its dropout masks from its own generator;
//   - the batch loss is the sum of the slices' losses, in slice order.
//
// So the weights after a step are the same bit for bit with 1 core or 4:
// cores only decide how many slices run at the same time. A team of
// goroutines (one per replica, parked between steps) runs the slices; a
// core token limits how many run at once, and a slice waiting at a barrier
// hands its token to another.

// Cores lends a trial extra cores, step by step. TryAcquire returns how many
// of up to n extra cores the trial may use now (0..n) without blocking;
// Release gives them back. Safe for concurrent use.
type Cores interface {
	TryAcquire(n int) int
	Release(n int)
}

const (
	// maxSlices bounds the slices of a batch, and so the cores one trial can use.
	maxSlices = 4
	// minSliceRows: a batch is cut into slices of at least this many rows
	// (smaller ones waste the GEMM kernel's tiles); a batch of fewer than
	// 2·minSliceRows rows is one slice, and trains as on one goroutine.
	minSliceRows = 256
	// replicaBudget bounds the bytes of the extra replicas' weights and
	// gradients (8 bytes a parameter each): a model with a large embedding
	// table gets fewer slices rather than several copies of it.
	replicaBudget = 256 << 20
)

// sliceCount is the number of slices for batches of up to capacity rows of a
// model with params parameters.
func sliceCount(capacity int, params float64) int {
	k := min(max(capacity/minSliceRows, 1), maxSlices)
	for k > 1 && float64(k-1)*params*8 > replicaBudget {
		k--
	}
	return k
}

// team runs a step's slices: job(j) for j < k, slice 0 on the calling
// goroutine and slice j on worker goroutine j, at most 1 + the lent cores
// at a time.
type team struct {
	size   int
	cores  Cores           // lends extra cores; nil: none
	tokens chan struct{}   // free core tokens of the current run
	wake   []chan struct{} // [size] worker j's start signal (j ≥ 1)
	done   sync.WaitGroup
	job    func(j int)
	active int // slices of the current run

	mu      sync.Mutex
	cond    *sync.Cond
	arrived int    // at the current barrier
	gen     uint64 // barriers passed
	broken  any    // the first panic of a slice in the current run, or nil

	slots [2][][]float64 // [parity][slice] partial sums of team.sum
	round []int          // [slice] team.sum calls in the current run
}

// newTeam starts size−1 worker goroutines; close stops them.
func newTeam(size int, cores Cores) *team {
	tm := &team{size: size, cores: cores, tokens: make(chan struct{}, size), wake: make([]chan struct{}, size), round: make([]int, size)}
	tm.cond = sync.NewCond(&tm.mu)
	for p := range tm.slots {
		tm.slots[p] = make([][]float64, size)
	}
	for j := 1; j < size; j++ {
		tm.wake[j] = make(chan struct{})
		go func() {
			for range tm.wake[j] {
				tm.slice(j)
				tm.done.Done()
			}
		}()
	}
	return tm
}

func (tm *team) close() {
	for j := 1; j < tm.size; j++ {
		close(tm.wake[j])
	}
}

// run calls job(j) for every j < k (k ≤ size) and returns when all have
// returned. It borrows up to k−1 extra cores for the run and gives them back
// at its end. Jobs that are independent (never meet at a barrier) run one
// after another on the calling goroutine when no core is lent. A panic in
// any slice is re-raised here, with the slice's stack. job must be a func
// value made once (a method value made per call would allocate).
func (tm *team) run(k int, job func(j int), independent bool) {
	extra := 0
	if tm.cores != nil && k > 1 {
		extra = min(max(tm.cores.TryAcquire(k-1), 0), k-1)
	}
	if k <= 1 || (independent && extra == 0) {
		tm.active = 1
		for j := range k {
			job(j)
		}
		return
	}
	for range 1 + extra {
		tm.tokens <- struct{}{}
	}
	tm.job, tm.active, tm.broken, tm.arrived = job, k, nil, 0
	clear(tm.round)
	tm.done.Add(k - 1)
	for j := 1; j < k; j++ {
		tm.wake[j] <- struct{}{}
	}
	tm.slice(0)
	tm.done.Wait()
	for range 1 + extra {
		<-tm.tokens
	}
	if extra > 0 {
		tm.cores.Release(extra)
	}
	if tm.broken != nil {
		panic(tm.broken)
	}
}

// slice runs job(j) holding a core token. A panic is recorded and breaks
// the barrier, so that the other slices stop instead of waiting forever.
func (tm *team) slice(j int) {
	<-tm.tokens
	defer func() {
		if r := recover(); r != nil {
			tm.mu.Lock()
			if tm.broken == nil && r != errTeamBroken {
				tm.broken = fmt.Sprintf("%v [in slice %d]\n%s", r, j, debug.Stack())
			}
			tm.cond.Broadcast()
			tm.mu.Unlock()
		}
		tm.tokens <- struct{}{}
	}()
	tm.job(j)
}

// errTeamBroken unwinds the slices of a run in which another slice panicked.
var errTeamBroken = fmt.Errorf("model: a slice of this step panicked")

// barrier returns when every slice of the run has reached it; the slice's
// core token is free for another slice while it waits.
func (tm *team) barrier() {
	tm.tokens <- struct{}{}
	tm.mu.Lock()
	tm.arrived++
	if tm.arrived == tm.active {
		tm.arrived = 0
		tm.gen++
		tm.cond.Broadcast()
	} else {
		for g := tm.gen; g == tm.gen && tm.broken == nil; {
			tm.cond.Wait()
		}
	}
	broken := tm.broken != nil
	tm.mu.Unlock()
	<-tm.tokens
	if broken {
		panic(errTeamBroken)
	}
}

// sum replaces v, slice j's partial sums, by the sums over every slice of
// the run, added in slice order (the same bits on every slice). Every slice
// of a run must call it the same number of times with the same length; with
// one slice (or no team) it leaves v as it is.
func (tm *team) sum(j int, v []float64) {
	if tm == nil || tm.active <= 1 {
		return
	}
	// Two sets of slots: a slice can write the next sum's slot while another
	// still reads this one's, but not the one after, which is past a barrier
	// that every slice must reach first.
	p := tm.round[j] & 1
	tm.round[j]++
	slot := tm.slots[p][j]
	if cap(slot) < len(v) {
		slot = make([]float64, len(v))
	}
	slot = slot[:len(v)]
	copy(slot, v)
	tm.slots[p][j] = slot
	tm.barrier()
	for c := range v {
		s := tm.slots[p][0][c]
		for k := 1; k < tm.active; k++ {
			s += tm.slots[p][k][c]
		}
		v[c] = s
	}
}
