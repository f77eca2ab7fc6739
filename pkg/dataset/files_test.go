package dataset

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// Dataset.Files fingerprints the files read, and CheckFiles names the
// first one that changed since.
func TestCheckFiles(t *testing.T) {
	a := writeRows(t, "a.parquet", labelRows(20))
	b := writeRows(t, "b.parquet", labelRows(30))
	d, err := Load(Source{Train: []string{a}, Test: []string{b}}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Files) != 2 || d.Files[0].Path != a || d.Files[1].Path != b {
		t.Fatalf("files %+v", d.Files)
	}
	st, _ := os.Stat(b)
	if f := d.Files[1]; f.Size != st.Size() || !f.ModTime.Equal(st.ModTime()) || len(f.Hash) != len("xxh3:")+16 {
		t.Errorf("file info %+v, stat %d %v", f, st.Size(), st.ModTime())
	}
	if err := CheckFiles(d.Files); err != nil {
		t.Fatal(err)
	}
	// Touched only: unchanged.
	later := time.Now().Add(time.Hour)
	os.Chtimes(b, later, later)
	if err := CheckFiles(d.Files); err != nil {
		t.Errorf("touched: %v", err)
	}
	// The same size, one byte other.
	data, _ := os.ReadFile(b)
	i := bytes.Index(data, []byte("item_id"))
	data[i] = 'I'
	os.WriteFile(b, data, 0o644)
	err = CheckFiles(d.Files)
	if want := "dataset: " + b + ": changed since it was read: its contents differ (hash " + d.Files[1].Hash; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %v, want %s", err, want)
	}
	// Another size; and a file gone. The first changed file is named.
	os.WriteFile(a, append(data, 0), 0o644)
	err = CheckFiles(d.Files)
	if want := "dataset: " + a + ": changed since it was read: "; err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), " bytes, then ") {
		t.Errorf("error %v, want %s", err, want)
	}
	os.Remove(a)
	if err := CheckFiles(d.Files); err == nil || err.Error() != "dataset: "+a+": open: no such file" {
		t.Errorf("error %v", err)
	}
}

// A split whose labels are all one class gets a warning.
func TestLoad_Warnings(t *testing.T) {
	rows := labelRows(40)
	ones := labelRows(10)
	for i := range ones {
		ones[i].Label = 1
	}
	a, b := writeRows(t, "a.parquet", rows), writeRows(t, "b.parquet", ones)
	d, err := Load(Source{Train: []string{a}, Valid: []string{b}, Test: []string{a}}, Columns{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"the valid split's 10 labels are all 1: AUC is undefined on it (NaN)"}; strings.Join(d.Warnings, "|") != strings.Join(want, "|") {
		t.Errorf("warnings %q, want %q", d.Warnings, want)
	}
	d, err = Load(Source{Train: []string{a}, Valid: []string{a}}, Columns{})
	if err != nil || len(d.Warnings) != 0 {
		t.Errorf("%v; warnings %q", err, d.Warnings)
	}
}
