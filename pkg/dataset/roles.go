package dataset

// Column roles: what Columns says, and for the keys it leaves empty, what
// the first file's schema suggests.

import (
	"fmt"
	"slices"
	"strings"
)

// LabelNames are the column names taken as the label when Columns.Label is
// empty, in this order.
var LabelNames = []string{"label", "click", "clk"}

// PTrueName is the column holding the true click probability of synthetic
// data. It is kept in Dataset.PTrue and is never a feature.
const PTrueName = "p_true"

// DefaultMaxLen is the history length kept when SeqSpec.MaxLen is 0.
const DefaultMaxLen = 20

// plan is the role of every column that Load reads.
type plan struct {
	file    string // the file the roles were inferred from
	label   string
	ptrue   string
	group   string
	cat     []string
	dense   []string
	seqs    []Sequence
	ignored []string          // "name (reason)", columns with no role, in file order
	why     map[string]string // column → how it got its role
}

// columns lists the columns to read, each once, in role order.
func (p *plan) columns() []string {
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	add(p.label)
	for _, c := range p.cat {
		add(c)
	}
	for _, c := range p.dense {
		add(c)
	}
	for _, s := range p.seqs {
		add(s.Name)
	}
	add(p.ptrue)
	add(p.group)
	return out
}

func (p *plan) schema(vocab []int) Schema {
	s := Schema{Label: p.label, Group: p.group, PTrue: p.ptrue}
	for i, c := range p.cat {
		v := 0
		if vocab != nil {
			v = vocab[i]
		}
		s.Categorical = append(s.Categorical, Field{Name: c, Vocab: v})
	}
	s.Dense = slices.Clone(p.dense)
	s.Sequences = slices.Clone(p.seqs)
	return s
}

// makePlan gives every column of f a role (or none) following cols.
//
// Label: cols.Label, else the first of LabelNames present. A float column
// named p_true is PTrue. Group: cols.Group only. Features: each of
// cols.Categorical, cols.Dense and cols.Sequences that is empty is inferred
// from the columns that have no role yet, in file order: int, string and
// bool columns are categorical, float columns dense, and lists of ints or
// strings sequences. A sequence's target is SeqSpec.Target, else the
// categorical column named like the list without a leading "hist_" or
// "history_" (or a trailing "_hist" or "_history"), or that name plus "_id".
// A target not among the categorical columns is added to them.
func makePlan(f *pqFile, cols Columns) (*plan, error) {
	p := &plan{file: f.path, why: map[string]string{}}
	role := map[string]string{} // column → role, to catch columns given two roles
	claim := func(name, r, why string) error {
		if prev, ok := role[name]; ok {
			if prev == r {
				return colErr(f.path, name, "listed twice as %s", r)
			}
			return colErr(f.path, name, "given two roles: %s and %s", prev, r)
		}
		role[name] = r
		p.why[name] = why
		return nil
	}
	lookup := func(name string) (*pqColumn, error) {
		c := f.column(name)
		if c == nil {
			return nil, f.notFound(name)
		}
		if c.Unsupported != "" {
			return nil, colErr(f.path, name, "%s is %s, which this package does not read", c.TypeName(), c.Unsupported)
		}
		return c, nil
	}

	// Label.
	if cols.Label != "" {
		c, err := lookup(cols.Label)
		if err != nil {
			return nil, err
		}
		if c.List || c.Kind == kindString {
			return nil, colErr(f.path, c.Name, "a label must be int, float or bool with values 0 or 1, got %s", c.TypeName())
		}
		p.label = c.Name
		_ = claim(c.Name, "label", "columns.label")
	} else {
		for _, name := range LabelNames {
			if c := f.column(name); c != nil && c.Unsupported == "" && !c.List && c.Kind != kindString {
				p.label = name
				_ = claim(name, "label", "named "+name)
				break
			}
		}
		if p.label == "" {
			return nil, fileErr(f.path, "no label column: none of %s (columns: %s); set columns.label",
				strings.Join(LabelNames, ", "), f.names())
		}
	}

	// The true click probability of synthetic data.
	if c := f.column(PTrueName); c != nil && c.Kind == kindFloat && !c.List && c.Unsupported == "" && p.label != PTrueName {
		p.ptrue = c.Name
		_ = claim(c.Name, "p_true", "named "+PTrueName+": the true click probability, never a feature")
	}

	// Group (may also be a feature: it is not claimed).
	if cols.Group != "" {
		c, err := lookup(cols.Group)
		if err != nil {
			return nil, err
		}
		if c.List || c.Kind == kindFloat {
			return nil, colErr(f.path, c.Name, "a group column must be int, string or bool, got %s", c.TypeName())
		}
		if c.Name == p.label || c.Name == p.ptrue {
			return nil, colErr(f.path, c.Name, "cannot be the group: it is the %s", role[c.Name])
		}
		p.group = c.Name
	}

	// Explicit features.
	for _, name := range cols.Categorical {
		c, err := lookup(name)
		if err != nil {
			return nil, err
		}
		if c.List || c.Kind == kindFloat {
			return nil, colErr(f.path, name, "%s cannot be categorical (want int, string or bool)", c.TypeName())
		}
		if err := claim(name, "categorical", "columns.categorical"); err != nil {
			return nil, err
		}
		p.cat = append(p.cat, name)
	}
	for _, name := range cols.Dense {
		c, err := lookup(name)
		if err != nil {
			return nil, err
		}
		if c.List {
			return nil, colErr(f.path, name, "%s cannot be dense: vector features are not supported yet (leave the column out)", c.TypeName())
		}
		if c.Kind == kindString {
			return nil, colErr(f.path, name, "%s cannot be dense (want float, int or bool)", c.TypeName())
		}
		if err := claim(name, "dense", "columns.dense"); err != nil {
			return nil, err
		}
		p.dense = append(p.dense, name)
	}
	var specs []SeqSpec
	for _, s := range cols.Sequences {
		if s.Column == "" {
			return nil, fileErr(f.path, "a sequence in columns.sequences has no column")
		}
		if _, err := lookup(s.Column); err != nil {
			return nil, err
		}
		if err := claim(s.Column, "sequence", "columns.sequences"); err != nil {
			return nil, err
		}
		specs = append(specs, s)
	}

	// Inferred features.
	var skipped [][2]string // column, reason
	for i := range f.cols {
		c := &f.cols[i]
		if _, ok := role[c.Name]; ok {
			continue
		}
		var r, skip string
		switch {
		case c.Unsupported != "":
			skip = c.TypeName() + " is " + c.Unsupported + ", not read"
		case slices.Contains(LabelNames, c.Name) || c.Name == PTrueName:
			skip = "named like a label: a feature only when listed in columns"
		case c.List && (c.Kind == kindInt || c.Kind == kindString):
			r = "sequence"
			if len(cols.Sequences) > 0 {
				skip = "not in columns.sequences"
			}
		case c.List:
			skip = c.TypeName() + " is a dense vector; vector features are not supported yet"
		case c.Kind == kindFloat:
			r = "dense"
			if len(cols.Dense) > 0 {
				skip = "not in columns.dense"
			}
		default:
			r = "categorical"
			if len(cols.Categorical) > 0 {
				skip = "not in columns.categorical"
			}
		}
		if skip != "" {
			skipped = append(skipped, [2]string{c.Name, skip})
			continue
		}
		role[c.Name] = r
		switch r {
		case "sequence":
			specs = append(specs, SeqSpec{Column: c.Name})
			p.why[c.Name] = "inferred: " + c.TypeName() + " is a history"
		case "dense":
			p.dense = append(p.dense, c.Name)
			p.why[c.Name] = "inferred: " + c.TypeName() + " is dense"
		default:
			p.cat = append(p.cat, c.Name)
			p.why[c.Name] = "inferred: " + c.TypeName() + " is categorical"
		}
	}

	// Sequence targets.
	for _, s := range specs {
		c := f.column(s.Column)
		if !c.List || (c.Kind != kindInt && c.Kind != kindString) {
			return nil, colErr(f.path, s.Column, "%s cannot be a sequence (want a list of ints or strings)", c.TypeName())
		}
		maxLen := s.MaxLen
		if maxLen == 0 {
			maxLen = DefaultMaxLen
		}
		if maxLen < 0 {
			return nil, colErr(f.path, s.Column, "max_len %d, want > 0", s.MaxLen)
		}
		target := s.Target
		if target == "" {
			cands := targetCandidates(s.Column)
			for _, name := range cands {
				if t := f.column(name); t != nil && !t.List && t.Kind != kindFloat && t.Unsupported == "" && role[name] != "label" {
					target = name
					break
				}
			}
			if target == "" {
				return nil, colErr(f.path, s.Column, "cannot tell which categorical column this history's items are (tried %s); set target in columns.sequences",
					strings.Join(cands, ", "))
			}
		}
		t, err := lookup(target)
		if err != nil {
			return nil, err
		}
		if t.List || t.Kind == kindFloat || t.Kind == kindBool {
			return nil, colErr(f.path, s.Column, "target %q is %s, want an int or string column", target, t.TypeName())
		}
		if t.Kind != c.Kind {
			return nil, colErr(f.path, s.Column, "%s items cannot share ids with target %q of type %s", c.TypeName(), target, t.TypeName())
		}
		field := slices.Index(p.cat, target)
		if field < 0 {
			if r, ok := role[target]; ok {
				return nil, colErr(f.path, s.Column, "target %q is the %s column, want a categorical one", target, r)
			}
			role[target] = "categorical"
			p.why[target] = "target of sequence " + s.Column
			p.cat = append(p.cat, target)
			field = len(p.cat) - 1
		}
		if slices.ContainsFunc(p.seqs, func(q Sequence) bool { return q.Name == s.Column }) {
			return nil, colErr(f.path, s.Column, "listed twice in columns.sequences")
		}
		p.seqs = append(p.seqs, Sequence{Name: s.Column, Target: target, Field: field, MaxLen: maxLen})
		if s.Target != "" {
			p.why[s.Column] += " (target " + target + ")"
		} else {
			p.why[s.Column] += " (target " + target + " by name)"
		}
	}

	// Columns with no role (a skipped column may have become a target, and
	// the group column has its role).
	for _, sk := range skipped {
		if _, ok := role[sk[0]]; !ok && sk[0] != p.group {
			p.ignored = append(p.ignored, fmt.Sprintf("%s (%s)", sk[0], sk[1]))
			p.why[sk[0]] = "ignored: " + sk[1]
		}
	}
	return p, nil
}

// targetCandidates lists the names a history column's target may have:
// "hist_item" → item, item_id; "item_hist" → item, item_id.
func targetCandidates(list string) []string {
	var out []string
	add := func(base string) {
		if base == "" || base == list {
			return
		}
		for _, s := range []string{base, base + "_id"} {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	for _, pre := range []string{"hist_", "history_"} {
		if b, ok := strings.CutPrefix(list, pre); ok {
			add(b)
		}
	}
	for _, suf := range []string{"_hist", "_history"} {
		if b, ok := strings.CutSuffix(list, suf); ok {
			add(b)
		}
	}
	if len(out) == 0 {
		out = append(out, list+"_id")
	}
	return out
}
