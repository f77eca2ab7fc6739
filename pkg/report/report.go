// Package report turns what the store holds into numbers and pictures for
// people: tables for the terminal and a markdown report with SVG plots.
//
// It works in two steps so that every view shows the same numbers:
//
//   - Build reads a sweep from the store and computes its results as plain
//     Go values (Results: the leaderboard, the effect of each
//     hyperparameter, learning curves, the bootstrap comparison, per-group
//     AUC, calibration, attention, what matters). Build decides everything
//     a reader is told, including verdicts, as typed fields.
//   - Render turns Results into a Page (markdown and SVG files); WriteMarkdown
//     writes that page into a folder. Another front end (a web page) can
//     render the same Results its own way.
//
// A report folder holds report.md and its plots, all linked relatively, so
// the folder can be moved, committed or served as it is.
package report

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"

	"github.com/attnsweep/attnsweep/pkg/store"
)

// Results is everything a sweep's report shows, computed from the store.
// Missing numbers are NaN; optional sections are nil or empty.
type Results struct {
	Sweep     string
	CreatedAt string
	Database  string // the database file's name
	Spec      string // the sweep's YAML
	Objective Objective
	// TestMetrics names the test metrics tables show, from the registry:
	// the objective's metric, then auc, logloss and gauc (each once).
	TestMetrics []string

	Summary      Summary
	Leaderboard  []ConfigRow
	WhatMatters  WhatMatters
	Effects      []Effect
	Curves       []Curve
	Significance *Significance  // nil without both an attention model and a baseline
	Attention    *AttentionView // nil when no attention weights were stored
	Entropy      []Entropy      // one per attention model with stored weights
	Groups       []Grouping
	Calibration  []CalibrationLine
	BeforeAfter  []BeforeAfterRow

	inputs []string // files the report is computed from: never overwritten
}

// builder holds what every section's computation reads.
type builder struct {
	db      *store.DB
	sw      *store.Sweep
	trials  []*store.Trial // plan order
	ranked  []*store.Trial // finished, best first
	configs []config
	obj     Objective
	r       *Results
}

func newBuilder(db *store.DB, name string) (*builder, error) {
	sw, err := db.SweepByName(name)
	if err != nil {
		return nil, err
	}
	obj := objectiveOf(sw)
	trials, err := db.Trials(sw.ID)
	if err != nil {
		return nil, err
	}
	ranked := finishedRanked(trials, obj)
	r := &Results{Sweep: sw.Name, CreatedAt: sw.CreatedAt, Database: filepath.Base(db.Path()), Spec: sw.Spec,
		Objective: obj, inputs: databaseFiles(db.Path())}
	for _, m := range []string{obj.Metric, "auc", "logloss", "gauc"} {
		if !slices.Contains(r.TestMetrics, m) {
			r.TestMetrics = append(r.TestMetrics, m)
		}
	}
	return &builder{db: db, sw: sw, trials: trials, ranked: ranked, configs: configs(ranked, obj), obj: obj, r: r}, nil
}

// Build reads sweep name from db and computes its report's results.
func Build(db *store.DB, name string) (*Results, error) {
	b, err := newBuilder(db, name)
	if err != nil {
		return nil, err
	}
	for _, section := range []func() error{
		b.summary, b.leaderboard, b.whatMatters, b.effects, b.curves, b.significance,
		b.attention, b.groups, b.calibration, b.beforeAfter,
	} {
		if err := section(); err != nil {
			return nil, err
		}
	}
	return b.r, nil
}

// Write builds sweep name's results and writes dir/report.md with its
// plots; it returns the report's path.
func Write(db *store.DB, name, dir string) (string, error) {
	r, err := Build(db, name)
	if err != nil {
		return "", err
	}
	return r.WriteMarkdown(dir)
}

// WriteMarkdown renders the results and writes dir/report.md and its SVG
// plots (each file written whole to a temporary file, then renamed). It
// refuses to write over the database the results came from.
func (r *Results) WriteMarkdown(dir string) (string, error) {
	return writePage(r.Render, dir, r.inputs)
}

// PrintLeaderboard prints a sweep's best trials as aligned text (top > 0
// keeps the first top).
func PrintLeaderboard(w io.Writer, db *store.DB, name string, top int) error {
	b, err := newBuilder(db, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nleaderboard of %s (ranked by %s; test at the best valid epoch)\n", name, b.obj.label())
	if v, ok := b.sw.Info["test_bayes_auc"].(float64); ok {
		fmt.Fprintf(w, "Bayes AUC of the true click probability on test: %.4f\n", v)
	}
	header := []string{"#", "trial", "model", "parameters", "status", b.obj.label()}
	for _, m := range b.r.TestMetrics {
		header = append(header, "test "+m)
	}
	t := &Table{Header: append(header, "best epoch", "seconds")}
	for i, tr := range b.obj.rank(b.trials) {
		if top > 0 && i >= top {
			break
		}
		row := b.trialRow(tr)
		cells := []string{fmt.Sprint(i + 1), row.Key, row.Model, row.Params, row.Status, num4(row.Valid)}
		for _, v := range row.Test {
			cells = append(cells, num4(v))
		}
		t.Rows = append(t.Rows, append(cells, fmt.Sprint(row.BestEpoch), fmt.Sprintf("%.1f", row.Seconds)))
	}
	return t.WriteText(w)
}
