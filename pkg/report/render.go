package report

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot/vg"
)

func (r *Results) renderEffects(p *page) error {
	p.printf("## Effect of each hyperparameter\n\n")
	if len(r.Effects) == 0 {
		p.printf("No hyperparameter takes more than one value among the finished trials.\n\n")
		return nil
	}
	obj := r.Objective.label()
	for _, e := range r.Effects {
		p.printf("### `%s`\n\n", e.Name)
		t := &Table{Header: []string{e.Name, "trials", "models", "best " + obj, "mean " + obj, "mean test " + r.Objective.Metric}}
		for _, v := range e.Values {
			t.Rows = append(t.Rows, []string{v.Value, fmt.Sprint(v.Trials), strings.Join(v.Models, ", "),
				num4(v.Best), num4(v.Mean), num4(v.MeanTest)})
		}
		p.table(t)
		if err := p.plot(obj+" against "+e.Name, "hp-"+e.Name, effectPlot(e, obj), 5*vg.Inch, 3.2*vg.Inch); err != nil {
			return err
		}
	}
	return nil
}

func (r *Results) renderCurves(p *page) error {
	p.printf("## Learning curves\n\nThe %d best configurations (first repeat): %s and training loss after each epoch.\n\n",
		curveConfigs, r.Objective.label())
	if len(r.Curves) == 0 {
		p.printf("No finished trials.\n\n")
		return nil
	}
	valid, loss := curvePlots(r.Curves, r.Objective.label())
	if err := p.plot(valid.Title.Text, "curves-valid", valid, 5*vg.Inch, 3.2*vg.Inch); err != nil {
		return err
	}
	if err := p.plot(loss.Title.Text, "curves-train-loss", loss, 5*vg.Inch, 3.2*vg.Inch); err != nil {
		return err
	}
	t := &Table{Header: []string{"#", "model", "trial", "parameters"}}
	for _, c := range r.Curves {
		t.Rows = append(t.Rows, []string{fmt.Sprint(c.Rank), c.Model, c.Key, c.Params})
	}
	p.table(t)
	return nil
}

// spreadCell prints a seed spread: nothing to show for one seed.
func spreadCell(s Stat) string {
	if s.N < 2 {
		return "—, one seed"
	}
	return fmt.Sprintf("%.4f", s.Std)
}

func (r *Results) renderSignificance(p *page) error {
	p.printf("## Is the difference real\n\n")
	s := r.Significance
	if s == nil {
		p.printf("This sweep does not have both an attention model and a baseline: nothing to compare.\n\n")
		return nil
	}
	p.printf("Best attention model: `%s` %s (trial `%s`); best baseline: `%s` %s (trial `%s`), chosen on valid.\n\n",
		s.Attention.Model, s.Attention.Params, s.Attention.Key, s.Baseline.Model, s.Baseline.Params, s.Baseline.Key)
	if !s.Scored {
		p.printf("Their test scores are not stored, so no bootstrap.\n\n")
		return nil
	}
	bs := s.Bootstrap
	t := &Table{Header: []string{"", "value"}}
	t.Rows = append(t.Rows,
		[]string{"test AUC difference (attention − baseline)", fmt.Sprintf("%+.4f", bs.Diff)},
		[]string{fmt.Sprintf("paired bootstrap 95%% interval (%d resamples of the %d test rows)", bs.Used, s.TestRows),
			fmt.Sprintf("[%+.4f, %+.4f]", bs.Lo, bs.Hi)},
		[]string{fmt.Sprintf("seed spread of test AUC, %s (std over repeats)", s.Attention.Model), spreadCell(s.SpreadAttention)},
		[]string{fmt.Sprintf("seed spread of test AUC, %s (std over repeats)", s.Baseline.Model), spreadCell(s.SpreadBaseline)},
	)
	p.table(t)
	verdict := map[Verdict]string{
		Unclear:         "is not clearly real: the interval includes 0",
		Real:            "is real: the interval excludes 0",
		WithinSpread:    "excludes 0 on this test set, but is within twice the seed spread: another seed could reverse it",
		FavoursBaseline: "favours the baseline: the interval is below 0",
	}[s.Verdict]
	if s.Verdict == Real && s.SeedSpreadMeasured() {
		verdict += " and the difference exceeds twice the seed spread"
	}
	p.printf("The difference %s.", verdict)
	if !s.SeedSpreadMeasured() {
		p.printf(" Run with `search: {repeats: 3}` to measure the seed spread too.")
	}
	p.printf("\n\n")
	return nil
}

func (r *Results) renderAttention(p *page) error {
	p.printf("## Attention\n\n")
	v := r.Attention
	if v == nil {
		p.printf("No attention weights were recorded (no attention model in this sweep, or none finished).\n\n")
		return nil
	}
	p.printf("Trial `%s` (%s, %s): weights averaged over heads and layers; one row per validation sample, "+
		"history positions left to right from the most recent.\n\n", v.Key, v.Model, v.Params)
	if pl := attentionPlot(v); pl != nil {
		if err := p.plot("attention heat map", "attention", pl, 6*vg.Inch, 3*vg.Inch); err != nil {
			return err
		}
	}
	tab := &Table{Header: []string{"sample", "row", "label", "score", "target", "top positions (item: weight, * = the target item)"}}
	for i, s := range v.Samples {
		var top []string
		for _, t := range s.Top {
			mark := ""
			if t.IsTarget {
				mark = "*"
			}
			top = append(top, fmt.Sprintf("%d (%d%s): %.3f", t.Position, t.Item, mark, t.Weight))
		}
		tab.Rows = append(tab.Rows, []string{fmt.Sprint(i + 1), fmt.Sprint(s.Row), fmt.Sprintf("%.0f", s.Label),
			fmt.Sprintf("%.3f", s.Score), fmt.Sprint(s.Target), strings.Join(top, "; ")})
	}
	p.table(tab)
	r.renderEntropy(p)
	return nil
}

// renderEntropy writes one line per attention model: how close its
// weights are to uniform (mean pooling).
func (r *Results) renderEntropy(p *page) {
	p.printf("### Does attention do anything\n\nThe entropy of each stored weight vector (a validation row and a head or layer, " +
		"over the positions it weighs) against the entropy of uniform weights over the same positions (log n for n positions), " +
		"averaged. Near 100%% the model weighs its positions almost equally: its attention is doing little more than mean pooling " +
		"(compare it with `meanpool`). Far below, it picks out a few positions.\n\n")
	for _, e := range r.Entropy {
		p.printf("- %s\n", entropyLine(e))
	}
	p.printf("\n")
}

// entropyLine reads one model's entropy, e.g. "dot: mean entropy 2.19 nats
// against 2.20 for uniform weights (99.5%): its attention is close to mean
// pooling".
func entropyLine(e Entropy) string {
	if e.Vectors == 0 {
		return fmt.Sprintf("%s (trial `%s`): no weight vector to measure (%d with a negative weight or a single position)",
			e.Model, e.Key, e.Skipped)
	}
	reading := "it weighs some positions clearly more than others"
	switch ratio := e.Ratio(); {
	case ratio >= NearUniform:
		reading = "its attention is close to mean pooling"
	case ratio <= Focused:
		reading = "it concentrates on a few positions"
	case math.IsNaN(ratio):
		reading = "no position to choose between"
	}
	line := fmt.Sprintf("%s: mean entropy %.2f nats against %.2f for uniform weights (%.1f%%): %s",
		e.Model, e.Mean, e.Uniform, 100*e.Ratio(), reading)
	var notes []string
	if e.Normalised {
		notes = append(notes, "its weights do not sum to 1 and were scaled to first")
	}
	if e.Skipped > 0 {
		notes = append(notes, fmt.Sprintf("%d vectors with a negative weight or a single position left out", e.Skipped))
	}
	if len(notes) > 0 {
		line += " (" + strings.Join(notes, "; ") + ")"
	}
	return line + fmt.Sprintf(". Trial `%s`, %d weight vectors.", e.Key, e.Vectors)
}

func (r *Results) renderGroups(p *page) error {
	p.printf("## Per-group results\n\nTest metrics of the best trial of each model, by group of rows.\n\n")
	if len(r.Groups) == 0 {
		p.printf("No per-group metrics were recorded.\n\n")
	}
	for _, g := range r.Groups {
		p.printf("### By %s\n\n", g.Title)
		tab := &Table{Header: append([]string{"model"}, g.Buckets...)}
		for _, m := range g.Models {
			row := []string{m.Model}
			for _, c := range m.Cells {
				cell := ""
				if c.N > 0 {
					cell = fmt.Sprintf("%.4f (n=%d)", c.AUC, c.N)
				}
				row = append(row, cell)
			}
			tab.Rows = append(tab.Rows, row)
		}
		p.table(tab)
		pl, err := groupPlot(g)
		if err != nil {
			return err
		}
		if err := p.plot("test AUC by "+g.Title, "groups-"+g.Name, pl, 5*vg.Inch, 3.2*vg.Inch); err != nil {
			return err
		}
	}
	return nil
}

func (r *Results) renderCalibration(p *page) error {
	p.printf("### Calibration\n\nMean predicted CTR against the observed click rate per decile of the prediction (test); " +
		"the diagonal is perfect calibration.\n\n")
	if len(r.Calibration) == 0 {
		p.printf("No calibration buckets were recorded.\n\n")
		return nil
	}
	pl, err := calibrationPlot(r.Calibration)
	if err != nil {
		return err
	}
	if err := p.plot("calibration plot", "calibration", pl, 4.5*vg.Inch, 4*vg.Inch); err != nil {
		return err
	}
	tab := &Table{Header: []string{"model", "mean predicted", "observed", "largest decile gap"}}
	for _, c := range r.Calibration {
		tab.Rows = append(tab.Rows, []string{c.Model, num4(c.MeanPred), num4(c.MeanLabel), num4(c.MaxGap)})
	}
	p.table(tab)
	return nil
}
