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
	// dot: 2 lr × 2 optimizers × 2 hidden × 2 repeats; logreg ignores
	// hidden and embed_dim: 2 lr × 2 optimizers × 2 repeats.
	if len(plan) != 24 {
		t.Fatalf("plan has %d trials, want 24", len(plan))
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
	if p.Model != "logreg" || p.EmbedDim != 0 || p.L2Embedding != 1e-5 || p.Epochs != 3 || p.Seed != plan[0].Seed {
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
		// orphan every stored trial, so it must show up here. dot's
		// parameters were canonical before trial keys dropped ignored ones.
		var dot []string
		for _, tr := range pa {
			if tr.Model == "dot" {
				dot = append(dot, tr.Key)
			}
		}
		if want := goldenDotKeys[a.Search.Method]; strings.Join(dot, " ") != want {
			t.Errorf("%s: dot keys\n got %s\nwant %s", a.Search.Method, strings.Join(dot, " "), want)
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

// goldenDotKeys are validSpec's dot keys (grid, and random with 9 trials), as
// every version since the first has made them.
var goldenDotKeys = map[string]string{
	"grid": "1c17e7e1544c60a0 cf81fc0800f85f70 2fa8610025972dc4 ebf875098242a66c 4e380b31ffdb2761 9fb2d6dcc13566b6 " +
		"c794a52cbf223360 9d7b67fdbc39050f c2807716ef2029b4 82e14cdf22d1204b df80c81109d2f466 d9898e95e9d6c498 " +
		"a5f0a5bd834af5db b4f67601e5fc7caf de068cfa3c65da87 25c78a361154c341",
	"random": "d7bfb71a3de9e215 7de5aa6e71a289b5 1f86c14488826901 575f8951e38ff7d5 4af1d0c39fceb5b2 42f62bdb12d284ff " +
		"f29c9bd070a84ac8 d0536f848bfce6c3",
}

// TestPlan_MonitorInKeys: the objective selects each trial's best epoch, so
// a different metric gives different trials (keys), and the model gets it.
func TestPlan_MonitorInKeys(t *testing.T) {
	s, err := ParseSpec("t.yaml", []byte(validSpec+"objective: {metric: auc-logloss}\n"))
	if err != nil {
		t.Fatal(err)
	}
	plan := s.Plan()
	if strings.Contains(goldenDotKeys["grid"], plan[len(plan)-1].Key) {
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
		{"deep nesting", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nspace:\n  hidden: " + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "\n", `t.yaml:5: spec nests deeper than 32 levels`},
		{"huge spec", "name: x\n" + strings.Repeat("# padding\n", 120000), `spec too large: 1200008 bytes, over the limit`},
		{"alias bomb", "name: x\na: &a [1, 2]\nb: [" + strings.Repeat("*a, ", 40) + "*a]\n", `t.yaml:3: spec uses more than 32 YAML aliases`},
		{"confirm not above repeats", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nsearch:\n  repeats: 2\n  confirm: 2\n", `t.yaml:6: confirm 2: want more seeds than repeats (2)`},
		{"auc minimised", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nobjective:\n  metric: auc\n  direction: min\n", `t.yaml:6: auc is maximised: direction min`},
		{"logloss maximised", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nobjective: {metric: logloss, direction: max}\n", `t.yaml:4: logloss is minimised`},
		{"epochs 0", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\ntrain:\n  epochs: 0\n", `t.yaml:5: epochs must be at least 1, got 0`},
		{"patience 0", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\ntrain: {patience: 0}\n", `t.yaml:4: patience must be at least 1`},
		{"repeats 0", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nsearch:\n  repeats: 0\n", `t.yaml:5: repeats must be at least 1`},
		{"split sums below 1", "name: x\ndata:\n  synthetic: {rows: 10}\n  split: {train: 0.5, valid: 0.2, test: 0.2}\nmodels: [logreg]\n", `t.yaml:4: split fractions must be positive and sum to 1`},
		{"model twice", "name: x\ndata: {synthetic: {rows: 10}}\nmodels:\n  - logreg\n  - dot\n  - logreg\n", `t.yaml:6: model "logreg" is listed twice`},
		{"ignored per_model", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nper_model:\n  logreg:\n    hidden: [8]\n", `t.yaml:6: logreg does not use hidden`},
		{"tpe without trials", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nsearch: {method: tpe}\n", `t.yaml:4: tpe search needs trials`},
		{"tpe batch 0", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nsearch:\n  method: tpe\n  trials: 20\n  batch: 0\n", `t.yaml:7: batch must be at least 1, got 0`},
		{"tpe startup over trials", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg, fm]\nsearch:\n  method: tpe\n  trials: 20\n  startup: 11\n", `t.yaml:7: startup 11 is more than the 10 trials each model gets`},
		{"tpe gamma", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nsearch:\n  method: tpe\n  trials: 20\n  gamma: 1.5\n", `t.yaml:7: gamma is the fraction`},
		{"tpe stepped loguniform", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nsearch: {method: tpe, trials: 20}\nspace:\n  lr: {loguniform: [1.0e-4, 1.0e-1], step: 1.0e-4}\n", `t.yaml:6: lr: tpe cannot model a loguniform distribution with a step`},
		{"grid with trials", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nsearch:\n  trials: 20\n", `t.yaml:5: trials goes with search method random or tpe`},
		{"warm start in random", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nsearch:\n  method: random\n  trials: 3\n  warm_start: [a]\n", `t.yaml:7: warm_start goes with search method tpe`},
		{"enqueue without model", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg, fm]\nsearch:\n  method: random\n  trials: 3\n  enqueue:\n    - {lr: 0.1}\n", `t.yaml:8: an enqueued configuration needs model`},
		{"enqueue missing axis", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nsearch:\n  method: random\n  trials: 3\n  enqueue:\n    - {lr: 0.1}\nspace:\n  lr: {loguniform: [1.0e-4, 1.0e-1]}\n  l2_dense: {uniform: [0, 0.1]}\n", `t.yaml:8: enqueued configuration 0 of logreg does not give l2_dense`},
		{"enqueue bad value", "name: x\ndata: {synthetic: {rows: 10}}\nmodels: [logreg]\nsearch:\n  method: random\n  trials: 3\n  enqueue:\n    - lr: -1\nspace:\n  lr: {loguniform: [1.0e-4, 1.0e-1]}\n", `t.yaml:8: lr: must be > 0`},
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
