package model

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// trainer holds a trial's networks and the buffers of the training loop,
// allocated once. A batch is cut into slices of sliceRows rows, each run by
// its own replica of the network (parallel.go); reps[0] is net, whose slab
// holds the trial's weights: the optimizer, the update plan, checkpoints and
// attention samples use it, and the other replicas get its weights after
// every step.
type trainer struct {
	ds        *dataset.Dataset
	net       net   // replica 0
	reps      []net // every replica, sliceRows rows each
	sliceRows int
	team      *team
	opt       optimizer
	upd       *updatePlan // which parameters each step updates (sparse.go)
	p         Params
	rngs      []*rand.Rand // [slice] dropout masks
	l2e       float32
	l2d       float32
	l2batch   *batchL2  // Params.L2Batch over the whole batch when it is cut into slices; nil otherwise
	l2in      *inputs   // replica 0's inputs, whose tables l2batch regularises
	z, dz     []float32 // [slices·sliceRows] logits and their gradients
	y         []float32 // [slices·sliceRows] labels of the batch
	loss      []float64 // [slice] summed data loss of the last step
	scores    []float32 // [largest split] probabilities for evaluation
	labels    []float32 // [largest split]
	groups    []int32   // [largest split] when the data has groups

	// What the slices of the current team run work on.
	rows             []int32   // the step's batch, or the evaluation round's rows
	out              []float32 // evaluation: σ(logit) of rows
	stepJob, evalJob func(j int)
}

// newTrainer builds p.Model (p defaulted and valid) for ds, its replicas,
// optimizer and update plan, for splits of up to maxSplit rows; cores lends
// extra cores (nil: none). The weights are zero (see init); close stops the
// replicas' goroutines.
func newTrainer(ds *dataset.Dataset, p Params, maxSplit int, cores Cores) (*trainer, error) {
	capacity := min(p.BatchSize, maxSplit)
	reps, err := newReplicas(ds, p, capacity)
	if err != nil {
		return nil, err
	}
	nt, k := reps[0], len(reps)
	s := nt.params()
	opt, err := newOptimizer(p, s.Trainable)
	if err != nil {
		return nil, err
	}
	t := &trainer{
		ds: ds, net: nt, reps: reps, sliceRows: ceilDiv(capacity, k), opt: opt, p: p,
		upd: newUpdatePlan(s, ds, capacity, p.L2Embedding == 0),
		l2e: float32(p.L2Embedding), l2d: float32(p.L2Dense),
		z: make([]float32, capacity), dz: make([]float32, capacity), y: make([]float32, capacity),
		loss:   make([]float64, k),
		scores: make([]float32, maxSplit), labels: make([]float32, maxSplit), groups: make([]int32, maxSplit),
	}
	if in := s.l2in; in != nil && k > 1 {
		// Per slice, a table row two slices use would get the term twice.
		t.l2in, t.l2batch, in.mba = in, in.mba, nil
	}
	t.team = newTeam(k, cores)
	for j, r := range t.reps {
		rs := r.params()
		rs.team, rs.rank = t.team, j
		clear(rs.G) // the update plan keeps it zero from here on
		// Slice 0 draws from the trial's dropout stream as a one-slice
		// trial always did; the others from their own.
		t.rngs = append(t.rngs, rand.New(rand.NewPCG(p.Seed, streamDropout^uint64(j)*0x9e3779b97f4a7c15)))
	}
	t.stepJob, t.evalJob = t.stepSlice, t.evalSlice
	return t, nil
}

// newReplicas builds the replicas of p.Model for batches of up to capacity
// rows: sliceCount of them, each for one slice. Only the first counts the
// rows for the mini-batch-aware L2 (the trainer applies it once a batch).
func newReplicas(ds *dataset.Dataset, p Params, capacity int) ([]net, error) {
	k := sliceCount(capacity, 0)
	nt, err := newNet(ds, p, ceilDiv(capacity, k))
	if err != nil {
		return nil, err
	}
	if k2 := sliceCount(capacity, float64(len(nt.params().W))); k2 != k {
		k = k2
		if nt, err = newNet(ds, p, ceilDiv(capacity, k)); err != nil {
			return nil, err
		}
	}
	reps := []net{nt}
	q := p
	q.L2Batch = 0
	for j := 1; j < k; j++ {
		r, err := newNet(ds, q, ceilDiv(capacity, k))
		if err != nil {
			return nil, err
		}
		reps = append(reps, r)
	}
	return reps, nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// close stops the team's goroutines.
func (t *trainer) close() { t.team.close() }

// init fills the weights from rng (slab.init) on every replica.
func (t *trainer) init(rng *rand.Rand) {
	t.net.params().init(rng)
	t.syncReplicas()
}

// syncReplicas copies replica 0's weights (and state) to the others: after
// anything but a step changed them.
func (t *trainer) syncReplicas() {
	w := t.net.params().W
	for _, r := range t.reps[1:] {
		copy(r.params().W, w)
	}
}

// epoch runs one pass over perm in mini-batches and returns the mean
// training loss (data term only). It does not allocate.
func (t *trainer) epoch(ctx context.Context, perm []int32, lr float64, epoch int) (float64, error) {
	s := t.net.params()
	bs := len(t.z)
	var sum float64
	for i := 0; i < len(perm); i += bs {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		rows := perm[i:min(i+bs, len(perm))]
		loss := t.step(rows, lr, s)
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return 0, fmt.Errorf("model: epoch %d: training loss is %v", epoch, loss)
		}
		sum += loss
	}
	return sum / float64(len(perm)), nil
}

// step is one optimisation step on rows (s is replica 0's slab); it returns
// the summed data loss. The slices' gradients are added into s in slice
// order, then the L2 terms, clipping and the optimizer run on s alone, and
// the other replicas copy what changed.
func (t *trainer) step(rows []int32, lr float64, s *slab) float64 {
	for j, r := range rows {
		t.y[j] = t.ds.Label[r]
	}
	t.rows = rows
	t.upd.collect(t.ds, rows)
	k := ceilDiv(len(rows), t.sliceRows)
	t.team.run(k, t.stepJob, false)
	loss := t.loss[0]
	for j := 1; j < k; j++ {
		loss += t.loss[j]
		g := t.reps[j].params().G
		t.upd.each(func(lo, hi int) {
			axpy(s.G[lo:hi], 1, g[lo:hi]) // one rounding per entry, as an addition
			clear(g[lo:hi])
		})
	}
	if t.l2batch != nil {
		t.l2batch.addRows(t.l2in, t.ds, rows)
	}
	s.addL2(kindEmbedding, t.l2e)
	s.addL2(kindWeight, t.l2d)
	if t.p.MaxGradNorm > 0 {
		t.upd.clip(s, t.p.MaxGradNorm)
	}
	t.upd.apply(t.opt, s, lr)
	for _, r := range t.reps[1:] {
		w := r.params().W
		t.upd.each(func(lo, hi int) { copy(w[lo:hi], s.W[lo:hi]) })
		copy(w[s.Trainable:], s.W[s.Trainable:]) // BatchNorm's running statistics
	}
	return loss
}

// stepSlice is slice j of a step: forward, loss and backward of its rows
// into replica j's gradients (zero before: the last step cleared them).
func (t *trainer) stepSlice(j int) {
	n := len(t.rows)
	lo, hi := j*t.sliceRows, min((j+1)*t.sliceRows, n)
	z, dz, y := t.z[lo:hi], t.dz[lo:hi], t.y[lo:hi]
	nt := t.reps[j]
	nt.forward(t.ds, t.rows[lo:hi], z, t.rngs[j])
	t.loss[j] = bceForward(z, y)
	clear(dz)
	bceBackward(dz, z, y, 1/float32(n))
	nt.backward(dz)
}

// evaluate scores rows with the current weights (evaluation mode) and
// computes every metric.
func (t *trainer) evaluate(ctx context.Context, rows []int32) (Metrics, error) {
	n := len(rows)
	scores, labels := t.scores[:n], t.labels[:n]
	if err := t.predict(ctx, rows, scores); err != nil {
		return Metrics{}, err
	}
	for j, r := range rows {
		labels[j] = t.ds.Label[r]
	}
	var groups []int32
	if t.ds.Group != nil {
		groups = t.groups[:n]
		for j, r := range rows {
			groups[j] = t.ds.Group[r]
		}
	}
	return Compute(scores, labels, groups), nil
}

// predict writes σ(logit) of every row into out, a batch's worth of rows at
// a time spread over the replicas. Each row's result does not depend on the
// replica or the chunk it falls in. ctx is checked between batches.
func (t *trainer) predict(ctx context.Context, rows []int32, out []float32) error {
	bs := len(t.z)
	for i := 0; i < len(rows); i += bs {
		if err := ctx.Err(); err != nil {
			return err
		}
		t.rows = rows[i:min(i+bs, len(rows))]
		t.out = out[i : i+len(t.rows)]
		t.team.run(ceilDiv(len(t.rows), t.sliceRows), t.evalJob, true)
	}
	return nil
}

// evalSlice scores slice j of the evaluation round.
func (t *trainer) evalSlice(j int) {
	lo, hi := j*t.sliceRows, min((j+1)*t.sliceRows, len(t.rows))
	z := t.z[lo:hi]
	t.reps[j].forward(t.ds, t.rows[lo:hi], z, nil)
	sigmoidForward(t.out[lo:hi], z)
}

// predictRows writes σ(logit) of every row into out, in chunks of the net's
// capacity, using z [capacity] as logit scratch. Each row's result does not
// depend on the chunk it falls in. ctx is checked between chunks.
func predictRows(ctx context.Context, nt net, ds *dataset.Dataset, rows []int32, out, z []float32) error {
	bs := nt.capacity()
	for i := 0; i < len(rows); i += bs {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk := rows[i:min(i+bs, len(rows))]
		zz := z[:len(chunk)]
		nt.forward(ds, chunk, zz, nil)
		sigmoidForward(out[i:i+len(chunk)], zz)
	}
	return nil
}
