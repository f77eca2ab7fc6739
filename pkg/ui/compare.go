package ui

import (
	"net/http"
	"sync"

	"github.com/attnsweep/attnsweep/pkg/report"
)

// compareCache keeps the last comparison asked for, keyed by both sweeps'
// versions: the page asks for its data, then for its plot.
type compareCache struct {
	mu   sync.Mutex
	key  string
	cmp  *report.Comparison
	page *report.Page
}

// compare returns the comparison of sweeps a and b, rebuilt when either
// has changed.
func (s *Server) compare(a, b string) (*report.Comparison, *report.Page, error) {
	key := a + "\x00" + b
	for _, name := range []string{a, b} {
		sw, err := s.data.SweepByName(name)
		if err != nil {
			return nil, nil, err
		}
		v, err := s.data.Version(sw.ID)
		if err != nil {
			return nil, nil, err
		}
		key += "\x00" + v
	}
	c := &s.cmp
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key == key {
		return c.cmp, c.page, nil
	}
	cmp, err := report.BuildCompare(s.heavy, a, b)
	if err != nil {
		return nil, nil, err
	}
	page, err := cmp.Render()
	if err != nil {
		return nil, nil, err
	}
	c.key, c.cmp, c.page = key, cmp, page
	return cmp, page, nil
}

func (s *Server) handleCompare(w http.ResponseWriter, r *http.Request) {
	cmp, page, err := s.compare(r.PathValue("a"), r.PathValue("b"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c := *cmp
	c.Progress = [2]report.Progress{{Sweep: c.A}, {Sweep: c.B}} // progress.svg
	var plots []string
	for _, f := range page.Files {
		plots = append(plots, f.Name)
	}
	writeJSON(w, map[string]any{"Comparison": plain(c), "Plots": plots})
}

func (s *Server) handleCompareFile(w http.ResponseWriter, r *http.Request) {
	_, page, err := s.compare(r.PathValue("a"), r.PathValue("b"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	serveFile(w, r, (&builtReport{page: page}).file)
}
