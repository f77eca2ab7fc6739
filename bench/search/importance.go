package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/attnsweep/attnsweep/pkg/report"
)

// runImportance prints the fANOVA importance of each hyperparameter over a
// replay table's grid points (report.Importance).
func runImportance(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("importance", flag.ContinueOnError)
	table := fs.String("table", "", "replay table (sweep query --format csv)")
	seed := fs.Uint64("seed", 1, "the forest's seed")
	g, err := parseGrid(fs, args, table)
	if err != nil {
		return err
	}
	var params []map[string]any
	var y []float64
	for key, auc := range g.sortedPoints() {
		p := map[string]any{}
		for c, cell := range strings.Split(key, "|") {
			p[g.names[c]] = parseCell(cell)
		}
		params, y = append(params, p), append(y, auc)
	}
	sum := 0.0
	for _, imp := range report.Importance(params, y, *seed) {
		fmt.Fprintf(w, "| %s | %.3f |\n", imp.Name, imp.Importance)
		sum += imp.Importance
	}
	fmt.Fprintf(w, "| (sum) | %.3f |\n", sum)
	return nil
}

// parseCell reads a table cell back as a number or a list of sizes.
func parseCell(cell string) any {
	if f, err := strconv.ParseFloat(cell, 64); err == nil && !math.IsNaN(f) {
		return f
	}
	var list []int
	if json.Unmarshal([]byte(cell), &list) == nil {
		return list
	}
	return cell
}
