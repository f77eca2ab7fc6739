package dataset

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// partitioned writes 16 synthetic part files of rows rows each under dir:
// dt=2024-01-01 … 2024-01-04 / slot=0 and slot=12 / part-0 and part-1.
func partitioned(t *testing.T, rows int) (dir string, files []string) {
	t.Helper()
	dir = t.TempDir()
	seed := uint64(1)
	for day := 1; day <= 4; day++ {
		for _, hour := range []int{0, 12} {
			sub := filepath.Join(dir, fmt.Sprintf("dt=2024-01-%02d", day), fmt.Sprintf("slot=%d", hour))
			if err := os.MkdirAll(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			for part := range 2 {
				path := filepath.Join(sub, fmt.Sprintf("part-%d.parquet", part))
				if err := Generate(SynthConfig{Rows: rows, Seed: seed, History: 5}, path); err != nil {
					t.Fatal(err)
				}
				seed++
				files = append(files, path)
			}
		}
	}
	// Files Spark writes beside the data are skipped.
	os.WriteFile(filepath.Join(dir, "_SUCCESS"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "dt=2024-01-01", ".part-0.parquet.crc"), []byte("x"), 0o644)
	return dir, files
}

// A folder of 16 partitioned part files loads with its partition columns,
// in lexical order of the paths, and dt orders a time split.
func TestLoad_PartitionedFolder(t *testing.T) {
	const rows = 150
	dir, files := partitioned(t, rows)
	d, err := Load(Source{Paths: []string{dir}, SplitBy: "dt", Fractions: [3]float64{0.5, 0.25, 0.25}}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 16*rows || len(d.Files) != 16 {
		t.Fatalf("N %d, %d files", d.N, len(d.Files))
	}
	for i, f := range d.Files {
		if f.Path != files[i] || !strings.HasPrefix(f.Hash, "xxh3:") || f.Size == 0 {
			t.Errorf("file %d: %+v, want %s", i, f, files[i])
		}
	}
	// slot is an int partition column, inferred categorical; dt orders the
	// rows and is no feature.
	hour := catField(t, d, "slot")
	if d.Schema.Categorical[hour].Vocab != 3 || !slices.Contains(d.Ignored, "dt (split.by: it orders the rows; a feature only when listed in columns)") {
		t.Errorf("schema %+v, ignored %q", d.Schema, d.Ignored)
	}
	// File i holds rows [i*rows, (i+1)*rows): day i/4+1, slot 0 or 12.
	for i := range 16 {
		for r := i * rows; r < (i+1)*rows; r++ {
			if want := int32(i/2%2 + 1); d.Cat[hour][r] != want {
				t.Fatalf("row %d (file %d): slot id %d, want %d", r, i, d.Cat[hour][r], want)
			}
		}
	}
	// Days 1-2 train, day 3 valid, day 4 test.
	for s, want := range [][2]int{{0, 8 * rows}, {8 * rows, 12 * rows}, {12 * rows, 16 * rows}} {
		rowsOf := d.Split(SplitNames[s])
		if len(rowsOf) != want[1]-want[0] || int(rowsOf[0]) != want[0] || int(rowsOf[len(rowsOf)-1]) != want[1]-1 {
			t.Errorf("%s: %d rows from %d, want [%d, %d)", SplitNames[s], len(rowsOf), rowsOf[0], want[0], want[1])
		}
	}
	// dt as a categorical feature: a string column of 4 values.
	d2, err := Load(Source{Paths: []string{dir}, Seed: 1}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	if dt := d2.Schema.Categorical[catField(t, d2, "dt")]; dt.Vocab != 5 {
		t.Errorf("dt: %+v", dt)
	}
	// The same with 4 readers, and as a glob.
	loadEqual(t, Source{Paths: []string{dir}, SplitBy: "dt"}, Columns{}, 4)
	d3, err := Load(Source{Paths: []string{filepath.Join(dir, "dt=*")}, SplitBy: "dt", Fractions: [3]float64{0.5, 0.25, 0.25}}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	d.enc, d3.enc = nil, nil
	if fmt.Sprint(d3.Cat, d3.Train, d3.Files) != fmt.Sprint(d.Cat, d.Train, d.Files) {
		t.Error("the glob loads differently from the folder")
	}
	// Inspect shows the partition columns (slot last).
	rep, err := Inspect([]string{dir}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Columns[len(rep.Columns)-1]; c.Name != "slot" || c.Type != "int64" || c.Logical != "partition folder" || c.Distinct != 2 || c.Min != 0 || c.Max != 12 {
		t.Errorf("inspect slot: %+v", c)
	}
}

// Partition values: integers, strings, URL escapes and Hive's null.
func TestLoad_PartitionValues(t *testing.T) {
	dir := t.TempDir()
	for _, sub := range []string{"k=7/city=New%20York", "k=-3/city=__HIVE_DEFAULT_PARTITION__", "k=12/city=Paris"} {
		p := filepath.Join(dir, filepath.FromSlash(sub))
		os.MkdirAll(p, 0o755)
		writeRowsAt(t, filepath.Join(p, "x.parquet"), labelRows(3))
	}
	d, err := Load(Source{Train: []string{dir}}, Columns{Categorical: []string{"k", "city"}})
	if err != nil {
		t.Fatal(err)
	}
	// Lexical order: k=-3, k=12, k=7. k ids: -3 → 1, 7 → 2, 12 → 3;
	// city: null → 1, "New York" → 2, Paris → 3.
	want := [][]int32{{1, 1, 1, 3, 3, 3, 2, 2, 2}, {1, 1, 1, 3, 3, 3, 2, 2, 2}}
	if fmt.Sprint(d.Cat) != fmt.Sprint(want) {
		t.Errorf("ids %v, want %v", d.Cat, want)
	}
	rep, _ := Inspect([]string{dir}, Columns{})
	if c := rep.Columns[3]; c.Name != "k" || c.Type != "int64" || c.Min != -3 {
		t.Errorf("k: %+v", c)
	}
	if c := rep.Columns[4]; c.Name != "city" || c.Type != "string" || c.Nulls != 3 || c.Distinct != 2 {
		t.Errorf("city: %+v", c)
	}
}

// Conflicting part files are errors naming both files and the column.
func TestLoad_PartitionConflicts(t *testing.T) {
	dir, files := partitioned(t, 20)
	type noUser struct {
		Label int64   `parquet:"label"`
		PTrue float64 `parquet:"p_true"`
	}
	type strUser struct {
		Label  int64   `parquet:"label"`
		PTrue  float64 `parquet:"p_true"`
		UserID string  `parquet:"user_id"`
	}
	odd := filepath.Join(dir, "dt=2024-01-05", "slot=0", "part-0.parquet")
	os.MkdirAll(filepath.Dir(odd), 0o755)
	writeRowsAt(t, odd, []noUser{{1, 0.5}})
	_, err := Load(Source{Paths: []string{dir}}, Columns{})
	if want := "dataset: " + odd + `: column "user_id": not found (columns: label, p_true, dt, slot), but ` + files[0] + " has it"; err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
	writeRowsAt(t, odd, []strUser{{1, 0.5, "u"}})
	_, err = Load(Source{Paths: []string{dir}}, Columns{})
	if want := "dataset: " + odd + `: column "user_id": type string, but int64 in ` + files[0]; err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
	os.RemoveAll(filepath.Dir(filepath.Dir(odd)))

	// Another layout of folders.
	flat := filepath.Join(dir, "dt=2024-01-09", "part-0.parquet")
	os.MkdirAll(filepath.Dir(flat), 0o755)
	writeRowsAt(t, flat, []strUser{{1, 0.5, "u"}})
	_, err = Load(Source{Paths: []string{dir}}, Columns{})
	if want := "dataset: " + flat + `: column "slot": no partition folder slot=… on this path, but ` + files[0] + " has one"; err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
	os.RemoveAll(filepath.Dir(flat))

	// A key that is also a column of the files.
	type withHour struct {
		Label int64 `parquet:"label"`
		Hour  int64 `parquet:"hour"`
	}
	both := filepath.Join(t.TempDir(), "hour=3", "x.parquet")
	os.MkdirAll(filepath.Dir(both), 0o755)
	writeRowsAt(t, both, []withHour{{1, 3}})
	_, err = Load(Source{Paths: []string{filepath.Dir(filepath.Dir(both))}}, Columns{})
	if want := "dataset: " + both + `: column "hour": both a column of the file and a partition folder (hour=3); rename one`; err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
}
