package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// TestDIN_SplitFirstLayer: the attention MLP's first layer computed by blocks
// (r_i + [e_ij, v_i⊙e_ij]·[Wb − Wc; Wd]) equals q_ij·W_1 + b_1 on the old
// q_ij = [v_i, e_ij, v_i − e_ij, v_i⊙e_ij] to float32 rounding, and so do the
// scores (training and evaluation) and the first layer's weight gradient.
func TestDIN_SplitFirstLayer(t *testing.T) {
	// Two history columns (H = 2D), histories of up to 5 items.
	ds := twoHistories(synth(synthConfig{Rows: 300, Users: 10, Items: 12, Clusters: 3, HistLen: 5, Seed: 3}), 3)
	for _, train := range []bool{true, false} {
		t.Run(fmt.Sprintf("train=%v", train), func(t *testing.T) {
			p := Params{Model: "din", EmbedDim: 4, Hidden: []int{5}, AttentionHidden: []int{7, 3}}.WithDefaults()
			n := 40
			rows := ds.Train[:n]
			nt, err := newNet(ds, p, n)
			if err != nil {
				t.Fatal(err)
			}
			m := nt.(*dinNet)
			rng := rand.New(rand.NewPCG(3, 4))
			m.s.init(rng)
			for i := range m.s.W[:m.s.Trainable] { // every weight of a useful size, embeddings too
				m.s.W[i] += float32(rng.NormFloat64()) * 0.5
			}
			var step *rand.Rand
			if train {
				step = rand.New(rand.NewPCG(5, 6))
			}
			m.forward(ds, rows, make([]float32, n), step)
			in, first := m.in, &m.att.layers[0].lin
			h, a1, P := in.H, first.O, m.start[n]
			if P < n {
				t.Fatalf("%d positions in %d rows: too few to test", P, n)
			}
			// q as the unsplit formulation builds it, and its product in float64.
			q := make([]float32, P*4*h)
			for i := 0; i < n; i++ {
				v := in.v[i*h : i*h+h]
				for j := 0; j < int(in.lens[i]); j++ {
					e := in.e[(i*in.L+j)*h : (i*in.L+j)*h+h]
					qp := q[(m.start[i]+j)*4*h : (m.start[i]+j+1)*4*h]
					for c := range h {
						qp[c], qp[h+c], qp[2*h+c], qp[3*h+c] = v[c], e[c], v[c]-e[c], v[c]*e[c]
					}
				}
			}
			pre := m.att.pre()
			for pos := 0; pos < P; pos++ {
				for o := 0; o < a1; o++ {
					want, mag := float64(first.b[o]), math.Abs(float64(first.b[o]))
					for c := 0; c < 4*h; c++ {
						x := float64(q[pos*4*h+c]) * float64(first.W[c*a1+o])
						want, mag = want+x, mag+math.Abs(x)
					}
					if got := float64(pre[pos*a1+o]); math.Abs(got-want) > 1e-5*mag {
						t.Fatalf("position %d unit %d: split %g, concatenated %g (terms' magnitude %g)", pos, o, got, want, mag)
					}
				}
			}
			// The scores: the same MLP run on q through its own first layer.
			split := cloneF(m.sc[:P])
			ref := make([]float32, P)
			m.att.forward(ref, q, P, step)
			for pos := range P {
				if d := math.Abs(float64(split[pos] - ref[pos])); d > 1e-4*(1+math.Abs(float64(ref[pos]))) {
					t.Fatalf("position %d: score %g split, %g concatenated", pos, split[pos], ref[pos])
				}
			}
			checkSplitWeightGradient(t, m, ds, rows, q, step)
		})
	}
}

// checkSplitWeightGradient runs din's backward after a forward and checks
// the attention MLP's first-layer weight gradient against Σ_ij q_ij⊗dp_ij.
func checkSplitWeightGradient(t *testing.T, m *dinNet, ds *dataset.Dataset, rows []int32, q []float32, step *rand.Rand) {
	t.Helper()
	in, first := m.in, &m.att.layers[0].lin
	n, h, a1 := len(rows), in.H, first.O
	m.forward(ds, rows, make([]float32, n), step) // the split forward again, after the test's own
	P := m.start[n]
	clear(m.s.G)
	dz := make([]float32, n)
	for i := range dz {
		dz[i] = float32(i%7) - 3
	}
	m.backward(dz)
	dp := m.att.dpre()
	for c := 0; c < 4*h; c++ {
		for o := 0; o < a1; o++ {
			var want, mag float64
			for pos := 0; pos < P; pos++ {
				x := float64(q[pos*4*h+c]) * float64(dp[pos*a1+o])
				want, mag = want+x, mag+math.Abs(x)
			}
			if got := float64(first.dW[c*a1+o]); math.Abs(got-want) > 1e-5*mag+1e-30 {
				t.Fatalf("dW_1[%d, %d] (block %d): split %g, Σ q⊗dp %g (magnitude %g)", c, o, c/h, got, want, mag)
			}
		}
	}
}

// TestDIN_NoAttentionLayer: the split needs a first hidden layer; an empty
// list is an error, not a panic.
func TestDIN_NoAttentionLayer(t *testing.T) {
	ds := synth(synthConfig{Rows: 50, Users: 5, Items: 6, Clusters: 2, HistLen: 3, Seed: 1})
	_, err := newNet(ds, Params{Model: "din", EmbedDim: 4, AttentionHidden: []int{}}.WithDefaults(), 8)
	if err == nil || !strings.Contains(err.Error(), "attention_hidden") {
		t.Fatalf("empty attention_hidden: err %v, want one naming attention_hidden", err)
	}
}
