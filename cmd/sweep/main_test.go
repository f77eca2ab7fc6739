package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// sweepCmd runs the command line in-process and returns exit code, stdout, stderr.
func sweepCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// wantOneLineError checks a failure: non-zero exit, one stderr line holding want.
func wantOneLineError(t *testing.T, code int, stderr, want string) {
	t.Helper()
	if code == 0 {
		t.Fatalf("exit 0, want an error containing %q", want)
	}
	if strings.Count(strings.TrimRight(stderr, "\n"), "\n") != 0 {
		t.Fatalf("stderr is not one line: %q", stderr)
	}
	if !strings.Contains(stderr, want) {
		t.Fatalf("stderr %q does not contain %q", stderr, want)
	}
}

func TestRun_MissingSpec(t *testing.T) {
	code, _, stderr := sweepCmd(t, "run", "no/such/spec.yaml", "--db", filepath.Join(t.TempDir(), "s.db"))
	wantOneLineError(t, code, stderr, "no/such/spec.yaml: spec file not found")
}

func TestRun_UnknownKey(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "bad.yaml")
	os.WriteFile(spec, []byte("name: bad\ndata: {synthetic: {rows: 100}}\nmodels: [logreg]\nepochs: 3\n"), 0o644)
	code, _, stderr := sweepCmd(t, "run", spec, "--db", filepath.Join(dir, "s.db"))
	wantOneLineError(t, code, stderr, spec+`:4: unknown key "epochs"`)
}

func TestRun_MissingColumn(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.parquet")
	if err := dataset.Generate(dataset.SynthConfig{Rows: 300, Seed: 1, History: 5}, data); err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(dir, "bad.yaml")
	os.WriteFile(spec, []byte("name: bad\ndata: {path: "+data+"}\ncolumns: {categorical: [user_id, campaign]}\nmodels: [logreg]\n"), 0o644)
	code, _, stderr := sweepCmd(t, "run", spec, "--db", filepath.Join(dir, "s.db"))
	wantOneLineError(t, code, stderr, `"campaign"`)
	if !strings.Contains(stderr, "d.parquet") {
		t.Fatalf("error does not name the file: %q", stderr)
	}
}

func TestQuery_RefusesWrites(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	spec := filepath.Join(dir, "tiny.yaml")
	os.WriteFile(spec, []byte(`name: tiny
data: {synthetic: {rows: 2000, seed: 2, history: 5}}
models: [logreg]
space: {lr: [0.05], batch_size: 256, optimizer: adam}
train: {epochs: 2}
`), 0o644)
	if code, _, stderr := sweepCmd(t, "run", spec, "--db", db, "--workers", "1"); code != 0 {
		t.Fatalf("run failed: %s", stderr)
	}
	code, _, stderr := sweepCmd(t, "query", "--db", db, "DELETE FROM trials")
	wantOneLineError(t, code, stderr, "read-only")
	code, out, stderr := sweepCmd(t, "query", "--db", db, "--format", "csv", "SELECT count(*) AS n FROM trials WHERE status = 'done'")
	if code != 0 || !strings.Contains(out, "n\n1\n") {
		t.Fatalf("count after refused DELETE: code %d out %q err %q", code, out, stderr)
	}
	for _, f := range []string{"json", "markdown", "table"} {
		if code, out, _ := sweepCmd(t, "query", "--db", db, "--format", f, "SELECT model, lr, test_auc FROM leaderboard"); code != 0 || !strings.Contains(out, "logreg") {
			t.Fatalf("format %s: code %d, %q", f, code, out)
		}
	}
	if code, out, _ := sweepCmd(t, "list", "--db", db); code != 0 || !strings.Contains(out, "tiny") {
		t.Fatalf("list: %d %q", code, out)
	}
	if code, out, stderr := sweepCmd(t, "report", "tiny", "--db", db); code != 0 || !strings.Contains(out, "report.md") {
		t.Fatalf("report: %d %q %q", code, out, stderr)
	}
	if code, out, stderr := sweepCmd(t, "show", "1", "--db", db); code != 0 || !strings.Contains(out, "learning curve") ||
		!strings.Contains(out, "optimizer") || !strings.Contains(out, "metrics at the best epoch") {
		t.Fatalf("show: %d %q %q", code, out, stderr)
	}
	code, _, stderr = sweepCmd(t, "show", "ffffffffffff", "--db", db)
	wantOneLineError(t, code, stderr, `no trial with id or key "ffffffffffff"`)
	code, _, stderr = sweepCmd(t, "report", "nosuch", "--db", db)
	wantOneLineError(t, code, stderr, `no such sweep "nosuch"`)
}

func TestInspect(t *testing.T) {
	dir := "../../../shared/data"
	if _, err := os.Stat(dir); err != nil {
		t.Skip("no ../shared/data beside the project: fixtures and Frappe not inspected")
	}
	for _, f := range []string{"fixtures/fuxictr_tiny_parquet/train.parquet", "fixtures/fuxictr_tiny_emb/train.parquet", "frappe_x1/train.parquet"} {
		code, out, stderr := sweepCmd(t, "inspect", filepath.Join(dir, f))
		if code != 0 || !strings.Contains(out, "role") || !strings.Contains(out, "label") {
			t.Errorf("inspect %s: %d %q %q", f, code, out, stderr)
		}
	}
	code, _, stderr := sweepCmd(t, "inspect", filepath.Join(dir, "fixtures/fuxictr_tiny_emb/train.parquet"), "--sequence", "hist:item")
	wantOneLineError(t, code, stderr, `column "hist": not found`)
	code, _, stderr = sweepCmd(t, "inspect", "no/such.parquet")
	wantOneLineError(t, code, stderr, "no/such.parquet")
}
