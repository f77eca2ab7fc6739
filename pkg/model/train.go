package model

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// PCG stream constants: the trial's seed picks the state, the stream says
// what the numbers are for, so adding a use never shifts another.
const (
	streamInit    = 0x6174746e696e6974 // weight initialisation
	streamShuffle = 0x6174746e73687566 // per-epoch shuffles of the train rows
	streamDropout = 0x6174746e64726f70 // dropout masks of the training steps
)

// attentionRows is how many validation rows Result.Attention samples.
const attentionRows = 8

// Train runs one trial on the calling goroutine: it builds p.Model for ds,
// trains it on ds.Train and selects on ds.Valid following the BARS protocol,
// and returns the learning curve, the metrics of the best checkpoint and the
// checkpoint itself.
//
// Protocol: zero fields of p take their defaults (Params.WithDefaults). The
// untrained model is scored on every split first (Result.Before). Each epoch
// shuffles the train rows with a PCG generator seeded from p.Seed, takes
// mini-batches of p.BatchSize rows (the last one may be smaller), and
// minimises the mean binary cross-entropy plus the L2 terms with p.Optimizer.
// After each epoch the model is scored on the valid split; a better valid
// p.Monitor value (AUC by default) than every earlier epoch keeps a copy of
// the weights, anything else
// multiplies the learning rate by p.LRDecay. Training stops after p.Patience
// epochs without improvement, after p.Epochs epochs, or when cb (called
// after every epoch; may be nil) returns false, which sets Result.Stopped.
// The best weights are then restored and scored on every split
// (Result.Final).
//
// Errors: bad params, an unknown model or optimizer, data inconsistent with
// its schema, `dot` without a history column, an empty train or valid split,
// a training loss that becomes NaN or infinite ("model: epoch 3: training loss
// is NaN"), or ctx's error when ctx is done (checked between batches).
//
// The same p (Seed included) and data give bit-identical results. ds is only
// read.
func Train(ctx context.Context, ds *dataset.Dataset, p Params, cb Callback) (*Result, error) {
	start := time.Now()
	p = p.WithDefaults()
	if err := p.validate(); err != nil {
		return nil, err
	}
	if err := validateData(ds); err != nil {
		return nil, err
	}
	if len(ds.Train) == 0 {
		return nil, fmt.Errorf("model: the train split is empty")
	}
	if len(ds.Valid) == 0 {
		return nil, fmt.Errorf("model: the valid split is empty (it selects the best epoch)")
	}
	maxSplit := max(len(ds.Train), len(ds.Valid), len(ds.Test))
	nt, err := newNet(ds, p, min(p.BatchSize, maxSplit))
	if err != nil {
		return nil, err
	}
	s := nt.params()
	opt, err := newOptimizer(p, s.Trainable)
	if err != nil {
		return nil, err
	}
	s.init(rand.New(rand.NewPCG(p.Seed, streamInit)))
	shuffle := rand.New(rand.NewPCG(p.Seed, streamShuffle))

	tr := newTrainer(ds, nt, opt, p, maxSplit)
	res := &Result{Before: map[string]Metrics{}, Final: map[string]Metrics{}}
	for _, name := range dataset.SplitNames {
		m, err := tr.evaluate(ctx, ds.Split(name), true)
		if err != nil {
			return nil, err
		}
		res.Before[name] = m
	}

	best := slices.Clone(s.W)
	bestScore := math.Inf(-1)
	perm := slices.Clone(ds.Train)
	lr := p.LR
	bad := 0
	for epoch := 1; epoch <= p.Epochs; epoch++ {
		shuffle.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		loss, err := tr.epoch(ctx, perm, lr, epoch)
		if err != nil {
			return nil, err
		}
		valid, err := tr.evaluate(ctx, ds.Valid, false)
		if err != nil {
			return nil, err
		}
		ep := Epoch{Epoch: epoch, TrainLoss: loss, LR: lr, Valid: valid, Elapsed: time.Since(start)}
		res.Epochs = append(res.Epochs, ep)
		// The first epoch always becomes the best, even with a NaN AUC (a
		// valid split with one class); later ones must beat it.
		if score := MonitorValue(p.Monitor, valid); res.BestEpoch == 0 || score > bestScore {
			copy(best, s.W)
			bestScore = score
			res.BestEpoch = epoch
			bad = 0
		} else {
			lr *= p.LRDecay
			bad++
		}
		if cb != nil && !cb(ep) {
			res.Stopped = true
			break
		}
		if bad >= p.Patience {
			break
		}
	}

	copy(s.W, best)
	for _, name := range dataset.SplitNames {
		m, err := tr.evaluate(ctx, ds.Split(name), true)
		if err != nil {
			return nil, err
		}
		res.Final[name] = m
		if name == "test" {
			res.TestScores = slices.Clone(tr.scores[:len(ds.Test)])
		}
	}
	res.Attention = attentionSamples(nt, ds, tr.z)
	res.Checkpoint = encodeCheckpoint(p, ds.Schema, s)
	return res, nil
}

// attentionSamples reads the attention of a model that has one for the
// first attentionRows rows of ds.Valid that have a history (any rows when
// the data has none), one row at a time; z is logit scratch.
func attentionSamples(nt net, ds *dataset.Dataset, z []float32) []AttentionSample {
	at, ok := nt.(attender)
	if !ok {
		return nil
	}
	var out []AttentionSample
	for _, r := range ds.Valid {
		if len(out) == attentionRows {
			break
		}
		if len(ds.Seq) > 0 && ds.Seq[0].Len[r] == 0 {
			continue
		}
		nt.forward(ds, []int32{r}, z[:1], nil)
		items, w := at.attention(0)
		if items == nil && w == nil {
			return nil // meanpool: the network has no attention to show
		}
		out = append(out, AttentionSample{Row: r, Label: ds.Label[r], Score: sigmoid(z[0]), Items: items, Weights: w})
	}
	return out
}

// trainer holds the per-trial buffers of the training loop, allocated once.
type trainer struct {
	ds     *dataset.Dataset
	net    net
	opt    optimizer
	upd    *updatePlan // which parameters each step updates (sparse.go)
	p      Params
	rng    *rand.Rand // dropout masks
	l2e    float32
	l2d    float32
	z, dz  []float32 // [capacity] logits and their gradients
	y      []float32 // [capacity] labels of the batch
	scores []float32 // [largest split] probabilities for evaluation
	labels []float32 // [largest split]
	groups []int32   // [largest split] when the data has groups
}

func newTrainer(ds *dataset.Dataset, nt net, opt optimizer, p Params, maxSplit int) *trainer {
	c := nt.capacity()
	s := nt.params()
	clear(s.G) // the update plan keeps it zero from here on
	return &trainer{
		ds: ds, net: nt, opt: opt, p: p, rng: rand.New(rand.NewPCG(p.Seed, streamDropout)),
		upd: newUpdatePlan(s, ds, c, p.L2Embedding == 0),
		l2e: float32(p.L2Embedding), l2d: float32(p.L2Dense),
		z: make([]float32, c), dz: make([]float32, c), y: make([]float32, c),
		scores: make([]float32, maxSplit), labels: make([]float32, maxSplit),
		groups: make([]int32, maxSplit),
	}
}

// epoch runs one pass over perm in mini-batches and returns the mean
// training loss (data term only). It does not allocate.
func (t *trainer) epoch(ctx context.Context, perm []int32, lr float64, epoch int) (float64, error) {
	s := t.net.params()
	bs := t.net.capacity()
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

// step is one optimisation step on rows; it returns the summed data loss.
func (t *trainer) step(rows []int32, lr float64, s *slab) float64 {
	n := len(rows)
	z, dz, y := t.z[:n], t.dz[:n], t.y[:n]
	for j, r := range rows {
		y[j] = t.ds.Label[r]
	}
	t.net.forward(t.ds, rows, z, t.rng)
	loss := bceForward(z, y)
	clear(dz)
	bceBackward(dz, z, y, 1/float32(n))
	t.upd.collect(t.ds, rows)
	t.net.backward(dz) // into a zero G: the previous step's apply cleared it
	s.addL2(kindEmbedding, t.l2e)
	s.addL2(kindWeight, t.l2d)
	if t.p.MaxGradNorm > 0 {
		t.upd.clip(s, t.p.MaxGradNorm)
	}
	t.upd.apply(t.opt, s, lr)
	return loss
}

// evaluate scores rows with the current weights (evaluation mode) and
// computes every metric; calibration only when full is set.
func (t *trainer) evaluate(ctx context.Context, rows []int32, full bool) (Metrics, error) {
	n := len(rows)
	scores, labels := t.scores[:n], t.labels[:n]
	if err := predictRows(ctx, t.net, t.ds, rows, scores, t.z); err != nil {
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
	m := Compute(scores, labels, groups)
	if !full {
		m.Calibration = nil
	}
	return m, nil
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
