// Package model holds the CTR models, their layers (forward and backward side
// by side, float32 slices), losses, optimizers, metrics and the training loop.
//
// A trial is one call to Train (or TrainOn, which also takes the extra cores
// a pool lends it: parallel.go). It reads the shared dataset.Dataset and
// never writes it; everything it allocates is its own.
//
// Where things are:
//
//	api.go, params.go        Params (WithDefaults), Metrics, Epoch, Callback, Result
//	train.go                 Train, TrainOn: the epoch loop, early stopping, LR decay,
//	                         what is scored, test scores and attention samples
//	trainer.go               the training step and evaluation over a trial's replicas
//	parallel.go              Cores, slices of a batch and the team that runs them
//	model.go                 the model registry (Models), data validation
//	inputs.go                the shared front end: field ids and embeddings, dense values, history
//	logreg.go                logreg (and wide, the linear part of fm and deepfm)
//	deep.go                  fm, dnn, deepfm
//	dot.go                   dot, meanpool
//	din.go, bst.go, autoint.go  din; bst; autoint, autoint+
//	embedding.go, linear.go, relu.go, mul.go, attention.go, softmax.go, fm.go,
//	batchnorm.go, layernorm.go, dice.go, dropout.go, mlp.go, selfattention.go,
//	transformer.go, loss.go  layers: forward and backward side by side
//	gemm*.go                 Gemm, the one matrix product (owned by the kernel work);
//	                         gemm_small.go: the attention's per-head products on its tiles
//	slab.go                  one parameter slab and one gradient slab per model
//	optimizer.go             sgd, momentum, adagrad, rmsprop, adam, adamw (Optimizers)
//	metrics.go               AUC, GAUC, LogLoss, Threshold, Calibration, Compute
//	checkpoint.go            the checkpoint encoding, Load, Predictor
//
// Models (Params fields that are zero take the defaults named here). The
// fields f are the categorical columns and the pooled columns
// (Schema.Pooled): a pooled field's vector is the mean of its list items'
// embeddings (0 for an empty list), in logreg the mean of their weights.
//
//	logreg    Σ_f w_f[id] + c·dense + b
//	fm        logreg + ½Σ((Σ_f v_f)² − Σ_f v_f²) over the fields (and the mean-pooled history)
//	dnn       MLP(fields, mean-pooled history, dense)
//	deepfm    fm + dnn on shared embeddings
//	meanpool  dot with uniform weights over the history: the no-attention baseline
//	dot       dot-product target attention, MLP(fields, dense, u, v⊙u)
//	din       DIN: attention MLP (AttentionHidden [80, 40], Activation dice), DINSoftmax,
//	          MLP(fields, dense, u)
//	bst       Layers (1) Transformer blocks over [history, candidate] with position
//	          embeddings, Heads (2), AttentionDim (EmbedDim); MLP(fields, dense, candidate output)
//	autoint   Layers (3) of self-attention over the field, dense and history tokens,
//	          Heads (2), AttentionDim (64), residual, ReLU; flatten → logit
//	autoint+  autoint + a parallel MLP, logits summed
//
// Every MLP takes Hidden ([400, 400, 400]), BatchNorm, Dropout and
// Activation (relu, dice for din). Optimizers: see optimizer.go; zero
// Momentum, Beta1, Beta2, Eps, WeightDecay take the Default* constants.
package model

import "time"

// Params are the hyperparameters of one trial. Zero values take the defaults
// of the BARS protocol (docs/ARCHITECTURE.md): see WithDefaults.
type Params struct {
	Model       string  // "logreg", "dot", ...
	Optimizer   string  // "sgd", "adam", ...
	LR          float64 // learning rate
	EmbedDim    int
	BatchSize   int
	L2Embedding float64 // (λ/2)·‖E‖² over the whole embedding table, every batch
	L2Dense     float64 // (λ/2)·‖W‖² over dense weights
	Hidden      []int   // MLP hidden sizes

	// Layers and models (zero: the model's default).
	Dropout         float64 // MLP dropout rate (training only); autoint(+) also drops attention weights and outputs
	BatchNorm       bool    // BatchNorm after each hidden linear layer
	Activation      string  // "relu" or "dice"
	AttentionHidden []int   // DIN's attention MLP hidden sizes
	AttentionDim    int     // AutoInt/BST attention size (all heads together); dot: query/key projection size
	Heads           int     // attention heads
	Layers          int     // attention layers (AutoInt) or Transformer blocks (BST)
	DINSoftmax      bool    // DIN: softmax over attention scores
	MaxLen          int     // use at most this many most recent history items (≤ the data's)

	// History says which sequence columns the history models read: "all"
	// (the default, "" too): every sequence column, each position the
	// concatenation of its items' embeddings (DIN/DIEN's item ⊕ category);
	// "first": the first sequence column only.
	History string
	// DINPooling: "sum" (the default: u = Σ w_j·e_j, DIN) or "mean"
	// (u = (1/len)·Σ w_j·e_j).
	DINPooling string
	// AttentionActivation is DIN's attention-MLP activation, "relu" or
	// "dice"; "" takes Activation (whose din default is dice).
	AttentionActivation string
	// DotTemperature: dot learns a scale of its scores, a_j = e^θ·q·k_j/√A
	// with θ starting at 0.
	DotTemperature bool
	// EmbeddingDropout is an inverted-dropout rate on the looked-up field
	// and history embeddings (training only).
	EmbeddingDropout float64
	// L2Batch is the DIN paper's mini-batch-aware L2: each embedding row the
	// batch uses gets the gradient L2Batch·E[j]/n_j, n_j the number of train
	// rows that use row j; rows the batch does not use get nothing.
	L2Batch float64

	// Optimizer settings (zero: the optimizer's default).
	Momentum    float64
	Beta1       float64
	Beta2       float64
	Eps         float64
	WeightDecay float64 // adamw decoupled weight decay

	// MaxGradNorm, when > 0, rescales each step's gradient (data loss and
	// L2 terms, all trainable parameters together) so that its L2 norm is at
	// most this, as PyTorch's clip_grad_norm_; FuxiCTR, which produced the
	// BARS figures, clips at 10 on every step. 0: no clipping.
	MaxGradNorm float64

	Epochs   int     // at most this many epochs
	Patience int     // stop after this many evaluations without improvement
	LRDecay  float64 // multiply LR by this on no improvement
	// Monitor is the valid-split value that selects the best epoch, decays
	// the learning rate and stops training: "auc" (default), "logloss", or
	// "auc-logloss" (AUC minus logloss, maximised: the monitor of FuxiCTR's
	// example configs, which stops a model whose AUC creeps up while its
	// logloss worsens; the BARS Frappe runs monitor AUC).
	Monitor string

	Seed uint64 // every random choice of the trial derives from it
}

// Metrics of one model on one split.
type Metrics struct {
	N       int     // rows scored
	AUC     float64 // exact, ties averaged; NaN when one class is absent
	LogLoss float64

	GAUC      float64 // AUC per group weighted by group size over groups with both labels; NaN without groups
	Accuracy  float64 // at threshold 0.5
	Precision float64
	Recall    float64
	F1        float64
	MeanPred  float64 // mean predicted CTR
	MeanLabel float64 // observed CTR

	Calibration []Bucket // deciles of the predicted CTR; nil when not computed
}

// Bucket is one calibration bucket: rows whose prediction falls in it.
type Bucket struct {
	N         int
	MeanPred  float64
	MeanLabel float64
}

// Epoch is what Train reports after each epoch.
type Epoch struct {
	Epoch     int           // 1-based
	TrainLoss float64       // mean training loss over the epoch (data term only)
	LR        float64       // learning rate used in this epoch
	Valid     Metrics       // validation metrics after the epoch
	Elapsed   time.Duration // since Train started
}

// Callback receives every epoch; returning false stops the trial (for
// example when a scheduler prunes it). Train then still returns the result
// of the best epoch so far with Result.Stopped set.
type Callback func(Epoch) bool

// Result of a finished trial.
type Result struct {
	Epochs     []Epoch            // the learning curve
	BestEpoch  int                // epoch whose checkpoint was restored
	Before     map[string]Metrics // per split, the untrained model
	Final      map[string]Metrics // per split ("train", "valid", "test"), best checkpoint
	Stopped    bool               // the callback stopped the trial
	Checkpoint []byte             // the best weights, loadable with Load

	// TestScores are the best checkpoint's predictions for ds.Test, in that
	// order: reports use them for paired bootstraps and per-group metrics.
	TestScores []float32
	// Attention holds attention weights of the best checkpoint for a fixed
	// set of validation rows (models with attention only).
	Attention []AttentionSample
}

// AttentionSample is what a model attends to for one row.
type AttentionSample struct {
	Row     int32 // dataset row (in ds.Valid)
	Label   float32
	Score   float32     // predicted probability
	Items   []int32     // history item ids (encoded), most recent first; for AutoInt the field names' order
	Weights [][]float32 // [head or layer][position]: weights over Items (BST: over history and target)
}
