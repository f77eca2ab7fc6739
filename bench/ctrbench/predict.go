package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/attnsweep/attnsweep/pkg/model"
)

// predictResult is the Go side's inference measurement: one JSON line,
// also written to DIR/go.json for bench/torch_predict.py.
type predictResult struct {
	Side          string    `json:"side"`
	Model         string    `json:"model"`
	Threads       int       `json:"threads"`
	Rows          int       `json:"rows"`
	Batch         int       `json:"batch"`
	EncodeSeconds float64   `json:"encode_seconds"` // Parquet → encoded columns (once)
	Seconds       []float64 `json:"seconds"`        // each pass of Predict over all rows, wall time
	CPUSeconds    []float64 `json:"cpu_seconds"`
	RowsPerS      float64   `json:"rows_per_s"` // rows / fastest pass (the machine is shared: the others lost time to other jobs)
	RowsPerCPUS   float64   `json:"rows_per_cpu_s"`
}

// runPredict scores a Parquet file with a model file on one goroutine
// (GOMAXPROCS=1: bench/predict.sh sets it), --repeat passes after one
// warm-up, and exports the encoded rows (all in the test split), the
// model's scores (go_scores.npy) and its result (go.json) into --out for
// bench/torch_predict.py, which scores the same rows with the same weights.
func runPredict(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("predict", flag.ContinueOnError)
	modelPath := fs.String("model", "", "model file (sweep export-model)")
	data := fs.String("data", "", "Parquet file to score")
	out := fs.String("out", "", "folder for the encoded rows, the scores and go.json")
	batch := fs.Int("batch", 1024, "rows per forward pass")
	repeat := fs.Int("repeat", 5, "timed passes over all rows")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the timed passes to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *modelPath == "" || *data == "" || *out == "" {
		return fmt.Errorf("predict: --model, --data and --out are required")
	}
	mf, err := model.ReadModelFile(*modelPath)
	if err != nil {
		return err
	}
	enc, err := mf.Data()
	if err != nil {
		return err
	}
	t0 := time.Now()
	ds, err := enc.Encode([]string{*data})
	if err != nil {
		return err
	}
	encode := time.Since(t0)
	pr, err := mf.Predictor(*batch)
	if err != nil {
		return err
	}
	scores := make([]float32, ds.N)
	pr.Predict(ds, ds.Test, scores) // warm-up: page in the weights and buffers
	r := predictResult{Side: "go", Model: mf.Params.Model, Threads: runtime.GOMAXPROCS(0), Rows: ds.N, Batch: *batch,
		EncodeSeconds: encode.Seconds()}
	stop, err := startProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	for range max(*repeat, 1) {
		t, c := time.Now(), processCPUTime()
		pr.Predict(ds, ds.Test, scores)
		r.Seconds = append(r.Seconds, time.Since(t).Seconds())
		r.CPUSeconds = append(r.CPUSeconds, (processCPUTime() - c).Seconds())
	}
	r.RowsPerS = float64(ds.N) / slices.Min(r.Seconds)
	r.RowsPerCPUS = float64(ds.N) / slices.Min(r.CPUSeconds)
	if err := exportDataset(ds, *out); err != nil {
		return err
	}
	if err := writeNPY(filepath.Join(*out, "go_scores.npy"), scores, len(scores)); err != nil {
		return err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, "go.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
