package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/attnsweep/attnsweep/pkg/dataset"
	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/store"
)

// shipSweep runs a tiny sweep of logreg, dot and din on split files in dir
// and returns the database and the split files.
func shipSweep(t *testing.T, dir string) (string, map[string]string) {
	t.Helper()
	db := filepath.Join(dir, "s.db")
	files := map[string]string{}
	for i, split := range []string{"train", "valid", "test"} {
		files[split] = filepath.Join(dir, "data", split+".parquet")
		os.MkdirAll(filepath.Dir(files[split]), 0o755)
		if err := dataset.Generate(dataset.SynthConfig{Rows: []int{2000, 500, 500}[i], Seed: uint64(20 + i), History: 5}, files[split]); err != nil {
			t.Fatal(err)
		}
	}
	spec := filepath.Join(dir, "ship.yaml")
	os.WriteFile(spec, []byte(`name: ship
data: {train: `+files["train"]+`, valid: `+files["valid"]+`, test: `+files["test"]+`}
columns:
  sequences: [{column: hist_item, target: item_id, max_len: 4}]
  group: user_id
models: [logreg, dot, din]
space: {lr: [0.05], batch_size: 256, optimizer: adam, embed_dim: 4, hidden: [8]}
train: {epochs: 2}
`), 0o644)
	if code, _, stderr := sweepCmd(t, "run", spec, "--db", db, "--workers", "1"); code != 0 {
		t.Fatalf("run failed: %s", stderr)
	}
	return db, files
}

// readOut reads columns of a predict output.
func readOut(t *testing.T, path string, names ...string) map[string]dataset.Column {
	t.Helper()
	cols, err := dataset.ReadColumns([]string{path}, names)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]dataset.Column{}
	for _, c := range cols {
		out[c.Name] = c
	}
	return out
}

// A model file copied alone into an empty folder scores the test file
// exactly as the database path does and as the trial's stored test scores,
// with the group's original values, kept columns and attention weights;
// and the HTTP server gives the same scores for the same rows.
func TestShip_ModelFileAlone(t *testing.T) {
	dir := t.TempDir()
	db, files := shipSweep(t, dir)
	s, err := store.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	sw, _ := s.SweepByName("ship")
	trials, _ := s.Trials(sw.ID)
	stored := map[string][]float32{}
	for _, tr := range trials {
		if stored[tr.Key], err = s.Scores(tr.ID, "test"); err != nil || len(stored[tr.Key]) != 500 {
			t.Fatalf("stored scores of %s: %d, %v", tr.Model, len(stored[tr.Key]), err)
		}
	}
	s.Close()
	alone := t.TempDir() // the model files and a copy of the test file, nothing else
	testCopy := filepath.Join(alone, "to-score.parquet")
	b, _ := os.ReadFile(files["test"])
	os.WriteFile(testCopy, b, 0o644)
	viaDB := map[string][]float32{}
	for _, tr := range trials {
		m := filepath.Join(alone, tr.Model+".safetensors")
		if code, stdout, stderr := sweepCmd(t, "export-model", "--sweep", "ship", "--trial", tr.Key, "--out", m, "--db", db); code != 0 || !strings.Contains(stdout, "sha256") {
			t.Fatalf("export-model %s: %s %s", tr.Model, stdout, stderr)
		}
		out := filepath.Join(dir, tr.Key+".parquet")
		if code, _, stderr := sweepCmd(t, "predict", "--sweep", "ship", "--trial", tr.Key, "--data", files["test"], "--out", out, "--db", db); code != 0 {
			t.Fatalf("predict --sweep %s: %s", tr.Model, stderr)
		}
		viaDB[tr.Key] = scoresOf(t, out)
	}
	// Take the database and the training data away.
	if err := os.Rename(dir, dir+".gone"); err != nil {
		t.Fatal(err)
	}
	defer os.Rename(dir+".gone", dir)
	raw := readOut(t, testCopy, "user_id", "item_id", "hist_item")
	for _, tr := range trials {
		m := filepath.Join(alone, tr.Model+".safetensors")
		out := filepath.Join(alone, tr.Model+".parquet")
		args := []string{"predict", "--model", m, "--data", testCopy, "--out", out, "--keep", "item_id,hist_item", "--db", "/nonexistent/x.db"}
		if tr.Model != "logreg" {
			args = append(args, "--attention")
		}
		code, stdout, stderr := sweepCmd(t, args...)
		if code != 0 || !strings.Contains(stdout, "scored 500 rows") {
			t.Fatalf("predict --model %s: %s %s", tr.Model, stdout, stderr)
		}
		got := scoresOf(t, out)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(viaDB[tr.Key][i]) || got[i] != stored[tr.Key][i] {
				t.Fatalf("%s row %d: model file %v, database path %v, stored %v", tr.Model, i, got[i], viaDB[tr.Key][i], stored[tr.Key][i])
			}
		}
		cols := readOut(t, out, "label", "user_id", "item_id", "hist_item", "score")
		for i := range 500 {
			for _, name := range []string{"user_id", "item_id", "hist_item"} {
				if g, w := fmt.Sprint(cols[name].Value(i)), fmt.Sprint(raw[name].Value(i)); g != w {
					t.Fatalf("%s: %s of row %d is %s, the input has %s", tr.Model, name, i, g, w)
				}
			}
		}
		if cols["user_id"].Type != "int" || cols["label"].Type != "float" {
			t.Errorf("output types: user_id %s, label %s", cols["user_id"].Type, cols["label"].Type)
		}
		if tr.Model == "logreg" {
			continue
		}
		att := readOut(t, out, "attention")["attention"]
		for i := range 500 {
			w, _ := att.Value(i).([]any)
			h, _ := raw["hist_item"].Value(i).([]any)
			if len(w) != min(len(h), 4) {
				t.Fatalf("%s row %d: %d attention weights for %d history items (max_len 4)", tr.Model, i, len(w), len(h))
			}
		}
		checkServed(t, m, testCopy, got)
	}
}

func scoresOf(t *testing.T, path string) []float32 {
	t.Helper()
	c := readOut(t, path, "score")["score"]
	out := make([]float32, c.Len())
	for i := range out {
		out[i] = float32(c.Value(i).(float64))
	}
	return out
}

// checkServed runs `sweep serve` on model file m as a process, scores the
// rows of data over HTTP, compares with want, and stops it with SIGTERM.
func checkServed(t *testing.T, m, data string, want []float32) {
	t.Helper()
	cmd := sweepProcess("serve", "--model", m, "--addr", "127.0.0.1:0", "--workers", "2")
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || !strings.Contains(lines.Text(), "on http://") {
		t.Fatalf("serve: %q %s", lines.Text(), stderr.String())
	}
	url := lines.Text()[strings.Index(lines.Text(), "http://"):]
	mf, err := model.ReadModelFile(m)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := mf.Data()
	var names []string
	for _, in := range enc.Inputs() {
		names = append(names, in.Name)
	}
	cols, err := dataset.ReadColumns([]string{data}, names)
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]map[string]any, cols[0].Len())
	for r := range rows {
		rows[r] = dataset.Row(cols, r)
	}
	body, _ := json.Marshal(map[string]any{"rows": rows})
	resp, err := http.Post(url+"/v1/score", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Scores []float32
		Error  string
	}
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(out.Scores) != len(want) {
		t.Fatalf("serve: %d %s", resp.StatusCode, out.Error)
	}
	for i := range want {
		if math.Float32bits(out.Scores[i]) != math.Float32bits(want[i]) {
			t.Fatalf("row %d: served %v, predict %v", i, out.Scores[i], want[i])
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() {
		rest, _ := io.ReadAll(stdout)
		if !strings.Contains(string(rest), "serve: stopped") {
			t.Errorf("serve's last words: %q", rest)
		}
		done <- cmd.Wait()
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v (%s)", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not exit within 30s of SIGTERM")
	}
}

// What export-model and predict --model refuse, each in one line naming
// the cause.
func TestShip_Errors(t *testing.T) {
	dir := t.TempDir()
	db, files := shipSweep(t, dir)
	m := filepath.Join(dir, "lr.safetensors")
	code, _, stderr := sweepCmd(t, "export-model", "--sweep", "ship", "--trial", "999", "--out", m, "--db", db)
	wantOneLineError(t, code, stderr, `no trial "999"`)
	code, _, stderr = sweepCmd(t, "export-model", "--sweep", "ship", "--out", m, "--db", db)
	wantOneLineError(t, code, stderr, "--trial is required")
	s, _ := store.OpenReadOnly(db)
	sw, _ := s.SweepByName("ship")
	trials, _ := s.Trials(sw.ID)
	s.Close()
	lr := trials[slices.IndexFunc(trials, func(tr *store.Trial) bool { return tr.Model == "logreg" })]
	if code, _, stderr := sweepCmd(t, "export-model", "--sweep", "ship", "--trial", lr.Key, "--out", m, "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	out := filepath.Join(dir, "o.parquet")
	code, _, stderr = sweepCmd(t, "predict", "--model", m, "--data", files["test"], "--out", out, "--attention")
	wantOneLineError(t, code, stderr, "--attention: model logreg has no attention over the history")
	code, _, stderr = sweepCmd(t, "predict", "--model", m, "--sweep", "ship", "--data", files["test"], "--out", out)
	wantOneLineError(t, code, stderr, "give --model, or --sweep and --trial, not both")
	code, _, stderr = sweepCmd(t, "predict", "--data", files["test"], "--out", out)
	wantOneLineError(t, code, stderr, "--model is required (or --sweep and --trial)")
	code, _, stderr = sweepCmd(t, "predict", "--model", m, "--data", files["test"], "--out", out, "--keep", "score")
	wantOneLineError(t, code, stderr, "--keep score: the output has a column of that name")
	code, _, stderr = sweepCmd(t, "predict", "--model", m, "--data", files["test"], "--out", out, "--keep", "nope")
	wantOneLineError(t, code, stderr, `column "nope": not found`)
	// Data without a column, or with another type: the column is named.
	type fewer struct {
		UserID int64 `parquet:"user_id"`
	}
	few := filepath.Join(dir, "few.parquet")
	writeParquet(t, few, []fewer{{1}})
	code, _, stderr = sweepCmd(t, "predict", "--model", m, "--data", few, "--out", out)
	wantOneLineError(t, code, stderr, `few.parquet: column "item_id": not found`)
	type other struct {
		UserID  string  `parquet:"user_id"`
		ItemID  int64   `parquet:"item_id"`
		CateID  int64   `parquet:"cate_id"`
		Hour    int64   `parquet:"hour"`
		Device  int64   `parquet:"device"`
		Weekday int64   `parquet:"weekday"`
		Price   float64 `parquet:"price"`
		Hist    []int64 `parquet:"hist_item,list"`
	}
	oth := filepath.Join(dir, "other.parquet")
	writeParquet(t, oth, []other{{UserID: "u1"}})
	code, _, stderr = sweepCmd(t, "predict", "--model", m, "--data", oth, "--out", out)
	wantOneLineError(t, code, stderr, `other.parquet: column "user_id": type string, but int`)
	// A damaged model file.
	b, _ := os.ReadFile(m)
	b[len(b)-5] ^= 4 // in the data
	bad := filepath.Join(dir, "bad.safetensors")
	os.WriteFile(bad, b, 0o644)
	code, _, stderr = sweepCmd(t, "predict", "--model", bad, "--data", files["test"], "--out", out)
	wantOneLineError(t, code, stderr, "bad.safetensors: content hash")
	code, _, stderr = sweepCmd(t, "serve", "--model", bad)
	wantOneLineError(t, code, stderr, "bad.safetensors: content hash")
	// Training data that changed since the sweep read it.
	if err := dataset.Generate(dataset.SynthConfig{Rows: 2000, Seed: 99, History: 5}, files["train"]); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = sweepCmd(t, "export-model", "--sweep", "ship", "--trial", "best", "--out", m, "--db", db)
	wantOneLineError(t, code, stderr, "data file "+files["train"]+" changed since sweep ship trained on it")
	code, _, stderr = sweepCmd(t, "predict", "--sweep", "ship", "--trial", "best", "--data", "test", "--out", out, "--db", db)
	wantOneLineError(t, code, stderr, "data file "+files["train"]+" changed since sweep ship trained on it")
	// The model file made before the change still scores.
	if code, _, stderr := sweepCmd(t, "predict", "--model", m, "--data", files["test"], "--out", out); code != 0 {
		t.Errorf("the model file after its training data changed: %s", stderr)
	}
}

func writeParquet[T any](t *testing.T, path string, rows []T) {
	t.Helper()
	if err := parquet.WriteFile(path, rows); err != nil {
		t.Fatal(err)
	}
}
