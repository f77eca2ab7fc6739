package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/attnsweep/attnsweep/pkg/search"
)

// grid is a replay table: the valid AUC of every trained grid point.
type grid struct {
	names  []string           // the searched hyperparameters, in the table's column order
	values [][]string         // per column: its distinct cells
	auc    map[string]float64 // joined cells → valid AUC (NaN: the trial failed)
	file   string
}

// parseGrid parses a verb's flags and reads the replay table its -table
// flag names.
func parseGrid(fs *flag.FlagSet, args []string, table *string) (*grid, error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if *table == "" {
		return nil, fmt.Errorf("%s needs -table", fs.Name())
	}
	return readGrid(*table)
}

// readGrid reads `sweep query --format csv` output whose last two columns
// are status and valid_auc.
func readGrid(path string) (*grid, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s: no grid points", path)
	}
	head := rows[0]
	n := len(head) - 2
	if n < 1 || head[n] != "status" || head[n+1] != "valid_auc" {
		return nil, fmt.Errorf("%s: want the searched columns, then status and valid_auc; got %v", path, head)
	}
	g := &grid{names: head[:n], values: make([][]string, n), auc: map[string]float64{}, file: path}
	for i, r := range rows[1:] {
		v := math.NaN()
		if r[n] == "done" || r[n] == "pruned" {
			if v, err = strconv.ParseFloat(r[n+1], 64); err != nil {
				return nil, fmt.Errorf("%s: row %d: valid_auc %q is not a number", path, i+2, r[n+1])
			}
		}
		g.auc[strings.Join(r[:n], "|")] = v
		for c := 0; c < n; c++ {
			if !slices.Contains(g.values[c], r[c]) {
				g.values[c] = append(g.values[c], r[c])
			}
		}
	}
	return g, nil
}

// sortedPoints iterates over the grid points in the order of their keys.
func (g *grid) sortedPoints() func(func(string, float64) bool) {
	return func(yield func(string, float64) bool) {
		for _, k := range slices.Sorted(maps.Keys(g.auc)) {
			if !yield(k, g.auc[k]) {
				return
			}
		}
	}
}

// best is the largest valid AUC in the table.
func (g *grid) best() float64 {
	b := math.Inf(-1)
	for _, v := range g.auc {
		if v > b {
			b = v
		}
	}
	return b
}

// lookup returns the valid AUC of the grid point nearest to params.
func (g *grid) lookup(sp search.Space, params []search.Param) (float64, error) {
	cells := make([]string, len(g.names))
	for c, name := range g.names {
		i := slices.IndexFunc(params, func(p search.Param) bool { return p.Name == name })
		if i < 0 {
			return 0, fmt.Errorf("%s: the space has no axis %q", g.file, name)
		}
		ax := sp[slices.IndexFunc(sp, func(a search.Axis) bool { return a.Name == name })]
		cells[c] = g.nearest(c, params[i].Value, ax.Dist == "loguniform")
	}
	v, ok := g.auc[strings.Join(cells, "|")]
	if !ok {
		return 0, fmt.Errorf("%s: no grid point %v", g.file, cells)
	}
	return v, nil
}

// nearest is the cell of column c closest to v: by value for numbers (by
// log value if logScale), else the cell that prints like v.
func (g *grid) nearest(c int, v any, logScale bool) string {
	var x float64
	switch t := v.(type) {
	case float64:
		x = t
	case int:
		x = float64(t)
	default:
		b, _ := json.Marshal(v)
		return strings.ReplaceAll(string(b), " ", "")
	}
	if logScale {
		x = math.Log(x)
	}
	best, dist := "", math.Inf(1)
	for _, cell := range g.values[c] {
		y, err := strconv.ParseFloat(cell, 64)
		if err != nil {
			continue
		}
		if logScale {
			y = math.Log(y)
		}
		if d := math.Abs(x - y); d < dist {
			best, dist = cell, d
		}
	}
	return best
}

// readSpace reads a sampler's search space: a JSON object mapping each
// hyperparameter to {"uniform"|"loguniform"|"int": [low, high]} or
// {"choice": [values...]}, as in a sweep spec.
func readSpace(path string) (search.Space, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw map[string]map[string][]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	var sp search.Space
	for name, dist := range raw {
		ax := search.Axis{Name: name}
		for kind, vals := range dist {
			if kind == "choice" {
				for _, v := range vals {
					ax.Values = append(ax.Values, typed(v))
				}
				continue
			}
			if len(vals) != 2 {
				return nil, fmt.Errorf("%s: %s: %s takes [low, high]", path, name, kind)
			}
			lo, ok1 := vals[0].(float64)
			hi, ok2 := vals[1].(float64)
			if !ok1 || !ok2 || lo >= hi {
				return nil, fmt.Errorf("%s: %s: bounds must be numbers with low < high", path, name)
			}
			ax.Dist, ax.Low, ax.High = kind, lo, hi
		}
		sp = append(sp, ax)
	}
	slices.SortFunc(sp, func(a, b search.Axis) int { return strings.Compare(a.Name, b.Name) })
	return sp, nil
}

// typed turns a JSON value into the type a plan records: whole numbers
// are ints, lists of numbers []int.
func typed(v any) any {
	switch t := v.(type) {
	case float64:
		if t == math.Trunc(t) {
			return int(t)
		}
	case []any:
		out := make([]int, len(t))
		for i, e := range t {
			f, _ := e.(float64)
			out[i] = int(f)
		}
		return out
	}
	return v
}
