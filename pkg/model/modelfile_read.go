package model

// Reading a model file (layout: modelfile.go). Every check comes before
// anything is used: framing, format and version, the content hash, then
// the tensors against the metadata. A damaged file is an error, never a
// panic.

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"slices"
	"strconv"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// ReadModelFile reads and checks the model file at path. Errors start with
// "model file PATH:".
func ReadModelFile(path string) (*ModelFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("model file %s: no such file", path)
		}
		return nil, fmt.Errorf("model file %s: %w", path, err)
	}
	mf, err := ParseModelFile(b)
	if err != nil {
		return nil, fmt.Errorf("model file %s: %w", path, err)
	}
	return mf, nil
}

// ParseModelFile decodes and checks a model file's bytes.
func ParseModelFile(b []byte) (*ModelFile, error) {
	header, data, err := splitModelFile(b)
	if err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(header, &raw); err != nil {
		return nil, fmt.Errorf("not a model file: its header is not a JSON object (%v); the file is cut short or damaged", err)
	}
	var meta map[string]string
	if err := json.Unmarshal(raw["__metadata__"], &meta); err != nil || meta["format"] != modelFormat {
		return nil, fmt.Errorf("not an attnsweep model file (a safetensors file without attnsweep's metadata?); write one with `sweep export-model`")
	}
	version, err := strconv.Atoi(meta["format_version"])
	switch {
	case err != nil:
		return nil, fmt.Errorf("format version %q is not a number; the file is damaged: export the model again", meta["format_version"])
	case version > modelFormatVersion:
		return nil, fmt.Errorf("format version %d, this build reads version %d: score it with a newer attnsweep", version, modelFormatVersion)
	case version < modelFormatVersion:
		return nil, fmt.Errorf("format version %d is no longer read (this build reads %d): export the model again from its sweep with `sweep export-model`", version, modelFormatVersion)
	}
	if err := checkHash(b, header, meta[hashKey]); err != nil {
		return nil, err
	}
	mf := &ModelFile{Version: version, Hash: meta[hashKey]}
	if err := mf.decodeMetadata(meta); err != nil {
		return nil, err
	}
	ts, err := tensorTable(raw, len(data))
	if err != nil {
		return nil, err
	}
	if err := mf.decodeTensors(ts, data); err != nil {
		return nil, err
	}
	if _, err := mf.Predictor(1); err != nil {
		return nil, err
	}
	return mf, nil
}

// splitModelFile returns the header and the data of a safetensors file.
func splitModelFile(b []byte) (header, data []byte, err error) {
	if len(b) < 8 {
		return nil, nil, fmt.Errorf("not a model file: %d bytes; the file is cut short", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	if n > maxHeader || n > uint64(len(b)-8) {
		return nil, nil, fmt.Errorf("not a model file: its header would be %d bytes, %d follow; the file is cut short or damaged", n, len(b)-8)
	}
	return b[8 : 8+n], b[8+n:], nil
}

// checkHash compares the file's SHA-256 (with its hash zeroed) to want.
func checkHash(b, header []byte, want string) error {
	if len(want) != 64 {
		return fmt.Errorf("no content hash (%s); the file is damaged: export the model again", hashKey)
	}
	at, err := hashAt(header)
	if err != nil || string(header[at:at+64]) != want {
		return fmt.Errorf("the content hash is not where the format puts it; the file was edited: export the model again")
	}
	c := slices.Clone(b)
	copy(c[8+at:], zeroHash)
	sum := sha256.Sum256(c)
	if got := hex.EncodeToString(sum[:]); got != want {
		return fmt.Errorf("content hash %s…, the file says %s…: the file was changed or damaged after it was written; export the model again", got[:12], want[:12])
	}
	return nil
}

// decodeMetadata reads the JSON parts of the metadata.
func (mf *ModelFile) decodeMetadata(meta map[string]string) error {
	var kinds []struct{ Name, Kind string }
	for _, part := range []struct {
		key string
		to  any
	}{{"params", &mf.Params}, {"schema", &mf.schema}, {"tensors", &kinds}, {"encoder", &mf.Encoder}, {"about", &mf.About}} {
		s, ok := meta[part.key]
		if !ok {
			return fmt.Errorf("metadata %q missing", part.key)
		}
		if err := json.Unmarshal([]byte(s), part.to); err != nil {
			return fmt.Errorf("metadata %q: %v", part.key, err)
		}
	}
	if mf.Encoder == nil {
		return fmt.Errorf("metadata \"encoder\" is null")
	}
	for _, k := range kinds {
		mf.tensors = append(mf.tensors, ckptTensor{Name: k.Name, Kind: k.Kind})
	}
	return nil
}

// tensorTable parses and checks the tensor entries of a header: known
// dtypes, sizes that match the shapes, and offsets that cover the data
// back to back.
func tensorTable(raw map[string]json.RawMessage, dataLen int) (map[string]*stTensor, error) {
	ts := map[string]*stTensor{}
	var list []*stTensor
	for name, r := range raw {
		if name == "__metadata__" {
			continue
		}
		t := &stTensor{name: name}
		if err := json.Unmarshal(r, t); err != nil {
			return nil, fmt.Errorf("tensor %q: %v", name, err)
		}
		size, ok := dtypeSize[t.Dtype]
		if !ok {
			return nil, fmt.Errorf("tensor %q: dtype %q (a model file has F32, I64 and U8)", name, t.Dtype)
		}
		n := 1
		for _, d := range t.Shape {
			if d < 0 || d > math.MaxInt32 {
				return nil, fmt.Errorf("tensor %q: shape %v", name, t.Shape)
			}
			n *= d
		}
		if t.Off[0] < 0 || t.Off[1] > dataLen || t.Off[1]-t.Off[0] != n*size {
			return nil, fmt.Errorf("tensor %q: bytes %v for %s %v, data has %d", name, t.Off, t.Dtype, t.Shape, dataLen)
		}
		ts[name] = t
		list = append(list, t)
	}
	slices.SortFunc(list, func(a, b *stTensor) int { // empty tensors before the one starting where they are
		return cmp.Or(a.Off[0]-b.Off[0], a.Off[1]-b.Off[1])
	})
	end := 0
	for _, t := range list {
		if t.Off[0] != end {
			return nil, fmt.Errorf("tensor %q starts at byte %d, want %d (tensors cover the data back to back)", t.name, t.Off[0], end)
		}
		end = t.Off[1]
	}
	if end != dataLen {
		return nil, fmt.Errorf("the tensors cover %d bytes of %d", end, dataLen)
	}
	return ts, nil
}

// decodeTensors reads the weights and the vocabularies.
func (mf *ModelFile) decodeTensors(ts map[string]*stTensor, data []byte) error {
	get := func(name, dtype string) (*stTensor, []byte, error) {
		t := ts[name]
		if t == nil {
			return nil, nil, fmt.Errorf("tensor %q missing", name)
		}
		if t.Dtype != dtype || len(t.Shape) != 1 && dtype != "F32" {
			return nil, nil, fmt.Errorf("tensor %q: %s %v, want %s", name, t.Dtype, t.Shape, dtype)
		}
		return t, data[t.Off[0]:t.Off[1]], nil
	}
	for i := range mf.tensors {
		t := ts["weights/"+mf.tensors[i].Name]
		if t == nil {
			return fmt.Errorf("tensor %q missing", "weights/"+mf.tensors[i].Name)
		}
		mf.tensors[i].Shape = slices.Clone(t.Shape)
	}
	for _, part := range []struct {
		name string
		vs   []dataset.VocabState
	}{{"categorical", mf.Encoder.Categorical}, {"pooled", mf.Encoder.Pooled}} {
		for i := range part.vs {
			if err := decodeVocab(fmt.Sprintf("vocab/%s/%d", part.name, i), &part.vs[i], get); err != nil {
				return err
			}
		}
	}
	if want := len(mf.tensors) + vocabTensorCount(mf.Encoder); len(ts) != want {
		return fmt.Errorf("%d tensors, the metadata names %d", len(ts), want)
	}
	return mf.placeWeights(ts, data)
}

// placeWeights puts each weights/ tensor where the model's slab keeps it.
func (mf *ModelFile) placeWeights(ts map[string]*stTensor, data []byte) error {
	layout, err := mf.layout()
	if err != nil {
		return err
	}
	if len(layout) != len(mf.tensors) {
		return fmt.Errorf("%d parameter tensors, model %q has %d", len(mf.tensors), mf.Params.Model, len(layout))
	}
	n := 0
	for _, t := range layout {
		n += t.Len
	}
	mf.weights = make([]float32, n)
	for _, t := range layout {
		st := ts["weights/"+t.Name]
		if st == nil || st.Dtype != "F32" || !slices.Equal(st.Shape, t.Shape) {
			return fmt.Errorf("tensor %q: want F32 %v for model %q", "weights/"+t.Name, t.Shape, mf.Params.Model)
		}
		b := data[st.Off[0]:st.Off[1]]
		for k := range t.Len {
			mf.weights[t.Off+k] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*k:]))
		}
	}
	return nil
}

func vocabTensorCount(st *dataset.EncoderState) int {
	n := 0
	for _, v := range append(slices.Clone(st.Categorical), st.Pooled...) {
		n += 1 + boolInt(v.Strings)
	}
	return n
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// decodeVocab reads one vocabulary's values from its tensors.
func decodeVocab(name string, v *dataset.VocabState, get func(name, dtype string) (*stTensor, []byte, error)) error {
	i64 := func(b []byte) []int64 {
		xs := make([]int64, len(b)/8)
		for i := range xs {
			xs[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
		}
		return xs
	}
	if !v.Strings {
		_, b, err := get(name, "I64")
		v.Ints = i64(b)
		return err
	}
	_, ob, err := get(name+"/offsets", "I64")
	if err != nil {
		return err
	}
	_, sb, err := get(name+"/bytes", "U8")
	if err != nil {
		return err
	}
	offs := i64(ob)
	if len(offs) == 0 || offs[0] != 0 || offs[len(offs)-1] != int64(len(sb)) {
		return fmt.Errorf("tensor %q: offsets do not span the %d bytes", name+"/offsets", len(sb))
	}
	v.Strs = make([]string, len(offs)-1)
	for k := range v.Strs {
		if offs[k+1] < offs[k] {
			return fmt.Errorf("tensor %q: offsets decrease at %d", name+"/offsets", k)
		}
		v.Strs[k] = string(sb[offs[k]:offs[k+1]])
	}
	return nil
}
