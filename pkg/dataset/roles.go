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

// MaxPooledLen caps the items kept per row of a pooled column when
// Columns.PooledMaxLen is 0.
const MaxPooledLen = 50

// plan is the role of every column that Load reads.
type plan struct {
	file      string // the file the roles were inferred from
	label     string
	ptrue     string
	group     string
	cat       []string
	dense     []string // scalar columns and vectors (lists of numbers)
	seqs      []Sequence
	pooled    []string
	pooledLen int // Columns.PooledMaxLen
	minCount  int
	strict    bool
	ignored   []string          // "name (reason)", columns with no role, in file order
	why       map[string]string // column → how it got its role
}

// columns lists the feature columns (those every file must have), each
// once, in role order.
func (p *plan) columns() []string {
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, c := range p.cat {
		add(c)
	}
	for _, c := range p.dense {
		add(c)
	}
	for _, s := range p.seqs {
		add(s.Name)
	}
	for _, c := range p.pooled {
		add(c)
	}
	return out
}

// makePlan gives every column of f a role (or none) following cols; the
// column splitBy orders the rows and is not inferred a feature. See Columns
// for the rules.
func makePlan(f *pqFile, cols Columns, splitBy string) (*plan, error) {
	p := &plan{file: f.path, why: map[string]string{}, pooledLen: cols.PooledMaxLen, minCount: cols.MinCount, strict: cols.Strict}
	switch {
	case cols.MinCount < 0:
		return nil, fmt.Errorf("dataset: columns.min_count = %d, want ≥ 1 (0 means 1)", cols.MinCount)
	case cols.MinCount == 0:
		p.minCount = 1
	}
	if cols.PooledMaxLen < 0 {
		return nil, fmt.Errorf("dataset: columns.pooled_max_len = %d, want ≥ 1 (0: the longest train list, at most %d)", cols.PooledMaxLen, MaxPooledLen)
	}
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
		if c.List {
			return nil, colErr(f.path, name, "%s cannot be categorical (want int, string or bool); a list is a history (columns.sequences) or a pooled feature (columns.pooled)", c.TypeName())
		}
		if c.Kind == kindFloat {
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
		if c.Kind == kindString || (c.List && c.Kind == kindBool) {
			return nil, colErr(f.path, name, "%s cannot be dense (want float, int or bool, or a list of numbers as a vector)", c.TypeName())
		}
		why := "columns.dense"
		if c.List {
			why += ": a vector, one dense column per element"
		}
		if err := claim(name, "dense", why); err != nil {
			return nil, err
		}
		p.dense = append(p.dense, name)
	}
	for _, name := range cols.Pooled {
		c, err := lookup(name)
		if err != nil {
			return nil, err
		}
		if !c.List || (c.Kind != kindInt && c.Kind != kindString) {
			return nil, colErr(f.path, name, "%s cannot be pooled (want a list of ints or strings)", c.TypeName())
		}
		if err := claim(name, "pooled", "columns.pooled"); err != nil {
			return nil, err
		}
		p.pooled = append(p.pooled, name)
	}
	type seqSpec struct {
		SeqSpec
		why string
	}
	var specs []seqSpec
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
		specs = append(specs, seqSpec{s, "columns.sequences"})
	}

	// Inferred features.
	var skipped [][2]string // column, reason
	for i := range f.cols {
		c := &f.cols[i]
		if _, ok := role[c.Name]; ok {
			continue
		}
		var r, skip, why string
		switch {
		case c.Unsupported != "":
			skip = c.TypeName() + " is " + c.Unsupported + ", not read"
		case slices.Contains(LabelNames, c.Name) || c.Name == PTrueName:
			skip = "named like a label: a feature only when listed in columns"
		case c.Name == splitBy:
			skip = "split.by: it orders the rows; a feature only when listed in columns"
		case c.List && (c.Kind == kindInt || c.Kind == kindString):
			target, reason := inferTarget(f, c, role)
			if target != "" {
				r, why = "sequence", "inferred: "+c.TypeName()+" is a history (target "+target+" by name)"
				specs = append(specs, seqSpec{SeqSpec{Column: c.Name, Target: target}, why})
				if len(cols.Sequences) > 0 {
					skip = "not in columns.sequences"
				}
			} else {
				r, why = "pooled", "inferred: "+c.TypeName()+" is a pooled feature: "+reason
				if len(cols.Pooled) > 0 {
					skip = "not in columns.pooled"
				}
			}
		case c.List && c.Kind == kindFloat:
			r, why = "dense", "inferred: "+c.TypeName()+" is a dense vector, one dense column per element"
			if len(cols.Dense) > 0 {
				skip = "not in columns.dense"
			}
		case c.Kind == kindFloat:
			r, why = "dense", "inferred: "+c.TypeName()+" is dense"
			if len(cols.Dense) > 0 {
				skip = "not in columns.dense"
			}
		default:
			r, why = "categorical", "inferred: "+c.TypeName()+" is categorical"
			if len(cols.Categorical) > 0 {
				skip = "not in columns.categorical"
			}
		}
		if skip != "" {
			if r == "sequence" {
				specs = specs[:len(specs)-1]
			}
			skipped = append(skipped, [2]string{c.Name, skip})
			continue
		}
		role[c.Name] = r
		p.why[c.Name] = why
		switch r {
		case "dense":
			p.dense = append(p.dense, c.Name)
		case "pooled":
			p.pooled = append(p.pooled, c.Name)
		case "categorical":
			p.cat = append(p.cat, c.Name)
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
			var reason string
			target, reason = inferTarget(f, c, role)
			if target == "" {
				return nil, colErr(f.path, s.Column, "cannot tell which categorical column this history's items are: %s; set target in columns.sequences (or list the column in columns.pooled)", reason)
			}
			s.why += " (target " + target + " by name)"
		} else if s.why == "columns.sequences" {
			s.why += " (target " + target + ")"
		}
		t := f.column(target)
		if t == nil {
			return nil, colErr(f.path, s.Column, "target %q not found (columns: %s)", target, f.names())
		}
		if t.Unsupported != "" || t.List || t.Kind == kindFloat || t.Kind == kindBool {
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
		p.why[s.Column] = s.why
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

// inferTarget finds the target of list column c by name (targetCandidates):
// a scalar column of the items' kind that is not the label, p_true or a
// dense column. It returns "" and the reason when there is none.
func inferTarget(f *pqFile, c *pqColumn, role map[string]string) (string, string) {
	cands := targetCandidates(c.Name)
	var why []string
	for _, name := range cands {
		t := f.column(name)
		switch {
		case t == nil:
		case t.Unsupported != "" || t.List || t.Kind == kindFloat || t.Kind == kindBool:
			why = append(why, name+" is "+t.TypeName())
		case t.Kind != c.Kind:
			why = append(why, fmt.Sprintf("%s is %s, the items %s", name, t.TypeName(), strings.TrimSuffix(strings.TrimPrefix(c.TypeName(), "list<"), ">")))
		case role[name] != "" && role[name] != "categorical":
			why = append(why, name+" is the "+role[name])
		default:
			return name, ""
		}
	}
	if len(why) == 0 {
		return "", "no target column (tried " + strings.Join(cands, ", ") + ")"
	}
	return "", "no usable target (" + strings.Join(why, "; ") + ")"
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
