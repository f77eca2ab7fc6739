package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
)

// runTable reads traces and prints, per sampler, the median best valid AUC
// at 10, 20 and 30 trials and how many trials it takes to come within 0.001
// of the table's best point.
func runTable(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("table", flag.ContinueOnError)
	table := fs.String("table", "", "the replay table the traces ran on (for its best point)")
	within := fs.Float64("within", 0.001, "the distance to the best point that counts as found")
	g, err := parseGrid(fs, args, table)
	if err != nil {
		return err
	}
	traces, order, err := readTraces(fs.Args())
	if err != nil {
		return err
	}
	top := g.best()
	fmt.Fprintf(w, "%d grid points, best valid AUC %.5f; %d points within %g of it\n\n", len(g.auc), top, g.near(top, *within), *within)
	fmt.Fprintf(w, "| sampler | seeds | median best valid AUC at 10 | at 20 | at 30 | trials to within %g of the best (median, quartiles) | seeds within %g by 30 |\n", *within, *within)
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	for _, s := range order {
		var at [3][]float64
		var need []float64
		found, length := 0, 0
		for _, aucs := range traces[s] {
			length = len(aucs)
			b := bestSoFar(aucs)
			for i, n := range []int{10, 20, 30} {
				if n <= len(b) {
					at[i] = append(at[i], b[n-1])
				}
			}
			k := slices.IndexFunc(b, func(v float64) bool { return v >= top-*within })
			if k < 0 {
				need = append(need, math.Inf(1))
				continue
			}
			need = append(need, float64(k+1))
			if k < 30 {
				found++
			}
		}
		fmt.Fprintf(w, "| %s | %d | %.5f | %.5f | %.5f | %s (%s–%s) | %d / %d |\n", s, len(traces[s]),
			quantile(at[0], 0.5), quantile(at[1], 0.5), quantile(at[2], 0.5),
			count(quantile(need, 0.5), length), count(quantile(need, 0.25), length), count(quantile(need, 0.75), length), found, len(traces[s]))
	}
	return nil
}

// near counts the grid points within d of v.
func (g *grid) near(v, d float64) int {
	n := 0
	for _, a := range g.auc {
		if a >= v-d {
			n++
		}
	}
	return n
}

// readTraces reads sampler,seed,trial,auc lines into sampler → seed → AUCs
// in trial order; order lists the samplers as they first appear.
func readTraces(files []string) (map[string]map[int][]float64, []string, error) {
	out := map[string]map[int][]float64{}
	var order []string
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			return nil, nil, err
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %v", file, err)
		}
		for i, r := range rows {
			if len(r) != 4 {
				return nil, nil, fmt.Errorf("%s: line %d: want sampler,seed,trial,auc", file, i+1)
			}
			seed, err1 := strconv.Atoi(r[1])
			trial, err2 := strconv.Atoi(r[2])
			auc, err3 := strconv.ParseFloat(r[3], 64)
			if err1 != nil || err2 != nil || err3 != nil {
				return nil, nil, fmt.Errorf("%s: line %d: want sampler,seed,trial,auc", file, i+1)
			}
			if out[r[0]] == nil {
				out[r[0]] = map[int][]float64{}
				order = append(order, r[0])
			}
			if trial != len(out[r[0]][seed])+1 {
				return nil, nil, fmt.Errorf("%s: line %d: trial %d of seed %d is out of order", file, i+1, trial, seed)
			}
			out[r[0]][seed] = append(out[r[0]][seed], auc)
		}
	}
	return out, order, nil
}

// quantile is the q-quantile of xs (linear between order statistics).
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Sorted(slices.Values(xs))
	pos := q * float64(len(s)-1)
	lo := int(math.Floor(pos))
	frac := pos - float64(lo)
	if frac == 0 {
		return s[lo]
	}
	if math.IsInf(s[lo+1], 1) {
		return math.Inf(1)
	}
	return s[lo] + frac*(s[lo+1]-s[lo])
}

// count prints a number of trials; one never reached in a trace of n
// trials prints as "> n".
func count(v float64, n int) string {
	if math.IsInf(v, 1) {
		return fmt.Sprintf("> %d", n)
	}
	return fmt.Sprintf("%.0f", v)
}
