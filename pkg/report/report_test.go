package report

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/search"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// reportSpec is a real small sweep: an attention model and a baseline,
// three learning rates, two seeds each (12 trials: enough for "what
// matters").
const reportSpec = `name: rep
data: {synthetic: {rows: 4000, seed: 3, history: 8}}
columns:
  sequences: [{column: hist_item, target: item_id, max_len: 8}]
  group: user_id
models: [logreg, dot]
search: {seed: 5, repeats: 2}
space:
  lr: [3.0e-3, 1.0e-2, 3.0e-2]
  embed_dim: 4
  batch_size: 128
  hidden: [8]
train: {epochs: 3}
`

var small struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if small.dir != "" {
		os.RemoveAll(small.dir)
	}
	os.Exit(code)
}

// smallSweep runs reportSpec once for every test that reads it and opens
// its database.
func smallSweep(t *testing.T) (*store.DB, string) {
	t.Helper()
	small.once.Do(func() {
		small.dir, small.err = os.MkdirTemp("", "report-test-")
		if small.err == nil {
			small.err = runSweep(small.dir, reportSpec)
		}
	})
	if small.err != nil {
		t.Fatal(small.err)
	}
	db, err := store.Open(filepath.Join(small.dir, "sweeps.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, t.TempDir()
}

func runSweep(dir, text string) error {
	spec, err := search.ParseSpec("rep.yaml", []byte(text))
	if err != nil {
		return err
	}
	ds, err := spec.LoadData(filepath.Join(dir, "data"))
	if err != nil {
		return err
	}
	db, err := store.Open(filepath.Join(dir, "sweeps.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	r := &search.Runner{Spec: spec, Data: ds, DB: db, Workers: 2}
	_, err = r.Run(context.Background())
	return err
}

func TestWrite_EverySectionAndPlot(t *testing.T) {
	db, dir := smallSweep(t)
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
		"## What matters", "### Best so far", "### Parallel coordinates", "### Where the best trials lie",
		"## Effect of each hyperparameter", "### `lr`",
		"## Learning curves",
		"## Is the difference real", "paired bootstrap 95% interval", "seed spread",
		"## Attention", "### Does attention do anything", "- dot: mean entropy ",
		"## Per-group results", "### By history length", "### Calibration",
		"## Before and after training",
		"## Spec",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	links := regexp.MustCompile(`!\[[^\]]*\]\(([^)]+)\)`).FindAllStringSubmatch(md, -1)
	if len(links) < 7 {
		t.Fatalf("only %d images linked", len(links))
	}
	for _, l := range links {
		link := l[1]
		if filepath.IsAbs(link) || strings.Contains(link, "..") {
			t.Errorf("link %q is not relative to the report folder", link)
		}
		data, err := os.ReadFile(filepath.Join(out, link))
		if err != nil {
			t.Errorf("linked plot: %v", err)
			continue
		}
		if root, _ := svgRoot(t, data, ""); root != "svg" {
			t.Errorf("%s: root element %q, want svg", link, root)
		}
	}
}

// The per-group AUC the report shows, recomputed from the stored test
// scores, labels and history lengths by a pair count, bucket ranges read
// from the bucket names ("0", "1-5", ">50").
func TestGroups_MatchStoredScores(t *testing.T) {
	db, _ := smallSweep(t)
	r, err := Build(db, "rep")
	if err != nil {
		t.Fatal(err)
	}
	sw, err := db.SweepByName("rep")
	if err != nil {
		t.Fatal(err)
	}
	lb, err := db.SweepArray(sw.ID, "test_label")
	if err != nil {
		t.Fatal(err)
	}
	hb, err := db.SweepArray(sw.ID, "test_hist_len")
	if err != nil {
		t.Fatal(err)
	}
	labels, hist := store.BlobFloat32(lb), store.BlobInt32(hb)
	var g *Grouping
	for i := range r.Groups {
		if r.Groups[i].Name == "history_length" {
			g = &r.Groups[i]
		}
	}
	if g == nil || len(g.Models) != 2 {
		t.Fatalf("history-length groups: %+v", r.Groups)
	}
	checked := 0
	for _, m := range g.Models {
		scores, err := db.Scores(m.ID, "test")
		if err != nil || len(scores) != len(labels) {
			t.Fatalf("scores of %s: %d, %v", m.Key, len(scores), err)
		}
		for k, bucket := range g.Buckets {
			lo, hi := bucketRange(t, bucket)
			var p, l []float32
			for i, h := range hist {
				if int(h) >= lo && int(h) <= hi {
					p, l = append(p, scores[i]), append(l, labels[i])
				}
			}
			if c := m.Cells[k]; c.N != len(p) || !near(c.AUC, pairAUC(p, l)) {
				t.Errorf("%s bucket %s: report n=%d AUC %v; recomputed n=%d AUC %v", m.Model, bucket, c.N, c.AUC, len(p), pairAUC(p, l))
			}
			checked++
		}
	}
	if checked < 4 {
		t.Errorf("only %d cells checked", checked)
	}
}

func bucketRange(t *testing.T, name string) (lo, hi int) {
	t.Helper()
	atoi := func(s string) int {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("bucket %q: %v", name, err)
		}
		return n
	}
	if rest, ok := strings.CutPrefix(name, ">"); ok {
		return atoi(rest) + 1, 1 << 30
	}
	if a, b, ok := strings.Cut(name, "-"); ok {
		return atoi(a), atoi(b)
	}
	return atoi(name), atoi(name)
}
