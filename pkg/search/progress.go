package search

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/attnsweep/attnsweep/pkg/model"
)

// LogObserver prints one line per event: the progress display for logs and
// pipes, where bars would be noise.
type LogObserver struct {
	W io.Writer

	mu      sync.Mutex
	total   int
	done    int
	started time.Time
}

// SweepStarted implements Observer.
func (l *LogObserver) SweepStarted(name string, total, pending, workers int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total, l.started = pending, time.Now()
	fmt.Fprintf(l.W, "sweep %s: %d trials planned, %d to run, %d workers\n", name, total, pending, workers)
}

// TrialStarted implements Observer.
func (l *LogObserver) TrialStarted(t Trial, worker int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.W, "[w%d] start %s %s %s seed=%d\n", worker, t.Key, t.Model, t, t.Seed)
}

// TrialEpoch implements Observer.
func (l *LogObserver) TrialEpoch(t Trial, worker int, e model.Epoch) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.W, "[w%d] %s %s epoch %d loss %.4f valid auc %.4f logloss %.4f lr %.3g (%.1fs)\n",
		worker, t.Key, t.Model, e.Epoch, e.TrainLoss, e.Valid.AUC, e.Valid.LogLoss, e.LR, e.Elapsed.Seconds())
}

// TrialFinished implements Observer.
func (l *LogObserver) TrialFinished(t Trial, worker int, status string, err error, seconds float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.done++
	msg := ""
	if err != nil {
		first, _, _ := strings.Cut(err.Error(), "\n")
		msg = ": " + first
	}
	eta := ""
	if l.done < l.total {
		left := time.Duration(float64(time.Since(l.started)) / float64(l.done) * float64(l.total-l.done))
		eta = fmt.Sprintf(", about %s left", left.Round(time.Second))
	}
	fmt.Fprintf(l.W, "[w%d] %s %s %s in %.1fs%s (%d/%d%s)\n", worker, t.Key, t.Model, status, seconds, msg, l.done, l.total, eta)
}

// BarObserver draws progress bars on a terminal: one for the sweep
// (done/total with an ETA) and one per worker (trial, epoch, loss, valid
// AUC). Finished trials print as lines above the bars. Close stops drawing.
type BarObserver struct {
	epochs int
	p      *mpb.Progress
	once   sync.Once

	mu      sync.Mutex
	total   *mpb.Bar
	workers []*mpb.Bar
	label   []string
}

// NewBarObserver draws on w; epochs is the most epochs a trial runs.
func NewBarObserver(w io.Writer, epochs int) *BarObserver {
	return &BarObserver{epochs: epochs, p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(32), mpb.WithRefreshRate(200*time.Millisecond))}
}

// SweepStarted implements Observer.
func (b *BarObserver) SweepStarted(name string, total, pending, workers int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	fmt.Fprintf(b.p, "sweep %s: %d trials planned, %d to run, %d workers\n", name, total, pending, workers)
	b.total = b.p.AddBar(int64(pending),
		mpb.PrependDecorators(decor.Name("sweep "+name+" ", decor.WCSyncSpaceR), decor.CountersNoUnit("%d/%d trials", decor.WCSyncSpace)),
		mpb.AppendDecorators(decor.Percentage(decor.WCSyncSpace), decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_GO)))
	for i := 0; i < workers; i++ {
		b.addBarLocked()
	}
}

// addBarLocked adds one worker bar; b.mu is held. A trial waiting at an
// ASHA rung keeps its slot while another trains, so slots may outnumber
// the workers.
func (b *BarObserver) addBarLocked() {
	i := len(b.workers)
	b.label = append(b.label, "idle")
	// One more than the epochs: a bar that reaches its total is finished
	// for good, and a worker's bar serves trial after trial.
	b.workers = append(b.workers, b.p.AddBar(int64(b.epochs)+1,
		mpb.PrependDecorators(decor.Name(fmt.Sprintf("  worker %d ", i), decor.WCSyncSpaceR)),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
			b.mu.Lock()
			defer b.mu.Unlock()
			return b.label[i]
		}))))
}

// TrialStarted implements Observer.
func (b *BarObserver) TrialStarted(t Trial, worker int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for worker >= len(b.workers) {
		b.addBarLocked()
	}
	b.label[worker] = fmt.Sprintf("%s %s", t.Key[:8], t.Model)
	b.workers[worker].SetCurrent(0)
}

// TrialEpoch implements Observer.
func (b *BarObserver) TrialEpoch(t Trial, worker int, e model.Epoch) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.label[worker] = fmt.Sprintf("%s %s epoch %d loss %.4f valid auc %.4f", t.Key[:8], t.Model, e.Epoch, e.TrainLoss, e.Valid.AUC)
	b.workers[worker].SetCurrent(int64(e.Epoch))
}

// TrialFinished implements Observer.
func (b *BarObserver) TrialFinished(t Trial, worker int, status string, err error, seconds float64) {
	b.mu.Lock()
	b.label[worker] = "idle"
	b.mu.Unlock()
	msg := ""
	if err != nil {
		first, _, _ := strings.Cut(err.Error(), "\n")
		msg = ": " + first
	}
	fmt.Fprintf(b.p, "%s %s %s %s in %.1fs%s\n", t.Key, t.Model, t, status, seconds, msg)
	b.total.Increment()
}

// Close completes the bars and waits until they are drawn.
func (b *BarObserver) Close() {
	b.once.Do(func() {
		if b.total != nil {
			b.total.Abort(false)
		}
		for _, w := range b.workers {
			w.Abort(true)
		}
		b.p.Wait()
	})
}
