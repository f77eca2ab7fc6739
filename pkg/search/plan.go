package search

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/attnsweep/attnsweep/pkg/model"
)

// Param is one hyperparameter value of a trial.
type Param struct {
	Name  string
	Value any // float64, int, string, bool or []int
}

// Trial is one planned training run.
type Trial struct {
	Position int    // place in the plan (0-based): configuration index × repeats + repeat
	Key      string // hash of model, canonical parameters, protocol and seed
	Config   string // hash of model, parameters and protocol: repeats of a configuration share it
	Model    string
	Params   []Param // sorted by name; only those the model and its optimizer read
	Seed     uint64
	Repeat   int
}

// configuration is a model and its parameters (sorted by name), before repeats.
type configuration struct {
	model  string
	params []Param
}

// DefaultMaxTrials is how many trials a plan may have unless the caller
// raises the limit (`sweep run --max-trials`): a spec that asks for more is
// refused before anything is built.
const DefaultMaxTrials = 10000

// Count returns how many trials the spec plans, computed without building
// the plan (so an absurd grid is refused at once). For grid search it is an
// upper bound: configurations that are the same once the parameters their
// optimizer ignores are dropped count once in the plan. It saturates at
// math.MaxInt.
func (s *Spec) Count() int {
	configs := 0
	switch s.Search.Method {
	case "grid":
		for _, m := range s.Models {
			n := 1
			for _, ax := range s.spaces[m] {
				n = satMul(n, len(ax.Values))
			}
			configs = satAdd(configs, n)
		}
	default:
		configs = s.Search.Trials
	}
	n := satMul(configs, s.Search.Repeats)
	if s.Search.Confirm > 0 {
		n = satAdd(n, satMul(len(s.Models), s.Search.Confirm-s.Search.Repeats))
	}
	return n
}

func satMul(a, b int) int {
	if a != 0 && b > math.MaxInt/a {
		return math.MaxInt
	}
	return a * b
}

func satAdd(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

// CheckSize refuses a plan of more than max trials (DefaultMaxTrials when
// max is 0), naming the spec's search line.
func (s *Spec) CheckSize(max int) error {
	if max <= 0 {
		max = DefaultMaxTrials
	}
	if n := s.Count(); n > max {
		what := fmt.Sprintf("%d", n)
		if n == math.MaxInt {
			what = "more than " + fmt.Sprint(math.MaxInt)
		}
		return s.errorAt("$.search", "the plan has %s trials, over the limit of %d: shrink the space or raise the limit with --max-trials", what, max)
	}
	return nil
}

// CheckTrials checks every planned trial's parameters as the model will
// (model.Params.Validate: an attention size that does not split over the
// heads, for one), so that a spec whose trials would all fail is an error
// naming the YAML line. TPE's later proposals are checked as they start
// (a failing one is recorded failed). Call it after CheckSize.
func (s *Spec) CheckTrials() error {
	for _, t := range s.Plan() {
		if err := s.ModelParams(t).Validate(); err != nil {
			return s.errorAt(s.paramPath(t, err.Error()), "%s trial (%s): %v", t.Model, t, err)
		}
	}
	return nil
}

// paramPath is the YAML path of the first of t's parameters that msg
// names, where the spec sets it for t's model.
func (s *Spec) paramPath(t Trial, msg string) string {
	for _, p := range t.Params {
		if !regexp.MustCompile(`\b` + p.Name + `\b`).MatchString(msg) {
			continue
		}
		if _, ok := s.PerModel[t.Model][p.Name]; ok {
			return "$.per_model." + t.Model + "." + p.Name
		}
		return "$.space." + p.Name
	}
	return "$.models"
}

// Plan lists the trials of a grid or random search in plan order, or the
// first batch of a TPE search (its later batches depend on results: see
// Batch). It depends only on the spec: the same spec gives the same trials,
// keys and seeds on any machine, with any number of workers.
func (s *Spec) Plan() []Trial {
	if s.Search.Method == "tpe" {
		trials, _ := s.Batch(0, Shard{}, nil)
		return trials
	}
	var configs []configuration
	switch s.Search.Method {
	case "random":
		for i := 0; i < s.Search.Trials; i++ {
			configs = append(configs, s.randomConfig(i))
		}
	default:
		configs = s.gridConfigs()
	}
	return s.expand(configs, s.Search.Method == "grid")
}

// expand turns configurations into trials, repeats side by side, dropping
// a configuration whose key an earlier one already has. Grid positions are
// contiguous; random ones keep the draw index (a dropped duplicate leaves a
// gap), so that a trial's position does not depend on the draws after it.
func (s *Spec) expand(configs []configuration, contiguous bool) []Trial {
	var out []Trial
	seen := map[string]bool{}
	next := 0
	for i, c := range configs {
		idx := i
		if contiguous {
			idx = next
		}
		t0 := s.newTrial(idx*s.Search.Repeats, c.model, c.params, 0)
		if seen[t0.Config] {
			continue
		}
		seen[t0.Config] = true
		next++
		for r := 0; r < s.Search.Repeats; r++ {
			out = append(out, s.newTrial(idx*s.Search.Repeats+r, c.model, c.params, r))
		}
	}
	return out
}

// gridConfigs is every combination of each model's axes, models in spec
// order, the last axis changing fastest. Axes the model ignores are not
// combined at all.
func (s *Spec) gridConfigs() []configuration {
	var out []configuration
	for _, m := range s.Models {
		var sp Space
		for _, ax := range s.spaces[m] {
			if h, _ := model.LookupHyper(ax.Name); h.UsedByModel(m) {
				sp = append(sp, ax)
			}
		}
		idx := make([]int, len(sp))
		for {
			params := make([]Param, len(sp))
			for i, ax := range sp {
				params[i] = Param{ax.Name, ax.Values[idx[i]]}
			}
			out = append(out, configuration{m, canonical(m, params)})
			i := len(sp) - 1
			for ; i >= 0; i-- {
				idx[i]++
				if idx[i] < len(sp[i].Values) {
					break
				}
				idx[i] = 0
			}
			if i < 0 {
				break
			}
		}
	}
	return out
}

// configModel is the model of configuration i of a random or TPE search:
// the enqueued configurations first, then the models in turn.
func (s *Spec) configModel(i int) string {
	if i < len(s.enqueued) {
		return s.enqueued[i].model
	}
	return s.Models[(i-len(s.enqueued))%len(s.Models)]
}

// randomConfig is configuration i of a random search (and of TPE's start):
// an enqueued one, or a draw of every axis of its model from a generator
// seeded by the search seed and i alone. Every axis is drawn, used or not,
// so the stream, and with it the keys, stay those of earlier versions.
func (s *Spec) randomConfig(i int) configuration {
	if i < len(s.enqueued) {
		return s.enqueued[i]
	}
	m := s.configModel(i)
	rng := rand.New(rand.NewPCG(s.Search.Seed, uint64(i)+1))
	var params []Param
	for _, ax := range s.spaces[m] {
		params = append(params, Param{ax.Name, ax.sample(rng)})
	}
	return configuration{m, canonical(m, params)}
}

// canonical drops the parameters that model m, or the optimizer the
// parameters choose, does not read (see model.Hyper.UsedBy): they would
// change the key and not the trial.
func canonical(m string, params []Param) []Param {
	opt := model.DefaultOptimizer
	for _, p := range params {
		if p.Name == "optimizer" {
			opt = p.Value.(string)
		}
	}
	return slices.DeleteFunc(slices.Clone(params), func(p Param) bool {
		h, _ := model.LookupHyper(p.Name)
		return !h.UsedBy(m, opt)
	})
}

func (s *Spec) newTrial(pos int, m string, params []Param, repeat int) Trial {
	var b strings.Builder
	fmt.Fprintf(&b, "model=%s", m)
	for _, p := range params {
		fmt.Fprintf(&b, ";%s=%s", p.Name, canonicalValue(p.Value))
	}
	// The protocol changes results, so it is part of the configuration.
	fmt.Fprintf(&b, ";epochs=%d;patience=%d;lr_decay=%g", s.Train.Epochs, s.Train.Patience, s.Train.LRDecay)
	// The objective selects each trial's best epoch too; AUC (the default)
	// is left out so that keys from before the monitor existed still match.
	if m := s.Objective.Metric; m != "" && m != "auc" {
		fmt.Fprintf(&b, ";monitor=%s", m)
	}
	config := shortHash(b.String())
	seedHash := sha256.Sum256([]byte(fmt.Sprintf("%d|%s|%d", s.Search.Seed, config, repeat)))
	// 53 bits: exact in JSON, positive in SQLite's signed INTEGER.
	seed := binary.BigEndian.Uint64(seedHash[:8]) & (1<<53 - 1)
	return Trial{
		Position: pos,
		Key:      shortHash(b.String() + ";seed=" + strconv.FormatUint(seed, 10)),
		Config:   config,
		Model:    m,
		Params:   params,
		Seed:     seed,
		Repeat:   repeat,
	}
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:8])
}

// sample draws one value of an axis uniformly (random search).
func (ax Axis) sample(rng *rand.Rand) any {
	if ax.Dist == "" {
		return ax.Values[rng.IntN(len(ax.Values))]
	}
	var f float64
	switch ax.Dist {
	case "uniform":
		f = ax.Low + rng.Float64()*(ax.High-ax.Low)
	case "loguniform":
		f = math.Exp(math.Log(ax.Low) + rng.Float64()*(math.Log(ax.High)-math.Log(ax.Low)))
	case "int":
		f = ax.Low + float64(rng.IntN(int(ax.High-ax.Low)+1))
	}
	return ax.round(f)
}

// round turns a continuous draw f of a distribution axis into the value a
// trial records: snapped to the axis's step, an int for an integer
// hyperparameter, else a float kept to 4 significant digits so that keys
// print, compare and hash the same everywhere. Every sampler ends with it.
func (ax Axis) round(f float64) any {
	if ax.Step > 0 {
		f = ax.Low + math.Round((f-ax.Low)/ax.Step)*ax.Step
		f = math.Min(f, ax.High)
	}
	if h, _ := model.LookupHyper(ax.Name); h.Kind == model.Int {
		return int(math.Round(f))
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 4, 64), 64)
	return r
}

// ModelParams is the model.Params a trial trains with.
func (s *Spec) ModelParams(t Trial) model.Params {
	p := model.Params{
		Model:    t.Model,
		Epochs:   s.Train.Epochs,
		Patience: s.Train.Patience,
		LRDecay:  s.Train.LRDecay,
		Monitor:  s.Objective.Metric,
		Seed:     t.Seed,
	}
	for _, pr := range t.Params {
		h, _ := model.LookupHyper(pr.Name)
		h.Set(&p, pr.Value)
	}
	return p
}

// String prints a trial's parameters as name=value pairs.
func (t Trial) String() string {
	parts := make([]string, len(t.Params))
	for i, p := range t.Params {
		parts[i] = p.Name + "=" + strings.Trim(canonicalValue(p.Value), `"`)
	}
	return strings.Join(parts, " ")
}
