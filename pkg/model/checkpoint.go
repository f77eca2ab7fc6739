package model

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math"
	"slices"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// Checkpoint layout (all integers little-endian):
//
//	magic    8 bytes  "ATSWCKPT"
//	hlen     uint32   length of the header
//	header   hlen bytes of JSON: ckptHeader (format version, Params, the
//	         schema fingerprint, every tensor's name, kind and shape, the
//	         weight count and the CRC-32 (IEEE) of the weight bytes)
//	weights  4·Weights bytes: the parameter slab as float32, in tensor order
//
// The header is readable with any JSON tool (skip 12 bytes); the encoding of
// the same weights and params is byte-identical every time.
const (
	ckptMagic   = "ATSWCKPT"
	ckptVersion = 1
)

type ckptHeader struct {
	Version int
	Params  Params
	Schema  schemaPrint
	Tensors []ckptTensor
	Weights int
	CRC32   uint32
}

type ckptTensor struct {
	Name  string
	Kind  string
	Shape []int
}

// schemaPrint is the part of a dataset.Schema a trained model depends on.
// History MaxLen is left out: a model can score histories of another length.
// Pooled holds the pooled columns with their vocabularies (MaxLen left out
// too); it is omitted when empty, so checkpoints without pooled columns
// encode as before.
type schemaPrint struct {
	Categorical []dataset.Field
	Dense       []string
	Sequences   []seqPrint
	Pooled      []dataset.Field `json:",omitempty"`
}

type seqPrint struct {
	Name, Target string
	Field        int
}

func printSchema(sc dataset.Schema) schemaPrint {
	sp := schemaPrint{Categorical: slices.Clone(sc.Categorical), Dense: slices.Clone(sc.Dense), Pooled: slices.Clone(sc.Pooled)}
	for _, s := range sc.Sequences {
		sp.Sequences = append(sp.Sequences, seqPrint{Name: s.Name, Target: s.Target, Field: s.Field})
	}
	return sp
}

// diff names the first difference between the fingerprint a model was
// trained on (sp) and a schema, or returns "".
func (sp schemaPrint) diff(sc dataset.Schema) string {
	if len(sc.Categorical) != len(sp.Categorical) {
		return fmt.Sprintf("%d categorical columns, the model has %d", len(sc.Categorical), len(sp.Categorical))
	}
	for f, fd := range sc.Categorical {
		if want := sp.Categorical[f]; fd != want {
			return fmt.Sprintf("categorical column %d is %q with vocabulary %d, the model has %q with %d", f, fd.Name, fd.Vocab, want.Name, want.Vocab)
		}
	}
	if !slices.Equal(sc.Dense, sp.Dense) {
		return fmt.Sprintf("dense columns %q, the model has %q", sc.Dense, sp.Dense)
	}
	if len(sc.Sequences) != len(sp.Sequences) {
		return fmt.Sprintf("%d sequence columns, the model has %d", len(sc.Sequences), len(sp.Sequences))
	}
	for k, s := range sc.Sequences {
		if got, want := (seqPrint{s.Name, s.Target, s.Field}), sp.Sequences[k]; got != want {
			return fmt.Sprintf("sequence %d is %q → %q (field %d), the model has %q → %q (field %d)", k, got.Name, got.Target, got.Field, want.Name, want.Target, want.Field)
		}
	}
	if len(sc.Pooled) != len(sp.Pooled) {
		return fmt.Sprintf("%d pooled columns %v, the model has %d %v", len(sc.Pooled), sc.Pooled, len(sp.Pooled), sp.Pooled)
	}
	for k, fd := range sc.Pooled {
		if want := sp.Pooled[k]; fd != want {
			return fmt.Sprintf("pooled column %d is %q with vocabulary %d, the model has %q with %d", k, fd.Name, fd.Vocab, want.Name, want.Vocab)
		}
	}
	return ""
}

// encodeCheckpoint writes params, schema fingerprint and the slab's weights.
func encodeCheckpoint(p Params, sc dataset.Schema, s *slab) []byte {
	wb := make([]byte, 4*len(s.W))
	for i, w := range s.W {
		binary.LittleEndian.PutUint32(wb[4*i:], math.Float32bits(w))
	}
	h := ckptHeader{Version: ckptVersion, Params: p, Schema: printSchema(sc), Weights: len(s.W), CRC32: crc32.ChecksumIEEE(wb)}
	for _, t := range s.tensors {
		h.Tensors = append(h.Tensors, ckptTensor{Name: t.Name, Kind: t.Kind.String(), Shape: t.Shape})
	}
	hb, err := json.Marshal(h)
	if err != nil {
		panic("model: checkpoint header: " + err.Error()) // plain data: cannot fail
	}
	var buf bytes.Buffer
	buf.Grow(len(ckptMagic) + 4 + len(hb) + len(wb))
	buf.WriteString(ckptMagic)
	buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(hb))))
	buf.Write(hb)
	buf.Write(wb)
	return buf.Bytes()
}

// decodeCheckpoint parses and checks a checkpoint's framing and checksum.
func decodeCheckpoint(ckpt []byte) (ckptHeader, []float32, error) {
	var h ckptHeader
	if len(ckpt) < len(ckptMagic)+4 || string(ckpt[:len(ckptMagic)]) != ckptMagic {
		return h, nil, fmt.Errorf("model: checkpoint: not an attnsweep checkpoint (bad magic)")
	}
	rest := ckpt[len(ckptMagic):]
	hlen := int(binary.LittleEndian.Uint32(rest))
	rest = rest[4:]
	if hlen > len(rest) {
		return h, nil, fmt.Errorf("model: checkpoint: header length %d, only %d bytes follow", hlen, len(rest))
	}
	if err := json.Unmarshal(rest[:hlen], &h); err != nil {
		return h, nil, fmt.Errorf("model: checkpoint: header: %w", err)
	}
	if h.Version != ckptVersion {
		return h, nil, fmt.Errorf("model: checkpoint: format version %d, this build reads %d", h.Version, ckptVersion)
	}
	wb := rest[hlen:]
	if len(wb) != 4*h.Weights {
		return h, nil, fmt.Errorf("model: checkpoint: %d weight bytes, header says %d weights", len(wb), h.Weights)
	}
	if got := crc32.ChecksumIEEE(wb); got != h.CRC32 {
		return h, nil, fmt.Errorf("model: checkpoint: weights checksum %08x, header says %08x", got, h.CRC32)
	}
	w := make([]float32, h.Weights)
	for i := range w {
		w[i] = math.Float32frombits(binary.LittleEndian.Uint32(wb[4*i:]))
	}
	return h, w, nil
}

// Predictor scores rows with a trained model restored from a checkpoint. It
// owns batch buffers, so one Predictor serves one goroutine at a time; Load
// several for parallel scoring.
type Predictor struct {
	params Params
	schema schemaPrint
	maxLen int   // history MaxLen the buffers were built for (dot), or -1
	plen   []int // pooled columns' MaxLen the buffers were built for
	net    net
	z      []float32 // [capacity] logit scratch
}

// Load restores the model in ckpt (a Result.Checkpoint) for data shaped like
// ds: the categorical columns and their vocabularies, the dense columns, the
// sequence columns and the pooled columns with their vocabularies must be
// those the model was trained on (history and pooled MaxLen may differ). ds is validated like Train validates it.
func Load(ckpt []byte, ds *dataset.Dataset) (*Predictor, error) {
	h, w, err := decodeCheckpoint(ckpt)
	if err != nil {
		return nil, err
	}
	if err := validateData(ds); err != nil {
		return nil, err
	}
	pr, err := newPredictor(h.Params, h.Schema, h.Tensors, w, ds, h.Params.BatchSize)
	if err != nil {
		return nil, fmt.Errorf("model: checkpoint: %w", err)
	}
	return pr, nil
}

// newPredictor builds model p for ds with batch buffers for capacity rows
// and puts the weights w in it, after checking that ds has the schema sp the
// model was trained on and that the tensors are the ones p's model has.
// ds must have passed validateData.
func newPredictor(p Params, sp schemaPrint, tensors []ckptTensor, w []float32, ds *dataset.Dataset, capacity int) (*Predictor, error) {
	if d := sp.diff(ds.Schema); d != "" {
		return nil, fmt.Errorf("the data does not match the model: %s", d)
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	nt, err := newNet(ds, p, max(capacity, 1))
	if err != nil {
		return nil, err
	}
	s := nt.params()
	if len(s.tensors) != len(tensors) || len(s.W) != len(w) {
		return nil, fmt.Errorf("%d tensors and %d weights, model %q has %d and %d", len(tensors), len(w), p.Model, len(s.tensors), len(s.W))
	}
	for i, t := range s.tensors {
		ct := tensors[i]
		if ct.Name != t.Name || ct.Kind != t.Kind.String() || !slices.Equal(ct.Shape, t.Shape) {
			return nil, fmt.Errorf("tensor %d is %s %s %v, model %q has %s %s %v", i, ct.Name, ct.Kind, ct.Shape, p.Model, t.Name, t.Kind, t.Shape)
		}
	}
	copy(s.W, w)
	pr := &Predictor{params: p, schema: sp, maxLen: -1, net: nt, z: make([]float32, nt.capacity())}
	if len(ds.Seq) > 0 {
		pr.maxLen = ds.Seq[0].MaxLen
	}
	for _, c := range ds.Pooled {
		pr.plen = append(pr.plen, c.MaxLen)
	}
	return pr, nil
}

// Params returns the (defaulted) parameters the model was trained with.
func (pr *Predictor) Params() Params {
	p := pr.params
	p.Hidden = slices.Clone(p.Hidden)
	return p
}

// check panics when ds is not shaped like the dataset given to Load.
func (pr *Predictor) check(ds *dataset.Dataset) {
	if d := pr.schema.diff(ds.Schema); d != "" {
		panic("model: Predict: the data does not match the model: " + d)
	}
	if pr.maxLen >= 0 && (len(ds.Seq) == 0 || ds.Seq[0].MaxLen != pr.maxLen) {
		panic(fmt.Sprintf("model: Predict: history MaxLen differs from the data given to Load (%d)", pr.maxLen))
	}
	for k, c := range ds.Pooled {
		if c.MaxLen != pr.plen[k] {
			panic(fmt.Sprintf("model: Predict: pooled column %q: MaxLen %d differs from the data given to Load (%d)", ds.Schema.Pooled[k].Name, c.MaxLen, pr.plen[k]))
		}
	}
}

// Predict writes the click probability of each of rows into out (out[i] for
// rows[i]). ds must have the schema of the dataset given to Load (same
// columns, vocabularies and history MaxLen); ids must be inside their
// vocabularies. It panics when out is shorter than rows or ds does not match.
// Scores are bit-identical to those Train computed for Result.Final.
func (pr *Predictor) Predict(ds *dataset.Dataset, rows []int32, out []float32) {
	if len(out) < len(rows) {
		panic(fmt.Sprintf("model: Predict: out len %d, want %d", len(out), len(rows)))
	}
	pr.check(ds)
	_ = predictRows(context.Background(), pr.net, ds, rows, out, pr.z) // Background: never done
}

// Attention returns the attention weights the model puts on the history of
// one row, over its real positions (most recent first, as stored), or nil
// for a model without attention. For models with several heads or layers it
// is the first head of the first layer (see AttentionSample for all). The
// slice is the caller's.
func (pr *Predictor) Attention(ds *dataset.Dataset, row int32) []float32 {
	s, ok := pr.AttentionSample(ds, row)
	if !ok || len(s.Weights) == 0 {
		return nil
	}
	return s.Weights[0]
}

// AttentionSample scores one row and returns what the model attends to, as
// Train's Result.Attention holds it; ok is false for a model without
// attention (logreg, fm, dnn, deepfm, meanpool).
func (pr *Predictor) AttentionSample(ds *dataset.Dataset, row int32) (AttentionSample, bool) {
	at, ok := pr.net.(attender)
	if !ok {
		return AttentionSample{}, false
	}
	pr.check(ds)
	pr.net.forward(ds, []int32{row}, pr.z[:1], nil)
	items, w := at.attention(0)
	if items == nil && w == nil {
		return AttentionSample{}, false
	}
	return AttentionSample{Row: row, Label: ds.Label[row], Score: sigmoid(pr.z[0]), Items: items, Weights: w}, true
}

// historyAttention lists the models whose attention weights are over a
// row's history items (AttentionSample.Items are history ids; autoint's are
// token indices).
var historyAttention = map[string]bool{"dot": true, "din": true, "bst": true}

// AttendsHistory reports whether the model weighs the items of a row's
// history (dot, din, bst): whether PredictAttention has weights to give.
func (pr *Predictor) AttendsHistory() bool {
	_, ok := pr.net.(attender)
	return ok && historyAttention[pr.params.Model]
}

// PredictAttention is Predict that also sets att[i] to the weights the
// model put on the history items of rows[i]: one per item it read (the
// first min(length, MaxLen) of the row's history, most recent first),
// empty for an empty history. For bst they are the first block's first
// head's, without the candidate's weight on itself. att must have room for
// len(rows) entries; the slices are the caller's. It panics for a model
// that does not attend to the history (see AttendsHistory) and where
// Predict panics.
func (pr *Predictor) PredictAttention(ds *dataset.Dataset, rows []int32, out []float32, att [][]float32) {
	if !pr.AttendsHistory() {
		panic(fmt.Sprintf("model: PredictAttention: %s does not attend to the history", pr.params.Model))
	}
	if len(out) < len(rows) || len(att) < len(rows) {
		panic(fmt.Sprintf("model: PredictAttention: out len %d, att len %d, want %d", len(out), len(att), len(rows)))
	}
	pr.check(ds)
	at := pr.net.(attender)
	bs := pr.net.capacity()
	for i := 0; i < len(rows); i += bs {
		chunk := rows[i:min(i+bs, len(rows))]
		z := pr.z[:len(chunk)]
		pr.net.forward(ds, chunk, z, nil)
		sigmoidForward(out[i:i+len(chunk)], z)
		for j := range chunk {
			items, w := at.attention(j)
			att[i+j] = []float32{}
			if len(w) > 0 {
				att[i+j] = w[0][:len(items)]
			}
		}
	}
}
