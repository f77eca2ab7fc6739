package model

import "fmt"

// fmInteraction is the second-order term of a factorization machine over F
// vectors of D values per row, the vectors at x[i*ldx + f*D] (f < F):
//
//	S_c = Σ_f v_fc
//	z_i += ½·Σ_c (S_c² − Σ_f v_fc²)          (= Σ_{f<g} v_f·v_g)
//	dv_fc += dz_i·(S_c − v_fc)
type fmInteraction struct {
	F, D int
	sum  []float32 // [cap, D] S of the last forward
	n    int
}

func newFMInteraction(f, d, capacity int) *fmInteraction {
	return &fmInteraction{F: f, D: d, sum: make([]float32, capacity*d)}
}

// forward adds the interaction of each of n rows to z[i].
func (fm *fmInteraction) forward(z, x []float32, ldx, n int) {
	f, d := fm.F, fm.D
	if n > 0 && (len(x) < (n-1)*ldx+f*d || ldx < f*d || len(z) < n || len(fm.sum) < n*d) {
		panic(fmt.Sprintf("model: fm: x len %d (ld %d), z len %d, want %d rows of %d", len(x), ldx, len(z), n, f*d))
	}
	fm.n = n
	for i := 0; i < n; i++ {
		s := fm.sum[i*d : i*d+d]
		clear(s)
		var sq float32
		for g := 0; g < f; g++ {
			v := x[i*ldx+g*d : i*ldx+g*d+d]
			for c, vc := range v {
				s[c] += vc
				sq += vc * vc
			}
		}
		var ss float32
		for _, sc := range s {
			ss += sc * sc
		}
		z[i] += 0.5 * (ss - sq)
	}
}

// backward adds dx for dz, with x the forward's input.
func (fm *fmInteraction) backward(dx, dz, x []float32, ldx int) {
	f, d := fm.F, fm.D
	for i := 0; i < fm.n; i++ {
		g := dz[i]
		s := fm.sum[i*d : i*d+d]
		for h := 0; h < f; h++ {
			off := i*ldx + h*d
			v, dv := x[off:off+d], dx[off:off+d]
			for c := range dv {
				dv[c] += g * (s[c] - v[c])
			}
		}
	}
}
