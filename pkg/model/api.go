// Package model holds the CTR models, their layers (forward and backward side
// by side, float32 slices), losses, optimizers, metrics and the training loop.
//
// A trial is one call to Train on one goroutine. Train reads the shared
// dataset.Dataset and never writes it; everything it allocates is its own.
//
// Where things are:
//
//	api.go, params.go        Params (WithDefaults), Metrics, Epoch, Callback, Result
//	train.go                 Train: the epoch loop, early stopping, LR decay, evaluation
//	model.go                 the model registry (Models) and data validation
//	logreg.go, dot.go, mlp.go  the models
//	embedding.go, linear.go, relu.go, mul.go, attention.go, loss.go
//	                         layers: forward and backward side by side
//	gemm.go                  Gemm, the one matrix product (swap faster kernels in here)
//	slab.go                  one parameter slab and one gradient slab per model
//	optimizer.go             sgd, adam (Optimizers)
//	metrics.go               AUC, LogLoss
//	checkpoint.go            the checkpoint encoding, Load, Predictor
package model

import "time"

// Params are the hyperparameters of one trial. Zero values take the defaults
// of DESIGN.md (the BARS settings): see WithDefaults.
type Params struct {
	Model       string  // "logreg", "dot", ...
	Optimizer   string  // "sgd", "adam", ...
	LR          float64 // learning rate
	EmbedDim    int
	BatchSize   int
	L2Embedding float64 // (λ/2)·‖E‖² over the whole embedding table, every batch
	L2Dense     float64 // (λ/2)·‖W‖² over dense weights
	Hidden      []int   // MLP hidden sizes

	Epochs   int     // at most this many epochs
	Patience int     // stop after this many evaluations without improvement
	LRDecay  float64 // multiply LR by this on no improvement

	Seed uint64 // every random choice of the trial derives from it
}

// Metrics of one model on one split.
type Metrics struct {
	N       int     // rows scored
	AUC     float64 // exact, ties averaged; NaN when one class is absent
	LogLoss float64
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
}
