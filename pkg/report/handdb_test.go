package report

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/store"
)

// handTrial is one trial written by hand into a test database.
type handTrial struct {
	model     string
	params    map[string]any // as a spec gives them: float64, int, string, bool, []int
	config    string         // defaults to model + params
	repeat    int
	status    string             // defaults to done
	valid     map[string]float64 // best-epoch metrics of valid
	test      map[string]float64 // and of test
	before    map[string]float64 // test metrics before training
	scores    []float32          // test predictions
	groups    []store.GroupMetric
	attention []store.AttentionRow
	curve     [][]store.Value // per epoch
}

// handSweep is a sweep written by hand: its objective and test labels.
type handSweep struct {
	name      string
	objective string // objective_metric; "" leaves it out
	direction string // objective_direction as recorded (the report must not trust it)
	labels    []float32
	trials    []handTrial
}

func openHandDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "hand.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// addHandSweep writes a sweep and its trials through the store's API, in
// plan order.
func addHandSweep(t *testing.T, db *store.DB, s handSweep) {
	t.Helper()
	id, err := db.CreateSweep(s.name, "name: "+s.name+"\n", "hash-"+s.name)
	must(t, err)
	info := []store.Param{{Name: "test_rows", Value: len(s.labels)}}
	if s.objective != "" {
		info = append(info, store.Param{Name: "objective_metric", Value: s.objective},
			store.Param{Name: "objective_direction", Value: s.direction})
	}
	must(t, db.SetSweepInfo(id, info))
	if s.labels != nil {
		must(t, db.SetSweepArray(id, "test_label", store.Float32Blob(s.labels)))
	}
	planned := make([]store.NewTrial, len(s.trials))
	for i, h := range s.trials {
		nt := store.NewTrial{Key: fmt.Sprintf("%s-%02d", s.name, i), Position: i, Config: h.config, Model: h.model,
			Seed: uint64(i), Repeat: h.repeat}
		for _, n := range sortedKeys(h.params) {
			nt.Params = append(nt.Params, store.Param{Name: n, Value: h.params[n]})
		}
		if nt.Config == "" {
			nt.Config = fmt.Sprint(h.model, h.params)
		}
		planned[i] = nt
	}
	_, err = db.AddTrials(context.Background(), id, planned, "")
	must(t, err)
	owner := store.NewOwner()
	for i, h := range s.trials {
		c, err := db.ClaimNext(id, owner, store.DefaultLease, store.ClaimFilter{})
		must(t, err)
		if c == nil || c.Key != planned[i].Key {
			t.Fatalf("claimed %+v, want %s", c, planned[i].Key)
		}
		for e, values := range h.curve {
			must(t, db.AddEpoch(*c, e+1, values))
		}
		o := store.Outcome{Status: h.status, Seconds: 1, BestEpoch: 1}
		if o.Status == "" {
			o.Status = store.Done
		}
		for split, m := range map[string]map[string]float64{"valid": h.valid, "test": h.test} {
			for _, n := range sortedKeys(m) {
				o.Best = append(o.Best, store.Value{Split: split, Metric: n, Value: m[n]})
			}
		}
		for _, n := range sortedKeys(h.before) {
			o.Before = append(o.Before, store.Value{Split: "test", Metric: n, Value: h.before[n]})
		}
		if h.scores != nil {
			o.Scores = map[string][]float32{"test": h.scores}
		}
		o.Groups, o.Attention = h.groups, h.attention
		must(t, db.FinishTrial(*c, o))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// pairAUC is the AUC by its definition: the share of (positive, negative)
// pairs the positive wins, ties one half; NaN without both classes.
func pairAUC(scores, labels []float32) float64 {
	var won, pairs float64
	for i := range scores {
		for j := range scores {
			if labels[i] != 1 || labels[j] != 0 {
				continue
			}
			pairs++
			switch {
			case scores[i] > scores[j]:
				won++
			case scores[i] == scores[j]:
				won += 0.5
			}
		}
	}
	if pairs == 0 {
		return math.NaN()
	}
	return won / pairs
}
