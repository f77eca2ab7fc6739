package search

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/sourcegraph/conc"

	"github.com/attnsweep/attnsweep/pkg/store"
)

// cores are the runner's --workers tokens. A training trial holds one; a
// trial waiting at an ASHA rung for the trials before it gives its token
// back (it computes nothing meanwhile); a training trial may borrow spare
// tokens step by step for data-parallel steps (model.Cores), but never
// while a trial is waiting to start. So N workers never use more than N
// cores, and no core idles while a trial could use it.
type cores struct {
	mu      sync.Mutex
	changed *sync.Cond
	total   int
	free    int
	waiting int // acquire calls blocked: they go before borrowers
}

func newCores(n int) *cores {
	c := &cores{total: n, free: n}
	c.changed = sync.NewCond(&c.mu)
	return c
}

// acquire takes one token, waiting for it; false when ctx ended first.
func (c *cores) acquire(ctx context.Context) bool {
	stop := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		c.changed.Broadcast()
		c.mu.Unlock()
	})
	defer stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waiting++
	defer func() { c.waiting-- }()
	for c.free == 0 {
		if ctx.Err() != nil {
			return false
		}
		c.changed.Wait()
	}
	c.free--
	return true
}

// TryAcquire lends up to n spare tokens without waiting (model.Cores).
func (c *cores) TryAcquire(n int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.waiting > 0 {
		return 0
	}
	k := min(n, c.free)
	c.free -= k
	return k
}

// Release gives n tokens back (model.Cores).
func (c *cores) Release(n int) {
	c.mu.Lock()
	c.free += n
	c.changed.Broadcast()
	c.mu.Unlock()
}

// pool claims and trains one sweep's trials on the runner's cores.
type pool struct {
	r     *Runner
	ctx   context.Context
	stop  context.CancelCauseFunc
	sw    *sweepRecord
	sum   *Summary
	start time.Time
	owner store.Owner
	cores *cores
	board *board // ASHA; nil without a scheduler

	mu      sync.Mutex
	changed chan struct{} // closed and replaced when a local trial ends
	alive   map[int]int   // display slot → plan position of each trial this process holds
	plan    map[string]Trial
	wg      conc.WaitGroup
}

func (r *Runner) newPool(ctx context.Context, stop context.CancelCauseFunc, sw *sweepRecord, sum *Summary, start time.Time) *pool {
	p := &pool{r: r, ctx: ctx, stop: stop, sw: sw, sum: sum, start: start, owner: store.NewOwner(),
		cores: newCores(r.workers()), changed: make(chan struct{}), alive: map[int]int{}, plan: map[string]Trial{}}
	if r.Spec.Search.Scheduler.Name == "asha" {
		p.board = newBoard(r, sw, func(err error) { stop(err) })
	}
	return p
}

// stopped reports whether the sweep is stopping: cancelled, a store error,
// or the time budget spent.
func (p *pool) stopped() bool {
	return p.ctx.Err() != nil || p.overBudget()
}

func (p *pool) overBudget() bool {
	b := p.r.Spec.Search.budget
	return b > 0 && time.Since(p.start) > b
}

// heartbeat keeps this process's claims fresh until the sweep ends.
func (p *pool) heartbeat() {
	t := time.NewTicker(p.r.lease() / 4)
	defer t.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-t.C:
			if err := p.r.DB.Heartbeat(p.owner); err != nil {
				p.stop(err)
				return
			}
		}
	}
}

// poll is how often a process with nothing to claim looks again: for
// trials other processes finish, give up, or let go stale.
const poll = time.Second

// runBatch claims and trains the trials of one batch until none is left
// unfinished anywhere, the sweep stops, or the budget is spent (then the
// unclaimed trials stay queued for `sweep resume`).
func (p *pool) runBatch(trials []Trial, f store.ClaimFilter) {
	p.mu.Lock()
	for _, t := range trials {
		p.plan[t.Key] = t
	}
	p.mu.Unlock()
	if p.board != nil {
		p.board.addMembers(trials)
	}
	for !p.stopped() {
		changed := p.changedChan()
		if !p.cores.acquire(p.ctx) {
			break
		}
		c, err := p.claim(f)
		if err != nil {
			p.cores.Release(1)
			p.stop(err)
			break
		}
		if c != nil {
			p.launch(*c)
			continue
		}
		p.cores.Release(1)
		left, err := p.r.DB.Unfinished(p.sw.id, f)
		if err != nil {
			p.stop(err)
			break
		}
		if left == 0 {
			break
		}
		select { // a local trial ended, or look again for others' trials
		case <-changed:
		case <-time.After(poll):
		case <-p.ctx.Done():
		}
	}
	if p.overBudget() && p.board != nil {
		p.board.closeUnclaimed() // trials that never start decide nothing
	}
}

// claim claims the next trial within f, unless this process already holds
// as many trials as it may keep in memory (twice its cores: trials waiting
// at a rung hold no core); then only a trial before all of them, which
// they may be waiting for.
func (p *pool) claim(f store.ClaimFilter) (*store.Claim, error) {
	p.mu.Lock()
	if len(p.alive) >= 2*p.cores.total {
		hi := -1
		for _, pos := range p.alive {
			hi = max(hi, pos)
		}
		if f.Hi == 0 || hi < f.Hi {
			f.Hi = hi
		}
	}
	p.mu.Unlock()
	if f.Hi != 0 && f.Hi <= f.Lo {
		return nil, nil
	}
	return p.r.DB.ClaimNext(p.sw.id, p.owner, p.r.lease(), f)
}

// launch trains a claimed trial on its own goroutine; it holds one core.
func (p *pool) launch(c store.Claim) {
	p.mu.Lock()
	slot := 0
	for ; ; slot++ {
		if _, used := p.alive[slot]; !used {
			break
		}
	}
	p.alive[slot] = c.Position
	t, planned := p.plan[c.Key]
	p.mu.Unlock()
	p.wg.Go(func() {
		defer p.ended(slot)
		if !planned {
			p.finish(c, Trial{Key: c.Key, Position: c.Position}, slot, store.Outcome{Status: store.Failed, Error: errNotPlanned.Error()})
			p.cores.Release(1)
			return
		}
		p.train(c, t, slot)
	})
}

// ended frees a trial's display slot and wakes the claim loop.
func (p *pool) ended(slot int) {
	p.mu.Lock()
	delete(p.alive, slot)
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
}

func (p *pool) changedChan() chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.changed
}

// finish records a trial's outcome. Losing the claim is the trial's end,
// not the sweep's; any other store error stops the sweep.
func (p *pool) finish(c store.Claim, t Trial, slot int, o store.Outcome) {
	err := p.r.DB.FinishTrial(c, o)
	if err != nil && !errors.Is(err, store.ErrLostClaim) {
		// The outcome did not fit (a full disk refuses the checkpoint):
		// record at least that the trial was interrupted, and why, so it
		// is not left running; then stop the sweep.
		p.stop(err)
		small := store.Outcome{Status: store.Interrupted, Error: err.Error(), Seconds: o.Seconds}
		if err2 := p.r.DB.FinishTrial(c, small); err2 != nil {
			return
		}
		o = small
	}
	if errors.Is(err, store.ErrLostClaim) {
		o.Status, o.Error = "lost", "taken over by another process; this result was dropped"
	}
	p.mu.Lock()
	if o.Status != "lost" {
		p.sum.Ran++
		p.sum.Status[o.Status]++
	}
	p.mu.Unlock()
	if p.board != nil {
		p.board.close(t.Position)
	}
	if p.r.Observer != nil {
		var shown error
		if o.Error != "" {
			shown = errors.New(o.Error)
		}
		p.r.Observer.TrialFinished(t, slot, o.Status, shown, o.Seconds)
	}
}

// wait waits for every trial this process is training.
func (p *pool) wait() { p.wg.Wait() }
