package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/store"
)

// mattersSweep has 12 finished trials: logreg and dot over six learning
// rates, adam and sgd alternating, embed_dim set by dot only; dot is best
// at lr 1e-3 and 3e-3.
func mattersSweep(finished int) handSweep {
	lrs := []float64{1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2}
	dot := []float64{0.70, 0.74, 0.80, 0.79, 0.75, 0.71}
	s := handSweep{name: "wm", objective: "auc"}
	for i := 0; i < 12 && len(s.trials) < finished; i++ {
		k := i / 2
		h := handTrial{model: "logreg", params: map[string]any{"lr": lrs[k], "optimizer": []string{"adam", "sgd"}[i%2]},
			valid: map[string]float64{"auc": 0.60 + 0.01*float64(k)}}
		if i%2 == 1 {
			h.model, h.params["embed_dim"], h.valid["auc"] = "dot", 8*(1+k%2), dot[k]
		}
		s.trials = append(s.trials, h)
	}
	s.trials = append(s.trials, handTrial{model: "dot", params: map[string]any{"lr": 0.1}, status: store.Failed})
	return s
}

func TestWhatMatters_HandBuilt(t *testing.T) {
	db := openHandDB(t)
	addHandSweep(t, db, mattersSweep(12))
	r, err := Build(db, "wm")
	must(t, err)
	w := r.WhatMatters
	if !w.Enough || w.Finished != 12 || w.Top != 3 {
		t.Fatalf("finished %d, enough %v, top %d", w.Finished, w.Enough, w.Top)
	}
	var names []string
	for _, a := range w.Axes {
		names = append(names, a.Name)
	}
	if strings.Join(names, ",") != "model,lr,optimizer,embed_dim,valid auc" {
		t.Fatalf("axes %v", names)
	}
	// Categories spread over the whole axis.
	if a := w.Axes[0]; a.Min != 0 || a.Max != 1 || axisY(a, 0) == axisY(a, 1) {
		t.Errorf("model axis %+v", a)
	}
	if a := w.Axes[1]; !a.Log || a.Categorical || a.Min != 1e-4 || a.Max != 3e-2 || a.Unset {
		t.Errorf("lr axis %+v", a)
	}
	if a := w.Axes[3]; !a.Unset || a.Log {
		t.Errorf("embed_dim axis %+v", a)
	}
	// The best three: dot at 1e-3 (0.80), 3e-3 (0.79), 1e-2 (0.75).
	lr := w.Ranges[1]
	share := (math.Log(1e-2) - math.Log(1e-3)) / (math.Log(3e-2) - math.Log(1e-4))
	if lr.All != [2]float64{1e-4, 3e-2} || lr.Top != [2]float64{1e-3, 1e-2} || !near(lr.TopShare, share) || lr.TopSet != 3 {
		t.Errorf("lr range %+v, want share %v", lr, share)
	}
	if m := w.Ranges[0]; m.Values[0] != (ValueCount{"dot", 6, 3}) || m.Values[1] != (ValueCount{"logreg", 6, 0}) {
		t.Errorf("model counts %+v", m.Values)
	}
	if o := w.Ranges[2]; o.Values[0] != (ValueCount{"adam", 6, 0}) || o.Values[1] != (ValueCount{"sgd", 6, 3}) {
		t.Errorf("optimizer counts %+v", o.Values)
	}
	if e := w.Ranges[3]; e.AllSet != 6 || e.TopSet != 3 || e.All != [2]float64{8, 16} {
		t.Errorf("embed_dim range %+v", e)
	}
	if len(w.Lines) != 12 || w.Lines[0].Objective != 0.60 || w.Lines[11].Objective != 0.80 {
		t.Errorf("lines worst first: %v … %v", w.Lines[0].Objective, w.Lines[len(w.Lines)-1].Objective)
	}
	wantBest := []float64{0.60, 0.70, 0.70, 0.74, 0.74, 0.80, 0.80, 0.80, 0.80, 0.80, 0.80, 0.80}
	var got []float64
	for _, p := range w.Progress.Best {
		got = append(got, p.Y)
	}
	if !slicesNear(got, wantBest) || w.Progress.Best[11].X != 12 {
		t.Errorf("best so far %v", w.Progress.Best)
	}
	svg := parallelSVG(w.Axes, w.Lines, r.Objective)
	if root, n := svgRoot(t, svg, "polyline"); root != "svg" || n != 12 {
		t.Errorf("parallel coordinates: root %q, %d polylines", root, n)
	}
	page, err := r.Render()
	must(t, err)
	for _, want := range []string{"](parallel.svg)", "](progress.svg)", "### Where the best trials lie", "| lr | 0.0001 – 0.03 (log) | 0.001 – 0.01 (log) | 40% |"} {
		if !strings.Contains(string(page.Markdown), want) {
			t.Errorf("what matters lacks %q:\n%s", want, section(string(page.Markdown), "## What matters"))
		}
	}
}

// svgRoot parses an SVG and returns its root element and how many
// elements named count it holds.
func svgRoot(t *testing.T, data []byte, count string) (string, int) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	root, n := "", 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return root, n
		}
		if err != nil {
			t.Fatalf("not XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			}
			if se.Name.Local == count {
				n++
			}
		}
	}
}

func TestWhatMatters_BelowThreshold(t *testing.T) {
	db := openHandDB(t)
	addHandSweep(t, db, mattersSweep(MinTrialsWhatMatters-1))
	r, err := Build(db, "wm")
	must(t, err)
	if r.WhatMatters.Enough || len(r.WhatMatters.Ranges) != 0 {
		t.Fatalf("what matters with %d trials: %+v", r.WhatMatters.Finished, r.WhatMatters)
	}
	page, err := r.Render()
	must(t, err)
	if !strings.Contains(string(page.Markdown), "needs at least 10 finished trials with a valid auc; this sweep has 9") {
		t.Errorf("%s", section(string(page.Markdown), "## What matters"))
	}
}

// Importance comes from the fANOVA of the finished trials (model
// included), and the report shows what the field holds.
func TestImportance_Rendered(t *testing.T) {
	db := openHandDB(t)
	addHandSweep(t, db, mattersSweep(12))
	r, err := Build(db, "wm")
	must(t, err)
	imp := r.WhatMatters.Importance
	names := map[string]bool{}
	sum := 0.0
	for i, p := range imp {
		names[p.Name] = true
		sum += p.Importance
		if i > 0 && p.Importance > imp[i-1].Importance {
			t.Errorf("importance not sorted: %+v", imp)
		}
	}
	if len(imp) != 4 || !names["model"] || !names["lr"] || !names["optimizer"] || !names["embed_dim"] || sum > 1+1e-9 {
		t.Errorf("importance %+v", imp)
	}
	r.WhatMatters.Importance = []ParamImportance{{"lr", 0.7}, {"optimizer", 0.2}}
	page, err := r.Render()
	must(t, err)
	if !strings.Contains(string(page.Markdown), "### Importance of each hyperparameter\n\n| hyperparameter | importance |\n|---|---|\n| lr | 0.700 |\n| optimizer | 0.200 |") ||
		!strings.Contains(string(page.Markdown), "Together they explain 90%") {
		t.Errorf("%s", section(string(page.Markdown), "### Importance"))
	}
	r.WhatMatters.Importance = nil
	if page, _ = r.Render(); strings.Contains(string(page.Markdown), "Importance of each") {
		t.Error("importance shown while empty")
	}
}

func TestVectorEntropy_HandCases(t *testing.T) {
	cases := []struct {
		w          []float32
		h          float64
		normalised bool
		ok         bool
	}{
		{[]float32{0.25, 0.25, 0.25, 0.25}, math.Log(4), false, true},
		{[]float32{0, 0, 1, 0}, 0, false, true},
		{[]float32{0.5, 0.5, 0, 0}, math.Log(2), false, true},
		// −(0.7 ln 0.7 + 3 · 0.1 ln 0.1)
		{[]float32{0.7, 0.1, 0.1, 0.1}, -(0.7*math.Log(0.7) + 0.3*math.Log(0.1)), false, true},
		{[]float32{2, 2}, math.Log(2), true, true}, // DIN without softmax: scaled first
		{[]float32{0.5, -0.1, 0.6}, 0, false, false},
		{[]float32{1}, 0, false, false},
		{[]float32{0, 0}, 0, false, false},
	}
	for _, c := range cases {
		h, u, normalised, ok := vectorEntropy(c.w)
		if ok != c.ok || (ok && (math.Abs(h-c.h) > 1e-6 || normalised != c.normalised || math.Abs(u-math.Log(float64(len(c.w)))) > 1e-12)) {
			t.Errorf("%v: h %v u %v normalised %v ok %v; want h %v", c.w, h, u, normalised, ok, c.h)
		}
	}
}

func TestEntropy_PerAttentionModel(t *testing.T) {
	row := func(w ...[]float32) store.AttentionRow {
		return store.AttentionRow{Items: make([]int32, len(w[0])), Weights: w}
	}
	q := float32(0.25)
	db := openHandDB(t)
	addHandSweep(t, db, handSweep{name: "ent", objective: "auc", trials: []handTrial{
		{model: "dot", valid: map[string]float64{"auc": 0.8}, attention: []store.AttentionRow{
			row([]float32{q, q, q, q}), row([]float32{0.2, 0.2, 0.2, 0.2, 0.2})}},
		{model: "din", valid: map[string]float64{"auc": 0.7}, attention: []store.AttentionRow{
			row([]float32{0, 1, 0}), row([]float32{0.5, -0.2, 0.7})}},
		{model: "bst", valid: map[string]float64{"auc": 0.6}, attention: []store.AttentionRow{
			row([]float32{0.7, 0.1, 0.1, 0.1}, []float32{q, q, q, q})}},
		{model: "logreg", valid: map[string]float64{"auc": 0.5}},
	}})
	r, err := Build(db, "ent")
	must(t, err)
	h4 := -(0.7*math.Log(0.7) + 0.3*math.Log(0.1))
	want := []Entropy{
		{TrialRef: TrialRef{Model: "dot"}, Vectors: 2, Mean: (math.Log(4) + math.Log(5)) / 2, Uniform: (math.Log(4) + math.Log(5)) / 2},
		{TrialRef: TrialRef{Model: "din"}, Vectors: 1, Skipped: 1, Mean: 0, Uniform: math.Log(3)},
		{TrialRef: TrialRef{Model: "bst"}, Vectors: 2, Mean: (h4 + math.Log(4)) / 2, Uniform: math.Log(4)},
	}
	if len(r.Entropy) != len(want) {
		t.Fatalf("entropy %+v", r.Entropy)
	}
	for i, w := range want {
		e := r.Entropy[i]
		if e.Model != w.Model || e.Vectors != w.Vectors || e.Skipped != w.Skipped || math.Abs(e.Mean-w.Mean) > 1e-6 || math.Abs(e.Uniform-w.Uniform) > 1e-6 {
			t.Errorf("entropy %d = %+v, want %+v", i, e, w)
		}
	}
	page, err := r.Render()
	must(t, err)
	md := string(page.Markdown)
	for _, line := range []string{
		"- dot: mean entropy 1.50 nats against 1.50 for uniform weights (100.0%): its attention is close to mean pooling",
		"- din: mean entropy 0.00 nats against 1.10 for uniform weights (0.0%): it concentrates on a few positions (1 vectors",
		"- bst: mean entropy 1.16 nats against 1.39 for uniform weights (83.9%): it weighs some positions clearly more than others",
	} {
		if !strings.Contains(md, line) {
			t.Errorf("report lacks %q:\n%s", line, section(md, "### Does attention do anything"))
		}
	}
}

func TestWrite_RefusesItsDatabase(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.md")
	db, err := store.Open(path)
	must(t, err)
	defer db.Close()
	addHandSweep(t, db, mattersSweep(3))
	before, _ := os.ReadFile(path)
	_, err = Write(db, "wm", dir)
	if err == nil || !strings.Contains(err.Error(), "which the report reads") {
		t.Fatalf("writing over the database: %v", err)
	}
	if _, err = Write(db, "wm", path); err == nil || !strings.Contains(err.Error(), "is the database") {
		t.Fatalf("the database as output folder: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("the database changed")
	}
}

func TestWrite_WholeFiles(t *testing.T) {
	db := openHandDB(t)
	addHandSweep(t, db, mattersSweep(12))
	dir := filepath.Join(t.TempDir(), "out")
	must(t, os.MkdirAll(dir, 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "report.md"), []byte("old"), 0o644))
	path, err := Write(db, "wm", dir)
	must(t, err)
	b, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(b), "# Sweep `wm`") {
		t.Fatalf("report.md not replaced: %.40q", b)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func TestBuildTrial(t *testing.T) {
	db := openHandDB(t)
	addHandSweep(t, db, handSweep{name: "one", objective: "auc", trials: []handTrial{{
		model: "dnn", params: map[string]any{"lr": 0.01, "batch_norm": true, "hidden": []int{64, 32}},
		valid: map[string]float64{"auc": 0.75, "logloss": 0.45}, test: map[string]float64{"auc": 0.74, "logloss": 0.46, "n": 300},
		before: map[string]float64{"auc": 0.5, "logloss": 0.69},
		curve: [][]store.Value{
			{{Split: "train", Metric: "loss", Value: 0.6}, {Split: "valid", Metric: "auc", Value: 0.7}},
			{{Split: "train", Metric: "loss", Value: 0.5}},
		},
	}}})
	d, err := BuildTrial(db, "one-00")
	must(t, err)
	c := d.Curve
	if strings.Join(c.Columns, ",") != "train loss,valid auc" || len(c.Epochs) != 2 || c.Values[0][1] != 0.7 ||
		c.Values[1][0] != 0.5 || !math.IsNaN(c.Values[1][1]) {
		t.Errorf("curve %+v", c)
	}
	if strings.Join(d.Metrics, ",") != "auc,logloss,n,auc-logloss" {
		t.Errorf("metrics %v", d.Metrics)
	}
	var out bytes.Buffer
	must(t, d.WriteText(&out))
	for _, want := range []string{"batch_norm  true", "hidden      [64,32]", "test   0.7400 (0.5000)  0.4600 (0.6900)  300  0.2800 (-0.1900)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("show lacks %q:\n%s", want, out.String())
		}
	}
}
