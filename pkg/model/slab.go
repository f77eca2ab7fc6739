package model

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// kind says how a tensor is initialised and regularised.
type kind uint8

const (
	kindEmbedding kind = iota // N(0, embedInitStd); L2Embedding over the whole table
	kindWeight                // Glorot normal over shape [in, out]; L2Dense
	kindBias                  // zeros; no L2
	kindState                 // not trained (BatchNorm running statistics): see slab
)

func (k kind) String() string {
	switch k {
	case kindEmbedding:
		return "embedding"
	case kindWeight:
		return "weight"
	case kindBias:
		return "bias"
	case kindState:
		return "state"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// embedInitStd is the standard deviation of embedding initialisation (the
// BARS/FuxiCTR default).
const embedInitStd = 1e-4

// tensor is one named parameter tensor: a sub-slice [Off, Off+Len) of the slab.
type tensor struct {
	Name     string
	Kind     kind
	Shape    []int
	Off      int
	Len      int
	Field    int   // embeddings: the field whose ids index the rows (≥ #categorical: pooled column Field−#categorical), or −1
	Hist     []int // embeddings: the history columns (ds.Seq indices) whose ids the model also looks up here, in its order
	HistLen  int   // how many positions of each of them it reads
	ZeroInit bool  // start at 0 whatever the kind (see slab.zeroInit)
	OneInit  bool  // a bias or state tensor that starts at 1 (see slab.oneInit)
}

// slab holds every parameter of a model in one []float32 (W) and their
// gradients in another (G) of the same length, so that zeroing the gradients
// is one clear and an optimizer step is one flat loop. Tensors are declared
// with add, then alloc allocates both slices once, then w and g hand out the
// sub-slices the layers keep.
//
// Layout: the trainable tensors in declaration order, then the state tensors
// (kindState: running statistics that forward updates and the checkpoint
// keeps, but no optimizer touches). W[:Trainable] is what optimizers see;
// the state's gradients stay 0.
type slab struct {
	W, G      []float32
	Trainable int // parameters before the state region
	tensors   []tensor

	// A replica of a trial's network (parallel.go) belongs to a team and
	// runs its slice rank; layers with batch statistics sum them over the
	// team's slices through sum. Nil outside training.
	team *team
	rank int

	// l2in is the inputs whose mini-batch-aware L2 (Params.L2Batch) the
	// network applies in its backward; nil without. A trainer whose batch
	// is cut into slices takes it over, to apply it once per batch.
	l2in *inputs
}

// sum replaces v, this slice's partial sums, by the sums over the step's
// slices (parallel.go); without a team it leaves v as it is.
func (s *slab) sum(v []float64) { s.team.sum(s.rank, v) }

// add declares a tensor and returns its index. It panics after alloc.
func (s *slab) add(name string, k kind, shape ...int) int {
	if s.W != nil {
		panic("model: slab: add after alloc")
	}
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("model: slab: tensor %q has negative shape %v", name, shape))
		}
		n *= d
	}
	s.tensors = append(s.tensors, tensor{Name: name, Kind: k, Shape: append([]int(nil), shape...), Len: n, Field: -1})
	return len(s.tensors) - 1
}

// addEmb declares the embedding table [vocab, d] of categorical field
// `field` (its rows are indexed by that field's ids).
func (s *slab) addEmb(name string, field, vocab, d int) int {
	i := s.add(name, kindEmbedding, vocab, d)
	s.tensors[i].Field = field
	return i
}

// readsHistory records that the model looks up the ids of history column k
// (ds.Seq[k]), up to l positions a row, in embedding tensor i: the sparse
// update plan must then cover them (sparse.go).
func (s *slab) readsHistory(i, k, l int) {
	t := &s.tensors[i]
	t.Hist = append(t.Hist, k)
	t.HistLen = l
}

// alloc lays the declared tensors out (trainable ones first, state last)
// and allocates W and G.
func (s *slab) alloc() {
	off := 0
	for _, state := range []bool{false, true} {
		for i := range s.tensors {
			if t := &s.tensors[i]; (t.Kind == kindState) == state {
				t.Off = off
				off += t.Len
			}
		}
		if !state {
			s.Trainable = off
		}
	}
	s.W = make([]float32, off)
	s.G = make([]float32, off)
}

// w returns tensor i's weights (a view into the slab).
func (s *slab) w(i int) []float32 {
	t := s.tensors[i]
	return s.W[t.Off : t.Off+t.Len : t.Off+t.Len]
}

// g returns tensor i's gradients (a view into the slab).
func (s *slab) g(i int) []float32 {
	t := s.tensors[i]
	return s.G[t.Off : t.Off+t.Len : t.Off+t.Len]
}

// zeroInit makes tensor i start at 0 (for example the dense coefficients of
// logistic regression, where a random start only has to be unlearnt).
func (s *slab) zeroInit(i int) { s.tensors[i].ZeroInit = true }

// init fills the weights, tensor by tensor in declaration order, from rng:
// embeddings N(0, embedInitStd²), weights [in, out] Glorot normal
// N(0, 2/(in+out)), biases and ZeroInit tensors 0, state tensors 0 except
// those marked with oneInit (running variances), which start at 1.
func (s *slab) init(rng *rand.Rand) {
	for i, t := range s.tensors {
		w := s.w(i)
		if t.ZeroInit {
			clear(w)
			continue
		}
		switch t.Kind {
		case kindEmbedding:
			for j := range w {
				w[j] = float32(rng.NormFloat64() * embedInitStd)
			}
		case kindWeight:
			fanIn, fanOut := 1, 1
			if len(t.Shape) == 2 {
				fanIn, fanOut = t.Shape[0], t.Shape[1]
			}
			std := math.Sqrt(2 / float64(fanIn+fanOut))
			for j := range w {
				w[j] = float32(rng.NormFloat64() * std)
			}
		case kindBias, kindState:
			v := float32(0)
			if t.OneInit {
				v = 1
			}
			for j := range w {
				w[j] = v
			}
		}
	}
}

// oneInit makes tensor i start at 1 (BatchNorm scales, running variances).
// It applies to biases and state tensors.
func (s *slab) oneInit(i int) { s.tensors[i].OneInit = true }

// addL2 adds the gradient of (λ/2)·‖W‖² of every tensor of kind k, that is
// G += λ·W over each whole tensor. λ = 0 is a no-op.
func (s *slab) addL2(k kind, lambda float32) {
	if lambda == 0 {
		return
	}
	for i, t := range s.tensors {
		if t.Kind != k {
			continue
		}
		w, g := s.w(i), s.g(i)
		for j := range g {
			g[j] += lambda * w[j]
		}
	}
}
