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

func (s *Server) handleTrial(w http.ResponseWriter, r *http.Request) {
	d, err := report.BuildTrial(s.data, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sw, err := s.data.SweepByName(d.Sweep)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t := d.Trial
	p := trialPage{Detail: d, Objective: sw.Objective().Name}
	points, err := s.data.Curve(t.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Valid, p.Loss = curveLines(points, p.Objective)
	if p.Groups, err = s.data.GroupMetrics(t.ID); err == nil {
		if p.Calibration, err = s.data.Calibration(t.ID, "test"); err == nil {
			p.Attention, err = s.data.Attention(t.ID)
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	db := shellQuote(s.path)
	p.Commands = map[string]string{
		"show": fmt.Sprintf("sweep show %d --db %s", t.ID, db),
		"predict": fmt.Sprintf("sweep predict --db %s --sweep %s --trial %d --data DATA.parquet --out scores.parquet",
			db, shellQuote(d.Sweep), t.ID),
	}
	writeJSON(w, plain(p)) // per-group metrics and calibration may be NaN (a bucket with one class)
}

// shellQuote quotes a word for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
