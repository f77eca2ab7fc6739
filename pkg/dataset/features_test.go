package dataset

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// richRow has a column of every feature kind: a timestamp, categoricals,
// a history, a pooled list, a dense column and a dense vector, with nulls.
type richRow struct {
	Label  int64     `parquet:"label"`
	TS     int64     `parquet:"ts"`
	User   string    `parquet:"user"`
	Item   int64     `parquet:"item_id"`
	Hist   []int64   `parquet:"hist_item,list"`
	Genres []string  `parquet:"genres,list,optional"`
	Price  *float64  `parquet:"price,optional"`
	Emb    []float64 `parquet:"emb,list,optional"`
}

// richRows makes n rows from seed; every 7th price is null and every 11th
// embedding, every 13th genre list is null.
func richRows(n, seed int) []richRow {
	genres := []string{"drama", "comedy", "jazz", "news", "kids"}
	rows := make([]richRow, n)
	for i := range rows {
		k := i + seed*1000
		r := &rows[i]
		r.Label = int64(k % 3 % 2)
		r.TS = int64(1_700_000_000 + (k*7919)%n)
		r.User = fmt.Sprintf("u%d", k%17)
		r.Item = int64(k % 23)
		for j := range k % 6 {
			r.Hist = append(r.Hist, int64((k+j)%29))
		}
		if k%13 != 0 {
			for j := range k % 4 {
				r.Genres = append(r.Genres, genres[(k+j)%len(genres)])
			}
		}
		if k%7 != 0 {
			r.Price = ptr(float64(k%50) * 1.5)
		}
		if k%11 != 0 {
			r.Emb = []float64{float64(k % 5), -float64(k % 3), 1000 + float64(k%7)/8}
		}
	}
	return rows
}

// Dense nulls and NaN become the train mean, with an indicator column for
// each dense column that had them in train; a column with nulls only
// outside train gets none.
func TestLoad_DenseMissing(t *testing.T) {
	type row struct {
		Label int64    `parquet:"label"`
		A     *float64 `parquet:"a,optional"`
		B     float64  `parquet:"b"`
		C     *float64 `parquet:"c,optional"`
	}
	train := []row{{0, ptr(1.0), 1, ptr(5.0)}, {1, nil, math.NaN(), ptr(6.0)}, {0, ptr(3.0), 3, ptr(7.0)}}
	test := []row{{1, nil, 2, nil}, {0, ptr(2.0), math.NaN(), ptr(6.0)}}
	a, b := writeRows(t, "train.parquet", train), writeRows(t, "test.parquet", test)
	d, err := Load(Source{Train: []string{a}, Test: []string{b}}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "c", "a_missing", "b_missing"}; !slices.Equal(d.Schema.Dense, want) {
		t.Fatalf("dense %q, want %q", d.Schema.Dense, want)
	}
	// a: train values 1 and 3 (mean 2, std 1); b likewise; c: 5, 6, 7.
	std := float32(math.Sqrt(2.0 / 3))
	for i, want := range [][]float32{
		{-1, 0, 1, 0, 0},             // a
		{-1, 0, 1, 0, 0},             // b
		{-1 / std, 0, 1 / std, 0, 0}, // c: its test null is the mean, without an indicator
		{0, 1, 0, 1, 0},              // a_missing
		{0, 1, 0, 0, 1},              // b_missing
	} {
		for r := range want {
			if math.Abs(float64(d.Dense[i][r]-want[r])) > 1e-6 {
				t.Errorf("%s = %v, want %v", d.Schema.Dense[i], d.Dense[i], want)
				break
			}
		}
	}

	// Strict: the first null or NaN is an error naming file, column and row.
	for _, tc := range []struct {
		src  Source
		want string
	}{
		{Source{Train: []string{a}}, "dataset: " + a + `: column "a": row 1: null; columns.strict: dense values must not be null or NaN`},
		{Source{Train: []string{b}}, "dataset: " + b + `: column "a": row 0: null; columns.strict: dense values must not be null or NaN`},
	} {
		_, err := Load(tc.src, Columns{Dense: []string{"a"}, Strict: true})
		if err == nil || err.Error() != tc.want {
			t.Errorf("strict: error %v, want %s", err, tc.want)
		}
	}
	_, err = Load(Source{Train: []string{a}}, Columns{Dense: []string{"b"}, Strict: true})
	if want := "dataset: " + a + `: column "b": row 1: NaN; columns.strict: dense values must not be null or NaN`; err == nil || err.Error() != want {
		t.Errorf("strict NaN: error %v, want %s", err, want)
	}
	var e *Error
	if !errors.As(err, &e) || e.File != a || e.Column != "b" || e.Row != 1 {
		t.Errorf("error fields %#v", err)
	}
	// Strict data without nulls loads as usual.
	if _, err := Load(Source{Train: []string{a}}, Columns{Dense: []string{"c"}, Strict: true}); err != nil {
		t.Error(err)
	}
}

func TestLoad_DenseVector(t *testing.T) {
	path := writeRows(t, "rich.parquet", richRows(200, 0))
	raw := richRows(200, 0)
	d, err := Load(Source{Train: []string{path}}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"price", "emb[0]", "emb[1]", "emb[2]", "price_missing", "emb_missing"}
	if !slices.Equal(d.Schema.Dense, want) || len(d.Dense) != len(want) {
		t.Fatalf("dense %q, want %q", d.Schema.Dense, want)
	}
	// Each value standardised with the train mean and standard deviation
	// of the present vectors; a null list is the mean, with the indicator.
	for c := range 3 {
		var sum, ss, n float64
		for _, r := range raw {
			if r.Emb != nil {
				sum += r.Emb[c]
				n++
			}
		}
		mean := sum / n
		for _, r := range raw {
			if r.Emb != nil {
				ss += (r.Emb[c] - mean) * (r.Emb[c] - mean)
			}
		}
		std := math.Sqrt(ss / n)
		for i, r := range raw {
			got, ind := d.Dense[1+c][i], d.Dense[5][i]
			switch {
			case r.Emb == nil && (got != 0 || ind != 1):
				t.Fatalf("row %d: null emb → %v, indicator %v", i, got, ind)
			case r.Emb != nil && (math.Abs(float64(got)-(r.Emb[c]-mean)/std) > 1e-4 || ind != 0):
				t.Fatalf("row %d: emb[%d] %v → %v, want %v (indicator %v)", i, c, r.Emb[c], got, (r.Emb[c]-mean)/std, ind)
			}
		}
	}
	// A list of ints listed in Dense is a vector too.
	d, err = Load(Source{Train: []string{path}}, Columns{Dense: []string{"hist_item"}, Sequences: []SeqSpec{}})
	if err == nil {
		t.Errorf("history of varying length as a vector: no error (dense %q)", d.Schema.Dense)
	} else if want := "dataset: " + path + `: column "hist_item": row 1: list of 1 values, want 0 like the first list (row 0 of ` + path + `): a dense vector has one length (a missing vector is a null list)`; err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}

	type vecRow struct {
		Label int64     `parquet:"label"`
		V     []float64 `parquet:"v,list,optional"`
	}
	for _, tc := range []struct {
		name string
		rows []vecRow
		cols Columns
		want string
	}{
		{"length", []vecRow{{0, []float64{1, 2}}, {1, nil}, {0, []float64{1, 2, 3}}}, Columns{},
			`: column "v": row 2: list of 3 values, want 2 like the first list (row 0 of `},
		{"Inf", []vecRow{{0, []float64{1, 2}}, {1, []float64{3, math.Inf(-1)}}}, Columns{},
			`: column "v": row 1: value 1 is -Inf; dense values must be finite (nulls and NaN are allowed)`},
		{"strict null", []vecRow{{0, []float64{1, 2}}, {1, nil}}, Columns{Strict: true},
			`: column "v": row 1: null list; columns.strict: dense values must not be null or NaN`},
		{"strict NaN", []vecRow{{0, []float64{1, math.NaN()}}}, Columns{Strict: true},
			`: column "v": row 0: value 1 is NaN; columns.strict: dense values must not be null or NaN`},
		{"all null", []vecRow{{0, nil}, {1, nil}}, Columns{},
			`: column "v": every list is null: a dense vector needs values`},
		{"all empty", []vecRow{{0, []float64{}}, {1, []float64{}}}, Columns{},
			`: column "v": every list is empty: a dense vector needs values`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeRows(t, "v.parquet", tc.rows)
			_, err := Load(Source{Train: []string{path}}, tc.cols)
			if err == nil || !strings.HasPrefix(err.Error(), "dataset: "+path+tc.want) {
				t.Errorf("error %v, want %s", err, tc.want)
			}
		})
	}
}

// Lists with no target are pooled features with a vocabulary of their own.
func TestLoad_Pooled(t *testing.T) {
	type row struct {
		Label  int64     `parquet:"label"`
		Item   int64     `parquet:"item_id"`
		Genres []string  `parquet:"genres,list,optional"`
		Tags   []*int64  `parquet:"tags,list" parquet-element:",optional"`
		Hist   []int64   `parquet:"hist_item,list"`
		Other  []string  `parquet:"other,list"`
		Vec    []float32 `parquet:"vec,list"`
	}
	long := make([]*int64, 60)
	for i := range long {
		long[i] = ptr(int64(i % 3))
	}
	train := []row{
		{0, 1, []string{"jazz", "drama"}, []*int64{ptr(int64(7)), nil, ptr(int64(9))}, []int64{1}, []string{"x"}, []float32{1}},
		{1, 2, nil, long, []int64{2, 1}, []string{"x"}, []float32{2}},
		{0, 1, []string{"drama"}, nil, nil, []string{"y"}, []float32{3}},
	}
	valid := []row{{1, 3, []string{"rock", "jazz"}, []*int64{ptr(int64(8))}, nil, nil, []float32{4}}}
	a, b := writeRows(t, "train.parquet", train), writeRows(t, "valid.parquet", valid)
	d, err := Load(Source{Train: []string{a}, Valid: []string{b}}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	s := d.Schema
	if want := []Field{{"genres", 3}, {"tags", 6}, {"other", 3}}; !slices.Equal(s.Pooled, want) {
		t.Fatalf("pooled %+v, want %+v", s.Pooled, want)
	}
	if len(s.Sequences) != 1 || len(d.Ignored) != 0 {
		t.Errorf("sequences %+v, ignored %q", s.Sequences, d.Ignored)
	}
	g, tags := d.Pooled[0], d.Pooled[1]
	// genres: drama 1, jazz 2; MaxLen the longest train list (2); rock unseen.
	if g.MaxLen != 2 || !slices.Equal(g.IDs, []int32{2, 1, 0, 0, 1, 0, 0, 2}) || !slices.Equal(g.Len, []int32{2, 0, 1, 2}) {
		t.Errorf("genres %+v", g)
	}
	// tags: 0 1 2 7 9 → 1..5, null items skipped; the 60-item list is cut to
	// MaxPooledLen; 8 only in valid.
	if tags.MaxLen != MaxPooledLen || !slices.Equal(tags.IDs[:3], []int32{4, 5, 0}) || tags.Len[0] != 2 || tags.Len[1] != MaxPooledLen || tags.IDs[3*MaxPooledLen] != 0 || tags.Len[3] != 1 {
		t.Errorf("tags MaxLen %d, lengths %v, row 0 %v", tags.MaxLen, tags.Len, tags.IDs[:3])
	}
	if !slices.Equal(tags.IDs[MaxPooledLen:MaxPooledLen+4], []int32{1, 2, 3, 1}) {
		t.Errorf("tags row 1 %v", tags.IDs[MaxPooledLen:MaxPooledLen+4])
	}

	// Columns.Pooled names them (the others are then not inferred), and
	// PooledMaxLen sets the length.
	d, err = Load(Source{Train: []string{a}}, Columns{Pooled: []string{"tags"}, PooledMaxLen: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Schema.Pooled) != 1 || d.Pooled[0].MaxLen != 2 || d.Pooled[0].Len[1] != 2 ||
		!slices.Contains(d.Ignored, "genres (not in columns.pooled)") {
		t.Errorf("pooled %+v, ignored %q", d.Schema.Pooled, d.Ignored)
	}

	// Inspect says why.
	rep, err := Inspect([]string{a}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Columns {
		if c.Name == "genres" && (c.Role != "pooled" || c.Why != "inferred: list<string> is a pooled feature: no target column (tried genres_id)") {
			t.Errorf("genres: role %q why %q", c.Role, c.Why)
		}
		if c.Name == "vec" && (c.Role != "dense" || !strings.Contains(c.Why, "dense vector")) {
			t.Errorf("vec: role %q why %q", c.Role, c.Why)
		}
	}
}

// A list whose target by name is unusable is pooled, and Inspect says why;
// named in Columns.Sequences it is an error.
func TestLoad_PooledNoUsableTarget(t *testing.T) {
	type row struct {
		Label int64   `parquet:"label"`
		Item  string  `parquet:"item"`
		Hist  []int64 `parquet:"hist_item,list"`
	}
	path := writeRows(t, "x.parquet", []row{{0, "a", []int64{1, 2}}, {1, "b", []int64{2}}})
	d, err := Load(Source{Train: []string{path}}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Schema.Sequences) != 0 || !slices.Equal(d.Schema.Pooled, []Field{{"hist_item", 3}}) {
		t.Errorf("schema %+v", d.Schema)
	}
	rep, _ := Inspect([]string{path}, Columns{})
	if c := rep.Columns[2]; c.Why != "inferred: list<int64> is a pooled feature: no usable target (item is string, the items int64)" {
		t.Errorf("why %q", c.Why)
	}
}

func TestLoad_MinCount(t *testing.T) {
	type row struct {
		Label int64   `parquet:"label"`
		Shop  *string `parquet:"shop,optional"`
		Item  int64   `parquet:"item_id"`
		Hist  []int64 `parquet:"hist_item,list"`
		Tags  []int64 `parquet:"tags,list"`
	}
	s := func(x string) *string { return &x }
	train := []row{
		{0, s("a"), 1, []int64{2, 3}, []int64{5, 5}},
		{1, s("a"), 1, []int64{3}, []int64{5}},
		{0, s("b"), 2, nil, []int64{6}},
		{1, nil, 4, []int64{4}, nil},
		{0, nil, 9, nil, []int64{6}},
	}
	test := []row{{1, s("b"), 3, []int64{4, 1, 2}, []int64{5, 6, 7}}}
	a, b := writeRows(t, "train.parquet", train), writeRows(t, "test.parquet", test)
	src := Source{Train: []string{a}, Test: []string{b}}
	d, err := Load(src, Columns{MinCount: 2})
	if err != nil {
		t.Fatal(err)
	}
	// shop: null (2) → 1, a (2) → 2, b (1) → 0. item_id counts its history
	// items: 1 (2), 2 (1+1), 3 (2), 4 (1+1), 9 (1) → 1, 2, 3, 4 kept.
	// tags: 5 (3), 6 (2).
	if want := []Field{{"shop", 3}, {"item_id", 5}}; !slices.Equal(d.Schema.Categorical, want) {
		t.Errorf("categorical %+v, want %+v", d.Schema.Categorical, want)
	}
	if !slices.Equal(d.Cat[0], []int32{2, 2, 0, 1, 1, 0}) || !slices.Equal(d.Cat[1], []int32{1, 1, 2, 4, 0, 3}) {
		t.Errorf("shop %v, item_id %v", d.Cat[0], d.Cat[1])
	}
	if h := d.Seq[0]; !slices.Equal(h.IDs[5*h.MaxLen:5*h.MaxLen+3], []int32{4, 1, 2}) {
		t.Errorf("test history %v", h.IDs[5*h.MaxLen:5*h.MaxLen+3])
	}
	// tags keeps at most 2 items: the longest train list.
	if p := d.Pooled[0]; d.Schema.Pooled[0].Vocab != 3 || p.MaxLen != 2 || !slices.Equal(p.IDs[5*p.MaxLen:], []int32{1, 2}) {
		t.Errorf("tags %+v, test row %v", d.Schema.Pooled, p.IDs[5*p.MaxLen:])
	}
	// The default (0, as 1) keeps every train value.
	d, err = Load(src, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Schema.Categorical[0].Vocab != 4 || d.Schema.Categorical[1].Vocab != 6 {
		t.Errorf("categorical %+v", d.Schema.Categorical)
	}
}

func TestLoad_SplitBy(t *testing.T) {
	type row struct {
		Label int64   `parquet:"label"`
		TS    int64   `parquet:"ts"`
		Day   string  `parquet:"day"`
		F     float64 `parquet:"f"`
		Item  int64   `parquet:"item"`
	}
	// Timestamps out of file order, with ties (rows 1, 4 and 7 share 5).
	ts := []int64{9, 5, 0, 8, 5, 2, 7, 5, 1, 3}
	rows := make([]row, len(ts))
	for i, v := range ts {
		rows[i] = row{int64(i % 2), v, fmt.Sprintf("2024-01-%02d", v+1), float64(v) / 2, int64(i)}
	}
	path := writeRows(t, "x.parquet", rows)
	fr := [3]float64{0.5, 0.2, 0.3}
	for _, col := range []string{"ts", "day", "f"} {
		d, err := Load(Source{Paths: []string{path}, Fractions: fr, SplitBy: col}, Columns{})
		if err != nil {
			t.Fatal(err)
		}
		// Ordered: 2(0) 8(1) 5(2) 9(3) 1(5) 4(5) | 7(5) 6(7) | 3(8) 0(9);
		// train holds the first 5 (tie on 5 broken by file order).
		if !slices.Equal(d.Train, []int32{1, 2, 5, 8, 9}) || !slices.Equal(d.Valid, []int32{4, 7}) || !slices.Equal(d.Test, []int32{0, 3, 6}) {
			t.Errorf("split by %s: %v / %v / %v", col, d.Train, d.Valid, d.Test)
		}
		if !slices.Contains(d.Ignored, col+" (split.by: it orders the rows; a feature only when listed in columns)") {
			t.Errorf("split by %s: ignored %q", col, d.Ignored)
		}
	}
	// Named as a feature, the split_by column is one.
	d, err := Load(Source{Paths: []string{path}, Fractions: fr, SplitBy: "ts"}, Columns{Dense: []string{"ts"}})
	if err != nil || !slices.Equal(d.Schema.Dense, []string{"ts"}) {
		t.Errorf("ts as dense: %v, %+v", err, d.Schema)
	}

	type nullRow struct {
		Label int64    `parquet:"label"`
		TS    *float64 `parquet:"ts,optional"`
	}
	for _, tc := range []struct {
		rows []nullRow
		want string
	}{
		{[]nullRow{{0, ptr(1.0)}, {1, nil}}, `: column "ts": row 1: null; split.by needs a value in every row`},
		{[]nullRow{{0, ptr(math.NaN())}, {1, ptr(2.0)}}, `: column "ts": row 0: NaN; split.by needs a value in every row`},
	} {
		path := writeRows(t, "n.parquet", tc.rows)
		_, err := Load(Source{Paths: []string{path}, SplitBy: "ts"}, Columns{})
		if err == nil || err.Error() != "dataset: "+path+tc.want {
			t.Errorf("error %v, want %s", err, tc.want)
		}
	}
}

// Encode of the train file gives the columns Load gave the train rows.
func TestEncode_SameAsLoad(t *testing.T) {
	dir := t.TempDir()
	files := make([]string, 3)
	for i, n := range []int{3000, 700, 500} {
		files[i] = writeRows(t, filepath.Base(dir)+fmt.Sprint(i)+".parquet", richRows(n, i))
	}
	d, err := Load(Source{Train: files[:1], Valid: files[1:2], Test: files[2:]}, Columns{MinCount: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !d.HasLabel || len(d.Schema.Pooled) != 1 || len(d.Schema.Sequences) != 1 || len(d.Schema.Dense) != 6 {
		t.Fatalf("schema %+v", d.Schema)
	}
	for split, path := range files {
		e, err := d.Encode([]string{path})
		if err != nil {
			t.Fatal(err)
		}
		rows := d.Split(SplitNames[split])
		if e.N != len(rows) || len(e.Test) != e.N || len(e.Train) != 0 || len(e.Valid) != 0 || !e.HasLabel {
			t.Fatalf("%s: N %d, splits %d/%d/%d", path, e.N, len(e.Train), len(e.Valid), len(e.Test))
		}
		if fmt.Sprint(e.Schema) != fmt.Sprint(d.Schema) {
			t.Errorf("schema %+v, want %+v", e.Schema, d.Schema)
		}
		same := func(what string, got, want func(i int) string) {
			t.Helper()
			for i, r := range rows {
				if g, w := got(i), want(int(r)); g != w {
					t.Fatalf("%s: %s of row %d: %s, Load gave %s", SplitNames[split], what, i, g, w)
				}
			}
		}
		same("label", func(i int) string { return fmt.Sprint(e.Label[i]) }, func(r int) string { return fmt.Sprint(d.Label[r]) })
		for f := range d.Cat {
			same(d.Schema.Categorical[f].Name, func(i int) string { return fmt.Sprint(e.Cat[f][i]) }, func(r int) string { return fmt.Sprint(d.Cat[f][r]) })
		}
		for k := range d.Dense {
			same(d.Schema.Dense[k], func(i int) string { return fmt.Sprint(e.Dense[k][i]) }, func(r int) string { return fmt.Sprint(d.Dense[k][r]) })
		}
		for j, c := range append(slices.Clone(d.Seq), d.Pooled...) {
			ec := append(slices.Clone(e.Seq), e.Pooled...)[j]
			L := c.MaxLen
			same(fmt.Sprint("list ", j), func(i int) string { return fmt.Sprint(ec.IDs[i*L:(i+1)*L], ec.Len[i]) },
				func(r int) string { return fmt.Sprint(c.IDs[r*L:(r+1)*L], c.Len[r]) })
		}
	}
}

func TestEncode_NewFiles(t *testing.T) {
	path := writeRows(t, "train.parquet", richRows(500, 0))
	d, err := Load(Source{Paths: []string{path}, SplitBy: "ts"}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	// Data to score: no label; values never seen in train.
	type scoreRow struct {
		TS     int64     `parquet:"ts"`
		User   string    `parquet:"user"`
		Item   int64     `parquet:"item_id"`
		Hist   []int64   `parquet:"hist_item,list"`
		Genres []string  `parquet:"genres,list,optional"`
		Price  *float64  `parquet:"price,optional"`
		Emb    []float64 `parquet:"emb,list,optional"`
	}
	fresh := writeRows(t, "new.parquet", []scoreRow{
		{1, "nobody", 99, []int64{1, 99}, []string{"opera"}, nil, nil},
		{2, "u3", 3, nil, []string{"jazz"}, ptr(9.0), []float64{1, 2, 3}},
	})
	e, err := d.Encode([]string{fresh, fresh})
	if err != nil {
		t.Fatal(err)
	}
	if e.HasLabel || !slices.Equal(e.Label, []float32{0, 0, 0, 0}) || !slices.Equal(e.Test, []int32{0, 1, 2, 3}) {
		t.Errorf("HasLabel %v, label %v, test %v", e.HasLabel, e.Label, e.Test)
	}
	user := catField(t, d, "user")
	if e.Cat[user][0] != 0 || e.Cat[user][1] == 0 || e.Seq[0].IDs[1] != 0 || e.Seq[0].IDs[0] == 0 || e.Pooled[0].IDs[0] != 0 {
		t.Errorf("unseen values: user %v, history %v, genres %v", e.Cat[user], e.Seq[0].IDs[:2], e.Pooled[0].IDs[:2])
	}
	// Nulls: the mean (0) and the indicators learned in train.
	if n := len(e.Dense); n != 6 || e.Dense[0][0] != 0 || e.Dense[4][0] != 1 || e.Dense[5][0] != 1 || e.Dense[5][1] != 0 {
		t.Errorf("dense %v", e.Dense)
	}

	// Errors name the file and the column.
	type missingRow struct {
		Label int64  `parquet:"label"`
		User  string `parquet:"user"`
	}
	missing := writeRows(t, "missing.parquet", []missingRow{{0, "u1"}})
	type changedRow struct {
		Label  int64     `parquet:"label"`
		TS     int64     `parquet:"ts"`
		User   int64     `parquet:"user"`
		Item   int64     `parquet:"item_id"`
		Hist   []int64   `parquet:"hist_item,list"`
		Genres []string  `parquet:"genres,list"`
		Price  int64     `parquet:"price"` // int for float: fine for a dense column
		Emb    []float64 `parquet:"emb,list"`
	}
	changed := writeRows(t, "changed.parquet", []changedRow{{0, 1, 5, 1, nil, nil, 3, []float64{1, 2, 3}}})
	for _, tc := range []struct {
		paths []string
		want  string
	}{
		{[]string{missing}, "dataset: " + missing + `: column "item_id": not found (columns: label, user)`},
		{[]string{fresh, missing}, "dataset: " + missing + `: column "item_id": not found (columns: label, user)`},
		{[]string{changed}, "dataset: " + changed + `: column "user": type int64, but string in the data the encoding was learned from`},
		{[]string{filepath.Join(t.TempDir(), "nope.parquet")}, "dataset: "},
		{nil, "dataset: no files to encode"},
	} {
		_, err := d.Encode(tc.paths)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Encode(%v): error %v, want %s", tc.paths, err, tc.want)
		}
	}
	// A dense column may come as int where train had float.
	type intPriceRow struct {
		TS     int64     `parquet:"ts"`
		User   string    `parquet:"user"`
		Item   int64     `parquet:"item_id"`
		Hist   []int64   `parquet:"hist_item,list"`
		Genres []string  `parquet:"genres,list"`
		Price  int64     `parquet:"price"`
		Emb    []float64 `parquet:"emb,list"`
	}
	intPrice := writeRows(t, "intprice.parquet", []intPriceRow{{1, "u1", 1, nil, nil, 3, []float64{1, 2, 3}}})
	if e, err := d.Encode([]string{intPrice}); err != nil || e.Dense[0][0] == 0 {
		t.Errorf("int price: %v", err)
	}
	if _, err := (&Dataset{}).Encode([]string{fresh}); err == nil || err.Error() != "dataset: Encode needs a Dataset made by Load" {
		t.Errorf("Encode without Load: %v", err)
	}
}
