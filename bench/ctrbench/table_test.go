package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestWriteTable: the fastest run of each side gives the speed, and the AUC
// is the mean over distinct seeds (a repeated seed counts once), with its
// standard deviation when there are several.
func TestWriteTable(t *testing.T) {
	in := strings.Join([]string{
		`{"side":"go","model":"dot","seed":1,"batch":1024,"emb":32,"epochs":3,"samples_per_s":100,"samples_per_cpu_s":100,"test_auc":0.70}`,
		`{"side":"torch","model":"dot","seed":1,"batch":1024,"emb":32,"epochs":3,"samples_per_s":50,"samples_per_cpu_s":50,"test_auc":0.71}`,
		`{"side":"go","model":"dot","seed":1,"batch":1024,"emb":32,"epochs":3,"samples_per_s":120,"samples_per_cpu_s":110,"test_auc":0.70}`,
		`{"side":"go","model":"dot","seed":2,"batch":1024,"emb":32,"epochs":3,"samples_per_s":90,"samples_per_cpu_s":90,"test_auc":0.72}`,
		`{"side":"torch","model":"dot","seed":2,"batch":1024,"emb":32,"epochs":3,"samples_per_s":40,"samples_per_cpu_s":40,"test_auc":0.71}`,
		`{"side":"go","model":"fm","seed":1,"batch":4096,"emb":10,"epochs":3,"samples_per_s":10,"samples_per_cpu_s":10,"test_auc":0.9}`,
	}, "\n")
	var out bytes.Buffer
	if err := writeTable(strings.NewReader(in), "r.jsonl", &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d lines:\n%s", len(lines), out.String())
	}
	want := "| dot | 1024 | 32 | 3 | 120 | 50 | 2.40× | 2.20× | 0.7100 ± 0.0141 (2 seeds) | 0.7100 ± 0.0000 (2 seeds) | +0.0000 |"
	if lines[2] != want {
		t.Errorf("dot line\n got %s\nwant %s", lines[2], want)
	}
	want = "| fm | 4096 | 10 | 3 | 10 | — | — | — | 0.9000 | — | — |"
	if lines[3] != want {
		t.Errorf("fm line\n got %s\nwant %s", lines[3], want)
	}
}
