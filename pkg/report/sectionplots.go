package report

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// effectPlot draws every trial's objective against one hyperparameter, a
// series per model: a scatter (log axis where Effect.Log) for numbers, a
// strip per value otherwise.
func effectPlot(e Effect, obj string) *plot.Plot {
	p := newPlot(obj+" by "+e.Name, e.Name, obj)
	if e.Log {
		logX(p)
	}
	if !e.Numeric {
		names := make([]string, len(e.Values))
		for i, v := range e.Values {
			names[i] = v.Value
		}
		p.NominalX(names...)
	}
	byModel := map[string][]XY{}
	seen := map[float64]int{} // points drawn at each value so far
	for _, pt := range e.Points {
		x := pt.X
		if !e.Numeric { // spread the points of a value a little
			x += (float64(seen[pt.X]%7) - 3) * 0.03
			seen[pt.X]++
		}
		byModel[pt.Model] = append(byModel[pt.Model], XY{x, pt.Y})
	}
	for i, m := range sortedKeys(byModel) {
		addScatter(p, byModel[m], colorOf(i), m)
	}
	return p
}

// curvePlots draws the objective on valid and the training loss per epoch.
func curvePlots(curves []Curve, obj string) (valid, loss *plot.Plot) {
	valid = newPlot(obj+" per epoch", "epoch", obj)
	loss = newPlot("training loss per epoch", "epoch", "train loss")
	for i, c := range curves {
		label := fmt.Sprintf("#%d %s", c.Rank, c.Model)
		if len(c.Valid) > 0 {
			addSeries(valid, c.Valid, i, label)
		}
		if len(c.TrainLoss) > 0 {
			addSeries(loss, c.TrainLoss, i, label)
		}
	}
	return valid, loss
}

// attentionPlot draws the samples' weights as a heat map (nil when there
// is no weight to show).
func attentionPlot(v *AttentionView) *plot.Plot {
	grid := heatGrid{cols: v.Positions, rows: len(v.Samples)}
	maxW := 0.0
	for _, s := range v.Samples {
		line := make([]float64, v.Positions)
		for j := range line {
			line[j] = math.NaN()
			if j < len(s.Weights) {
				line[j] = s.Weights[j]
				maxW = math.Max(maxW, s.Weights[j])
			}
		}
		grid.v = append(grid.v, line)
	}
	if v.Positions == 0 || !(maxW > 0) {
		return nil
	}
	p := newPlot("attention weights, "+v.Model, "history position (1 = most recent)", "sample")
	p.Add(heatMap(grid, maxW))
	return p
}

// groupPlot draws test AUC per bucket, a line per model.
func groupPlot(g Grouping) (*plot.Plot, error) {
	p := newPlot("test AUC by "+g.Title, g.Title, "test AUC")
	p.NominalX(g.Buckets...)
	for i, m := range g.Models {
		var xys []XY
		for k, c := range m.Cells {
			if c.N > 0 && !math.IsNaN(c.AUC) {
				xys = append(xys, XY{float64(k), c.AUC})
			}
		}
		if len(xys) > 0 {
			if err := addSeries(p, xys, i, m.Model); err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

// calibrationPlot draws mean prediction against observed rate per decile,
// with the diagonal.
func calibrationPlot(lines []CalibrationLine) (*plot.Plot, error) {
	p := newPlot("calibration (test)", "mean predicted CTR", "observed CTR")
	hi := 0.0
	for i, c := range lines {
		var xys []XY
		for _, b := range c.Buckets {
			xys = append(xys, XY{b.MeanPred, b.MeanLabel})
			hi = math.Max(hi, math.Max(b.MeanPred, b.MeanLabel))
		}
		if err := addSeries(p, xys, i, c.Model); err != nil {
			return nil, err
		}
	}
	diag, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: hi, Y: hi}})
	if err != nil {
		return nil, err
	}
	diag.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(diag)
	return p, nil
}

// progressPlot draws the best objective so far against trial number, a
// line per sweep; with one sweep, every trial's objective as grey points
// too.
func progressPlot(ps []Progress, o Objective) (*plot.Plot, error) {
	p := newPlot("best "+o.label()+" so far", "trial (plan order)", o.label())
	p.Legend.Top = !o.Maximize // away from the best-so-far line, which ends high when maximising
	if len(ps) == 1 {
		if err := addScatter(p, ps[0].Trials, color.RGBA{170, 170, 170, 255}, "each trial"); err != nil {
			return nil, err
		}
	}
	for i, pr := range ps {
		if len(pr.Best) == 0 {
			continue
		}
		line, err := plotter.NewLine(stepXYs(pr.Best))
		if err != nil {
			return nil, err
		}
		line.Color, line.Width = colorOf(i), vg.Points(1.5)
		p.Add(line)
		p.Legend.Add("best so far, "+pr.Sweep, line)
	}
	return p, nil
}

// stepXYs turns best-so-far points into a step line: flat until the next
// improvement.
func stepXYs(best []XY) plotter.XYs {
	var out plotter.XYs
	for i, pt := range best {
		if i > 0 {
			out = append(out, plotter.XY{X: pt.X, Y: best[i-1].Y})
		}
		out = append(out, plotter.XY{X: pt.X, Y: pt.Y})
	}
	return out
}
