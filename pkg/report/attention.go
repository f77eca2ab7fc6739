package report

import (
	"math"
	"sort"

	"github.com/attnsweep/attnsweep/pkg/store"
)

// AttentionView is what the best attention trial with stored weights
// attends to for a few validation rows.
type AttentionView struct {
	TrialRef
	Positions int // the most positions a sample has (the heat map's columns)
	Samples   []AttentionSample
}

// AttentionSample is one validation row's attention.
type AttentionSample struct {
	Row          int32
	Label, Score float64
	Target       int32   // the candidate item (0 when unknown)
	Items        []int32 // history items, most recent first (autoint: the tokens)
	Weights      []float64
	Top          []TopPosition // the three largest weights, largest first
}

// TopPosition is one position of a sample with its weight.
type TopPosition struct {
	Position int // 1 = the most recent
	Item     int32
	Weight   float64
	IsTarget bool // the item is the candidate itself
}

// attentionRows returns, for each attention model in rank order, its best
// finished trial that stored attention weights, with them.
func (b *builder) attentionRows() ([]*store.Trial, [][]store.AttentionRow, error) {
	var trials []*store.Trial
	var rows [][]store.AttentionRow
	seen := map[string]bool{}
	for _, t := range b.ranked {
		if !attends(t.Model) || seen[t.Model] {
			continue
		}
		r, err := b.db.Attention(t.ID)
		if err != nil {
			return nil, nil, err
		}
		if len(r) > 0 {
			seen[t.Model] = true
			trials, rows = append(trials, t), append(rows, r)
		}
	}
	return trials, rows, nil
}

// attention fills the heat map of the best attention trial and the
// entropy of every attention model's weights.
func (b *builder) attention() error {
	trials, rows, err := b.attentionRows()
	if err != nil || len(trials) == 0 {
		return err
	}
	for i, t := range trials {
		b.r.Entropy = append(b.r.Entropy, entropyOf(refOf(t), rows[i]))
	}
	v := &AttentionView{TrialRef: refOf(trials[0])}
	for _, r := range rows[0] {
		s := AttentionSample{Row: r.Row, Label: r.Label, Score: r.Score, Target: r.Target, Items: r.Items,
			Weights: meanWeights(r.Weights, len(r.Items))}
		v.Positions = max(v.Positions, len(r.Items))
		order := make([]int, len(s.Weights))
		for j := range order {
			order[j] = j
		}
		sort.SliceStable(order, func(a, c int) bool { return s.Weights[order[a]] > s.Weights[order[c]] })
		for _, j := range order[:min(3, len(order))] {
			s.Top = append(s.Top, TopPosition{Position: j + 1, Item: r.Items[j], Weight: s.Weights[j],
				IsTarget: r.Target != 0 && r.Items[j] == r.Target})
		}
		v.Samples = append(v.Samples, s)
	}
	b.r.Attention = v
	return nil
}

// meanWeights averages per-head (or per-layer) weights over n positions.
func meanWeights(w [][]float32, n int) []float64 {
	out := make([]float64, n)
	for _, head := range w {
		for j := 0; j < n && j < len(head); j++ {
			out[j] += float64(head[j]) / float64(len(w))
		}
	}
	return out
}

// Entropy says how far one attention model's weights are from uniform: the
// entropy of each stored weight vector (a validation row and a head or
// layer, over the positions it weighs) averaged, against the entropy of
// uniform weights over the same positions (log n for n positions).
type Entropy struct {
	TrialRef
	Vectors int     // weight vectors measured
	Skipped int     // vectors with fewer than 2 positions or a negative weight
	Mean    float64 // mean entropy, nats
	Uniform float64 // mean log n, nats
	// Normalised: some vectors did not sum to 1 (DIN without softmax) and
	// were scaled to sum to 1 first.
	Normalised bool
}

// Ratio is Mean/Uniform: 1 for uniform weights (mean pooling), 0 for all
// weight on one position.
func (e Entropy) Ratio() float64 { return e.Mean / e.Uniform }

// NearUniform is the Ratio from which attention reads as mean pooling.
const NearUniform = 0.95

// Focused is the Ratio up to which attention reads as picking a few positions.
const Focused = 0.5

func entropyOf(ref TrialRef, rows []store.AttentionRow) Entropy {
	e := Entropy{TrialRef: ref}
	var sumH, sumU float64
	for _, r := range rows {
		for _, w := range r.Weights {
			h, u, normalised, ok := vectorEntropy(w)
			if !ok {
				e.Skipped++
				continue
			}
			e.Vectors++
			sumH, sumU = sumH+h, sumU+u
			e.Normalised = e.Normalised || normalised
		}
	}
	e.Mean, e.Uniform = math.NaN(), math.NaN()
	if e.Vectors > 0 {
		e.Mean, e.Uniform = sumH/float64(e.Vectors), sumU/float64(e.Vectors)
	}
	return e
}

// vectorEntropy is −Σ p·log p of weights w scaled to sum to 1, and log n;
// ok is false for fewer than 2 positions, a negative or NaN weight, or no
// weight at all.
func vectorEntropy(w []float32) (h, uniform float64, normalised, ok bool) {
	if len(w) < 2 {
		return 0, 0, false, false
	}
	var sum float64
	for _, x := range w {
		if !(x >= 0) {
			return 0, 0, false, false
		}
		sum += float64(x)
	}
	if sum <= 0 {
		return 0, 0, false, false
	}
	for _, x := range w {
		if p := float64(x) / sum; p > 0 {
			h -= p * math.Log(p)
		}
	}
	return h, math.Log(float64(len(w))), math.Abs(sum-1) > 1e-3, true
}
