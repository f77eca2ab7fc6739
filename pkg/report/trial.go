package report

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/attnsweep/attnsweep/pkg/dataset"
	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// TrialDetail is one trial whole, as `sweep show` prints it.
type TrialDetail struct {
	Trial *store.Trial
	Sweep string
	Curve CurveTable
	// Metrics names the registry's metrics the trial has a value of, in the
	// registry's order; Splits holds them per split.
	Metrics []string
	Splits  []SplitMetrics
}

// CurveTable is a learning curve pivoted: one row per epoch, one column per
// "split metric" (sorted); NaN where an epoch lacks a value.
type CurveTable struct {
	Columns []string
	Epochs  []int
	Values  [][]float64
}

// SplitMetrics is one split's final metrics at the best epoch and, for the
// objectives, before training (NaN where absent).
type SplitMetrics struct {
	Split         string
	Best, Before  []float64 // aligned with TrialDetail.Metrics
	BeforeMetrics []bool    // whether Before is shown for the metric
}

// BuildTrial finds a trial by id, key or key prefix and reads it whole.
func BuildTrial(db *store.DB, ref string) (*TrialDetail, error) {
	t, sweep, err := db.TrialByRef(ref)
	if err != nil {
		return nil, err
	}
	points, err := db.Curve(t.ID)
	if err != nil {
		return nil, err
	}
	d := &TrialDetail{Trial: t, Sweep: sweep, Curve: pivotCurve(points)}
	for _, mi := range model.MetricInfos() {
		for _, split := range dataset.SplitNames {
			if !math.IsNaN(metricOf(t.Best, split, mi.Name)) {
				d.Metrics = append(d.Metrics, mi.Name)
				break
			}
		}
	}
	for _, split := range dataset.SplitNames {
		s := SplitMetrics{Split: split}
		for _, name := range d.Metrics {
			mi, _ := model.LookupMetric(name)
			s.Best = append(s.Best, metricOf(t.Best, split, name))
			s.Before = append(s.Before, metricOf(t.Before, split, name))
			s.BeforeMetrics = append(s.BeforeMetrics, mi.Objective)
		}
		d.Splits = append(d.Splits, s)
	}
	return d, nil
}

// pivotCurve turns curve points into an epoch × "split metric" grid.
func pivotCurve(points []store.CurvePoint) CurveTable {
	var c CurveTable
	col := map[string]int{}
	row := map[int]int{}
	for _, p := range points {
		name := p.Split + " " + p.Metric
		if _, ok := col[name]; !ok {
			col[name] = len(c.Columns)
			c.Columns = append(c.Columns, name)
		}
		if _, ok := row[p.Epoch]; !ok {
			row[p.Epoch] = len(c.Epochs)
			c.Epochs = append(c.Epochs, p.Epoch)
		}
	}
	sort.Strings(c.Columns)
	sort.Ints(c.Epochs)
	for i, n := range c.Columns {
		col[n] = i
	}
	for i, e := range c.Epochs {
		row[e] = i
	}
	c.Values = make([][]float64, len(c.Epochs))
	for i := range c.Values {
		c.Values[i] = make([]float64, len(c.Columns))
		for j := range c.Values[i] {
			c.Values[i][j] = math.NaN()
		}
	}
	for _, p := range points {
		c.Values[row[p.Epoch]][col[p.Split+" "+p.Metric]] = p.Value
	}
	return c
}

// WriteText prints the trial: its facts, parameters, learning curve and
// final metrics (before training in brackets).
func (d *TrialDetail) WriteText(w io.Writer) error {
	t := d.Trial
	fmt.Fprintf(w, "trial %d  key %s  sweep %s\nmodel %s  seed %d  repeat %d  status %s  best epoch %d  %.1f s\n",
		t.ID, t.Key, d.Sweep, t.Model, t.Seed, t.Repeat, t.Status, t.BestEpoch, t.Seconds)
	if t.Error != "" {
		fmt.Fprintf(w, "error: %s\n", strings.TrimSpace(t.Error))
	}
	params := &Table{Header: []string{"parameter", "value"}}
	for _, n := range sortedKeys(t.Params) {
		params.Rows = append(params.Rows, []string{n, ParamValue(n, t.Params[n])})
	}
	fmt.Fprintln(w)
	params.WriteText(w)
	if len(d.Curve.Epochs) > 0 {
		curve := &Table{Header: append([]string{"epoch"}, d.Curve.Columns...)}
		for i, e := range d.Curve.Epochs {
			row := []string{fmt.Sprint(e)}
			for _, v := range d.Curve.Values[i] {
				row = append(row, numG(v))
			}
			curve.Rows = append(curve.Rows, row)
		}
		fmt.Fprintln(w, "\nlearning curve")
		curve.WriteText(w)
	}
	if len(d.Metrics) == 0 {
		return nil
	}
	fmt.Fprintln(w, "\nmetrics at the best epoch (before training in brackets)")
	tab := &Table{Header: append([]string{"split"}, d.Metrics...)}
	for _, s := range d.Splits {
		row := []string{s.Split}
		for i, name := range d.Metrics {
			cell := num4(s.Best[i])
			if name == "n" && cell != "" {
				cell = fmt.Sprintf("%.0f", s.Best[i])
			}
			if cell != "" && s.BeforeMetrics[i] && !math.IsNaN(s.Before[i]) {
				cell += fmt.Sprintf(" (%.4f)", s.Before[i])
			}
			row = append(row, cell)
		}
		tab.Rows = append(tab.Rows, row)
	}
	return tab.WriteText(w)
}
