package search

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/attnsweep/attnsweep/pkg/model"
)

// Param is one hyperparameter value of a trial.
type Param struct {
	Name  string
	Value any // float64, int, string or []int
}

// Trial is one planned training run.
type Trial struct {
	Position int    // place in the plan (0-based)
	Key      string // hash of model, canonical parameters and seed
	Config   string // hash of model and parameters: repeats of a configuration share it
	Model    string
	Params   []Param // sorted by name
	Seed     uint64
	Repeat   int
}

// Plan lists the trials of a spec. It depends only on the spec: the same
// spec gives the same trials, keys and seeds on any machine, with any number
// of workers.
func (s *Spec) Plan() []Trial {
	var out []Trial
	add := func(m string, params []Param) {
		for r := 0; r < s.Search.Repeats; r++ {
			out = append(out, s.newTrial(len(out), m, params, r))
		}
	}
	switch s.Search.Method {
	case "random":
		for i := 0; i < s.Search.Trials; i++ {
			m := s.Models[i%len(s.Models)]
			rng := rand.New(rand.NewPCG(s.Search.Seed, uint64(i)+1))
			var params []Param
			for _, ax := range s.spaces[m] {
				params = append(params, Param{ax.Name, ax.sample(rng)})
			}
			add(m, params)
		}
	default: // grid: every combination, the last axis changing fastest
		for _, m := range s.Models {
			sp := s.spaces[m]
			idx := make([]int, len(sp))
			for {
				params := make([]Param, len(sp))
				for i, ax := range sp {
					params[i] = Param{ax.Name, ax.Values[idx[i]]}
				}
				add(m, params)
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
	}
	return out
}

func (s *Spec) newTrial(pos int, m string, params []Param, repeat int) Trial {
	var b strings.Builder
	fmt.Fprintf(&b, "model=%s", m)
	for _, p := range params {
		fmt.Fprintf(&b, ";%s=%s", p.Name, canonical(p.Value))
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
		parts[i] = p.Name + "=" + strings.Trim(canonical(p.Value), `"`)
	}
	return strings.Join(parts, " ")
}
