package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// richData loads richRows split over three files with min_count 2 (so some
// values, and the null of some columns, have no id of their own) and
// returns the Dataset and the files.
func richData(t *testing.T, cols Columns) (*Dataset, []string) {
	t.Helper()
	dir := t.TempDir()
	files := make([]string, 3)
	for i, n := range []int{3000, 700, 500} {
		files[i] = writeRowsAt(t, filepath.Join(dir, fmt.Sprint(i)+".parquet"), richRows(n, i))
	}
	d, err := Load(Source{Train: files[:1], Valid: files[1:2], Test: files[2:]}, cols)
	if err != nil {
		t.Fatal(err)
	}
	return d, files
}

// sameEncoding fails when a and b hold different encoded columns.
func sameEncoding(t *testing.T, what string, a, b *Dataset) {
	t.Helper()
	if fmt.Sprint(a.Schema) != fmt.Sprint(b.Schema) {
		t.Fatalf("%s: schema %+v, want %+v", what, a.Schema, b.Schema)
	}
	for _, c := range []struct {
		name string
		x, y any
	}{{"label", a.Label, b.Label}, {"cat", a.Cat, b.Cat}, {"seq", a.Seq, b.Seq}, {"pooled", a.Pooled, b.Pooled}, {"test", a.Test, b.Test}} {
		if !reflect.DeepEqual(c.x, c.y) {
			t.Fatalf("%s: %s differ", what, c.name)
		}
	}
	if len(a.Dense) != len(b.Dense) {
		t.Fatalf("%s: %d dense columns, want %d", what, len(a.Dense), len(b.Dense))
	}
	for k := range a.Dense { // bit for bit
		for r := range a.Dense[k] {
			if math.Float32bits(a.Dense[k][r]) != math.Float32bits(b.Dense[k][r]) {
				t.Fatalf("%s: dense %s row %d: %v, want %v", what, a.Schema.Dense[k], r, a.Dense[k][r], b.Dense[k][r])
			}
		}
	}
}

// roundTrip passes a state through JSON, with the values kept aside as a
// model file keeps them apart.
func roundTrip(t *testing.T, st *EncoderState) *EncoderState {
	t.Helper()
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var back EncoderState
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for i := range back.Categorical {
		back.Categorical[i].Ints, back.Categorical[i].Strs = st.Categorical[i].Ints, st.Categorical[i].Strs
	}
	for i := range back.Pooled {
		back.Pooled[i].Ints, back.Pooled[i].Strs = st.Pooled[i].Ints, st.Pooled[i].Strs
	}
	return &back
}

// A restored state encodes every file as the Dataset it came from, and
// its own state is the same state.
func TestEncoderState_RoundTrip(t *testing.T) {
	for _, cols := range []Columns{{MinCount: 2}, {MinCount: 1, Group: "user"}, {Strict: false, PooledMaxLen: 2, Sequences: []SeqSpec{{Column: "hist_item", MaxLen: 3}}}} {
		d, files := richData(t, cols)
		st, err := d.State()
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range st.Categorical {
			if v.Len() != d.Schema.Categorical[i].Vocab {
				t.Fatalf("vocabulary %s: %d ids, schema %d", v.Column, v.Len(), d.Schema.Categorical[i].Vocab)
			}
		}
		r, err := roundTrip(t, st).Dataset()
		if err != nil {
			t.Fatal(err)
		}
		if r.N != 0 || fmt.Sprint(r.Schema) != fmt.Sprint(d.Schema) || !reflect.DeepEqual(r.Inputs(), d.Inputs()) {
			t.Fatalf("restored: N %d, schema %+v, want %+v", r.N, r.Schema, d.Schema)
		}
		for _, f := range files {
			want, err := d.Encode([]string{f})
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.Encode([]string{f})
			if err != nil {
				t.Fatal(err)
			}
			sameEncoding(t, f, got, want)
		}
		again, err := r.State()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(again, st) {
			t.Errorf("the state of a restored state differs:\n%+v\n%+v", again, st)
		}
	}
}

// Vocabulary states list the values in id order, null first when kept.
func TestEncoderState_VocabOrder(t *testing.T) {
	type row struct {
		Label int64   `parquet:"label"`
		Color *string `parquet:"color,optional"`
		Big   int64   `parquet:"big"`
		Flag  bool    `parquet:"flag"`
	}
	s := func(x string) *string { return &x }
	rows := []row{{0, s("red"), 1 << 40, true}, {1, nil, -5, false}, {0, s("blue"), 7, true}, {1, nil, 1 << 40, true}}
	d, err := Load(Source{Train: []string{writeRows(t, "v.parquet", rows)}}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := d.State()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, v := range st.Categorical {
		got[v.Column] = fmt.Sprint(v.Null, v.Ints, v.Strs, v.Strings)
	}
	want := map[string]string{"color": "true [] [blue red] true", "big": "false [-5 7 1099511627776] [] false", "flag": "false [0 1] [] false"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("vocabularies %v, want %v", got, want)
	}
}

// setRows sets every input of every row of file from its raw values, as
// a request would (through JSON when viaJSON), and returns the Rows.
func setRows(t *testing.T, d *Dataset, file string, viaJSON bool) *Rows {
	t.Helper()
	inputs := d.Inputs()
	names := make([]string, len(inputs))
	for i, in := range inputs {
		names[i] = in.Name
	}
	cols, err := ReadColumns([]string{file}, names)
	if err != nil {
		t.Fatal(err)
	}
	n := cols[0].Len()
	b, err := d.NewRows(n)
	if err != nil {
		t.Fatal(err)
	}
	for r := range n {
		for i := range inputs {
			v := cols[i].Value(r)
			if viaJSON {
				js, _ := json.Marshal(v)
				dec := json.NewDecoder(bytes.NewReader(js))
				dec.UseNumber()
				if err := dec.Decode(&v); err != nil {
					t.Fatal(err)
				}
			}
			if err := b.Set(i, r, v); err != nil {
				t.Fatalf("row %d %s: %v", r, inputs[i].Name, err)
			}
		}
	}
	return b
}

// Rows set value by value encode as Encode encodes the file they come from.
func TestRows_SameAsEncode(t *testing.T) {
	d, files := richData(t, Columns{MinCount: 2, Group: "user"})
	for _, viaJSON := range []bool{false, true} {
		for _, f := range files[1:] {
			want, err := d.Encode([]string{f})
			if err != nil {
				t.Fatal(err)
			}
			b := setRows(t, d, f, viaJSON)
			got := b.D
			got.Label = want.Label // requests carry no labels
			sameEncoding(t, fmt.Sprint(f, " json ", viaJSON), got, want)
			unknown := 0
			for _, u := range b.Unknown() {
				unknown += u
			}
			if unknown == 0 {
				t.Errorf("%s: no unknown values counted (min_count 2 leaves some)", f)
			}
		}
	}
}

// Unknown counts the values (list items) that got id 0, per input.
func TestRows_Unknown(t *testing.T) {
	d, _ := richData(t, Columns{})
	b, err := d.NewRows(2)
	if err != nil {
		t.Fatal(err)
	}
	at := map[string]int{}
	for i, in := range b.Inputs() {
		at[in.Name] = i
	}
	set := func(name string, r int, v any) {
		t.Helper()
		if err := b.Set(at[name], r, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	set("user", 0, "nobody")
	set("user", 1, "u3")
	set("hist_item", 0, []any{int64(1), int64(999), nil, int64(998)})
	set("genres", 1, []any{"opera", "jazz"})
	set("item_id", 0, json.Number("3"))
	set("item_id", 1, 4.0)
	want := map[string]int{"user": 1, "hist_item": 2, "genres": 1}
	for name, i := range at {
		if b.Unknown()[i] != want[name] {
			t.Errorf("%s: %d unknown, want %d", name, b.Unknown()[i], want[name])
		}
	}
	if l := b.D.Seq[0].Len[0]; l != 3 {
		t.Errorf("history length %d, want 3 (the null item skipped)", l)
	}
}

func TestRows_Errors(t *testing.T) {
	d, _ := richData(t, Columns{})
	st, err := d.State()
	if err != nil {
		t.Fatal(err)
	}
	st.Strict = true
	strict, err := st.Dataset()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		d     *Dataset
		input string
		v     any
		want  string
	}{
		{d, "user", int64(3), "want a string, got a number (3)"},
		{d, "user", []any{"a"}, "want a string, got a list of 1"},
		{d, "item_id", "3", `want an integer, got a string ("3")`},
		{d, "item_id", json.Number("3.5"), "want an integer, got 3.5"},
		{d, "item_id", 3.5, "want an integer, got 3.5"},
		{d, "item_id", true, "want an integer, got a boolean (true)"},
		{d, "hist_item", int64(3), "want a list, got a number (3)"},
		{d, "hist_item", []any{int64(1), "x"}, `item 1: want an integer, got a string ("x")`},
		{d, "hist_item", []any{[]any{int64(1)}}, "item 0: want one int value, got a list"},
		{d, "price", "cheap", `want a number, got a string ("cheap")`},
		{d, "price", []any{1.0}, "want a number, got a list of 1"},
		{d, "price", json.Number("1e999"), "want a finite number, got 1e999"},
		{d, "price", math.NaN(), "want a finite number, got NaN"},
		{d, "emb", []any{1.0, 2.0}, "want a list of 3 numbers, got 2"},
		{d, "emb", 1.0, "want a list of 3 numbers, got a number (1)"},
		{d, "emb", []any{1.0, "x", 2.0}, `item 1: want a number, got a string ("x")`},
		{d, "genres", map[string]any{}, "want a list, got an object"},
		{strict, "emb", nil, "null; the model was trained with columns.strict"},
		{strict, "emb", []any{1.0, nil, 2.0}, "item 1: null; the model was trained with columns.strict"},
	} {
		b, err := tc.d.NewRows(1)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(b.Inputs(), func(in Input) bool { return in.Name == tc.input })
		if i < 0 {
			t.Fatalf("no input %q in %v", tc.input, b.Inputs())
		}
		if err := b.Set(i, 0, tc.v); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s = %v: error %v, want %q", tc.input, tc.v, err, tc.want)
		}
	}
}

// A damaged state is refused, never used.
func TestEncoderState_Refused(t *testing.T) {
	d, _ := richData(t, Columns{})
	st, err := d.State()
	if err != nil {
		t.Fatal(err)
	}
	user, item := catField(t, d, "user"), catField(t, d, "item_id")
	for _, tc := range []struct {
		change func(*EncoderState)
		want   string
	}{
		{func(s *EncoderState) { s.Types[0].Type = "decimal" }, "unknown type"},
		{func(s *EncoderState) {
			s.Categorical[user].Strs = append(s.Categorical[user].Strs, s.Categorical[user].Strs[0])
		}, "twice"},
		{func(s *EncoderState) {
			s.Categorical[item].Ints = append(s.Categorical[item].Ints, s.Categorical[item].Ints[0])
		}, "twice"},
		{func(s *EncoderState) { s.Categorical[user].Strings = false }, "values of the wrong kind"},
		{func(s *EncoderState) { s.Categorical[item].Strings = true }, "values of the wrong kind"},
		{func(s *EncoderState) { s.Dense[0].Std = nil }, `dense column "price": 1 means and 0 deviations`},
		{func(s *EncoderState) { s.Pooled[0].MaxLen = 0 }, "max_len 0"},
		{func(s *EncoderState) { s.Sequences[0].Field = 0 }, `sequence "hist_item"`},
		{func(s *EncoderState) { s.Inputs = s.Inputs[1:] }, "inputs"},
	} {
		b, _ := json.Marshal(st)
		var c EncoderState
		json.Unmarshal(b, &c)
		for i := range c.Categorical {
			c.Categorical[i].Ints, c.Categorical[i].Strs = slices.Clone(st.Categorical[i].Ints), slices.Clone(st.Categorical[i].Strs)
		}
		tc.change(&c)
		if _, err := c.Dataset(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
	if _, err := (&Dataset{}).State(); err == nil {
		t.Error("State of a Dataset without an encoding: no error")
	}
}

// WriteColumns writes what ReadColumns reads: values, nulls, empty and null
// lists, in the order given.
func TestWriteColumns_RoundTrip(t *testing.T) {
	rows := richRows(300, 0)
	src := writeRows(t, "src.parquet", rows)
	names := []string{"user", "price", "hist_item", "genres", "emb", "ts"}
	cols, err := ReadColumns([]string{src}, names)
	if err != nil {
		t.Fatal(err)
	}
	var out []OutColumn
	for _, c := range cols {
		out = append(out, OutColumn{Name: c.Name, Type: c.Type, Value: c.Value})
	}
	scores := func(r int) any { return float32(r) / 7 }
	att := func(r int) any {
		if r%5 == 0 {
			return nil
		}
		return make([]float32, r%3)
	}
	flag := func(r int) any { return r%2 == 0 }
	out = append(out, OutColumn{Name: "score", Type: "float32", Value: scores}, OutColumn{Name: "attention", Type: "list<float32>", Value: att},
		OutColumn{Name: "flag", Type: "bool", Value: flag})
	dst := filepath.Join(t.TempDir(), "out.parquet")
	if err := WriteColumns(dst, len(rows), out); err != nil {
		t.Fatal(err)
	}
	pfs, err := openAll([]string{dst})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, c := range pfs[0].cols {
		order = append(order, c.Name)
	}
	closeAll(pfs)
	if want := append(slices.Clone(names), "score", "attention", "flag"); !slices.Equal(order, want) {
		t.Errorf("columns %v, want %v", order, want)
	}
	back, err := ReadColumns([]string{dst}, append(names, "score", "attention", "flag"))
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range back[:len(names)] {
		for r := range rows {
			if g, w := fmt.Sprint(c.Value(r)), fmt.Sprint(cols[i].Value(r)); g != w {
				t.Fatalf("%s row %d: %s, want %s", c.Name, r, g, w)
			}
		}
	}
	for r := range rows {
		s, a := back[len(names)].Value(r), back[len(names)+1].Value(r)
		if s != float64(float32(r)/7) || (a == nil) != (r%5 == 0) || (a != nil && len(a.([]any)) != r%3) || back[len(names)+2].Value(r) != flag(r) {
			t.Fatalf("row %d: score %v attention %v", r, s, a)
		}
	}
	// Errors name the column and the file.
	if _, err := ReadColumns([]string{src}, []string{"nope"}); err == nil || !strings.Contains(err.Error(), `column "nope": not found`) {
		t.Errorf("missing column: %v", err)
	}
	if err := WriteColumns(dst, 1, []OutColumn{{Name: "x", Type: "decimal"}}); err == nil || !strings.Contains(err.Error(), `"x": unknown type "decimal"`) {
		t.Errorf("bad type: %v", err)
	}
	if err := WriteColumns(filepath.Join(t.TempDir(), "no", "dir.parquet"), 1, out); err == nil {
		t.Error("write into a missing folder: no error")
	}
}
