// Command ctrbench is the Go side of the speed comparison in bench/ (see
// bench/README.md): it trains one model with model.Train on one goroutine
// and prints what it measured as one JSON line, exports the encoded data as
// .npy files for bench/torch_ctr.py, and prints the comparison table.
//
//	ctrbench export --frappe DIR | --path F.parquet  --out DIR
//	ctrbench train  --frappe DIR | --path F.parquet  --model NAME [--batch N --emb D --epochs E ...]
//	ctrbench table  RESULTS.jsonl
//	ctrbench predict --model M.safetensors --data F.parquet --out DIR [--batch N --repeat R]
//	ctrbench models
//
// Run it with GOMAXPROCS=1: bench/run.sh does.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/attnsweep/attnsweep/pkg/dataset"
	"github.com/attnsweep/attnsweep/pkg/model"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ctrbench export|train|table|predict|models [flags]; see bench/README.md")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "export":
		err = runExport(os.Args[2:])
	case "train":
		err = runTrain(os.Args[2:], os.Stdout)
	case "table":
		err = runTable(os.Args[2:], os.Stdout)
	case "predict":
		err = runPredict(os.Args[2:], os.Stdout)
	case "models":
		fmt.Println(strings.Join(model.Models(), " "))
	default:
		err = fmt.Errorf("unknown verb %q (want export, train, table, predict or models)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ctrbench:", err)
		os.Exit(1)
	}
}

// dataFlags say where the data comes from.
type dataFlags struct {
	frappe    string // folder with train/valid/test.parquet
	path      string // one file, split 0.7/0.15/0.15
	splitSeed uint64
}

func (d *dataFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.frappe, "frappe", "", "folder holding train.parquet, valid.parquet and test.parquet")
	fs.StringVar(&d.path, "path", "", "one Parquet file, split 0.7/0.15/0.15 with --split-seed")
	fs.Uint64Var(&d.splitSeed, "split-seed", 2021, "seed of the split of --path")
}

func (d *dataFlags) load() (*dataset.Dataset, error) {
	var src dataset.Source
	switch {
	case d.frappe != "" && d.path != "":
		return nil, fmt.Errorf("give --frappe or --path, not both")
	case d.frappe != "":
		src.Train = []string{filepath.Join(d.frappe, "train.parquet")}
		src.Valid = []string{filepath.Join(d.frappe, "valid.parquet")}
		src.Test = []string{filepath.Join(d.frappe, "test.parquet")}
	case d.path != "":
		src.Paths = []string{d.path}
		src.Seed = d.splitSeed
	default:
		return nil, fmt.Errorf("no data: give --frappe DIR or --path F.parquet")
	}
	return dataset.Load(src, dataset.Columns{})
}

// meta is meta.json of an export: what torch_ctr.py needs to rebuild the
// inputs exactly as pkg/model sees them.
type meta struct {
	Rows   int         `json:"rows"`
	Fields []metaField `json:"fields"` // categorical, in Schema order (cat.npy rows)
	Dense  []string    `json:"dense"`  // dense.npy columns
	Seq    *metaSeq    `json:"seq"`    // the first sequence column, or null
	Seqs   []metaSeq   `json:"seqs"`   // every sequence column: seq_ids.npy, then seq1_ids.npy, …
	Splits [3]int      `json:"splits"` // rows of train, valid, test
}

type metaField struct {
	Name  string `json:"name"`
	Vocab int    `json:"vocab"`
}

type metaSeq struct {
	Name        string `json:"name"`
	TargetField int    `json:"target_field"` // index into fields
	MaxLen      int    `json:"max_len"`
}

// runExport writes the encoded data set (ids after the vocabularies,
// standardised dense values, histories, labels, split row lists) as .npy
// files with a meta.json into --out.
func runExport(args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	var d dataFlags
	d.register(fs)
	out := fs.String("out", "", "folder to write the .npy files and meta.json into")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("export: --out is required")
	}
	ds, err := d.load()
	if err != nil {
		return err
	}
	return exportDataset(ds, *out)
}

// exportDataset writes ds's encoded columns and split row lists as .npy
// files with a meta.json into folder out.
func exportDataset(ds *dataset.Dataset, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	n, sc := ds.N, ds.Schema
	m := meta{Rows: n, Dense: sc.Dense, Splits: [3]int{len(ds.Train), len(ds.Valid), len(ds.Test)}}
	cat := make([]int32, 0, len(ds.Cat)*n)
	for f, col := range ds.Cat {
		m.Fields = append(m.Fields, metaField{Name: sc.Categorical[f].Name, Vocab: sc.Categorical[f].Vocab})
		cat = append(cat, col...)
	}
	dense := make([]float32, n*len(ds.Dense))
	for k, col := range ds.Dense {
		for r, v := range col {
			dense[r*len(ds.Dense)+k] = v
		}
	}
	files := []struct {
		name  string
		data  any
		shape []int
	}{
		{"label.npy", ds.Label, []int{n}},
		{"cat.npy", cat, []int{len(ds.Cat), n}},
		{"dense.npy", dense, []int{n, len(ds.Dense)}},
		{"train.npy", ds.Train, []int{len(ds.Train)}},
		{"valid.npy", ds.Valid, []int{len(ds.Valid)}},
		{"test.npy", ds.Test, []int{len(ds.Test)}},
	}
	for k, sq := range ds.Seq {
		sd := sc.Sequences[k]
		ms := metaSeq{Name: sd.Name, TargetField: sd.Field, MaxLen: sq.MaxLen}
		m.Seqs = append(m.Seqs, ms)
		if k == 0 {
			m.Seq = &ms
		}
		prefix := "seq"
		if k > 0 {
			prefix = fmt.Sprintf("seq%d", k)
		}
		files = append(files,
			struct {
				name  string
				data  any
				shape []int
			}{prefix + "_ids.npy", sq.IDs, []int{n, sq.MaxLen}},
			struct {
				name  string
				data  any
				shape []int
			}{prefix + "_len.npy", sq.Len, []int{n}})
	}
	for _, f := range files {
		if err := writeNPY(filepath.Join(out, f.name), f.data, f.shape...); err != nil {
			return err
		}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "meta.json"), append(b, '\n'), 0o644)
}

// result is one side's measurement of one model: one JSON line.
type result struct {
	Side         string    `json:"side"` // "go" or "torch"
	Model        string    `json:"model"`
	Seed         uint64    `json:"seed"`
	Kernel       string    `json:"kernel,omitempty"` // Go: the GEMM path (ATTNSWEEP_GEMM)
	Threads      int       `json:"threads"`
	Batch        int       `json:"batch"`
	Emb          int       `json:"emb"`
	Epochs       int       `json:"epochs"`
	TrainRows    int       `json:"train_rows"`
	EpochSeconds []float64 `json:"epoch_seconds"` // training only, per epoch, wall time
	SamplesPerS  float64   `json:"samples_per_s"` // train rows / median epoch time, epochs 2..E
	// The same over the process's CPU time (user + system), which leaves
	// out the time spent waiting for a core on a shared machine.
	EpochCPUSeconds []float64 `json:"epoch_cpu_seconds"`
	SamplesPerCPUS  float64   `json:"samples_per_cpu_s"`
	ValidAUC        []float64 `json:"valid_auc"` // after each epoch
	BestEpoch       int       `json:"best_epoch"`
	TestAUC         float64   `json:"test_auc"` // best checkpoint
	TestLogLoss     float64   `json:"test_logloss"`
}

// modelFlags are the training settings both sides take by the same names.
type modelFlags struct {
	model    string
	batch    int
	emb      int
	epochs   int
	lr       float64
	l2e, l2d float64
	hidden   string
	bn       bool
	dropout  float64
	seed     uint64
}

func (m *modelFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.model, "model", "", "model name (see model.Models)")
	fs.IntVar(&m.batch, "batch", 4096, "batch size")
	fs.IntVar(&m.emb, "emb", 10, "embedding dimension")
	fs.IntVar(&m.epochs, "epochs", 3, "epochs (at least 2: the first is not timed)")
	fs.Float64Var(&m.lr, "lr", 1e-3, "Adam learning rate")
	fs.Float64Var(&m.l2e, "l2e", 0, "L2 on the embedding tables, (λ/2)·‖E‖² every batch")
	fs.Float64Var(&m.l2d, "l2d", 0, "L2 on the dense weights")
	fs.StringVar(&m.hidden, "hidden", "400,400,400", "MLP hidden sizes, comma separated")
	fs.BoolVar(&m.bn, "bn", false, "BatchNorm in the MLP")
	fs.Float64Var(&m.dropout, "dropout", 0, "MLP dropout rate")
	fs.Uint64Var(&m.seed, "seed", 1, "trial seed")
}

func (m *modelFlags) params() (model.Params, error) {
	var hidden []int
	for _, s := range strings.Split(m.hidden, ",") {
		h, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return model.Params{}, fmt.Errorf("--hidden %q: %w", m.hidden, err)
		}
		hidden = append(hidden, h)
	}
	if m.epochs < 2 {
		return model.Params{}, fmt.Errorf("--epochs %d: want at least 2 (the first epoch is not timed)", m.epochs)
	}
	return model.Params{
		Model: m.model, Optimizer: "adam", LR: m.lr, EmbedDim: m.emb, BatchSize: m.batch,
		L2Embedding: m.l2e, L2Dense: m.l2d, Hidden: hidden, BatchNorm: m.bn, Dropout: m.dropout,
		Epochs: m.epochs, Patience: m.epochs + 1, LRDecay: 0.1, Seed: m.seed,
	}, nil
}

// runTrain trains one model and prints its result line.
//
// Timing: model.Train calls back after each epoch, once the epoch's
// training and its validation pass are done. The time between two
// call-backs, less one validation pass (timed afterwards on the restored
// model: Predict, AUC and log loss over the valid rows, best of 3), is the
// epoch's training time. Epoch 1 also holds Train's scoring of the untrained
// model on every split, so samples/s uses epochs 2..E.
func runTrain(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	var d dataFlags
	var mf modelFlags
	d.register(fs)
	mf.register(fs)
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the training to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	p, err := mf.params()
	if err != nil {
		return err
	}
	ds, err := d.load()
	if err != nil {
		return err
	}
	stop, err := startProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	var marks []time.Time
	var cpuMarks []time.Duration
	var valid []float64
	start, cpuStart := time.Now(), processCPUTime()
	res, err := model.Train(context.Background(), ds, p, func(e model.Epoch) bool {
		marks = append(marks, time.Now())
		cpuMarks = append(cpuMarks, processCPUTime())
		valid = append(valid, e.Valid.AUC)
		fmt.Fprintf(os.Stderr, "go %s: epoch %d valid AUC %.4f (%.1fs)\n", p.Model, e.Epoch, e.Valid.AUC, time.Since(start).Seconds())
		return true
	})
	if err != nil {
		return err
	}
	evalTime, evalCPU, err := timeValidPass(res.Checkpoint, ds)
	if err != nil {
		return err
	}
	r := result{
		Side: "go", Model: p.Model, Seed: p.Seed, Kernel: gemmPath(), Threads: runtime.GOMAXPROCS(0),
		Batch: p.BatchSize, Emb: p.EmbedDim, Epochs: len(marks), TrainRows: len(ds.Train),
		ValidAUC: valid, BestEpoch: res.BestEpoch,
		TestAUC: res.Final["test"].AUC, TestLogLoss: res.Final["test"].LogLoss,
	}
	prev := start
	for _, t := range marks {
		r.EpochSeconds = append(r.EpochSeconds, max(t.Sub(prev)-evalTime, 0).Seconds())
		prev = t
	}
	prevCPU := cpuStart
	for _, t := range cpuMarks {
		r.EpochCPUSeconds = append(r.EpochCPUSeconds, max(t-prevCPU-evalCPU, 0).Seconds())
		prevCPU = t
	}
	if len(r.EpochSeconds) >= 2 {
		r.SamplesPerS = float64(len(ds.Train)) / median(r.EpochSeconds[1:])
		r.SamplesPerCPUS = float64(len(ds.Train)) / median(r.EpochCPUSeconds[1:])
	}
	return json.NewEncoder(w).Encode(r)
}

// timeValidPass times what Train does after each epoch: score the valid
// rows and compute their metrics with model.Compute (best of 3, in wall and
// in CPU time).
func timeValidPass(ckpt []byte, ds *dataset.Dataset) (wall, cpu time.Duration, err error) {
	pr, err := model.Load(ckpt, ds)
	if err != nil {
		return 0, 0, err
	}
	out := make([]float32, len(ds.Valid))
	labels := make([]float32, len(ds.Valid))
	var groups []int32
	if ds.Group != nil {
		groups = make([]int32, len(ds.Valid))
	}
	wall, cpu = time.Duration(1<<63-1), time.Duration(1<<63-1)
	for range 3 {
		t, c := time.Now(), processCPUTime()
		pr.Predict(ds, ds.Valid, out)
		for i, r := range ds.Valid {
			labels[i] = ds.Label[r]
			if groups != nil {
				groups[i] = ds.Group[r]
			}
		}
		_ = model.Compute(out, labels, groups)
		wall, cpu = min(wall, time.Since(t)), min(cpu, processCPUTime()-c)
	}
	return wall, cpu, nil
}

// gemmPath names the GEMM kernel the process uses, as far as the
// environment says (the assembly kernel unless ATTNSWEEP_GEMM=portable, on
// CPUs with AVX2 and FMA).
func gemmPath() string {
	if os.Getenv("ATTNSWEEP_GEMM") == "portable" {
		return "portable"
	}
	return "default"
}

func median(x []float64) float64 {
	s := slices.Clone(x)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// runTable reads result lines (both sides, any order, possibly several runs
// of each) and prints one markdown row per model: the best samples/s of
// each side, their ratio, and the test AUCs with their difference.
func runTable(args []string, w io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("table: want one RESULTS.jsonl")
	}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	return writeTable(f, args[0], w)
}

// side is what the table keeps of one side of one model: its fastest run
// and the test AUC of each seed.
type side struct {
	fastest *result
	auc     map[uint64]float64
}

// writeTable reads result lines and writes the markdown table. With repeated
// runs (REPEAT in run.sh) the fastest run of each side gives the speed: on a
// shared machine the others lost time to other jobs. With several seeds
// (SEEDS) each side's AUC is the mean over its seeds, shown with its standard
// deviation: one seed's AUC moves by a few thousandths with the random start,
// as much as the 0.003 the two sides must agree within.
func writeTable(r io.Reader, name string, w io.Writer) error {
	type pair struct{ goS, torchS side }
	rows := map[string]*pair{}
	var order []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var res result
		if err := json.Unmarshal([]byte(line), &res); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if rows[res.Model] == nil {
			rows[res.Model] = &pair{goS: side{auc: map[uint64]float64{}}, torchS: side{auc: map[uint64]float64{}}}
			order = append(order, res.Model)
		}
		s := &rows[res.Model].torchS
		if res.Side == "go" {
			s = &rows[res.Model].goS
		}
		if s.fastest == nil || res.SamplesPerS > s.fastest.SamplesPerS {
			s.fastest = &res
		}
		s.auc[res.Seed] = res.TestAUC // a repeat of a seed gives the same AUC
	}
	if err := sc.Err(); err != nil {
		return err
	}
	fmt.Fprintln(w, "| model | batch | emb | epochs | attnsweep samples/s | PyTorch samples/s | ratio | ratio on CPU time | attnsweep test AUC | PyTorch test AUC | ΔAUC |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, m := range order {
		p := rows[m]
		g, t := p.goS.fastest, p.torchS.fastest
		sps := func(r *result) string {
			if r == nil {
				return "—"
			}
			return fmt.Sprintf("%.0f", r.SamplesPerS)
		}
		gMean, gCell := aucCell(p.goS.auc)
		tMean, tCell := aucCell(p.torchS.auc)
		ratio, cpuRatio, dauc := "—", "—", "—"
		if g != nil && t != nil {
			ratio = fmt.Sprintf("%.2f×", g.SamplesPerS/t.SamplesPerS)
			dauc = fmt.Sprintf("%+.4f", gMean-tMean)
			if g.SamplesPerCPUS > 0 && t.SamplesPerCPUS > 0 {
				cpuRatio = fmt.Sprintf("%.2f×", g.SamplesPerCPUS/t.SamplesPerCPUS)
			}
		}
		ref := g
		if ref == nil {
			ref = t
		}
		fmt.Fprintf(w, "| %s | %d | %d | %d | %s | %s | %s | %s | %s | %s | %s |\n", m, ref.Batch, ref.Emb, ref.Epochs,
			sps(g), sps(t), ratio, cpuRatio, gCell, tCell, dauc)
	}
	return nil
}

// aucCell is the mean of the seeds' AUCs and its cell: the AUC alone for
// one seed, "mean ± sd (n seeds)" for several, "—" for none.
func aucCell(auc map[uint64]float64) (float64, string) {
	n := float64(len(auc))
	if n == 0 {
		return math.NaN(), "—"
	}
	var sum, sq float64
	for _, a := range auc {
		sum += a
	}
	mean := sum / n
	if len(auc) == 1 {
		return mean, fmt.Sprintf("%.4f", mean)
	}
	for _, a := range auc {
		sq += (a - mean) * (a - mean)
	}
	return mean, fmt.Sprintf("%.4f ± %.4f (%d seeds)", mean, math.Sqrt(sq/(n-1)), len(auc))
}

// startProfile writes a CPU profile to path until stop is called; with an
// empty path it does nothing.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
