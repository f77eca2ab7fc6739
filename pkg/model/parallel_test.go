package model

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// lender is a Cores that lends up to extra cores at a time and counts what
// it lent.
type lender struct {
	mu            sync.Mutex
	extra, out    int
	asked, lent   int // TryAcquire calls, cores lent in all
	maxOut, wants int
}

func (l *lender) TryAcquire(n int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := min(n, l.extra-l.out)
	l.out += k
	l.asked++
	l.lent += k
	l.maxOut = max(l.maxOut, l.out)
	l.wants = max(l.wants, n)
	return k
}

func (l *lender) Release(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.out -= n
}

// TestTrainOn_CoresDoNotChangeResults: every registered model, with
// BatchNorm, dropout and clipping on, trains to the same bits with 1, 2 and
// 3 cores: weights, curve, metrics, test scores and attention samples. The
// batch (1,024 rows) is cut into 4 slices and the last batch of an epoch
// into fewer. Each model runs twice: on one history column, and on two with
// every option that draws masks or sums over the batch (embedding dropout,
// the mini-batch-aware L2, DIN's mean pooling and dice attention, dot's
// projections and temperature).
func TestTrainOn_CoresDoNotChangeResults(t *testing.T) {
	one := synth(synthConfig{Rows: 3300, Seed: 23})
	two := twoHistories(one, 20)
	if len(one.Train)%1024 == 0 || len(one.Train)%1024 > 3*256 {
		t.Fatalf("%d train rows: want a last batch of fewer than 4 slices", len(one.Train))
	}
	for _, m := range Models() {
		for _, opts := range []bool{false, true} {
			p := smallParams(m)
			p.Epochs, p.BatchSize = 2, 1024
			p.Hidden, p.BatchNorm, p.Dropout, p.MaxGradNorm = []int{16}, true, 0.2, 1
			p.AttentionDim, p.Layers = 8, 1
			ds := one
			if opts {
				ds = two
				p.EmbeddingDropout, p.L2Batch, p.DotTemperature = 0.2, 0.05, true
				if m == "din" {
					p.DINPooling, p.AttentionActivation = "mean", "dice"
				}
			}
			t.Run(fmt.Sprintf("%s/options=%v", m, opts), func(t *testing.T) { checkCoresIdentity(t, ds, p) })
		}
	}
}

// checkCoresIdentity trains p on ds with 1, 2 and 3 cores and compares.
func checkCoresIdentity(t *testing.T, ds *dataset.Dataset, p Params) {
	if k := sliceCount(p.BatchSize, 0); k != 4 {
		t.Fatalf("batch %d: %d slices, want 4", p.BatchSize, k)
	}
	var want *Result
	for cores := 1; cores <= 3; cores++ {
		l := &lender{extra: cores - 1}
		res, err := TrainOn(context.Background(), ds, p, nil, l)
		if err != nil {
			t.Fatal(err)
		}
		if l.out != 0 || l.wants != 3 || (cores > 1 && l.maxOut != cores-1) {
			t.Fatalf("%d cores: %d not given back, asked for up to %d, %d lent at most", cores, l.out, l.wants, l.maxOut)
		}
		if want == nil {
			want = res
			continue
		}
		if !bytes.Equal(res.Checkpoint, want.Checkpoint) {
			t.Errorf("%d cores: the weights differ from 1 core's", cores)
		}
		for i, e := range res.Epochs {
			if e.TrainLoss != want.Epochs[i].TrainLoss || !sameMetrics(e.Valid, want.Epochs[i].Valid) {
				t.Errorf("%d cores: epoch %d: loss %v, valid %+v; 1 core: %v, %+v", cores, i+1, e.TrainLoss, e.Valid, want.Epochs[i].TrainLoss, want.Epochs[i].Valid)
			}
		}
		for s, f := range res.Final {
			if !sameMetrics(f, want.Final[s]) {
				t.Errorf("%d cores: final %s metrics differ", cores, s)
			}
		}
		if !slices.Equal(res.TestScores, want.TestScores) || !equalAttention(res.Attention, want.Attention) {
			t.Errorf("%d cores: test scores or attention samples differ", cores)
		}
	}
}

func equalAttention(a, b []AttentionSample) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Row != b[i].Row || a[i].Score != b[i].Score || !slices.Equal(a[i].Items, b[i].Items) ||
			!slices.EqualFunc(a[i].Weights, b[i].Weights, slices.Equal) {
			return false
		}
	}
	return true
}

// TestBatchNorm_Slices: BatchNorm on a batch cut into 3 slices of a team
// (one of them empty) gives the whole batch's outputs, running statistics
// and gradients, up to rounding.
func TestBatchNorm_Slices(t *testing.T) {
	const c = 5
	rows := []int{7, 0, 4}
	n := 11
	rng := rand.New(rand.NewPCG(1, 2))
	x, dy := randSlice(rng, n*c), randSlice(rng, n*c)
	for i := range x {
		x[i] = 3*x[i] + 1
	}
	mk := func() (*slab, *batchNorm) {
		s := &slab{}
		bind := declareBatchNorm(s, "bn_", c, true, 1e-5)
		s.alloc()
		s.init(rand.New(rand.NewPCG(5, 6)))
		for j := range s.W[:s.Trainable] { // γ, β away from 1, 0
			s.W[j] += 0.3 * float32(j%3)
		}
		return s, bind(n)
	}
	_, ref := mk()
	y := make([]float32, n*c)
	ref.forward(y, x, n, true)
	dx := make([]float32, n*c)
	ref.backward(dx, dy)

	tm := newTeam(len(rows), nil)
	defer tm.close()
	var bns []*batchNorm
	for j := range rows {
		s, bn := mk()
		s.team, s.rank = tm, j
		bns = append(bns, bn)
	}
	ys, dxs := make([]float32, n*c), make([]float32, n*c)
	job := func(j int) {
		lo := 0
		for _, r := range rows[:j] {
			lo += r
		}
		hi := lo + rows[j]
		bns[j].forward(ys[lo*c:hi*c], x[lo*c:hi*c], rows[j], true)
		bns[j].backward(dxs[lo*c:hi*c], dy[lo*c:hi*c])
	}
	tm.run(len(rows), job, false)
	near := func(what string, got, want []float32) {
		t.Helper()
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 1e-5*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("%s[%d] = %v, whole batch %v", what, i, got[i], want[i])
			}
		}
	}
	near("y", ys, y)
	near("dx", dxs, dx)
	dgamma := make([]float32, c)
	for j := range bns {
		for k := range dgamma {
			dgamma[k] += bns[j].dgamma[k]
		}
		near("running mean", bns[j].runMean, ref.runMean)
		near("running var", bns[j].runVar, ref.runVar)
	}
	near("dgamma", dgamma, ref.dgamma)
	if bns[0].total != n {
		t.Errorf("batch rows %d, want %d", bns[0].total, n)
	}
}

// TestTeam_PanicInASlice: a slice that panics while the others wait at a
// barrier stops the run with its message, on the calling goroutine, and
// the team still works after it.
func TestTeam_PanicInASlice(t *testing.T) {
	tm := newTeam(3, &lender{extra: 2})
	defer tm.close()
	v := make([][]float64, 3)
	job := func(j int) {
		if j == 2 {
			panic("boom")
		}
		v[j] = []float64{float64(j)}
		tm.sum(j, v[j])
	}
	func() {
		defer func() {
			r := recover()
			if s, _ := r.(string); !strings.Contains(s, "boom") || !strings.Contains(s, "slice 2") {
				t.Errorf("recovered %v, want the slice's panic", r)
			}
		}()
		tm.run(3, job, false)
		t.Error("run returned")
	}()
	tm.run(3, func(j int) {
		v[j] = []float64{float64(j + 1)}
		tm.sum(j, v[j])
	}, false)
	for j := range v {
		if v[j][0] != 6 {
			t.Errorf("slice %d: sum %v, want 6", j, v[j][0])
		}
	}
}

// BenchmarkTrainCores times one epoch of a Frappe trial (the BARS dnn:
// [400, 400, 400], BatchNorm, dropout 0.2, batch 4096, clipping; autoint
// with the BARS network) on 1 core and on 2, step by step in lockstep: two
// trainers from the same initial weights take the same batch one after the
// other, so that both see the same load on a shared machine. It reports
// samples/s of each (over the epoch) and the median over the steps of the
// 1-core step time over the 2-core one (speedup). After the epoch the two
// must hold the same weights, bit for bit. machine-speedup is what the
// machine gave a plain loop on 2 goroutines right after (machineSpeedup):
// on a shared machine the second core may not be there. One op is one
// epoch of each; run with -benchtime 1x; skipped without ../shared/data.
func BenchmarkTrainCores(b *testing.B) {
	ds := sharedData(b, "frappe_x1", dataset.Columns{})
	for _, p := range []Params{
		{Model: "dnn", L2Embedding: 0.05, BatchNorm: true, Dropout: 0.2, MaxGradNorm: 10, Seed: 1},
		{Model: "autoint", L2Embedding: 0.05, Layers: 6, Heads: 4, AttentionDim: 128, MaxGradNorm: 10, Seed: 1},
	} {
		p = p.WithDefaults()
		b.Run(p.Model, func(b *testing.B) {
			var trs [2]*trainer
			for c := range trs {
				tr, err := newTrainer(ds, p, len(ds.Train), &lender{extra: c})
				if err != nil {
					b.Fatal(err)
				}
				defer tr.close()
				trs[c] = tr
			}
			var took [2]time.Duration
			var ratios []float64
			for b.Loop() {
				for _, tr := range trs {
					tr.init(rand.New(rand.NewPCG(p.Seed, streamInit)))
					tr.opt, _ = newOptimizer(p, tr.net.params().Trainable)
				}
				for i := 0; i < len(ds.Train); i += p.BatchSize {
					rows := ds.Train[i:min(i+p.BatchSize, len(ds.Train))]
					var d [2]time.Duration
					for c, tr := range trs {
						start := time.Now()
						tr.step(rows, p.LR, tr.net.params())
						d[c] = time.Since(start)
						took[c] += d[c]
					}
					ratios = append(ratios, d[0].Seconds()/d[1].Seconds())
				}
			}
			n := float64(len(ds.Train)) * float64(b.N)
			b.ReportMetric(n/took[0].Seconds(), "samples/s-1core")
			b.ReportMetric(n/took[1].Seconds(), "samples/s-2cores")
			slices.Sort(ratios)
			b.ReportMetric(ratios[len(ratios)/2], "speedup")
			b.ReportMetric(machineSpeedup(), "machine-speedup")
			if !slices.Equal(trs[0].net.params().W, trs[1].net.params().W) {
				b.Error("2 cores: the weights after the epoch differ from 1 core's")
			}
		})
	}
}

// machineSpeedup times a loop of float additions twice on one goroutine
// and once on each of two goroutines at the same time: the speed-up a
// perfectly parallel job gets from this machine now (2 when both cores are
// free). The median of 5 tries.
func machineSpeedup() float64 {
	spin := func() float64 {
		s := 0.0
		for i := 0; i < 50_000_000; i++ {
			s += float64(i & 7)
		}
		return s
	}
	var r []float64
	for range 5 {
		t := time.Now()
		spin()
		spin()
		one := time.Since(t)
		t = time.Now()
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() { spin() })
		}
		wg.Wait()
		r = append(r, one.Seconds()/time.Since(t).Seconds())
	}
	slices.Sort(r)
	return r[2]
}

// TestStep_SlicesMatchWholeBatch: one SGD step of a batch cut into 4 slices
// moves every model's weights as the gradient of the whole batch on one
// network says, up to rounding: the slices' gradients, BatchNorm's and
// Dice's batch statistics and the mini-batch-aware L2 (applied once a batch
// even to a table row that several slices use) add up to the batch's.
func TestStep_SlicesMatchWholeBatch(t *testing.T) {
	ds := twoHistories(synth(synthConfig{Rows: 3300, Seed: 23}), 20)
	for _, m := range Models() {
		p := smallParams(m)
		p.BatchSize, p.Optimizer, p.Hidden, p.BatchNorm = 1024, "sgd", []int{16}, true
		p.AttentionDim, p.Layers, p.L2Batch, p.DotTemperature = 8, 1, 1, true
		if m == "din" {
			p.AttentionActivation = "dice"
		}
		p = p.WithDefaults()
		tr := newTestTrainer(t, ds, p)
		if len(tr.reps) != 4 {
			t.Fatalf("%s: %d slices, want 4", m, len(tr.reps))
		}
		s := tr.net.params()
		tr.init(rand.New(rand.NewPCG(1, 2)))
		w0 := slices.Clone(s.W)
		rows := ds.Train[:1024]
		tr.step(rows, 1, s) // w ← w − g

		ref, err := newNet(ds, p, len(rows))
		if err != nil {
			t.Fatal(err)
		}
		rs := ref.params()
		copy(rs.W, w0)
		z, dz, y := make([]float32, len(rows)), make([]float32, len(rows)), make([]float32, len(rows))
		for i, r := range rows {
			y[i] = ds.Label[r]
		}
		ref.forward(ds, rows, z, rand.New(rand.NewPCG(3, 4)))
		bceBackward(dz, z, y, 1/float32(len(rows)))
		ref.backward(dz)
		rs.addL2(kindEmbedding, float32(p.L2Embedding))
		rs.addL2(kindWeight, float32(p.L2Dense))
		var gmax float64
		for _, g := range rs.G[:rs.Trainable] {
			gmax = math.Max(gmax, math.Abs(float64(g)))
		}
		bad := 0
		for i, g := range rs.G[:rs.Trainable] {
			got := float64(w0[i]) - float64(s.W[i])
			if d := math.Abs(got - float64(g)); d > 1e-4*math.Abs(float64(g))+1e-5*gmax && bad < 3 {
				bad++
				t.Errorf("%s: parameter %d moved by %v, the whole batch's gradient is %v", m, i, got, g)
			}
		}
	}
}
