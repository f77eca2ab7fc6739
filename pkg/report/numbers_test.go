package report

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/store"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9 || (math.IsNaN(a) && math.IsNaN(b)) }

// bootSweep is an attention model and a baseline, each run once, with
// test scores that tie often.
func bootSweep(n int) handSweep {
	rng := rand.New(rand.NewPCG(3, 3))
	labels, a, b := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range labels {
		if rng.Float64() < 0.4 {
			labels[i] = 1
		}
		a[i] = float32(math.Round((0.5*float64(labels[i])+rng.Float64())*10) / 10)
		b[i] = float32(math.Round((0.2*float64(labels[i])+rng.Float64())*10) / 10)
	}
	return handSweep{name: "boot", objective: "auc", labels: labels, trials: []handTrial{
		{model: "logreg", params: map[string]any{"lr": 0.01}, valid: map[string]float64{"auc": 0.70},
			test: map[string]float64{"auc": model.AUC(b, labels)}, scores: b},
		{model: "dot", params: map[string]any{"lr": 0.01}, valid: map[string]float64{"auc": 0.80},
			test: map[string]float64{"auc": model.AUC(a, labels)}, scores: a},
	}}
}

// The bootstrap interval, recomputed here from its documented definition:
// one PCG(seed, 0x5eed) stream draws n row indices per resample, the
// resample is materialised, each AUC is a brute-force pair count, and the
// 2.5% and 97.5% quantiles interpolate linearly at q·(m−1).
func TestBootstrap_MatchesIndependentResampling(t *testing.T) {
	s := bootSweep(60)
	db := openHandDB(t)
	addHandSweep(t, db, s)
	r, err := Build(db, "boot")
	must(t, err)
	sig := r.Significance
	if sig == nil || !sig.Scored || sig.Attention.Model != "dot" || sig.Baseline.Model != "logreg" {
		t.Fatalf("significance = %+v", sig)
	}
	labels, a, b := s.labels, s.trials[1].scores, s.trials[0].scores
	n := len(labels)
	if want := pairAUC(a, labels) - pairAUC(b, labels); !near(sig.Bootstrap.Diff, want) {
		t.Errorf("difference %v, pair count %v", sig.Bootstrap.Diff, want)
	}
	rng := rand.New(rand.NewPCG(bootstrapSeed, 0x5eed))
	var diffs []float64
	ra, rb, rl := make([]float32, n), make([]float32, n), make([]float32, n)
	for k := 0; k < bootstrapReplicas; k++ {
		for i := range rl {
			j := rng.IntN(n)
			ra[i], rb[i], rl[i] = a[j], b[j], labels[j]
		}
		if d := pairAUC(ra, rl) - pairAUC(rb, rl); !math.IsNaN(d) {
			diffs = append(diffs, d)
		}
	}
	sort.Float64s(diffs)
	q := func(p float64) float64 {
		pos := p * float64(len(diffs)-1)
		lo := math.Floor(pos)
		return diffs[int(lo)] + (pos-lo)*(diffs[int(math.Ceil(pos))]-diffs[int(lo)])
	}
	bs := sig.Bootstrap
	if bs.Used != len(diffs) || !near(bs.Lo, q(0.025)) || !near(bs.Hi, q(0.975)) {
		t.Errorf("bootstrap %+v; recomputed: %d resamples, [%v, %v]", bs, len(diffs), q(0.025), q(0.975))
	}
	// One seed each: no spread to show, and no 0.0000 standing for it.
	page, err := r.Render()
	must(t, err)
	md := string(page.Markdown)
	if !strings.Contains(md, "(std over repeats) | —, one seed |") || strings.Contains(md, "| 0.0000 |") {
		t.Errorf("seed spread rows:\n%s", section(md, "## Is the difference real"))
	}
}

func TestPairedBootstrap_SelfIsZero(t *testing.T) {
	s := bootSweep(50)
	a := s.trials[1].scores
	if r := pairedBootstrap(a, a, s.labels, 50, 1); r.Diff != 0 || r.Lo != 0 || r.Hi != 0 || r.Used != 50 {
		t.Fatalf("self comparison = %+v", r)
	}
}

// section returns the markdown from a heading to the next heading of its level.
func section(md, heading string) string {
	i := strings.Index(md, heading)
	if i < 0 {
		return ""
	}
	rest := md[i+len(heading):]
	level := heading[:strings.IndexByte(heading, ' ')+1]
	if j := strings.Index(rest, "\n"+level); j >= 0 {
		rest = rest[:j]
	}
	return heading + rest
}

func TestEffects_HandBuilt(t *testing.T) {
	trial := func(m string, lr float64, opt string, bn bool, valid, test float64) handTrial {
		return handTrial{model: m, params: map[string]any{"lr": lr, "optimizer": opt, "batch_norm": bn},
			valid: map[string]float64{"auc": valid}, test: map[string]float64{"auc": test}}
	}
	db := openHandDB(t)
	addHandSweep(t, db, handSweep{name: "fx", objective: "auc", trials: []handTrial{
		trial("logreg", 0.001, "adam", false, 0.70, 0.69),
		trial("logreg", 0.01, "adam", false, 0.74, 0.72),
		trial("dot", 0.001, "sgd", true, 0.78, 0.77),
		trial("dot", 0.01, "sgd", true, 0.76, 0.75),
		trial("dot", 0.01, "adam", false, 0.80, 0.79),
		{model: "dot", params: map[string]any{"lr": 0.1, "optimizer": "adam", "batch_norm": false}, status: store.Failed},
	}})
	r, err := Build(db, "fx")
	must(t, err)
	want := map[string][]EffectValue{ // value, trials, best, mean, mean test
		"lr": {{Value: "0.001", Trials: 2, Best: 0.78, Mean: 0.74, MeanTest: 0.73},
			{Value: "0.01", Trials: 3, Best: 0.80, Mean: (0.74 + 0.76 + 0.80) / 3, MeanTest: (0.72 + 0.75 + 0.79) / 3}},
		"optimizer": {{Value: "adam", Trials: 3, Best: 0.80, Mean: (0.70 + 0.74 + 0.80) / 3, MeanTest: (0.69 + 0.72 + 0.79) / 3},
			{Value: "sgd", Trials: 2, Best: 0.78, Mean: 0.77, MeanTest: 0.76}},
		"batch_norm": {{Value: "false", Trials: 3, Best: 0.80, Mean: (0.70 + 0.74 + 0.80) / 3, MeanTest: (0.69 + 0.72 + 0.79) / 3},
			{Value: "true", Trials: 2, Best: 0.78, Mean: 0.77, MeanTest: 0.76}},
	}
	if len(r.Effects) != len(want) {
		t.Fatalf("%d effects, want %d: %+v", len(r.Effects), len(want), r.Effects)
	}
	for _, e := range r.Effects {
		w := want[e.Name]
		if len(e.Values) != len(w) {
			t.Fatalf("%s: %+v", e.Name, e.Values)
		}
		for i, v := range e.Values {
			if v.Value != w[i].Value || v.Trials != w[i].Trials || !near(v.Best, w[i].Best) || !near(v.Mean, w[i].Mean) || !near(v.MeanTest, w[i].MeanTest) {
				t.Errorf("%s value %d = %+v, want %+v", e.Name, i, v, w[i])
			}
		}
		if numeric := e.Name == "lr"; e.Numeric != numeric || e.Log != numeric {
			t.Errorf("%s: numeric %v, log %v", e.Name, e.Numeric, e.Log)
		}
	}
}

// The direction comes from the registry: logloss is minimised even when
// the sweep recorded another direction.
func TestObjectiveDirection_FromRegistry(t *testing.T) {
	db := openHandDB(t)
	ll := func(lr, v float64) handTrial { // each its own configuration
		return handTrial{model: "logreg", config: fmt.Sprint(v), params: map[string]any{"lr": lr},
			valid: map[string]float64{"logloss": v, "auc": 1 - v}}
	}
	addHandSweep(t, db, handSweep{name: "ll", objective: "logloss", direction: "max", trials: []handTrial{
		ll(0.001, 0.50), ll(0.001, 0.40), ll(0.01, 0.45),
	}})
	r, err := Build(db, "ll")
	must(t, err)
	if r.Objective.Maximize || r.Leaderboard[0].Valid.Mean != 0.40 || r.Leaderboard[2].Valid.Mean != 0.50 {
		t.Errorf("objective %+v; leaderboard %+v", r.Objective, r.Leaderboard)
	}
	if e := r.Effects[0]; e.Values[0].Best != 0.40 {
		t.Errorf("best logloss at lr 0.001 = %v, want 0.40", e.Values[0].Best)
	}
	if p := r.WhatMatters.Progress.Best; len(p) != 3 || p[0].Y != 0.50 || p[1].Y != 0.40 || p[2].Y != 0.40 {
		t.Errorf("best so far %+v", p)
	}
}

// Per-group AUC: the stored buckets (AUC as the sweep computes it,
// model.AUC) land in the right cell, checked against a pair count.
func TestGroups_HandBuilt(t *testing.T) {
	s := bootSweep(40)
	hist := make([]int, len(s.labels))
	for i := range hist {
		hist[i] = 1 + i%9 // 1..9: buckets 1-5 and 6-10
	}
	buckets := []struct {
		name   string
		lo, hi int
	}{{"1-5", 1, 5}, {"6-10", 6, 10}}
	rowsOf := func(scores []float32, lo, hi int) (p, l []float32) {
		for i, h := range hist {
			if h >= lo && h <= hi {
				p, l = append(p, scores[i]), append(l, s.labels[i])
			}
		}
		return p, l
	}
	for k := range s.trials {
		for pos, bk := range buckets {
			if k == 0 && pos == 1 {
				continue // the baseline has no rows in 6-10
			}
			p, l := rowsOf(s.trials[k].scores, bk.lo, bk.hi)
			s.trials[k].groups = append(s.trials[k].groups, store.GroupMetric{Split: "test", Grouping: "history_length",
				Bucket: bk.name, Position: pos, N: len(p), AUC: model.AUC(p, l)})
		}
	}
	db := openHandDB(t)
	addHandSweep(t, db, s)
	r, err := Build(db, "boot")
	must(t, err)
	if len(r.Groups) != 1 || strings.Join(r.Groups[0].Buckets, ",") != "1-5,6-10" {
		t.Fatalf("groups %+v", r.Groups)
	}
	g := r.Groups[0]
	for i, m := range g.Models {
		scores := s.trials[1-i].scores // best first: dot, then logreg
		for k, bk := range buckets {
			c := m.Cells[k]
			if m.Model == "logreg" && bk.name == "6-10" {
				if c.N != 0 {
					t.Errorf("logreg 6-10 = %+v, want empty", c)
				}
				continue
			}
			p, l := rowsOf(scores, bk.lo, bk.hi)
			if want := pairAUC(p, l); c.N != len(p) || !near(c.AUC, want) {
				t.Errorf("%s %s = %+v, want n=%d AUC %v", m.Model, bk.name, c, len(p), want)
			}
		}
	}
}

func TestCompare_TwoSweeps(t *testing.T) {
	tr := func(m, cfg string, valid, test float64) handTrial {
		return handTrial{model: m, config: cfg, params: map[string]any{"lr": 0.01},
			valid: map[string]float64{"auc": valid}, test: map[string]float64{"auc": test}}
	}
	db := openHandDB(t)
	addHandSweep(t, db, handSweep{name: "random", objective: "auc", trials: []handTrial{
		tr("logreg", "r1", 0.71, 0.70), tr("logreg", "r1", 0.73, 0.72), tr("dot", "r2", 0.81, 0.80), tr("dot", "r3", 0.79, 0.83),
	}})
	addHandSweep(t, db, handSweep{name: "tpe", objective: "auc", trials: []handTrial{
		tr("logreg", "t1", 0.72, 0.71), tr("dot", "t2", 0.85, 0.84), tr("dot", "t2", 0.85, 0.86), tr("fm", "t3", 0.75, 0.74),
	}})
	c, err := BuildCompare(db, "random", "tpe")
	must(t, err)
	sd := math.Sqrt(2 * 0.01 * 0.01) // two values 0.02 apart
	want := []CompareRow{
		{Model: "dot", InA: true, InB: true, A: Stat{0.80, math.NaN(), 1}, B: Stat{0.85, sd, 2}, Diff: 0.05},
		{Model: "fm", InB: true, A: Stat{math.NaN(), math.NaN(), 0}, B: Stat{0.74, math.NaN(), 1}, Diff: math.NaN()},
		{Model: "logreg", InA: true, InB: true, A: Stat{0.71, sd, 2}, B: Stat{0.71, math.NaN(), 1}, Diff: 0},
	}
	if len(c.Rows) != len(want) {
		t.Fatalf("rows %+v", c.Rows)
	}
	for i, w := range want {
		g := c.Rows[i]
		if g.Model != w.Model || g.InA != w.InA || g.InB != w.InB || !near(g.A.Mean, w.A.Mean) || !near(g.A.Std, w.A.Std) ||
			g.A.N != w.A.N || !near(g.B.Mean, w.B.Mean) || !near(g.B.Std, w.B.Std) || g.B.N != w.B.N || !near(g.Diff, w.Diff) {
			t.Errorf("row %d = %+v, want %+v", i, g, w)
		}
	}
	best := func(p Progress) []float64 {
		var out []float64
		for _, pt := range p.Best {
			out = append(out, pt.Y)
		}
		return out
	}
	if a, b := best(c.Progress[0]), best(c.Progress[1]); !slicesNear(a, []float64{0.71, 0.73, 0.81, 0.81}) ||
		!slicesNear(b, []float64{0.72, 0.85, 0.85, 0.85}) {
		t.Errorf("best so far: random %v, tpe %v", a, b)
	}
	page, err := c.Render()
	must(t, err)
	md := string(page.Markdown)
	if !strings.Contains(md, "| dot | 0.8000 | 0.8500 ± 0.0141 | +0.0500 |") || !strings.Contains(md, "](progress.svg)") {
		t.Errorf("compare report:\n%s", md)
	}
}

func slicesNear(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !near(a[i], b[i]) {
			return false
		}
	}
	return true
}

// BenchmarkPairedBootstrap is the report's bootstrap on as many test rows
// as Frappe's test split.
func BenchmarkPairedBootstrap(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 28860
	x, y, l := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range l {
		if rng.Float64() < 0.33 {
			l[i] = 1
		}
		x[i] = float32(rng.Float64() + 0.5*float64(l[i]))
		y[i] = float32(rng.Float64() + 0.3*float64(l[i]))
	}
	for b.Loop() {
		pairedBootstrap(x, y, l, bootstrapReplicas, bootstrapSeed)
	}
}
