package model

import (
	"math"
	"runtime"
	"slices"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// memoryCases are every model with the options that change what it
// allocates: BatchNorm, dropout, dice, the default hidden sizes, attention
// shapes, an embedding L2 (no sparse update plan), every optimizer and, for
// some, a batch cut into slices.
func memoryCases() []Params {
	var out []Params
	for i, m := range Models() {
		p := Params{Model: m, EmbedDim: 6, Hidden: []int{24, 12}, BatchSize: 128, Epochs: 1, Seed: 3}
		out = append(out, p)
		q := p
		q.BatchNorm, q.Dropout, q.Activation, q.Hidden = true, 0.2, "dice", nil // default [400, 400, 400]
		q.Optimizer = optimizerNames[i%len(optimizerNames)]
		q.Heads, q.AttentionDim, q.Layers, q.MaxLen = 3, 12, 2, 4
		q.L2Embedding = 1e-6
		q.EmbeddingDropout, q.DotTemperature = 0.1, true
		out = append(out, q)
		if i%3 == 0 { // a batch cut into 4 slices: 4 replicas (parallel.go)
			r := q
			r.BatchSize, r.L2Batch = 1024, 0.1
			out = append(out, r)
		}
	}
	return out
}

// memoryData is small data with every kind of column: categorical,
// dense, two history columns and two pooled lists.
func memoryData() *dataset.Dataset {
	return twoHistories(withPooled(synth(synthConfig{Rows: 3000, Seed: 31}), 32), 20)
}

// The parameter count is exact: it is the slab every constructor declares.
func TestEstimate_ParamsExact(t *testing.T) {
	ds := memoryData()
	for _, p := range memoryCases() {
		p = p.WithDefaults()
		nt, err := newNet(ds, p, p.BatchSize)
		if err != nil {
			t.Fatal(err)
		}
		var ta tally
		ta.net(ds, p, float64(p.BatchSize))
		s := nt.params()
		if int(ta.params) != len(s.W) || int(ta.state) != len(s.W)-s.Trainable {
			t.Errorf("%s %+v: estimate %v parameters (%v state), the net has %d (%d)",
				p.Model, p, ta.params, ta.state, len(s.W), len(s.W)-s.Trainable)
		}
	}
}

// allocated is the bytes f allocates (TotalAlloc, on this goroutine's
// quiet process: the tests of this file do not run in parallel).
func allocated(f func()) int64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return int64(b.TotalAlloc - a.TotalAlloc)
}

// The estimate is within [0.7, 2]× of what Train allocates before its
// first step (network, optimizer, trainer, best weights, shuffled rows; it
// also counts what comes later: the checkpoint, the metrics' buffers), and
// its network part within 15 % of what the constructor allocates.
func TestEstimate_WithinTrainAllocation(t *testing.T) {
	ds := memoryData()
	for _, p := range memoryCases() {
		est := Estimate(ds, p)
		p = p.WithDefaults()
		maxSplit := max(len(ds.Train), len(ds.Valid), len(ds.Test))
		var err error
		net := allocated(func() { _, err = newReplicas(ds, p, min(p.BatchSize, maxSplit)) })
		if err != nil {
			t.Fatal(err)
		}
		var ta tally
		ta.net(ds, p, float64(min(p.BatchSize, maxSplit)))
		opt := allocated(func() { _, err = newOptimizer(p, int(ta.params-ta.state)) })
		if d := float64(est.Optimizer - opt); math.Abs(d) > 0.125*float64(opt)+1024 { // Go rounds allocations up to size classes and pages
			t.Errorf("%s with %s: optimizer estimate %d bytes, newOptimizer allocates %d", p.Model, p.Optimizer, est.Optimizer, opt)
		}
		setup := allocated(func() { err = trainSetup(ds, p, maxSplit) })
		if err != nil {
			t.Fatal(err)
		}
		r, rn := float64(est.Total())/float64(setup), float64(est.Params+est.Batch)/float64(net)
		t.Logf("%-8s %-8s bn=%-5v estimate %6.2f MB, setup allocates %6.2f MB (%.2f×); network %6.2f MB, allocates %6.2f MB (%.3f×)",
			p.Model, p.Optimizer, p.BatchNorm, mb(est.Total()), mb(setup), r, mb(est.Params+est.Batch), mb(net), rn)
		if r < 0.7 || r > 2 {
			t.Errorf("%s %+v: estimate %d bytes is %.2f× the %d Train's setup allocates, want 0.7–2", p.Model, p, est.Total(), r, setup)
		}
		if rn < 0.85 || rn > 1.15 {
			t.Errorf("%s %+v: network estimate %d bytes is %.3f× the %d newNet allocates, want 0.85–1.15", p.Model, p, est.Params+est.Batch, rn, net)
		}
	}
}

// trainSetup allocates what Train does before its first step.
func trainSetup(ds *dataset.Dataset, p Params, maxSplit int) error {
	tr, err := newTrainer(ds, p, maxSplit, nil)
	if err != nil {
		return err
	}
	defer tr.close()
	best, perm := slices.Clone(tr.net.params().W), slices.Clone(ds.Train)
	runtime.KeepAlive(tr)
	runtime.KeepAlive(best)
	runtime.KeepAlive(perm)
	return nil
}

func mb(b int64) float64 { return float64(b) / 1e6 }

// Absurd sizes give an estimate far above any machine, at once and without
// allocating it; sizes at every limit saturate instead of overflowing.
// logreg reads no size a spec sets but batch_size, which the data caps.
func TestEstimate_Absurd(t *testing.T) {
	ds := memoryData()
	embed, _ := LookupHyper("embed_dim")
	for _, m := range Models() {
		p := Params{Model: m, EmbedDim: 100_000_000}
		var est int64
		if a := allocated(func() { est = EstimateBytes(ds, p) }); a > 1<<20 {
			t.Errorf("%s: estimating allocated %d bytes", m, a)
		}
		if big := est > 1<<40; big != embed.UsedByModel(m) {
			t.Errorf("%s with embed_dim 1e8: estimate %d bytes; more than 1 TiB: %v, want %v (the model reads embed_dim)", m, est, big, !big)
		}
		huge := Params{Model: m, EmbedDim: math.MaxInt32, BatchSize: math.MaxInt32, Hidden: []int{math.MaxInt32, math.MaxInt32},
			AttentionDim: math.MaxInt32, Heads: 1, Layers: math.MaxInt32, AttentionHidden: []int{math.MaxInt32}, MaxLen: math.MaxInt32}
		// The products overflow int64 many times over for the MLP and
		// attention models; fm's largest term, 2^31 × its vocabularies, does not.
		got := EstimateBytes(ds, huge)
		if got < est || (m != "logreg" && m != "fm" && got != math.MaxInt64) {
			t.Errorf("%s at every limit: estimate %d, want at least %d (saturated: %d)", m, got, est, int64(math.MaxInt64))
		}
	}
}
