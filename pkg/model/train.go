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

	streamTrainSample = 0x6174746e73616d70 // the sample of train rows scored (not per trial)
)

// attentionRows is how many validation rows Result.Attention samples.
const attentionRows = 8

// Train is TrainOn without extra cores: the trial runs on the calling
// goroutine's core (its slices one after another; see TrainOn).
func Train(ctx context.Context, ds *dataset.Dataset, p Params, cb Callback) (*Result, error) {
	return TrainOn(ctx, ds, p, cb, nil)
}

// TrainOn runs one trial: it builds p.Model for ds, trains it on ds.Train
// and selects on ds.Valid following the BARS protocol, and returns the
// learning curve, the metrics of the best checkpoint and the checkpoint
// itself.
//
// Protocol: zero fields of p take their defaults (Params.WithDefaults). Each
// epoch shuffles the train rows with a PCG generator seeded from p.Seed,
// takes mini-batches of p.BatchSize rows (the last one may be smaller), and
// minimises the mean binary cross-entropy plus the L2 terms with
// p.Optimizer. After each epoch the model is scored on the valid split; a
// better valid p.Monitor value (AUC by default) than every earlier epoch
// keeps a copy of the weights, anything else multiplies the learning rate
// by p.LRDecay. Training stops after p.Patience epochs without improvement,
// after p.Epochs epochs, or when cb (called after every epoch; may be nil)
// returns false, which sets Result.Stopped. The best weights are then
// restored.
//
// Scoring (Result.Before, Result.Final): the untrained model is scored on
// the valid and test splits and on a sample of trainSampleRows train rows
// (trainSample: the same rows for every trial on the data). Final["valid"]
// is the best epoch's validation (the restored weights would score the
// same), Final["test"] scores the test split with the restored weights, and
// Final["train"] the train sample again, except for a trial the callback
// stopped (a pruned trial, whose train metrics no report shows).
//
// Errors: bad params, an unknown model or optimizer, data inconsistent with
// its schema, `dot` without a history column, an empty train or valid split,
// a training loss that becomes NaN or infinite ("model: epoch 3: training loss
// is NaN"), or ctx's error when ctx is done (checked between batches).
//
// Cores: a batch is cut into up to 4 slices of at least 256 rows, a number
// that depends on p.BatchSize and the model's size only (parallel.go). The
// slices run on the calling goroutine's core and on as many extra cores as
// cores lends at each step (nil: none); the slices' gradients and batch
// statistics are combined in slice order, so the cores change the speed,
// never the result.
//
// The same p (Seed included) and data give bit-identical results, with any
// number of cores. ds is only read.
func TrainOn(ctx context.Context, ds *dataset.Dataset, p Params, cb Callback, cores Cores) (*Result, error) {
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
	tr, err := newTrainer(ds, p, maxSplit, cores)
	if err != nil {
		return nil, err
	}
	defer tr.close()
	nt, s := tr.net, tr.net.params()
	tr.init(rand.New(rand.NewPCG(p.Seed, streamInit)))
	shuffle := rand.New(rand.NewPCG(p.Seed, streamShuffle))

	res := &Result{Before: map[string]Metrics{}, Final: map[string]Metrics{}}
	sample := trainSample(ds.Train)
	for _, sp := range []struct {
		name string
		rows []int32
	}{{"train", sample}, {"valid", ds.Valid}, {"test", ds.Test}} {
		if res.Before[sp.name], err = tr.evaluate(ctx, sp.rows); err != nil {
			return nil, err
		}
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
		valid, err := tr.evaluate(ctx, ds.Valid)
		if err != nil {
			return nil, err
		}
		ep := Epoch{Epoch: epoch, TrainLoss: loss, LR: lr, Valid: valid, Elapsed: time.Since(start)}
		ep.Valid.Calibration = nil // the curve keeps no calibration
		res.Epochs = append(res.Epochs, ep)
		// The first epoch always becomes the best, even with a NaN AUC (a
		// valid split with one class); later ones must beat it.
		if score := MonitorValue(p.Monitor, valid); res.BestEpoch == 0 || score > bestScore {
			copy(best, s.W)
			res.Final["valid"] = valid // what scoring valid with best would give
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
	tr.syncReplicas()
	if res.Final["test"], err = tr.evaluate(ctx, ds.Test); err != nil {
		return nil, err
	}
	res.TestScores = slices.Clone(tr.scores[:len(ds.Test)])
	if !res.Stopped { // a pruned trial's train metrics are never shown
		if res.Final["train"], err = tr.evaluate(ctx, sample); err != nil {
			return nil, err
		}
	}
	res.Attention = attentionSamples(nt, ds, tr.z)
	res.Checkpoint = encodeCheckpoint(p, ds.Schema, s)
	return res, nil
}

// trainSampleRows is the size of the sample of the train split that Train
// scores before and after training (Result.Before and Final["train"]).
const trainSampleRows = 20000

// trainSample returns trainSampleRows rows of train (all of them when it has
// no more), drawn with a fixed seed, so every trial on the same data scores
// the same rows; they keep their order in train.
func trainSample(train []int32) []int32 {
	if len(train) <= trainSampleRows {
		return train
	}
	rng := rand.New(rand.NewPCG(streamTrainSample, streamTrainSample))
	pos := rng.Perm(len(train))[:trainSampleRows]
	slices.Sort(pos)
	rows := make([]int32, len(pos))
	for i, p := range pos {
		rows[i] = train[p]
	}
	return rows
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
