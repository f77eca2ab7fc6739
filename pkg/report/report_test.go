package report

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/search"
	"github.com/attnsweep/attnsweep/pkg/store"
)

const reportSpec = `name: rep
data: {synthetic: {rows: 4000, seed: 3, history: 8}}
columns:
  sequences: [{column: hist_item, target: item_id, max_len: 8}]
  group: user_id
models: [logreg, dot]
search: {seed: 5, repeats: 2}
space:
  lr: [3.0e-3, 1.0e-2]
  embed_dim: 4
  batch_size: 128
  hidden: [8]
train: {epochs: 3}
`

// runSmallSweep fills a database with a real small sweep.
func runSmallSweep(t *testing.T, text string) (*store.DB, string) {
	t.Helper()
	dir := t.TempDir()
	spec, err := search.ParseSpec("rep.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := spec.LoadData(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(filepath.Join(dir, "sweeps.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r := &search.Runner{Spec: spec, Data: ds, DB: db, Workers: 2}
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db, dir
}

func TestWrite_EverySectionAndPlot(t *testing.T) {
	db, dir := runSmallSweep(t, reportSpec)
	out := filepath.Join(dir, "report")
	path, err := Write(db, "rep", out)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	for _, want := range []string{
		"## Summary", "Bayes AUC", "Best trial per model",
		"## Leaderboard", " ± ",
		"## Effect of each hyperparameter", "### `lr`",
		"## Learning curves",
		"## Is the difference real", "paired bootstrap 95% interval", "seed spread",
		"## Attention",
		"## Per-group results", "### By history length", "### Calibration",
		"## Before and after training",
		"## Spec",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	links := regexp.MustCompile(`!\[[^\]]*\]\(([^)]+)\)`).FindAllStringSubmatch(md, -1)
	if len(links) < 5 {
		t.Fatalf("only %d images linked", len(links))
	}
	for _, l := range links {
		link := l[1]
		if filepath.IsAbs(link) || strings.Contains(link, "..") {
			t.Errorf("link %q is not relative to the report folder", link)
		}
		f, err := os.Open(filepath.Join(out, link))
		if err != nil {
			t.Errorf("linked plot: %v", err)
			continue
		}
		dec := xml.NewDecoder(f)
		root := ""
		for {
			tok, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Errorf("%s is not XML: %v", link, err)
				break
			}
			if se, ok := tok.(xml.StartElement); ok && root == "" {
				root = se.Name.Local
			}
		}
		f.Close()
		if root != "svg" {
			t.Errorf("%s: root element %q, want svg", link, root)
		}
	}
}

func TestCompare(t *testing.T) {
	db, dir := runSmallSweep(t, reportSpec)
	path, err := Compare(db, "rep", "rep", filepath.Join(dir, "cmp"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), "| dot |") || !strings.Contains(string(b), "+0.0000") {
		t.Fatalf("compare report:\n%s", b)
	}
}

func TestPairedBootstrap(t *testing.T) {
	// A model that ranks every positive above every negative against one
	// that is half right: the interval of the difference lies above 0.
	n := 400
	labels := make([]float32, n)
	good := make([]float32, n)
	noisy := make([]float32, n)
	for i := range labels {
		labels[i] = float32(i % 2)
		good[i] = labels[i] + 0.001*float32(i%7)
		noisy[i] = float32((i * 7919) % 101)
	}
	r := pairedBootstrap(good, noisy, labels, 300, 1)
	if !(r.Lo > 0 && r.Hi >= r.Lo && r.Diff > 0.3) {
		t.Fatalf("bootstrap = %+v", r)
	}
	// The same model against itself: the difference is exactly 0.
	if r := pairedBootstrap(good, good, labels, 50, 1); r.Diff != 0 || r.Lo != 0 || r.Hi != 0 {
		t.Fatalf("self comparison = %+v", r)
	}
}

func TestWeightedAUC_HandCase(t *testing.T) {
	// Scores 0.1(neg) 0.4(pos) 0.4(neg) 0.8(pos): pairs (pos, neg):
	// 0.4p>0.1n 1, 0.4p=0.4n ½, 0.8p>0.1n 1, 0.8p>0.4n 1 → 3.5/4.
	s := []float32{0.1, 0.4, 0.4, 0.8}
	l := []float32{0, 1, 0, 1}
	w := []float64{1, 1, 1, 1}
	if got := weightedAUC(s, l, ascending(s), w); math.Abs(got-0.875) > 1e-12 {
		t.Fatalf("AUC = %v, want 0.875", got)
	}
	// Counting the tied negative twice: (1 + ½·2 + 1 + 1·2)/(2·3) = 5/6.
	w[2] = 2
	if got := weightedAUC(s, l, ascending(s), w); math.Abs(got-5.0/6) > 1e-12 {
		t.Fatalf("weighted AUC = %v, want 5/6", got)
	}
}
