package model

import "fmt"

// mlp is Linear → ReLU → … → Linear → 1 logit over a contiguous input
// x [B, In]:
//
//	h_0 = x
//	a_k = h_{k−1}·W_k + b_k,  h_k = relu(a_k)     k = 1..len(hidden)
//	z   = h_last·W_out + b_out                      [B, 1]
//
// Buffers are sized once for the model's capacity of B rows.
type mlp struct {
	In     int
	layers []linear    // hidden layers, then the output layer
	a, h   [][]float32 // per hidden layer: pre- and post-activation [B, H_k]
	da, dh [][]float32 // their gradients
	widths []int       // In, H_1, ..., H_last
}

// declareMLP declares the MLP's tensors in s (named prefix+"w1", "b1", …,
// "w_out", "b_out") and returns a binder to call after s.alloc().
func declareMLP(s *slab, prefix string, in int, hidden []int) func(capacity int) *mlp {
	type pair struct{ w, b int }
	var ids []pair
	widths := append([]int{in}, hidden...)
	for k := 0; k < len(hidden); k++ {
		ids = append(ids, pair{
			s.add(fmt.Sprintf("%sw%d", prefix, k+1), kindWeight, widths[k], widths[k+1]),
			s.add(fmt.Sprintf("%sb%d", prefix, k+1), kindBias, widths[k+1]),
		})
	}
	last := widths[len(widths)-1]
	ids = append(ids, pair{s.add(prefix+"w_out", kindWeight, last, 1), s.add(prefix+"b_out", kindBias, 1)})
	return func(capacity int) *mlp {
		m := &mlp{In: in, widths: widths}
		for k, id := range ids {
			o := 1
			if k < len(hidden) {
				o = hidden[k]
			}
			m.layers = append(m.layers, linear{I: widths[k], O: o, W: s.w(id.w), b: s.w(id.b), dW: s.g(id.w), db: s.g(id.b)})
		}
		for _, hk := range hidden {
			m.a = append(m.a, make([]float32, capacity*hk))
			m.h = append(m.h, make([]float32, capacity*hk))
			m.da = append(m.da, make([]float32, capacity*hk))
			m.dh = append(m.dh, make([]float32, capacity*hk))
		}
		return m
	}
}

// forward computes z [n] from x [n, In].
func (m *mlp) forward(z []float32, x []float32, n int) {
	in := x
	for k := range m.a {
		w := m.widths[k+1]
		m.layers[k].forward(m.a[k], in, m.widths[k], n)
		reluForward(m.h[k][:n*w], m.a[k][:n*w])
		in = m.h[k]
	}
	m.layers[len(m.layers)-1].forward(z, in, m.widths[len(m.widths)-1], n)
}

// backward adds the parameter gradients for dz [n] and adds dx [n, In]
// (skipped when dx is nil). The saved a_k, h_k of the last forward are used.
func (m *mlp) backward(dx []float32, dz []float32, x []float32, n int) {
	for k := range m.da {
		w := m.widths[k+1]
		clear(m.da[k][:n*w])
		clear(m.dh[k][:n*w])
	}
	last := len(m.layers) - 1
	for k := last; k >= 0; k-- {
		in, din := x, dx
		if k > 0 {
			in, din = m.h[k-1], m.dh[k-1]
		}
		dout := dz
		if k < last {
			w := m.widths[k+1]
			reluBackward(m.da[k][:n*w], m.dh[k][:n*w], m.a[k][:n*w])
			dout = m.da[k]
		}
		m.layers[k].backward(din, dout, in, m.widths[k], n)
	}
}
