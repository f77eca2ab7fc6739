package dataset

import "math/rand/v2"

// Batches cuts rows into consecutive views of at most size rows each (the
// last may be shorter). Nothing is copied: the batches share rows' memory.
// It panics if size < 1.
func Batches(rows []int32, size int) [][]int32 {
	if size < 1 {
		panic("dataset: batch size < 1")
	}
	out := make([][]int32, 0, (len(rows)+size-1)/size)
	for lo := 0; lo < len(rows); lo += size {
		hi := min(lo+size, len(rows))
		out = append(out, rows[lo:hi:hi])
	}
	return out
}

// Shuffled returns a copy of rows in an order drawn from seed: the same
// rows and seed give the same order. rows itself is not changed (it may be
// a split of a shared Dataset).
func Shuffled(rows []int32, seed uint64) []int32 {
	out := make([]int32, len(rows))
	copy(out, rows)
	r := rand.New(rand.NewPCG(seed, 0x62617463)) // "batc"
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}
