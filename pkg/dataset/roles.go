package dataset

// Column roles: what each role is and which column types it takes.
//
// Every use of a column (label, categorical field, history, ...) is one
// entry of the role table below, which says which types a column of that
// role may have, which types get the role when Columns leaves it to
// inference, and the error when a column of another type is given it. The
// planner (plan.go) applies the table; adding a role or a type a role takes
// is one entry here.

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

// colType is a column's type as this package reads it (parquet.go widens
// the Parquet types to these): the kind of its values and whether each row
// holds a list of them.
type colType struct {
	kind valueKind
	list bool
}

func (t colType) String() string { return kindName(t.kind, t.list) }

// types parses a list of type names for the role table: "int", "float",
// "string", "bool", and "list<int>" and so on.
func types(names ...string) []colType {
	kinds := map[string]valueKind{"int": kindInt, "float": kindFloat, "string": kindString, "bool": kindBool}
	var out []colType
	for _, n := range names {
		inner, list := strings.CutPrefix(n, "list<")
		if list {
			inner = strings.TrimSuffix(inner, ">")
		}
		k, ok := kinds[inner]
		if !ok {
			panic("dataset: role table: unknown type " + n)
		}
		out = append(out, colType{k, list})
	}
	return out
}

// role is one use of a column.
type role struct {
	name    string    // as Inspect shows it and messages say it
	accepts []colType // the types a column of this role may have
	// infers are the types that get this role when Columns leaves the
	// role's key empty; nil when the role is never inferred from a type.
	infers []colType
	key    string // the Columns key that names columns of this role ("columns.dense"), or ""
	// reject is the error when a column of another type is given the role:
	// a format whose operand 1 is the column's type ("list<int64>") and
	// operand 2 its name (explicit indexes: either may go unused).
	// rejectList, when set, replaces it for a list column.
	reject, rejectList string
	// numeric roles read their values as numbers: Encode takes a column
	// of any type the role accepts (list or not as when fitted).
	numeric bool
}

// The role table.
var (
	roleLabel = &role{name: "label", accepts: types("int", "float", "bool"), numeric: true,
		reject: "%[1]s cannot be the label (want int, float or bool with values 0 or 1)"}
	rolePTrue = &role{name: "p_true", accepts: types("float"), numeric: true,
		reject: "%[1]s cannot be p_true (want float or double)"}
	roleGroup = &role{name: "group", accepts: types("int", "string", "bool"), key: "columns.group",
		reject: "%[1]s cannot be the group (want int, string or bool)"}
	roleCategorical = &role{name: "categorical", accepts: types("int", "string", "bool"), infers: types("int", "string", "bool"), key: "columns.categorical",
		reject:     "%[1]s cannot be categorical (want int, string or bool)",
		rejectList: "%[1]s cannot be categorical (want int, string or bool); a list is a history (columns.sequences) or a pooled feature (columns.pooled)"}
	roleDense = &role{name: "dense", numeric: true, key: "columns.dense",
		accepts: types("float", "int", "bool", "list<float>", "list<int>"), infers: types("float", "list<float>"),
		reject: "%[1]s cannot be dense (want float, int or bool, or a list of numbers as a vector)"}
	roleSequence = &role{name: "sequence", accepts: types("list<int>", "list<string>"), infers: types("list<int>", "list<string>"), key: "columns.sequences",
		reject: "%[1]s cannot be a sequence (want a list of ints or strings)"}
	rolePooled = &role{name: "pooled", accepts: types("list<int>", "list<string>"), infers: types("list<int>", "list<string>"), key: "columns.pooled",
		reject: "%[1]s cannot be pooled (want a list of ints or strings)"}
	// roleTarget is the categorical column whose ids a history shares; its
	// error is about the history column, whose name is the second operand.
	roleTarget = &role{name: "target", accepts: types("int", "string"),
		reject: "target %[2]q is %[1]s, want an int or string column"}
	roleSplitBy = &role{name: "split.by", accepts: types("int", "float", "string"),
		reject: "%[1]s cannot order the rows: split.by wants a number or a string column (a timestamp)"}
)

// inferOrder is the order in which inference tries the roles on a column
// without one: a list of ints or strings is a history when its target is
// found by name and pooled otherwise.
var inferOrder = []*role{roleSequence, roleDense, roleCategorical}

// takes reports whether a column of type t may have role r.
func (r *role) takes(t colType) bool { return slices.Contains(r.accepts, t) }

// check returns the error for column c of file f when it cannot have role
// r (a type this package does not read, or one the role does not take).
func (r *role) check(f *pqFile, c *pqColumn) error { return r.checkAs(f, c, c.Name) }

// checkAs is check for an error filed under column about (a history whose
// target c is).
func (r *role) checkAs(f *pqFile, c *pqColumn, about string) error {
	if c.Unsupported == "" && r.takes(c.colType()) {
		return nil
	}
	if c.Unsupported != "" && about == c.Name {
		return colErr(f.path, c.Name, "%s is %s, which this package does not read", c.TypeName(), c.Unsupported)
	}
	return colErr(f.path, about, "%s", r.rejected(c))
}

// rejected is the reason column c cannot have role r.
func (r *role) rejected(c *pqColumn) string {
	format := r.reject
	if c.List && r.rejectList != "" {
		format = r.rejectList
	}
	return fmt.Sprintf(format, c.TypeName(), c.Name)
}

// colType is the type c is read as.
func (c *pqColumn) colType() colType { return colType{c.Kind, c.List} }

// inferTarget finds the target of list column c by name (targetCandidates):
// a scalar column of the items' kind that the target role takes and that
// has no role other than categorical. It returns "" and the reason when
// there is none.
func inferTarget(f *pqFile, c *pqColumn, roles map[string]*role) (string, string) {
	cands := targetCandidates(c.Name)
	var why []string
	for _, name := range cands {
		t := f.column(name)
		switch {
		case t == nil:
		case t.Unsupported != "" || !roleTarget.takes(t.colType()):
			why = append(why, name+" is "+t.TypeName())
		case t.Kind != c.Kind:
			why = append(why, fmt.Sprintf("%s is %s, the items %s", name, t.TypeName(), strings.TrimSuffix(strings.TrimPrefix(c.TypeName(), "list<"), ">")))
		case roles[name] != nil && roles[name] != roleCategorical:
			why = append(why, name+" is the "+roles[name].name)
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
