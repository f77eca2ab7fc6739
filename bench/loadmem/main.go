// Command loadmem measures dataset.Load in a process of its own: the time
// to load Parquet data, the size of what it produced and the peak
// resident memory (VmHWM) of the process, optionally after training
// models on the loaded Dataset from several goroutines at once.
//
// It writes the synthetic benchmark data when asked (-gen), so that the
// generator's memory is not counted in the load's peak:
//
//	go run ./bench/loadmem -gen /tmp/loadmem/synth1m.parquet
//	go run ./bench/loadmem -load /tmp/loadmem/synth1m.parquet
//	go run ./bench/loadmem -load /tmp/loadmem/synth1m.parquet -trainers 2 -epochs 2
//	go run ./bench/loadmem -gen /tmp/loadmem/synth20m -rows 20000000 -parts 16
//	go run ./bench/loadmem -load /tmp/loadmem/synth20m -readers 2 -model dot -trainers 1 -epochs 1
//
// -load takes what dataset.Source.Paths takes: a file, a folder or a glob.
// It prints one line of key=value figures. With -gc-every it forces a
// collection that often while training, to measure the live heap (the
// Dataset plus what the trainers hold) rather than RSS, which also counts
// garbage not yet collected. Linux only (it reads /proc/self/status).
//
// It trains models, which pkg/dataset must not know about: this program
// only measures the dataset package from outside.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/attnsweep/attnsweep/pkg/dataset"
	"github.com/attnsweep/attnsweep/pkg/model"
)

type options struct {
	gen, load        string
	rows, history    int
	parts, readers   int
	model            string
	trainers, epochs int
	gcEvery          time.Duration
	cpuProfile       string
}

func main() {
	var o options
	flag.StringVar(&o.gen, "gen", "", "write the synthetic benchmark data here (a file, or a folder with -parts) and exit")
	flag.IntVar(&o.rows, "rows", 1_000_000, "rows of the generated data")
	flag.IntVar(&o.history, "history", 20, "history length of the generated data")
	flag.IntVar(&o.parts, "parts", 0, "write the generated rows as this many files in the folder -gen")
	flag.StringVar(&o.load, "load", "", "the Parquet data to load: a file, folder or glob (split 0.7/0.15/0.15, seed 1)")
	flag.IntVar(&o.readers, "readers", 1, "files of a column read at once (dataset.Source.Readers)")
	flag.StringVar(&o.model, "model", "logreg", "the model the trainers train: logreg or dot")
	flag.IntVar(&o.trainers, "trainers", 0, "after loading, train this many models at once on the Dataset")
	flag.IntVar(&o.epochs, "epochs", 2, "epochs per trainer")
	flag.DurationVar(&o.gcEvery, "gc-every", 0, "while training, force a GC this often to measure the live heap (changes the RSS figures)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the load (and the training, with -trainers) to this file")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "loadmem:", err)
		os.Exit(1)
	}
}

func mb(b int64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) }

func run(o options) error {
	if o.gen != "" {
		if err := os.MkdirAll(filepath.Dir(o.gen), 0o755); err != nil {
			return err
		}
		return dataset.Generate(dataset.SynthConfig{Rows: o.rows, Seed: 1, History: o.history, Parts: o.parts}, o.gen)
	}
	if o.load == "" {
		return fmt.Errorf("give -gen FILE or -load FILE")
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	base := kib("VmHWM")
	alloc0 := heapAllocs()
	cpu0 := cpuTime()
	t0 := time.Now()
	d, err := dataset.Load(dataset.Source{Paths: []string{o.load}, Seed: 1, Readers: o.readers}, dataset.Columns{})
	if err != nil {
		return err
	}
	el := time.Since(t0)
	cpu := cpuTime() - cpu0
	if o.trainers == 0 {
		pprof.StopCPUProfile()
	}
	allocs := heapAllocs() - alloc0
	loadPeak := kib("VmHWM")
	runtime.GC()
	enc := d.Bytes()
	live := heapLive()
	var size int64
	for _, f := range d.Files {
		size += f.Size
	}
	fmt.Printf("rows=%d files=%d file_MB=%s readers=%d load_s=%.3f cpu_s=%.3f rows_per_s=%.0f rows_per_cpu_s=%.0f file_MB_per_s=%.1f encoded_MB=%s allocated_MB=%s heap_live_after_load_MB=%s rss_start_MB=%s peak_rss_load_MB=%s peak_over_encoded=%.2f GOGC=%s GOMAXPROCS=%d",
		d.N, len(d.Files), mb(size), o.readers, el.Seconds(), cpu.Seconds(), float64(d.N)/el.Seconds(), float64(d.N)/cpu.Seconds(), float64(size)/(1<<20)/el.Seconds(),
		mb(enc), mb(allocs), mb(live), mb(base), mb(loadPeak), float64(loadPeak)/float64(enc), os.Getenv("GOGC"), runtime.GOMAXPROCS(0))
	if o.trainers > 0 {
		if err := train(d, o); err != nil {
			return err
		}
		pprof.StopCPUProfile()
	}
	fmt.Println()
	runtime.KeepAlive(d)
	return nil
}

// params are the trainers' settings: Adam, batch 4096 for logreg; the
// quickstart's dot (embeddings of 16, MLP [64, 32], batch 1024).
func params(o options, w int) (model.Params, error) {
	p := model.Params{Model: o.model, Optimizer: "adam", LR: 1e-3, Epochs: o.epochs, Patience: o.epochs, Seed: uint64(w + 1)}
	switch o.model {
	case "logreg":
		p.EmbedDim, p.BatchSize = 10, 4096
	case "dot":
		p.EmbedDim, p.BatchSize, p.Hidden = 16, 1024, []int{64, 32}
	default:
		return p, fmt.Errorf("-model %q: want logreg or dot", o.model)
	}
	return p, nil
}

// train trains o.trainers models at once on d and prints what they took.
func train(d *dataset.Dataset, o options) error {
	// The live heap as of each GC during training: the Dataset plus what
	// the trainers hold, without the garbage RSS also counts.
	var maxLive int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		every := o.gcEvery
		if every == 0 {
			every = 5 * time.Millisecond
		}
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			if o.gcEvery > 0 {
				runtime.GC()
			}
			maxLive = max(maxLive, heapLive())
			select {
			case <-tick.C:
			case <-stop:
				return
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make([]error, o.trainers)
	firstEpoch := make([]time.Duration, o.trainers)
	alloc1 := heapAllocs()
	cpu1 := cpuTime()
	t1 := time.Now()
	for w := range o.trainers {
		p, err := params(o, w)
		if err != nil {
			return err
		}
		wg.Go(func() {
			_, errs[w] = model.Train(context.Background(), d, p, func(e model.Epoch) bool {
				if e.Epoch == 1 {
					firstEpoch[w] = e.Elapsed
				}
				return true
			})
		})
	}
	wg.Wait()
	close(stop)
	<-sampled
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	var first []string
	for _, e := range firstEpoch {
		first = append(first, fmt.Sprintf("%.1f", e.Seconds()))
	}
	fmt.Printf(" model=%s trainers=%d epochs=%d train_s=%.3f train_cpu_s=%.3f first_epoch_s=%s allocated_per_trainer_MB=%s max_heap_live_training_MB=%s peak_rss_total_MB=%s",
		o.model, o.trainers, o.epochs, time.Since(t1).Seconds(), (cpuTime() - cpu1).Seconds(), strings.Join(first, ","), mb((heapAllocs()-alloc1)/int64(o.trainers)), mb(maxLive), mb(kib("VmHWM")))
	return nil
}

// kib returns a /proc/self/status figure (given in kB) in bytes.
func kib(key string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			f := strings.Fields(v)
			n, _ := strconv.ParseInt(f[0], 10, 64)
			return n << 10
		}
	}
	return 0
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// heapAllocs is the bytes allocated on the heap so far.
func heapAllocs() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// heapLive is the bytes of live heap objects after the last GC.
func heapLive() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}
