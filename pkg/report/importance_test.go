package report

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// sampleTrials draws n trials from gen and scores them with f.
func sampleTrials(n int, seed uint64, gen func(*rand.Rand) map[string]any, f func(map[string]any) float64) ([]map[string]any, []float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	ps := make([]map[string]any, n)
	y := make([]float64, n)
	for i := range ps {
		ps[i] = gen(rng)
		y[i] = f(ps[i])
	}
	return ps, y
}

func importanceOf(imp []ParamImportance) map[string]float64 {
	m := map[string]float64{}
	for _, p := range imp {
		m[p.Name] = p.Importance
	}
	return m
}

func checkImportance(t *testing.T, got map[string]float64, want map[string]float64, tol float64) {
	t.Helper()
	sum := 0.0
	for name, w := range want {
		sum += got[name]
		if math.Abs(got[name]-w) > tol {
			t.Errorf("importance of %s = %.4f, want %.4f ± %.2f", name, got[name], w, tol)
		}
	}
	if sum > 1+1e-9 {
		t.Errorf("importances sum to %.4f > 1", sum)
	}
	t.Logf("got %v, want %v", got, want)
}

// Tolerances: a forest fitted to a few hundred trials splits on a small
// effect only in parts of the space, so fANOVA underestimates small effects
// by about a fifth (x3 below: 0.079 for 0.1; dropout: 0.067 for 0.082);
// large ones come within 0.01. The tolerances (0.03 to 0.04 absolute) allow
// for that and still fail if the variance fractions or the log scale were
// computed wrong (both checked by mutation).

// y = 3·x1 + 0·x2 + x3 on the unit cube: Var(3·x1) = 9/12 and Var(x3) =
// 1/12, so x1 explains 0.9 of the variance, x3 0.1 and x2 nothing.
func TestImportance_Linear(t *testing.T) {
	ps, y := sampleTrials(300, 1, func(r *rand.Rand) map[string]any {
		return map[string]any{"x1": r.Float64(), "x2": r.Float64(), "x3": r.Float64()}
	}, func(p map[string]any) float64 {
		return 3*p["x1"].(float64) + 0*p["x2"].(float64) + p["x3"].(float64)
	})
	got := importanceOf(Importance(ps, y, 7))
	checkImportance(t, got, map[string]float64{"x1": 0.9, "x2": 0, "x3": 0.1}, 0.03)
	if !(got["x1"] > got["x3"] && got["x3"] > got["x2"]) {
		t.Errorf("want x1 > x3 > x2, got %v", got)
	}
}

// An additive function of a log-uniform learning rate, a categorical
// optimizer and a uniform dropout. Exact variances: log10(lr) is uniform on
// [-4, -1]: 9/12 = 0.75; adam scores 1, the three others 0: 1/4·3/4 =
// 0.1875; 2·dropout with dropout uniform on [0, 0.5]: 1/12. Total 1.02083.
// The lr fraction (0.7347) holds only if lr is measured in the log scale.
func TestImportance_AdditiveMixed(t *testing.T) {
	opts := []string{"adam", "sgd", "adagrad", "rmsprop"}
	ps, y := sampleTrials(400, 2, func(r *rand.Rand) map[string]any {
		return map[string]any{
			"lr":         math.Pow(10, -4+3*r.Float64()),
			"optimizer":  opts[r.IntN(4)],
			"dropout":    0.5 * r.Float64(),
			"batch_size": int64(256), // constant: left out
		}
	}, func(p map[string]any) float64 {
		v := math.Log10(p["lr"].(float64)) + 2*p["dropout"].(float64)
		if p["optimizer"] == "adam" {
			v++
		}
		return v
	})
	imp := Importance(ps, y, 3)
	total := 0.75 + 0.1875 + 1.0/12
	checkImportance(t, importanceOf(imp), map[string]float64{
		"lr": 0.75 / total, "optimizer": 0.1875 / total, "dropout": (1.0 / 12) / total,
	}, 0.04)
	if len(imp) != 3 {
		t.Errorf("want 3 importances (batch_size is constant), got %v", imp)
	}
}

// y = x1·x2 on [-1, 1]²: neither variable explains anything alone; all the
// variance is their interaction, so the importances sum to about 0.
func TestImportance_PureInteraction(t *testing.T) {
	ps, y := sampleTrials(300, 3, func(r *rand.Rand) map[string]any {
		return map[string]any{"x1": 2*r.Float64() - 1, "x2": 2*r.Float64() - 1}
	}, func(p map[string]any) float64 { return p["x1"].(float64) * p["x2"].(float64) })
	checkImportance(t, importanceOf(Importance(ps, y, 1)), map[string]float64{"x1": 0, "x2": 0}, 0.08)
}

func TestImportance_DeterministicAndRobust(t *testing.T) {
	ps, y := sampleTrials(60, 4, func(r *rand.Rand) map[string]any {
		return map[string]any{"lr": math.Pow(10, -4+3*r.Float64()), "hidden": []int{64, 32}[:1+r.IntN(2)], "bn": r.IntN(2) == 0}
	}, func(p map[string]any) float64 { return math.Log10(p["lr"].(float64)) })
	y[5] = math.NaN() // a failed trial is left out
	delete(ps[7], "bn")
	a, b := Importance(ps, y, 9), Importance(ps, y, 9)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("same inputs and seed, different results: %v and %v", a, b)
	}
	if a[0].Name != "lr" || a[0].Importance < 0.9 {
		t.Errorf("want lr first with nearly all the variance, got %v", a)
	}
	if got := Importance(ps[:1], y[:1], 1); got != nil {
		t.Errorf("one trial: want no importances, got %v", got)
	}
}
