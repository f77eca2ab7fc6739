package ui

import (
	"net/http"
	"time"

	"github.com/attnsweep/attnsweep/pkg/store"
)

// sweepSummary is one line of the list of sweeps.
type sweepSummary struct {
	Name      string
	CreatedAt string
	Spec      string
	Objective string
	Trials    int
	Counts    map[string]int // trials per status
	// Active: some trial's heartbeat is fresher than store.DefaultLease,
	// so a process is training it now. Running trials of an inactive sweep
	// belong to a process that stopped (`sweep resume` finishes them).
	Active bool
	// Elapsed is the wall time from the first trial's start to now (active)
	// or to the last trial's end, in seconds.
	Elapsed float64
	// Left estimates the seconds until every trial is finished: unfinished
	// trials × the mean training time of the finished ones ÷ the trials
	// running now. Null when the sweep is not active or nothing finished.
	Left *float64
}

// handleSweeps streams the list of sweeps.
func (s *Server) handleSweeps(w http.ResponseWriter, r *http.Request) {
	s.stream(w, r, sweepsEvery, s.sweepList)
}

// sweepList reads every sweep's line.
func (s *Server) sweepList() (any, error) {
	acts, err := s.live.Activities()
	if err != nil {
		return nil, err
	}
	sweeps, err := s.live.Sweeps()
	if err != nil {
		return nil, err
	}
	byName := map[string]store.Sweep{}
	for _, sw := range sweeps {
		byName[sw.Name] = sw
	}
	now := time.Now()
	out := []sweepSummary{}
	for _, a := range acts {
		sw := byName[a.Name]
		sum := summarise(a, now)
		sum.Spec, sum.Objective = sw.Spec, sw.Objective().Name
		out = append(out, sum)
	}
	return map[string]any{"Database": s.path, "Sweeps": out}, nil
}

// summarise computes a sweep's line of the list at time now.
func summarise(a store.Activity, now time.Time) sweepSummary {
	s := sweepSummary{Name: a.Name, CreatedAt: a.CreatedAt, Counts: a.Counts}
	for _, n := range a.Counts {
		s.Trials += n
	}
	if beat, ok := parseTime(a.LastBeat); ok && now.Sub(beat) < store.DefaultLease {
		s.Active = true
	}
	first, ok := parseTime(a.FirstStart)
	if !ok {
		return s
	}
	end := now
	if !s.Active {
		if last, ok := parseTime(a.LastFinish); ok {
			end = last
		}
	}
	s.Elapsed = max(0, end.Sub(first).Seconds())
	running := a.Counts[store.Running]
	unfinished := running + a.Counts[store.Queued] + a.Counts[store.Interrupted]
	if s.Active && running > 0 && a.Finished > 0 {
		left := float64(unfinished) * a.MeanSeconds / float64(running)
		s.Left = &left
	}
	return s
}

// parseTime reads a timestamp of the database (UTC, RFC 3339 with
// milliseconds); ok is false for "" or anything else.
func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}
