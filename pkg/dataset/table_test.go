package dataset

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// loadEqual loads src with 1 reader and with readers, and fails unless
// both give the same Dataset (or the same error).
func loadEqual(t *testing.T, src Source, cols Columns, readers int) *Dataset {
	t.Helper()
	src.Readers = 1
	a, errA := Load(src, cols)
	src.Readers = readers
	b, errB := Load(src, cols)
	if fmt.Sprint(errA) != fmt.Sprint(errB) {
		t.Fatalf("1 reader: %v\n%d readers: %v", errA, readers, errB)
	}
	if errA != nil {
		return nil
	}
	a.enc, b.enc = nil, nil
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("1 reader and %d readers give different Datasets", readers)
	}
	return a
}

// Any number of readers gives the same Dataset as one, with files of
// several pieces, nulls, strings, vectors and lists.
func TestLoad_ReadersSameResult(t *testing.T) {
	defer func(n int) { pieceRows = n }(pieceRows)
	pieceRows = 37
	var files []string
	for i := range 7 {
		files = append(files, writeRows(t, fmt.Sprintf("p%d.parquet", i), richRows(100+40*i, i)))
	}
	for _, readers := range []int{2, 3, 16} {
		d := loadEqual(t, Source{Paths: files, Seed: 3}, Columns{MinCount: 2, Group: "user"}, readers)
		if d.N != 7*100+40*21 || len(d.Schema.Dense) != 6 || len(d.Pooled) != 1 || len(d.Seq) != 1 {
			t.Fatalf("N %d, schema %+v", d.N, d.Schema)
		}
		loadEqual(t, Source{Train: files[:4], Valid: files[4:6], Test: files[6:]}, Columns{}, readers)
	}
}

// With several readers an error is the one reading the files in order
// gives: that of the first bad file.
func TestLoad_ReadersFirstError(t *testing.T) {
	var files []string
	for i := range 6 {
		rows := labelRows(50)
		switch i {
		case 2:
			rows[30].Label = 2
		case 4:
			rows[1].Label = 3
		}
		files = append(files, writeRows(t, fmt.Sprintf("f%d.parquet", i), rows))
	}
	_, err := Load(Source{Paths: files, Readers: 4}, Columns{})
	if want := "dataset: " + files[2] + `: column "label": row 30: value 2, want 0 or 1`; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	loadEqual(t, Source{Paths: files}, Columns{}, 4)

	type vecRow struct {
		Label int64     `parquet:"label"`
		V     []float64 `parquet:"v,list,optional"`
	}
	a := writeRows(t, "a.parquet", []vecRow{{0, nil}, {1, []float64{1, 2}}})
	b := writeRows(t, "b.parquet", []vecRow{{0, []float64{1, 2, 3}}, {1, []float64{1, 2, 3, 4}}})
	_, err = Load(Source{Paths: []string{a, b}, Readers: 2}, Columns{})
	if want := "dataset: " + b + `: column "v": row 0: list of 3 values, want 2 like the first list (row 1 of ` + a; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %v, want %s", err, want)
	}
	loadEqual(t, Source{Paths: []string{a, b}}, Columns{}, 2)
}

// A dense value whose standardised form float32 cannot hold is an error
// of the load naming file, column, row and value, not a NaN loss later.
func TestLoad_DenseOverflow(t *testing.T) {
	train := labelRows(10)
	for i := range train {
		train[i].Price = 5 // constant: standard deviation 1
	}
	test := labelRows(10)
	test[7].Price = 1e300
	a, b := writeRows(t, "train.parquet", train), writeRows(t, "test.parquet", test)
	_, err := Load(Source{Train: []string{a}, Test: []string{b}}, Columns{})
	want := "dataset: " + b + `: column "price": row 7: value 1e+300, which standardised with the train mean 5 and standard deviation 1 is beyond float32 (±3.4e38); scale the column`
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
	// Train values whose spread overflows float64 cannot be standardised.
	train[3].Price, train[4].Price = -1e300, 1e300
	a = writeRows(t, "spread.parquet", train)
	_, err = Load(Source{Train: []string{a}}, Columns{})
	want = "dataset: " + a + `: column "price": train values too large to standardise (mean 5, standard deviation +Inf); scale the column`
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
}

// column gives zeroed slices of any size; large ones get huge-page advice
// (which must not change them).
func TestColumn(t *testing.T) {
	for _, n := range []int{0, 1, 1000, 3 << 20} {
		c := column[int32](n)
		f := column[float32](n)
		if len(c) != n || len(f) != n {
			t.Fatalf("n %d: lengths %d %d", n, len(c), len(f))
		}
		for i := range c {
			if c[i] != 0 || f[i] != 0 {
				t.Fatalf("n %d: value %d not zero", n, i)
			}
			c[i], f[i] = int32(i), float32(i)
		}
		for i := range c {
			if c[i] != int32(i) || f[i] != float32(i) {
				t.Fatalf("n %d: value %d changed", n, i)
			}
		}
	}
}
