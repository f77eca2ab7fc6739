package model

import "math"

// Float32 exponential and sigmoid for the hot loops (Dice's gate over every
// hidden value, the attention softmax). Through float64 math.Exp, Dice's
// sigmoid was 42 % of a DIN training step; these stay in float32 and have no
// branches, at relative errors below 3e-7 (exp) and 5e-7 (sigmoid), checked
// by TestExpNeg32 and TestSigmoid32. The loss, the scores and the metrics
// keep the float64 sigmoid.

const (
	ln2Hi    = 0.693359375                     // ln 2 split so that k·ln2Hi is exact for |k| ≤ 2^9
	ln2Lo    = -2.12194440e-4                  // ln 2 − ln2Hi
	log2e    = 1.44269504088896340735992468100 // 1/ln 2
	expRound = 12582912                        // 1.5·2^23: adding and subtracting it rounds to an integer
)

// expNeg32 is e^x for x ≤ 0 (results below e^−87, the smallest normal
// float32, come out as about 1.6e−38 rather than subnormal or 0; a NaN stays
// NaN). x = k·ln2 + r with |r| ≤ ln2/2, e^r by its Taylor polynomial to r^6
// (truncation error < 1.3e−7 relative), times 2^k built from the bits.
func expNeg32(x float32) float32 {
	x = max(x, -87)
	kf := x*log2e + expRound
	kf -= expRound
	r := x - kf*ln2Hi - kf*ln2Lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720))))))
	return p * math.Float32frombits(uint32(int32(kf)+127)<<23)
}

// sigmoid32 is σ(z) = 1/(1+e^−z) in float32, from e = e^−|z| (never
// overflows): 1/(1+e) for z ≥ 0, e/(1+e) for z < 0, chosen by the sign bit.
func sigmoid32(z float32) float32 {
	b := math.Float32bits(z)
	e := expNeg32(math.Float32frombits(b | 1<<31)) // e^−|z|
	neg := uint32(int32(b) >> 31)                  // all ones when z < 0 (or −0)
	num := math.Float32frombits(math.Float32bits(e)&neg | math.Float32bits(1)&^neg)
	return num / (1 + e)
}

// sigmoidSlice writes dst[i] = σ(src[i]) for i < len(src) (dst may be src):
// eight at a time with AVX2/FMA where the GEMM kernel runs (the same CPU
// features), the rest with sigmoid32. The two agree to the tolerance of
// TestSigmoidSlice, not bit for bit (FMA rounds once).
func sigmoidSlice(dst, src []float32) {
	dst = dst[:len(src)]
	i := 0
	if gemmUseKernel && len(src) >= 8 {
		i = len(src) &^ 7
		sigmoid8(&dst[0], &src[0], i)
	}
	for ; i < len(src); i++ {
		dst[i] = sigmoid32(src[i])
	}
}
