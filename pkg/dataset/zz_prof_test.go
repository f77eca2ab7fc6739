package dataset

import "testing"

func BenchmarkZZLoadFile(b *testing.B) {
	for b.Loop() {
		if _, err := Load(Source{Paths: []string{"/tmp/loadmem/synth1m.parquet"}, Seed: 1}, Columns{}); err != nil {
			b.Fatal(err)
		}
	}
}
