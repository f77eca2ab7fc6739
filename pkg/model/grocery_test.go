package model

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// TestDot_GroceryDiagnostics measures why dot's attention stays uniform on
// the Grocery histories (BENCHMARKS.md, "Accuracy", Grocery): after each
// epoch, on 1,024 validation rows, the RMS of the embedding values the
// attention reads, the spread of the scores a_j within a row, how far the
// weights are from 1/len, and, for one training batch, the share of the
// candidate embedding's gradient that comes through the attention scores.
// A long run: only with ATTNSWEEP_LONG=1; skips without ../shared/data.
func TestDot_GroceryDiagnostics(t *testing.T) {
	if os.Getenv("ATTNSWEEP_LONG") != "1" {
		t.Skip("long run: set ATTNSWEEP_LONG=1")
	}
	ds := sharedData(t, "grocery", dataset.Columns{Categorical: []string{"user_id", "item_id", "cate_id", "hist_len"},
		Sequences: []dataset.SeqSpec{{Column: "hist_item", Target: "item_id", MaxLen: 20}, {Column: "hist_cate", Target: "cate_id", MaxLen: 20}}})
	variants := []Params{
		{History: "first"},
		{},
		{DotTemperature: true},
		{AttentionDim: 32},
		{AttentionDim: 32, DotTemperature: true},
	}
	for _, v := range variants {
		p := v
		p.Model, p.EmbedDim, p.Hidden, p.BatchSize, p.LR, p.Seed = "dot", 16, []int{200, 80}, 1024, 1e-3, 1
		p = p.WithDefaults()
		tr := newTestTrainer(t, ds, p)
		s := tr.net.params()
		s.init(rand.New(rand.NewPCG(p.Seed, streamInit)))
		perm := slices.Clone(ds.Train)
		shuffle := rand.New(rand.NewPCG(p.Seed, streamShuffle))
		t.Logf("dot history=%q attention_dim=%d temperature=%v", p.History, p.AttentionDim, p.DotTemperature)
		for epoch := 0; epoch <= 4; epoch++ {
			if epoch > 0 {
				shuffle.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
				if _, err := tr.epoch(context.Background(), perm, p.LR, epoch); err != nil {
					t.Fatal(err)
				}
			}
			valid, err := tr.evaluate(context.Background(), ds.Valid)
			if err != nil {
				t.Fatal(err)
			}
			d := dotDiagnostics(tr, ds.Valid[:1024], ds.Train[:1024])
			theta := 0.0
			if m := tr.net.(*dotNet); m.theta != nil {
				theta = float64(m.theta[0])
			}
			t.Logf("  epoch %d: valid AUC %.4f | embedding RMS %.2e | score spread (max−min) %.2e | max|w−1/len|·len %.2e | attention's share of ‖dL/dv‖ %.2e | θ %.3f",
				epoch, valid.AUC, d.rms, d.spread, d.dev, d.share, theta)
		}
	}
}

// sharedData loads ../shared/data/NAME/{train,valid,test}.parquet (beside
// the clone) with cols, and skips the test when the files are absent.
func sharedData(t testing.TB, name string, cols dataset.Columns) *dataset.Dataset {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "data", name)
	if _, err := os.Stat(filepath.Join(dir, "train.parquet")); err != nil {
		t.Skipf("%s data not found in %s (it lives beside the clone in shared/data): %v", name, dir, err)
	}
	ds, err := dataset.Load(dataset.Source{
		Train: []string{filepath.Join(dir, "train.parquet")},
		Valid: []string{filepath.Join(dir, "valid.parquet")},
		Test:  []string{filepath.Join(dir, "test.parquet")},
	}, cols)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

type dotDiag struct{ rms, spread, dev, share float64 }

// dotDiagnostics: score statistics on evalRows (evaluation mode), the
// gradient split on trainRows (training mode, no update).
func dotDiagnostics(tr *trainer, evalRows, trainRows []int32) dotDiag {
	m := tr.net.(*dotNet)
	in := m.in
	z := tr.z[:len(evalRows)]
	m.forward(tr.ds, evalRows, z, nil)
	var d dotDiag
	var ss float64
	var cnt, rowsWith int
	for i := range evalRows {
		ln := int(in.lens[i])
		for _, x := range in.e[i*in.L*in.H : (i*in.L+ln)*in.H] {
			ss += float64(x) * float64(x)
			cnt++
		}
		if ln < 2 {
			continue
		}
		rowsWith++
		lo, hi, dev := math.Inf(1), math.Inf(-1), 0.0
		for _, w := range m.w[i*in.L : i*in.L+ln] {
			a := math.Log(float64(w)) // the scores up to a constant: w = softmax(a)
			lo, hi = min(lo, a), max(hi, a)
			dev = max(dev, math.Abs(float64(w)-1/float64(ln))*float64(ln))
		}
		d.spread += hi - lo
		d.dev += dev
	}
	d.rms = math.Sqrt(ss / float64(cnt))
	d.spread /= float64(rowsWith)
	d.dev /= float64(rowsWith)

	// Gradient split: dL/dv through the scores, Σ_j da_j·c·k_j (plain form:
	// k = e), against dL/dv in all (what the step hands the table).
	n := len(trainRows)
	y := tr.y[:n]
	for j, r := range trainRows {
		y[j] = tr.ds.Label[r]
	}
	zt, dz := tr.z[:n], tr.dz[:n]
	m.forward(tr.ds, trainRows, zt, nil)
	clear(dz)
	bceBackward(dz, zt, y, 1/float32(n))
	s := m.params()
	m.backward(dz)
	var attSS, allSS float64
	h, L := in.H, in.L
	for i := 0; i < n; i++ {
		ln := int(in.lens[i])
		du := m.dx[i*m.din+m.uOff : i*m.din+m.uOff+h]
		w := m.w[i*L : i*L+ln]
		dw := make([]float64, ln)
		var sum float64
		for j := 0; j < ln; j++ {
			dw[j] = float64(dot(du, in.e[(i*L+j)*h:(i*L+j)*h+h]))
			sum += float64(w[j]) * dw[j]
		}
		for c := 0; c < h; c++ {
			var g float64
			for j := 0; j < ln; j++ {
				g += float64(w[j]) * (dw[j] - sum) * float64(m.att.Scale) * float64(in.e[(i*L+j)*h+c])
			}
			attSS += g * g
			v := in.dv[i*h+c]
			allSS += float64(v) * float64(v)
		}
	}
	clear(s.G)
	d.share = math.Sqrt(attSS / allSS)
	if m.wk != nil || m.uniform {
		d.share = math.NaN() // through projections the sum above is not the gradient
	}
	return d
}
