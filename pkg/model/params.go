package model

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Defaults of zero Params fields: the BARS protocol of DESIGN.md.
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

// WithDefaults returns p with every zero field set to its default:
// Optimizer "adam", LR 1e-3, EmbedDim 10, BatchSize 4096, Hidden
// [400, 400, 400], Epochs 100, Patience 2, LRDecay 0.1. Model, the L2
// weights and Seed have no default (0 is a valid L2 weight and seed).
//
// Hidden is defaulted only when nil: a non-nil empty slice means "no hidden
// layer" (the MLP is then a single linear layer). The returned Hidden and
// AttentionHidden are copies, never shared with p.
//
// The model and optimizer settings (Dropout … MaxLen, Momentum …
// WeightDecay) stay zero here: zero means "the model's or optimizer's
// default", resolved where they are built (see each model's doc and the
// Default* constants), so that a checkpoint records what the user asked for.
func (p Params) WithDefaults() Params {
	if p.Optimizer == "" {
		p.Optimizer = DefaultOptimizer
	}
	if p.LR == 0 {
		p.LR = DefaultLR
	}
	if p.EmbedDim == 0 {
		p.EmbedDim = DefaultEmbedDim
	}
	if p.BatchSize == 0 {
		p.BatchSize = DefaultBatchSize
	}
	if p.Hidden == nil {
		p.Hidden = slices.Clone(DefaultHidden)
	} else {
		p.Hidden = append([]int{}, p.Hidden...)
	}
	if p.AttentionHidden != nil {
		p.AttentionHidden = append([]int{}, p.AttentionHidden...)
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

// validate reports the first out-of-range field of already-defaulted params.
func (p Params) validate() error {
	bad := func(name string, v any, want string) error {
		return fmt.Errorf("model: params: %s %v, want %s", name, v, want)
	}
	finitePos := func(x float64) bool { return x > 0 && !math.IsInf(x, 0) }
	switch {
	case !finitePos(p.LR):
		return bad("lr", p.LR, "> 0")
	case p.EmbedDim < 1:
		return bad("embed dim", p.EmbedDim, "≥ 1")
	case p.BatchSize < 1:
		return bad("batch size", p.BatchSize, "≥ 1")
	case p.Epochs < 1:
		return bad("epochs", p.Epochs, "≥ 1")
	case p.Patience < 1:
		return bad("patience", p.Patience, "≥ 1")
	case !finitePos(p.LRDecay):
		return bad("lr decay", p.LRDecay, "> 0")
	case !slices.Contains(Monitors(), p.Monitor):
		return fmt.Errorf("model: unknown monitor %q (known: %s)", p.Monitor, strings.Join(Monitors(), ", "))
	case !(p.L2Embedding >= 0) || math.IsInf(p.L2Embedding, 0):
		return bad("l2 embedding", p.L2Embedding, "≥ 0")
	case !(p.L2Dense >= 0) || math.IsInf(p.L2Dense, 0):
		return bad("l2 dense", p.L2Dense, "≥ 0")
	case !(p.MaxGradNorm >= 0) || math.IsInf(p.MaxGradNorm, 0):
		return bad("max grad norm", p.MaxGradNorm, "≥ 0 (0: no clipping)")
	}
	for i, h := range p.Hidden {
		if h < 1 {
			return bad(fmt.Sprintf("hidden[%d]", i), h, "≥ 1")
		}
	}
	for i, h := range p.AttentionHidden {
		if h < 1 {
			return bad(fmt.Sprintf("attention hidden[%d]", i), h, "≥ 1")
		}
	}
	unit := func(x float64) bool { return x >= 0 && x < 1 }
	switch {
	case !unit(p.Dropout):
		return bad("dropout", p.Dropout, "in [0, 1)")
	case p.Activation != "" && p.Activation != "relu" && p.Activation != "dice":
		return bad("activation", fmt.Sprintf("%q", p.Activation), `"relu" or "dice"`)
	case p.AttentionDim < 0:
		return bad("attention dim", p.AttentionDim, "≥ 0")
	case p.Heads < 0:
		return bad("heads", p.Heads, "≥ 0")
	case p.Layers < 0:
		return bad("layers", p.Layers, "≥ 0")
	case p.MaxLen < 0:
		return bad("max len", p.MaxLen, "≥ 0")
	case !unit(p.Momentum):
		return bad("momentum", p.Momentum, "in [0, 1)")
	case !unit(p.Beta1):
		return bad("beta1", p.Beta1, "in [0, 1)")
	case !unit(p.Beta2):
		return bad("beta2", p.Beta2, "in [0, 1)")
	case !(p.Eps >= 0) || math.IsInf(p.Eps, 0):
		return bad("eps", p.Eps, "≥ 0")
	case !(p.WeightDecay >= 0) || math.IsInf(p.WeightDecay, 0):
		return bad("weight decay", p.WeightDecay, "≥ 0")
	}
	return nil
}

// Monitors lists the values Params.Monitor accepts.
func Monitors() []string { return []string{"auc", "logloss", "auc-logloss"} }

// MonitorValue is m's value under monitor, oriented so that larger is
// better (logloss is negated). NaN stays NaN.
func MonitorValue(monitor string, m Metrics) float64 {
	switch monitor {
	case "logloss":
		return -m.LogLoss
	case "auc-logloss":
		return m.AUC - m.LogLoss
	}
	return m.AUC
}
