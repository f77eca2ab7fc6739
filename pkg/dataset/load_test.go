package dataset

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// synthFile generates a synthetic file once per test.
func synthFile(t testing.TB, rows int, seed uint64, history int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "synth.parquet")
	if err := Generate(SynthConfig{Rows: rows, Seed: seed, History: history}, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoad_RoundTrip(t *testing.T) {
	const rows, history, maxLen = 20_000, 30, 10
	path := synthFile(t, rows, 5, history)
	raw := readRows[synthRow](t, path)
	src := Source{Paths: []string{path}, Fractions: [3]float64{0.6, 0.3, 0.1}, Seed: 42}
	cols := Columns{Sequences: []SeqSpec{{Column: "hist_item", MaxLen: maxLen}}}
	d, err := Load(src, cols)
	if err != nil {
		t.Fatal(err)
	}

	// Sizes: the splits cover every row once.
	if d.N != rows {
		t.Fatalf("N = %d, want %d", d.N, rows)
	}
	if len(d.Train) != 12_000 || len(d.Valid) != 6_000 || len(d.Test) != 2_000 {
		t.Errorf("splits %d/%d/%d, want 12000/6000/2000", len(d.Train), len(d.Valid), len(d.Test))
	}
	seen := make([]bool, d.N)
	for _, name := range SplitNames {
		s := d.Split(name)
		if !slices.IsSorted(s) {
			t.Errorf("%s rows not in file order", name)
		}
		for _, r := range s {
			if seen[r] {
				t.Fatalf("row %d in two splits", r)
			}
			seen[r] = true
		}
	}

	// Roles.
	s := d.Schema
	if s.Label != "label" || s.PTrue != "p_true" || s.Group != "" {
		t.Errorf("schema %+v", s)
	}
	wantCat := []string{"user_id", "item_id", "cate_id", "hour", "device", "weekday"}
	var gotCat []string
	for _, f := range s.Categorical {
		gotCat = append(gotCat, f.Name)
	}
	if !slices.Equal(gotCat, wantCat) || !slices.Equal(s.Dense, []string{"price"}) {
		t.Errorf("categorical %v dense %v", gotCat, s.Dense)
	}
	item := catField(t, d, "item_id")
	if len(s.Sequences) != 1 || s.Sequences[0] != (Sequence{Name: "hist_item", Target: "item_id", Field: item, MaxLen: maxLen}) {
		t.Errorf("sequences %+v", s.Sequences)
	}

	// Labels and p_true as written.
	var pos int
	for i, r := range raw {
		if d.Label[i] != float32(r.Label) || d.PTrue[i] != float32(r.PTrue) {
			t.Fatalf("row %d: label %v p_true %v, want %+v", i, d.Label[i], d.PTrue[i], r)
		}
		pos += int(r.Label)
	}
	all := make([]int32, d.N)
	for i := range all {
		all[i] = int32(i)
	}
	if got, want := mean32(d.Label, all), float64(pos)/rows; got != want {
		t.Errorf("label rate %v, want %v", got, want)
	}

	// Vocabularies: built on train only, ids by ascending value from 1.
	vocabOf := func(values func(r synthRow, add func(int64))) map[int64]int32 {
		set := map[int64]bool{}
		for _, i := range d.Train {
			values(raw[i], func(v int64) { set[v] = true })
		}
		keys := make([]int64, 0, len(set))
		for k := range set {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		ids := map[int64]int32{}
		for i, k := range keys {
			ids[k] = int32(i + 1)
		}
		return ids
	}
	users := vocabOf(func(r synthRow, add func(int64)) { add(r.UserID) })
	items := vocabOf(func(r synthRow, add func(int64)) {
		add(r.ItemID)
		for _, h := range r.HistItem[:min(maxLen, len(r.HistItem))] {
			add(h)
		}
	})
	if got := s.Categorical[catField(t, d, "user_id")].Vocab; got != len(users)+1 {
		t.Errorf("user_id vocab %d, want %d", got, len(users)+1)
	}
	if got := s.Categorical[item].Vocab; got != len(items)+1 {
		t.Errorf("item_id vocab %d, want %d", got, len(items)+1)
	}
	if got := s.Categorical[catField(t, d, "hour")].Vocab; got != 25 {
		t.Errorf("hour vocab %d, want 25", got)
	}
	users0 := 0
	hist := d.Seq[0]
	for i, r := range raw {
		if got, want := d.Cat[0][i], users[r.UserID]; got != want { // 0 when unseen in train
			t.Fatalf("row %d: user_id %d encoded %d, want %d", i, r.UserID, got, want)
		}
		if users[r.UserID] == 0 {
			users0++
		}
		if got, want := d.Cat[item][i], items[r.ItemID]; got != want {
			t.Fatalf("row %d: item_id %d encoded %d, want %d", i, r.ItemID, got, want)
		}
		// Truncation keeps the first (most recent) maxLen items; padding 0.
		n := min(maxLen, len(r.HistItem))
		if hist.Len[i] != int32(n) {
			t.Fatalf("row %d: history length %d, want %d", i, hist.Len[i], n)
		}
		ids := hist.IDs[i*maxLen : (i+1)*maxLen]
		for k := range maxLen {
			want := int32(0)
			if k < n {
				want = items[r.HistItem[k]]
			}
			if ids[k] != want {
				t.Fatalf("row %d: history %v encoded %v", i, r.HistItem, ids)
			}
		}
	}
	t.Logf("%d rows with a user unseen in train (id 0)", users0)

	// Dense: standardised with train statistics.
	if m := mean32(d.Dense[0], d.Train); math.Abs(m) > 1e-4 {
		t.Errorf("train mean of standardised price %v, want 0", m)
	}
	var ss float64
	for _, r := range d.Train {
		ss += float64(d.Dense[0][r]) * float64(d.Dense[0][r])
	}
	if v := ss / float64(len(d.Train)); math.Abs(v-1) > 1e-3 {
		t.Errorf("train variance of standardised price %v, want 1", v)
	}

	// The same seed gives the same rows and encoding; another seed others.
	d2, err := Load(src, cols)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Train, d2.Train) || !slices.Equal(d.Test, d2.Test) || !slices.Equal(d.Cat[item], d2.Cat[item]) ||
		!slices.Equal(d.Seq[0].IDs, d2.Seq[0].IDs) || !slices.Equal(d.Dense[0], d2.Dense[0]) {
		t.Error("two loads with the same seed differ")
	}
	src.Seed = 43
	d3, err := Load(src, cols)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(d.Train, d3.Train) {
		t.Error("seeds 42 and 43 give the same train rows")
	}
}

func TestLoad_DefaultFractions(t *testing.T) {
	path := synthFile(t, 1000, 1, 5)
	d, err := Load(Source{Paths: []string{path}}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Train) != 700 || len(d.Valid) != 150 || len(d.Test) != 150 {
		t.Errorf("splits %d/%d/%d, want 700/150/150", len(d.Train), len(d.Valid), len(d.Test))
	}
	if d.Seq[0].MaxLen != DefaultMaxLen {
		t.Errorf("MaxLen %d, want %d", d.Seq[0].MaxLen, DefaultMaxLen)
	}
	// No test split: valid takes the rest.
	d, err = Load(Source{Paths: []string{path, path}, Fractions: [3]float64{0.8, 0.2, 0}}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 2000 || len(d.Train) != 1600 || len(d.Valid) != 400 || len(d.Test) != 0 {
		t.Errorf("N %d, splits %d/%d/%d, want 2000: 1600/400/0", d.N, len(d.Train), len(d.Valid), len(d.Test))
	}
}

func TestLoad_SplitFiles(t *testing.T) {
	train, valid, test := synthFile(t, 3000, 1, 10), synthFile(t, 1000, 2, 10), synthFile(t, 500, 3, 10)
	d, err := Load(Source{Train: []string{train, train}, Valid: []string{valid}, Test: []string{test}, Fractions: [3]float64{0.5, 0.5, 0}}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 7500 || len(d.Train) != 6000 || len(d.Valid) != 1000 || len(d.Test) != 500 {
		t.Fatalf("N %d, splits %d/%d/%d", d.N, len(d.Train), len(d.Valid), len(d.Test))
	}
	for i, r := range d.Train {
		if r != int32(i) {
			t.Fatalf("train[%d] = %d", i, r)
		}
	}
	if d.Valid[0] != 6000 || d.Test[0] != 7000 || d.Test[499] != 7499 {
		t.Errorf("valid starts at %d, test at %d..%d", d.Valid[0], d.Test[0], d.Test[499])
	}
	// The second copy of the train file encodes like the first.
	for f := range d.Cat {
		if !slices.Equal(d.Cat[f][:3000], d.Cat[f][3000:6000]) {
			t.Errorf("field %d: the two copies of train encode differently", f)
		}
	}
	raw := readRows[synthRow](t, test)
	for i, r := range raw {
		if d.Label[7000+i] != float32(r.Label) {
			t.Fatalf("test row %d: label %v, want %d", i, d.Label[7000+i], r.Label)
		}
	}
}

func TestLoad_ExplicitColumns(t *testing.T) {
	path := synthFile(t, 2000, 4, 10)
	raw := readRows[synthRow](t, path)
	d, err := Load(Source{Paths: []string{path}, Seed: 1}, Columns{
		Label:       "label",
		Categorical: []string{"cate_id", "device"},
		Sequences:   []SeqSpec{{Column: "hist_item", Target: "item_id", MaxLen: 4}},
		Group:       "user_id",
	})
	if err != nil {
		t.Fatal(err)
	}
	s := d.Schema
	var names []string
	for _, f := range s.Categorical {
		names = append(names, f.Name)
	}
	// The sequence's target joins the categorical fields; price is still
	// inferred dense (columns.dense is empty); the rest are ignored.
	if !slices.Equal(names, []string{"cate_id", "device", "item_id"}) || !slices.Equal(s.Dense, []string{"price"}) {
		t.Errorf("categorical %v dense %v", names, s.Dense)
	}
	if s.Sequences[0].Field != 2 || s.Sequences[0].MaxLen != 4 || s.Group != "user_id" {
		t.Errorf("schema %+v", s)
	}
	wantIgnored := []string{"hour (not in columns.categorical)", "weekday (not in columns.categorical)"}
	if !slices.Equal(d.Ignored, wantIgnored) {
		t.Errorf("ignored %q, want %q", d.Ignored, wantIgnored)
	}
	// Group ids: one per user over all rows, in order of user id.
	ids := map[int64]int32{}
	for i, r := range raw {
		g := d.Group[i]
		if prev, ok := ids[r.UserID]; ok && prev != g {
			t.Fatalf("user %d has group ids %d and %d", r.UserID, prev, g)
		}
		ids[r.UserID] = g
	}
	users := make([]int64, 0, len(ids))
	for u := range ids {
		users = append(users, u)
	}
	slices.Sort(users)
	for i, u := range users {
		if ids[u] != int32(i+1) {
			t.Fatalf("user %d: group %d, want %d", u, ids[u], i+1)
		}
	}
}

func TestTargetCandidates(t *testing.T) {
	for _, tc := range []struct {
		list string
		want []string
	}{
		{"hist_item", []string{"item", "item_id"}},
		{"history_item_id", []string{"item_id", "item_id_id"}},
		{"item_hist", []string{"item", "item_id"}},
		{"clicks", []string{"clicks_id"}},
	} {
		if got := targetCandidates(tc.list); !slices.Equal(got, tc.want) {
			t.Errorf("targetCandidates(%q) = %q, want %q", tc.list, got, tc.want)
		}
	}
}

func TestLoad_InferRoles(t *testing.T) {
	type row struct {
		Click bool      `parquet:"click"`
		Clk   int64     `parquet:"clk"`
		User  string    `parquet:"user"`
		Item  int32     `parquet:"item_id"`
		Hist  []int32   `parquet:"history_item,list"`
		Score float32   `parquet:"score"`
		PTrue float64   `parquet:"p_true"`
		Emb   []float64 `parquet:"emb,list,optional"`
	}
	rows := []row{
		{true, 1, "u1", 7, []int32{7, 8}, 0.5, 0.9, []float64{1, 2}},
		{false, 0, "u2", 8, nil, 1.5, 0.1, nil},
	}
	path := writeRows(t, "x.parquet", rows)
	d, err := Load(Source{Train: []string{path}}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	s := d.Schema
	want := Schema{
		Label:       "click",
		Categorical: []Field{{"user", 3}, {"item_id", 3}},
		Dense:       []string{"score", "emb[0]", "emb[1]", "emb_missing"},
		Sequences:   []Sequence{{Name: "history_item", Target: "item_id", Field: 1, MaxLen: DefaultMaxLen}},
		PTrue:       "p_true",
	}
	if s.Label != want.Label || !slices.Equal(s.Categorical, want.Categorical) || !slices.Equal(s.Dense, want.Dense) ||
		!slices.Equal(s.Sequences, want.Sequences) || s.PTrue != want.PTrue || s.Group != "" {
		t.Errorf("schema\n%+v\nwant\n%+v", s, want)
	}
	wantIgnored := []string{"clk (named like a label: a feature only when listed in columns)"}
	if !slices.Equal(d.Ignored, wantIgnored) {
		t.Errorf("ignored %q, want %q", d.Ignored, wantIgnored)
	}
	if !slices.Equal(d.Label, []float32{1, 0}) || !slices.Equal(d.PTrue, []float32{0.9, 0.1}) || d.Dense[0][0] != -1 || d.Dense[0][1] != 1 {
		t.Errorf("label %v, p_true %v, score %v", d.Label, d.PTrue, d.Dense[0])
	}
	// emb: one present vector (its own mean: 0 after standardising) and a
	// null list (the mean, and the indicator).
	if !slices.Equal(d.Dense[1], []float32{0, 0}) || !slices.Equal(d.Dense[2], []float32{0, 0}) || !slices.Equal(d.Dense[3], []float32{0, 1}) {
		t.Errorf("emb columns %v", d.Dense[1:])
	}
	// Listed explicitly, clk is a feature like any other.
	d, err = Load(Source{Train: []string{path}}, Columns{Categorical: []string{"clk", "item_id"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Schema.Categorical[0].Name != "clk" {
		t.Errorf("schema %+v", d.Schema)
	}
}

// The role table: a role is inferred only for types it takes, and each
// role's error text names the type.
func TestRoleTable(t *testing.T) {
	for _, r := range []*role{roleLabel, rolePTrue, roleGroup, roleCategorical, roleDense, roleSequence, rolePooled, roleTarget, roleSplitBy} {
		for _, ty := range r.infers {
			if !r.takes(ty) {
				t.Errorf("%s is inferred for %s, which it does not take", r.name, ty)
			}
		}
		c := &pqColumn{Name: "x", Physical: "FIXED_LEN_BYTE_ARRAY", List: true}
		if msg := r.rejected(c); !strings.Contains(msg, "list<fixed_len_byte_array>") || strings.Contains(msg, "%!") {
			t.Errorf("%s: rejection %q", r.name, msg)
		}
	}
}
