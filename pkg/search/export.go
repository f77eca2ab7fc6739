package search

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// ClusterJob describes a sweep split into shards for a cluster scheduler:
// each shard runs `sweep run SPEC --shard auto/N` into its own database,
// and `sweep merge` joins the databases afterwards.
//
// Every value here may come from a command line and ends up in a file that
// a scheduler executes or parses, so none is pasted as text: the Kubernetes
// manifest goes through a YAML encoder with every string double-quoted, and
// the Slurm script single-quotes every value it hands the shell.
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

// memoryRe is what both schedulers read the same way: a whole number with a
// binary (Mi, Gi, Ti) or decimal (M, G, T) unit. Slurm reads both as binary.
var memoryRe = regexp.MustCompile(`^[1-9][0-9]*[MGT]i?$`)

// sweepNameRe is the spec name README promises: it names folders and jobs.
var sweepNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func (j *ClusterJob) defaults() error {
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
	if !sweepNameRe.MatchString(j.Spec.Name) {
		return fmt.Errorf("sweep name %q: a cluster job needs letters, digits, '-' and '_' only", j.Spec.Name)
	}
	if !memoryRe.MatchString(j.Memory) {
		return fmt.Errorf("--memory %q: want a whole number with a unit M, G or T, or Mi, Gi or Ti (e.g. 8Gi)", j.Memory)
	}
	for _, v := range [][2]string{{"--results", j.Results}, {"--image", j.Image}, {"spec path", j.Path}} {
		if !utf8.ValidString(v[1]) {
			return fmt.Errorf("%s %q is not valid UTF-8", v[0], v[1])
		}
	}
	return nil
}

func (j *ClusterJob) checkShards() error {
	if j.Shards < 1 {
		return fmt.Errorf("--shards must be at least 1, got %d", j.Shards)
	}
	return nil
}

// shardDir is the folder of the sweep's shard databases, on the cluster's
// (Unix) file system; the path is not cleaned, as ".." and symbolic links
// do not commute.
func (j *ClusterJob) shardDir() string {
	return strings.TrimRight(j.Results, "/") + "/" + j.Spec.Name
}

// WriteSlurm prints an sbatch array script: one array task per shard,
// each reading its index from SLURM_ARRAY_TASK_ID.
//
// Only numbers and the checked sweep name go into the #SBATCH lines (sbatch
// reads them without a shell, and a newline there would start a command);
// the paths go into shell words in single quotes. The task's log is
// redirected by the script, after it has made the folder, rather than by
// `#SBATCH --output`, which would need the path unquoted and the folder made
// before the task starts.
func (j *ClusterJob) WriteSlurm(w io.Writer) error {
	if err := j.defaults(); err != nil {
		return err
	}
	if err := j.checkShards(); err != nil {
		return err
	}
	mem := strings.TrimSuffix(j.Memory, "i")
	_, err := fmt.Fprintf(w, `#!/usr/bin/env bash
# Slurm array job for sweep %[1]s: %[2]d shards, one array task each.
# Submit: sbatch sweep.sbatch. When every task has ended, merge the shard
# databases of the folder in "shards=" below:
#   sweep merge --db sweeps.db "$shards"/shard-*.db
#SBATCH --job-name=%[3]s
#SBATCH --array=0-%[4]d
#SBATCH --cpus-per-task=%[5]d
#SBATCH --mem=%[6]s
set -euo pipefail
shards=%[7]s
mkdir -p -- "$shards"
exec >>"$shards/slurm-${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}.out" 2>&1
# A task that is requeued resumes its own shard database: finished trials are not run again.
exec sweep run %[8]s --shard auto/%[2]d --workers %[9]d --db "$shards/shard-${SLURM_ARRAY_TASK_ID}.db"
`, j.Spec.Name, j.Shards, j.jobName(), j.Shards-1, j.CPUs, mem,
		shellQuote(j.shardDir()), shellQuote(j.Path), j.Workers)
	return err
}

// shellQuote makes s one shell word that the shell takes literally: inside
// single quotes nothing is special but the single quote itself, which is
// written as a closing quote, a backslash-escaped quote and an opening quote.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
