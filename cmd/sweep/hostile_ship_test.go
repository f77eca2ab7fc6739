package main

import (
	"os"
	"path/filepath"
	"testing"
)

// shipCases are the hostile cases of export-model, predict --model and
// serve: bad flags, bad model files, data that does not fit the model.
// {dir}/m.safetensors is the fixture sweep's best model when prep is
// modelFiles, with a truncated copy {dir}/cut.safetensors and one with a
// flipped bit {dir}/flip.safetensors.
func shipCases() []hostile {
	export := func(args ...string) []string {
		return append([]string{"export-model", "--db", "{db}", "--sweep", "fx", "--trial", "best"}, args...)
	}
	predict := func(m, data string, args ...string) []string {
		return append([]string{"predict", "--model", m, "--data", data, "--out", "{dir}/o.parquet"}, args...)
	}
	serve := func(args ...string) []string { return append([]string{"serve"}, args...) }
	m := "{dir}/m.safetensors"
	return []hostile{
		{name: "export-model an unknown sweep", owner: "cli", db: "fixture", args: []string{"export-model", "--db", "{db}", "--sweep", "nosuch", "--trial", "best", "--out", "{dir}/m"},
			code: 1, want: []string{`"nosuch"`}, check: noFile("{dir}/m")},
		{name: "export-model without --out", owner: "cli", db: "fixture", args: export(), code: 1, want: []string{"--out is required"}},
		{name: "export-model --out a folder", owner: "cli", db: "fixture", args: export("--out", "{dir}"), code: 1, want: []string{"--out {dir}", "folder"}},
		{name: "export-model --out = --db", owner: "cli", db: "fixture", args: export("--out", "{db}"), code: 1, want: []string{"--out {db} is the --db file"}},
		{name: "export-model writes a whole file", owner: "cli", db: "fixture", args: export("--out", m), code: 0, check: modelFileWritten},
		{name: "predict --model a missing file", owner: "model", args: predict("{dir}/nosuch.safetensors", "{data}"), code: 1, want: []string{"{dir}/nosuch.safetensors"}},
		{name: "predict --model a Parquet file", owner: "model", args: predict("{data}", "{data}"), code: 1, want: []string{"{data}", "not a model file"}},
		{name: "predict --model a truncated file", owner: "model", db: "fixture", prep: modelFiles, args: predict("{dir}/cut.safetensors", "{data}"), code: 1,
			want: []string{"{dir}/cut.safetensors"}, check: noFile("{dir}/o.parquet")},
		{name: "predict --model a file with a flipped bit", owner: "model", db: "fixture", prep: modelFiles, args: predict("{dir}/flip.safetensors", "{data}"), code: 1,
			want: []string{"{dir}/flip.safetensors", "hash"}, check: noFile("{dir}/o.parquet")},
		{name: "predict --model and --sweep", owner: "cli", args: predict(m, "{data}", "--sweep", "fx"), code: 1, want: []string{"not both"}},
		{name: "predict --out = --model", owner: "cli", db: "fixture", prep: modelFiles, args: []string{"predict", "--model", m, "--data", "{data}", "--out", m}, code: 1,
			want: []string{"--out {dir}/m.safetensors is the --model file"}},
		{name: "predict --model data missing a column", owner: "dataset", db: "fixture", prep: modelFiles, args: predict(m, "{fix}/train.parquet"), code: 1,
			want: []string{"{fix}/train.parquet", "not found"}},
		{name: "predict --model data with a column of another type", owner: "dataset", db: "fixture", prep: modelFiles, args: predict(m, "{dir}/strdevice.parquet"), code: 1,
			want: []string{"{dir}/strdevice.parquet", `"device"`, "string"}},
		{name: "predict --attention of a model without attention", owner: "cli", db: "fixture", prep: modelFiles, args: predict(m, "{data}", "--attention"), code: 1,
			want: []string{"--attention", "logreg"}},
		{name: "serve without --model", owner: "cli", args: serve(), code: 1, want: []string{"--model is required"}},
		{name: "serve a missing model file", owner: "model", args: serve("--model", "{dir}/nosuch.safetensors"), code: 1, want: []string{"{dir}/nosuch.safetensors"}},
		{name: "serve a truncated model file", owner: "model", db: "fixture", prep: modelFiles, args: serve("--model", "{dir}/cut.safetensors"), code: 1,
			want: []string{"{dir}/cut.safetensors"}},
		{name: "serve --addr empty", owner: "cli", db: "fixture", prep: modelFiles, args: serve("--model", m, "--addr", ""), code: 1, want: []string{"--addr is empty"}},
		{name: "serve --addr not an address", owner: "cli", db: "fixture", prep: modelFiles, args: serve("--model", m, "--addr", "nope"), code: 1, want: []string{"--addr nope"}},
		{name: "serve --max-rows 0", owner: "cli", db: "fixture", prep: modelFiles, args: serve("--model", m, "--max-rows", "0"), code: 1, want: []string{"--max-rows 0"}},
		{name: "serve --workers -1", owner: "cli", db: "fixture", prep: modelFiles, args: serve("--model", m, "--workers", "-1"), code: 1, want: []string{"--workers -1"}},
	}
}

// modelFiles exports the fixture sweep's best model to {dir}/m.safetensors
// and writes a truncated copy and a copy with one bit flipped in its weights.
func modelFiles(t *testing.T, e *hostileEnv) {
	m := filepath.Join(e.dir, "m.safetensors")
	if code, _, stderr := sweepCmd(t, "export-model", "--db", e.db, "--sweep", "fx", "--trial", "best", "--out", m); code != 0 {
		t.Fatalf("export-model: %s", stderr)
	}
	b, err := os.ReadFile(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.dir, "cut.safetensors"), b[:len(b)*2/3], 0o644); err != nil {
		t.Fatal(err)
	}
	type strDevice struct { // the fixture's columns, device a string
		Label    int64   `parquet:"label"`
		UserID   int64   `parquet:"user_id"`
		ItemID   int64   `parquet:"item_id"`
		CateID   int64   `parquet:"cate_id"`
		Hour     int64   `parquet:"hour"`
		Device   string  `parquet:"device"`
		Weekday  int64   `parquet:"weekday"`
		Price    float64 `parquet:"price"`
		HistItem []int64 `parquet:"hist_item,list"`
	}
	writeRows(t, filepath.Join(e.dir, "strdevice.parquet"), []strDevice{{UserID: 1, Device: "phone", HistItem: []int64{2}}})
	flip := append([]byte{}, b...)
	flip[len(flip)-5] ^= 0x10 // the last tensor's bytes
	if err := os.WriteFile(filepath.Join(e.dir, "flip.safetensors"), flip, 0o644); err != nil {
		t.Fatal(err)
	}
}

// modelFileWritten: the model file is there, readable by all, and no
// temporary file is left beside it.
func modelFileWritten(t *testing.T, e *hostileEnv, _, _ string) {
	fi, err := os.Stat(filepath.Join(e.dir, "m.safetensors"))
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("model file: %v, mode %v", err, fi)
	}
	if left, _ := filepath.Glob(filepath.Join(e.dir, ".m.safetensors*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
