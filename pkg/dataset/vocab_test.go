package dataset

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The int vocabulary gives the same ids whatever path a value takes: a
// table grown up or down, or the map it turns into.
func TestVocab_Ints(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name string
		gen  func(i int) int64
	}{
		{"ascending", func(i int) int64 { return int64(i) }},
		{"descending", func(i int) int64 { return int64(100_000 - i) }},
		{"negative", func(i int) int64 { return int64(r.IntN(5000)) - 2500 }},
		{"near MinInt64", func(i int) int64 { return math.MinInt64 + int64(r.IntN(300)) }},
		{"near MaxInt64", func(i int) int64 { return math.MaxInt64 - int64(r.IntN(300)) }},
		{"sparse", func(i int) int64 { return int64(r.Uint64()) }},
		{"dense then sparse", func(i int) int64 {
			if i < 5000 {
				return int64(i % 700)
			}
			return int64(i) * 1_000_003
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			xs := make([]int64, 20_000)
			for i := range xs {
				xs[i] = tc.gen(i)
			}
			v := newVocab(false)
			idx := make([]int32, len(xs))
			for i, x := range xs {
				idx[i] = v.addInt(x)
			}
			for i, x := range xs { // a value keeps its index
				if v.findInt(x) != idx[i] {
					t.Fatalf("value %d: index %d, then %d", x, idx[i], v.findInt(x))
				}
			}
			for _, i := range idx {
				v.count[i]++
			}
			v.finish(1)
			remap(idx, v.ids)
			sorted := slices.Clone(xs)
			slices.Sort(sorted)
			sorted = slices.Compact(sorted)
			if v.size != len(sorted)+1 {
				t.Fatalf("size %d, want %d", v.size, len(sorted)+1)
			}
			for i, x := range xs {
				want, _ := slices.BinarySearch(sorted, x)
				if idx[i] != int32(want+1) || v.ids[v.findInt(x)] != idx[i] {
					t.Fatalf("value %d: id %d, want %d", x, idx[i], want+1)
				}
			}
			if v.findInt(12345678901) != 0 && !slices.Contains(xs, 12345678901) {
				t.Error("an unseen value has an index")
			}
		})
	}
}
