package store

import (
	"fmt"
	"math"

	"github.com/attnsweep/attnsweep/pkg/model"
)

// Objective is the registry entry of the metric a sweep optimises (recorded
// in sweep_info as objective_metric; AUC for sweeps that predate it).
func (s *Sweep) Objective() model.MetricInfo {
	name, _ := s.Info["objective_metric"].(string)
	if mi, ok := model.LookupMetric(name); ok {
		return mi
	}
	mi, _ := model.LookupMetric("auc")
	return mi
}

// FindTrial finds a trial among trials by database id or key, or with
// "best" the done trial with the best valid value of the objective (ties:
// the first in plan order).
func FindTrial(trials []*Trial, ref string, objective model.MetricInfo) (*Trial, error) {
	if ref == "best" {
		var best *Trial
		bestV := math.NaN()
		for _, t := range trials {
			v, ok := t.Metric("valid", objective.Name)
			if t.Status == Done && ok && objective.Better(v, bestV) {
				best, bestV = t, v
			}
		}
		if best == nil {
			return nil, fmt.Errorf("no done trial with a valid %s yet: finish the sweep first (sweep resume NAME)", objective.Name)
		}
		return best, nil
	}
	for _, t := range trials {
		if fmt.Sprint(t.ID) == ref || t.Key == ref {
			return t, nil
		}
	}
	return nil, fmt.Errorf("no trial %q (give a trial id, a key or best; see: sweep query \"SELECT trial, key, model, valid_auc FROM leaderboard\")", ref)
}
