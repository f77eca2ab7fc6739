package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/attnsweep/attnsweep/pkg/store"
)

// Table is a grid of cells with a header, rendered as aligned text,
// markdown, CSV or JSON.
type Table struct {
	Header []string
	Rows   [][]string
	raw    [][]any // typed values for JSON, when known
}

// FromResult turns a query result into a table.
func FromResult(r *store.Result) *Table {
	t := &Table{Header: r.Columns, raw: r.Rows}
	for _, row := range r.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = Cell(v)
		}
		t.Rows = append(t.Rows, cells)
	}
	return t
}

// Cell formats one value: floats with up to 6 significant digits, NULL empty.
func Cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		if math.IsNaN(x) {
			return "NaN"
		}
		return strconv.FormatFloat(x, 'g', 6, 64)
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

// Write renders the table in a format: table, csv, json or markdown.
func (t *Table) Write(w io.Writer, format string) error {
	switch format {
	case "", "table":
		return t.WriteText(w)
	case "markdown", "md":
		return t.WriteMarkdown(w)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(t.Header)
		cw.WriteAll(t.Rows)
		return cw.Error()
	case "json":
		return t.writeJSON(w)
	}
	return fmt.Errorf("unknown format %q (known: table, csv, json, markdown)", format)
}

// writeJSON writes the rows as a list of objects whose keys keep the
// columns' order; a repeated column name gets a suffix (a, a.1, a.2, as
// pandas names them), so no value is lost.
func (t *Table) writeJSON(w io.Writer) error {
	keys := make([][]byte, len(t.Header))
	seen := map[string]int{}
	for j, h := range t.Header {
		name := h
		if n := seen[h]; n > 0 {
			name = fmt.Sprintf("%s.%d", h, n)
		}
		seen[h]++
		keys[j], _ = json.Marshal(name)
	}
	var b bytes.Buffer
	b.WriteString("[")
	for i, row := range t.Rows {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  {")
		for j := range t.Header {
			var v any = row[j]
			if t.raw != nil {
				v = jsonValue(t.raw[i][j])
			}
			val, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("json: column %s, row %d: %w", t.Header[j], i+1, err)
			}
			if j > 0 {
				b.WriteString(", ")
			}
			b.Write(keys[j])
			b.WriteString(": ")
			b.Write(val)
		}
		b.WriteString("}")
	}
	if len(t.Rows) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	_, err := w.Write(b.Bytes())
	return err
}

func jsonValue(v any) any {
	if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
		return nil
	}
	return v
}

// WriteText renders aligned columns for a terminal.
func (t *Table) WriteText(w io.Writer) error {
	width := make([]int, len(t.Header))
	for i, h := range t.Header {
		width[i] = len(h)
	}
	for _, row := range t.Rows {
		for i, c := range row {
			width[i] = max(width[i], len(c))
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		for i, c := range cells {
			if i > 0 {
				b.WriteString("  ")
			}
			fmt.Fprintf(&b, "%-*s", width[i], c)
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	line(t.Header)
	sep := make([]string, len(t.Header))
	for i := range sep {
		sep[i] = strings.Repeat("-", width[i])
	}
	line(sep)
	for _, row := range t.Rows {
		line(row)
	}
	return nil
}

// WriteMarkdown renders a GitHub-flavoured markdown table.
func (t *Table) WriteMarkdown(w io.Writer) error {
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	row := func(cells []string) {
		parts := make([]string, len(cells))
		for i, c := range cells {
			parts[i] = esc(c)
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(parts, " | "))
	}
	row(t.Header)
	sep := make([]string, len(t.Header))
	for i := range sep {
		sep[i] = "---"
	}
	fmt.Fprintf(w, "|%s|\n", strings.Join(sep, "|"))
	for _, r := range t.Rows {
		row(r)
	}
	return nil
}
