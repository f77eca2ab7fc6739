package report

import (
	"fmt"
	"math"
	"time"

	"github.com/attnsweep/attnsweep/pkg/store"
)

// Comparison sets two sweeps side by side: each model's best configuration
// in each, and how fast each search found its best.
type Comparison struct {
	A, B string
	// Metric is compared on test: the objective's metric of A. SameObjective
	// is false when B ranks its trials by another objective.
	Metric        string
	Objective     Objective // A's
	SameObjective bool
	Rows          []CompareRow // by model name
	TestRowsA     any          // as sweep_info holds them
	TestRowsB     any
	Progress      [2]Progress // A, then B; each by its own objective

	inputs []string
}

// CompareRow is one model's best configuration (by mean objective) in each
// sweep: Metric on test over its repeats.
type CompareRow struct {
	Model            string
	InA, InB         bool
	A, B             Stat
	ParamsA, ParamsB string
	Diff             float64 // B.Mean − A.Mean; NaN unless both have a value
}

// BuildCompare computes the comparison of sweeps a and b of db.
func BuildCompare(db *store.DB, a, b string) (*Comparison, error) {
	ba, err := newBuilder(db, a)
	if err != nil {
		return nil, err
	}
	bb, err := newBuilder(db, b)
	if err != nil {
		return nil, err
	}
	c := &Comparison{A: a, B: b, Metric: ba.obj.Metric, Objective: ba.obj, SameObjective: ba.obj.Metric == bb.obj.Metric,
		TestRowsA: ba.sw.Info["test_rows"], TestRowsB: bb.sw.Info["test_rows"], inputs: ba.r.inputs,
		Progress: [2]Progress{progressOf(a, ba.trials, ba.obj), progressOf(b, bb.trials, bb.obj)}}
	bestA, bestB := bestConfigs(ba.configs), bestConfigs(bb.configs)
	models := map[string]bool{}
	for m := range bestA {
		models[m] = true
	}
	for m := range bestB {
		models[m] = true
	}
	for _, m := range sortedKeys(models) {
		row := CompareRow{Model: m, A: Stat{math.NaN(), math.NaN(), 0}, B: Stat{math.NaN(), math.NaN(), 0}}
		if cf, ok := bestA[m]; ok {
			row.InA, row.A, row.ParamsA = true, cf.stat("test", c.Metric), paramString(cf.trials[0])
		}
		if cf, ok := bestB[m]; ok {
			row.InB, row.B, row.ParamsB = true, cf.stat("test", c.Metric), paramString(cf.trials[0])
		}
		row.Diff = row.B.Mean - row.A.Mean
		c.Rows = append(c.Rows, row)
	}
	return c, nil
}

// bestConfigs maps each model to its best configuration.
func bestConfigs(cs []config) map[string]config {
	m := map[string]config{}
	for _, c := range cs {
		if _, ok := m[c.trials[0].Model]; !ok {
			m[c.trials[0].Model] = c
		}
	}
	return m
}

// Compare writes dir/report.md comparing sweeps a and b and returns its path.
func Compare(db *store.DB, a, b, dir string) (string, error) {
	c, err := BuildCompare(db, a, b)
	if err != nil {
		return "", err
	}
	return c.WriteMarkdown(dir)
}

// WriteMarkdown renders the comparison and writes it into dir as
// report.md with its plots.
func (c *Comparison) WriteMarkdown(dir string) (string, error) {
	return writePage(c.Render, dir, c.inputs)
}

// Render turns the comparison into report.md's text and its plot.
func (c *Comparison) Render() (*Page, error) {
	p := &page{}
	p.printf("# Sweeps `%s` and `%s` compared\n\nWritten %s. Each cell: the best configuration of the model in that sweep "+
		"by mean %s; test %s as mean ± std over its repeats; the difference is %s minus %s.\n\n",
		c.A, c.B, time.Now().UTC().Format(time.RFC3339), c.Objective.label(), c.Metric, c.B, c.A)
	if !c.SameObjective {
		p.printf("The two sweeps rank their trials by different objectives: each picks its best by its own.\n\n")
	}
	t := &Table{Header: []string{"model", c.A + " test " + c.Metric, c.B + " test " + c.Metric, "difference",
		c.A + " parameters", c.B + " parameters"}}
	for _, r := range c.Rows {
		diff := ""
		if !math.IsNaN(r.Diff) {
			diff = fmt.Sprintf("%+.4f", r.Diff)
		}
		t.Rows = append(t.Rows, []string{r.Model, pm(r.A), pm(r.B), diff, r.ParamsA, r.ParamsB})
	}
	p.table(t)
	p.printf("Data: %s has %s test rows, %s has %s.\n\n", c.A, Cell(c.TestRowsA), c.B, Cell(c.TestRowsB))
	if c.SameObjective {
		p.printf("## Search progress\n\n")
		if err := renderProgress(p, c.Progress[:], c.Objective); err != nil {
			return nil, err
		}
	}
	return p.result(), nil
}
