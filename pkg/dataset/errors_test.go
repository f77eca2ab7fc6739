package dataset

import (
	"errors"
	"fmt"
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
	dir, emptyDir := t.TempDir(), t.TempDir()
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
	type strLabel struct {
		Label string  `parquet:"label"`
		Click []int64 `parquet:"click,list"`
		B     int64   `parquet:"b"`
	}
	stringLabel := writeRows(t, "stringlabel.parquet", []strLabel{{"yes", nil, 2}})

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

	empty := filepath.Join(dir, "empty.parquet")
	os.WriteFile(empty, nil, 0o644)
	noRows := writeRows(t, "norows.parquet", []labelRow{})
	type boolRow struct {
		Label int64 `parquet:"label"`
		Flag  bool  `parquet:"flag"`
	}
	boolCol := writeRows(t, "bool.parquet", []boolRow{{0, true}, {1, false}})

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
		{"empty folder", Source{Train: []string{emptyDir}}, Columns{}, "dataset: " + emptyDir + ": a folder without .parquet files"},
		{"glob without match", Source{Paths: []string{filepath.Join(emptyDir, "*.parquet")}}, Columns{}, "dataset: " + filepath.Join(emptyDir, "*.parquet") + ": the glob matches no file"},
		{"bad glob", Source{Paths: []string{filepath.Join(dir, "[")}}, Columns{}, "dataset: " + filepath.Join(dir, "[") + ": not a valid glob: syntax error in pattern"},
		{"folder with a bad file", Source{Train: []string{dir}}, Columns{}, "dataset: " + filepath.Join(dir, "empty.parquet") + ": empty file (0 bytes), want a Parquet file"},
		{"not parquet", Source{Train: []string{text}}, Columns{}, "dataset: " + text + `: not a Parquet file (it starts with "hell", want "PAR1")`},
		{"truncated", Source{Train: []string{truncated}}, Columns{}, "dataset: " + truncated + ": not a readable Parquet file: "},
		{"no label", Source{Train: []string{unlabelled}}, Columns{},
			"dataset: " + unlabelled + ": no label column: none of label, click, clk (columns: a, b); set columns.label"},
		{"string label", Source{Train: []string{stringLabel}}, Columns{},
			"dataset: " + stringLabel + `: column "label": named like a label, but string cannot be the label (want int, float or bool with values 0 or 1); convert it to 0/1 numbers, or set columns.label`},
		{"string label given", Source{Train: []string{stringLabel}}, Columns{Label: "label"},
			"dataset: " + stringLabel + `: column "label": string cannot be the label (want int, float or bool with values 0 or 1)`},
		{"float group", Source{Train: []string{good}}, Columns{Group: "price"},
			"dataset: " + good + `: column "price": double cannot be the group (want int, string or bool)`},
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
		{"no target", Source{Train: []string{noTarget}}, Columns{Sequences: []SeqSpec{{Column: "hist_thing"}}},
			"dataset: " + noTarget + `: column "hist_thing": cannot tell which categorical column this history's items are: no target column (tried thing, thing_id); set target in columns.sequences (or list the column in columns.pooled)`},
		{"target not found", Source{Train: []string{noTarget}}, Columns{Sequences: []SeqSpec{{Column: "hist_thing", Target: "thing"}}},
			"dataset: " + noTarget + `: column "hist_thing": target "thing" not found (columns: label, item_id, hist_thing)`},
		{"two roles", Source{Train: []string{mismatch}}, Columns{Dense: []string{"label"}},
			"dataset: " + mismatch + `: column "label": given two roles: label and dense`},
		{"items vs target", Source{Train: []string{mismatch}}, Columns{Sequences: []SeqSpec{{Column: "hist_item", Target: "item_id"}}},
			"dataset: " + mismatch + `: column "hist_item": list<int64> items cannot share ids with target "item_id" of type string`},
		{"items vs target by name", Source{Train: []string{mismatch}}, Columns{Sequences: []SeqSpec{{Column: "hist_item"}}},
			"dataset: " + mismatch + `: column "hist_item": cannot tell which categorical column this history's items are: no usable target (item_id is string, the items int64); set target in columns.sequences (or list the column in columns.pooled)`},
		{"strings as dense", Source{Train: []string{mismatch}}, Columns{Dense: []string{"item_id"}},
			"dataset: " + mismatch + `: column "item_id": string cannot be dense (want float, int or bool, or a list of numbers as a vector)`},
		{"list as categorical", Source{Train: []string{mismatch}}, Columns{Categorical: []string{"hist_item"}},
			"dataset: " + mismatch + `: column "hist_item": list<int64> cannot be categorical (want int, string or bool); a list is a history (columns.sequences) or a pooled feature (columns.pooled)`},
		{"floats as pooled", Source{Train: []string{mismatch}}, Columns{Pooled: []string{"vec"}},
			"dataset: " + mismatch + `: column "vec": list<double> cannot be pooled (want a list of ints or strings)`},
		{"empty file", Source{Train: []string{empty}}, Columns{}, "dataset: " + empty + ": empty file (0 bytes), want a Parquet file"},
		{"no rows", Source{Train: []string{noRows}}, Columns{}, "dataset: " + noRows + ": no rows, so the train split would be empty"},
		{"no valid rows", Source{Train: []string{good}, Valid: []string{noRows}}, Columns{}, "dataset: " + noRows + ": no rows, so the valid split would be empty"},
		{"no rows in paths", Source{Paths: []string{noRows, noRows}}, Columns{}, "dataset: " + noRows + ": no rows"},
		{"min count", Source{Train: []string{good}}, Columns{MinCount: -2}, "dataset: columns.min_count = -2, want ≥ 1 (0 means 1)"},
		{"split.by missing", Source{Paths: []string{good}, SplitBy: "ts"}, Columns{},
			"dataset: " + good + `: column "ts": split.by column not found (columns: label, item_id, price)`},
		{"split_by list", Source{Paths: []string{mismatch}, SplitBy: "hist_item"}, Columns{},
			"dataset: " + mismatch + `: column "hist_item": list<int64> cannot order the rows: split.by wants a number or a string column (a timestamp)`},
		{"split_by bool", Source{Paths: []string{boolCol}, SplitBy: "flag"}, Columns{},
			"dataset: " + boolCol + `: column "flag": boolean cannot order the rows: split.by wants a number or a string column (a timestamp)`},
		{"split_by with split files", Source{Train: []string{good}, SplitBy: "price"}, Columns{},
			`dataset: split.by "price" orders the rows of paths before cutting them by fractions; it does not apply to split files (train, valid, test)`},
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

// Damaged page data is an error naming the file, never a panic, whether a
// column is read in one piece or in several (another goroutine reads ahead).
func TestLoad_CorruptPages(t *testing.T) {
	for _, n := range []int{pieceRows, 150} {
		t.Run(fmt.Sprintf("pieces of %d rows", n), func(t *testing.T) {
			defer func(n int) { pieceRows = n }(pieceRows)
			pieceRows = n
			testCorruptPages(t)
		})
	}
}

func testCorruptPages(t *testing.T) {
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
