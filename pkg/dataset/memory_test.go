package dataset

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeMeminfo makes AvailableMemory read a /proc/meminfo that says kb kB
// are available.
func fakeMeminfo(t *testing.T, kb string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "meminfo")
	os.WriteFile(path, []byte("MemTotal:       24000000 kB\nMemFree:        1000 kB\nMemAvailable:   "+kb+" kB\n"), 0o644)
	old := meminfo
	meminfo = path
	t.Cleanup(func() { meminfo = old })
	return path
}

func TestAvailableMemory(t *testing.T) {
	path := fakeMeminfo(t, "2048")
	if n, from := AvailableMemory(); n != 2048<<10 || from != "available (MemAvailable in "+path+")" {
		t.Errorf("%d %q", n, from)
	}
	meminfo = filepath.Join(t.TempDir(), "none")
	if n, _ := AvailableMemory(); n != 0 {
		t.Errorf("no meminfo: %d", n)
	}
	if n, from := memBound(-1); n != 0 || from != "" {
		t.Errorf("no bound: %d %q", n, from)
	}
}

// A sequence max_len of 10^9 is refused before anything is allocated,
// with the setting and the bound in the message.
func TestLoad_MemoryBound(t *testing.T) {
	path := synthFile(t, 300, 1, 5)
	meminfoPath := fakeMeminfo(t, "1000") // 1,024,000 bytes
	_, err := Load(Source{Paths: []string{path}}, Columns{Sequences: []SeqSpec{{Column: "hist_item", MaxLen: 1_000_000_000}}})
	want := "dataset: encoding 300 rows (1.2 TB of it for sequence hist_item with max_len 1000000000) would take about 1.2 TB, more than the 1.0 MB of memory available (MemAvailable in " + meminfoPath + "); lower its max_len"
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
	// 300 rows fit in 1 MB (the estimate is the Dataset's Bytes); a limit
	// of 30 kB does not hold them.
	d, err := Load(Source{Paths: []string{path}}, Columns{})
	if err != nil || d.Bytes() != 37_200 {
		t.Errorf("%v; %d bytes", err, d.Bytes())
	}
	_, err = Load(Source{Paths: []string{path}, MemLimit: 30_000}, Columns{})
	want = "dataset: encoding 300 rows (25.2 kB of it for sequence hist_item with max_len 20) would take about 37.2 kB, more than the 30.0 kB of memory allowed (the memory limit set); lower its max_len"
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
	// No bound: a negative limit.
	if _, err := Load(Source{Paths: []string{path}, MemLimit: -1}, Columns{Sequences: []SeqSpec{{Column: "hist_item", MaxLen: 3000}}}); err != nil {
		t.Error(err)
	}
}

// Generate refuses absurd histories and rows before writing anything.
func TestGenerate_MemoryBound(t *testing.T) {
	fakeMeminfo(t, "1000")
	out := filepath.Join(t.TempDir(), "x.parquet")
	for _, tc := range []struct {
		cfg  SynthConfig
		want string
	}{
		{SynthConfig{Rows: 10, History: 1_000_000_000}, "dataset: synthetic history = 1000000000: writing rows with histories this long would take about 1.4 PB, more than the 1.0 MB of memory available (MemAvailable in "},
		{SynthConfig{Rows: 1_000_000_000_000, History: 5, MemLimit: 1e9}, "dataset: synthetic rows = 1000000000000: loading them (64 bytes a row) would take about 64.0 TB, more than the 1.0 GB of memory allowed (the memory limit set); lower rows"},
		{SynthConfig{Rows: 1_000_000, History: 5, MemLimit: 20e6}, "dataset: synthetic rows = 1000000: loading them (64 bytes a row) would take about 64.0 MB, more than the 20.0 MB of memory allowed (the memory limit set); lower rows"},
	} {
		err := Generate(tc.cfg, out)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%+v: error %v\nwant %s", tc.cfg, err, tc.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%+v: the file was written", tc.cfg)
		}
	}
}
