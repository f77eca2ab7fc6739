// Package report turns what the store holds into tables for the terminal
// and a markdown report (with plots beside it) for people.
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

// rank sorts trials best first (ties by plan position).
func (o objective) rank(trials []*store.Trial) []*store.Trial {
	out := append([]*store.Trial(nil), trials...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := o.value(out[i]), o.value(out[j])
		if a != b {
			if o.max {
				return a > b
			}
			return a < b
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

// Write writes dir/report.md for a sweep and returns its path.
func Write(db *store.DB, name, dir string) (string, error) {
	sw, err := db.SweepByName(name)
	if err != nil {
		return "", err
	}
	trials, err := db.Trials(sw.ID)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	var b bytes.Buffer
	o := objectiveOf(sw)
	fmt.Fprintf(&b, "# Sweep `%s`\n\n", sw.Name)
	fmt.Fprintf(&b, "Created %s; report written %s from `%s`.\n\n", sw.CreatedAt, time.Now().UTC().Format(time.RFC3339), filepath.Base(db.Path()))
	writeSummary(&b, sw, trials, o)
	fmt.Fprintf(&b, "## Leaderboard\n\nEvery trial, ranked by valid %s. Test metrics are those of the checkpoint with the best valid %s: test is never used to select.\n\n", o.metric, o.metric)
	leaderboard(trials, o, 0).WriteMarkdown(&b)
	fmt.Fprintf(&b, "\n## Spec\n\n```yaml\n%s\n```\n", strings.TrimRight(sw.Spec, "\n"))
	path := filepath.Join(dir, "report.md")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	return path, nil
}

func writeSummary(b *bytes.Buffer, sw *store.Sweep, trials []*store.Trial, o objective) {
	fmt.Fprintf(b, "## Summary\n\n")
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
	data.WriteMarkdown(b)
	if _, ok := sw.Info["test_bayes_auc"]; ok {
		fmt.Fprintf(b, "\nThe Bayes AUC is the AUC of the true click probability (`p_true`): no model can do better on average.\n")
	}
	var seconds float64
	for _, t := range trials {
		seconds += t.Seconds
	}
	statuses := []string{store.Done, store.Pruned, store.Failed, store.Interrupted, store.Running, store.Queued}
	var parts []string
	for _, s := range statuses {
		if n := sw.Counts[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	fmt.Fprintf(b, "\nTrials: %d (%s); training time %.1f s over all trials.\n\n", len(trials), strings.Join(parts, ", "), seconds)

	fmt.Fprintf(b, "Best trial per model (by valid %s):\n\n", o.metric)
	best := &Table{Header: []string{"model", "trial", "parameters", "valid auc", "test auc", "test logloss", "seconds"}}
	seen := map[string]bool{}
	for _, t := range o.rank(trials) {
		if seen[t.Model] || t.Status != store.Done {
			continue
		}
		seen[t.Model] = true
		best.Rows = append(best.Rows, []string{t.Model, t.Key, paramString(t),
			metricCell(t, "valid", "auc"), metricCell(t, "test", "auc"), metricCell(t, "test", "logloss"), fmt.Sprintf("%.1f", t.Seconds)})
	}
	best.WriteMarkdown(b)
	fmt.Fprintln(b)
}
