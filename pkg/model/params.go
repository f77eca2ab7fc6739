package model

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Defaults of zero Params fields: the BARS protocol (docs/ARCHITECTURE.md, "Reference results").
const (
	DefaultOptimizer = "adam"
	DefaultLR        = 1e-3
	DefaultEmbedDim  = 10
	DefaultBatchSize = 4096
	DefaultEpochs    = 100
	DefaultPatience  = 2
	DefaultLRDecay   = 0.1
)

// DefaultHidden are the MLP hidden sizes used when Params.Hidden is nil.
var DefaultHidden = []int{400, 400, 400}

// WithDefaults returns p with every zero field that has a default in the
// registry (registry.go) set to it: Optimizer "adam", LR 1e-3, EmbedDim 10,
// BatchSize 4096, Hidden [400, 400, 400]; and the protocol's Epochs 100,
// Patience 2, LRDecay 0.1, Monitor "auc". The L2 weights and Seed have no
// default (0 is a valid L2 weight and seed).
//
// Hidden is defaulted only when nil: a non-nil empty slice means "no hidden
// layer" (the MLP is then a single linear layer). The returned Hidden and
// AttentionHidden are copies, never shared with p.
//
// The other model and optimizer settings (Dropout … MaxLen, Momentum …
// WeightDecay) stay zero here: zero means "the model's or optimizer's
// default", resolved where they are built (see each model's doc and the
// Default* constants), so that a checkpoint records what the user asked for.
func (p Params) WithDefaults() Params {
	p.Hidden = slices.Clone(p.Hidden) // nil stays nil, empty stays empty
	p.AttentionHidden = slices.Clone(p.AttentionHidden)
	for _, h := range hyperparams {
		v := h.get(&p)
		if h.Default == nil || (h.Kind == IntList && v.([]int) != nil) || (h.Kind != IntList && !isZero(v)) {
			continue
		}
		if h.Kind == IntList {
			h.set(&p, slices.Clone(h.Default.([]int)))
		} else {
			h.set(&p, h.Default)
		}
	}
	if p.Epochs == 0 {
		p.Epochs = DefaultEpochs
	}
	if p.Patience == 0 {
		p.Patience = DefaultPatience
	}
	if p.LRDecay == 0 {
		p.LRDecay = DefaultLRDecay
	}
	if p.Monitor == "" {
		p.Monitor = "auc"
	}
	return p
}

// Validate reports the first invalid field of p, after WithDefaults: every
// hyperparameter that is set must pass its registry check (zero means the
// default), the protocol must make sense, and the attention size must split
// evenly over the heads.
func (p Params) Validate() error {
	p = p.WithDefaults()
	if _, ok := LookupModel(p.Model); !ok {
		return fmt.Errorf("model: unknown model %q (known: %s)", p.Model, strings.Join(Models(), ", "))
	}
	return p.validate()
}

// validate is Validate on already-defaulted params.
func (p Params) validate() error {
	for _, h := range hyperparams {
		v := h.get(&p)
		if isZero(v) {
			continue
		}
		if _, err := h.Check(v); err != nil {
			return fmt.Errorf("model: params: %w", err)
		}
	}
	bad := func(name string, v any, want string) error {
		return fmt.Errorf("model: params: %s %v, want %s", name, v, want)
	}
	switch {
	case p.Epochs < 1:
		return bad("epochs", p.Epochs, "≥ 1")
	case p.Patience < 1:
		return bad("patience", p.Patience, "≥ 1")
	case !(p.LRDecay > 0) || math.IsInf(p.LRDecay, 0):
		return bad("lr decay", p.LRDecay, "> 0")
	}
	if mi, ok := LookupMetric(p.Monitor); !ok || !mi.Objective {
		return fmt.Errorf("model: unknown monitor %q (known: %s)", p.Monitor, strings.Join(ObjectiveNames(), ", "))
	}
	if a, h := p.attentionShape(); h > 0 && a%h != 0 {
		return fmt.Errorf("model: params: %s: attention_dim %d is not a multiple of heads %d", p.Model, a, h)
	}
	return nil
}

// attentionShape is the attention size and head count p's model uses after
// its own defaults (0, 0 for a model without attention blocks).
func (p Params) attentionShape() (dim, heads int) {
	switch p.Model {
	case "bst":
		// Its default size is a history position's width, which depends on
		// the data's sequence columns: newBST checks that one.
		if p.AttentionDim == 0 {
			return 0, 0
		}
		return p.AttentionDim, orInt(p.Heads, 2)
	case "autoint", "autoint+":
		return orInt(p.AttentionDim, 64), orInt(p.Heads, 2)
	}
	return 0, 0
}

// Monitors lists the values Params.Monitor accepts.
func Monitors() []string { return ObjectiveNames() }

// MonitorValue is m's value under monitor, oriented so that larger is
// better (logloss is negated). NaN stays NaN.
func MonitorValue(monitor string, m Metrics) float64 {
	mi, ok := LookupMetric(monitor)
	if !ok {
		mi, _ = LookupMetric("auc")
	}
	return mi.Oriented(mi.Value(m))
}
