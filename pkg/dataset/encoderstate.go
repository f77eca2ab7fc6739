package dataset

// The encoder state: what an encoding learned from its train rows, as plain
// values that can be saved (a model file holds one) and restored without
// the train files. State exports it from a Dataset; EncoderState.Dataset
// restores it as a Dataset of no rows whose Encode and NewRows encode new
// data exactly as the train rows were encoded.

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// EncoderState is everything a Dataset's encoding learned and every setting
// it follows: column roles and types, vocabularies, history and pooled
// lengths, dense statistics and the missing-value policy.
type EncoderState struct {
	Label string `json:"label,omitempty"`  // the label column ("" when none was read)
	PTrue string `json:"p_true,omitempty"` // the true click probability column, or ""
	Group string `json:"group,omitempty"`  // the group column, or ""
	// Inputs are the feature columns, in the order Encode reads them
	// (categorical, dense, histories, pooled), each with the type it must
	// have and its role.
	Inputs      []Input       `json:"inputs"`
	Categorical []VocabState  `json:"categorical"` // Schema.Categorical order
	Sequences   []Sequence    `json:"sequences"`   // Schema.Sequences order, MaxLen included
	Pooled      []VocabState  `json:"pooled"`      // Schema.Pooled order
	Dense       []DenseState  `json:"dense"`       // dense columns and vectors, in role order
	Types       []ColumnTypes `json:"types"`       // the type of every column read, label, p_true and group included
	MinCount    int           `json:"min_count"`   // train occurrences a value needed for an id of its own
	Strict      bool          `json:"strict"`      // nulls and NaN in dense columns are errors
}

// Input is one feature column a model reads.
type Input struct {
	Name string `json:"name"`
	Type string `json:"type"` // "int", "float", "string", "bool", "list<int>", "list<float>", "list<string>"
	Role string `json:"role"` // "categorical", "dense", "sequence" or "pooled"
}

// ColumnTypes is the type a column was read as ("int", "list<string>", …).
type ColumnTypes struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// VocabState is one vocabulary: its values in id order. Id 0 is unknown
// (and padding); when Null is set, null has id 1 and the values follow
// from id 2. Values are Ints (int and bool columns; false is 0, true 1) or
// Strings (string columns), never both.
type VocabState struct {
	Column  string   `json:"column"`
	Strings bool     `json:"strings"`           // the values are strings
	Null    bool     `json:"null"`              // null has id 1
	MaxLen  int      `json:"max_len,omitempty"` // pooled columns: items kept per row
	Ints    []int64  `json:"-"`                 // saved apart (a model file keeps them as tensors)
	Strs    []string `json:"-"`
}

// Len is the vocabulary's size: the ids, 0 included.
func (v *VocabState) Len() int { return 1 + len(v.Ints) + len(v.Strs) + boolInt(v.Null) }

// DenseState is one dense column (Vector false, one mean and deviation)
// or vector (one per element): a value x becomes (x − Mean) / Std; a
// missing value (null or NaN) becomes 0 and, when Missing is set, sets the
// column's indicator "<column>_missing".
type DenseState struct {
	Column  string    `json:"column"`
	Vector  bool      `json:"vector"`
	Mean    []float64 `json:"mean"`
	Std     []float64 `json:"std"`
	Missing bool      `json:"missing"`
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// State returns what d's encoding learned, to save and restore with
// EncoderState.Dataset. d must come from Load, Encode or a restored state.
func (d *Dataset) State() (*EncoderState, error) {
	e := d.enc
	if e == nil {
		return nil, fmt.Errorf("dataset: State needs a Dataset made by Load")
	}
	p := e.plan
	st := &EncoderState{Label: p.label, PTrue: p.ptrue, Group: p.group, MinCount: p.minCount, Strict: p.strict,
		Sequences: slices.Clone(p.seqs)}
	for _, name := range p.columns() {
		st.Inputs = append(st.Inputs, Input{Name: name, Type: e.types[name].String(), Role: e.roleName(name)})
	}
	for name, t := range e.types {
		st.Types = append(st.Types, ColumnTypes{Name: name, Type: t.String()})
	}
	slices.SortFunc(st.Types, func(a, b ColumnTypes) int { return cmp.Compare(a.Name, b.Name) })
	for i, name := range p.cat {
		st.Categorical = append(st.Categorical, e.cats[i].state(name))
	}
	for j, name := range p.pooled {
		v := e.pooled[j].state(name)
		v.MaxLen = e.pooledLen[j]
		st.Pooled = append(st.Pooled, v)
	}
	for _, de := range e.dense {
		st.Dense = append(st.Dense, DenseState{Column: de.name, Vector: de.list, Mean: slices.Clone(de.mean), Std: slices.Clone(de.std), Missing: de.missing})
	}
	return st, nil
}

// roleName is the role of feature column name.
func (e *encoder) roleName(name string) string {
	p := e.plan
	switch {
	case slices.Contains(p.cat, name):
		return roleCategorical.name
	case slices.Contains(p.dense, name):
		return roleDense.name
	case slices.Contains(seqNames(p.seqs), name):
		return roleSequence.name
	}
	return rolePooled.name
}

// state lists a finished vocabulary's values in id order.
func (v *vocab) state(column string) VocabState {
	st := VocabState{Column: column, Strings: v.str, Null: v.null != 0 && v.ids[v.null] != 0}
	first := 1 + boolInt(st.Null) // the id of the first value
	n := v.size - first
	put := func(index int32, set func(at int)) {
		if id := int(v.ids[index]); id >= first {
			set(id - first)
		}
	}
	if v.str {
		st.Strs = make([]string, n)
		for s, index := range v.strs {
			put(index, func(at int) { st.Strs[at] = s })
		}
		return st
	}
	st.Ints = make([]int64, n)
	for j, index := range v.table {
		if index != 0 {
			put(index, func(at int) { st.Ints[at] = v.lo + int64(j) })
		}
	}
	for x, index := range v.m {
		put(index, func(at int) { st.Ints[at] = x })
	}
	return st
}

// restoreVocab builds the finished vocabulary st describes.
func restoreVocab(st VocabState) (*vocab, error) {
	if st.Strings && len(st.Ints) > 0 || !st.Strings && len(st.Strs) > 0 {
		return nil, fmt.Errorf("vocabulary of %q: values of the wrong kind", st.Column)
	}
	v := newVocab(st.Strings)
	if st.Null {
		v.addNull()
	}
	for _, s := range st.Strs {
		if _, dup := v.strs[s]; dup {
			return nil, fmt.Errorf("vocabulary of %q: value %q twice", st.Column, s)
		}
		v.addStr(s)
	}
	for _, x := range st.Ints {
		if v.findInt(x) != 0 {
			return nil, fmt.Errorf("vocabulary of %q: value %d twice", st.Column, x)
		}
		v.addInt(x)
	}
	v.ids = make([]int32, v.n+1)
	for i := range v.ids {
		v.ids[i] = int32(i)
	}
	v.size = int(v.n) + 1
	v.count, v.ivals, v.svals = nil, nil, nil
	return v, nil
}

// parseType is the colType named s ("int", "list<string>", …).
func parseType(s string) (colType, bool) {
	kinds := map[string]valueKind{"int": kindInt, "float": kindFloat, "string": kindString, "bool": kindBool}
	inner, list := strings.CutPrefix(s, "list<")
	if list {
		var ok bool
		if inner, ok = strings.CutSuffix(inner, ">"); !ok {
			return colType{}, false
		}
	}
	k, ok := kinds[inner]
	return colType{k, list}, ok
}

// Dataset restores the encoding st describes as a Dataset of no rows: its
// Schema is the encoded schema, and its Encode and NewRows encode data as
// the train rows were encoded. Inconsistent states are errors.
func (st *EncoderState) Dataset() (*Dataset, error) {
	e, err := st.encoder()
	if err != nil {
		return nil, fmt.Errorf("dataset: encoder state: %w", err)
	}
	return e.empty(), nil
}

// encoder rebuilds the fitted encoder.
func (st *EncoderState) encoder() (*encoder, error) {
	p := &plan{file: "the encoder state", label: st.Label, ptrue: st.PTrue, group: st.Group,
		seqs: slices.Clone(st.Sequences), minCount: max(st.MinCount, 1), strict: st.Strict}
	e := &encoder{plan: p, types: map[string]colType{}, readers: 1}
	for _, ct := range st.Types {
		t, ok := parseType(ct.Type)
		if !ok {
			return nil, fmt.Errorf("column %q: unknown type %q", ct.Name, ct.Type)
		}
		e.types[ct.Name] = t
	}
	for _, vs := range st.Categorical {
		v, err := restoreVocab(vs)
		if err != nil {
			return nil, err
		}
		p.cat = append(p.cat, vs.Column)
		e.cats = append(e.cats, v)
	}
	for _, vs := range st.Pooled {
		v, err := restoreVocab(vs)
		if err != nil {
			return nil, err
		}
		if vs.MaxLen < 1 {
			return nil, fmt.Errorf("pooled column %q: max_len %d, want ≥ 1", vs.Column, vs.MaxLen)
		}
		p.pooled = append(p.pooled, vs.Column)
		e.pooled = append(e.pooled, v)
		e.pooledLen = append(e.pooledLen, vs.MaxLen)
	}
	for _, ds := range st.Dense {
		k := len(ds.Mean)
		if k == 0 || len(ds.Std) != k || (!ds.Vector && k != 1) {
			return nil, fmt.Errorf("dense column %q: %d means and %d deviations", ds.Column, len(ds.Mean), len(ds.Std))
		}
		p.dense = append(p.dense, ds.Column)
		e.dense = append(e.dense, &denseEnc{name: ds.Column, list: ds.Vector, k: k,
			mean: slices.Clone(ds.Mean), std: slices.Clone(ds.Std), missing: ds.Missing})
	}
	if err := st.check(e); err != nil {
		return nil, err
	}
	s, err := e.makeSchema()
	if err != nil {
		return nil, err
	}
	e.schema = s
	return e, nil
}

// check makes sure the state's parts agree: every column read has a type
// its role takes, the inputs are the plan's columns, sequences target
// categorical fields that are strings or ints like their items.
func (st *EncoderState) check(e *encoder) error {
	p := e.plan
	var inputs []Input
	for _, name := range p.columns() {
		t, ok := e.types[name]
		if !ok {
			return fmt.Errorf("column %q has no type", name)
		}
		inputs = append(inputs, Input{Name: name, Type: t.String(), Role: e.roleName(name)})
	}
	if !slices.Equal(inputs, st.Inputs) {
		return fmt.Errorf("inputs %v do not match the vocabularies and statistics (%v)", st.Inputs, inputs)
	}
	for i, name := range p.cat {
		if t := e.types[name]; !roleCategorical.takes(t) || (t.kind == kindString) != e.cats[i].str {
			return fmt.Errorf("categorical column %q: type %s with a vocabulary of %s", name, t, kindOfVocab(e.cats[i]))
		}
	}
	for j, name := range p.pooled {
		if t := e.types[name]; !rolePooled.takes(t) || (t.kind == kindString) != e.pooled[j].str {
			return fmt.Errorf("pooled column %q: type %s with a vocabulary of %s", name, t, kindOfVocab(e.pooled[j]))
		}
	}
	for _, de := range e.dense {
		if t := e.types[de.name]; !roleDense.takes(t) || t.list != de.list {
			return fmt.Errorf("dense column %q: type %s", de.name, t)
		}
	}
	for _, s := range p.seqs {
		if s.Field < 0 || s.Field >= len(p.cat) || p.cat[s.Field] != s.Target || s.MaxLen < 1 {
			return fmt.Errorf("sequence %q: target %q (field %d), max_len %d", s.Name, s.Target, s.Field, s.MaxLen)
		}
		if t := e.types[s.Name]; !roleSequence.takes(t) || t.kind != e.types[s.Target].kind {
			return fmt.Errorf("sequence %q: type %s, its target %s", s.Name, t, e.types[s.Target])
		}
	}
	return nil
}

func kindOfVocab(v *vocab) string {
	if v.str {
		return "strings"
	}
	return "ints"
}

// empty is a Dataset of no rows with e's encoding.
func (e *encoder) empty() *Dataset {
	p := e.plan
	d := &Dataset{Schema: e.schema.clone(), Train: []int32{}, Valid: []int32{}, Test: []int32{}, enc: e,
		Cat: make([][]int32, len(p.cat)), Dense: make([][]float32, len(e.schema.Dense))}
	for _, s := range p.seqs {
		d.Seq = append(d.Seq, SeqColumn{MaxLen: s.MaxLen})
	}
	for _, l := range e.pooledLen {
		d.Pooled = append(d.Pooled, SeqColumn{MaxLen: l})
	}
	return d
}

// Inputs are the feature columns d's encoding reads, each with its type
// and role (EncoderState.Inputs).
func (d *Dataset) Inputs() []Input {
	if d.enc == nil {
		return nil
	}
	var out []Input
	for _, name := range d.enc.plan.columns() {
		out = append(out, Input{Name: name, Type: d.enc.types[name].String(), Role: d.enc.roleName(name)})
	}
	return out
}
