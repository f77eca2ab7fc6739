package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

// TestMain lets a test run this binary as the sweep command in a child
// process (SWEEP_AS_MAIN=1), so a real process can be killed mid-sweep.
func TestMain(m *testing.M) {
	if os.Getenv("SWEEP_AS_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func sweepProcess(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "SWEEP_AS_MAIN=1")
	cmd.Dir, _ = os.Getwd()
	return cmd
}

// slowSpec has trials long enough (about a second each) to kill mid-run.
const slowSpec = `name: killme
data: {synthetic: {rows: 20000, seed: 4, history: 10}}
columns:
  sequences: [{column: hist_item, target: item_id, max_len: 10}]
models: [dot, logreg]
search: {seed: 9}
space:
  lr: [1.0e-3, 3.0e-3, 1.0e-2]
  embed_dim: 8
  batch_size: 256
  hidden: [32]
train: {epochs: 3}
`

// sameMetrics reports each trial of want whose final metrics differ in got;
// how names got's side in the message ("after resume", "merged", …).
func sameMetrics(t *testing.T, got, want map[string]string, how string) {
	t.Helper()
	for key, w := range want {
		if got[key] != w {
			t.Errorf("trial %s: %q %s, %q in one uninterrupted run", key, got[key], how, w)
		}
	}
}

// finalMetrics reads key → "status test_auc valid_auc" for a sweep.
func finalMetrics(t *testing.T, path string) map[string]string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	rows, err := db.Query("SELECT key, status, coalesce(test_auc, -1), coalesce(valid_auc, -1) FROM leaderboard")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var key, status string
		var test, valid float64
		rows.Scan(&key, &status, &test, &valid)
		out[key] = fmt.Sprintf("%s %.12f %.12f", status, test, valid)
	}
	return out
}

func countDone(path string) int {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		return 0
	}
	defer db.Close()
	var n int
	db.QueryRow("SELECT count(*) FROM trials WHERE status = 'done'").Scan(&n)
	return n
}

// waitDone waits until at least n trials are done and another one is
// running (so that a signal then lands mid-trial), then returns.
func waitDone(t *testing.T, path string, n int, cmd *exec.Cmd) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for countDone(path) < n || countStatus(path, "running") == 0 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("fewer than %d trials done after 3 minutes", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("trains real trials in child processes")
	}
	dir := t.TempDir()
	spec := filepath.Join(dir, "killme.yaml")
	os.WriteFile(spec, []byte(slowSpec), 0o644)

	// The reference: one uninterrupted run.
	ref := filepath.Join(dir, "ref", "sweeps.db")
	if out, err := sweepProcess("run", spec, "--db", ref, "--workers", "2").CombinedOutput(); err != nil {
		t.Fatalf("reference run: %v\n%s", err, out)
	}
	want := finalMetrics(t, ref)

	// SIGKILL once two trials are done, then resume.
	db := filepath.Join(dir, "killed", "sweeps.db")
	cmd := sweepProcess("run", spec, "--db", db, "--workers", "2")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitDone(t, db, 2, cmd)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	killed := finalMetrics(t, db)
	running := 0
	for _, v := range killed {
		if strings.HasPrefix(v, "running ") {
			running++
		}
	}
	if running == 0 || countDone(db) >= len(want) {
		t.Fatalf("at the kill no trial was running (%v): make trials longer", killed)
	}
	if out, err := sweepProcess("resume", "killme", "--db", db, "--workers", "1").CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	got := finalMetrics(t, db)
	if len(got) != len(want) {
		t.Fatalf("%d trials after resume, want %d", len(got), len(want))
	}
	sameMetrics(t, got, want, "after kill and resume")
}

func TestInterruptMarksRunningTrials(t *testing.T) {
	if testing.Short() {
		t.Skip("trains real trials in child processes")
	}
	dir := t.TempDir()
	spec := filepath.Join(dir, "killme.yaml")
	os.WriteFile(spec, []byte(slowSpec), 0o644)
	db := filepath.Join(dir, "sweeps.db")
	cmd := sweepProcess("run", spec, "--db", db, "--workers", "2")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitDone(t, db, 1, cmd)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 130 {
		t.Fatalf("exit after SIGINT: %v, want code 130", err)
	}
	if !strings.Contains(stderr.String(), "sweep resume killme") {
		t.Fatalf("stderr does not say how to resume: %q", stderr.String())
	}
	got := finalMetrics(t, db)
	statuses := map[string]int{}
	for _, v := range got {
		statuses[strings.Fields(v)[0]]++
	}
	if statuses["running"] != 0 || statuses["interrupted"] == 0 || statuses["done"] == 0 {
		t.Fatalf("statuses after SIGINT: %v", statuses)
	}
}

// Two processes running different sweeps into one database both finish:
// WAL, the busy timeout and immediate write transactions keep them from
// failing with "database is locked".
func TestTwoProcessesShareADatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("trains real trials in child processes")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "sweeps.db")
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for _, name := range []string{"first", "second"} {
		spec := filepath.Join(dir, name+".yaml")
		os.WriteFile(spec, []byte(strings.Replace(slowSpec, "name: killme", "name: "+name, 1)), 0o644)
		cmd := sweepProcess("run", spec, "--db", db, "--workers", "1")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, &out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("process %d: %v\n%s", i, err, outs[i])
		}
		if strings.Contains(outs[i].String(), "locked") {
			t.Fatalf("process %d reported a lock:\n%s", i, outs[i])
		}
	}
	finalMetrics(t, db) // integrity check
	code, out, stderr := sweepCmd(t, "query", "--db", db, "--format", "csv",
		"SELECT sweep, count(*) FROM leaderboard WHERE status = 'done' GROUP BY sweep ORDER BY sweep")
	if code != 0 || out != "sweep,count(*)\nfirst,6\nsecond,6\n" {
		t.Fatalf("done trials per sweep: %q %s", out, stderr)
	}
}

// A TPE sweep killed in the middle of a batch and resumed proposes and
// trains exactly the trials of an uninterrupted run, with the same results.
func TestKillAndResume_TPE(t *testing.T) {
	if testing.Short() {
		t.Skip("trains real trials in child processes")
	}
	dir := t.TempDir()
	spec := filepath.Join(dir, "killme.yaml")
	text := strings.Replace(slowSpec, "search: {seed: 9}", "search: {method: tpe, trials: 10, seed: 9, startup: 2, batch: 2}", 1)
	text = strings.Replace(text, "lr: [1.0e-3, 3.0e-3, 1.0e-2]", "lr: {loguniform: [1.0e-3, 3.0e-2]}", 1)
	os.WriteFile(spec, []byte(text), 0o644)
	ref := filepath.Join(dir, "ref", "sweeps.db")
	if out, err := sweepProcess("run", spec, "--db", ref, "--workers", "2").CombinedOutput(); err != nil {
		t.Fatalf("reference run: %v\n%s", err, out)
	}
	want := finalMetrics(t, ref)
	db := filepath.Join(dir, "killed", "sweeps.db")
	cmd := sweepProcess("run", spec, "--db", db, "--workers", "1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitDone(t, db, 5, cmd) // the third batch is under way
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if n := countDone(db); n >= len(want) {
		t.Fatalf("all %d trials were done at the kill: make trials longer", n)
	}
	if out, err := sweepProcess("resume", "killme", "--db", db, "--workers", "2").CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	got := finalMetrics(t, db)
	if len(got) != len(want) || len(want) != 10 {
		t.Fatalf("%d trials after resume, %d uninterrupted, want 10", len(got), len(want))
	}
	sameMetrics(t, got, want, "after kill and resume")
}
