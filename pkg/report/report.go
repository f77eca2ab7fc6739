// Package report turns what the store holds into tables for the terminal
// and a markdown report, with SVG plots beside it, for people.
//
// A report folder holds report.md and its plots, all linked relatively, so
// the folder can be moved, committed or served as it is.
package report

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/attnsweep/attnsweep/pkg/store"
)

// objective says how trials are ranked: a metric on valid, and whether
// larger is better. It is recorded with the sweep (sweep_info).
type objective struct {
	metric string
	max    bool
}

func objectiveOf(sw *store.Sweep) objective {
	o := objective{metric: "auc", max: true}
	if m, ok := sw.Info["objective_metric"].(string); ok {
		o.metric = m
	}
	if d, ok := sw.Info["objective_direction"].(string); ok {
		o.max = d != "min"
	}
	return o
}

// value is a trial's objective value, or ±Inf (ranked last) when it has none.
func (o objective) value(t *store.Trial) float64 {
	v, ok := t.Metric("valid", o.metric)
	if !ok || math.IsNaN(v) {
		if o.max {
			return math.Inf(-1)
		}
		return math.Inf(1)
	}
	return v
}

func (o objective) better(a, b float64) bool {
	if o.max {
		return a > b
	}
	return a < b
}

// rank sorts trials best first (ties by plan position).
func (o objective) rank(trials []*store.Trial) []*store.Trial {
	out := append([]*store.Trial(nil), trials...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := o.value(out[i]), o.value(out[j])
		if a != b {
			return o.better(a, b)
		}
		return out[i].Position < out[j].Position
	})
	return out
}

// paramString prints a trial's parameters as name=value pairs.
func paramString(t *store.Trial) string {
	names := make([]string, 0, len(t.Params))
	for n := range t.Params {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "=" + Cell(t.Params[n])
	}
	return strings.Join(parts, " ")
}

func metricCell(t *store.Trial, split, metric string) string {
	if v, ok := t.Metric(split, metric); ok {
		return fmt.Sprintf("%.4f", v)
	}
	return ""
}

// leaderboard ranks the trials (top > 0 keeps the first top).
func leaderboard(trials []*store.Trial, o objective, top int) *Table {
	t := &Table{Header: []string{"#", "trial", "model", "parameters", "status", "valid auc", "test auc", "test logloss", "best epoch", "seconds"}}
	for i, tr := range o.rank(trials) {
		if top > 0 && i >= top {
			break
		}
		t.Rows = append(t.Rows, []string{
			fmt.Sprint(i + 1), tr.Key, tr.Model, paramString(tr), tr.Status,
			metricCell(tr, "valid", "auc"), metricCell(tr, "test", "auc"), metricCell(tr, "test", "logloss"),
			fmt.Sprint(tr.BestEpoch), fmt.Sprintf("%.1f", tr.Seconds),
		})
	}
	return t
}

// PrintLeaderboard prints a sweep's best trials as aligned text.
func PrintLeaderboard(w io.Writer, db *store.DB, name string, top int) error {
	sw, err := db.SweepByName(name)
	if err != nil {
		return err
	}
	trials, err := db.Trials(sw.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nleaderboard of %s (ranked by valid %s; test at the best valid epoch)\n", name, objectiveOf(sw).metric)
	if v, ok := sw.Info["test_bayes_auc"].(float64); ok {
		fmt.Fprintf(w, "Bayes AUC of the true click probability on test: %.4f\n", v)
	}
	return leaderboard(trials, objectiveOf(sw), top).WriteText(w)
}

// builder accumulates one report.
type builder struct {
	db     *store.DB
	sw     *store.Sweep
	trials []*store.Trial
	obj    objective
	dir    string
	md     bytes.Buffer
	plots  []string // files written beside report.md
}

// Write writes dir/report.md and its SVG plots for a sweep and returns the
// report's path.
func Write(db *store.DB, name, dir string) (string, error) {
	b, err := newBuilder(db, name, dir)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b.md, "# Sweep `%s`\n\n", b.sw.Name)
	fmt.Fprintf(&b.md, "Created %s; report written %s from `%s`. Contents: [summary](#summary), [leaderboard](#leaderboard), "+
		"[hyperparameters](#effect-of-each-hyperparameter), [learning curves](#learning-curves), [is the difference real](#is-the-difference-real), "+
		"[attention](#attention), [groups](#per-group-results), [before and after training](#before-and-after-training), [spec](#spec).\n\n",
		b.sw.CreatedAt, time.Now().UTC().Format(time.RFC3339), filepath.Base(db.Path()))
	for _, section := range []func() error{
		b.summary, b.leaderboard, b.effects, b.curves, b.significance, b.attention, b.groups, b.beforeAfter,
	} {
		if err := section(); err != nil {
			return "", err
		}
	}
	fmt.Fprintf(&b.md, "## Spec\n\n```yaml\n%s\n```\n", strings.TrimRight(b.sw.Spec, "\n"))
	path := filepath.Join(dir, "report.md")
	if err := os.WriteFile(path, b.md.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	return path, nil
}

func newBuilder(db *store.DB, name, dir string) (*builder, error) {
	sw, err := db.SweepByName(name)
	if err != nil {
		return nil, err
	}
	trials, err := db.Trials(sw.ID)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return &builder{db: db, sw: sw, trials: trials, obj: objectiveOf(sw), dir: dir}, nil
}

// done returns the finished trials (done or pruned), best first.
func (b *builder) done() []*store.Trial {
	var out []*store.Trial
	for _, t := range b.obj.rank(b.trials) {
		if t.Status == store.Done || t.Status == store.Pruned {
			out = append(out, t)
		}
	}
	return out
}

// bestPerModel returns the best finished trial of each model, best first.
func (b *builder) bestPerModel() []*store.Trial {
	var out []*store.Trial
	seen := map[string]bool{}
	for _, t := range b.done() {
		if !seen[t.Model] {
			seen[t.Model] = true
			out = append(out, t)
		}
	}
	return out
}

func (b *builder) summary() error {
	sw := b.sw
	fmt.Fprintf(&b.md, "## Summary\n\n")
	data := &Table{Header: []string{"split", "rows", "label rate", "Bayes AUC"}}
	for _, split := range []string{"train", "valid", "test"} {
		row := []string{split, Cell(sw.Info[split+"_rows"]), "", ""}
		if v, ok := sw.Info[split+"_label_rate"].(float64); ok {
			row[2] = fmt.Sprintf("%.4f", v)
		}
		if v, ok := sw.Info[split+"_bayes_auc"].(float64); ok {
			row[3] = fmt.Sprintf("%.4f", v)
		}
		data.Rows = append(data.Rows, row)
	}
	data.WriteMarkdown(&b.md)
	if _, ok := sw.Info["test_bayes_auc"]; ok {
		fmt.Fprintf(&b.md, "\nThe Bayes AUC is the AUC of the true click probability (`p_true`): no model can do better on average.\n")
	}
	var seconds float64
	for _, t := range b.trials {
		seconds += t.Seconds
	}
	var parts []string
	for _, s := range []string{store.Done, store.Pruned, store.Failed, store.Interrupted, store.Running, store.Queued} {
		if n := sw.Counts[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	fmt.Fprintf(&b.md, "\nTrials: %d (%s); training time %.1f s summed over trials.\n\n", len(b.trials), strings.Join(parts, ", "), seconds)
	for _, t := range b.trials {
		if t.Status == store.Failed {
			first, _, _ := strings.Cut(t.Error, "\n")
			fmt.Fprintf(&b.md, "- failed: `%s` %s %s: %s\n", t.Key, t.Model, paramString(t), first)
		}
	}
	fmt.Fprintf(&b.md, "\nBest trial per model (by valid %s; test at that trial's best valid epoch):\n\n", b.obj.metric)
	best := &Table{Header: []string{"model", "trial", "parameters", "valid auc", "test auc", "test gauc", "test logloss", "seconds"}}
	for _, t := range b.bestPerModel() {
		best.Rows = append(best.Rows, []string{t.Model, t.Key, paramString(t), metricCell(t, "valid", "auc"),
			metricCell(t, "test", "auc"), metricCell(t, "test", "gauc"), metricCell(t, "test", "logloss"), fmt.Sprintf("%.1f", t.Seconds)})
	}
	best.WriteMarkdown(&b.md)
	fmt.Fprintln(&b.md)
	return nil
}

// config is the trials of one configuration (its repeats over seeds).
type config struct {
	trials []*store.Trial // finished ones
}

func (c config) stat(split, metric string) (mean, std float64, n int) {
	var v []float64
	for _, t := range c.trials {
		if x, ok := t.Metric(split, metric); ok && !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	mean, std = meanStd(v)
	return mean, std, len(v)
}

// configs groups finished trials by configuration, best mean objective first.
func (b *builder) configs() []config {
	byKey := map[string]*config{}
	var order []string
	for _, t := range b.done() {
		c := byKey[t.Config]
		if c == nil {
			c = &config{}
			byKey[t.Config] = c
			order = append(order, t.Config)
		}
		c.trials = append(c.trials, t)
	}
	out := make([]config, len(order))
	for i, k := range order {
		out[i] = *byKey[k]
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, _, _ := out[i].stat("valid", b.obj.metric)
		c, _, _ := out[j].stat("valid", b.obj.metric)
		return b.obj.better(a, c)
	})
	return out
}

func pm(mean, std float64, n int) string {
	if n == 0 || math.IsNaN(mean) {
		return ""
	}
	if n == 1 {
		return fmt.Sprintf("%.4f", mean)
	}
	return fmt.Sprintf("%.4f ± %.4f", mean, std)
}

func (b *builder) leaderboard() error {
	fmt.Fprintf(&b.md, "## Leaderboard\n\nOne row per configuration: mean ± standard deviation over its repeats (seeds), "+
		"ranked by mean valid %s. Test metrics come from each trial's best valid epoch: test never selects anything.\n\n", b.obj.metric)
	t := &Table{Header: []string{"#", "model", "parameters", "repeats", "valid auc", "test auc", "test logloss", "best epoch", "seconds"}}
	for i, c := range b.configs() {
		first := c.trials[0]
		params := paramString(first)
		va, vs, vn := c.stat("valid", "auc")
		ta, ts, tn := c.stat("test", "auc")
		la, ls, ln := c.stat("test", "logloss")
		var epochs, secs []float64
		for _, tr := range c.trials {
			epochs = append(epochs, float64(tr.BestEpoch))
			secs = append(secs, tr.Seconds)
		}
		em, _ := meanStd(epochs)
		sm, _ := meanStd(secs)
		t.Rows = append(t.Rows, []string{fmt.Sprint(i + 1), first.Model, params, fmt.Sprint(len(c.trials)),
			pm(va, vs, vn), pm(ta, ts, tn), pm(la, ls, ln), fmt.Sprintf("%.1f", em), fmt.Sprintf("%.1f", sm)})
	}
	t.WriteMarkdown(&b.md)
	fmt.Fprintf(&b.md, "\nEvery trial: `sweep query \"SELECT * FROM leaderboard WHERE sweep = '%s' ORDER BY valid_%s DESC\"`.\n\n", b.sw.Name, b.obj.metric)
	return nil
}
