package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// attends reports whether a model computes attention weights (the registry's
// trait); the others are the baselines attention must beat.
func attends(m string) bool {
	mi, _ := model.LookupModel(m)
	return mi.Attends
}

// effects shows, for every hyperparameter that varies, the best and mean
// objective per value, and a plot of every trial against it.
func (b *builder) effects() error {
	fmt.Fprintf(&b.md, "## Effect of each hyperparameter\n\n")
	done := b.done()
	values := map[string]map[string][]*store.Trial{} // param → value → trials
	for _, t := range done {
		for name, v := range t.Params {
			if values[name] == nil {
				values[name] = map[string][]*store.Trial{}
			}
			values[name][Cell(v)] = append(values[name][Cell(v)], t)
		}
	}
	var names []string
	for n, vs := range values {
		if len(vs) > 1 {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		fmt.Fprintf(&b.md, "No hyperparameter takes more than one value among the finished trials.\n\n")
		return nil
	}
	for _, name := range names {
		fmt.Fprintf(&b.md, "### `%s`\n\n", name)
		keys := make([]string, 0, len(values[name]))
		numeric := true
		for k, ts := range values[name] {
			keys = append(keys, k)
			if _, ok := ts[0].Params[name].(float64); !ok {
				if _, ok := ts[0].Params[name].(int64); !ok {
					numeric = false
				}
			}
		}
		num := func(k string) float64 { return toF(values[name][k][0].Params[name]) }
		sort.Slice(keys, func(i, j int) bool {
			if numeric {
				return num(keys[i]) < num(keys[j])
			}
			return keys[i] < keys[j]
		})
		t := &Table{Header: []string{name, "trials", "models", "best valid " + b.obj.metric, "mean valid " + b.obj.metric, "mean test auc"}}
		for _, k := range keys {
			ts := values[name][k]
			var v, test []float64
			models := map[string]bool{}
			best := math.NaN()
			for _, tr := range ts {
				x := b.obj.value(tr)
				if !math.IsInf(x, 0) {
					v = append(v, x)
					if math.IsNaN(best) || b.obj.better(x, best) {
						best = x
					}
				}
				if ta, ok := tr.Metric("test", "auc"); ok {
					test = append(test, ta)
				}
				models[tr.Model] = true
			}
			mv, _ := meanStd(v)
			mt, _ := meanStd(test)
			t.Rows = append(t.Rows, []string{k, fmt.Sprint(len(ts)), strings.Join(sortedKeys(models), ", "),
				fmt.Sprintf("%.4f", best), fmt.Sprintf("%.4f", mv), fmt.Sprintf("%.4f", mt)})
		}
		t.WriteMarkdown(&b.md)
		fmt.Fprintln(&b.md)
		link, err := b.effectPlot(name, keys, values[name], numeric, num)
		if err != nil {
			return err
		}
		b.image("valid "+b.obj.metric+" against "+name, link)
	}
	return nil
}

// effectPlot draws every trial's objective against one hyperparameter, a
// series per model: a scatter (log axis where it spans decades) for numbers,
// a strip per value otherwise.
func (b *builder) effectPlot(name string, keys []string, byValue map[string][]*store.Trial, numeric bool, num func(string) float64) (string, error) {
	p := newPlot("valid "+b.obj.metric+" by "+name, name, "valid "+b.obj.metric)
	pos := map[string]float64{}
	var xs []float64
	for i, k := range keys {
		if numeric {
			pos[k] = num(k)
		} else {
			pos[k] = float64(i)
		}
		xs = append(xs, pos[k])
	}
	if numeric {
		logAxis(p, xs)
	} else {
		p.NominalX(keys...)
	}
	byModel := map[string]plotter.XYs{}
	for _, k := range keys {
		for i, tr := range byValue[k] {
			v := b.obj.value(tr)
			if math.IsInf(v, 0) {
				continue
			}
			x := pos[k]
			if !numeric { // spread the points of a value a little
				x += (float64(i%7) - 3) * 0.03
			}
			byModel[tr.Model] = append(byModel[tr.Model], plotter.XY{X: x, Y: v})
		}
	}
	for i, m := range sortedKeys(byModel) {
		s, err := plotter.NewScatter(byModel[m])
		if err != nil {
			return "", err
		}
		s.GlyphStyle.Color = colorOf(i)
		s.GlyphStyle.Radius = vg.Points(3)
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		p.Add(s)
		p.Legend.Add(m, s)
	}
	return b.save(p, "hp-"+name, 5*vg.Inch, 3.2*vg.Inch)
}

// curves plots valid AUC and training loss per epoch of the top
// configurations (their first repeat).
func (b *builder) curves() error {
	fmt.Fprintf(&b.md, "## Learning curves\n\nThe five best configurations (first repeat): valid AUC and training loss after each epoch.\n\n")
	cfgs := b.configs()
	if len(cfgs) > 5 {
		cfgs = cfgs[:5]
	}
	if len(cfgs) == 0 {
		fmt.Fprintf(&b.md, "No finished trials.\n\n")
		return nil
	}
	auc := newPlot("valid AUC per epoch", "epoch", "valid AUC")
	loss := newPlot("training loss per epoch", "epoch", "train loss")
	for i, c := range cfgs {
		t := c.trials[0]
		curve, err := b.db.Curve(t.ID)
		if err != nil {
			return err
		}
		var a, l plotter.XYs
		for _, pt := range curve {
			switch {
			case pt.Split == "valid" && pt.Metric == "auc":
				a = append(a, plotter.XY{X: float64(pt.Epoch), Y: pt.Value})
			case pt.Split == "train" && pt.Metric == "loss":
				l = append(l, plotter.XY{X: float64(pt.Epoch), Y: pt.Value})
			}
		}
		label := fmt.Sprintf("#%d %s", i+1, t.Model)
		for _, pl := range []struct {
			p   *plot.Plot
			xys plotter.XYs
		}{{auc, a}, {loss, l}} {
			if len(pl.xys) == 0 {
				continue
			}
			if err := addSeries(pl.p, pl.xys, i, label); err != nil {
				return err
			}
		}
	}
	for _, pl := range []struct {
		p    *plot.Plot
		name string
	}{{auc, "curves-valid-auc"}, {loss, "curves-train-loss"}} {
		link, err := b.save(pl.p, pl.name, 5*vg.Inch, 3.2*vg.Inch)
		if err != nil {
			return err
		}
		b.image(pl.p.Title.Text, link)
	}
	t := &Table{Header: []string{"#", "model", "trial", "parameters"}}
	for i, c := range cfgs {
		t.Rows = append(t.Rows, []string{fmt.Sprint(i + 1), c.trials[0].Model, c.trials[0].Key, paramString(c.trials[0])})
	}
	t.WriteMarkdown(&b.md)
	fmt.Fprintln(&b.md)
	return nil
}

// significance compares the best attention model with the best baseline on
// the test set: a paired bootstrap of the AUC difference, and the spread of
// test AUC over seeds.
func (b *builder) significance() error {
	fmt.Fprintf(&b.md, "## Is the difference real\n\n")
	var att, base *store.Trial
	for _, t := range b.done() {
		if attends(t.Model) && att == nil {
			att = t
		}
		if !attends(t.Model) && base == nil {
			base = t
		}
	}
	if att == nil || base == nil {
		fmt.Fprintf(&b.md, "This sweep does not have both an attention model and a baseline: nothing to compare.\n\n")
		return nil
	}
	blob, err := b.db.SweepArray(b.sw.ID, "test_label")
	if err != nil {
		return err
	}
	labels := store.BlobFloat32(blob)
	sa, err := b.db.Scores(att.ID, "test")
	if err != nil {
		return err
	}
	sb, err := b.db.Scores(base.ID, "test")
	if err != nil {
		return err
	}
	fmt.Fprintf(&b.md, "Best attention model: `%s` %s (trial `%s`); best baseline: `%s` %s (trial `%s`), chosen on valid.\n\n",
		att.Model, paramString(att), att.Key, base.Model, paramString(base), base.Key)
	if len(sa) != len(labels) || len(sb) != len(labels) || len(labels) == 0 {
		fmt.Fprintf(&b.md, "Their test scores are not stored, so no bootstrap.\n\n")
		return nil
	}
	bs := pairedBootstrap(sa, sb, labels, 1000, 1)
	spread := func(t *store.Trial) (float64, int) {
		for _, c := range b.configs() {
			if c.trials[0].Config == t.Config {
				_, s, n := c.stat("test", "auc")
				return s, n
			}
		}
		return math.NaN(), 0
	}
	sda, na := spread(att)
	sdb, nb := spread(base)
	t := &Table{Header: []string{"", "value"}}
	t.Rows = append(t.Rows,
		[]string{"test AUC difference (attention − baseline)", fmt.Sprintf("%+.4f", bs.Diff)},
		[]string{fmt.Sprintf("paired bootstrap 95%% interval (%d resamples of the %d test rows)", bs.Replicas, len(labels)), fmt.Sprintf("[%+.4f, %+.4f]", bs.Lo, bs.Hi)},
		[]string{fmt.Sprintf("seed spread of test AUC, %s (std over %d repeats)", att.Model, na), fmt.Sprintf("%.4f", sda)},
		[]string{fmt.Sprintf("seed spread of test AUC, %s (std over %d repeats)", base.Model, nb), fmt.Sprintf("%.4f", sdb)},
	)
	t.WriteMarkdown(&b.md)
	verdict := "is not clearly real: the interval includes 0"
	switch {
	case bs.Lo > 0 && (na < 2 || bs.Diff > 2*math.Max(sda, sdb)):
		verdict = "is real: the interval excludes 0"
		if na >= 2 {
			verdict += " and the difference exceeds twice the seed spread"
		}
	case bs.Hi < 0:
		verdict = "favours the baseline: the interval is below 0"
	case bs.Lo > 0:
		verdict = "excludes 0 on this test set, but is within twice the seed spread: another seed could reverse it"
	}
	fmt.Fprintf(&b.md, "\nThe difference %s.", verdict)
	if na < 2 {
		fmt.Fprintf(&b.md, " Run with `search: {repeats: 3}` to measure the seed spread too.")
	}
	fmt.Fprintf(&b.md, "\n\n")
	return nil
}

// attention draws what the best attention trial attends to for a few
// validation rows: one heat-map row per sample over history positions
// (most recent first); the table marks positions holding the target item.
func (b *builder) attention() error {
	fmt.Fprintf(&b.md, "## Attention\n\n")
	var t *store.Trial
	var rows []store.AttentionRow
	for _, tr := range b.done() {
		if !attends(tr.Model) {
			continue
		}
		r, err := b.db.Attention(tr.ID)
		if err != nil {
			return err
		}
		if len(r) > 0 {
			t, rows = tr, r
			break
		}
	}
	if t == nil {
		fmt.Fprintf(&b.md, "No attention weights were recorded (no attention model in this sweep, or none finished).\n\n")
		return nil
	}
	fmt.Fprintf(&b.md, "Trial `%s` (%s, %s): weights averaged over heads and layers; one row per validation sample, "+
		"history positions left to right from the most recent.\n\n", t.Key, t.Model, paramString(t))
	cols, maxW := 0, 0.0
	for _, r := range rows {
		cols = max(cols, len(r.Items))
	}
	grid := heatGrid{cols: cols, rows: len(rows)}
	tab := &Table{Header: []string{"sample", "row", "label", "score", "target", "top positions (item: weight, * = the target item)"}}
	for i, r := range rows {
		w := meanWeights(r.Weights, len(r.Items))
		line := make([]float64, cols)
		for j := range line {
			line[j] = math.NaN()
			if j < len(w) {
				line[j] = w[j]
				maxW = math.Max(maxW, w[j])
			}
		}
		grid.v = append(grid.v, line)
		order := make([]int, len(w))
		for j := range order {
			order[j] = j
		}
		sort.SliceStable(order, func(a, c int) bool { return w[order[a]] > w[order[c]] })
		var top []string
		for _, j := range order[:min(3, len(order))] {
			mark := ""
			if r.Target != 0 && r.Items[j] == r.Target {
				mark = "*"
			}
			top = append(top, fmt.Sprintf("%d (%d%s): %.3f", j+1, r.Items[j], mark, w[j]))
		}
		tab.Rows = append(tab.Rows, []string{fmt.Sprint(i + 1), fmt.Sprint(r.Row), fmt.Sprintf("%.0f", r.Label),
			fmt.Sprintf("%.3f", r.Score), fmt.Sprint(r.Target), strings.Join(top, "; ")})
	}
	if cols > 0 && maxW > 0 {
		p := newPlot("attention weights, "+t.Model, "history position (1 = most recent)", "sample")
		p.Add(heatMap(grid, maxW))
		link, err := b.save(p, "attention", 6*vg.Inch, 3*vg.Inch)
		if err != nil {
			return err
		}
		b.image("attention heat map", link)
	}
	tab.WriteMarkdown(&b.md)
	fmt.Fprintln(&b.md)
	return nil
}

// meanWeights averages per-head (or per-layer) weights over n positions.
func meanWeights(w [][]float32, n int) []float64 {
	out := make([]float64, n)
	if len(w) == 0 {
		return out
	}
	for _, head := range w {
		for j := 0; j < n && j < len(head); j++ {
			out[j] += float64(head[j]) / float64(len(w))
		}
	}
	return out
}

// groups shows test AUC per group of rows (history length, user activity)
// for the best trial of each model, and their calibration.
func (b *builder) groups() error {
	fmt.Fprintf(&b.md, "## Per-group results\n\nTest metrics of the best trial of each model, by group of rows.\n\n")
	best := b.bestPerModel()
	type cell = store.GroupMetric
	byGrouping := map[string]map[string][]cell{} // grouping → model → buckets
	for _, t := range best {
		gm, err := b.db.GroupMetrics(t.ID)
		if err != nil {
			return err
		}
		for _, g := range gm {
			if byGrouping[g.Grouping] == nil {
				byGrouping[g.Grouping] = map[string][]cell{}
			}
			byGrouping[g.Grouping][t.Model] = append(byGrouping[g.Grouping][t.Model], g)
		}
	}
	titles := map[string]string{"history_length": "history length (items)", "group_train_rows": "user activity (train rows of the group)"}
	for _, grouping := range sortedKeys(byGrouping) {
		models := byGrouping[grouping]
		fmt.Fprintf(&b.md, "### By %s\n\n", titles[grouping])
		var buckets []string
		seen := map[string]bool{}
		for _, t := range best {
			for _, g := range models[t.Model] {
				if !seen[g.Bucket] {
					seen[g.Bucket] = true
					buckets = append(buckets, g.Bucket)
				}
			}
		}
		header := []string{"model"}
		for _, bk := range buckets {
			header = append(header, bk)
		}
		tab := &Table{Header: header}
		p := newPlot("test AUC by "+titles[grouping], titles[grouping], "test AUC")
		p.NominalX(buckets...)
		for i, t := range best {
			row := []string{t.Model}
			var xys plotter.XYs
			for k, bk := range buckets {
				c := ""
				for _, g := range models[t.Model] {
					if g.Bucket == bk {
						c = fmt.Sprintf("%.4f (n=%d)", g.AUC, g.N)
						if !math.IsNaN(g.AUC) {
							xys = append(xys, plotter.XY{X: float64(k), Y: g.AUC})
						}
					}
				}
				row = append(row, c)
			}
			tab.Rows = append(tab.Rows, row)
			if len(xys) > 0 {
				if err := addSeries(p, xys, i, t.Model); err != nil {
					return err
				}
			}
		}
		tab.WriteMarkdown(&b.md)
		fmt.Fprintln(&b.md)
		link, err := b.save(p, "groups-"+grouping, 5*vg.Inch, 3.2*vg.Inch)
		if err != nil {
			return err
		}
		b.image("test AUC by "+titles[grouping], link)
	}
	if len(byGrouping) == 0 {
		fmt.Fprintf(&b.md, "No per-group metrics were recorded.\n\n")
	}
	return b.calibration(best)
}

// calibration plots mean predicted CTR against the observed click rate per
// predicted-CTR decile of the test set.
func (b *builder) calibration(best []*store.Trial) error {
	fmt.Fprintf(&b.md, "### Calibration\n\nMean predicted CTR against the observed click rate per decile of the prediction (test); the diagonal is perfect calibration.\n\n")
	p := newPlot("calibration (test)", "mean predicted CTR", "observed CTR")
	tab := &Table{Header: []string{"model", "mean predicted", "observed", "largest decile gap"}}
	any := false
	hi := 0.0
	for i, t := range best {
		cal, err := b.db.Calibration(t.ID, "test")
		if err != nil {
			return err
		}
		if len(cal) == 0 {
			continue
		}
		any = true
		var xys plotter.XYs
		gap := 0.0
		for _, c := range cal {
			xys = append(xys, plotter.XY{X: c.MeanPred, Y: c.MeanLabel})
			gap = math.Max(gap, math.Abs(c.MeanPred-c.MeanLabel))
			hi = math.Max(hi, math.Max(c.MeanPred, c.MeanLabel))
		}
		if err := addSeries(p, xys, i, t.Model); err != nil {
			return err
		}
		tab.Rows = append(tab.Rows, []string{t.Model, metricCell(t, "test", "mean_pred"), metricCell(t, "test", "mean_label"), fmt.Sprintf("%.4f", gap)})
	}
	if !any {
		fmt.Fprintf(&b.md, "No calibration buckets were recorded.\n\n")
		return nil
	}
	diag, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: hi, Y: hi}})
	diag.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(diag)
	link, err := b.save(p, "calibration", 4.5*vg.Inch, 4*vg.Inch)
	if err != nil {
		return err
	}
	b.image("calibration plot", link)
	tab.WriteMarkdown(&b.md)
	fmt.Fprintln(&b.md)
	return nil
}

// beforeAfter shows what training bought: the untrained model's test
// metrics next to the trained one's.
func (b *builder) beforeAfter() error {
	fmt.Fprintf(&b.md, "## Before and after training\n\nTest metrics of the best trial of each model before the first step and at its best epoch.\n\n")
	t := &Table{Header: []string{"model", "AUC before", "AUC after", "logloss before", "logloss after"}}
	for _, tr := range b.bestPerModel() {
		before := func(m string) string {
			if v, ok := tr.Before["test/"+m]; ok {
				return fmt.Sprintf("%.4f", v)
			}
			return ""
		}
		t.Rows = append(t.Rows, []string{tr.Model, before("auc"), metricCell(tr, "test", "auc"), before("logloss"), metricCell(tr, "test", "logloss")})
	}
	t.WriteMarkdown(&b.md)
	fmt.Fprintln(&b.md)
	return nil
}

func toF(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	}
	return math.NaN()
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
