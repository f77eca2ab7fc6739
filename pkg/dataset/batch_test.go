package dataset

import (
	"slices"
	"testing"
)

func TestBatches(t *testing.T) {
	rows := []int32{5, 6, 7, 8, 9, 10, 11}
	b := Batches(rows, 3)
	if len(b) != 3 || !slices.Equal(b[0], []int32{5, 6, 7}) || !slices.Equal(b[2], []int32{11}) {
		t.Fatalf("batches %v", b)
	}
	if &b[1][0] != &rows[3] {
		t.Error("batches copy the rows")
	}
	if len(Batches(nil, 4)) != 0 {
		t.Error("batches of no rows")
	}
}

func TestShuffled(t *testing.T) {
	rows := make([]int32, 100)
	for i := range rows {
		rows[i] = int32(i)
	}
	a, b, c := Shuffled(rows, 1), Shuffled(rows, 1), Shuffled(rows, 2)
	if !slices.Equal(a, b) || slices.Equal(a, c) || slices.Equal(a, rows) {
		t.Error("Shuffled is not a seeded permutation")
	}
	if !slices.IsSorted(rows) {
		t.Error("Shuffled changed its input")
	}
	slices.Sort(a)
	if !slices.Equal(a, rows) {
		t.Error("Shuffled lost rows")
	}
}
