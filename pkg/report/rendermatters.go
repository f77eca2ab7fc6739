package report

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot/vg"
)

func (r *Results) renderWhatMatters(p *page) error {
	w := r.WhatMatters
	obj := r.Objective.label()
	p.printf("## What matters\n\n")
	if !w.Enough {
		p.printf("This section needs at least %d finished trials with a %s; this sweep has %d.\n\n",
			MinTrialsWhatMatters, obj, w.Finished)
		return nil
	}
	if err := renderProgress(p, []Progress{w.Progress}, r.Objective); err != nil {
		return err
	}
	p.printf("### Parallel coordinates\n\n")
	if len(w.Axes) < 2 {
		p.printf("No hyperparameter varies among the finished trials.\n\n")
	} else {
		p.file("parallel coordinates of the finished trials", "parallel.svg", parallelSVG(w.Axes, w.Lines, r.Objective))
		p.printf("One line per finished trial, crossing one axis per hyperparameter that varies (its value on that axis) "+
			"and ending on its %s; the colour is the %s too, yellow for the best and dark purple for the worst. "+
			"Follow the yellow lines: where they bunch on an axis, that value matters; where they spread over the whole "+
			"axis, it hardly does. Lines that drop to \"— unset\" below an axis belong to trials whose model does not read that hyperparameter.\n\n", obj, obj)
	}
	renderRanges(p, w, obj)
	renderImportance(p, w.Importance, obj)
	return nil
}

// renderProgress draws the best objective so far against trial number,
// one line per sweep, with its reading help.
func renderProgress(p *page, ps []Progress, o Objective) error {
	p.printf("### Best so far\n\n")
	pl, err := progressPlot(ps, o)
	if err != nil {
		return err
	}
	if err := p.plot("best "+o.label()+" so far against trial number", "progress", pl, 5*vg.Inch, 3.2*vg.Inch); err != nil {
		return err
	}
	way := "climbing"
	if !o.Maximize {
		way = "falling"
	}
	p.printf("The best %s found up to each trial, trials in plan order. A line still %s at the end says more trials "+
		"would pay; a long flat tail says this search has stopped finding better configurations.", o.label(), way)
	if len(ps) > 1 {
		p.printf(" The sweep whose line gets higher sooner (lower for a minimised objective) finds good configurations with fewer trials.")
	}
	p.printf("\n\n")
	return nil
}

// renderRanges writes where the best trials lie along each hyperparameter.
func renderRanges(p *page, w WhatMatters, obj string) {
	p.printf("### Where the best trials lie\n\n")
	top := fmt.Sprintf("best %d", w.Top)
	t := &Table{Header: []string{"hyperparameter", fmt.Sprintf("searched (%d trials)", w.Finished), top, "share of the range"}}
	for _, h := range w.Ranges {
		row := []string{h.Name, "", "", ""}
		if h.Categorical {
			var all, best []string
			for _, v := range h.Values {
				all = append(all, fmt.Sprintf("%s %d", v.Value, v.All))
				if v.Top > 0 {
					best = append(best, fmt.Sprintf("%s %d", v.Value, v.Top))
				}
			}
			row[1], row[2] = strings.Join(all, ", "), strings.Join(best, ", ")
		} else {
			row[1] = rangeText(h.All, h.Log)
			row[2] = rangeText(h.Top, h.Log)
			if !math.IsNaN(h.TopShare) {
				row[3] = fmt.Sprintf("%.0f%%", 100*h.TopShare)
			}
		}
		if unset := w.Top - h.TopSet; unset > 0 && h.TopSet > 0 {
			row[2] += fmt.Sprintf(" (%d of the best do not set it)", unset)
		} else if h.TopSet == 0 {
			row[2] = "not set by the best"
		}
		t.Rows = append(t.Rows, row)
	}
	p.table(t)
	p.printf("The best %d of the %d finished trials by %s (the best %.0f%%, at least %d) against everything searched. "+
		"A numeric range the best trials fill only a small share of (on the log scale where marked) is where to narrow "+
		"the next sweep; a value the best trials never take can go. With few trials per value, treat this as a hint, "+
		"not a verdict.\n\n", w.Top, w.Finished, obj, 100*topShare, topMin)
}

func rangeText(r [2]float64, log bool) string {
	if math.IsInf(r[0], 0) {
		return ""
	}
	s := fmt.Sprintf("%.4g", r[0])
	if r[1] != r[0] {
		s = fmt.Sprintf("%.4g – %.4g", r[0], r[1])
	}
	if log {
		s += " (log)"
	}
	return s
}

// renderImportance writes the importance of each hyperparameter
// (WhatMatters.Importance) when there is one.
func renderImportance(p *page, imp []ParamImportance, obj string) {
	if len(imp) == 0 {
		return
	}
	p.printf("### Importance of each hyperparameter\n\n")
	t := &Table{Header: []string{"hyperparameter", "importance"}}
	sum := 0.0
	for _, i := range imp {
		t.Rows = append(t.Rows, []string{i.Name, fmt.Sprintf("%.3f", i.Importance)})
		sum += i.Importance
	}
	p.table(t)
	p.printf("The fraction of the variance of the %s over the space searched that each hyperparameter explains on its own "+
		"(fANOVA over a random forest fitted to the finished trials), largest first. Together they explain %.0f%%; "+
		"the rest comes from hyperparameters acting together. Spend the next sweep's trials on the top ones and fix "+
		"the others at their best values.\n\n", obj, 100*sum)
}
