package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	k8sjson "sigs.k8s.io/json"
	k8syaml "sigs.k8s.io/yaml"
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
		sameMetrics(t, got, want, fmt.Sprintf("merged in round %d", round))
	}
}

// The manifests decode strictly (an unknown or misplaced field is an error)
// into the Kubernetes API's own types, as kubectl would read them.
func TestExportK8sAgainstTheAPITypes(t *testing.T) {
	spec := "../../experiments/quickstart.yaml"
	code, out, stderr := sweepCmd(t, "export", "k8s", spec, "--shards", "4", "--image", "registry.example/attnsweep:1")
	if code != 0 {
		t.Fatalf("export k8s: %s", stderr)
	}
	var job batchv1.Job
	if err := decodeStrict(out, &job); err != nil {
		t.Fatalf("the manifest is not a batch/v1 Job: %v\n%s", err, out)
	}
	s := job.Spec
	if job.Kind != "Job" || job.APIVersion != "batch/v1" || s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion ||
		s.Completions == nil || *s.Completions != 4 || s.Parallelism == nil || *s.Parallelism != 4 ||
		s.BackoffLimitPerIndex == nil || *s.BackoffLimitPerIndex < 1 || s.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Fatalf("job spec: %+v", s)
	}
	c := s.Template.Spec.Containers[0]
	if c.Image != "registry.example/attnsweep:1" || len(c.Env) != 1 || c.Env[0].ValueFrom == nil || c.Env[0].ValueFrom.FieldRef == nil ||
		c.Env[0].ValueFrom.FieldRef.FieldPath != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
		t.Fatalf("container: %+v", c)
	}
	want := []string{"run", spec, "--shard", "auto/4", "--workers", "2", "--db", "/results/quickstart/shard-$(" + c.Env[0].Name + ").db"}
	if !slices.Equal(c.Args, want) {
		t.Fatalf("args %q, want %q", c.Args, want)
	}
	if c.Resources.Requests.Cpu().Value() != 2 || c.Resources.Limits.Memory().Value() != 8<<30 {
		t.Fatalf("resources: %+v", c.Resources)
	}
	vols := s.Template.Spec.Volumes
	if len(vols) != 1 || vols[0].PersistentVolumeClaim == nil || vols[0].PersistentVolumeClaim.ClaimName != "attnsweep-results" ||
		len(c.VolumeMounts) != 1 || c.VolumeMounts[0].Name != vols[0].Name || c.VolumeMounts[0].MountPath != "/results" {
		t.Fatalf("volumes %+v, mounts %+v", vols, c.VolumeMounts)
	}
	checkCollector(t, spec, job)
}

// decodeStrict reads a manifest as the API server's strict field validation
// does: YAML to JSON (a duplicate key is an error), then JSON matched to the
// type's fields case-sensitively, an unknown or duplicate field an error.
// (encoding/json alone would take "backoffLimitPerindex" for the real field.)
func decodeStrict(manifest string, v any) error {
	j, err := k8syaml.YAMLToJSONStrict([]byte(manifest))
	if err != nil {
		return err
	}
	strict, err := k8sjson.UnmarshalStrict(j, v, k8sjson.DisallowDuplicateFields, k8sjson.DisallowUnknownFields)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

// checkCollector checks the pod README copies the shard databases out of:
// the job's image and claim, mounted read-only at the job's mount path,
// kept alive so that `kubectl cp POD:/results/quickstart shards` finds
// every shard-<index>.db the job's --db names.
func checkCollector(t *testing.T, spec string, job batchv1.Job) {
	t.Helper()
	code, out, stderr := sweepCmd(t, "export", "k8s", spec, "--image", "registry.example/attnsweep:1", "--collector")
	if code != 0 {
		t.Fatalf("export k8s --collector: %s", stderr)
	}
	var pod corev1.Pod
	if err := decodeStrict(out, &pod); err != nil {
		t.Fatalf("the collector is not a v1 Pod: %v\n%s", err, out)
	}
	jc, pc := job.Spec.Template.Spec.Containers[0], pod.Spec.Containers[0]
	if pod.Kind != "Pod" || pod.APIVersion != "v1" || pod.Name != job.Name+"-collect" || pc.Image != jc.Image ||
		len(pc.Command) == 0 || pc.Command[0] != "sleep" {
		t.Fatalf("collector: %+v", pod)
	}
	vols := pod.Spec.Volumes
	if len(vols) != 1 || vols[0].PersistentVolumeClaim == nil || !vols[0].PersistentVolumeClaim.ReadOnly ||
		vols[0].PersistentVolumeClaim.ClaimName != job.Spec.Template.Spec.Volumes[0].PersistentVolumeClaim.ClaimName ||
		len(pc.VolumeMounts) != 1 || pc.VolumeMounts[0].MountPath != jc.VolumeMounts[0].MountPath || !pc.VolumeMounts[0].ReadOnly {
		t.Fatalf("collector volumes %+v, mounts %+v", vols, pc.VolumeMounts)
	}
	if db := jc.Args[len(jc.Args)-1]; path.Dir(db) != pc.VolumeMounts[0].MountPath+"/quickstart" {
		t.Fatalf("the shards write %s, README copies %s/quickstart", db, pc.VolumeMounts[0].MountPath)
	}
	if !strings.Contains(out, "kubectl cp "+pod.Name+":") {
		t.Fatalf("the collector's comment does not show the copy:\n%s", out)
	}
}

func TestExportSlurm(t *testing.T) {
	spec := "../../experiments/quickstart.yaml"
	code, out, stderr := sweepCmd(t, "export", "slurm", spec, "--shards", "4")
	if code != 0 {
		t.Fatalf("export slurm: %s", stderr)
	}
	script := filepath.Join(t.TempDir(), "sweep.sbatch")
	os.WriteFile(script, []byte(out), 0o644)
	if b, err := exec.Command("bash", "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, b)
	}
	if !strings.Contains(out, "#SBATCH --array=0-3") || !strings.Contains(out, "--shard auto/4") {
		t.Fatalf("sbatch script:\n%s", out)
	}
	code, _, stderr = sweepCmd(t, "export", "k8s", spec, "--shards", "2")
	wantOneLineError(t, code, stderr, "--image is required")
	code, _, stderr = sweepCmd(t, "export", "slurm", spec, "--shards", "2", "--memory", "lots")
	wantOneLineError(t, code, stderr, `--memory "lots"`)
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
