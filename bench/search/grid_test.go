package main

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/search"
)

// writeFiles writes a small replay table and its space into a temp dir.
func writeFiles(t *testing.T) (*grid, search.Space) {
	t.Helper()
	dir := t.TempDir()
	table := "lr,dropout,hidden,status,valid_auc\n" +
		"0.0001,0,\"[32,16]\",done,0.61\n" +
		"0.001,0,\"[32,16]\",done,0.72\n" +
		"0.01,0,\"[32,16]\",failed,\n" +
		"0.0001,0.4,\"[32,16]\",done,0.64\n" +
		"0.001,0.4,\"[32,16]\",done,0.75\n" +
		"0.01,0.4,\"[32,16]\",done,0.70\n" +
		"0.0001,0,\"[64,32]\",done,0.62\n" +
		"0.001,0,\"[64,32]\",done,0.73\n" +
		"0.01,0,\"[64,32]\",done,0.69\n" +
		"0.0001,0.4,\"[64,32]\",done,0.65\n" +
		"0.001,0.4,\"[64,32]\",done,0.76\n" +
		"0.01,0.4,\"[64,32]\",done,0.71\n"
	space := `{"lr": {"loguniform": [1e-4, 1e-2]}, "dropout": {"uniform": [0, 0.4]},
		"hidden": {"choice": [[32, 16], [64, 32]]}}`
	tp, sp := filepath.Join(dir, "t.csv"), filepath.Join(dir, "s.json")
	if err := os.WriteFile(tp, []byte(table), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sp, []byte(space), 0o644); err != nil {
		t.Fatal(err)
	}
	g, err := readGrid(tp)
	if err != nil {
		t.Fatal(err)
	}
	s, err := readSpace(sp)
	if err != nil {
		t.Fatal(err)
	}
	return g, s
}

func TestLookup_NearestPointLogScaleForLogUniform(t *testing.T) {
	g, sp := writeFiles(t)
	for _, c := range []struct {
		lr, dropout float64
		hidden      []int
		want        float64
	}{
		// 4e-4 is nearer 1e-4 on the linear scale but nearer 1e-3 in log: log wins.
		{4e-4, 0.3, []int{64, 32}, 0.76},
		{2.5e-4, 0.1, []int{32, 16}, 0.61},
		{1e-2, 0.4, []int{64, 32}, 0.71},
		{5e-3, 0.19, []int{32, 16}, math.NaN()}, // a failed point looks up as NaN
	} {
		ps := []search.Param{{Name: "dropout", Value: c.dropout}, {Name: "hidden", Value: c.hidden}, {Name: "lr", Value: c.lr}}
		got, err := g.lookup(sp, ps)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want && !(math.IsNaN(got) && math.IsNaN(c.want)) {
			t.Errorf("lookup(lr=%g dropout=%g hidden=%v) = %g, want %g", c.lr, c.dropout, c.hidden, got, c.want)
		}
	}
	if g.best() != 0.76 {
		t.Errorf("best = %g, want 0.76", g.best())
	}
}

func TestReplay_BatchesArePrefixesOfLongerSearches(t *testing.T) {
	g, sp := writeFiles(t)
	propose := func(obs []search.Observation, n int, rng *rand.Rand) [][]search.Param {
		return search.ProposeTPE(sp, obs, n, search.TPEOptions{}, rng)
	}
	short, err := replay(g, sp, propose, 7, 14, 4)
	if err != nil {
		t.Fatal(err)
	}
	long, err := replay(g, sp, propose, 7, 30, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(short) != 14 || len(long) != 30 {
		t.Fatalf("traces of %d and %d trials, want 14 and 30", len(short), len(long))
	}
	same := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
	if !slices.EqualFunc(short, long[:14], same) {
		t.Errorf("a 14-trial search %v is not the start of a 30-trial one %v", short, long[:14])
	}
}

func TestQuantileAndCount(t *testing.T) {
	xs := []float64{4, 1, 3, 2}
	if q := quantile(xs, 0.5); q != 2.5 {
		t.Errorf("median = %g, want 2.5", q)
	}
	if q := quantile([]float64{1, math.Inf(1), math.Inf(1)}, 0.5); !math.IsInf(q, 1) {
		t.Errorf("median with most never found = %g, want +Inf", q)
	}
	if s := count(math.Inf(1), 100); s != "> 100" {
		t.Errorf("count(+Inf) = %q", s)
	}
	b := bestSoFar([]float64{0.5, math.NaN(), 0.7, 0.6})
	if !slices.Equal(b, []float64{0.5, 0.5, 0.7, 0.7}) {
		t.Errorf("bestSoFar = %v", b)
	}
}
