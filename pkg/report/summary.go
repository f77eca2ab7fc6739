package report

import (
	"math"
	"strings"

	"github.com/attnsweep/attnsweep/pkg/store"
)

// Summary is what a sweep ran on and how its trials ended.
type Summary struct {
	Data []DataRow
	// Bayes: the data has a true click probability, so DataRow.BayesAUC
	// is known.
	Bayes  bool
	Trials int
	Status []StatusCount // in the order done, pruned, failed, interrupted, running, queued; zero counts left out
	// Seconds is the training time summed over trials.
	Seconds float64
	Failed  []FailedTrial
	// BestPerModel is the best finished trial of each model, best first.
	BestPerModel []TrialRow
}

// DataRow describes one split of the data; NaN where unknown.
type DataRow struct {
	Split     string
	Rows      any // as sweep_info holds it
	LabelRate float64
	BayesAUC  float64
}

// StatusCount is how many trials ended in one status.
type StatusCount struct {
	Status string
	N      int
}

// FailedTrial is a failed trial with the first line of its error.
type FailedTrial struct {
	TrialRef
	Error string
}

// TrialRow is one trial with its objective and test metrics.
type TrialRow struct {
	TrialRef
	Status    string
	Valid     float64   // the objective
	Test      []float64 // Results.TestMetrics of the test split
	BestEpoch int
	Seconds   float64
}

func (b *builder) trialRow(t *store.Trial) TrialRow {
	return TrialRow{TrialRef: refOf(t), Status: t.Status, Valid: b.obj.value(t),
		Test: trialMetrics(t, "test", b.r.TestMetrics), BestEpoch: t.BestEpoch, Seconds: t.Seconds}
}

func infoFloat(info map[string]any, name string) float64 {
	if v, ok := info[name].(float64); ok {
		return v
	}
	return math.NaN()
}

func (b *builder) summary() error {
	s := &b.r.Summary
	for _, split := range []string{"train", "valid", "test"} {
		s.Data = append(s.Data, DataRow{Split: split, Rows: b.sw.Info[split+"_rows"],
			LabelRate: infoFloat(b.sw.Info, split+"_label_rate"), BayesAUC: infoFloat(b.sw.Info, split+"_bayes_auc")})
	}
	_, s.Bayes = b.sw.Info["test_bayes_auc"].(float64)
	s.Trials = len(b.trials)
	for _, st := range []string{store.Done, store.Pruned, store.Failed, store.Interrupted, store.Running, store.Queued} {
		if n := b.sw.Counts[st]; n > 0 {
			s.Status = append(s.Status, StatusCount{st, n})
		}
	}
	for _, t := range b.trials {
		s.Seconds += t.Seconds
		if t.Status == store.Failed {
			first, _, _ := strings.Cut(t.Error, "\n")
			s.Failed = append(s.Failed, FailedTrial{refOf(t), first})
		}
	}
	for _, t := range bestPerModel(b.ranked) {
		s.BestPerModel = append(s.BestPerModel, b.trialRow(t))
	}
	return nil
}

// ConfigRow is one configuration of the leaderboard: its repeats (seeds)
// summarised as mean ± standard deviation.
type ConfigRow struct {
	Rank    int
	Config  string
	Model   string
	Params  string
	Repeats int
	Valid   Stat   // the objective
	Test    []Stat // Results.TestMetrics of the test split
	// BestEpoch and Seconds are means over the repeats.
	BestEpoch, Seconds float64
}

func (b *builder) leaderboard() error {
	for i, c := range b.configs {
		first := c.trials[0]
		row := ConfigRow{Rank: i + 1, Config: first.Config, Model: first.Model, Params: paramString(first),
			Repeats: len(c.trials), Valid: c.stat(b.obj.Split, b.obj.Metric)}
		for _, m := range b.r.TestMetrics {
			row.Test = append(row.Test, c.stat("test", m))
		}
		var epochs, secs []float64
		for _, t := range c.trials {
			epochs = append(epochs, float64(t.BestEpoch))
			secs = append(secs, t.Seconds)
		}
		row.BestEpoch, row.Seconds = statOf(epochs).Mean, statOf(secs).Mean
		b.r.Leaderboard = append(b.r.Leaderboard, row)
	}
	return nil
}

// BeforeAfterRow is the best trial of one model before its first step and
// at its best epoch (Results.TestMetrics of the test split).
type BeforeAfterRow struct {
	TrialRef
	Before, After []float64
}

func (b *builder) beforeAfter() error {
	for _, t := range bestPerModel(b.ranked) {
		row := BeforeAfterRow{TrialRef: refOf(t)}
		for _, m := range b.r.TestMetrics {
			row.Before = append(row.Before, metricOf(t.Before, "test", m))
			row.After = append(row.After, metricOf(t.Best, "test", m))
		}
		b.r.BeforeAfter = append(b.r.BeforeAfter, row)
	}
	return nil
}
