package ui

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/attnsweep/attnsweep/pkg/report"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// trialPage is one trial whole: what `sweep show` prints (report.BuildTrial)
// and what the trial stored besides (per-group metrics, calibration,
// attention weights), with the commands that use it.
type trialPage struct {
	Detail      *report.TrialDetail
	Objective   string
	Valid, Loss [][2]float64 // the objective on valid and the training loss per epoch
	Groups      []store.GroupMetric
	Calibration []store.CalibrationBucket
	Attention   []store.AttentionRow
	Commands    map[string]string // show, predict
}

// handleTrial streams a trial's page: once for a finished trial, again
// with every epoch of a running one.
func (s *Server) handleTrial(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("id")
	s.stream(w, r, liveEvery, func() (any, error) { return s.trialPage(ref) })
}

// trialPage reads a trial's page (plain: per-group metrics and calibration
// may be NaN, for a bucket with one class).
func (s *Server) trialPage(ref string) (any, error) {
	d, err := report.BuildTrial(s.live, ref)
	if err != nil {
		return nil, err
	}
	sw, err := s.live.SweepByName(d.Sweep)
	if err != nil {
		return nil, err
	}
	t := d.Trial
	p := trialPage{Detail: d, Objective: sw.Objective().Name}
	points, err := s.live.Curve(t.ID)
	if err != nil {
		return nil, err
	}
	p.Valid, p.Loss = curveLines(points, p.Objective)
	if p.Groups, err = s.live.GroupMetrics(t.ID); err == nil {
		if p.Calibration, err = s.live.Calibration(t.ID, "test"); err == nil {
			p.Attention, err = s.live.Attention(t.ID)
		}
	}
	if err != nil {
		return nil, err
	}
	db := shellQuote(s.path)
	p.Commands = map[string]string{
		"show": fmt.Sprintf("sweep show %d --db %s", t.ID, db),
		"predict": fmt.Sprintf("sweep predict --db %s --sweep %s --trial %d --data DATA.parquet --out scores.parquet",
			db, shellQuote(d.Sweep), t.ID),
	}
	return plain(p), nil
}

// shellQuote quotes a word for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
