package ui

import (
	"net/http"
	"path"
	"strings"

	"github.com/attnsweep/attnsweep/pkg/report"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// builtReport is a sweep's report: its numbers (report.Build) and its
// rendering (the markdown and the SVG plots the page shows).
type builtReport struct {
	results *report.Results
	page    *report.Page
}

// file returns one file of the report: report.md or a plot.
func (b *builtReport) file(name string) ([]byte, error) {
	if name == "report.md" {
		return b.page.Markdown, nil
	}
	for _, f := range b.page.Files {
		if f.Name == name {
			return f.Data, nil
		}
	}
	return nil, notFound(name)
}

// leaderboardRows is how many configurations of the report's leaderboard
// the page gets: the table of every trial shows the rest.
const leaderboardRows = 50

// reportPage is a sweep's analyses: report.Results without what the plots
// already show point by point, and the plots' file names.
type reportPage struct {
	Built   built
	Results any
	// Configs is the number of configurations in the report's leaderboard
	// (Results holds the first leaderboardRows).
	Configs int
	Plots   []string
}

// buildReport builds and renders the report of a sweep.
func buildReport(db *store.DB, name string) (*builtReport, error) {
	r, err := report.Build(db, name)
	if err != nil {
		return nil, err
	}
	page, err := r.Render()
	if err != nil {
		return nil, err
	}
	return &builtReport{results: r, page: page}, nil
}

// report returns a sweep's built report, rebuilt as the cache allows.
func (s *Server) report(name string) (*builtReport, built, error) {
	sw, err := s.data.SweepByName(name)
	if err != nil {
		return nil, built{}, err
	}
	version, err := s.data.Version(sw.ID)
	if err != nil {
		return nil, built{}, err
	}
	return s.cacheOf(sw.Name).results.get(version, func() (*builtReport, error) { return buildReport(s.heavy, sw.Name) })
}

func (s *Server) handleReport(w http.ResponseWriter, r *http.Request) {
	br, b, err := s.report(r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res := *br.results
	page := reportPage{Built: b, Configs: len(res.Leaderboard)}
	res.Leaderboard = res.Leaderboard[:min(len(res.Leaderboard), leaderboardRows)]
	res.WhatMatters.Lines = nil                                                       // parallel.svg
	res.WhatMatters.Progress = report.Progress{Sweep: res.WhatMatters.Progress.Sweep} // progress.svg
	res.Effects = append([]report.Effect(nil), res.Effects...)
	for i := range res.Effects {
		res.Effects[i].Points = nil // hp-NAME.svg
	}
	page.Results = plain(res)
	for _, f := range br.page.Files {
		page.Plots = append(page.Plots, f.Name)
	}
	writeJSON(w, page)
}

func (s *Server) handleReportFile(w http.ResponseWriter, r *http.Request) {
	br, _, err := s.report(r.PathValue("name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	serveFile(w, r, br.file)
}

// serveFile answers one file of a rendered report: the markdown as plain
// text (so that a browser shows it), plots as SVG.
func serveFile(w http.ResponseWriter, r *http.Request, file func(string) ([]byte, error)) {
	name := r.PathValue("file")
	data, err := file(name)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	switch {
	case strings.HasSuffix(name, ".svg"):
		w.Header().Set("Content-Type", "image/svg+xml")
	case path.Ext(name) == ".md":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(data)
}
