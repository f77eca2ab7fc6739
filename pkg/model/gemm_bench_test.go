package model

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
)

// Benchmarks of Gemm, single-threaded (run them with -cpu 1; the machine is
// shared, so compare paths side by side in one run):
//
//	go test ./pkg/model/ -run '^$' -bench 'Gemm' -cpu 1 -benchtime 1s
//
// Each reports GFLOP/s (2·m·n·k per call over wall time), cpu-GFLOP/s (over
// the CPU time of the benchmark's thread, which leaves out the time spent
// waiting for a core on a busy machine) and, where the assembly kernel
// exists, %peak: cpu-GFLOP/s as a share of the FMA units' peak, the best
// figure of the register-only loop gemmFMAPeak so far in the process
// (measured again after each benchmark; BenchmarkGemmPeak shows it alone).

// gemmBenchShape is one product: C[m×n] = op(A)[m×k]·op(B)[k×n].
type gemmBenchShape struct {
	name   string
	tA, tB bool
	m, n   int
	k      int
	relu   bool // half of A's elements are 0, as after a ReLU
}

// gemmBenchShapes: square products, then the DNN's layers at batch 4096
// (hidden 400, input 10 fields × embedding 10 = 100): the forward product,
// the weight gradient (xᵀ·dy) and the input gradient (dy·Wᵀ) of each; the
// output layer (400 → 1); the 400×400 layer at batch 1024 (dot, din); and
// AutoInt's stacked attention projections.
var gemmBenchShapes = []gemmBenchShape{
	{name: "square128", m: 128, n: 128, k: 128},
	{name: "square512", m: 512, n: 512, k: 512},
	{name: "dnn400x400_fwd", m: 4096, n: 400, k: 400},
	{name: "dnn400x400_fwd_relu", m: 4096, n: 400, k: 400, relu: true},
	{name: "dnn400x400_dW", tA: true, m: 400, n: 400, k: 4096},
	{name: "dnn400x400_dX", tB: true, m: 4096, n: 400, k: 400},
	{name: "dnn100x400_fwd", m: 4096, n: 400, k: 100},
	{name: "dnn100x400_dW", tA: true, m: 100, n: 400, k: 4096},
	{name: "dnn100x400_dX", tB: true, m: 4096, n: 100, k: 400},
	{name: "dnn400x1_fwd", m: 4096, n: 1, k: 400},
	{name: "b1024_400x400_fwd", m: 1024, n: 400, k: 400},
	{name: "b1024_400x400_dW", tA: true, m: 400, n: 400, k: 1024},
	{name: "b1024_400x400_dX", tB: true, m: 1024, n: 400, k: 400},
	// AutoInt's stacked projections X·[Wq Wk Wv] on a block of 25 rows × 10
	// tokens, 128 wide (selfattention.go), and over 1,024 rows at once.
	{name: "autoint_blk_fwd", m: 250, n: 384, k: 128},
	{name: "autoint_blk_dW", tA: true, m: 128, n: 384, k: 250},
	{name: "autoint_blk_dX", m: 250, n: 128, k: 384},
	{name: "autoint_blk_dX_tB", tB: true, m: 250, n: 128, k: 384},
	{name: "autoint_qkv_fwd", m: 10240, n: 384, k: 128},
	{name: "autoint_qkv_dW", tA: true, m: 128, n: 384, k: 10240},
	{name: "autoint_qkv_dX", tB: true, m: 10240, n: 128, k: 384},
}

// BenchmarkGemm runs every shape on the assembly kernel and on the portable
// kernels (the kernel before it), in the same run.
func BenchmarkGemm(b *testing.B) {
	for _, sh := range gemmBenchShapes {
		for _, path := range []string{"kernel", "portable"} {
			b.Run(sh.name+"/"+path, func(b *testing.B) {
				if path == "kernel" && !gemmHaveKernel {
					b.Skip("no assembly kernel in this build")
				}
				saved := gemmUseKernel
				defer func() { gemmUseKernel = saved }()
				gemmUseKernel = path == "kernel"
				benchGemm(b, sh)
			})
		}
	}
}

func benchGemm(b *testing.B, sh gemmBenchShape) {
	rng := rand.New(rand.NewPCG(1, 1))
	a := randSlice(rng, sh.m*sh.k)
	if sh.relu {
		for i := range a {
			if a[i] < 0 {
				a[i] = 0
			}
		}
	}
	bm := randSlice(rng, sh.k*sh.n)
	c := make([]float32, sh.m*sh.n)
	lda, ldb := sh.k, sh.n
	if sh.tA {
		lda = sh.m
	}
	if sh.tB {
		ldb = sh.k
	}
	Gemm(sh.tA, sh.tB, sh.m, sh.n, sh.k, 1, a, lda, bm, ldb, 0, c, sh.n) // warm the buffers
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := threadCPUTime()
	for i := 0; i < b.N; i++ {
		Gemm(sh.tA, sh.tB, sh.m, sh.n, sh.k, 1, a, lda, bm, ldb, 0, c, sh.n)
	}
	cpu := threadCPUTime() - cpu0
	b.StopTimer()
	reportGFLOPS(b, 2*float64(sh.m)*float64(sh.n)*float64(sh.k)*float64(b.N), cpu)
}

// reportGFLOPS reports flops over wall time and over the thread's CPU time,
// and the latter as a share of the measured peak.
func reportGFLOPS(b *testing.B, flops float64, cpu time.Duration) {
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if cpu <= 0 {
		return
	}
	g := flops / cpu.Seconds() / 1e9
	b.ReportMetric(g, "cpu-GFLOP/s")
	if gemmHaveKernel {
		b.ReportMetric(100*g/gemmPeakGFLOPS(), "%peak")
	}
}

// gemmPeakFlopsPerPass: 12 FMAs of 8 lanes, 2 flops each.
const gemmPeakFlopsPerPass = 12 * 8 * 2

// gemmPeakGFLOPS measures the register-only FMA loop on the thread's CPU
// time (a few runs of about 2 ms) and returns the best figure seen so far in
// the process: the clock of a shared machine moves with its load, and %peak
// is taken against the highest.
func gemmPeakGFLOPS() float64 {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const passes = 1 << 18
	gemmPeak.Lock()
	defer gemmPeak.Unlock()
	for try := 0; try < 3; try++ {
		t := threadCPUTime()
		gemmFMAPeak(passes, 1, 1e-3)
		if d := threadCPUTime() - t; d > 0 {
			gemmPeak.best = max(gemmPeak.best, gemmPeakFlopsPerPass*passes/d.Seconds()/1e9)
		}
	}
	return gemmPeak.best
}

var gemmPeak struct {
	sync.Mutex
	best float64
}

// BenchmarkGemmPeak is the FMA units' peak on one core: 12 independent
// 8-wide FMA chains on registers, nothing loaded or stored.
func BenchmarkGemmPeak(b *testing.B) {
	if !gemmHaveKernel {
		b.Skip("no assembly kernel in this build")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const passes = 1 << 16
	cpu0 := threadCPUTime()
	for i := 0; i < b.N; i++ {
		gemmFMAPeak(passes, 1, 1e-3)
	}
	reportGFLOPS(b, gemmPeakFlopsPerPass*passes*float64(b.N), threadCPUTime()-cpu0)
}

// BenchmarkGemmKernel is the micro-kernel alone on one 6×16 tile whose A
// panel, B panel and C tile stay in L1: the most the blocking around it can
// hope for.
func BenchmarkGemmKernel(b *testing.B) {
	if !gemmHaveKernel {
		b.Skip("no assembly kernel in this build")
	}
	for _, kc := range []int{64, 256} {
		b.Run(fmt.Sprintf("kc%d", kc), func(b *testing.B) {
			a := make([]float32, gemmMR*kc)
			p := make([]float32, gemmNR*kc)
			for i := range a {
				a[i] = 1e-3
			}
			for i := range p {
				p[i] = 1e-3
			}
			var c [gemmMR * gemmNR]float32
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			b.ResetTimer()
			cpu0 := threadCPUTime()
			for i := 0; i < b.N; i++ {
				gemmKernel6x16(kc, &a[0], 1, gemmMR, &p[0], gemmNR, &c[0], gemmNR, 1, gemmMR, gemmNR, false)
			}
			reportGFLOPS(b, 2*gemmMR*gemmNR*float64(kc)*float64(b.N), threadCPUTime()-cpu0)
		})
	}
}
