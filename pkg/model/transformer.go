package model

import "fmt"

// transformerBlock is one post-norm Transformer encoder block over the T
// tokens of each row, X [n, T, D]:
//
//	A = SelfAttention(X)             heads H, attention dim Da, scaled, keys masked
//	S = LayerNorm1(X + A·Wo)         Wo [Da, D], no bias
//	F = relu(S·W1 + b1)·W2 + b2      the feed-forward net, hidden 4·D
//	Y = LayerNorm2(S + F)
//
// Backward runs the lines in reverse; both residual paths add their
// gradient to the one coming through the layer.
type transformerBlock struct {
	T, D, Da, Dff int
	sa            *selfAttention
	wo            linear
	ln1, ln2      *layerNorm
	ff1, ff2      linear
	n             int
	x             []float32 // input of the last forward (a view)

	att, datt []float32 // [cap·T, Da]
	s1, ds1   []float32 // [cap·T, D] X + A·Wo
	s, ds     []float32 // [cap·T, D] S
	h, dh     []float32 // [cap·T, Dff] pre-activation
	r, dr     []float32 // [cap·T, Dff] relu
	s2, ds2   []float32 // [cap·T, D] S + F
}

func declareTransformer(s *slab, prefix string, t, d, da, heads, tail int) func(capacity int) *transformerBlock {
	bindSA := declareSelfAttention(s, prefix+"att_", t, d, da, heads, false, true, tail, 0)
	oID := s.add(prefix+"wo", kindWeight, da, d)
	bindLN1 := declareLayerNorm(s, prefix+"ln1_", d)
	dff := 4 * d
	w1 := s.add(prefix+"ffn_w1", kindWeight, d, dff)
	b1 := s.add(prefix+"ffn_b1", kindBias, dff)
	w2 := s.add(prefix+"ffn_w2", kindWeight, dff, d)
	b2 := s.add(prefix+"ffn_b2", kindBias, d)
	bindLN2 := declareLayerNorm(s, prefix+"ln2_", d)
	return func(capacity int) *transformerBlock {
		rows := capacity * t
		tb := &transformerBlock{T: t, D: d, Da: da, Dff: dff, sa: bindSA(capacity),
			wo:  linear{I: da, O: d, W: s.w(oID), dW: s.g(oID)},
			ln1: bindLN1(rows), ln2: bindLN2(rows),
			ff1: linear{I: d, O: dff, W: s.w(w1), b: s.w(b1), dW: s.g(w1), db: s.g(b1)},
			ff2: linear{I: dff, O: d, W: s.w(w2), b: s.w(b2), dW: s.g(w2), db: s.g(b2)},
		}
		mk := func(w int) ([]float32, []float32) { return make([]float32, rows*w), make([]float32, rows*w) }
		tb.att, tb.datt = mk(da)
		tb.s1, tb.ds1 = mk(d)
		tb.s, tb.ds = mk(d)
		tb.h, tb.dh = mk(dff)
		tb.r, tb.dr = mk(dff)
		tb.s2, tb.ds2 = mk(d)
		return tb
	}
}

// forward writes y [n, T, D] from x [n, T, D] with the key mask lens (see
// selfAttention).
func (tb *transformerBlock) forward(y, x []float32, lens []int32, n int) {
	rows, d := n*tb.T, tb.D
	if len(y) < rows*d || len(x) < rows*d {
		panic(fmt.Sprintf("model: transformer: x len %d, y len %d, want %d", len(x), len(y), rows*d))
	}
	tb.n, tb.x = n, x
	tb.sa.forward(tb.att, x, lens, n, nil) // no dropout in BST's attention
	tb.wo.forward(tb.s1, tb.att, tb.Da, rows)
	for j, v := range x[:rows*d] {
		tb.s1[j] += v
	}
	tb.ln1.forward(tb.s, tb.s1, rows)
	tb.ff1.forward(tb.h, tb.s, d, rows)
	reluForward(tb.r[:rows*tb.Dff], tb.h[:rows*tb.Dff])
	tb.ff2.forward(tb.s2, tb.r, tb.Dff, rows)
	for j, v := range tb.s[:rows*d] {
		tb.s2[j] += v
	}
	tb.ln2.forward(y, tb.s2, rows)
}

// backward adds dx [n, T, D] for dy [n, T, D].
func (tb *transformerBlock) backward(dx, dy []float32) {
	rows, d, dff := tb.n*tb.T, tb.D, tb.Dff
	for _, b := range [][]float32{tb.ds2[:rows*d], tb.ds[:rows*d], tb.ds1[:rows*d], tb.dh[:rows*dff], tb.dr[:rows*dff], tb.datt[:rows*tb.Da]} {
		clear(b)
	}
	tb.ln2.backward(tb.ds2, dy)
	copy(tb.ds[:rows*d], tb.ds2[:rows*d]) // residual S → S + F
	tb.ff2.backward(tb.dr, tb.ds2, tb.r, dff, rows)
	reluBackward(tb.dh[:rows*dff], tb.dr[:rows*dff], tb.h[:rows*dff])
	tb.ff1.backward(tb.ds, tb.dh, tb.s, d, rows)
	tb.ln1.backward(tb.ds1, tb.ds)
	for j, g := range tb.ds1[:rows*d] { // residual X → X + A·Wo
		dx[j] += g
	}
	tb.wo.backward(tb.datt, tb.ds1, tb.att, tb.Da, rows)
	tb.sa.backward(dx, tb.datt)
}
