// Command loadmem measures dataset.Load in a process of its own: the time
// to load a Parquet file, the size of what it produced and the peak
// resident memory (VmHWM) of the process, optionally after training
// models on the loaded Dataset from several goroutines at once.
//
// It writes the synthetic benchmark file when asked (-gen), so that the
// generator's memory is not counted in the load's peak:
//
//	go run ./bench/loadmem -gen /tmp/loadmem/synth1m.parquet
//	go run ./bench/loadmem -load /tmp/loadmem/synth1m.parquet
//	go run ./bench/loadmem -load /tmp/loadmem/synth1m.parquet -trainers 2 -epochs 2
//
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
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/attnsweep/attnsweep/pkg/dataset"
	"github.com/attnsweep/attnsweep/pkg/model"
)

func main() {
	gen := flag.String("gen", "", "write the synthetic benchmark file here and exit")
	rows := flag.Int("rows", 1_000_000, "rows of the generated file")
	history := flag.Int("history", 20, "history length of the generated file")
	load := flag.String("load", "", "the Parquet file to load (split 0.7/0.15/0.15, seed 1)")
	trainers := flag.Int("trainers", 0, "after loading, train this many logreg models at once on the Dataset")
	epochs := flag.Int("epochs", 2, "epochs per trainer")
	gcEvery := flag.Duration("gc-every", 0, "while training, force a GC this often to measure the live heap (changes the RSS figures)")
	flag.Parse()
	if err := run(*gen, *rows, *history, *load, *trainers, *epochs, *gcEvery); err != nil {
		fmt.Fprintln(os.Stderr, "loadmem:", err)
		os.Exit(1)
	}
}

func run(gen string, rows, history int, load string, trainers, epochs int, gcEvery time.Duration) error {
	if gen != "" {
		if err := os.MkdirAll(filepath.Dir(gen), 0o755); err != nil {
			return err
		}
		return dataset.Generate(dataset.SynthConfig{Rows: rows, Seed: 1, History: history}, gen)
	}
	if load == "" {
		return fmt.Errorf("give -gen FILE or -load FILE")
	}
	st, err := os.Stat(load)
	if err != nil {
		return err
	}
	base := kib("VmHWM")
	alloc0 := heapAllocs()
	cpu0 := cpuTime()
	t0 := time.Now()
	d, err := dataset.Load(dataset.Source{Paths: []string{load}, Seed: 1}, dataset.Columns{})
	if err != nil {
		return err
	}
	el := time.Since(t0)
	cpu := cpuTime() - cpu0
	allocs := heapAllocs() - alloc0
	loadPeak := kib("VmHWM")
	runtime.GC()
	enc := d.Bytes()
	live := heapLive()
	mb := func(b int64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) }
	fmt.Printf("rows=%d file_MB=%s load_s=%.3f cpu_s=%.3f rows_per_s=%.0f file_MB_per_s=%.1f encoded_MB=%s allocated_MB=%s heap_live_after_load_MB=%s rss_start_MB=%s peak_rss_load_MB=%s peak_over_encoded=%.2f GOGC=%s GOMAXPROCS=%d",
		d.N, mb(st.Size()), el.Seconds(), cpu.Seconds(), float64(d.N)/el.Seconds(), float64(st.Size())/(1<<20)/el.Seconds(),
		mb(enc), mb(allocs), mb(live), mb(base), mb(loadPeak), float64(loadPeak)/float64(enc), os.Getenv("GOGC"), runtime.GOMAXPROCS(0))
	if trainers > 0 {
		// The live heap as of each GC during training: the Dataset plus what
		// the trainers hold, without the garbage RSS also counts.
		var maxLive int64
		stop := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			every := gcEvery
			if every == 0 {
				every = 5 * time.Millisecond
			}
			tick := time.NewTicker(every)
			defer tick.Stop()
			for {
				if gcEvery > 0 {
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
		errs := make([]error, trainers)
		alloc1 := heapAllocs()
		t1 := time.Now()
		for w := range trainers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := model.Params{Model: "logreg", Optimizer: "adam", LR: 1e-3, EmbedDim: 10, BatchSize: 4096,
					Epochs: epochs, Patience: epochs, Seed: uint64(w + 1)}
				_, errs[w] = model.Train(context.Background(), d, p, nil)
			}()
		}
		wg.Wait()
		close(stop)
		<-sampled
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		fmt.Printf(" trainers=%d epochs=%d train_s=%.1f allocated_per_trainer_MB=%s max_heap_live_training_MB=%s peak_rss_total_MB=%s",
			trainers, epochs, time.Since(t1).Seconds(), mb((heapAllocs()-alloc1)/int64(trainers)), mb(maxLive), mb(kib("VmHWM")))
	}
	fmt.Println()
	runtime.KeepAlive(d)
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
