package dataset

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// InspectReport describes Parquet files read as one table: each column's
// type, the role Load would give it and why, and its statistics.
type InspectReport struct {
	Files     []string
	Rows      int
	Label     string  // "" when no label was found
	LabelRate float64 // mean label; NaN without a usable label
	Columns   []ColumnReport
	// Problem is why Load would refuse these files with these columns (a
	// missing label, a history without a target, ...); "" when it would not.
	Problem string
}

// ColumnReport describes one column. Statistics that do not apply to the
// column's type are left zero (Distinct, Min/Max/Mean) or -1 (lengths).
type ColumnReport struct {
	Name     string
	Type     string // short type: "int64", "string", "double", "list<int64>", ...
	Physical string // Parquet physical type of the values: "INT64", "BYTE_ARRAY", ...
	Logical  string // Parquet logical type: "INT(64,true)", "STRING", "LIST", or ""
	Role     string // "label", "categorical", "dense", "sequence", "pooled", "p_true", "group", "ignored"
	Why      string // how the role was chosen

	Rows     int
	Nulls    int // null values (lists: null lists)
	Distinct int // ints, strings and bools; lists of them: distinct items

	Min, Max, Mean float64 // numbers (lists: of the items), over present values

	MinLen, MaxLen int     // lists: items per row (a null list has 0); -1 otherwise
	MeanLen        float64 // lists
}

// Inspect reads every column of the files (as one table, like Load's
// Paths) and reports the roles that Load would give them with cols.
func Inspect(paths []string, cols Columns) (*InspectReport, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("dataset: no files to inspect")
	}
	pfs, err := openAll(paths)
	if err != nil {
		return nil, err
	}
	defer closeAll(pfs)
	first := pfs[0]
	rep := &InspectReport{Files: paths, LabelRate: math.NaN()}

	p, perr := makePlan(first, cols, "")
	if perr != nil {
		rep.Problem = perr.Error()
	}
	var names []string
	for _, c := range first.cols {
		if c.Unsupported == "" {
			names = append(names, c.Name)
		}
	}
	tab, err := readTable(pfs, names)
	if err != nil {
		return nil, err
	}
	defer tab.release()
	rep.Rows = tab.n

	for _, c := range first.cols {
		cr := ColumnReport{
			Name: c.Name, Type: c.TypeName(), Physical: c.Physical, Logical: c.Logical,
			Rows: tab.n, MinLen: -1, MaxLen: -1,
		}
		if c.Unsupported != "" {
			cr.Physical = "-"
			cr.Type = "(" + c.Unsupported + ")"
			cr.Rows = 0
		}
		if p != nil {
			cr.Role, cr.Why = p.role(c.Name)
		}
		if a := tab.cols[c.Name]; a != nil {
			columnStats(&cr, a)
		}
		rep.Columns = append(rep.Columns, cr)
	}
	if p != nil {
		rep.Label = p.label
	} else {
		for _, name := range LabelNames {
			if first.column(name) != nil {
				rep.Label = name
				break
			}
		}
	}
	if a := tab.cols[rep.Label]; a != nil && a.Len() > 0 {
		for _, cr := range rep.Columns {
			if cr.Name == rep.Label && !strings.HasPrefix(cr.Type, "list") && cr.Type != "string" {
				rep.LabelRate = cr.Mean
			}
		}
	}
	return rep, nil
}

// role says what p makes of a column, and why.
func (p *plan) role(name string) (string, string) {
	why := p.why[name]
	switch {
	case name == p.label:
		return "label", why
	case name == p.ptrue:
		return "p_true", why
	}
	for _, s := range p.seqs {
		if s.Name == name {
			return "sequence", why
		}
	}
	for _, c := range p.cat {
		if c == name {
			if name == p.group {
				return "categorical+group", why + "; columns.group"
			}
			return "categorical", why
		}
	}
	for _, c := range p.dense {
		if c == name {
			return "dense", why
		}
	}
	if slices.Contains(p.pooled, name) {
		return "pooled", why
	}
	if name == p.group {
		return "group", "columns.group"
	}
	if why == "" {
		why = "no role"
	}
	return "ignored", strings.TrimPrefix(why, "ignored: ")
}

// columnStats fills the statistics of cr from the column's Arrow array.
func columnStats(cr *ColumnReport, a arrow.Array) {
	cr.Nulls = a.NullN()
	values := a
	if l, ok := a.(*array.List); ok {
		values = l.ListValues()
		cr.MinLen, cr.MaxLen = math.MaxInt, 0
		var sum int
		for i := range l.Len() {
			lo, hi := l.ValueOffsets(i)
			n := int(hi - lo)
			cr.MinLen, cr.MaxLen = min(cr.MinLen, n), max(cr.MaxLen, n)
			sum += n
		}
		if l.Len() > 0 {
			cr.MeanLen = float64(sum) / float64(l.Len())
		} else {
			cr.MinLen = 0
		}
	}
	var sum float64
	var n int
	add := func(x float64) {
		if n == 0 {
			cr.Min, cr.Max = x, x
		}
		cr.Min, cr.Max = min(cr.Min, x), max(cr.Max, x)
		sum += x
		n++
	}
	switch v := values.(type) {
	case *array.Int64:
		seen := map[int64]struct{}{}
		for i, x := range v.Int64Values() {
			if !v.IsNull(i) {
				add(float64(x))
				seen[x] = struct{}{}
			}
		}
		cr.Distinct = len(seen)
	case *array.Float64:
		for i, x := range v.Float64Values() {
			if !v.IsNull(i) && !math.IsNaN(x) {
				add(x)
			}
		}
	case *array.Boolean:
		seen := map[bool]struct{}{}
		for i := range v.Len() {
			if !v.IsNull(i) {
				x := v.Value(i)
				seen[x] = struct{}{}
				if x {
					add(1)
				} else {
					add(0)
				}
			}
		}
		cr.Distinct = len(seen)
	case *array.String:
		seen := map[string]struct{}{}
		for i := range v.Len() {
			if !v.IsNull(i) {
				seen[v.Value(i)] = struct{}{}
			}
		}
		cr.Distinct = len(seen)
	}
	if n > 0 {
		cr.Mean = sum / float64(n)
	}
}

// Write renders the report as a plain table.
func (r *InspectReport) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "files: %s\n", strings.Join(r.Files, ", "))
	fmt.Fprintf(&b, "rows: %d\n", r.Rows)
	switch {
	case r.Label == "":
		fmt.Fprintf(&b, "label: none\n")
	case math.IsNaN(r.LabelRate):
		fmt.Fprintf(&b, "label: %s\n", r.Label)
	default:
		fmt.Fprintf(&b, "label: %s (rate %.4f)\n", r.Label, r.LabelRate)
	}
	if r.Problem != "" {
		fmt.Fprintf(&b, "problem: %s\n", r.Problem)
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "column\ttype\tparquet\trole\tnulls\tdistinct\tmin\tmax\tmean\tlength min/mean/max\twhy")
	for _, c := range r.Columns {
		parquetType := c.Physical
		if c.Logical != "" {
			parquetType += " " + c.Logical
		}
		distinct, lo, hi, mean, length := "-", "-", "-", "-", "-"
		if c.Distinct > 0 {
			distinct = fmt.Sprint(c.Distinct)
		}
		if c.Min != 0 || c.Max != 0 || c.Mean != 0 {
			lo, hi, mean = num(c.Min), num(c.Max), num(c.Mean)
		}
		if c.MaxLen >= 0 {
			length = fmt.Sprintf("%d/%.1f/%d", c.MinLen, c.MeanLen, c.MaxLen)
		}
		role := c.Role
		if role == "" {
			role = "?"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n",
			c.Name, c.Type, parquetType, role, c.Nulls, distinct, lo, hi, mean, length, c.Why)
	}
	tw.Flush()
	_, err := io.WriteString(w, b.String())
	return err
}

// String is the report as Write renders it.
func (r *InspectReport) String() string {
	var b strings.Builder
	r.Write(&b)
	return b.String()
}

// num formats a statistic briefly.
func num(x float64) string {
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.4g", x)
}
