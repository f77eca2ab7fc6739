package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// net is one model: its parameters in one slab, and buffers for a batch of
// up to capacity rows, allocated once at construction.
//
// forward reads the rows' columns from the dataset (copying the ids it needs
// into its own buffers, never writing the dataset) and writes one logit per
// row. rng is the dropout randomness of a training step; nil means
// evaluation (no dropout, BatchNorm on its running statistics). backward
// takes dL/dlogit for the rows of the last forward (a training one) and ADDS
// the parameter gradients into the slab's G (the caller zeroes G once per
// step). Neither allocates.
type net interface {
	params() *slab
	capacity() int
	forward(ds *dataset.Dataset, rows []int32, logits []float32, rng *rand.Rand)
	backward(dlogits []float32)
}

// attender is a net whose forward saves attention weights.
type attender interface {
	// attention returns, for row i of the last forward, what the weights are
	// over (history item ids, or field indices for AutoInt) and the weights
	// per head or layer, as copies the caller keeps. A row without anything
	// to attend to gives empty slices.
	attention(i int) (items []int32, weights [][]float32)
}

// newNet builds the model p.Model (p already defaulted) for ds with batch
// buffers for capacity rows. The weights are zero: Train initialises them,
// Load overwrites them. The models are listed in registry.go.
func newNet(ds *dataset.Dataset, p Params, capacity int) (net, error) {
	if mi, ok := LookupModel(p.Model); ok {
		return mi.build(ds, p, capacity)
	}
	return nil, fmt.Errorf("model: unknown model %q (known: %s)", p.Model, strings.Join(Models(), ", "))
}

// validateData checks that ds is consistent with its schema: column lengths,
// ids inside their vocabularies, history and pooled list lengths, labels in [0, 1], finite
// dense values and split rows in range. Train and Load call it once, so the
// kernels can trust the data.
func validateData(ds *dataset.Dataset) error {
	if ds == nil {
		return fmt.Errorf("model: dataset is nil")
	}
	sc := ds.Schema
	n := ds.N
	if len(ds.Label) != n {
		return fmt.Errorf("model: dataset: label column has %d rows, want N=%d", len(ds.Label), n)
	}
	for r, y := range ds.Label {
		if !(y >= 0 && y <= 1) {
			return fmt.Errorf("model: dataset: label column %q: row %d: label %v, want 0..1", sc.Label, r, y)
		}
	}
	if len(ds.Cat) != len(sc.Categorical) {
		return fmt.Errorf("model: dataset: %d categorical columns, schema has %d", len(ds.Cat), len(sc.Categorical))
	}
	for f, col := range ds.Cat {
		fd := sc.Categorical[f]
		if len(col) != n {
			return fmt.Errorf("model: dataset: categorical column %q has %d rows, want %d", fd.Name, len(col), n)
		}
		for r, id := range col {
			if id < 0 || int(id) >= fd.Vocab {
				return fmt.Errorf("model: dataset: categorical column %q: row %d: id %d outside vocabulary [0, %d)", fd.Name, r, id, fd.Vocab)
			}
		}
	}
	if len(ds.Dense) != len(sc.Dense) {
		return fmt.Errorf("model: dataset: %d dense columns, schema has %d", len(ds.Dense), len(sc.Dense))
	}
	for k, col := range ds.Dense {
		if len(col) != n {
			return fmt.Errorf("model: dataset: dense column %q has %d rows, want %d", sc.Dense[k], len(col), n)
		}
		for r, x := range col {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fmt.Errorf("model: dataset: dense column %q: row %d: value %v is not finite", sc.Dense[k], r, x)
			}
		}
	}
	if len(ds.Seq) != len(sc.Sequences) {
		return fmt.Errorf("model: dataset: %d sequence columns, schema has %d", len(ds.Seq), len(sc.Sequences))
	}
	for k, sq := range ds.Seq {
		sd := sc.Sequences[k]
		if sd.Field < 0 || sd.Field >= len(sc.Categorical) {
			return fmt.Errorf("model: dataset: sequence %q: target field %d outside [0, %d)", sd.Name, sd.Field, len(sc.Categorical))
		}
		vocab := sc.Categorical[sd.Field].Vocab
		if sq.MaxLen < 0 || len(sq.IDs) != n*sq.MaxLen || len(sq.Len) != n {
			return fmt.Errorf("model: dataset: sequence %q: %d ids and %d lengths, want %d×%d and %d", sd.Name, len(sq.IDs), len(sq.Len), n, sq.MaxLen, n)
		}
		for r, l := range sq.Len {
			if l < 0 || int(l) > sq.MaxLen {
				return fmt.Errorf("model: dataset: sequence %q: row %d: length %d outside 0..%d", sd.Name, r, l, sq.MaxLen)
			}
		}
		for j, id := range sq.IDs {
			if id < 0 || int(id) >= vocab {
				return fmt.Errorf("model: dataset: sequence %q: row %d: id %d outside vocabulary [0, %d)", sd.Name, j/max(sq.MaxLen, 1), id, vocab)
			}
		}
	}
	if len(ds.Pooled) != len(sc.Pooled) {
		return fmt.Errorf("model: dataset: %d pooled columns, schema has %d", len(ds.Pooled), len(sc.Pooled))
	}
	for k, pc := range ds.Pooled {
		fd := sc.Pooled[k]
		if pc.MaxLen < 0 || len(pc.IDs) != n*pc.MaxLen || len(pc.Len) != n {
			return fmt.Errorf("model: dataset: pooled column %q: %d ids and %d lengths, want %d×%d and %d", fd.Name, len(pc.IDs), len(pc.Len), n, pc.MaxLen, n)
		}
		for r, l := range pc.Len {
			if l < 0 || int(l) > pc.MaxLen {
				return fmt.Errorf("model: dataset: pooled column %q: row %d: length %d outside 0..%d", fd.Name, r, l, pc.MaxLen)
			}
		}
		for j, id := range pc.IDs {
			if id < 0 || int(id) >= fd.Vocab {
				return fmt.Errorf("model: dataset: pooled column %q: row %d: id %d outside vocabulary [0, %d)", fd.Name, j/max(pc.MaxLen, 1), id, fd.Vocab)
			}
		}
	}
	for _, name := range dataset.SplitNames {
		for _, r := range ds.Split(name) {
			if r < 0 || int(r) >= n {
				return fmt.Errorf("model: dataset: %s split: row %d outside [0, %d)", name, r, n)
			}
		}
	}
	return nil
}

// mainMLPOpts are the options of a model's main MLP from p: Hidden,
// BatchNorm, Dropout and Activation (def when Params.Activation is empty).
func mainMLPOpts(p Params, def string) mlpOpts {
	act := p.Activation
	if act == "" {
		act = def
	}
	return mlpOpts{Hidden: p.Hidden, Act: act, BatchNorm: p.BatchNorm, Dropout: p.Dropout}
}

func clone32(x []int32) []int32    { return append([]int32{}, x...) }
func cloneF(x []float32) []float32 { return append([]float32{}, x...) }
