package report

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/attnsweep/attnsweep/pkg/store"
)

// Compare writes dir/report.md setting two sweeps' best configurations side
// by side: per model, and overall.
func Compare(db *store.DB, a, b, dir string) (string, error) {
	ba, err := newBuilder(db, a, dir)
	if err != nil {
		return "", err
	}
	bb, err := newBuilder(db, b, dir)
	if err != nil {
		return "", err
	}
	out := ba // the markdown goes into the first builder's buffer
	fmt.Fprintf(&out.md, "# Sweeps `%s` and `%s` compared\n\nWritten %s. Each cell: the best configuration of the model in that sweep "+
		"by mean valid %s; mean ± std over its repeats.\n\n", a, b, time.Now().UTC().Format(time.RFC3339), ba.obj.metric)
	best := func(bl *builder) map[string]config {
		m := map[string]config{}
		for _, c := range bl.configs() {
			if _, ok := m[c.trials[0].Model]; !ok {
				m[c.trials[0].Model] = c
			}
		}
		return m
	}
	ca, cb := best(ba), best(bb)
	models := map[string]bool{}
	for m := range ca {
		models[m] = true
	}
	for m := range cb {
		models[m] = true
	}
	t := &Table{Header: []string{"model", a + " test auc", b + " test auc", "difference", a + " parameters", b + " parameters"}}
	for _, m := range sortedKeys(models) {
		row := []string{m, "", "", "", "", ""}
		var ma, mb float64
		var okA, okB bool
		if c, ok := ca[m]; ok {
			mean, std, n := c.stat("test", "auc")
			row[1], row[4], ma, okA = pm(mean, std, n), paramString(c.trials[0]), mean, n > 0
		}
		if c, ok := cb[m]; ok {
			mean, std, n := c.stat("test", "auc")
			row[2], row[5], mb, okB = pm(mean, std, n), paramString(c.trials[0]), mean, n > 0
		}
		if okA && okB {
			row[3] = fmt.Sprintf("%+.4f", mb-ma)
		}
		t.Rows = append(t.Rows, row)
	}
	t.WriteMarkdown(&out.md)
	fmt.Fprintf(&out.md, "\nData: %s has %s test rows, %s has %s.\n", a, Cell(ba.sw.Info["test_rows"]), b, Cell(bb.sw.Info["test_rows"]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "report.md")
	return path, os.WriteFile(path, out.md.Bytes(), 0o644)
}
