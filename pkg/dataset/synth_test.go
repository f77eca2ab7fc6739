package dataset

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestGenerate_SameSeedSameFile(t *testing.T) {
	dir := t.TempDir()
	gen := func(name string, seed uint64) []byte {
		path := filepath.Join(dir, name)
		if err := Generate(SynthConfig{Rows: 3000, Seed: seed, History: 8}, path); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b, c := gen("a.parquet", 7), gen("b.parquet", 7), gen("c.parquet", 8)
	if !bytes.Equal(a, b) {
		t.Error("seed 7 twice: files differ")
	}
	if bytes.Equal(a, c) {
		t.Error("seeds 7 and 8: same file")
	}
}

func TestGenerate_Columns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.parquet")
	if err := Generate(SynthConfig{Rows: 5000, Seed: 3, History: 12}, path); err != nil {
		t.Fatal(err)
	}
	pf, err := openParquet(path)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	want := []string{"label int64", "user_id int64", "item_id int64", "cate_id int64", "hour int64",
		"device int64", "weekday int64", "price double", "hist_item list<int64>", "p_true double"}
	if len(pf.cols) != len(want) {
		t.Fatalf("%d columns, want %d", len(pf.cols), len(want))
	}
	for i, c := range pf.cols {
		if got := c.Name + " " + c.TypeName(); got != want[i] {
			t.Errorf("column %d = %s, want %s", i, got, want[i])
		}
	}

	rows := readRows[synthRow](t, path)
	var empty, full int
	for i, r := range rows {
		switch n := len(r.HistItem); {
		case n == 0:
			empty++
		case n == 12:
			full++
		case n > 12:
			t.Fatalf("row %d: history of %d items, want ≤ 12", i, n)
		}
		if r.Hour < 0 || r.Hour > 23 || r.Device < 0 || r.Device > 3 || r.Weekday < 0 || r.Weekday > 6 {
			t.Fatalf("row %d: context out of range: %+v", i, r)
		}
		if r.ItemID < 1 || r.ItemID > synthItems || r.UserID < 1 || r.UserID > synthUsers || r.CateID < 1 || r.CateID > synthCats {
			t.Fatalf("row %d: id out of range: %+v", i, r)
		}
		if r.PTrue <= 0 || r.PTrue >= 1 || (r.Label != 0 && r.Label != 1) || !(r.Price > 0) {
			t.Fatalf("row %d: %+v", i, r)
		}
	}
	if empty == 0 || full == 0 {
		t.Errorf("%d empty and %d full histories of %d rows, want some of each", empty, full, len(rows))
	}
}

// TestGenerate_Figures checks the label rate and the Bayes AUC (AUC of
// p_true against the label) of 100k rows with seed 1.
func TestGenerate_Figures(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.parquet")
	if err := Generate(SynthConfig{Rows: 100_000, Seed: 1}, path); err != nil {
		t.Fatal(err)
	}
	d, err := Load(Source{Paths: []string{path}}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	all := make([]int32, d.N)
	for i := range all {
		all[i] = int32(i)
	}
	rate := mean32(d.Label, all)
	auc := aucOf(d.PTrue, d.Label)
	t.Logf("100k rows, seed 1: label rate %.4f, Bayes AUC %.4f", rate, auc)
	if rate < 0.25 || rate > 0.45 {
		t.Errorf("label rate %.4f, want 0.25–0.45", rate)
	}
	if auc < 0.75 || auc > 0.85 {
		t.Errorf("Bayes AUC %.4f, want 0.75–0.85", auc)
	}
	// p_true is the click probability: its mean matches the label rate.
	if m := mean32(d.PTrue, all); m < rate-0.01 || m > rate+0.01 {
		t.Errorf("mean p_true %.4f, label rate %.4f", m, rate)
	}
}

func TestGenerate_BadConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.parquet")
	for _, cfg := range []SynthConfig{{Rows: 0}, {Rows: 10, History: -1}} {
		if err := Generate(cfg, path); err == nil {
			t.Errorf("Generate(%+v): no error", cfg)
		}
	}
}

// Parts split the rows of one file into a folder of files, in order.
func TestGenerate_Parts(t *testing.T) {
	dir := t.TempDir()
	one, parts := filepath.Join(dir, "one.parquet"), filepath.Join(dir, "parts")
	cfg := SynthConfig{Rows: 1000, Seed: 4, History: 6}
	if err := Generate(cfg, one); err != nil {
		t.Fatal(err)
	}
	cfg.Parts = 3
	if err := Generate(cfg, parts); err != nil {
		t.Fatal(err)
	}
	want := readRows[synthRow](t, one)
	var got []synthRow
	for k, n := range []int{334, 333, 333} {
		rows := readRows[synthRow](t, filepath.Join(parts, fmt.Sprintf("part-%03d.parquet", k)))
		if len(rows) != n {
			t.Errorf("part %d: %d rows, want %d", k, len(rows), n)
		}
		got = append(got, rows...)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("the parts hold other rows than the single file")
	}
	cfg.Parts = 1001
	if err := Generate(cfg, parts); err == nil || err.Error() != "dataset: synthetic parts = 1001, want 0 to 1000 (the rows)" {
		t.Errorf("error %v", err)
	}
}
