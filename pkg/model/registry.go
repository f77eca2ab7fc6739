package model

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// This file is the one list of what a sweep can set and measure: the
// hyperparameters (their type, default, range and the models and optimizers
// that read them), the metrics (their direction) and the models' traits.
// pkg/search validates specs and builds trial keys from it, pkg/store builds
// its views from it, pkg/report and the command line read it; nothing else
// keeps a list of its own (registry_test.go checks the derived lists).
//
// Adding a hyperparameter is one Params field, its use in the model, and one
// entry in hyperparams below.

// Kind is the type of a hyperparameter's values.
type Kind int

const (
	Float   Kind = iota // float64
	Int                 // int
	String              // string, one of Hyper.Choices
	Bool                // bool
	IntList             // []int, such as the sizes of an MLP's hidden layers
)

// Hyper describes one hyperparameter.
type Hyper struct {
	Name string // the spec's key, the params table's name, the leaderboard's column
	Kind Kind
	Doc  string // one line for README and --help
	// Default is what WithDefaults puts in a zero field; nil when zero
	// means "the model's or optimizer's own default", which DefaultDoc
	// then describes.
	Default    any
	DefaultDoc string
	// Range of a spec's values: > Min (≥ Min when MinOK), and < Max when
	// Max > 0. Int values must be ≥ 1 (≥ 0 when MinOK: 0 is the model's
	// default); IntList entries ≥ 1.
	Min   float64
	MinOK bool
	Max   float64
	// Choices lists the values of a String hyperparameter.
	Choices []string
	// Models lists the models that read it (nil: every model); Optimizers
	// the optimizers that read it (nil: every optimizer). A trial's
	// parameters that its model or optimizer ignores are dropped before its
	// key is made, so a grid never trains the same model twice.
	Models     []string
	Optimizers []string

	get func(*Params) any
	set func(*Params, any)
}

// Model groups of the registry, by what their networks hold.
var (
	embedModels   = []string{"fm", "dnn", "deepfm", "meanpool", "dot", "din", "bst", "autoint", "autoint+"}
	mlpModels     = []string{"dnn", "deepfm", "meanpool", "dot", "din", "bst", "autoint+"}
	dropoutModels = []string{"dnn", "deepfm", "meanpool", "dot", "din", "bst", "autoint", "autoint+"}
	blockModels   = []string{"bst", "autoint", "autoint+"} // attention blocks: heads, size, layers
	historyModels = []string{"fm", "dnn", "deepfm", "meanpool", "dot", "din", "bst", "autoint", "autoint+"}
	// seqModels read every sequence column (Params.History); autoint and
	// autoint+ read the first as one more token.
	seqModels = []string{"fm", "dnn", "deepfm", "meanpool", "dot", "din", "bst"}
)

// hyperparams are every hyperparameter, in documentation order.
var hyperparams = []Hyper{
	{Name: "lr", Kind: Float, Doc: "learning rate", Default: DefaultLR,
		get: func(p *Params) any { return p.LR }, set: func(p *Params, v any) { p.LR = v.(float64) }},
	{Name: "optimizer", Kind: String, Doc: "the optimizer", Default: DefaultOptimizer, Choices: optimizerNames,
		get: func(p *Params) any { return p.Optimizer }, set: func(p *Params, v any) { p.Optimizer = v.(string) }},
	{Name: "embed_dim", Kind: Int, Doc: "embedding size of every field", Default: DefaultEmbedDim, Models: embedModels,
		get: func(p *Params) any { return p.EmbedDim }, set: func(p *Params, v any) { p.EmbedDim = v.(int) }},
	{Name: "batch_size", Kind: Int, Doc: "rows per training step", Default: DefaultBatchSize,
		get: func(p *Params) any { return p.BatchSize }, set: func(p *Params, v any) { p.BatchSize = v.(int) }},
	{Name: "l2_embedding", Kind: Float, MinOK: true, Doc: "λ/2·‖E‖² over the whole embedding table every batch",
		DefaultDoc: "0",
		get:        func(p *Params) any { return p.L2Embedding }, set: func(p *Params, v any) { p.L2Embedding = v.(float64) }},
	{Name: "l2_dense", Kind: Float, MinOK: true, Doc: "λ/2·‖W‖² over the dense weights", DefaultDoc: "0",
		get: func(p *Params) any { return p.L2Dense }, set: func(p *Params, v any) { p.L2Dense = v.(float64) }},
	{Name: "hidden", Kind: IntList, Doc: "the main MLP's hidden sizes", Default: DefaultHidden, Models: mlpModels,
		get: func(p *Params) any { return p.Hidden }, set: func(p *Params, v any) { p.Hidden = slices.Clone(v.([]int)) }},
	{Name: "dropout", Kind: Float, MinOK: true, Max: 1, Doc: "dropout rate of the MLP (autoint: also of the attention)",
		DefaultDoc: "0", Models: dropoutModels,
		get: func(p *Params) any { return p.Dropout }, set: func(p *Params, v any) { p.Dropout = v.(float64) }},
	{Name: "batch_norm", Kind: Bool, Doc: "BatchNorm after each hidden linear layer", DefaultDoc: "false", Models: mlpModels,
		get: func(p *Params) any { return p.BatchNorm }, set: func(p *Params, v any) { p.BatchNorm = v.(bool) }},
	{Name: "activation", Kind: String, Choices: []string{"relu", "dice"}, Doc: "the MLPs' activation",
		DefaultDoc: "relu (din: dice)", Models: mlpModels,
		get: func(p *Params) any { return p.Activation }, set: func(p *Params, v any) { p.Activation = v.(string) }},
	{Name: "attention_hidden", Kind: IntList, Doc: "DIN's attention MLP sizes", DefaultDoc: "[80, 40]", Models: []string{"din"},
		get: func(p *Params) any { return p.AttentionHidden }, set: func(p *Params, v any) { p.AttentionHidden = slices.Clone(v.([]int)) }},
	{Name: "attention_dim", Kind: Int, MinOK: true, Doc: "attention size, all heads together (dot: project the candidate and the history to it); 0 is the default",
		DefaultDoc: "bst: the history width; autoint: 64; dot: no projection",
		Models:     append([]string{"dot"}, blockModels...),
		get:        func(p *Params) any { return p.AttentionDim }, set: func(p *Params, v any) { p.AttentionDim = v.(int) }},
	{Name: "heads", Kind: Int, Doc: "attention heads", DefaultDoc: "2", Models: blockModels,
		get: func(p *Params) any { return p.Heads }, set: func(p *Params, v any) { p.Heads = v.(int) }},
	{Name: "layers", Kind: Int, Doc: "attention layers (autoint) or Transformer blocks (bst)", DefaultDoc: "bst: 1; autoint: 3",
		Models: blockModels,
		get:    func(p *Params) any { return p.Layers }, set: func(p *Params, v any) { p.Layers = v.(int) }},
	{Name: "din_softmax", Kind: Bool, Doc: "DIN: softmax over the attention scores", DefaultDoc: "false", Models: []string{"din"},
		get: func(p *Params) any { return p.DINSoftmax }, set: func(p *Params, v any) { p.DINSoftmax = v.(bool) }},
	{Name: "history", Kind: String, Choices: []string{"all", "first"},
		Doc:        "sequence columns the history models read: all (each position the concatenation of their embeddings) or the first",
		DefaultDoc: "all", Models: seqModels,
		get: func(p *Params) any { return p.History }, set: func(p *Params, v any) { p.History = v.(string) }},
	{Name: "din_pooling", Kind: String, Choices: []string{"sum", "mean"}, Doc: "DIN: weighted sum or weighted mean of the history",
		DefaultDoc: "sum", Models: []string{"din"},
		get: func(p *Params) any { return p.DINPooling }, set: func(p *Params, v any) { p.DINPooling = v.(string) }},
	{Name: "attention_activation", Kind: String, Choices: []string{"relu", "dice"}, Doc: "DIN's attention MLP activation",
		DefaultDoc: "activation's value (din: dice)", Models: []string{"din"},
		get: func(p *Params) any { return p.AttentionActivation }, set: func(p *Params, v any) { p.AttentionActivation = v.(string) }},
	{Name: "dot_temperature", Kind: Bool, Doc: "dot: learn a scale e^θ of the attention scores (θ starts at 0)", DefaultDoc: "false",
		Models: []string{"dot"},
		get:    func(p *Params) any { return p.DotTemperature }, set: func(p *Params, v any) { p.DotTemperature = v.(bool) }},
	{Name: "embedding_dropout", Kind: Float, MinOK: true, Max: 1, Doc: "dropout rate of the looked-up field and history embeddings",
		DefaultDoc: "0", Models: seqModels,
		get: func(p *Params) any { return p.EmbeddingDropout }, set: func(p *Params, v any) { p.EmbeddingDropout = v.(float64) }},
	{Name: "l2_batch", Kind: Float, MinOK: true,
		Doc:        "mini-batch-aware L2 (DIN): λ·E[j]/n_j on each embedding row j the batch uses, n_j its train rows",
		DefaultDoc: "0", Models: embedModels,
		get: func(p *Params) any { return p.L2Batch }, set: func(p *Params, v any) { p.L2Batch = v.(float64) }},
	{Name: "max_len", Kind: Int, Doc: "use at most this many most recent history items", DefaultDoc: "all the data keeps",
		Models: historyModels,
		get:    func(p *Params) any { return p.MaxLen }, set: func(p *Params, v any) { p.MaxLen = v.(int) }},
	{Name: "momentum", Kind: Float, MinOK: true, Max: 1, Doc: "momentum", DefaultDoc: fmt.Sprint(DefaultMomentum),
		Optimizers: []string{"momentum"},
		get:        func(p *Params) any { return p.Momentum }, set: func(p *Params, v any) { p.Momentum = v.(float64) }},
	{Name: "beta1", Kind: Float, MinOK: true, Max: 1, Doc: "Adam's first-moment decay", DefaultDoc: fmt.Sprint(DefaultBeta1),
		Optimizers: []string{"adam", "adamw"},
		get:        func(p *Params) any { return p.Beta1 }, set: func(p *Params, v any) { p.Beta1 = v.(float64) }},
	{Name: "beta2", Kind: Float, MinOK: true, Max: 1, Doc: "Adam's second-moment decay (rmsprop: its decay)",
		DefaultDoc: fmt.Sprintf("%g (rmsprop: %g)", DefaultBeta2, DefaultRMSDecay), Optimizers: []string{"rmsprop", "adam", "adamw"},
		get: func(p *Params) any { return p.Beta2 }, set: func(p *Params, v any) { p.Beta2 = v.(float64) }},
	{Name: "eps", Kind: Float, Doc: "the optimizer's ε", DefaultDoc: fmt.Sprintf("%g (adagrad: %g)", DefaultAdamEps, DefaultAdagradEps),
		Optimizers: []string{"adagrad", "rmsprop", "adam", "adamw"},
		get:        func(p *Params) any { return p.Eps }, set: func(p *Params, v any) { p.Eps = v.(float64) }},
	{Name: "weight_decay", Kind: Float, MinOK: true, Doc: "adamw's decoupled weight decay", DefaultDoc: fmt.Sprint(DefaultWeightDecay),
		Optimizers: []string{"adamw"},
		get:        func(p *Params) any { return p.WeightDecay }, set: func(p *Params, v any) { p.WeightDecay = v.(float64) }},
	{Name: "max_grad_norm", Kind: Float, MinOK: true, Doc: "rescale each step's gradient to at most this L2 norm (0: no clipping)",
		DefaultDoc: "0",
		get:        func(p *Params) any { return p.MaxGradNorm }, set: func(p *Params, v any) { p.MaxGradNorm = v.(float64) }},
}

// Hyperparams returns every hyperparameter, in documentation order.
func Hyperparams() []Hyper { return slices.Clone(hyperparams) }

// HyperNames returns the hyperparameters' names, in documentation order.
func HyperNames() []string {
	out := make([]string, len(hyperparams))
	for i, h := range hyperparams {
		out[i] = h.Name
	}
	return out
}

// LookupHyper finds a hyperparameter by name.
func LookupHyper(name string) (Hyper, bool) {
	for _, h := range hyperparams {
		if h.Name == name {
			return h, true
		}
	}
	return Hyper{}, false
}

// UsedBy reports whether a trial of model with this optimizer reads h.
func (h Hyper) UsedBy(model, optimizer string) bool {
	if optimizer == "" {
		optimizer = DefaultOptimizer
	}
	return (h.Models == nil || slices.Contains(h.Models, model)) &&
		(h.Optimizers == nil || slices.Contains(h.Optimizers, optimizer))
}

// UsedByModel reports whether some trial of model reads h (with the right
// optimizer, for an optimizer's setting).
func (h Hyper) UsedByModel(model string) bool {
	return h.Models == nil || slices.Contains(h.Models, model)
}

// Set puts v (a value Check returned) into p.
func (h Hyper) Set(p *Params, v any) { h.set(p, v) }

// Get returns h's value in p.
func (h Hyper) Get(p Params) any { return h.get(&p) }

// Check validates one value of h as a spec gives it (a YAML number may be
// any numeric type, a list a []any) and returns it typed: float64, int,
// string, bool or []int.
func (h Hyper) Check(v any) (any, error) {
	switch h.Kind {
	case Float:
		f, ok := Number(v)
		if !ok {
			return nil, fmt.Errorf("%s: want a number, got %v", h.Name, v)
		}
		if err := h.inRange(f); err != nil {
			return nil, err
		}
		return f, nil
	case Int:
		f, ok := Number(v)
		if !ok || f != math.Trunc(f) {
			return nil, fmt.Errorf("%s: want a whole number, got %v", h.Name, v)
		}
		lo := 1.0
		if h.MinOK {
			lo = 0 // an Int that takes 0 for "the model's default"
		}
		if f < lo || f > math.MaxInt32 {
			return nil, fmt.Errorf("%s: must be from %g to %d, got %g", h.Name, lo, math.MaxInt32, f)
		}
		return int(f), nil
	case String:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s: want a name, got %v", h.Name, v)
		}
		if !slices.Contains(h.Choices, s) {
			return nil, fmt.Errorf("%s: unknown value %q (known: %s)", h.Name, s, strings.Join(h.Choices, ", "))
		}
		return s, nil
	case Bool:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("%s: want true or false, got %v", h.Name, v)
		}
		return b, nil
	case IntList:
		return h.checkList(v)
	}
	return nil, fmt.Errorf("%s: unsupported kind %d", h.Name, h.Kind)
}

func (h Hyper) checkList(v any) (any, error) {
	var list []any
	switch x := v.(type) {
	case []any:
		list = x
	case []int:
		for _, n := range x {
			list = append(list, n)
		}
	default:
		return nil, fmt.Errorf("%s: want a list of sizes such as [400, 400], got %v", h.Name, v)
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("%s: want a list of sizes such as [400, 400], got an empty list", h.Name)
	}
	out := make([]int, len(list))
	for i, e := range list {
		f, ok := Number(e)
		if !ok || f != math.Trunc(f) || f < 1 || f > math.MaxInt32 {
			return nil, fmt.Errorf("%s: sizes must be whole numbers from 1 to %d, got %v", h.Name, math.MaxInt32, e)
		}
		out[i] = int(f)
	}
	return out, nil
}

// inRange checks a float value against h's range.
func (h Hyper) inRange(f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("%s: must be a finite number, got %g", h.Name, f)
	}
	if f < h.Min || (f == h.Min && !h.MinOK) {
		op := ">"
		if h.MinOK {
			op = ">="
		}
		return fmt.Errorf("%s: must be %s %g, got %g", h.Name, op, h.Min, f)
	}
	if h.Max > 0 && f >= h.Max {
		return fmt.Errorf("%s: must be < %g, got %g", h.Name, h.Max, f)
	}
	return nil
}

// isZero reports whether v is its type's zero value (an empty list too):
// in Params, zero means "the default".
func isZero(v any) bool {
	switch x := v.(type) {
	case float64:
		return x == 0
	case int:
		return x == 0
	case string:
		return x == ""
	case bool:
		return !x
	case []int:
		return len(x) == 0
	}
	return v == nil
}

// Number returns v as a float64 when it is any Go numeric type (a YAML or
// SQLite number); ok is false otherwise.
func Number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case uint32:
		return float64(x), true
	}
	return 0, false
}

// MetricInfo describes one metric of a split.
type MetricInfo struct {
	Name     string
	Doc      string
	Maximize bool // larger is better
	// Objective: a sweep may optimise it (it is measured on valid after
	// every epoch, so it can pick the best epoch, decay the LR, stop).
	Objective bool
	// Stored: kept per split and phase in the metrics table; the others
	// are derived from stored ones.
	Stored bool
	// Column: the leaderboard view has {train,valid,test}_<name> columns.
	Column bool
	value  func(Metrics) float64
	set    func(*Metrics, float64) // stored metrics only
}

// metrics are every metric, in the leaderboard's column order.
var metrics = []MetricInfo{
	{Name: "auc", Doc: "area under the ROC curve (exact, ties averaged)", Maximize: true, Objective: true, Stored: true, Column: true,
		value: func(m Metrics) float64 { return m.AUC },
		set:   func(m *Metrics, v float64) { m.AUC = v }},
	{Name: "logloss", Doc: "mean binary cross-entropy", Objective: true, Stored: true, Column: true,
		value: func(m Metrics) float64 { return m.LogLoss },
		set:   func(m *Metrics, v float64) { m.LogLoss = v }},
	{Name: "gauc", Doc: "AUC per group, weighted by group size", Maximize: true, Stored: true, Column: true,
		value: func(m Metrics) float64 { return m.GAUC },
		set:   func(m *Metrics, v float64) { m.GAUC = v }},
	{Name: "accuracy", Doc: "accuracy at 0.5", Maximize: true, Stored: true, Column: true,
		value: func(m Metrics) float64 { return m.Accuracy },
		set:   func(m *Metrics, v float64) { m.Accuracy = v }},
	{Name: "f1", Doc: "F1 at 0.5", Maximize: true, Stored: true, Column: true,
		value: func(m Metrics) float64 { return m.F1 },
		set:   func(m *Metrics, v float64) { m.F1 = v }},
	{Name: "mean_pred", Doc: "mean predicted CTR", Stored: true, Column: true,
		value: func(m Metrics) float64 { return m.MeanPred },
		set:   func(m *Metrics, v float64) { m.MeanPred = v }},
	{Name: "mean_label", Doc: "observed CTR", Stored: true, Column: true,
		value: func(m Metrics) float64 { return m.MeanLabel },
		set:   func(m *Metrics, v float64) { m.MeanLabel = v }},
	{Name: "precision", Doc: "precision at 0.5", Maximize: true, Stored: true,
		value: func(m Metrics) float64 { return m.Precision },
		set:   func(m *Metrics, v float64) { m.Precision = v }},
	{Name: "recall", Doc: "recall at 0.5", Maximize: true, Stored: true,
		value: func(m Metrics) float64 { return m.Recall },
		set:   func(m *Metrics, v float64) { m.Recall = v }},
	{Name: "n", Doc: "rows scored", Stored: true,
		value: func(m Metrics) float64 { return float64(m.N) },
		set:   func(m *Metrics, v float64) { m.N = int(v) }},
	{Name: "auc-logloss", Doc: "AUC minus logloss (the monitor of FuxiCTR's example configs)", Maximize: true, Objective: true,
		value: func(m Metrics) float64 { return m.AUC - m.LogLoss }},
}

// MetricInfos returns every metric, in the leaderboard's column order.
func MetricInfos() []MetricInfo { return slices.Clone(metrics) }

// LookupMetric finds a metric by name.
func LookupMetric(name string) (MetricInfo, bool) {
	for _, m := range metrics {
		if m.Name == name {
			return m, true
		}
	}
	return MetricInfo{}, false
}

// ObjectiveNames lists the metrics a sweep may optimise.
func ObjectiveNames() []string {
	var out []string
	for _, m := range metrics {
		if m.Objective {
			out = append(out, m.Name)
		}
	}
	return out
}

// Value is the metric's value in x.
func (mi MetricInfo) Value(x Metrics) float64 { return mi.value(x) }

// MetricsOf rebuilds Metrics from stored values by name (what the metrics
// table holds for one split); names it does not know are ignored, and
// metrics absent from values are NaN (N 0).
func MetricsOf(values map[string]float64) Metrics {
	var m Metrics
	for _, mi := range metrics {
		if mi.set == nil {
			continue
		}
		v, ok := values[mi.Name]
		if !ok {
			v = math.NaN()
			if mi.Name == "n" {
				v = 0
			}
		}
		mi.set(&m, v)
	}
	return m
}

// Oriented is v turned so that larger is better (minimised metrics negated).
func (mi MetricInfo) Oriented(v float64) float64 {
	if mi.Maximize {
		return v
	}
	return -v
}

// Better reports whether a beats b. NaN never beats anything and anything
// that is not NaN beats NaN.
func (mi MetricInfo) Better(a, b float64) bool {
	if math.IsNaN(a) {
		return false
	}
	if math.IsNaN(b) {
		return true
	}
	if mi.Maximize {
		return a > b
	}
	return a < b
}

// Direction is "max" or "min".
func (mi MetricInfo) Direction() string {
	if mi.Maximize {
		return "max"
	}
	return "min"
}

// ModelInfo describes one model.
type ModelInfo struct {
	Name    string
	Doc     string
	Attends bool // computes attention weights (reports show them; the others are baselines)
	// History says how the model uses a sequence column: HistoryNone (never
	// reads one), HistoryOptional (when the data has one), HistoryRequired.
	History string
	build   func(ds *dataset.Dataset, p Params, capacity int) (net, error)
}

// How a model uses the data's history (ModelInfo.History).
const (
	HistoryNone     = "none"
	HistoryOptional = "optional"
	HistoryRequired = "required"
)

// models are every model, in documentation order.
var models = []ModelInfo{
	{Name: "logreg", Doc: "logistic regression", History: HistoryNone,
		build: func(ds *dataset.Dataset, p Params, c int) (net, error) { return newLogReg(ds, p, c) }},
	{Name: "fm", Doc: "factorization machine", History: HistoryOptional,
		build: func(ds *dataset.Dataset, p Params, c int) (net, error) { return newDeep(ds, p, c) }},
	{Name: "dnn", Doc: "MLP over the field embeddings", History: HistoryOptional,
		build: func(ds *dataset.Dataset, p Params, c int) (net, error) { return newDeep(ds, p, c) }},
	{Name: "deepfm", Doc: "fm + dnn on shared embeddings", History: HistoryOptional,
		build: func(ds *dataset.Dataset, p Params, c int) (net, error) { return newDeep(ds, p, c) }},
	{Name: "meanpool", Doc: "dot with the attention replaced by a mean: the no-attention baseline", History: HistoryRequired,
		build: func(ds *dataset.Dataset, p Params, c int) (net, error) { return newDot(ds, p, c) }},
	{Name: "dot", Doc: "dot-product target attention", Attends: true, History: HistoryRequired,
		build: func(ds *dataset.Dataset, p Params, c int) (net, error) { return newDot(ds, p, c) }},
	{Name: "din", Doc: "Deep Interest Network", Attends: true, History: HistoryRequired,
		build: func(ds *dataset.Dataset, p Params, c int) (net, error) { return newDIN(ds, p, c) }},
	{Name: "bst", Doc: "Behavior Sequence Transformer", Attends: true, History: HistoryRequired,
		build: func(ds *dataset.Dataset, p Params, c int) (net, error) { return newBST(ds, p, c) }},
	{Name: "autoint", Doc: "self-attention over the fields", Attends: true, History: HistoryOptional,
		build: func(ds *dataset.Dataset, p Params, c int) (net, error) { return newAutoInt(ds, p, c) }},
	{Name: "autoint+", Doc: "autoint + a parallel MLP", Attends: true, History: HistoryOptional,
		build: func(ds *dataset.Dataset, p Params, c int) (net, error) { return newAutoInt(ds, p, c) }},
}

// Models returns the model names Params.Model accepts, in documentation order.
func Models() []string {
	out := make([]string, len(models))
	for i, m := range models {
		out[i] = m.Name
	}
	return out
}

// ModelInfos returns every model's description, in documentation order.
func ModelInfos() []ModelInfo { return slices.Clone(models) }

// LookupModel finds a model by name.
func LookupModel(name string) (ModelInfo, bool) {
	for _, m := range models {
		if m.Name == name {
			return m, true
		}
	}
	return ModelInfo{}, false
}
