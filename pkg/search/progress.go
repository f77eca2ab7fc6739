package search

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

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
