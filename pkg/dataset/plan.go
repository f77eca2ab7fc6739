package dataset

// The planner: what Columns says, and for the keys it leaves empty, what
// the first file's schema suggests (the role table, roles.go), give every
// column its role or none. See Columns for the rules.

import (
	"fmt"
	"slices"
	"strings"
)

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
	for _, names := range [][]string{p.cat, p.dense, seqNames(p.seqs), p.pooled} {
		for _, s := range names {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

func seqNames(seqs []Sequence) []string {
	out := make([]string, len(seqs))
	for i, s := range seqs {
		out[i] = s.Name
	}
	return out
}

// add records that column name has role r (histories are added with their
// targets, by planner.targets).
func (p *plan) add(r *role, name string) {
	switch r {
	case roleLabel:
		p.label = name
	case rolePTrue:
		p.ptrue = name
	case roleCategorical:
		p.cat = append(p.cat, name)
	case roleDense:
		p.dense = append(p.dense, name)
	case rolePooled:
		p.pooled = append(p.pooled, name)
	}
}

// roleOf is the role of column name as a value (the label, p_true or a
// dense column: the roles whose type may change in Encode), or nil.
func (p *plan) roleOf(name string) *role {
	switch {
	case name == p.label:
		return roleLabel
	case name == p.ptrue:
		return rolePTrue
	case slices.Contains(p.dense, name):
		return roleDense
	}
	return nil
}

// planner gives the columns of one file their roles, one step at a time.
type planner struct {
	f       *pqFile
	cols    Columns
	splitBy string // the column that orders the rows: not inferred a feature
	p       *plan
	roles   map[string]*role // column → its role so far
	seqs    []seqSpec        // histories, listed and inferred, before their targets are found
	skipped [][2]string      // column, why it has no role
}

// seqSpec is a history before its target is checked, and how it got its role.
type seqSpec struct {
	SeqSpec
	why string
}

// makePlan gives every column of f a role (or none) following cols; the
// column splitBy orders the rows and is not inferred a feature.
func makePlan(f *pqFile, cols Columns, splitBy string) (*plan, error) {
	pl := &planner{f: f, cols: cols, splitBy: splitBy, roles: map[string]*role{},
		p: &plan{file: f.path, why: map[string]string{}, pooledLen: cols.PooledMaxLen, minCount: max(cols.MinCount, 1), strict: cols.Strict}}
	for _, step := range []func() error{pl.options, pl.label, pl.ptrue, pl.group, pl.listed, pl.infer, pl.targets} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	pl.ignore()
	return pl.p, nil
}

// options checks the settings of Columns that are not column names.
func (pl *planner) options() error {
	if pl.cols.MinCount < 0 {
		return fmt.Errorf("dataset: columns.min_count = %d, want ≥ 1 (0 means 1)", pl.cols.MinCount)
	}
	if pl.cols.PooledMaxLen < 0 {
		return fmt.Errorf("dataset: columns.pooled_max_len = %d, want ≥ 1 (0: the longest train list, at most %d)", pl.cols.PooledMaxLen, MaxPooledLen)
	}
	return nil
}

// claim gives column name role r; a column has one role.
func (pl *planner) claim(name string, r *role, why string) error {
	if prev := pl.roles[name]; prev != nil {
		if prev == r {
			return colErr(pl.f.path, name, "listed twice as %s", r.name)
		}
		return colErr(pl.f.path, name, "given two roles: %s and %s", prev.name, r.name)
	}
	pl.roles[name] = r
	pl.p.why[name] = why
	pl.p.add(r, name)
	return nil
}

// lookup returns the column called name, which is to have role r.
func (pl *planner) lookup(name string, r *role) (*pqColumn, error) {
	c := pl.f.column(name)
	if c == nil {
		return nil, pl.f.notFound(name)
	}
	return c, r.check(pl.f, c)
}

// label finds the label: Columns.Label, else the first of LabelNames whose
// type a label takes.
func (pl *planner) label() error {
	if name := pl.cols.Label; name != "" {
		if _, err := pl.lookup(name, roleLabel); err != nil {
			return err
		}
		return pl.claim(name, roleLabel, "columns.label")
	}
	var wrong *pqColumn // the first column named like a label, of a type a label is not
	for _, name := range LabelNames {
		c := pl.f.column(name)
		switch {
		case c == nil:
		case roleLabel.check(pl.f, c) != nil:
			if wrong == nil {
				wrong = c
			}
		default:
			return pl.claim(name, roleLabel, "named "+name)
		}
	}
	if wrong != nil {
		msg := roleLabel.rejected(wrong)
		if wrong.Unsupported != "" {
			msg = fmt.Sprintf("%s is %s, which this package does not read", wrong.TypeName(), wrong.Unsupported)
		}
		return colErr(pl.f.path, wrong.Name, "named like a label, but %s; convert it to 0/1 numbers, or set columns.label", msg)
	}
	return fileErr(pl.f.path, "no label column: none of %s (columns: %s); set columns.label",
		strings.Join(LabelNames, ", "), pl.f.names())
}

// ptrue takes the true click probability of synthetic data when there is one.
func (pl *planner) ptrue() error {
	c := pl.f.column(PTrueName)
	if c == nil || rolePTrue.check(pl.f, c) != nil || pl.p.label == PTrueName {
		return nil
	}
	return pl.claim(c.Name, rolePTrue, "named "+PTrueName+": the true click probability, never a feature")
}

// group takes Columns.Group. It may also be a feature, so it is not claimed.
func (pl *planner) group() error {
	name := pl.cols.Group
	if name == "" {
		return nil
	}
	if _, err := pl.lookup(name, roleGroup); err != nil {
		return err
	}
	if r := pl.roles[name]; r != nil {
		return colErr(pl.f.path, name, "cannot be the group: it is the %s", r.name)
	}
	pl.p.group = name
	return nil
}

// listed gives the columns that Columns lists their roles.
func (pl *planner) listed() error {
	for _, l := range []struct {
		r     *role
		names []string
	}{{roleCategorical, pl.cols.Categorical}, {roleDense, pl.cols.Dense}, {rolePooled, pl.cols.Pooled}} {
		for _, name := range l.names {
			c, err := pl.lookup(name, l.r)
			if err != nil {
				return err
			}
			why := l.r.key
			if l.r == roleDense && c.List {
				why += ": a vector, one dense column per element"
			}
			if err := pl.claim(name, l.r, why); err != nil {
				return err
			}
		}
	}
	for _, s := range pl.cols.Sequences {
		if s.Column == "" {
			return fileErr(pl.f.path, "a sequence in columns.sequences has no column")
		}
		if _, err := pl.lookup(s.Column, roleSequence); err != nil {
			return err
		}
		if err := pl.claim(s.Column, roleSequence, roleSequence.key); err != nil {
			return err
		}
		pl.seqs = append(pl.seqs, seqSpec{s, roleSequence.key})
	}
	return nil
}

// listsSome reports whether Columns lists columns of role r: then r is not
// inferred.
func (pl *planner) listsSome(r *role) bool {
	switch r {
	case roleCategorical:
		return len(pl.cols.Categorical) > 0
	case roleDense:
		return len(pl.cols.Dense) > 0
	case roleSequence:
		return len(pl.cols.Sequences) > 0
	case rolePooled:
		return len(pl.cols.Pooled) > 0
	}
	return false
}

// infer gives the columns without a role the role their type suggests.
func (pl *planner) infer() error {
	for i := range pl.f.cols {
		c := &pl.f.cols[i]
		if pl.roles[c.Name] != nil {
			continue
		}
		r, why, target := pl.inferred(c)
		if r == nil || pl.listsSome(r) {
			if r != nil {
				why = "not in " + r.key
			}
			pl.skipped = append(pl.skipped, [2]string{c.Name, why})
			continue
		}
		if r == roleSequence {
			pl.seqs = append(pl.seqs, seqSpec{SeqSpec{Column: c.Name, Target: target}, why})
		}
		if err := pl.claim(c.Name, r, why); err != nil {
			return err
		}
	}
	return nil
}

// inferred is the role that column c's type suggests and why (with a
// history's target), or nil and why it has none.
func (pl *planner) inferred(c *pqColumn) (r *role, why, target string) {
	switch {
	case c.Unsupported != "":
		return nil, c.TypeName() + " is " + c.Unsupported + ", not read", ""
	case slices.Contains(LabelNames, c.Name) || c.Name == PTrueName:
		return nil, "named like a label: a feature only when listed in columns", ""
	case c.Name == pl.splitBy:
		return nil, "split.by: it orders the rows; a feature only when listed in columns", ""
	}
	t := c.colType()
	for _, r := range inferOrder {
		if !slices.Contains(r.infers, t) {
			continue
		}
		switch {
		case r == roleSequence:
			target, reason := inferTarget(pl.f, c, pl.roles)
			if target == "" {
				return rolePooled, "inferred: " + c.TypeName() + " is a pooled feature: " + reason, ""
			}
			return r, "inferred: " + c.TypeName() + " is a history (target " + target + " by name)", target
		case r == roleDense && t.list:
			return r, "inferred: " + c.TypeName() + " is a dense vector, one dense column per element", ""
		}
		return r, "inferred: " + c.TypeName() + " is " + r.name, ""
	}
	return nil, c.TypeName() + " has no role it is inferred for", ""
}

// targets finds and checks the target of every history.
func (pl *planner) targets() error {
	f, p := pl.f, pl.p
	for _, s := range pl.seqs {
		maxLen := s.MaxLen
		if maxLen == 0 {
			maxLen = DefaultMaxLen
		}
		if maxLen < 0 {
			return colErr(f.path, s.Column, "max_len %d, want > 0", s.MaxLen)
		}
		target := s.Target
		if target == "" {
			var reason string
			if target, reason = inferTarget(f, f.column(s.Column), pl.roles); target == "" {
				return colErr(f.path, s.Column, "cannot tell which categorical column this history's items are: %s; set target in columns.sequences (or list the column in columns.pooled)", reason)
			}
			s.why += " (target " + target + " by name)"
		} else if s.why == roleSequence.key {
			s.why += " (target " + target + ")"
		}
		field, err := pl.target(s.Column, target)
		if err != nil {
			return err
		}
		p.seqs = append(p.seqs, Sequence{Name: s.Column, Target: target, Field: field, MaxLen: maxLen})
		p.why[s.Column] = s.why
	}
	return nil
}

// target checks that column target can hold the ids of history hist and
// returns its index among the categorical fields (a target that has no
// role yet becomes one).
func (pl *planner) target(hist, target string) (int, error) {
	f, p := pl.f, pl.p
	t := f.column(target)
	if t == nil {
		return 0, colErr(f.path, hist, "target %q not found (columns: %s)", target, f.names())
	}
	if err := roleTarget.checkAs(f, t, hist); err != nil {
		return 0, err
	}
	if c := f.column(hist); t.Kind != c.Kind {
		return 0, colErr(f.path, hist, "%s items cannot share ids with target %q of type %s", c.TypeName(), target, t.TypeName())
	}
	if field := slices.Index(p.cat, target); field >= 0 {
		return field, nil
	}
	if r := pl.roles[target]; r != nil {
		return 0, colErr(f.path, hist, "target %q is the %s column, want a categorical one", target, r.name)
	}
	if err := pl.claim(target, roleCategorical, "target of sequence "+hist); err != nil {
		return 0, err
	}
	return len(p.cat) - 1, nil
}

// ignore lists the columns left without a role (a skipped column may have
// become a target, and the group column has its role).
func (pl *planner) ignore() {
	for _, sk := range pl.skipped {
		if pl.roles[sk[0]] == nil && sk[0] != pl.p.group {
			pl.p.ignored = append(pl.p.ignored, fmt.Sprintf("%s (%s)", sk[0], sk[1]))
			pl.p.why[sk[0]] = "ignored: " + sk[1]
		}
	}
}
