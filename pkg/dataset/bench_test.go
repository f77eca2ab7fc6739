package dataset

import (
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkLoad loads 1,000,000 synthetic rows with histories of up to 20
// items (generated once into a temporary directory) and reports rows/s.
func BenchmarkLoad(b *testing.B) {
	path := filepath.Join(b.TempDir(), "synth.parquet")
	t0 := time.Now()
	if err := Generate(SynthConfig{Rows: 1_000_000, Seed: 1, History: 20}, path); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated 1,000,000 rows in %v", time.Since(t0).Round(time.Millisecond))
	b.ResetTimer()
	for b.Loop() {
		d, err := Load(Source{Paths: []string{path}, Seed: 1}, Columns{})
		if err != nil {
			b.Fatal(err)
		}
		if d.N != 1_000_000 {
			b.Fatalf("N = %d", d.N)
		}
	}
	b.ReportMetric(float64(b.N)*1e6/b.Elapsed().Seconds(), "rows/s")
}
