package dataset

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type labelRow struct {
	Label int64   `parquet:"label"`
	Item  int64   `parquet:"item_id"`
	Price float64 `parquet:"price"`
}

func labelRows(n int) []labelRow {
	rows := make([]labelRow, n)
	for i := range rows {
		rows[i] = labelRow{int64(i % 2), int64(i % 5), float64(i)}
	}
	return rows
}

func TestLoad_Errors(t *testing.T) {
	dir := t.TempDir()
	good := writeRows(t, "good.parquet", labelRows(30))

	text := filepath.Join(dir, "notes.parquet")
	os.WriteFile(text, []byte("hello, this is not Parquet at all"), 0o644)

	whole, _ := os.ReadFile(good)
	truncated := filepath.Join(dir, "truncated.parquet")
	os.WriteFile(truncated, whole[:len(whole)/2], 0o644)

	bad2 := labelRows(30)
	bad2[17].Label = 2
	label2 := writeRows(t, "label2.parquet", bad2)

	type nullRow struct {
		Label *int64 `parquet:"label,optional"`
		Item  int64  `parquet:"item_id"`
	}
	nulls := []nullRow{{ptr(int64(0)), 1}, {ptr(int64(1)), 2}, {nil, 3}}
	nullLabel := writeRows(t, "nulllabel.parquet", nulls)

	inf := labelRows(30)
	inf[5].Price = math.Inf(1)
	posInf := writeRows(t, "posinf.parquet", inf)
	inf[5].Price = 0
	inf[9].Price = math.Inf(-1)
	negInf := writeRows(t, "neginf.parquet", inf)

	type noLabel struct {
		A int64 `parquet:"a"`
		B int64 `parquet:"b"`
	}
	unlabelled := writeRows(t, "unlabelled.parquet", []noLabel{{1, 2}})

	type histRow struct {
		Label int64   `parquet:"label"`
		Item  int64   `parquet:"item_id"`
		Hist  []int64 `parquet:"hist_thing,list"`
	}
	noTarget := writeRows(t, "notarget.parquet", []histRow{{0, 1, []int64{1}}})

	type strRow struct {
		Label int64     `parquet:"label"`
		Item  string    `parquet:"item_id"`
		Hist  []int64   `parquet:"hist_item,list"`
		Vec   []float64 `parquet:"vec,list"`
	}
	mismatch := writeRows(t, "mismatch.parquet", []strRow{{0, "a", []int64{1}, []float64{0.5}}})

	for _, tc := range []struct {
		name string
		src  Source
		cols Columns
		want string
	}{
		{"no files", Source{}, Columns{}, "dataset: no data files given"},
		{"both", Source{Train: []string{good}, Paths: []string{good}}, Columns{}, "dataset: give either split files (train, valid, test) or paths with fractions, not both"},
		{"no train", Source{Valid: []string{good}}, Columns{}, "dataset: no train files (valid and test files alone cannot build vocabularies)"},
		{"bad fraction", Source{Paths: []string{good}, Fractions: [3]float64{0.5, -1, 0}}, Columns{}, "dataset: split fraction valid = -1, want a number ≥ 0"},
		{"missing file", Source{Train: []string{good}, Test: []string{filepath.Join(dir, "nope.parquet")}}, Columns{},
			"dataset: " + filepath.Join(dir, "nope.parquet") + ": no such file"},
		{"directory", Source{Train: []string{dir}}, Columns{}, "dataset: " + dir + ": is a directory, want a Parquet file"},
		{"not parquet", Source{Train: []string{text}}, Columns{}, "dataset: " + text + `: not a Parquet file (it starts with "hell", want "PAR1")`},
		{"truncated", Source{Train: []string{truncated}}, Columns{}, "dataset: " + truncated + ": not a readable Parquet file: "},
		{"no label", Source{Train: []string{unlabelled}}, Columns{},
			"dataset: " + unlabelled + ": no label column: none of label, click, clk (columns: a, b); set columns.label"},
		{"label not found", Source{Train: []string{good}}, Columns{Label: "click"},
			"dataset: " + good + `: column "click": not found (columns: label, item_id, price)`},
		{"label in second file", Source{Train: []string{good}, Valid: []string{unlabelled}}, Columns{},
			"dataset: " + unlabelled + `: column "label": not found (columns: a, b)`},
		{"label 2", Source{Train: []string{good}, Valid: []string{label2}}, Columns{},
			"dataset: " + label2 + `: column "label": row 17: value 2, want 0 or 1`},
		{"null label", Source{Paths: []string{nullLabel}}, Columns{},
			"dataset: " + nullLabel + `: column "label": row 2: null, want 0 or 1`},
		{"+Inf", Source{Train: []string{posInf}}, Columns{},
			"dataset: " + posInf + `: column "price": row 5: value +Inf; dense values must be finite (nulls and NaN are allowed)`},
		{"-Inf", Source{Train: []string{good}, Test: []string{negInf}}, Columns{},
			"dataset: " + negInf + `: column "price": row 9: value -Inf; dense values must be finite (nulls and NaN are allowed)`},
		{"no target", Source{Train: []string{noTarget}}, Columns{},
			"dataset: " + noTarget + `: column "hist_thing": cannot tell which categorical column this history's items are (tried thing, thing_id); set target in columns.sequences`},
		{"target not found", Source{Train: []string{noTarget}}, Columns{Sequences: []SeqSpec{{Column: "hist_thing", Target: "thing"}}},
			"dataset: " + noTarget + `: column "thing": not found (columns: label, item_id, hist_thing)`},
		{"two roles", Source{Train: []string{mismatch}}, Columns{Dense: []string{"label"}},
			"dataset: " + mismatch + `: column "label": given two roles: label and dense`},
		{"items vs target", Source{Train: []string{mismatch}}, Columns{},
			"dataset: " + mismatch + `: column "hist_item": list<int64> items cannot share ids with target "item_id" of type string`},
		{"vector as dense", Source{Train: []string{mismatch}}, Columns{Dense: []string{"vec"}},
			"dataset: " + mismatch + `: column "vec": list<double> cannot be dense: vector features are not supported yet (leave the column out)`},
		{"float categorical", Source{Train: []string{good}}, Columns{Categorical: []string{"price"}},
			"dataset: " + good + `: column "price": double cannot be categorical (want int, string or bool)`},
		{"type differs between files", Source{Train: []string{good}, Valid: []string{mismatch}}, Columns{},
			"dataset: " + mismatch + `: column "item_id": type string, but int64 in ` + good},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Load(tc.src, tc.cols)
			if err == nil {
				t.Fatalf("no error; loaded %d rows", d.N)
			}
			msg := err.Error()
			t.Log(msg)
			if !strings.HasPrefix(msg, tc.want) {
				t.Errorf("error\n%s\nwant\n%s", msg, tc.want)
			}
			if strings.ContainsAny(msg, "\n\r") {
				t.Errorf("error spans lines: %q", msg)
			}
		})
	}
}

// The error names the file, column and row as fields too.
func TestLoad_ErrorFields(t *testing.T) {
	rows := labelRows(10)
	rows[3].Label = -1
	path := writeRows(t, "x.parquet", rows)
	_, err := Load(Source{Train: []string{path}}, Columns{})
	var e *Error
	if !errors.As(err, &e) || e.File != path || e.Column != "label" || e.Row != 3 {
		t.Fatalf("error %#v", err)
	}
}

// Damaged page data is an error naming the file, never a panic.
func TestLoad_CorruptPages(t *testing.T) {
	path := synthFile(t, 2000, 1, 10)
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	failures := 0
	for k := range 40 {
		b := append([]byte(nil), whole...)
		// Scribble over a stretch of the data pages (the footer is left alone).
		at := 4 + (len(b)-2000)*k/40
		for i := at; i < at+64 && i < len(b)-1000; i++ {
			b[i] ^= byte(0x5a + i)
		}
		bad := filepath.Join(t.TempDir(), "bad.parquet")
		os.WriteFile(bad, b, 0o644)
		_, err := Load(Source{Train: []string{bad}}, Columns{})
		if err != nil {
			if failures < 3 {
				t.Logf("damaged at %d: %v", at, err)
			}
			failures++
			if !strings.HasPrefix(err.Error(), "dataset: "+bad+": ") || strings.ContainsAny(err.Error(), "\n\r") {
				t.Errorf("error %q does not name the file on one line", err)
			}
		}
	}
	t.Logf("%d of 40 damaged files failed to load (the rest decoded to other values)", failures)
	if failures == 0 {
		t.Error("no damaged file was detected")
	}
}
