package search

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// ClusterJob describes a sweep split into shards for a cluster scheduler:
// each shard runs `sweep run SPEC --shard auto/N` into its own database,
// and `sweep merge` joins the databases afterwards.
type ClusterJob struct {
	Spec    *Spec
	Path    string // the spec's path as the job sees it
	Shards  int
	Image   string // container image (Kubernetes)
	Workers int    // trials side by side in each shard (0: the cores given)
	CPUs    int    // cores requested per shard
	Memory  string // memory requested per shard, e.g. 8Gi
	Results string // folder for shard databases, shared by all shards (a volume or network file system)
}

func (j *ClusterJob) defaults() error {
	if j.Shards < 1 {
		return fmt.Errorf("--shards must be at least 1, got %d", j.Shards)
	}
	if j.CPUs <= 0 {
		j.CPUs = 2
	}
	if j.Memory == "" {
		j.Memory = "8Gi"
	}
	if j.Results == "" {
		j.Results = "/results"
	}
	if j.Workers <= 0 {
		j.Workers = j.CPUs
	}
	return nil
}

// jobName is the sweep name made valid for Kubernetes (lowercase, dashes).
func (j *ClusterJob) jobName() string {
	name := strings.ToLower(strings.ReplaceAll(j.Spec.Name, "_", "-"))
	return "sweep-" + name
}

// WriteKubernetes prints an Indexed Job: one pod per shard, each reading
// its index from JOB_COMPLETION_INDEX, retried per index.
func (j *ClusterJob) WriteKubernetes(w io.Writer) error {
	if err := j.defaults(); err != nil {
		return err
	}
	if j.Image == "" {
		return fmt.Errorf("--image is required for a Kubernetes job")
	}
	// $(SHARD) expands from the env below; --shard auto reads JOB_COMPLETION_INDEX itself.
	db := fmt.Sprintf("%s/%s/shard-$(SHARD).db", j.Results, j.Spec.Name)
	_, err := fmt.Fprintf(w, `# Kubernetes Indexed Job for sweep %[1]q: %[2]d shards.
# Apply: kubectl apply -f job.yaml; wait: kubectl wait --for=condition=complete job/%[3]s --timeout=24h
# Then merge the shard databases from the results volume:
#   sweep merge --db sweeps.db %[4]s/%[1]s/shard-*.db
apiVersion: batch/v1
kind: Job
metadata:
  name: %[3]s
  labels: {app: attnsweep, sweep: %[3]s}
spec:
  completionMode: Indexed
  completions: %[2]d
  parallelism: %[2]d
  backoffLimitPerIndex: 2   # a failed pod is retried and resumes its shard's database
  template:
    metadata:
      labels: {app: attnsweep, sweep: %[3]s}
    spec:
      restartPolicy: Never
      containers:
        - name: sweep
          image: %[5]s
          args: ["run", %[6]q, "--shard", "auto/%[2]d", "--workers", "%[7]d", "--db", %[8]q]
          env:
            - name: SHARD
              valueFrom:
                fieldRef: {fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']"}
          resources:
            requests: {cpu: "%[9]d", memory: %[10]s}
            limits: {cpu: "%[9]d", memory: %[10]s}
          volumeMounts:
            - {name: results, mountPath: %[4]s}
      volumes:
        - name: results
          persistentVolumeClaim: {claimName: attnsweep-results}
`, j.Spec.Name, j.Shards, j.jobName(), j.Results, j.Image, filepath.ToSlash(j.Path), j.Workers, db, j.CPUs, j.Memory)
	return err
}

// WriteSlurm prints an sbatch array script: one array task per shard,
// each reading its index from SLURM_ARRAY_TASK_ID.
func (j *ClusterJob) WriteSlurm(w io.Writer) error {
	if err := j.defaults(); err != nil {
		return err
	}
	mem := strings.TrimSuffix(strings.TrimSuffix(j.Memory, "i"), "B")
	_, err := fmt.Fprintf(w, `#!/usr/bin/env bash
# Slurm array job for sweep %[1]q: %[2]d shards.
# Submit: sbatch sweep.sbatch; when every task has ended, merge the shard databases:
#   sweep merge --db sweeps.db %[3]s/%[1]s/shard-*.db
#SBATCH --job-name=%[4]s
#SBATCH --array=0-%[5]d
#SBATCH --cpus-per-task=%[6]d
#SBATCH --mem=%[7]s
#SBATCH --output=%[3]s/%[1]s/slurm-%%A_%%a.out
set -euo pipefail
mkdir -p "%[3]s/%[1]s"
# A task that is requeued resumes its own shard database: finished trials are not run again.
exec sweep run %[8]q --shard "auto/%[2]d" --workers %[9]d --db "%[3]s/%[1]s/shard-${SLURM_ARRAY_TASK_ID}.db"
`, j.Spec.Name, j.Shards, j.Results, j.jobName(), j.Shards-1, j.CPUs, mem, j.Path, j.Workers)
	return err
}
