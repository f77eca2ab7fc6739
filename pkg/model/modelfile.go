package model

// The model file: one self-contained file that scores raw data with no
// database and no training files. Its layout is safetensors
// (https://github.com/huggingface/safetensors), so that safetensors'
// loaders, or a few lines of any language, read it:
//
//	8 bytes   N, the header's length (uint64, little-endian)
//	N bytes   header: a JSON object; "__metadata__" maps strings to strings,
//	          every other key is a tensor: {"dtype": "F32"|"I64"|"U8",
//	          "shape": [...], "data_offsets": [begin, end]} (offsets into the
//	          data, which the tensors cover back to back); padded with spaces
//	          so that 8 + N is a multiple of 8
//	data      the tensors' bytes, little-endian, I64 tensors first, then F32,
//	          then U8
//
// Tensors:
//
//	weights/<tensor>                the model's parameters (float32), named as
//	                                the model names them, in "tensors" order
//	vocab/categorical/<i>           the values of categorical column i, in id
//	vocab/pooled/<i>                order (int64), for int and bool columns
//	vocab/.../<i>/offsets, /bytes   string columns: value k is
//	                                bytes[offsets[k]:offsets[k+1]] (UTF-8)
//
// Metadata (each value a string; the JSON ones are JSON text):
//
//	format           "attnsweep-model"
//	format_version   "1"
//	content_sha256   SHA-256 (hex) of the whole file with these 64 hex digits
//	                 replaced by "0"s: a changed or cut file is refused
//	params           the hyperparameters (JSON)
//	schema           the encoded schema the weights were trained on (JSON)
//	tensors          the parameter tensors in model order: name and kind (JSON)
//	encoder          dataset.EncoderState: roles, types, dense statistics,
//	                 history and pooled lengths, the unknown and missing policy;
//	                 the vocabularies' values are the vocab tensors (JSON)
//	about            where the model comes from: sweep, trial, metrics (JSON)

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

const (
	modelFormat        = "attnsweep-model"
	modelFormatVersion = 1
	hashKey            = "content_sha256"
	maxHeader          = 256 << 20 // a header longer than this is not one we wrote
)

// ModelFile is a trained model with everything it needs to score raw data:
// its parameters, weights, the encoding of its inputs, and a description.
type ModelFile struct {
	Params  Params
	Encoder *dataset.EncoderState
	// About describes where the model comes from (sweep, trial, metrics,
	// data files): free-form JSON values, shown by `sweep serve`.
	About   map[string]any
	Version int    // format version of the file read (modelFormatVersion when built)
	Hash    string // content_sha256 of the file read or written

	schema  schemaPrint
	tensors []ckptTensor
	weights []float32

	once sync.Once
	data *dataset.Dataset // the restored encoding, made once
	derr error
}

// NewModelFile joins a checkpoint (Result.Checkpoint) and the encoder
// state of the data it was trained on (Dataset.State) into a model file.
// It fails when they do not belong together.
func NewModelFile(ckpt []byte, st *dataset.EncoderState, about map[string]any) (*ModelFile, error) {
	h, w, err := decodeCheckpoint(ckpt)
	if err != nil {
		return nil, err
	}
	mf := &ModelFile{Params: h.Params, Encoder: st, About: about, Version: modelFormatVersion,
		schema: h.Schema, tensors: h.Tensors, weights: w}
	if _, err := mf.Predictor(1); err != nil {
		return nil, err
	}
	return mf, nil
}

// Data is the model's encoding as a Dataset of no rows: its Encode encodes
// Parquet files and its NewRows request rows as the train rows were
// encoded. It is made once and only read after: share it.
func (mf *ModelFile) Data() (*dataset.Dataset, error) {
	mf.once.Do(func() {
		mf.data, mf.derr = mf.Encoder.Dataset()
		if mf.derr == nil {
			mf.derr = validateData(mf.data)
		}
	})
	return mf.data, mf.derr
}

// Predictor restores the model with batch buffers for capacity rows (0:
// the training batch size). Scores do not depend on the capacity. Each
// Predictor serves one goroutine at a time; make one per goroutine.
func (mf *ModelFile) Predictor(capacity int) (*Predictor, error) {
	ds, err := mf.Data()
	if err != nil {
		return nil, fmt.Errorf("model file: %w", err)
	}
	if capacity <= 0 {
		capacity = mf.Params.BatchSize
	}
	pr, err := newPredictor(mf.Params, mf.schema, mf.tensors, mf.weights, ds, capacity)
	if err != nil {
		return nil, fmt.Errorf("model file: the weights do not fit the encoding: %w", err)
	}
	return pr, nil
}

// Tensors lists the parameter tensors: name, kind and shape.
func (mf *ModelFile) Tensors() []string {
	out := make([]string, len(mf.tensors))
	for i, t := range mf.tensors {
		out[i] = fmt.Sprintf("%s %s %v", t.Name, t.Kind, t.Shape)
	}
	return out
}

// stTensor is one tensor to write or one read: its safetensors entry.
type stTensor struct {
	name  string
	Dtype string `json:"dtype"`
	Shape []int  `json:"shape"`
	Off   [2]int `json:"data_offsets"`
	data  []byte
}

// dtypeSize is the bytes per value of the dtypes a model file uses.
var dtypeSize = map[string]int{"I64": 8, "F32": 4, "U8": 1}

// Bytes encodes the model file (and sets mf.Hash).
func (mf *ModelFile) Bytes() ([]byte, error) {
	meta, err := mf.metadata()
	if err != nil {
		return nil, err
	}
	ts, err := mf.tensorsOut()
	if err != nil {
		return nil, err
	}
	// I64 first, then F32, then U8: every tensor starts aligned to its size.
	slices.SortStableFunc(ts, func(a, b *stTensor) int { return cmp.Compare(dtypeSize[b.Dtype], dtypeSize[a.Dtype]) })
	header := map[string]any{"__metadata__": meta}
	off := 0
	for _, t := range ts {
		t.Off = [2]int{off, off + len(t.data)}
		off += len(t.data)
		header[t.name] = t
	}
	hb, err := json.Marshal(header)
	if err != nil {
		return nil, fmt.Errorf("model file: header: %w", err)
	}
	for (8+len(hb))%8 != 0 {
		hb = append(hb, ' ')
	}
	out := make([]byte, 8, 8+len(hb)+off)
	binary.LittleEndian.PutUint64(out, uint64(len(hb)))
	out = append(out, hb...)
	for _, t := range ts {
		out = append(out, t.data...)
	}
	at, err := hashAt(out[8 : 8+len(hb)])
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(out)
	mf.Hash = hex.EncodeToString(sum[:])
	copy(out[8+at:], mf.Hash)
	return out, nil
}

// metadata is the header's __metadata__, with a zero hash.
func (mf *ModelFile) metadata() (map[string]string, error) {
	meta := map[string]string{"format": modelFormat, "format_version": strconv.Itoa(modelFormatVersion),
		hashKey: zeroHash}
	type tensorKind struct{ Name, Kind string }
	var kinds []tensorKind
	for _, t := range mf.tensors {
		kinds = append(kinds, tensorKind{t.Name, t.Kind})
	}
	for key, v := range map[string]any{"params": mf.Params, "schema": mf.schema, "tensors": kinds, "encoder": mf.Encoder, "about": mf.About} {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("model file: %s: %w", key, err)
		}
		meta[key] = string(b)
	}
	return meta, nil
}

var zeroHash = string(bytes.Repeat([]byte("0"), 64))

// hashAt is the offset of the hash's hex digits in header hb: after the
// one `"content_sha256":"`.
func hashAt(hb []byte) (int, error) {
	key := []byte(`"` + hashKey + `":"`)
	i := bytes.Index(hb, key)
	if i < 0 || bytes.Count(hb, key) != 1 || len(hb) < i+len(key)+64 {
		return 0, fmt.Errorf("model file: the header has no single %s", hashKey)
	}
	return i + len(key), nil
}

// layout is where each parameter tensor lies in the model's slab (the
// slab puts the trainable tensors first and the state last, so tensor
// order is not slab order): it builds the model to ask it.
func (mf *ModelFile) layout() ([]tensor, error) {
	ds, err := mf.Data()
	if err != nil {
		return nil, fmt.Errorf("model file: %w", err)
	}
	nt, err := newNet(ds, mf.Params, 1)
	if err != nil {
		return nil, fmt.Errorf("model file: %w", err)
	}
	return nt.params().tensors, nil
}

// tensorsOut lists the weights and vocabularies as tensors.
func (mf *ModelFile) tensorsOut() ([]*stTensor, error) {
	layout, err := mf.layout()
	if err != nil {
		return nil, err
	}
	var ts []*stTensor
	for _, t := range layout {
		b := make([]byte, 4*t.Len)
		for i, w := range mf.weights[t.Off : t.Off+t.Len] {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(w))
		}
		ts = append(ts, &stTensor{name: "weights/" + t.Name, Dtype: "F32", Shape: slices.Clone(t.Shape), data: b})
	}
	for _, part := range []struct {
		name string
		vs   []dataset.VocabState
	}{{"categorical", mf.Encoder.Categorical}, {"pooled", mf.Encoder.Pooled}} {
		for i, v := range part.vs {
			ts = append(ts, vocabTensors(fmt.Sprintf("vocab/%s/%d", part.name, i), v)...)
		}
	}
	return ts, nil
}

// vocabTensors are one vocabulary's values as tensors.
func vocabTensors(name string, v dataset.VocabState) []*stTensor {
	i64 := func(xs []int64) []byte {
		b := make([]byte, 8*len(xs))
		for i, x := range xs {
			binary.LittleEndian.PutUint64(b[8*i:], uint64(x))
		}
		return b
	}
	if !v.Strings {
		return []*stTensor{{name: name, Dtype: "I64", Shape: []int{len(v.Ints)}, data: i64(v.Ints)}}
	}
	offs := make([]int64, 1, len(v.Strs)+1)
	var all []byte
	for _, s := range v.Strs {
		all = append(all, s...)
		offs = append(offs, int64(len(all)))
	}
	return []*stTensor{
		{name: name + "/offsets", Dtype: "I64", Shape: []int{len(offs)}, data: i64(offs)},
		{name: name + "/bytes", Dtype: "U8", Shape: []int{len(all)}, data: all},
	}
}

// Write writes the model file to path, whole: to a temporary file beside
// it, renamed when complete.
func (mf *ModelFile) Write(path string) (err error) {
	b, err := mf.Bytes()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("model file: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o644); err != nil { // CreateTemp makes it private
		return fmt.Errorf("model file: write %s: %w", path, err)
	}
	if _, err = tmp.Write(b); err != nil {
		return fmt.Errorf("model file: write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("model file: write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("model file: %w", err)
	}
	return nil
}
