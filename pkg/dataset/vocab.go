package dataset

// Vocabularies: categorical values → ids.
//
// Load encodes each column in one streaming pass, before the vocabulary is
// known. Every value met (in any row) gets a provisional index in order of
// appearance (1, 2, …; 0 stays padding) and the columns hold those indexes
// meanwhile; the train occurrences of each index are counted. finish then
// gives the final ids: null first (if kept), then the values in ascending
// order, each kept when it has at least minCount train occurrences; the
// others get 0. remap rewrites the columns with the final ids. After
// finish, id looks a value up directly (Dataset.Encode).
//
// Int values are looked up in a table indexed by value − lo while they span
// a small range (the usual case: ids from 1 to some thousands), and in a
// map otherwise.

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

type vocab struct {
	str bool // string values; else int64 (bools as 0 and 1)

	// ints: the index of value x is table[x-lo] when x-lo is in range,
	// else m[x] (m is used once the values spread too far for a table).
	lo    int64
	table []int32
	m     map[int64]int32
	ivals []int64 // [index-1] the value (ints, while fitting)

	strs  map[string]int32
	svals []string // [index-1] the value (strings, while fitting)

	null  int32   // index of null; 0 when no null was met
	n     int32   // indexes given
	count []int32 // [index] train occurrences (saturating), while fitting
	ids   []int32 // [index] final id, after finish; ids[0] = 0
	size  int     // final ids including 0, after finish
}

func newVocab(str bool) *vocab {
	v := &vocab{str: str, count: []int32{0}}
	if str {
		v.strs = map[string]int32{}
	}
	return v
}

// newIndex records a value met for the first time.
func (v *vocab) newIndex() int32 {
	v.n++
	if v.n == math.MaxInt32 {
		panic("dataset: more than 2^31-2 distinct values in one column")
	}
	v.count = append(v.count, 0)
	return v.n
}

// addInt returns the index of x, giving it one when x is new.
func (v *vocab) addInt(x int64) int32 {
	if j := uint64(x) - uint64(v.lo); j < uint64(len(v.table)) {
		if id := v.table[j]; id != 0 {
			return id
		}
	}
	return v.addIntSlow(x)
}

func (v *vocab) addIntSlow(x int64) int32 {
	if v.m == nil {
		if j := uint64(x) - uint64(v.lo); j < uint64(len(v.table)) || v.growTable(x) {
			j = uint64(x) - uint64(v.lo)
			id := v.newIndex()
			v.ivals = append(v.ivals, x)
			v.table[j] = id
			return id
		}
		v.m = make(map[int64]int32, v.n+1)
		for j, id := range v.table {
			if id != 0 {
				v.m[v.lo+int64(j)] = id
			}
		}
		v.lo, v.table = 0, nil
	}
	if id, ok := v.m[x]; ok {
		return id
	}
	id := v.newIndex()
	v.ivals = append(v.ivals, x)
	v.m[x] = id
	return id
}

// growTable widens the table to hold x, with room to grow further on the
// side x lies, and reports false when the range would be too sparse for a
// table (at most 1<<24 entries, and beyond 1<<16 at most 8 per value met,
// about what a map costs per value).
func (v *vocab) growTable(x int64) bool {
	// Order-preserving unsigned views of int64 values, so that ranges near
	// the ends of int64 do not overflow.
	u := func(x int64) uint64 { return uint64(x) ^ 1<<63 }
	ulo, uhi := u(x), u(x)
	if len(v.table) > 0 {
		ulo, uhi = min(ulo, u(v.lo)), max(uhi, u(v.lo)+uint64(len(v.table))-1)
	}
	span := uhi - ulo + 1 // 0 when it wraps: the whole int64 range
	limit := uint64(max(1<<16, 8*int64(v.n)))
	if span == 0 || span > limit || span > 1<<24 {
		return false
	}
	size := min(max(2*span, 1024), max(limit, span), 1<<24)
	pad := size - span
	nlo := ulo
	if len(v.table) > 0 && u(x) < u(v.lo) { // growing down: the room goes below
		nlo = ulo - min(pad, ulo)
	} else if nlo > math.MaxUint64-(size-1) { // the room above must not wrap
		nlo = math.MaxUint64 - (size - 1)
	}
	lo := int64(nlo ^ 1<<63)
	table := make([]int32, size)
	if len(v.table) > 0 {
		copy(table[uint64(v.lo)-uint64(lo):], v.table)
	}
	v.lo, v.table = lo, table
	return true
}

// addStr returns the index of x, giving it one when x is new. x may point
// into a buffer that is reused: a new value is copied.
func (v *vocab) addStr(x string) int32 {
	if id, ok := v.strs[x]; ok {
		return id
	}
	id := v.newIndex()
	x = strings.Clone(x)
	v.svals = append(v.svals, x)
	v.strs[x] = id
	return id
}

// addNull returns the index of null.
func (v *vocab) addNull() int32 {
	if v.null == 0 {
		v.null = v.newIndex()
		if v.str {
			v.svals = append(v.svals, "")
		} else {
			v.ivals = append(v.ivals, 0)
		}
	}
	return v.null
}

// findInt is the index of x, or 0 when x was never met.
func (v *vocab) findInt(x int64) int32 {
	if j := uint64(x) - uint64(v.lo); j < uint64(len(v.table)) {
		return v.table[j]
	}
	return v.m[x]
}

// countRows adds the train occurrences of the indexes idx (rows with train
// false are skipped; every row counts when train is nil).
func (v *vocab) countRows(idx []int32, train []bool) {
	for k, i := range idx {
		if (train == nil || train[k]) && v.count[i] < math.MaxInt32 {
			v.count[i]++
		}
	}
}

// countItems adds the train occurrences of the items of a list column's
// rows: row r's items are ids[r*L : r*L+lens[r]].
func (v *vocab) countItems(ids, lens []int32, L int, train []bool) {
	for r, n := range lens {
		if train == nil || train[r] {
			for _, i := range ids[r*L : r*L+int(n)] {
				if v.count[i] < math.MaxInt32 {
					v.count[i]++
				}
			}
		}
	}
}

// finish gives the final ids: null first, then the values in ascending
// order, each that occurs at least minCount times in train; 0 for the rest.
func (v *vocab) finish(minCount int) {
	order := make([]int32, 0, v.n)
	for i := int32(1); i <= v.n; i++ {
		if i != v.null && int(v.count[i]) >= minCount {
			order = append(order, i)
		}
	}
	if v.str {
		slices.SortFunc(order, func(a, b int32) int { return strings.Compare(v.svals[a-1], v.svals[b-1]) })
	} else {
		slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(v.ivals[a-1], v.ivals[b-1]) })
	}
	v.ids = make([]int32, v.n+1)
	next := int32(1)
	if v.null != 0 && int(v.count[v.null]) >= minCount {
		v.ids[v.null] = next
		next++
	}
	for _, i := range order {
		v.ids[i] = next
		next++
	}
	v.size = int(next)
	v.count, v.ivals, v.svals = nil, nil, nil
}

// remap replaces the indexes in xs by the final ids.
func (v *vocab) remap(xs []int32) {
	ids := v.ids
	for k, i := range xs {
		xs[k] = ids[i]
	}
}

// scalar encodes a piece of a scalar column into out: provisional indexes
// when fitting, else final ids.
func (v *vocab) scalar(a arrow.Array, out []int32, fit bool) {
	nulls := a.NullN() > 0
	switch a := a.(type) {
	case *array.Int64:
		xs := a.Int64Values()
		for k, x := range xs {
			switch {
			case nulls && a.IsNull(k):
			case fit:
				out[k] = v.addInt(x)
			default:
				out[k] = v.ids[v.findInt(x)]
			}
		}
	case *array.Boolean:
		for k := range out {
			x := int64(0)
			if a.Value(k) {
				x = 1
			}
			switch {
			case nulls && a.IsNull(k):
			case fit:
				out[k] = v.addInt(x)
			default:
				out[k] = v.ids[v.findInt(x)]
			}
		}
	case *array.String:
		for k := range out {
			switch {
			case nulls && a.IsNull(k):
			case fit:
				out[k] = v.addStr(a.Value(k))
			default:
				out[k] = v.ids[v.strs[a.Value(k)]]
			}
		}
	}
	if nulls {
		var null int32
		if fit {
			null = v.addNull()
		} else {
			null = v.ids[v.null] // 0 when train had no null
		}
		for k := range out {
			if a.IsNull(k) {
				out[k] = null
			}
		}
	}
}

// list encodes a piece of a list column: row r's first L present items go
// to ids[r*L:], their number to lens[r] (a null list is empty, null items
// are skipped); provisional indexes when fitting (counting the items of the
// rows marked in train), else final ids.
func (v *vocab) list(l *array.List, ids, lens []int32, L int, fit bool, train []bool) {
	offs := l.Offsets()
	switch items := l.ListValues().(type) {
	case *array.Int64:
		// The table lookup of addInt and findInt, by hand: this loop sees
		// every history item.
		xs := items.Int64Values()
		nulls := items.NullN() > 0
		lo, table, count := v.lo, v.table, v.count
		for r := range lens {
			out := ids[r*L : r*L+L]
			counted := fit && train[r]
			k := 0
			for j := int(offs[r]); j < int(offs[r+1]) && k < L; j++ {
				if nulls && items.IsNull(j) {
					continue
				}
				x := xs[j]
				var id int32
				if i := uint64(x) - uint64(lo); i < uint64(len(table)) {
					id = table[i]
				}
				if fit {
					if id == 0 {
						id = v.addIntSlow(x)
						lo, table, count = v.lo, v.table, v.count
					}
					if counted && count[id] < math.MaxInt32 {
						count[id]++
					}
				} else {
					if table == nil {
						id = v.m[x]
					}
					id = v.ids[id]
				}
				out[k] = id
				k++
			}
			lens[r] = int32(k)
		}
	case *array.String:
		for r := range lens {
			out := ids[r*L : r*L+L]
			k := 0
			for j := int(offs[r]); j < int(offs[r+1]) && k < L; j++ {
				if items.IsNull(j) {
					continue
				}
				if fit {
					out[k] = v.addStr(items.Value(j))
				} else {
					out[k] = v.ids[v.strs[items.Value(j)]]
				}
				k++
			}
			lens[r] = int32(k)
		}
		if fit {
			v.countItems(ids, lens, L, train)
		}
	}
}
