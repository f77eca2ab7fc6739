package dataset

import (
	"path/filepath"
	"sort"
	"testing"
	"time"
)

func scratchAUC(p []float32, y []float32) float64 {
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	var rankSum, npos float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && p[idx[j]] == p[idx[i]] {
			j++
		}
		r := float64(i+j+1) / 2
		for k := i; k < j; k++ {
			if y[idx[k]] == 1 {
				rankSum += r
				npos++
			}
		}
		i = j
	}
	nneg := float64(len(p)) - npos
	return (rankSum - npos*(npos+1)/2) / (npos * nneg)
}

func TestScratch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.parquet")
	t0 := time.Now()
	if err := Generate(SynthConfig{Rows: 100000, Seed: 1}, path); err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	d, err := Load(Source{Paths: []string{path}, Seed: 1}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	t2 := time.Now()
	var pos float64
	for _, y := range d.Label {
		pos += float64(y)
	}
	t.Logf("gen %v load %v rate %.4f auc %.4f", t1.Sub(t0), t2.Sub(t1), pos/float64(d.N), scratchAUC(d.PTrue, d.Label))
	t.Logf("schema %+v ignored %v", d.Schema, d.Ignored)
	t.Logf("splits %d %d %d", len(d.Train), len(d.Valid), len(d.Test))
	t.Logf("row0 cat %v %v dense %v hist %v len %d", d.Cat[0][0], d.Cat[1][0], d.Dense[0][:3], d.Seq[0].IDs[:20], d.Seq[0].Len[0])
}
