package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/goccy/go-yaml"
)

// The quickstart run as 3 shards in 3 processes and merged gives the same
// trials and metrics as one process; merging again changes nothing.
func TestShardsMergeToTheSingleRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the quickstart twice")
	}
	dir := t.TempDir()
	spec, _ := filepath.Abs("../../experiments/quickstart.yaml")
	single := filepath.Join(dir, "single", "sweeps.db")
	if out, err := sweepProcess("run", spec, "--db", single).CombinedOutput(); err != nil {
		t.Fatalf("single run: %v\n%s", err, out)
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	outs := make([][]byte, 3)
	var shardDBs []string
	for i := 0; i < 3; i++ {
		db := filepath.Join(dir, "shards", "shard-"+string(rune('0'+i))+".db")
		shardDBs = append(shardDBs, db)
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := sweepProcess("run", spec, "--shard", "auto/3", "--workers", "1", "--db", db)
			cmd.Env = append(cmd.Env, "JOB_COMPLETION_INDEX="+string(rune('0'+i)))
			outs[i], errs[i] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("shard %d: %v\n%s", i, err, outs[i])
		}
	}
	merged := filepath.Join(dir, "merged.db")
	for round := 0; round < 2; round++ {
		out, err := sweepProcess(append([]string{"merge", "--db", merged}, shardDBs...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("merge: %v\n%s", err, out)
		}
		if round == 1 {
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				if !strings.Contains(line, " 0 trials added, 0 replaced") {
					t.Fatalf("merging again changed something: %s", line)
				}
			}
		}
		want, got := finalMetrics(t, single), finalMetrics(t, merged)
		if len(want) < 8 || len(got) != len(want) {
			t.Fatalf("round %d: %d trials merged, %d in the single run", round, len(got), len(want))
		}
		for key, w := range want {
			if got[key] != w {
				t.Errorf("round %d: trial %s: %q merged, %q single", round, key, got[key], w)
			}
		}
	}
}

func TestExportK8sAndSlurm(t *testing.T) {
	spec := "../../experiments/quickstart.yaml"
	code, out, stderr := sweepCmd(t, "export", "k8s", spec, "--shards", "4", "--image", "registry.example/attnsweep:1")
	if code != 0 {
		t.Fatalf("export k8s: %s", stderr)
	}
	var job struct {
		Kind string `yaml:"kind"`
		Spec struct {
			CompletionMode       string `yaml:"completionMode"`
			Completions          int    `yaml:"completions"`
			Parallelism          int    `yaml:"parallelism"`
			BackoffLimitPerIndex int    `yaml:"backoffLimitPerIndex"`
			Template             struct {
				Spec struct {
					Containers []struct {
						Image string   `yaml:"image"`
						Args  []string `yaml:"args"`
					} `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal([]byte(out), &job); err != nil {
		t.Fatalf("manifest is not YAML: %v\n%s", err, out)
	}
	s := job.Spec
	if job.Kind != "Job" || s.CompletionMode != "Indexed" || s.Completions != 4 || s.Parallelism != 4 || s.BackoffLimitPerIndex < 1 {
		t.Fatalf("manifest fields: %+v", job)
	}
	args := strings.Join(s.Template.Spec.Containers[0].Args, " ")
	if s.Template.Spec.Containers[0].Image != "registry.example/attnsweep:1" || !strings.Contains(args, "--shard auto/4") {
		t.Fatalf("container: %+v", s.Template.Spec.Containers)
	}

	code, out, stderr = sweepCmd(t, "export", "slurm", spec, "--shards", "4")
	if code != 0 {
		t.Fatalf("export slurm: %s", stderr)
	}
	script := filepath.Join(t.TempDir(), "sweep.sbatch")
	os.WriteFile(script, []byte(out), 0o644)
	if b, err := exec.Command("bash", "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, b)
	}
	if !strings.Contains(out, "#SBATCH --array=0-3") || !strings.Contains(out, "--shard \"auto/4\"") {
		t.Fatalf("sbatch script:\n%s", out)
	}
	code, _, stderr = sweepCmd(t, "export", "k8s", spec, "--shards", "2")
	wantOneLineError(t, code, stderr, "--image is required")
}

func TestShardFlag(t *testing.T) {
	code, out, _ := sweepCmd(t, "run", "../../experiments/quickstart.yaml", "--dry-run", "--shard", "1/3")
	if code != 0 || !strings.Contains(out, "3 trials") {
		t.Fatalf("dry-run shard 1/3: %d %q", code, out)
	}
	code, _, stderr := sweepCmd(t, "run", "../../experiments/quickstart.yaml", "--dry-run", "--shard", "3/3")
	wantOneLineError(t, code, stderr, "must be a whole number from 0 to 2")
	os.Unsetenv("JOB_COMPLETION_INDEX")
	os.Unsetenv("SLURM_ARRAY_TASK_ID")
	code, _, stderr = sweepCmd(t, "run", "../../experiments/quickstart.yaml", "--dry-run", "--shard", "auto/3")
	wantOneLineError(t, code, stderr, "neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID")
}
