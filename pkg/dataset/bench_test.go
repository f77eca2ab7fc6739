package dataset

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
)

// benchFile is the synthetic benchmark file: 1,000,000 rows with histories
// of up to 20 items, generated once into the temporary directory and kept
// there for later runs (its name holds SynthVersion).
func benchFile(b *testing.B) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "attnsweep-bench")
	path := filepath.Join(dir, fmt.Sprintf("synth-v%d-r1000000-s1-h20.parquet", SynthVersion))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if err := Generate(SynthConfig{Rows: 1_000_000, Seed: 1, History: 20}, tmp); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkLoad loads the 1,000,000-row benchmark file (split 0.7/0.15/0.15)
// and reports rows/s, file MB/s, the size of the encoded columns
// (encoded-MB: Dataset.Bytes) and the size the same columns have as whole
// Arrow arrays (arrow-MB), which streaming keeps Load from holding. Peak
// memory needs a process of its own: see bench/loadmem.
func BenchmarkLoad(b *testing.B) {
	path := benchFile(b)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	var d *Dataset
	b.ReportAllocs()
	for b.Loop() {
		if d, err = Load(Source{Paths: []string{path}, Seed: 1}, Columns{}); err != nil {
			b.Fatal(err)
		}
	}
	if d.N != 1_000_000 {
		b.Fatalf("N = %d", d.N)
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(d.N)/sec, "rows/s")
	b.ReportMetric(float64(st.Size())/(1<<20)/sec, "file-MB/s")
	b.ReportMetric(float64(d.Bytes())/(1<<20), "encoded-MB")
	b.ReportMetric(float64(arrowSize(b, path))/(1<<20), "arrow-MB")
}

// arrowSize is the bytes of the columns Load reads from path as whole Arrow
// arrays (every buffer, list values included).
func arrowSize(b *testing.B, path string) int64 {
	pfs, err := openAll([]string{path})
	if err != nil {
		b.Fatal(err)
	}
	defer closeAll(pfs)
	p, err := makePlan(pfs[0], Columns{}, "")
	if err != nil {
		b.Fatal(err)
	}
	t, err := readTable(pfs, append(nonEmpty(p.label, p.ptrue), p.columns()...))
	if err != nil {
		b.Fatal(err)
	}
	defer t.release()
	var size func(d arrow.ArrayData) int64
	size = func(d arrow.ArrayData) int64 {
		var n int64
		for _, buf := range d.Buffers() {
			if buf != nil {
				n += int64(buf.Len())
			}
		}
		for _, c := range d.Children() {
			n += size(c)
		}
		return n
	}
	var n int64
	for _, a := range t.cols {
		n += size(a.Data())
	}
	return n
}

// BenchmarkFingerprint hashes the 1,000,000-row benchmark file as Load
// does for Dataset.Files (XXH3 of every byte): compare its time per op
// with BenchmarkLoad's.
func BenchmarkFingerprint(b *testing.B) {
	path := benchFile(b)
	for b.Loop() {
		if _, err := fingerprint(path); err != nil {
			b.Fatal(err)
		}
	}
}
