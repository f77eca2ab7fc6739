package model

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// AUC returns the area under the ROC curve of scores against labels (a label
// > 0.5 is positive), exactly: the rows are sorted once by score, tied scores
// share the average of their ranks, and
//
//	AUC = (Σ_{positive i} rank_i − P·(P+1)/2) / (P·N)
//
// with P positives, N negatives and 1-based ranks. A positive and a negative
// with the same score count one half. AUC is NaN when either class is absent.
// NaN scores sort below every number. It panics when the lengths differ.
func AUC(scores []float32, labels []float32) float64 {
	if len(scores) != len(labels) {
		panic(fmt.Sprintf("model: AUC: %d scores, %d labels", len(scores), len(labels)))
	}
	type pair struct {
		s   float32
		pos bool
	}
	ps := make([]pair, len(scores))
	var nPos int
	for i, s := range scores {
		ps[i] = pair{s, labels[i] > 0.5}
		if ps[i].pos {
			nPos++
		}
	}
	nNeg := len(ps) - nPos
	if nPos == 0 || nNeg == 0 {
		return math.NaN()
	}
	slices.SortFunc(ps, func(a, b pair) int { return cmp.Compare(a.s, b.s) })
	var rankSum float64 // Σ ranks of the positives
	for i := 0; i < len(ps); {
		j := i + 1
		for j < len(ps) && cmp.Compare(ps[j].s, ps[i].s) == 0 {
			j++
		}
		// Rows i..j-1 tie: ranks i+1..j, average (i+1+j)/2.
		avg := float64(i+1+j) / 2
		for _, p := range ps[i:j] {
			if p.pos {
				rankSum += avg
			}
		}
		i = j
	}
	p, n := float64(nPos), float64(nNeg)
	return (rankSum - p*(p+1)/2) / (p * n)
}

// logLossClip bounds probabilities away from 0 and 1 in LogLoss.
const logLossClip = 1e-7

// LogLoss returns the mean binary cross-entropy of probabilities p against
// labels, with p clipped to [1e-7, 1−1e-7]:
//
//	−(1/n)·Σ_i [y_i·log p_i + (1−y_i)·log(1−p_i)]
//
// It is NaN for no rows and panics when the lengths differ.
func LogLoss(p, labels []float32) float64 {
	if len(p) != len(labels) {
		panic(fmt.Sprintf("model: LogLoss: %d probabilities, %d labels", len(p), len(labels)))
	}
	if len(p) == 0 {
		return math.NaN()
	}
	var sum float64
	for i, pi := range p {
		q := min(max(float64(pi), logLossClip), 1-logLossClip)
		y := float64(labels[i])
		sum -= y*math.Log(q) + (1-y)*math.Log(1-q)
	}
	return sum / float64(len(p))
}
