package model

import (
	"math"
	"math/rand/v2"
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
