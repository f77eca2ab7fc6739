package model

import (
	"fmt"
	"math"
)

// relu is the elementwise rectifier over n values (any shape, flattened).
//
//	y = max(0, x)
//	dx += dy · [x > 0]
//
// Where gemmUseKernel is on, the first len(x)&^7 values go through the
// 8-wide AVX2 kernels of relu_amd64.s, with the bits of the loops below
// for every input, NaNs included (TestReLU_KernelBits); the loops do the
// tail and every value elsewhere. BenchmarkReLU (65,536 values, random
// signs), main's loops against the kernels side by side, 5 pairs on a
// loaded machine (2026-11-30): forward 1.23 → 0.045 ns a value, backward
// 0.88 → 0.091, backward-set 0.95 → 0.081 (0.04–0.10×; BENCHMARKS.md,
// "ReLU in 8-wide kernels").
//
// The loops are branch-free: after BatchNorm the signs are random, and a
// branch on each one mispredicts every other value (`if v > 0` loops took
// 11 and 10 ns a value forward and backward, loaded, 2026-11-27, against
// 2.5 and 3.3 ns for these).

// reluForward: y[j] = max(0, x[j]) for j < len(x).
func reluForward(y, x []float32) {
	if len(y) < len(x) {
		panic(fmt.Sprintf("model: relu: y len %d, want %d", len(y), len(x)))
	}
	y = y[:len(x)]
	i := 0
	if gemmUseKernel && len(x) >= 8 {
		i = len(x) &^ 7
		relu8(&y[0], &x[0], i)
	}
	y = y[i:]
	for j, v := range x[i:] {
		y[j] = max(v, 0)
	}
}

// reluBackward: dx[j] += dy[j] where x[j] > 0 (the subgradient at 0 is 0).
func reluBackward(dx, dy, x []float32) {
	if len(dx) < len(x) || len(dy) < len(x) {
		panic(fmt.Sprintf("model: relu: dx len %d, dy len %d, want %d", len(dx), len(dy), len(x)))
	}
	dx, dy = dx[:len(x)], dy[:len(x)]
	i := 0
	if gemmUseKernel && len(x) >= 8 {
		i = len(x) &^ 7
		reluBack8(&dx[0], &dy[0], &x[0], i, false)
	}
	dx, dy = dx[i:], dy[i:]
	for j, v := range x[i:] {
		dx[j] += math.Float32frombits(math.Float32bits(dy[j]) & positiveMask(v))
	}
}

// reluBackwardSet: dx[j] = dy[j] where x[j] > 0, else 0 (reluBackward into
// a dx that holds nothing yet, without clearing it first). Its own loop, not
// reluBackward's with a flag: folded into one loop, the compiler ordered
// reluBackward's add the other way round, and which of two NaNs comes out
// (TestReLU_KernelBits) no longer matched the kernel's.
func reluBackwardSet(dx, dy, x []float32) {
	if len(dx) < len(x) || len(dy) < len(x) {
		panic(fmt.Sprintf("model: relu: dx len %d, dy len %d, want %d", len(dx), len(dy), len(x)))
	}
	dx, dy = dx[:len(x)], dy[:len(x)]
	i := 0
	if gemmUseKernel && len(x) >= 8 {
		i = len(x) &^ 7
		reluBack8(&dx[0], &dy[0], &x[0], i, true)
	}
	dx, dy = dx[i:], dy[i:]
	for j, v := range x[i:] {
		dx[j] = math.Float32frombits(math.Float32bits(dy[j]) & positiveMask(v))
	}
}

// positiveMask is all ones when v > 0 and zero otherwise (+0, −0 and
// negatives), from the bits: as an int32 s, v > 0 exactly when s > 0 (a NaN
// with the sign bit clear counts as positive), and s > 0 exactly when both
// −s and ^s are negative, so the sign bit of (−s) & ^s is the answer (−0 is
// MinInt32, whose ^s is positive).
func positiveMask(v float32) uint32 {
	s := int32(math.Float32bits(v))
	return uint32(((-s) & ^s) >> 31)
}
