package model

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

func TestAUC_HandCases(t *testing.T) {
	cases := []struct {
		name   string
		scores []float32
		labels []float32
		want   float64
	}{
		// Positives 0.35, 0.8, 0.4; negatives 0.1, 0.4. Ascending ranks:
		// 0.1→1, 0.35→2, 0.4 and 0.4 tie on ranks 3,4 → 3.5 each, 0.8→5.
		// Positive rank sum 2 + 3.5 + 5 = 10.5; minus P(P+1)/2 = 6 → 4.5;
		// over P·N = 6 → 0.75. (Pairwise: 1+0+1+1+1+½ = 4.5 of 6.)
		{"tie across classes", []float32{0.1, 0.4, 0.35, 0.8, 0.4}, []float32{0, 0, 1, 1, 1}, 0.75},
		// Ascending: 0.2→1, 0.3→2, three 0.7 on ranks 3,4,5 → 4, 0.9→6.
		// Positives 0.9, 0.7, 0.3: 6 + 4 + 2 = 12; 12 − 6 = 6; 6/9 = 2/3.
		{"three-way tie", []float32{0.9, 0.7, 0.7, 0.7, 0.3, 0.2}, []float32{1, 1, 0, 0, 1, 0}, 2.0 / 3},
		// Everything tied: every pair counts ½.
		{"all tied", []float32{0.5, 0.5, 0.5, 0.5}, []float32{0, 1, 0, 1}, 0.5},
		{"perfect", []float32{0.1, 0.2, 0.9, 0.8}, []float32{0, 0, 1, 1}, 1},
		{"reversed", []float32{0.9, 0.8, 0.1, 0.2}, []float32{0, 0, 1, 1}, 0},
	}
	for _, tc := range cases {
		if got := AUC(tc.scores, tc.labels); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: AUC = %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := AUC([]float32{0.1, 0.7}, []float32{1, 1}); !math.IsNaN(got) {
		t.Errorf("one class: AUC = %v, want NaN", got)
	}
	if got := AUC(nil, nil); !math.IsNaN(got) {
		t.Errorf("no rows: AUC = %v, want NaN", got)
	}
}

// TestAUC_MatchesPairCount compares with the O(n²) definition on data with
// many ties.
func TestAUC_MatchesPairCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	n := 300
	s, y := make([]float32, n), make([]float32, n)
	for i := range s {
		s[i] = float32(rng.IntN(20)) / 20
		if rng.Float64() < 0.2+0.6*float64(s[i]) {
			y[i] = 1
		}
	}
	var num, den float64
	for i := range s {
		for j := range s {
			if y[i] == 1 && y[j] == 0 {
				den++
				switch {
				case s[i] > s[j]:
					num++
				case s[i] == s[j]:
					num += 0.5
				}
			}
		}
	}
	if got, want := AUC(s, y), num/den; math.Abs(got-want) > 1e-12 {
		t.Errorf("AUC = %v, pair count %v", got, want)
	}
}

func TestWeightedAUC_HandCase(t *testing.T) {
	// Scores 0.1(neg) 0.4(pos) 0.4(neg) 0.8(pos). Pairs (pos, neg):
	// 0.4>0.1 1, 0.4=0.4 ½, 0.8>0.1 1, 0.8>0.4 1 → 3.5 of 4.
	s := []float32{0.1, 0.4, 0.4, 0.8}
	l := []float32{0, 1, 0, 1}
	if got := WeightedAUC(s, l, []float64{1, 1, 1, 1}); math.Abs(got-0.875) > 1e-12 {
		t.Fatalf("WeightedAUC = %v, want 0.875", got)
	}
	// The tied negative twice: (1 + ½·2 + 1 + 1·2)/(2·3) = 5/6.
	if got := WeightedAUC(s, l, []float64{1, 1, 2, 1}); math.Abs(got-5.0/6) > 1e-12 {
		t.Fatalf("WeightedAUC = %v, want 5/6", got)
	}
	// Weight 0 drops a row: without the 0.8 positive, 1.5 of 2.
	if got := WeightedAUC(s, l, []float64{1, 1, 1, 0}); math.Abs(got-0.75) > 1e-12 {
		t.Fatalf("WeightedAUC = %v, want 0.75", got)
	}
	if got := WeightedAUC(s, l, []float64{1, 0, 1, 0}); !math.IsNaN(got) {
		t.Fatalf("no positive weight: WeightedAUC = %v, want NaN", got)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a negative weight did not panic")
		}
	}()
	WeightedAUC(s, l, []float64{1, -1, 1, 1})
}

// TestWeightedAUC_MatchesAUC: unit weights give AUC, and whole-number
// weights give the AUC of the rows repeated, NaN scores included.
func TestWeightedAUC_MatchesAUC(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	n := 200
	s, y, w := make([]float32, n), make([]float32, n), make([]float64, n)
	var rs, ry []float32
	for i := range s {
		s[i] = float32(rng.IntN(15)) / 15
		if i%17 == 0 {
			s[i] = float32(math.NaN())
		}
		if rng.Float64() < 0.3+0.4*float64(s[i]) {
			y[i] = 1
		}
		w[i] = float64(rng.IntN(4))
		for k := 0; k < int(w[i]); k++ {
			rs, ry = append(rs, s[i]), append(ry, y[i])
		}
	}
	ones := make([]float64, n)
	for i := range ones {
		ones[i] = 1
	}
	if got, want := WeightedAUC(s, y, ones), AUC(s, y); math.Abs(got-want) > 1e-12 {
		t.Errorf("unit weights: WeightedAUC = %v, AUC = %v", got, want)
	}
	if got, want := WeightedAUC(s, y, w), AUC(rs, ry); math.Abs(got-want) > 1e-12 {
		t.Errorf("count weights: WeightedAUC = %v, AUC of the repeated rows = %v", got, want)
	}
	// The same rows in ascending order take the one-pass path.
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return cmp.Less(s[idx[a]], s[idx[b]]) })
	ss, sy, sw := make([]float32, n), make([]float32, n), make([]float64, n)
	for k, i := range idx {
		ss[k], sy[k], sw[k] = s[i], y[i], w[i]
	}
	if got, want := WeightedAUC(ss, sy, sw), AUC(rs, ry); math.Abs(got-want) > 1e-12 {
		t.Errorf("sorted rows: WeightedAUC = %v, AUC of the repeated rows = %v", got, want)
	}
}

func TestLogLoss_HandCases(t *testing.T) {
	// −(ln 0.9 + ln 0.8 + ln 0.6 + ln(1 − 1e-7))/4
	// = (0.1053605 + 0.2231436 + 0.5108256 + 0.0000001)/4 = 0.2098325
	// (p = 0 with y = 0 is clipped to 1e-7: its term is −ln(1 − 1e-7) ≈ 1e-7).
	got := LogLoss([]float32{0.9, 0.2, 0.6, 0}, []float32{1, 0, 1, 0})
	if math.Abs(got-0.2098325) > 1e-6 {
		t.Errorf("LogLoss = %v, want 0.2098325", got)
	}
	// Certain and wrong: both clipped to −ln(1e-7) = 16.1180957.
	for _, tc := range [][2]float32{{0, 1}, {1, 0}} {
		got := LogLoss([]float32{tc[0]}, []float32{tc[1]})
		if math.Abs(got-16.1180957) > 1e-5 {
			t.Errorf("LogLoss(p=%v, y=%v) = %v, want 16.1180957", tc[0], tc[1], got)
		}
	}
	if got := LogLoss(nil, nil); !math.IsNaN(got) {
		t.Errorf("LogLoss of no rows = %v, want NaN", got)
	}
}

// TestGAUC_HandCase: three groups.
//
//	group 1: scores 0.9 (1), 0.2 (0), 0.4 (1) → positives above the negative: AUC 1, n 3
//	group 2: scores 0.3 (1), 0.6 (0)           → AUC 0, n 2
//	group 3: scores 0.5 (1), 0.7 (1)           → one class: left out
//	GAUC = (3·1 + 2·0)/(3 + 2) = 0.6
func TestGAUC_HandCase(t *testing.T) {
	s := []float32{0.9, 0.3, 0.2, 0.5, 0.6, 0.4, 0.7}
	y := []float32{1, 1, 0, 1, 0, 1, 1}
	g := []int32{1, 2, 1, 3, 2, 1, 3}
	if got := GAUC(s, y, g); math.Abs(got-0.6) > 1e-12 {
		t.Errorf("GAUC = %v, want 0.6", got)
	}
	if got := GAUC(s, y, nil); !math.IsNaN(got) {
		t.Errorf("GAUC without groups = %v, want NaN", got)
	}
	if got := GAUC([]float32{0.1, 0.2}, []float32{1, 1}, []int32{1, 2}); !math.IsNaN(got) {
		t.Errorf("GAUC without a mixed group = %v, want NaN", got)
	}
}

// TestThreshold_HandCase: p ≥ 0.5 predicts a click.
//
//	p:  0.9 0.6 0.5 0.4 0.2 0.7
//	y:  1   0   1   1   0   1
//	TP = 3 (0.9, 0.5, 0.7), FP = 1 (0.6), FN = 1 (0.4), TN = 1 (0.2)
//	accuracy 4/6, precision 3/4, recall 3/4, F1 = 0.75
func TestThreshold_HandCase(t *testing.T) {
	acc, prec, rec, f1 := Threshold([]float32{0.9, 0.6, 0.5, 0.4, 0.2, 0.7}, []float32{1, 0, 1, 1, 0, 1}, 0.5)
	for _, c := range [][2]float64{{acc, 4.0 / 6}, {prec, 0.75}, {rec, 0.75}, {f1, 0.75}} {
		if math.Abs(c[0]-c[1]) > 1e-12 {
			t.Errorf("got %v, want %v (acc %v prec %v rec %v f1 %v)", c[0], c[1], acc, prec, rec, f1)
		}
	}
	// No predicted clicks: precision and F1 undefined.
	acc, prec, rec, f1 = Threshold([]float32{0.1, 0.2}, []float32{1, 0}, 0.5)
	if acc != 0.5 || !math.IsNaN(prec) || rec != 0 || !math.IsNaN(f1) {
		t.Errorf("no predicted clicks: %v %v %v %v", acc, prec, rec, f1)
	}
	// Predicted clicks, none right: precision 0, recall 0, F1 0.
	_, prec, rec, f1 = Threshold([]float32{0.9, 0.2}, []float32{0, 1}, 0.5)
	if prec != 0 || rec != 0 || f1 != 0 {
		t.Errorf("all wrong: %v %v %v", prec, rec, f1)
	}
}

// TestCalibration_HandCase: 20 rows, predictions 0.05·k (k = 0..19) given
// out of order; label 1 for k ≥ 10 and for k = 3. Ten buckets of two:
// bucket b holds k = 2b, 2b+1 → mean prediction 0.05·(2b + 0.5), click rate
// 0 for b < 5 except b = 1 (k = 3: 0.5), 1 for b ≥ 5.
func TestCalibration_HandCase(t *testing.T) {
	var p, y []float32
	for i := 0; i < 20; i++ {
		k := (i * 7) % 20 // a permutation of 0..19
		p = append(p, 0.05*float32(k))
		if k >= 10 || k == 3 {
			y = append(y, 1)
		} else {
			y = append(y, 0)
		}
	}
	b := Calibration(p, y, 10)
	if len(b) != 10 {
		t.Fatalf("%d buckets, want 10", len(b))
	}
	for i, bk := range b {
		wantRate := 0.0
		switch {
		case i == 1:
			wantRate = 0.5
		case i >= 5:
			wantRate = 1
		}
		if bk.N != 2 || math.Abs(bk.MeanPred-0.05*(2*float64(i)+0.5)) > 1e-6 || bk.MeanLabel != wantRate {
			t.Errorf("bucket %d: %+v, want N 2, mean pred %v, rate %v", i, bk, 0.05*(2*float64(i)+0.5), wantRate)
		}
	}
	if got := Calibration(p[:3], y[:3], 10); len(got) != 3 {
		t.Errorf("3 rows gave %d buckets, want 3 of one row", len(got))
	}
	if Calibration(nil, nil, 10) != nil {
		t.Error("no rows should give no buckets")
	}
	// Tied predictions fill the buckets in row order (as a stable sort
	// puts them): 3000 rows of 3 values, labels by row.
	p, y = make([]float32, 3000), make([]float32, 3000)
	for i := range p {
		p[i] = float32((i*7919)%3) / 4
		y[i] = float32(i % 5 % 2)
	}
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(p[a], p[b]) })
	got := Calibration(p, y, 7)
	for b, bk := range got {
		lo, hi := b*len(p)/7, (b+1)*len(p)/7
		var sy float64
		for _, i := range idx[lo:hi] {
			sy += float64(y[i])
		}
		if bk.MeanLabel != sy/float64(hi-lo) {
			t.Errorf("ties: bucket %d has rate %v, want %v (rows in row order)", b, bk.MeanLabel, sy/float64(hi-lo))
		}
	}
}

// TestCompute fills every field consistently with the single functions.
func TestCompute(t *testing.T) {
	p := []float32{0.9, 0.3, 0.2, 0.5, 0.6, 0.4, 0.7}
	y := []float32{1, 1, 0, 1, 0, 1, 1}
	g := []int32{1, 2, 1, 3, 2, 1, 3}
	m := Compute(p, y, g)
	acc, prec, rec, f1 := Threshold(p, y, 0.5)
	if m.N != 7 || m.AUC != AUC(p, y) || m.LogLoss != LogLoss(p, y) || m.GAUC != 0.6 ||
		m.Accuracy != acc || m.Precision != prec || m.Recall != rec || m.F1 != f1 {
		t.Errorf("Compute = %+v", m)
	}
	if math.Abs(m.MeanPred-3.6/7) > 1e-6 || math.Abs(m.MeanLabel-5.0/7) > 1e-12 || len(m.Calibration) != 7 {
		t.Errorf("means %v %v, %d buckets", m.MeanPred, m.MeanLabel, len(m.Calibration))
	}
}
