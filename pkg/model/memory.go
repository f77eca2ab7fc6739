package model

import (
	"cmp"
	"math"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// Memory is what one trial holds at its peak, in bytes, by part, before
// Train allocates any of it. A sweep compares the total with its memory
// budget, so that a spec with absurd sizes (embed_dim 10^8) fails its trial
// with a message instead of growing until the kernel kills the process.
//
// It mirrors what Train allocates: the constructors in logreg.go, deep.go,
// dot.go, din.go, bst.go and autoint.go (tensors declared in the slab,
// buffers made by each layer's binder for the batch capacity), newOptimizer,
// newTrainer (its replicas, one per slice of a batch), newUpdatePlan, the evaluation's metrics and encodeCheckpoint.
// memory_test.go checks the parameter count exactly and the total against
// the bytes Train really allocates, for every model. Sizes are computed in
// float64 and saturate at math.MaxInt64, so no spec overflows them.
//
// Not counted: the dataset, which every trial shares (Dataset.Bytes), and
// the Go collector's headroom (with the default GOGC the heap grows to
// about twice what is live before a collection).
type Memory struct {
	Params     int64 // weights and their gradients: 8 bytes a parameter
	Optimizer  int64 // the optimizer's state per trainable parameter
	Batch      int64 // the network's buffers for one batch: inputs, activations, their gradients
	Loop       int64 // the training loop: best weights, update plan, shuffled rows, evaluation buffers
	Checkpoint int64 // the best weights encoded at the end (and the buffer they are encoded from)
}

// Total is the sum of the parts.
func (m Memory) Total() int64 {
	return satAdd(m.Params, m.Optimizer, m.Batch, m.Loop, m.Checkpoint)
}

// EstimateBytes is Estimate(ds, p).Total(): the bytes a trial of p on ds
// holds at its peak.
func EstimateBytes(ds *dataset.Dataset, p Params) int64 { return Estimate(ds, p).Total() }

// Estimate is the memory a trial of p (defaults applied here) on ds holds at
// its peak, without allocating it. An unknown model counts as logreg (Train
// refuses it anyway).
func Estimate(ds *dataset.Dataset, p Params) Memory {
	p = p.WithDefaults()
	n := splitSizes(ds)
	c := math.Max(1, math.Min(float64(p.BatchSize), n.max))
	var t tally
	t.net(ds, p, c)
	// A batch cut into k slices has k replicas of the network, each with
	// its weights, gradients and buffers for a slice (parallel.go).
	k := float64(sliceCount(int(c), t.params))
	if k > 1 {
		var ts tally
		ts.net(ds, p, math.Ceil(c/k))
		t.buf = k * ts.buf
	}
	trainable := t.params - t.state
	loop := 4*t.params + // the best epoch's weights
		4*n.train + // the shuffled train rows
		12*c + // logits, their gradients, labels of a batch
		12*n.max + 4*n.test + // scores, labels, groups of a split; the test scores kept
		16*n.max + // the metrics' sort buffers (AUC pairs, GAUC and calibration indices)
		t.plan // the sparse update plan's row marks
	return Memory{
		Params:     sat(8 * t.params * k),
		Optimizer:  sat(optimizerBytes(p.Optimizer) * trainable),
		Batch:      sat(t.buf + 4096), // and the layers' own structures
		Loop:       sat(loop),
		Checkpoint: sat(8*t.params + float64(64*len(ds.Schema.Categorical)+4096)), // weights twice, and the header
	}
}

// optimizerBytes is the state an optimizer keeps per trainable parameter.
func optimizerBytes(name string) float64 {
	switch name {
	case "momentum", "adagrad", "rmsprop":
		return 4
	case "adam", "adamw":
		return 8
	}
	return 0
}

type sizes struct{ train, test, max float64 }

func splitSizes(ds *dataset.Dataset) sizes {
	s := sizes{train: float64(len(ds.Train)), test: float64(len(ds.Test))}
	s.max = math.Max(s.train, math.Max(float64(len(ds.Valid)), s.test))
	return s
}

// tally counts a network: slab entries (params, of which state are not
// trained), buffer bytes, and the bytes of the sparse update plan.
type tally struct {
	params, state, buf, plan float64
	sparse                   bool // the update plan marks table rows (no embedding L2)
	ds                       *dataset.Dataset
	c                        float64 // batch capacity
}

// net adds the model p.Model for capacity c.
func (t *tally) net(ds *dataset.Dataset, p Params, c float64) {
	t.ds, t.c, t.sparse = ds, c, p.L2Embedding == 0
	d := float64(p.EmbedDim)
	k := float64(len(ds.Schema.Dense))
	switch p.Model {
	case "fm", "dnn", "deepfm":
		in := t.inputs(p, d, true)
		f := in.m + in.cols
		din := f*d + k
		if p.Model != "dnn" {
			t.wide(in.m)
			t.buf += 4 * c * d // the FM's sums
		}
		if p.Model != "fm" {
			t.mlp(din, mainMLPOpts(p, "relu"), c)
			t.buf += 4 * c
		}
		t.buf += 8 * c * din // x, dx
	case "meanpool", "dot":
		in := t.inputs(p, d, true)
		din := in.m*d + k + 2*in.h
		t.mlp(din, mainMLPOpts(p, "relu"), c)
		if p.Model == "dot" {
			t.buf += 4*c*in.l + 4*in.l // weights, scratch
			if a := float64(p.AttentionDim); a > 0 {
				t.params += 2 * in.h * a             // Wq, Wk
				t.buf += 8*c*a + 8*c*in.l*a + 4*in.l // q, dq, k, dk; the attention's scores
			}
			if p.DotTemperature {
				t.params++
			}
		}
		t.buf += 8 * c * din
	case "din":
		t.din(p, d, k, c)
	case "bst":
		t.bst(p, d, k, c)
	case "autoint", "autoint+":
		t.autoInt(p, d, k, c)
	default:
		in := t.inputs(p, 0, false)
		t.wide(in.m)
	}
}

// shape is what inputs reports: fields (categorical and pooled), history
// positions used, 1 when the model reads a history, the sequence columns
// it reads and a history position's width (cols·d).
type shape struct{ m, l, seq, cols, h float64 }

// inputs adds declareInputs and inputs.bind: a table of dimension d per
// field and the batch's ids, dense values and (history models) history.
func (t *tally) inputs(p Params, d float64, history bool) shape {
	ds, c := t.ds, t.c
	sc := ds.Schema
	s := shape{m: float64(len(sc.Categorical) + len(sc.Pooled))}
	if history && len(sc.Sequences) > 0 && len(ds.Seq) > 0 {
		s.seq, s.cols = 1, 1
		if h, _ := LookupHyper("history"); h.UsedByModel(p.Model) && p.History != "first" {
			s.cols = float64(len(sc.Sequences))
		}
		s.h = s.cols * d
		s.l = float64(ds.Seq[0].MaxLen)
		if p.MaxLen > 0 {
			s.l = math.Min(s.l, float64(p.MaxLen))
		}
	}
	if d > 0 {
		t.tables(d)
	}
	t.buf += 4 * c * float64(len(sc.Categorical)) // ids
	for _, pc := range ds.Pooled {
		t.buf += 4*c*float64(pc.MaxLen) + 4*c
	}
	t.buf += 4 * c * float64(len(sc.Dense))
	if s.seq > 0 {
		t.buf += 4*c*s.l*s.cols + 4*c + 8*c*s.l*s.h + 8*c*s.h // hists, lens, e and de, v and dv
	}
	if p.EmbeddingDropout > 0 {
		t.buf += 12 * c * (s.m*d + s.l*s.h) // its mask, ones and the dropout's own mask
	}
	return s
}

// tables adds one lookup table of dimension d per field, and its row marks
// in the update plan.
func (t *tally) tables(d float64) {
	ds, c := t.ds, t.c
	nc := len(ds.Schema.Categorical)
	fields := append(append([]dataset.Field{}, ds.Schema.Categorical...), ds.Schema.Pooled...)
	for f, fd := range fields {
		v := float64(fd.Vocab)
		t.params += v * d
		if !t.sparse {
			continue
		}
		ids := 1.0
		if f >= nc {
			ids = float64(ds.Pooled[f-nc].MaxLen)
		} else {
			for k, sq := range ds.Schema.Sequences {
				if sq.Field == f && k < len(ds.Seq) {
					ids += float64(ds.Seq[k].MaxLen)
				}
			}
		}
		t.plan += 4*v + 4*math.Min(v, c*ids)
	}
}

// wide adds logistic regression's linear part over m fields.
func (t *tally) wide(m float64) {
	t.tables(1)
	t.params += float64(len(t.ds.Schema.Dense)) + 1
	t.buf += 4 * t.c * m
}

// mlp adds declareMLP's tensors and its binder's buffers for capacity c.
func (t *tally) mlp(in float64, o mlpOpts, c float64) {
	w := in
	for _, hi := range o.Hidden {
		h := float64(hi)
		t.params += w*h + h
		t.buf += 4 * 4 * c * h // a, da, g, dg
		if o.BatchNorm {
			t.params += 4 * h
			t.state += 2 * h
			t.buf += 3*4*c*h + 72*h // c, dc, x̂; mean, rstd, two float64 sums, a, b, the kernels' pack, 0s and 1s
		}
		if o.Act == "dice" {
			t.params += 3 * h
			t.state += 2 * h
			t.buf += 2*4*c*h + 76*h // gate, dx̂; 1−α; its BatchNorm's per-unit buffers (as above) but no x̂
		}
		if o.Dropout > 0 {
			t.buf += 3 * 4 * c * h // mask, h, dh
		}
		w = h
	}
	t.params += w + 1
}

func (t *tally) din(p Params, d, k, c float64) {
	in := t.inputs(p, d, true)
	act := cmp.Or(p.AttentionActivation, p.Activation, "dice") // as newDIN
	ah := p.AttentionHidden
	if ah == nil {
		ah = DefaultAttentionHidden
	}
	pc := c * in.l
	t.mlp(4*in.h, mlpOpts{Hidden: ah, Act: act}, pc)
	din := in.m*d + k + in.h
	t.mlp(din, mainMLPOpts(p, "dice"), c)
	a1 := 0.0 // newDIN refuses an empty list
	if len(ah) > 0 {
		a1 = float64(ah[0])
	}
	t.buf += 8*c*din + 8*pc*2*in.h + 12*pc + 4*in.l + 8*(c+1) // x, dx; y, dy; scores, their gradients, weights; scratch; starts
	t.buf += 4*c*a1 + 4*6*in.h*a1                             // r; the first layer's combined blocks and their gradients
}

func (t *tally) bst(p Params, d, k, c float64) {
	in := t.inputs(p, d, true)
	h := in.h // a token's width
	heads, da, layers := float64(orInt(p.Heads, 2)), float64(orInt(p.AttentionDim, int(h))), float64(orInt(p.Layers, 1))
	tt := in.l + 1
	t.params += tt * h // position embeddings
	rows := c * tt
	// Per block: the attention (Wq, Wk, Wv), Wo, two LayerNorms, the FFN.
	t.params += layers * (3*h*da + da*h + 2*h + h*4*h + 4*h + 4*h*h + h + 2*h)
	t.buf += layers * (t.selfAttention(c, tt, da, heads, 0) +
		2*(4*rows*h+4*rows) + // LayerNorms' x̂ and rstd
		2*4*rows*da + 6*4*rows*h + 4*4*rows*4*h) // att; s1, s, s2 and gradients; FFN hidden, relu and gradients
	din := in.m*d + k + h
	t.mlp(din, mainMLPOpts(p, "relu"), c)
	t.buf += 8*c*din + 2*(layers+1)*4*rows*h // x, dx; tokens and their gradients
}

func (t *tally) autoInt(p Params, d, k, c float64) {
	in := t.inputs(p, d, true)
	heads, a, layers := float64(orInt(p.Heads, 2)), float64(orInt(p.AttentionDim, 64)), float64(orInt(p.Layers, 3))
	tt := in.m + k + in.seq
	t.params += k * d // the dense features' vectors
	// Layer 1 maps d to a (with a residual projection when they differ),
	// the others a to a.
	t.params += 3*d*a + (layers-1)*3*a*a
	if d != a {
		t.params += d * a
	}
	t.buf += layers * (t.selfAttention(c, tt, a, heads, p.Dropout) + 4*4*c*tt*a) // and pre, out, their gradients
	t.params += tt*a + 1
	if p.Model == "autoint+" {
		t.mlp(tt*d, mainMLPOpts(p, "relu"), c)
		t.buf += 4 * c
	}
	t.buf += 8 * c * tt * d // tokens and their gradients
}

// selfAttention is the bytes of declareSelfAttention's binder for
// capacity c, t tokens, attention size a over heads.
func (t *tally) selfAttention(c, tt, a, heads, drop float64) float64 {
	m := c * tt * a
	b := 8*4*m + 4*c*heads*tt*tt + 8*tt + 4*tt + 4*tt*tt // q, k, v, o and gradients; weights; scratch
	if drop > 0 {
		b += 2*4*c*heads*tt*tt + 2*4*m // dropped weights and their mask; dropped output and its mask
	}
	return b
}

// sat converts a byte count to int64, saturating.
func sat(f float64) int64 {
	if !(f < math.MaxInt64) {
		return math.MaxInt64
	}
	return int64(f)
}

func satAdd(xs ...int64) int64 {
	var s int64
	for _, x := range xs {
		if x > math.MaxInt64-s {
			return math.MaxInt64
		}
		s += x
	}
	return s
}
