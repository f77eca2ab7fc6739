package dataset

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/parquet-go/parquet-go"
)

// mixedRow has one column of each kind this package reads, nullable ones
// included; mixedRows fills them with nulls here and there.
type mixedRow struct {
	Click  bool     `parquet:"click"`
	Shop   *string  `parquet:"shop,optional,dict"`
	Item   int32    `parquet:"item_id"`
	Tag    string   `parquet:"tag"`
	Score  *float32 `parquet:"score,optional"`
	Hist   []int32  `parquet:"hist_item,list,optional"`
	Tags   []string `parquet:"tags,list"`
	Legacy []int64  `parquet:"legacy"` // a bare repeated column (two-level list)
	Opt    []*int64 `parquet:"opt_hist,list" parquet-element:",optional"`
}

func ptr[T any](v T) *T { return &v }

func mixedRows(n int) []mixedRow {
	shops := []string{"b", "a", "c"}
	rows := make([]mixedRow, n)
	for i := range rows {
		r := &rows[i]
		r.Click = i%3 == 0
		if i%5 != 4 {
			r.Shop = ptr(shops[i%3])
		}
		r.Item = int32(100 + i%7)
		r.Tag = "t" + string(rune('a'+i%4))
		if i%6 != 5 {
			r.Score = ptr(float32(i % 10))
		}
		if i%4 != 3 { // null lists on every fourth row
			for k := range i % 6 {
				r.Hist = append(r.Hist, int32(100+(i+k)%9))
			}
		}
		for k := range i % 3 {
			r.Tags = append(r.Tags, shops[k])
		}
		for k := range i % 2 {
			r.Legacy = append(r.Legacy, int64(k))
		}
		for k := range i % 7 {
			if (i+k)%3 == 0 {
				r.Opt = append(r.Opt, nil)
			} else {
				r.Opt = append(r.Opt, ptr(int64(100+(i*k)%9)))
			}
		}
	}
	return rows
}

func TestLoad_ParquetVariants(t *testing.T) {
	rows := mixedRows(2000)
	for _, tc := range []struct {
		name string
		opts []parquet.WriterOption
	}{
		{"snappy", []parquet.WriterOption{parquet.Compression(&parquet.Snappy)}},
		{"zstd,v1 pages,small row groups", []parquet.WriterOption{parquet.Compression(&parquet.Zstd), parquet.DataPageVersion(1), parquet.MaxRowsPerRowGroup(300), parquet.PageBufferSize(256)}},
		{"gzip,dictionary", []parquet.WriterOption{parquet.Compression(&parquet.Gzip), parquet.DefaultEncoding(&parquet.RLEDictionary), parquet.MaxRowsPerRowGroup(700)}},
		{"uncompressed", []parquet.WriterOption{parquet.Compression(&parquet.Uncompressed), parquet.PageBufferSize(1024)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeRows(t, "mixed.parquet", rows, tc.opts...)
			// Train: the first 1500 rows of the file; valid: the whole file again.
			d, err := Load(Source{Train: []string{path}, Valid: []string{path}}, Columns{
				Sequences: []SeqSpec{{Column: "hist_item", MaxLen: 3}, {Column: "tags", Target: "shop"}, {Column: "opt_hist", Target: "item_id", MaxLen: 4}},
				Dense:     []string{"score"},
			})
			if err != nil {
				t.Fatal(err)
			}
			checkMixed(t, d, rows)

			// In pieces of a few rows (page and row group boundaries fall
			// inside and between pieces), the same Dataset.
			defer func(n int) { pieceRows = n }(pieceRows)
			for _, n := range []int{1, 7, 333} {
				pieceRows = n
				d2, err := Load(Source{Train: []string{path}, Valid: []string{path}}, Columns{
					Sequences: []SeqSpec{{Column: "hist_item", MaxLen: 3}, {Column: "tags", Target: "shop"}, {Column: "opt_hist", Target: "item_id", MaxLen: 4}},
					Dense:     []string{"score"},
				})
				if err != nil {
					t.Fatal(err)
				}
				d2.enc, d.enc = nil, nil
				if !reflect.DeepEqual(d, d2) {
					t.Errorf("pieces of %d rows: a different Dataset", n)
				}
			}
		})
	}
}

func checkMixed(t *testing.T, d *Dataset, rows []mixedRow) {
	t.Helper()
	n := len(rows)
	if d.N != 2*n || len(d.Train) != n || len(d.Valid) != n {
		t.Fatalf("N %d, splits %d/%d", d.N, len(d.Train), len(d.Valid))
	}
	s := d.Schema
	var names []string
	for _, f := range s.Categorical {
		names = append(names, fmt.Sprintf("%s:%d", f.Name, f.Vocab))
	}
	// shop: 0 unknown, 1 null, a b c; item_id: 100..108 (from histories too);
	// tag: ta..td.
	if want := []string{"shop:5", "item_id:10", "tag:5"}; !slices.Equal(names, want) {
		t.Errorf("categorical %v, want %v", names, want)
	}
	// score has nulls in train: a missing indicator follows. legacy (no
	// target by name) is pooled.
	if s.Label != "click" || !slices.Equal(s.Dense, []string{"score", "score_missing"}) || len(s.Sequences) != 3 {
		t.Errorf("schema %+v", s)
	}
	if len(d.Ignored) != 0 || !slices.Equal(s.Pooled, []Field{{"legacy", 2}}) || d.Pooled[0].MaxLen != 1 {
		t.Errorf("ignored %q, pooled %+v, MaxLen %d", d.Ignored, s.Pooled, d.Pooled[0].MaxLen)
	}
	shop, item, tag := d.Cat[0], d.Cat[1], d.Cat[2]
	hist, tags, opt := d.Seq[0], d.Seq[1], d.Seq[2]
	shopID := map[string]int32{"a": 2, "b": 3, "c": 4}
	var scoreSum, scoreN float64
	for _, r := range rows {
		if r.Score != nil {
			scoreSum += float64(*r.Score)
			scoreN++
		}
	}
	scoreMean := scoreSum / scoreN
	for i, r := range rows {
		for _, row := range []int{i, n + i} { // both copies encode alike
			if want := float32(b2i(r.Click)); d.Label[row] != want {
				t.Fatalf("row %d: label %v, want %v", row, d.Label[row], want)
			}
			want := int32(1) // null
			if r.Shop != nil {
				want = shopID[*r.Shop]
			}
			if shop[row] != want {
				t.Fatalf("row %d: shop %v encoded %d, want %d", row, r.Shop, shop[row], want)
			}
			if item[row] != r.Item-100+1 || tag[row] != int32(r.Tag[1]-'a'+1) {
				t.Fatalf("row %d: item %d → %d, tag %s → %d", row, r.Item, item[row], r.Tag, tag[row])
			}
			// Nulls become the train mean, i.e. 0; the sign is kept.
			x := d.Dense[0][row]
			switch {
			case r.Score == nil && x != 0:
				t.Fatalf("row %d: null score → %v, want 0", row, x)
			case r.Score != nil && (float64(*r.Score) > scoreMean) != (x > 0):
				t.Fatalf("row %d: score %v → %v", row, *r.Score, x)
			}
			if ind := d.Dense[1][row]; ind != float32(b2i(r.Score == nil)) {
				t.Fatalf("row %d: score %v, missing indicator %v", row, r.Score, ind)
			}
			if p := d.Pooled[0]; p.Len[row] != int32(len(r.Legacy)) || (len(r.Legacy) == 1 && p.IDs[row] != 1) {
				t.Fatalf("row %d: legacy %v pooled as %v", row, r.Legacy, p.IDs[row])
			}
			L := hist.MaxLen
			k := min(len(r.Hist), L)
			if hist.Len[row] != int32(k) {
				t.Fatalf("row %d: hist %v, length %d", row, r.Hist, hist.Len[row])
			}
			for j := range k {
				if hist.IDs[row*L+j] != r.Hist[j]-100+1 {
					t.Fatalf("row %d: hist %v encoded %v", row, r.Hist, hist.IDs[row*L:row*L+L])
				}
			}
			L = tags.MaxLen
			if tags.Len[row] != int32(len(r.Tags)) {
				t.Fatalf("row %d: tags %v, length %d", row, r.Tags, tags.Len[row])
			}
			for j, v := range r.Tags {
				if tags.IDs[row*L+j] != shopID[v] {
					t.Fatalf("row %d: tags %v encoded %v", row, r.Tags, tags.IDs[row*L:row*L+L])
				}
			}
			// Null items are skipped, then the first MaxLen kept.
			var wantOpt []int32
			for _, v := range r.Opt {
				if v != nil && len(wantOpt) < opt.MaxLen {
					wantOpt = append(wantOpt, int32(*v-100+1))
				}
			}
			L = opt.MaxLen
			if got := opt.IDs[row*L : row*L+int(opt.Len[row])]; !slices.Equal(got, wantOpt) {
				t.Fatalf("row %d: opt_hist encoded %v, want %v", row, got, wantOpt)
			}
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Unseen values (in valid, never in train) get id 0; so do history items.
func TestLoad_UnseenValues(t *testing.T) {
	type row struct {
		Label int64    `parquet:"label"`
		Item  string   `parquet:"item"`
		Hist  []string `parquet:"hist_item,list"`
	}
	train := writeRows(t, "train.parquet", []row{{0, "b", []string{"a"}}, {1, "c", nil}})
	valid := writeRows(t, "valid.parquet", []row{{1, "zz", []string{"yy", "b", "a"}}, {0, "a", []string{}}})
	d, err := Load(Source{Train: []string{train}, Valid: []string{valid}}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	// Train values a (from a history), b, c → 1, 2, 3.
	if v := d.Schema.Categorical[0].Vocab; v != 4 {
		t.Errorf("vocab %d, want 4", v)
	}
	if got := d.Cat[0]; !slices.Equal(got, []int32{2, 3, 0, 1}) {
		t.Errorf("item ids %v, want [2 3 0 1]", got)
	}
	h := d.Seq[0]
	if !slices.Equal(h.Len, []int32{1, 0, 3, 0}) || !slices.Equal(h.IDs[2*20:2*20+4], []int32{0, 2, 1, 0}) {
		t.Errorf("history lengths %v, row 2 ids %v", h.Len, h.IDs[40:44])
	}
}

// A history item is recorded in the vocabulary only when kept (within MaxLen).
func TestLoad_VocabFromKeptHistory(t *testing.T) {
	type row struct {
		Label float64 `parquet:"label"`
		Item  int64   `parquet:"item_id"`
		Hist  []int64 `parquet:"hist_item,list"`
	}
	path := writeRows(t, "x.parquet", []row{{0, 5, []int64{7, 9, 11}}, {1, 6, []int64{9}}})
	d, err := Load(Source{Train: []string{path}}, Columns{Sequences: []SeqSpec{{Column: "hist_item", MaxLen: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	// 5, 6, 7, 9 (11 is beyond MaxLen).
	if v := d.Schema.Categorical[0].Vocab; v != 5 {
		t.Errorf("vocab %d, want 5", v)
	}
	if !slices.Equal(d.Seq[0].IDs, []int32{3, 4, 4, 0}) {
		t.Errorf("ids %v", d.Seq[0].IDs)
	}
}

// Large, sparse int ids take the map path of the vocabulary.
func TestLoad_SparseIDs(t *testing.T) {
	type row struct {
		Label int32 `parquet:"clk"`
		User  int64 `parquet:"user"`
	}
	var rows []row
	for i := range 1000 {
		rows = append(rows, row{int32(i % 2), int64(i%50) * 1_000_000_007 * int64(1-2*(i%2))})
	}
	rows = append(rows, row{0, math.MinInt64}, row{1, math.MaxInt64})
	path := writeRows(t, "x.parquet", rows)
	d, err := Load(Source{Train: []string{path}}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Schema.Label != "clk" || d.Schema.Categorical[0].Vocab != 50+2+1 {
		t.Fatalf("schema %+v", d.Schema)
	}
	if d.Cat[0][1000] != 1 || d.Cat[0][1001] != 52 {
		t.Errorf("min and max int64 encoded %d, %d, want 1, 52", d.Cat[0][1000], d.Cat[0][1001])
	}
}

// A bare repeated column (a two-level list) reads as a list.
func TestLoad_LegacyList(t *testing.T) {
	type row struct {
		Label int64   `parquet:"label"`
		Item  int64   `parquet:"item_id"`
		Hist  []int64 `parquet:"hist_item"`
	}
	path := writeRows(t, "x.parquet", []row{{0, 1, []int64{2, 3}}, {1, 2, nil}, {0, 3, []int64{1}}})
	d, err := Load(Source{Train: []string{path}}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	h := d.Seq[0]
	if d.Schema.Sequences[0].Target != "item_id" || !slices.Equal(h.Len, []int32{2, 0, 1}) || h.IDs[0] != 2 || h.IDs[1] != 3 || h.IDs[40] != 1 {
		t.Errorf("schema %+v, lengths %v, ids %v", d.Schema.Sequences, h.Len, h.IDs)
	}
}

// The Arrow arrays read from Parquet hold the values, the nulls and the
// list structure as written, over two files.
func TestReadTable_Arrow(t *testing.T) {
	rows := mixedRows(500)
	a := writeRows(t, "a.parquet", rows, parquet.MaxRowsPerRowGroup(128), parquet.PageBufferSize(200))
	b := writeRows(t, "b.parquet", rows, parquet.Compression(&parquet.Zstd))
	files, err := openAll([]string{a, b})
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll(files)
	tab, err := readTable(files, []string{"click", "shop", "score", "hist_item", "tags", "opt_hist", "legacy"})
	if err != nil {
		t.Fatal(err)
	}
	defer tab.release()
	click := tab.cols["click"].(*array.Boolean)
	shop := tab.cols["shop"].(*array.String)
	score := tab.cols["score"].(*array.Float64)
	hist := tab.cols["hist_item"].(*array.List)
	histItems := hist.ListValues().(*array.Int64)
	opt := tab.cols["opt_hist"].(*array.List)
	optItems := opt.ListValues().(*array.Int64)
	tags := tab.cols["tags"].(*array.List)
	legacy := tab.cols["legacy"].(*array.List)
	if tab.n != 1000 || click.Len() != 1000 || hist.Len() != 1000 || legacy.Len() != 1000 {
		t.Fatalf("n %d, lengths %d %d %d", tab.n, click.Len(), hist.Len(), legacy.Len())
	}
	if file, row := tab.where(777); file != b || row != 277 {
		t.Errorf("row 777 is in %s row %d", file, row)
	}
	for i := range 1000 {
		r := rows[i%500]
		if click.Value(i) != r.Click || shop.IsNull(i) != (r.Shop == nil) || score.IsNull(i) != (r.Score == nil) {
			t.Fatalf("row %d: %v %v %v, want %+v", i, click.Value(i), shop.IsNull(i), score.IsNull(i), r)
		}
		if r.Shop != nil && shop.Value(i) != *r.Shop {
			t.Fatalf("row %d: shop %q, want %q", i, shop.Value(i), *r.Shop)
		}
		if r.Score != nil && score.Value(i) != float64(*r.Score) {
			t.Fatalf("row %d: score %v, want %v", i, score.Value(i), *r.Score)
		}
		if hist.IsNull(i) != (r.Hist == nil) {
			t.Fatalf("row %d: hist null %v, want %v", i, hist.IsNull(i), r.Hist == nil)
		}
		lo, hi := hist.ValueOffsets(i)
		got := slices.Clone(histItems.Int64Values()[lo:hi])
		want := make([]int64, len(r.Hist))
		for k, v := range r.Hist {
			want[k] = int64(v)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("row %d: hist %v, want %v", i, got, want)
		}
		lo, hi = opt.ValueOffsets(i)
		if int(hi-lo) != len(r.Opt) {
			t.Fatalf("row %d: opt_hist has %d items, want %d", i, hi-lo, len(r.Opt))
		}
		for k, v := range r.Opt {
			j := int(lo) + k
			if optItems.IsNull(j) != (v == nil) || (v != nil && optItems.Value(j) != *v) {
				t.Fatalf("row %d: opt_hist item %d", i, k)
			}
		}
		if lo, hi := tags.ValueOffsets(i); int(hi-lo) != len(r.Tags) {
			t.Fatalf("row %d: %d tags, want %d", i, hi-lo, len(r.Tags))
		}
		if lo, hi := legacy.ValueOffsets(i); int(hi-lo) != len(r.Legacy) {
			t.Fatalf("row %d: %d legacy items, want %d", i, hi-lo, len(r.Legacy))
		}
	}
}

// Columns this package does not read are ignored by inference and an error
// when named.
func TestLoad_UnsupportedColumns(t *testing.T) {
	type meta struct {
		A int64 `parquet:"a"`
	}
	type row struct {
		Label int64            `parquet:"label"`
		Item  int64            `parquet:"item"`
		Meta  meta             `parquet:"meta"`
		Attrs map[string]int64 `parquet:"attrs"`
		Vec   []float32        `parquet:"vec,list,optional"`
	}
	path := writeRows(t, "x.parquet", []row{{0, 1, meta{1}, map[string]int64{"x": 1}, []float32{1, 2}}, {1, 2, meta{2}, nil, nil}})
	d, err := Load(Source{Train: []string{path}}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"meta (group is a nested group (struct or map), not read)",
		"attrs (group is a map, not read)",
	}
	if !slices.Equal(d.Ignored, want) || len(d.Schema.Categorical) != 1 || !slices.Equal(d.Schema.Dense, []string{"vec[0]", "vec[1]", "vec_missing"}) {
		t.Errorf("ignored %q, schema %+v", d.Ignored, d.Schema)
	}
	_, err = Load(Source{Train: []string{path}}, Columns{Categorical: []string{"item", "meta"}})
	if want := `: column "meta": group is a nested group (struct or map), which this package does not read`; err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("error %v, want suffix %q", err, want)
	}
}

// A file with two columns of one name is an error naming the file and
// the column, in Load and Inspect alike.
func TestOpen_DuplicateColumn(t *testing.T) {
	type row struct {
		Label int64 `parquet:"label"`
		A     int64 `parquet:"dupcolumn_a"`
		B     int64 `parquet:"dupcolumn_b"`
	}
	path := writeRows(t, "dup.parquet", []row{{0, 1, 2}, {1, 3, 4}})
	// Rename dupcolumn_b to dupcolumn_a in the footer (same length).
	data, _ := os.ReadFile(path)
	data = bytes.ReplaceAll(data, []byte("dupcolumn_b"), []byte("dupcolumn_a"))
	os.WriteFile(path, data, 0o644)
	want := "dataset: " + path + `: column "dupcolumn_a": the file has two columns of this name; rename one`
	if _, err := Load(Source{Paths: []string{path}}, Columns{}); err == nil || err.Error() != want {
		t.Errorf("Load: error %v, want %s", err, want)
	}
	if _, err := Inspect([]string{path}, Columns{}); err == nil || err.Error() != want {
		t.Errorf("Inspect: error %v, want %s", err, want)
	}
}
