package dataset

// Vocabularies: categorical values → ids.
//
// Load encodes each column in one streaming pass, before the vocabulary is
// known. Every value met (in any row) gets a provisional index in order of
// appearance (1, 2, …; 0 stays padding) and the columns hold those indexes
// meanwhile; the train occurrences of each index are counted. Files read
// side by side (Source.Readers) each fill a vocabulary of their reader's,
// and merge adds them up. finish then gives the final ids: null first (if
// kept), then the values in ascending order, each kept when it has at
// least minCount train occurrences; the others get 0; so the ids do not
// depend on the order values were met in. remap rewrites the columns with
// the final ids. After finish, lookup gives final ids directly
// (Dataset.Encode).
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

// remap replaces the indexes in xs by the ids of table (table[index]).
func remap(xs, table []int32) {
	for k, i := range xs {
		xs[k] = table[i]
	}
}

// merge adds the values and train counts of vocabularies fitted apart
// (each on some of the files) to v, and returns for each of them the table
// from its indexes to v's. Final ids do not depend on which vocabulary saw
// which value first: finish orders them by value.
func (v *vocab) merge(parts []*vocab) [][]int32 {
	maps := make([][]int32, len(parts))
	for k, part := range parts {
		m := make([]int32, part.n+1)
		for i := int32(1); i <= part.n; i++ {
			var g int32
			switch {
			case i == part.null:
				g = v.addNull()
			case v.str:
				g = v.addStr(part.svals[i-1])
			default:
				g = v.addInt(part.ivals[i-1])
			}
			m[i] = g
			v.count[g] = int32(min(int64(v.count[g])+int64(part.count[i]), math.MaxInt32))
		}
		maps[k] = m
	}
	return maps
}

// final composes an index table of merge with the final ids (after finish).
func (v *vocab) final(m []int32) []int32 {
	out := make([]int32, len(m))
	for i, g := range m {
		out[i] = v.ids[g]
	}
	return out
}

// encode gives the values of piece p ids: row r's first L kept values go
// to ids[r*L:] and their number to lens[r] (lens is nil for a scalar
// column: L is 1 and every row has its value). A null scalar is a value of
// its own; null items of a list (and null lists) are skipped. Fitting,
// values get provisional indexes and the values of the rows marked in
// train (every row when train is nil) are counted; otherwise they get
// their final ids. scratch is reused from call to call.
func (v *vocab) encode(p listPiece, ids, lens []int32, L int, fit bool, train []bool, scratch *[]int32) {
	if p.scalar { // a value per row, null included: the values' ids are the rows'
		v.lookup(p.vals, fit, ids)
		for r, id := range ids {
			if fit && (train == nil || train[r]) && v.count[id] < math.MaxInt32 {
				v.count[id]++
			}
		}
		return
	}
	vid := v.lookup(p.vals, fit, *scratch)
	*scratch = vid
	nulls := p.vals.NullN() > 0
	for r := range p.len() {
		counted := fit && (train == nil || train[r])
		k, at := 0, r*L
		for j := p.offs[r]; j < p.offs[r+1] && k < L; j++ {
			if nulls && p.vals.IsNull(int(j)) {
				continue
			}
			id := vid[j]
			if counted && v.count[id] < math.MaxInt32 {
				v.count[id]++
			}
			ids[at+k] = id
			k++
		}
		if lens != nil {
			lens[r] = int32(k)
		}
	}
}

// lookup returns the index (fitting) or final id of every value of vals,
// a null's being that of null, in vid (reused when it has room). Fitting,
// the items past a list's first L get indexes too, but encode does not
// count them, so they get no id of their own unless counted elsewhere.
func (v *vocab) lookup(vals arrow.Array, fit bool, vid []int32) []int32 {
	n := vals.Len()
	if cap(vid) < n {
		vid = make([]int32, n, n+n/4)
	}
	vid = vid[:n]
	switch a := vals.(type) {
	case *array.Int64:
		v.lookupInts(a.Int64Values(), fit, vid)
	case *array.Boolean:
		xs := make([]int64, n)
		for i := range xs {
			if a.Value(i) {
				xs[i] = 1
			}
		}
		v.lookupInts(xs, fit, vid)
	case *array.String:
		for i := range vid {
			if fit {
				vid[i] = v.addStr(a.Value(i))
			} else {
				vid[i] = v.ids[v.strs[a.Value(i)]]
			}
		}
	}
	if vals.NullN() > 0 {
		var null int32
		if fit {
			null = v.addNull()
		} else {
			null = v.ids[v.null] // 0 when train had no null
		}
		for i := range vid {
			if vals.IsNull(i) {
				vid[i] = null
			}
		}
	}
	return vid
}

// lookupInts is lookup of int values: the table lookup of addInt and
// findInt by hand, as this loop sees every history item.
func (v *vocab) lookupInts(xs []int64, fit bool, vid []int32) {
	lo, table := v.lo, v.table
	for i, x := range xs {
		var id int32
		if j := uint64(x) - uint64(lo); j < uint64(len(table)) {
			id = table[j]
		}
		switch {
		case !fit:
			if table == nil {
				id = v.m[x]
			}
			id = v.ids[id]
		case id == 0:
			id = v.addIntSlow(x)
			lo, table = v.lo, v.table
		}
		vid[i] = id
	}
}
