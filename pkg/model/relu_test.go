package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestReLU_Backward(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 1))
	x := randSlice(rng, 40)
	for i := range x { // keep away from the kink
		if math.Abs(float64(x[i])) < 0.05 {
			x[i] = 0.3
		}
	}
	y := make([]float32, len(x))
	r := randSlice(rng, len(x))
	obj := func() float64 { reluForward(y, x); return weighted(r, y) }
	dx := make([]float32, len(x))
	obj()
	reluBackward(dx, r, x)
	gradCheck(t, "x", x, dx, allIdx(len(x)), 1e-2, obj)
}

// TestReLU_Edges: both paths agree with the definition at the values where
// bit tricks go wrong (zeros of both signs, subnormals, ±Inf, NaNs), each
// value at every position of 19 (16 in the kernel where it runs, 3 in the
// tail): y is +0 (never −0) for v ≤ 0, v for v > 0 and a NaN for a NaN
// (a diverged trial must not turn into zeros); the gradient passes where v
// > 0, and for a NaN where its sign bit is clear (positiveMask).
func TestReLU_Edges(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	inf := float32(math.Inf(1))
	nan, negNaN := math.Float32frombits(0x7fc00000), math.Float32frombits(0xffc00000)
	vals := []float32{1, -1, 0, negZero, 1e-40, -1e-40, inf, -inf, math.MaxFloat32, -math.MaxFloat32, nan, negNaN}
	const n = 19
	for _, kernel := range []bool{true, false} {
		for _, v := range vals {
			for p := range n {
				x, dy := make([]float32, n), make([]float32, n)
				x[p], dy[p] = v, 3
				y, dx, set := make([]float32, n), make([]float32, n), make([]float32, n)
				dx[p], set[p] = 0.5, 0.5
				withKernels(kernel, func() {
					reluForward(y, x)
					reluBackward(dx, dy, x)
					reluBackwardSet(set, dy, x)
				})
				yOK := math.Float32bits(y[p]) == 0
				switch {
				case v != v:
					yOK = y[p] != y[p]
				case v > 0:
					yOK = y[p] == v
				}
				wantDx, wantSet := float32(0.5), float32(0)
				if v > 0 || (v != v && !math.Signbit(float64(v))) {
					wantDx, wantSet = 3.5, 3
				}
				if !yOK || dx[p] != wantDx || set[p] != wantSet {
					t.Errorf("kernel %v, relu(%v) at %d = %v, dx %v, set %v; want dx %v, set %v",
						kernel, v, p, y[p], dx[p], set[p], wantDx, wantSet)
				}
			}
		}
	}
}

// reluPool: the inputs of TestReLU_KernelBits, the special values first:
// NaNs of both signs (quiet, signalling, with payloads), ±Inf, ±0,
// subnormals, the smallest normals, ±tiny, ±MaxFloat32 and ordinary values.
var reluPool = func() []float32 {
	bits := []uint32{
		0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fa12345, 0xffd54321,
		0x7f800000, 0xff800000, 0x00000000, 0x80000000, 0x00000001, 0x80000001,
		0x007fffff, 0x807fffff, 0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff,
	}
	p := make([]float32, len(bits), len(bits)+7)
	for i, b := range bits {
		p[i] = math.Float32frombits(b)
	}
	return append(p, 1e-30, -1e-30, 0.5, -0.5, 1.25, -3, 1e30)
}()

// TestReLU_KernelBits: the 8-wide kernels give the bits of the Go loops,
// on every length 0..40 and a long one with every value of reluPool at
// every position mod 8 (x, dy and dx shifted through the pool; the long
// length has every (x, dy, dx) triple, so also a NaN dx plus a NaN dy,
// where the operand order of the add decides which NaN comes out).
func TestReLU_KernelBits(t *testing.T) {
	if !gemmHaveKernel {
		t.Skip("no ReLU kernel in this build or on this CPU: only the Go loops run")
	}
	P := len(reluPool)
	lengths := make([]int, 0, 42)
	for n := range 41 {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, P*P*P+5)
	for _, n := range lengths {
		for s := range P {
			x, dy, dx := make([]float32, n), make([]float32, n), make([]float32, n)
			for j := range n {
				x[j] = reluPool[(j+s)%P]
				dy[j] = reluPool[(j/P+3*j+s)%P]
				dx[j] = reluPool[(j/(P*P)+5*j+2*s)%P]
			}
			var out [2][3][]float32 // [kernel][forward, backward, backward set]
			for k, kernel := range []bool{false, true} {
				y, acc, set := make([]float32, n), append([]float32(nil), dx...), append([]float32(nil), dx...)
				withKernels(kernel, func() {
					reluForward(y, x)
					reluBackward(acc, dy, x)
					reluBackwardSet(set, dy, x)
				})
				out[k] = [3][]float32{y, acc, set}
			}
			for f, name := range []string{"forward", "backward", "backward set"} {
				if j := firstBitDiff(out[0][f], out[1][f]); j >= 0 {
					t.Fatalf("n %d shift %d: %s at %d: x %08x dy %08x dx %08x: loop %08x, kernel %08x", n, s, name, j,
						math.Float32bits(x[j]), math.Float32bits(dy[j]), math.Float32bits(dx[j]),
						math.Float32bits(out[0][f][j]), math.Float32bits(out[1][f][j]))
				}
			}
		}
	}
}

// firstBitDiff is the first index where a and b differ in their bits, or −1.
func firstBitDiff(a, b []float32) int {
	for j := range a {
		if math.Float32bits(a[j]) != math.Float32bits(b[j]) {
			return j
		}
	}
	return -1
}

// BenchmarkReLU: forward and both backwards over 65,536 values of random sign (as
// after BatchNorm), the case where a branch on the sign mispredicts.
func BenchmarkReLU(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := randSlice(rng, 1<<16)
	y, dy, dx := make([]float32, len(x)), randSlice(rng, len(x)), make([]float32, len(x))
	b.Run("forward", func(b *testing.B) {
		for b.Loop() {
			reluForward(y, x)
		}
	})
	b.Run("backward", func(b *testing.B) {
		for b.Loop() {
			reluBackward(dx, dy, x)
		}
	})
	b.Run("backward-set", func(b *testing.B) {
		for b.Loop() {
			reluBackwardSet(dx, dy, x)
		}
	})
}
