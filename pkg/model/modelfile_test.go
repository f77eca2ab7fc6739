package model

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// shopRow is a click log with a string user, a history, a pooled list of
// strings, a dense column with nulls and a dense vector.
type shopRow struct {
	Label  int64     `parquet:"label"`
	User   string    `parquet:"user"`
	ItemID int64     `parquet:"item_id"`
	Hist   []int64   `parquet:"hist_item,list"`
	Tags   []string  `parquet:"tags,list"`
	Price  *float64  `parquet:"price,optional"`
	Emb    []float64 `parquet:"emb,list"`
}

func shopRows(n int, seed uint64) []shopRow {
	rng := rand.New(rand.NewPCG(seed, 1))
	tags := []string{"red", "blue", "sale", "new", "kids", "été"}
	rows := make([]shopRow, n)
	for i := range rows {
		r := &rows[i]
		u := rng.IntN(40)
		r.User = fmt.Sprintf("user-%d", u)
		r.ItemID = int64(rng.IntN(60))
		for range rng.IntN(8) {
			r.Hist = append(r.Hist, int64((u*3+rng.IntN(10))%60))
		}
		for range rng.IntN(3) {
			r.Tags = append(r.Tags, tags[rng.IntN(len(tags))])
		}
		if rng.IntN(9) != 0 {
			r.Price = new(float64(rng.IntN(100)) * 0.37)
		}
		r.Emb = []float64{rng.NormFloat64(), rng.NormFloat64()}
		match := slices.Contains(r.Hist, r.ItemID)
		if rng.Float64() < 0.2 || match && rng.Float64() < 0.6 {
			r.Label = 1
		}
	}
	return rows
}

// shopData is the shop log in three split files, loaded (min_count 2).
var shopData = sync.OnceValues(func() (*dataset.Dataset, error) {
	dir, err := os.MkdirTemp("", "modelfile")
	if err != nil {
		return nil, err
	}
	var files []string
	for i, n := range []int{2000, 400, 400} {
		p := filepath.Join(dir, fmt.Sprint(i, ".parquet"))
		if err := parquet.WriteFile(p, shopRows(n, uint64(i))); err != nil {
			return nil, err
		}
		files = append(files, p)
	}
	return dataset.Load(dataset.Source{Train: files[:1], Valid: files[1:2], Test: files[2:]}, dataset.Columns{MinCount: 2})
})

// trained trains model m for one epoch on the shop data and returns the
// result and its model file.
func trained(t *testing.T, m string) (*dataset.Dataset, *Result, *ModelFile) {
	t.Helper()
	ds, err := shopData()
	if err != nil {
		t.Fatal(err)
	}
	p := smallParams(m)
	p.Epochs, p.BatchSize, p.BatchNorm = 1, 128, true
	res, err := Train(context.Background(), ds, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ds.State()
	if err != nil {
		t.Fatal(err)
	}
	mf, err := NewModelFile(res.Checkpoint, st, map[string]any{"trial": 7})
	if err != nil {
		t.Fatal(err)
	}
	return ds, res, mf
}

// A model file read back scores the test file exactly as Train scored the
// test split, for every model, with any batch capacity; attention too.
func TestModelFile_ScoresLikeTrain(t *testing.T) {
	for _, m := range Models() {
		ds, res, mf := trained(t, m)
		b, err := mf.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), m+".safetensors")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		back, err := ReadModelFile(path)
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		if back.Hash != mf.Hash || back.Params.Model != m || back.About["trial"] != 7.0 || back.Version != 1 {
			t.Fatalf("%s: read back hash %s model %s about %v", m, back.Hash, back.Params.Model, back.About)
		}
		enc, err := back.Data()
		if err != nil {
			t.Fatal(err)
		}
		test, err := enc.Encode([]string{ds.Files[2].Path})
		if err != nil {
			t.Fatal(err)
		}
		for _, capacity := range []int{0, 1, 33} {
			pr := scoresExactly(t, back, capacity, test, res.TestScores, fmt.Sprintf("%s capacity %d", m, capacity))
			if !pr.AttendsHistory() {
				continue
			}
			att := make([][]float32, test.N)
			out2 := make([]float32, test.N)
			pr.PredictAttention(test, test.Test, out2, att)
			for i := range att {
				want := pr.Attention(test, int32(i))
				if m == "bst" && len(want) > 0 {
					want = want[:len(want)-1]
				}
				if out2[i] != res.TestScores[i] || len(att[i]) != int(test.Seq[0].Len[i]) || !slices.Equal(att[i], want) {
					t.Fatalf("%s: row %d: attention %v score %v, one at a time %v score %v", m, i, att[i], out2[i], want, res.TestScores[i])
				}
			}
		}
	}
}

// A model with an empty tensor (logreg's dense weights [0, 1] on data
// without a dense column) reads back: empty tensors share their offset
// with the next one.
func TestModelFile_EmptyTensor(t *testing.T) {
	type row struct {
		Label int64  `parquet:"label"`
		User  string `parquet:"user"`
		Item  int64  `parquet:"item"`
	}
	rows := make([]row, 300)
	for i := range rows {
		rows[i] = row{int64(i % 3 % 2), fmt.Sprint("u", i%7), int64(i % 11)}
	}
	p := filepath.Join(t.TempDir(), "d.parquet")
	if err := parquet.WriteFile(p, rows); err != nil {
		t.Fatal(err)
	}
	ds, err := dataset.Load(dataset.Source{Paths: []string{p}}, dataset.Columns{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Train(context.Background(), ds, Params{Model: "logreg", Epochs: 1, BatchSize: 64}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := ds.State()
	mf, err := NewModelFile(res.Checkpoint, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := mf.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"weights/w_dense":{"dtype":"F32","shape":[0,1]`) {
		t.Fatal("no empty weights/w_dense tensor: the test checks nothing")
	}
	if _, err := ParseModelFile(b); err != nil {
		t.Fatal(err)
	}
}

// The file is what its documentation says: safetensors framing, aligned,
// tensors back to back, the metadata's parts, a hash over the file.
func TestModelFile_Layout(t *testing.T) {
	ds, res, mf := trained(t, "din")
	b, err := mf.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(b)
	// Each weights/ tensor holds what the model restored from its
	// checkpoint holds under that name (state tensors included: the slab
	// keeps them after the trainable ones).
	var entries map[string]struct {
		Dtype string
		Shape []int
		Off   [2]int `json:"data_offsets"`
	}
	json.Unmarshal(b[8:8+n], &entries)
	pr, err := Load(res.Checkpoint, ds)
	if err != nil {
		t.Fatal(err)
	}
	s := pr.net.params()
	states := 0
	for i, tn := range s.tensors {
		e, ok := entries["weights/"+tn.Name]
		if !ok || e.Dtype != "F32" || !slices.Equal(e.Shape, tn.Shape) {
			t.Fatalf("tensor %s: %+v, want F32 %v", tn.Name, e, tn.Shape)
		}
		data := b[8+n+uint64(e.Off[0]) : 8+n+uint64(e.Off[1])]
		for k, w := range s.w(i) {
			if got := math.Float32frombits(binary.LittleEndian.Uint32(data[4*k:])); got != w {
				t.Fatalf("tensor %s [%d]: file %v, model %v", tn.Name, k, got, w)
			}
		}
		if tn.Kind == kindState {
			states++
		}
	}
	if states == 0 {
		t.Fatal("din with Dice has no state tensor: the test checks nothing of the slab order")
	}
	if (8+n)%8 != 0 {
		t.Errorf("data starts at %d, not 8-aligned", 8+n)
	}
	var header map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &header); err != nil {
		t.Fatal(err)
	}
	var meta map[string]string
	json.Unmarshal(header["__metadata__"], &meta)
	for _, k := range []string{"format", "format_version", "content_sha256", "params", "schema", "tensors", "encoder", "about"} {
		if meta[k] == "" {
			t.Errorf("metadata %q missing", k)
		}
	}
	h := meta["content_sha256"]
	zeroed := strings.Replace(string(b), h, strings.Repeat("0", 64), 1)
	if sum := sha256.Sum256([]byte(zeroed)); hex.EncodeToString(sum[:]) != h {
		t.Errorf("content_sha256 is not the hash of the file with it zeroed")
	}
	var names []string
	for k := range header {
		names = append(names, k)
	}
	slices.Sort(names)
	var wantVocab []string
	for i, v := range mf.Encoder.Categorical {
		name := fmt.Sprint("vocab/categorical/", i)
		if v.Strings {
			wantVocab = append(wantVocab, name+"/bytes", name+"/offsets")
		} else {
			wantVocab = append(wantVocab, name)
		}
	}
	wantVocab = append(wantVocab, "vocab/pooled/0/bytes", "vocab/pooled/0/offsets")
	if len(mf.Encoder.Categorical) != 2 || !mf.Encoder.Categorical[0].Strings || mf.Encoder.Categorical[1].Strings {
		t.Fatalf("categorical columns %+v, want user (strings) and item_id", mf.Encoder.Categorical)
	}
	for _, w := range wantVocab {
		if !slices.Contains(names, w) {
			t.Errorf("no tensor %s in %v", w, names)
		}
	}
	if !slices.Contains(names, "weights/emb_item_id") {
		t.Errorf("no weights/emb_item_id in %v", names)
	}
	// The same model encodes to the same bytes.
	again, _ := mf.Bytes()
	if string(again) != string(b) {
		t.Error("two encodings of one model file differ")
	}
}

// editDigit changes the first digit after the first occurrence of at, in
// place, as a hand edit of the file would.
func editDigit(b []byte, at string) []byte {
	c := slices.Clone(b)
	i := strings.Index(string(c), at) + len(at)
	for c[i] < '0' || c[i] > '9' {
		i++
	}
	c[i] = '0' + (c[i]-'0'+1)%10
	return c
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// rehash sets a file's content hash after an edit (what a forger would
// have to do), so that tests reach the checks behind the hash.
func rehash(t *testing.T, b []byte) []byte {
	t.Helper()
	n := binary.LittleEndian.Uint64(b)
	at, err := hashAt(b[8 : 8+n])
	if err != nil {
		t.Fatal(err)
	}
	copy(b[8+at:], zeroHash)
	sum := sha256.Sum256(b)
	copy(b[8+at:], hex.EncodeToString(sum[:]))
	return b
}

// editMeta rewrites one metadata entry, keeping the hash valid.
func editMeta(t *testing.T, b []byte, key, value string) []byte {
	t.Helper()
	n := binary.LittleEndian.Uint64(b)
	var header map[string]any
	json.Unmarshal(b[8:8+n], &header)
	header["__metadata__"].(map[string]any)[key] = value
	hb, _ := json.Marshal(header)
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(hb)))
	out = append(append(out, hb...), b[8+n:]...)
	return rehash(t, out)
}

func TestModelFile_Refused(t *testing.T) {
	_, _, mf := trained(t, "dot")
	b, err := mf.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "0 bytes; the file is cut short"},
		{"header cut", b[:100], "the file is cut short or damaged"},
		{"data cut", b[:len(b)-1], "the file was changed or damaged"},
		{"a weight changed", func() []byte { c := slices.Clone(b); c[len(c)-3] ^= 0x10; return c }(), "content hash"},
		{"hand-edited mean", editDigit(b, `\"mean\":[`), "the file was changed or damaged after it was written; export the model again"},
		{"hand-edited hash", editDigit(b, `"content_sha256":"`), "the file was changed"},
		{"newer", editMeta(t, slices.Clone(b), "format_version", "2"), "format version 2, this build reads version 1: score it with a newer attnsweep"},
		{"older", editMeta(t, slices.Clone(b), "format_version", "0"), "format version 0 is no longer read (this build reads 1): export the model again"},
		{"other format", editMeta(t, slices.Clone(b), "format", "pytorch"), "not an attnsweep model file"},
		{"no encoder", editMeta(t, slices.Clone(b), "encoder", "null"), `metadata "encoder" is null`},
		{"bad params", editMeta(t, slices.Clone(b), "params", strings.Replace(mustJSON(mf.Params), `"dot"`, `"nope"`, 1)), `unknown model "nope"`},
		{"other schema", editMeta(t, slices.Clone(b), "schema", `{"Categorical": []}`), "the weights do not fit the encoding"},
		{"safetensors", append(binary.LittleEndian.AppendUint64(nil, 2), "{}"...), "not an attnsweep model file"},
	} {
		_, err := ParseModelFile(tc.b)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := ReadModelFile(filepath.Join(t.TempDir(), "none.safetensors")); err == nil || !strings.Contains(err.Error(), "none.safetensors: no such file") {
		t.Errorf("missing file: %v", err)
	}
}

// Fuzz-style: every truncation point of the header and a spread of them in
// the data, and bit flips across the file, are each refused with an error
// (the hash), never a panic or a model.
func TestModelFile_TruncatedAndFlipped(t *testing.T) {
	_, _, mf := trained(t, "din")
	b, err := mf.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	n := int(binary.LittleEndian.Uint64(b))
	rng := rand.New(rand.NewPCG(5, 5))
	var cuts []int
	for i := 0; i < 8+n+64 && i < len(b); i += 1 + i/64 {
		cuts = append(cuts, i)
	}
	for range 200 {
		cuts = append(cuts, rng.IntN(len(b)))
	}
	for _, c := range cuts {
		if _, err := ParseModelFile(b[:c]); err == nil {
			t.Fatalf("cut at %d of %d bytes: read as a model", c, len(b))
		}
	}
	for range 3000 {
		c := slices.Clone(b)
		at := rng.IntN(len(c))
		c[at] ^= 1 << rng.IntN(8)
		if _, err := ParseModelFile(c); err == nil {
			t.Fatalf("bit flipped at byte %d of %d: read as a model", at, len(b))
		}
	}
	// Flips behind a valid hash reach the structure checks: still errors.
	for range 300 {
		c := slices.Clone(b)
		at := rng.IntN(8 + n)
		c[at] ^= 1 << rng.IntN(8)
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("flip at %d behind a valid hash: panic %v", at, r)
				}
			}()
			if _, _, err := splitModelFile(c); err != nil {
				return
			}
			if h, err := hashAt(c[8 : 8+int(binary.LittleEndian.Uint64(c))]); err != nil || h+64 > len(c) {
				return
			}
			ParseModelFile(rehash(t, c))
		}()
	}
}

// A model file refuses data without its columns, naming the column.
func TestModelFile_RefusesOtherData(t *testing.T) {
	_, _, mf := trained(t, "dnn")
	enc, err := mf.Data()
	if err != nil {
		t.Fatal(err)
	}
	type otherRow struct {
		Label  int64     `parquet:"label"`
		User   int64     `parquet:"user"`
		ItemID int64     `parquet:"item_id"`
		Hist   []int64   `parquet:"hist_item,list"`
		Tags   []string  `parquet:"tags,list"`
		Price  float64   `parquet:"price"`
		Emb    []float64 `parquet:"emb,list"`
	}
	p := filepath.Join(t.TempDir(), "other.parquet")
	if err := parquet.WriteFile(p, []otherRow{{User: 3}}); err != nil {
		t.Fatal(err)
	}
	if _, err := enc.Encode([]string{p}); err == nil || !strings.Contains(err.Error(), `column "user": type int64, but string`) {
		t.Errorf("wrong type: %v", err)
	}
	type fewerRow struct {
		User string `parquet:"user"`
	}
	q := filepath.Join(t.TempDir(), "fewer.parquet")
	if err := parquet.WriteFile(q, []fewerRow{{"u"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := enc.Encode([]string{q}); err == nil || !strings.Contains(err.Error(), `column "item_id": not found`) {
		t.Errorf("missing column: %v", err)
	}
}

// A model reading two history columns (hist_item → item_id, hist_cat →
// cat) round-trips: the file holds both columns' vocabularies and max_len,
// and scores its test file as Train scored the test split.
func TestModelFile_TwoHistories(t *testing.T) {
	type row struct {
		Label   int64    `parquet:"label"`
		User    string   `parquet:"user"`
		ItemID  int64    `parquet:"item_id"`
		Cat     string   `parquet:"cat"`
		Hist    []int64  `parquet:"hist_item,list"`
		HistCat []string `parquet:"hist_cat,list"`
	}
	dir := t.TempDir()
	var files []string
	for i, n := range []int{1500, 300, 300} {
		rng := rand.New(rand.NewPCG(uint64(i), 9))
		rows := make([]row, n)
		for j := range rows {
			r := &rows[j]
			r.User, r.ItemID = fmt.Sprint("u", rng.IntN(30)), int64(rng.IntN(40))
			r.Cat = fmt.Sprint("c", r.ItemID%5)
			for range rng.IntN(6) {
				h := int64(rng.IntN(40))
				r.Hist, r.HistCat = append(r.Hist, h), append(r.HistCat, fmt.Sprint("c", h%5))
			}
			if slices.Contains(r.HistCat, r.Cat) && rng.IntN(3) > 0 || rng.IntN(6) == 0 {
				r.Label = 1
			}
		}
		p := filepath.Join(dir, fmt.Sprint(i, ".parquet"))
		if err := parquet.WriteFile(p, rows); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	ds, err := dataset.Load(dataset.Source{Train: files[:1], Valid: files[1:2], Test: files[2:]}, dataset.Columns{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Schema.Sequences) != 2 {
		t.Fatalf("sequences %+v: want hist_item and hist_cat (the test checks nothing)", ds.Schema.Sequences)
	}
	st, err := ds.State()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"dot", "din"} {
		p := smallParams(m)
		p.Epochs = 1
		res, err := Train(context.Background(), ds, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		mf, err := NewModelFile(res.Checkpoint, st, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := mf.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseModelFile(b)
		if err != nil {
			t.Fatal(err)
		}
		enc, err := back.Data()
		if err != nil {
			t.Fatal(err)
		}
		test, err := enc.Encode(files[2:])
		if err != nil {
			t.Fatal(err)
		}
		if len(test.Seq) != 2 || test.Seq[1].MaxLen != ds.Seq[1].MaxLen {
			t.Fatalf("%s: restored sequences %+v", m, test.Schema.Sequences)
		}
		scoresExactly(t, back, 0, test, res.TestScores, m)
	}
}

// scoresExactly scores test's test rows with a Predictor of mf and fails
// unless every score has the bits of want (the scores Train gave).
func scoresExactly(t *testing.T, mf *ModelFile, capacity int, test *dataset.Dataset, want []float32, label string) *Predictor {
	t.Helper()
	pr, err := mf.Predictor(capacity)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, test.N)
	pr.Predict(test, test.Test, out)
	for i := range out {
		if math.Float32bits(out[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: row %d scores %v, Train gave %v", label, i, out[i], want[i])
		}
	}
	return pr
}
