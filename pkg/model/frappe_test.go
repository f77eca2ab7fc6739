package model

import (
	"context"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// frappeRef are the published BARS Frappe_x1 test figures (docs/ARCHITECTURE.md) and
// the per-model settings of those runs; the common ones (emb 10, Adam 1e-3,
// batch 4096, 100 epochs, patience 2, LR decay 0.1, AUC monitor) are the defaults.
var frappeRef = []struct {
	p            Params
	auc, logloss float64
	aucTol       float64
}{
	{Params{Model: "logreg", L2Embedding: 1e-5}, 0.9356, 0.3076, 0.003},
	{Params{Model: "fm", L2Embedding: 5e-6}, 0.9671, 0.2065, 0.003},
	{Params{Model: "dnn", L2Embedding: 0.05, BatchNorm: true, Dropout: 0.2}, 0.98365, 0.160, 0.0035}, // 0.9833–0.9840
	{Params{Model: "deepfm", L2Embedding: 0.05, BatchNorm: true, Dropout: 0.2}, 0.9842, 0.148, 0.003},
	{Params{Model: "autoint", L2Embedding: 0.05, Layers: 6, Heads: 4, AttentionDim: 128}, 0.9831, 0.1637, 0.003},
	{Params{Model: "autoint+", L2Embedding: 0.1, Layers: 5, Heads: 1, AttentionDim: 128, BatchNorm: true, Dropout: 0.3}, 0.9848, 0.1490, 0.003},
}

// TestFrappe_BARS reproduces the published Frappe results. It is a long run,
// not a unit test: it runs only with ATTNSWEEP_LONG=1, for the models in
// ATTNSWEEP_FRAPPE_MODELS (comma-separated; default logreg,fm, the fast
// ones), and skips when ../shared/data is absent. The full table is
// produced by `sweep run experiments/frappe_bars.yaml` (BENCHMARKS.md).
func TestFrappe_BARS(t *testing.T) {
	if os.Getenv("ATTNSWEEP_LONG") != "1" {
		t.Skip("long run: set ATTNSWEEP_LONG=1 (and ATTNSWEEP_FRAPPE_MODELS=logreg,fm,dnn,...)")
	}
	ds := sharedData(t, "frappe_x1", dataset.Columns{})
	want := map[string]bool{"logreg": true, "fm": true}
	if s := os.Getenv("ATTNSWEEP_FRAPPE_MODELS"); s != "" {
		want = map[string]bool{}
		for _, m := range strings.Split(s, ",") {
			want[strings.TrimSpace(m)] = true
		}
	}
	for _, ref := range frappeRef {
		if !want[ref.p.Model] {
			continue
		}
		t.Run(ref.p.Model, func(t *testing.T) {
			p := ref.p
			p.Seed = 2021
			p.MaxGradNorm = 10 // FuxiCTR's clipping, as in experiments/frappe_bars.yaml
			start := time.Now()
			res, err := Train(context.Background(), ds, p, nil)
			if err != nil {
				t.Fatal(err)
			}
			f := res.Final["test"]
			t.Logf("%s: test AUC %.4f (published %.4f), logloss %.4f (%.4f), best epoch %d of %d, %s",
				p.Model, f.AUC, ref.auc, f.LogLoss, ref.logloss, res.BestEpoch, len(res.Epochs), time.Since(start).Round(time.Second))
			if math.Abs(f.AUC-ref.auc) > ref.aucTol || math.Abs(f.LogLoss-ref.logloss) > 0.01 {
				t.Errorf("%s: test AUC %.4f, logloss %.4f; published %.4f, %.4f", p.Model, f.AUC, f.LogLoss, ref.auc, ref.logloss)
			}
		})
	}
}
