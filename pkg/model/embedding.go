package model

import "fmt"

// Dimension letters used in the layer docs:
//
//	B  rows in the batch (n ≤ the capacity the model was built for)
//	V  vocabulary size of a field (ids in [0, V))
//	D  embedding dimension
//	L  history length (MaxLen of a sequence column)
//	I, O  input and output width of a linear layer
//
// Every Backward ADDS into its gradients, both the parameter gradients in
// the slab and the gradients of its inputs; a model zeroes them once per step.

// embedding is a lookup table E [V, D].
//
//	out[i, :] = E[ids[i], :]
//
// Row i of out starts at out[i*ldo], so a lookup can write straight into its
// slot of a wider concatenated buffer.
type embedding struct {
	V, D  int
	E, dE []float32 // [V*D], views into the model's slab
}

// forward gathers: out[i*ldo : i*ldo+D] = E[ids[i]*D : ids[i]*D+D] for every i.
// It panics when an id is outside [0, V) or out is too short.
func (e *embedding) forward(out []float32, ldo int, ids []int32) {
	if len(ids) == 0 {
		return
	}
	if want := (len(ids)-1)*ldo + e.D; len(out) < want || ldo < e.D {
		panic(fmt.Sprintf("model: embedding: out len %d (ld %d), want %d (ld ≥ %d)", len(out), ldo, want, e.D))
	}
	d := e.D
	for i, id := range ids {
		if uint32(id) >= uint32(e.V) {
			panic(fmt.Sprintf("model: embedding: id %d out of range [0, %d)", id, e.V))
		}
		copy(out[i*ldo:i*ldo+d], e.E[int(id)*d:int(id)*d+d])
	}
}

// backward scatters: dE[ids[i], :] += dout[i*ldo : i*ldo+D]. Rows used twice
// in a batch receive both contributions, in batch order.
func (e *embedding) backward(dout []float32, ldo int, ids []int32) {
	if len(ids) == 0 {
		return
	}
	if want := (len(ids)-1)*ldo + e.D; len(dout) < want || ldo < e.D {
		panic(fmt.Sprintf("model: embedding: dout len %d (ld %d), want %d (ld ≥ %d)", len(dout), ldo, want, e.D))
	}
	d := e.D
	for i, id := range ids {
		if uint32(id) >= uint32(e.V) {
			panic(fmt.Sprintf("model: embedding: id %d out of range [0, %d)", id, e.V))
		}
		axpy(e.dE[int(id)*d:int(id)*d+d], 1, dout[i*ldo:i*ldo+d]) // fma(1, x, y) = x + y exactly
	}
}

// addL2 adds the gradient of (λ/2)·‖E‖² over the whole table: dE += λ·E.
// (Models regularise through slab.addL2, which does the same for every
// embedding tensor at once; this is the per-layer form the tests use.)
func (e *embedding) addL2(lambda float32) {
	for j := range e.dE {
		e.dE[j] += lambda * e.E[j]
	}
}
