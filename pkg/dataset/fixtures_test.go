package dataset

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func splitFiles(dir string) Source {
	return Source{
		Train: []string{filepath.Join(dir, "train.parquet")},
		Valid: []string{filepath.Join(dir, "valid.parquet")},
		Test:  []string{filepath.Join(dir, "test.parquet")},
	}
}

// fuxictr_tiny_parquet: written by pyarrow; label clk (double); 14
// optional int64 fields with dictionary pages.
func TestFixture_FuxiCTRTinyParquet(t *testing.T) {
	dir := sharedData(t, "fixtures/fuxictr_tiny_parquet")
	d, err := Load(splitFiles(dir), Columns{})
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 300 || len(d.Train) != 100 || len(d.Valid) != 100 || len(d.Test) != 100 {
		t.Fatalf("N %d, splits %d/%d/%d", d.N, len(d.Train), len(d.Valid), len(d.Test))
	}
	s := d.Schema
	if s.Label != "clk" || len(s.Categorical) != 14 || len(s.Dense) != 0 || len(s.Sequences) != 0 || s.PTrue != "" {
		t.Fatalf("schema %+v", s)
	}
	for i, f := range s.Categorical {
		if f.Vocab < 2 {
			t.Errorf("field %s: vocab %d", f.Name, f.Vocab)
		}
		for _, id := range d.Cat[i] {
			if id < 0 || int(id) >= f.Vocab {
				t.Fatalf("field %s: id %d outside [0, %d)", f.Name, id, f.Vocab)
			}
		}
	}
	var pos float32
	for _, y := range d.Label {
		pos += y
	}
	t.Logf("fuxictr_tiny_parquet: %d rows, %.0f clicks, fields %v", d.N, pos, s.Categorical)
	if pos == 0 || int(pos) == d.N {
		t.Errorf("%v positives of %d", pos, d.N)
	}
	// The same data with explicit roles and a group.
	d2, err := Load(splitFiles(dir), Columns{Label: "clk", Categorical: []string{"userid", "adgroup_id"}, Group: "userid"})
	if err != nil {
		t.Fatal(err)
	}
	if len(d2.Schema.Categorical) != 2 || len(d2.Ignored) != 12 || d2.Group == nil {
		t.Errorf("schema %+v, ignored %v", d2.Schema, d2.Ignored)
	}
	if !slices.Equal(d2.Cat[0], d.Cat[catField(t, d, "userid")]) {
		t.Error("userid encodes differently with explicit columns")
	}
}

// fuxictr_tiny_emb: written by Arrow2 (Rust), zstd; feat1 and feat2 float,
// feat3 list<double> (a pretrained embedding vector of 96 values), label
// double. feat3 is a dense vector: 96 standardised dense columns.
func TestFixture_FuxiCTRTinyEmb(t *testing.T) {
	dir := sharedData(t, "fixtures/fuxictr_tiny_emb")
	d, err := Load(splitFiles(dir), Columns{})
	if err != nil {
		t.Fatal(err)
	}
	s := d.Schema
	if d.N != 300 || s.Label != "label" || len(s.Dense) != 2+96 || len(s.Categorical) != 0 || len(d.Dense) != len(s.Dense) {
		t.Fatalf("N %d, schema %+v", d.N, s)
	}
	if s.Dense[0] != "feat1" || s.Dense[1] != "feat2" || s.Dense[2] != "feat3[0]" || s.Dense[97] != "feat3[95]" || len(d.Ignored) != 0 {
		t.Errorf("dense %q, ignored %q", s.Dense, d.Ignored)
	}
	type embRow struct {
		Feat1 float32   `parquet:"feat1"`
		Feat2 float32   `parquet:"feat2"`
		Feat3 []float64 `parquet:"feat3,list"`
		Label float64   `parquet:"label"`
	}
	train := readRows[embRow](t, filepath.Join(dir, "train.parquet"))
	test := readRows[embRow](t, filepath.Join(dir, "test.parquet"))
	for _, c := range []int{0, 17, 95} {
		var sum, ss float64
		for _, r := range train {
			sum += r.Feat3[c]
		}
		mean := sum / float64(len(train))
		for _, r := range train {
			ss += (r.Feat3[c] - mean) * (r.Feat3[c] - mean)
		}
		std := math.Sqrt(ss / float64(len(train)))
		col := d.Dense[2+c]
		for i, r := range test { // test rows use the train statistics
			want := (r.Feat3[c] - mean) / std
			if got := float64(col[d.Test[i]]); math.Abs(got-want) > 1e-5*max(1, math.Abs(want)) {
				t.Fatalf("feat3[%d] test row %d: %v, want %v", c, i, got, want)
			}
		}
		if m := mean32(col, d.Train); math.Abs(m) > 1e-5 {
			t.Errorf("train mean of feat3[%d] %v, want 0", c, m)
		}
	}
	// Named as dense, it encodes alike.
	d2, err := Load(splitFiles(dir), Columns{Dense: []string{"feat3"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(d2.Dense) != 96 || !slices.Equal(d2.Dense[5], d.Dense[7]) || !slices.Equal(d2.Ignored, []string{"feat1 (not in columns.dense)", "feat2 (not in columns.dense)"}) {
		t.Errorf("feat3 as dense: %d columns, ignored %q", len(d2.Dense), d2.Ignored)
	}
}

// Files without page checksums (pyarrow's default) that are damaged give
// errors naming the file; the decoder's panics are recovered.
func TestFixture_Damaged(t *testing.T) {
	dir := sharedData(t, "fixtures/fuxictr_tiny_parquet")
	whole, err := os.ReadFile(filepath.Join(dir, "train.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	failures := 0
	for k := range 60 {
		b := append([]byte(nil), whole...)
		at := 4 + (len(b)-3000)*k/60
		for i := at; i < at+16; i++ {
			b[i] = ^b[i]
		}
		bad := filepath.Join(t.TempDir(), "bad.parquet")
		os.WriteFile(bad, b, 0o644)
		if _, err := Load(Source{Train: []string{bad}}, Columns{}); err != nil {
			if failures < 3 || strings.Contains(err.Error(), "corrupt data") {
				t.Logf("damaged at %d: %v", at, err)
			}
			failures++
			if !strings.HasPrefix(err.Error(), "dataset: "+bad+": ") {
				t.Errorf("error %q does not name the file", err)
			}
		}
	}
	t.Logf("%d of 60 damaged files failed to load", failures)

	// One flipped bit that makes the decoder panic (found by flipping every
	// byte of this file): the panic becomes an error naming file and column.
	b := append([]byte(nil), whole...)
	b[798] ^= 0x80
	bad := filepath.Join(t.TempDir(), "panics.parquet")
	os.WriteFile(bad, b, 0o644)
	_, err = Load(Source{Train: []string{bad}}, Columns{})
	want := "dataset: " + bad + `: column "pvalue_level": row group 0: corrupt data: `
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %v, want prefix %q", err, want)
	}
}

// Frappe_x1 (BARS): 288,609 rows, label and 10 int64 fields.
func TestFixture_Frappe(t *testing.T) {
	dir := sharedData(t, "frappe_x1")
	t0 := time.Now()
	d, err := Load(splitFiles(dir), Columns{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("frappe_x1 loaded in %v", time.Since(t0).Round(time.Millisecond))
	if d.N != 288_609 || len(d.Train) != 202_027 || len(d.Valid) != 57_722 || len(d.Test) != 28_860 {
		t.Fatalf("N %d, splits %d/%d/%d", d.N, len(d.Train), len(d.Valid), len(d.Test))
	}
	s := d.Schema
	var names []string
	for _, f := range s.Categorical {
		names = append(names, f.Name)
	}
	want := []string{"user", "item", "daytime", "weekday", "isweekend", "homework", "cost", "weather", "country", "city"}
	if s.Label != "label" || !slices.Equal(names, want) || len(s.Dense) != 0 || len(s.Sequences) != 0 {
		t.Fatalf("schema %+v", s)
	}
	t.Logf("vocabularies: %v", s.Categorical)
	for _, split := range SplitNames {
		rate := mean32(d.Label, d.Split(split))
		if rate < 0.3 || rate > 0.37 { // one positive to two negatives
			t.Errorf("%s label rate %.4f, want about 1/3", split, rate)
		}
	}
	var unseen [10]int
	for f := range d.Cat {
		for _, r := range d.Test {
			if d.Cat[f][r] == 0 {
				unseen[f]++
			}
		}
	}
	t.Logf("test rows with an id unseen in train, per field: %v", unseen)
}
