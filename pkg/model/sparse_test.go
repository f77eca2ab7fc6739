package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// sparsePair builds two trainers for the same model, data and initial
// weights: one with sparse embedding updates, one dense.
func sparsePair(t testing.TB, name, optimizer string, cfg synthConfig) (sp, dn *trainer, rows [][]int32) {
	t.Helper()
	ds := withPooled(synth(cfg), 31)
	p := smallParams(name)
	p.Optimizer, p.BatchNorm, p.Dropout, p.AttentionDim, p.BatchSize = optimizer, true, 0.1, 8, 64
	p = p.WithDefaults()
	mk := func(sparse bool) *trainer {
		tr := newTestTrainer(t, ds, p)
		s := tr.net.params()
		tr.init(rand.New(rand.NewPCG(7, 7)))
		tr.upd = newUpdatePlan(s, ds, p.BatchSize, sparse)
		return tr
	}
	for i := 0; i+p.BatchSize <= len(ds.Train) && len(rows) < 6; i += p.BatchSize {
		rows = append(rows, ds.Train[i:i+p.BatchSize])
	}
	return mk(true), mk(false), rows
}

// TestSparse_MatchesDenseSGD: with sgd and adagrad a zero gradient moves
// nothing, so updating only the rows a batch uses must give bit for bit the
// weights of the dense update, for every model (pooled columns included).
// After every step the gradient slab must be all zero again: a backward
// that wrote a row the plan did not collect would leave it dirty here.
func TestSparse_MatchesDenseSGD(t *testing.T) {
	for _, name := range Models() {
		for _, opt := range []string{"sgd", "adagrad"} {
			t.Run(name+"/"+opt, func(t *testing.T) {
				sp, dn, batches := sparsePair(t, name, opt, synthConfig{Rows: 1500, Users: 400, Items: 600, Seed: 5})
				ss, ds := sp.net.params(), dn.net.params()
				if len(sp.upd.tables) == 0 {
					t.Fatal("no sparse tables planned")
				}
				skipped := 0
				for k, rows := range batches {
					sp.step(rows, 0.05, ss)
					dn.step(rows, 0.05, ds)
					for _, tb := range sp.upd.tables {
						skipped += len(tb.mark) - len(tb.rows)
					}
					for j, g := range ss.G {
						if g != 0 {
							t.Fatalf("step %d: gradient entry %d (%s) is %v after the step", k, j, ss.nameAt(j), g)
						}
					}
					for j := range ss.W {
						if ss.W[j] != ds.W[j] {
							t.Fatalf("step %d: weight %d (%s): sparse %v, dense %v", k, j, ss.nameAt(j), ss.W[j], ds.W[j])
						}
					}
				}
				if skipped <= 0 {
					t.Errorf("the batches use every row: the test does not exercise skipping")
				}
			})
		}
	}
}

// TestSparse_AdamLeavesUnusedRows: with adam (lazy), a row no batch has used
// keeps its initial weights, and a used one moves.
func TestSparse_AdamLeavesUnusedRows(t *testing.T) {
	sp, _, batches := sparsePair(t, "dot", "adam", synthConfig{Rows: 1500, Users: 400, Items: 600, Seed: 5})
	s := sp.net.params()
	init := append([]float32(nil), s.W...)
	used := map[[2]int]bool{}
	for _, rows := range batches[:2] {
		sp.step(rows, 0.01, s)
		for ti, tb := range sp.upd.tables {
			for _, id := range tb.rows {
				used[[2]int{ti, int(id)}] = true
			}
		}
	}
	moved, kept := 0, 0
	for ti, tb := range sp.upd.tables {
		for id := range len(tb.mark) {
			lo := tb.off + id*tb.d
			same := true
			for j := lo; j < lo+tb.d; j++ {
				same = same && s.W[j] == init[j]
			}
			switch {
			case used[[2]int{ti, id}] && !same:
				moved++
			case !used[[2]int{ti, id}] && same:
				kept++
			case !used[[2]int{ti, id}]:
				t.Fatalf("table %d row %d moved without being used", ti, id)
			}
		}
	}
	if moved == 0 || kept == 0 {
		t.Errorf("%d used rows moved, %d unused rows kept: want both > 0", moved, kept)
	}
}

// BenchmarkStep_LargeVocab: one dot training step (batch 256) with 200,000
// users and 200,000 items, sparse against dense embedding updates.
func BenchmarkStep_LargeVocab(b *testing.B) {
	cfg := synthConfig{Rows: 5000, Users: 200000, Items: 200000, Seed: 3}
	for _, mode := range []string{"sparse", "dense"} {
		b.Run(mode, func(b *testing.B) {
			sp, dn, batches := sparsePair(b, "dot", "adam", cfg)
			tr := sp
			if mode == "dense" {
				tr = dn
			}
			s := tr.net.params()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				tr.step(batches[i%len(batches)], 0.01, s)
			}
		})
	}
}

// nameAt names the tensor holding slab entry j (for test messages).
func (s *slab) nameAt(j int) string {
	for _, t := range s.tensors {
		if t.Off <= j && j < t.Off+t.Len {
			return t.Name
		}
	}
	return "?"
}

// TestClip: clipping scales the step's gradient by maxNorm/(‖G‖ + 1e-6)
// when that is below 1 and leaves it alone otherwise, with ‖G‖ taken over
// every trainable parameter. The sparse plan must see the whole norm: its
// result must equal clipping computed over the dense slab.
func TestClip(t *testing.T) {
	for _, name := range []string{"dot", "autoint+"} {
		t.Run(name, func(t *testing.T) {
			sp, _, batches := sparsePair(t, name, "adam", synthConfig{Rows: 600, Users: 100, Items: 200, Seed: 3})
			s := sp.net.params()
			rows := batches[0]
			n := len(rows)
			grad := func() []float32 { // the step's gradient, before any update
				clear(s.G)
				z, dz, y := sp.z[:n], sp.dz[:n], sp.y[:n]
				for j, r := range rows {
					y[j] = sp.ds.Label[r]
				}
				sp.net.forward(sp.ds, rows, z, nil)
				bceForward(z, y)
				clear(dz)
				bceBackward(dz, z, y, 1/float32(n))
				sp.upd.collect(sp.ds, rows)
				sp.net.backward(dz)
				return slices.Clone(s.G)
			}
			g := grad()
			norm := math.Sqrt(sumSquares(g[:s.Trainable]))
			if norm == 0 {
				t.Fatal("zero gradient")
			}
			if got := sp.upd.clip(s, 2*norm); math.Abs(got-norm) > 1e-9*norm {
				t.Fatalf("clip returned norm %v, the slab's is %v", got, norm)
			}
			if !slices.Equal(s.G, g) {
				t.Fatal("clipping at twice the norm changed the gradient")
			}
			maxNorm := norm / 4
			g = grad()
			sp.upd.clip(s, maxNorm)
			f := float32(maxNorm / (norm + 1e-6))
			for j := range g {
				if want := g[j] * f; s.G[j] != want {
					t.Fatalf("entry %d (%s): clipped %v, want %v", j, s.nameAt(j), s.G[j], want)
				}
			}
			if after := math.Sqrt(sumSquares(s.G)); math.Abs(after-maxNorm) > 1e-5*maxNorm {
				t.Fatalf("norm after clipping %v, want %v", after, maxNorm)
			}
		})
	}
}

// TestSparse_PlansWhatTheModelReads: a step plans, in each table, exactly
// the ids the model looks up there: a model without histories (logreg, the
// wide part of deepfm) plans no history item, `history: first` no item of
// the second column, max_len only the positions it reads. A planned row
// the model never reads would be stepped on a zero gradient (with adam:
// moved by its momentum); an unplanned row it reads would keep a dirty
// gradient, which the step's end checks.
func TestSparse_PlansWhatTheModelReads(t *testing.T) {
	ds := twoHistories(synth(synthConfig{Rows: 1200, Users: 300, Items: 500, HistLen: 8, Clusters: 7, Seed: 4}), 7)
	cases := []struct {
		name    string
		model   string
		history string
		maxLen  int
		read    map[string][]int // table name → history columns read in it
		readLen int
	}{
		{"logreg", "logreg", "", 0, nil, 0},
		{"deepfm", "deepfm", "", 0, map[string][]int{"emb_item": {0}, "emb_category": {1}}, 8},
		{"din/all", "din", "", 0, map[string][]int{"emb_item": {0}, "emb_category": {1}}, 8},
		{"din/first", "din", "first", 0, map[string][]int{"emb_item": {0}}, 8},
		{"dot/max_len 3", "dot", "", 3, map[string][]int{"emb_item": {0}, "emb_category": {1}}, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := smallParams(c.model)
			p.Optimizer, p.History, p.MaxLen, p.BatchSize = "adam", c.history, c.maxLen, 128
			p = p.WithDefaults()
			tr := newTestTrainer(t, ds, p)
			s := tr.net.params()
			tr.init(rand.New(rand.NewPCG(1, 1)))
			rows := ds.Train[:128]
			tr.step(rows, 0.01, s)
			for _, tb := range tr.upd.tables {
				name := s.tensors[slices.IndexFunc(s.tensors, func(x tensor) bool { return x.Off == tb.off })].Name
				want := map[int32]bool{}
				for _, r := range rows {
					want[ds.Cat[tb.field][r]] = true
				}
				for _, k := range c.read[name] {
					sq := ds.Seq[k]
					for _, r := range rows {
						ln := min(int(sq.Len[r]), c.readLen)
						for _, id := range sq.IDs[int(r)*sq.MaxLen : int(r)*sq.MaxLen+ln] {
							want[id] = true
						}
					}
					if k > 0 {
						want[0] = true // the padding id of a second column
					}
				}
				got := map[int32]bool{}
				for _, id := range tb.rows {
					got[id] = true
				}
				if len(got) != len(want) {
					t.Errorf("%s: planned %d rows, the model reads %d", name, len(got), len(want))
				}
				for id := range want {
					if !got[id] {
						t.Errorf("%s: row %d is read but not planned", name, id)
					}
				}
			}
			for j, g := range s.G {
				if g != 0 {
					t.Fatalf("gradient entry %d (%s) is %v after the step: a read row was not planned", j, s.nameAt(j), g)
				}
			}
		})
	}
}
