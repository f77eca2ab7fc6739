package model

// Masked softmax over the real positions of a row: callers pass only the
// first len scores (padding positions are never read or written here; the
// caller keeps their weights at 0).
//
//	w_j = exp(a_j − max a)/Σ_k exp(a_k − max a)
//	da_j += w_j·(dw_j − Σ_k w_k·dw_k)

// softmaxForward writes w = softmax(a) over len(a) values; w may be a.
func softmaxForward(w, a []float32) {
	if len(a) == 0 {
		return
	}
	w = w[:len(a)]
	maxA := a[0]
	for _, v := range a[1:] {
		maxA = max(maxA, v)
	}
	var sum float32
	for j, v := range a {
		e := expNeg32(v - maxA)
		w[j] = e
		sum += e
	}
	inv := 1 / sum
	for j := range w {
		w[j] *= inv
	}
}

// softmaxBackward adds da for dw, given the forward's output w.
func softmaxBackward(da, dw, w []float32) {
	dw, da = dw[:len(w)], da[:len(w)]
	var s float32
	for j, v := range w {
		s += v * dw[j]
	}
	for j, v := range w {
		da[j] += v * (dw[j] - s)
	}
}
