package store

import (
	"testing"

	"github.com/attnsweep/attnsweep/pkg/model"
)

// "best" follows the sweep's objective: the lowest valid logloss when the
// objective is logloss, the highest AUC otherwise; unfinished trials never.
func TestFindTrial_BestFollowsTheObjective(t *testing.T) {
	trials := []*Trial{
		{ID: 1, Key: "a", Status: Done, Best: map[string]float64{"valid/auc": 0.80, "valid/logloss": 0.50}},
		{ID: 2, Key: "b", Status: Done, Best: map[string]float64{"valid/auc": 0.78, "valid/logloss": 0.40}},
		{ID: 3, Key: "c", Status: Pruned, Best: map[string]float64{"valid/auc": 0.90, "valid/logloss": 0.30}},
		{ID: 4, Key: "d", Status: Done, Best: map[string]float64{"valid/auc": 0.79, "valid/logloss": 0.45}},
	}
	for metric, want := range map[string]string{"auc": "a", "logloss": "b", "auc-logloss": "b"} {
		sw := &Sweep{Info: map[string]any{"objective_metric": metric}}
		got, err := FindTrial(trials, "best", sw.Objective())
		if err != nil || got.Key != want {
			t.Errorf("%s: best = %v, %v; want %s", metric, got, err, want)
		}
	}
	auc, _ := model.LookupMetric("auc")
	if got, err := FindTrial(trials, "4", auc); err != nil || got.Key != "d" {
		t.Errorf("by id: %v, %v", got, err)
	}
	if got, err := FindTrial(trials, "c", auc); err != nil || got.ID != 3 {
		t.Errorf("by key: %v, %v", got, err)
	}
	if _, err := FindTrial(trials[2:3], "best", auc); err == nil {
		t.Error("a pruned trial was picked as best")
	}
}
