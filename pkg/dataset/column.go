package dataset

// Column memory: the encoded columns are the Dataset's bulk (gigabytes for
// tens of millions of rows), written once, in order, right after they are
// allocated.

import "unsafe"

// column returns a zeroed slice of n values for an encoded column. Large
// ones are backed by huge pages where the system offers them (hugepage.go):
// their first writes then fault in 2 MB at a time instead of 4 kB, which
// took about a third of a load's CPU time (BENCHMARKS.md, "Loading").
func column[T int32 | float32](n int) []T {
	s := make([]T, n)
	if n > 0 {
		adviseHuge(unsafe.Pointer(unsafe.SliceData(s)), n*int(unsafe.Sizeof(s[0])))
	}
	return s
}
