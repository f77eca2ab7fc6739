package search

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const validSpec = `name: t1
data:
  synthetic: {rows: 1000, seed: 3}
models: [logreg, dot]
search: {method: grid, seed: 7, repeats: 2}
space:
  lr: [1.0e-3, 1.0e-2]
  embed_dim: 8
  optimizer: [adam, sgd]
  hidden: [[16], [16, 8]]
train: {epochs: 3}
per_model:
  logreg: {l2_embedding: [1.0e-5]}
`

func TestSpec_Valid(t *testing.T) {
	s, err := ParseSpec("t.yaml", []byte(validSpec))
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Patience != 2 || s.Train.LRDecay != 0.1 || s.Objective.Metric != "auc" || s.Objective.Direction != "max" {
		t.Fatalf("defaults not applied: %+v %+v", s.Train, s.Objective)
	}
	plan := s.Plan()
	// 2 lr × 2 optimizers × 2 hidden × 2 repeats, for each model.
	if len(plan) != 32 {
		t.Fatalf("plan has %d trials, want 32", len(plan))
	}
	keys := map[string]bool{}
	for i, tr := range plan {
		if tr.Position != i {
			t.Fatalf("trial %d has position %d", i, tr.Position)
		}
		if keys[tr.Key] {
			t.Fatalf("duplicate key %s", tr.Key)
		}
		keys[tr.Key] = true
	}
	p := s.ModelParams(plan[0])
	if p.Model != "logreg" || p.EmbedDim != 8 || p.L2Embedding != 1e-5 || p.Epochs != 3 || p.Seed != plan[0].Seed {
		t.Fatalf("ModelParams = %+v", p)
	}
	// Repeats share a configuration and differ in seed.
	if plan[0].Config != plan[1].Config || plan[0].Seed == plan[1].Seed {
		t.Fatalf("repeats: %+v / %+v", plan[0], plan[1])
	}
}

func TestPlan_Deterministic(t *testing.T) {
	for _, text := range []string{validSpec, strings.Replace(strings.Replace(validSpec, "method: grid", "method: random, trials: 9", 1),
		"lr: [1.0e-3, 1.0e-2]", "lr: {loguniform: [1.0e-4, 1.0e-1]}", 1)} {
		a, err := ParseSpec("a.yaml", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := ParseSpec("b.yaml", []byte(text))
		pa, pb := a.Plan(), b.Plan()
		if !reflect.DeepEqual(pa, pb) {
			t.Fatal("the same spec gave two plans")
		}
		// Keys are fixed: a change in hashing or canonical formatting would
		// orphan every stored trial, so it must show up here.
		if a.Search.Method == "grid" && pa[0].Key != goldenFirstKey {
			t.Errorf("first key = %s, want %s", pa[0].Key, goldenFirstKey)
		}
		if a.Search.Method == "random" {
			for _, tr := range pa {
				lr := tr.Params[slicesIndex(tr.Params, "lr")].Value.(float64)
				if lr < 1e-4 || lr > 1e-1 {
					t.Errorf("sampled lr %g outside [1e-4, 1e-1]", lr)
				}
			}
		}
	}
}

const goldenFirstKey = "e9aa6a033209e2a5"

// TestPlan_MonitorInKeys: the objective selects each trial's best epoch, so
// a different metric gives different trials (keys), and the model gets it.
func TestPlan_MonitorInKeys(t *testing.T) {
	s, err := ParseSpec("t.yaml", []byte(validSpec+"objective: {metric: auc-logloss}\n"))
	if err != nil {
		t.Fatal(err)
	}
	plan := s.Plan()
	if plan[0].Key == goldenFirstKey {
		t.Error("the auc-logloss objective left the trial keys unchanged")
	}
	if p := s.ModelParams(plan[0]); p.Monitor != "auc-logloss" {
		t.Errorf("model monitor %q, want auc-logloss", p.Monitor)
	}
}

func slicesIndex(ps []Param, name string) int {
	for i, p := range ps {
		if p.Name == name {
			return i
		}
	}
	return -1
}

func TestSpec_Mistakes(t *testing.T) {
	cases := []struct {
		name, text, want string
	}{
		{"unknown top key", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nfoo: 1\n", `t.yaml:4: unknown key "foo"`},
		{"unknown data key", "name: x\ndata:\n  synthetic: {rows: 10}\n  tarin: a.parquet\nmodels: [logreg]\n", `t.yaml:4: unknown key "tarin"`},
		{"unknown model", "name: x\ndata: {synthetic: {rows: 10}}\nmodels:\n  - logreg\n  - dinn\n", `t.yaml:5: unknown model "dinn"`},
		{"unknown optimizer", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nspace:\n  optimizer: [adam, adamx]\n", `t.yaml:5: optimizer: unknown value "adamx"`},
		{"negative lr", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nspace:\n  lr: [0.1, -0.01]\n", `t.yaml:5: lr: must be > 0, got -0.01`},
		{"zero lr", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nspace:\n  lr: 0\n", `t.yaml:5: lr: must be > 0, got 0`},
		{"negative clip norm", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nspace:\n  max_grad_norm: -1\n", `t.yaml:5: max_grad_norm: must be >= 0, got -1`},
		{"empty grid", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nspace:\n  embed_dim: []\n", `t.yaml:5: embed_dim: empty list`},
		{"loguniform bound", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nsearch: {method: random, trials: 3}\nspace:\n  lr: {loguniform: [0, 0.1]}\n", `t.yaml:6: lr: loguniform bounds must be > 0`},
		{"unknown hyperparameter", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nspace:\n  learning_rate: [0.1]\n", `t.yaml:5: unknown hyperparameter "learning_rate"`},
		{"distribution in grid", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nspace:\n  lr: {uniform: [0.1, 0.2]}\n", `t.yaml:5: lr: a distribution needs search method random`},
		{"per_model unknown model", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nper_model:\n  dot: {lr: [0.1]}\n", `per_model names "dot"`},
		{"no data", "name: x\nmodels: [logreg]\n", `data needs`},
		{"no name", "data: {synthetic: {rows: 10}}\nmodels: [logreg]\n", `missing key "name"`},
		{"test objective", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nobjective: {split: test}\n", `t.yaml:4: objective split "test"`},
		{"auc-logloss minimised", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nobjective: {metric: auc-logloss, direction: min}\n", `t.yaml:4: auc-logloss is maximised`},
		{"bad yaml", "name: x\n  data: [\n", `t.yaml:`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseSpec("t.yaml", []byte(c.text))
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not contain %q", err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
		})
	}
}

func TestLoadSpec_Missing(t *testing.T) {
	_, err := LoadSpec(filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || !strings.Contains(err.Error(), "nope.yaml: spec file not found") {
		t.Fatalf("got %v", err)
	}
}

func TestRepositorySpecsParse(t *testing.T) {
	files, _ := filepath.Glob("../../experiments/*.yaml")
	if len(files) == 0 {
		t.Fatal("no experiments/*.yaml found")
	}
	for _, f := range files {
		s, err := LoadSpec(f)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if len(s.Plan()) == 0 {
			t.Errorf("%s: empty plan", f)
		}
	}
}
