package main

import (
	"bytes"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// trainingCounts reads, per trial, how often it was claimed (its training
// starts) and how many epochs rows it has.
func trainingCounts(t *testing.T, path string) (attempts, epochs, done map[string]int) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT key, attempts, status = 'done', (SELECT count(DISTINCT epoch) FROM epochs e WHERE e.trial = t.id) FROM trials t`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	attempts, epochs, done = map[string]int{}, map[string]int{}, map[string]int{}
	for rows.Next() {
		var key string
		var a, d, e int
		if err := rows.Scan(&key, &a, &d, &e); err != nil {
			t.Fatal(err)
		}
		attempts[key], epochs[key], done[key] = a, e, d
	}
	return attempts, epochs, done
}

// Three `sweep run` and two `sweep resume` processes on one database train
// each trial exactly once, without lock errors, and give the results of a
// single run.
func TestProcessesShareOneSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("trains real trials in child processes")
	}
	dir := t.TempDir()
	spec := filepath.Join(dir, "killme.yaml")
	os.WriteFile(spec, []byte(slowSpec), 0o644)
	ref := filepath.Join(dir, "ref.db")
	if out, err := sweepProcess("run", spec, "--db", ref, "--workers", "2").CombinedOutput(); err != nil {
		t.Fatalf("reference run: %v\n%s", err, out)
	}
	want := finalMetrics(t, ref)

	db := filepath.Join(dir, "shared.db")
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	start := func(args ...string) {
		cmd := sweepProcess(append(args, "--db", db, "--workers", "1")...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, &out)
	}
	for i := 0; i < 3; i++ {
		start("run", spec)
	}
	for deadline := time.Now().Add(time.Minute); countStatus(db, "running") == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no trial started within a minute")
		}
	}
	for i := 0; i < 2; i++ {
		start("resume", "killme")
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("process %d: %v\n%s", i, err, outs[i])
		}
		if strings.Contains(outs[i].String(), "locked") {
			t.Fatalf("process %d reported a lock:\n%s", i, outs[i])
		}
	}
	attempts, epochs, done := trainingCounts(t, db)
	for key := range want {
		if attempts[key] != 1 || epochs[key] != 3 || done[key] != 1 {
			t.Errorf("trial %s: %d training starts, %d epochs, done %d; want 1, 3, 1", key, attempts[key], epochs[key], done[key])
		}
	}
	got := finalMetrics(t, db)
	sameMetrics(t, got, want, "with a shared database")
}

// A process frozen mid-trial loses its trial after the lease: another
// process takes it over and finishes it once; a process killed with -9 on
// this host loses its trial at once (its pid is gone).
func TestStaleClaimsAreTakenOver(t *testing.T) {
	if testing.Short() {
		t.Skip("trains real trials in child processes")
	}
	dir := t.TempDir()
	spec := filepath.Join(dir, "killme.yaml")
	os.WriteFile(spec, []byte(slowSpec), 0o644)
	db := filepath.Join(dir, "sweeps.db")
	frozen := sweepProcess("run", spec, "--db", db, "--workers", "1", "--lease", "3s")
	if err := frozen.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); countStatus(db, "running") == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			frozen.Process.Kill()
			t.Fatal("no trial started within a minute")
		}
	}
	frozen.Process.Signal(syscall.SIGSTOP) // alive, silent: only the lease frees its trial
	began := time.Now()
	taker := sweepProcess("run", spec, "--db", db, "--workers", "2", "--lease", "3s")
	out, err := taker.CombinedOutput()
	frozen.Process.Signal(syscall.SIGKILL)
	frozen.Wait()
	if err != nil {
		t.Fatalf("the second process: %v\n%s", err, out)
	}
	if time.Since(began) < 3*time.Second {
		t.Errorf("the frozen trial was taken before its lease ran out")
	}
	attempts, epochs, done := trainingCounts(t, db)
	taken := 0
	for key, d := range done {
		if d != 1 || epochs[key] != 3 {
			t.Errorf("trial %s: done %d with %d epochs", key, d, epochs[key])
		}
		if attempts[key] == 2 {
			taken++
		}
	}
	if taken != 1 {
		t.Errorf("%d trials were taken over, want the frozen one: %v", taken, attempts)
	}

	// kill -9: the resume takes the dead process's trial at once.
	killed := filepath.Join(dir, "killed.db")
	cmd := sweepProcess("run", spec, "--db", killed, "--workers", "1", "--lease", "1h")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitDone(t, killed, 1, cmd)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if out, err := sweepProcess("resume", "killme", "--db", killed, "--workers", "2", "--lease", "1h").CombinedOutput(); err != nil {
		t.Fatalf("resume after kill -9: %v\n%s", err, out)
	}
	if n := countDone(killed); n != 6 {
		t.Errorf("%d trials done after kill -9 and resume (lease 1h), want 6", n)
	}
}

func countStatus(path, status string) int {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		return 0
	}
	defer db.Close()
	var n int
	db.QueryRow("SELECT count(*) FROM trials WHERE status = ?", status).Scan(&n)
	return n
}
