package search

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard is one part of a plan run by one process (one Kubernetes Indexed Job
// pod, one Slurm array task) into its own database; `sweep merge` joins them.
// Shard I of N runs the trials whose plan position p has p mod N = I, so the
// shards of a plan are disjoint and together cover it.
type Shard struct {
	Index, Count int // 0 ≤ Index < Count; Count 0 or 1: the whole plan
}

// ParseShard reads "I/N" (0-based I) or "auto/N", where I comes from
// JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs) or SLURM_ARRAY_TASK_ID.
func ParseShard(s string, getenv func(string) string) (Shard, error) {
	if s == "" {
		return Shard{}, nil
	}
	is, ns, ok := strings.Cut(s, "/")
	n, err := strconv.Atoi(ns)
	if !ok || err != nil || n < 1 {
		return Shard{}, fmt.Errorf("--shard %q: want I/N or auto/N with N ≥ 1", s)
	}
	if is == "auto" {
		for _, env := range []string{"JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"} {
			if v := getenv(env); v != "" {
				is = v
				break
			}
		}
		if is == "auto" {
			return Shard{}, fmt.Errorf("--shard auto/%d: neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID is set", n)
		}
	}
	i, err := strconv.Atoi(is)
	if err != nil || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("--shard %q: index %q must be a whole number from 0 to %d", s, is, n-1)
	}
	return Shard{Index: i, Count: n}, nil
}

// Select returns the shard's trials, in plan order.
func (sh Shard) Select(plan []Trial) []Trial {
	if sh.Count <= 1 {
		return plan
	}
	var out []Trial
	for _, t := range plan {
		if t.Position%sh.Count == sh.Index {
			out = append(out, t)
		}
	}
	return out
}

// String prints the shard as I/N ("" for the whole plan).
func (sh Shard) String() string {
	if sh.Count <= 1 {
		return ""
	}
	return fmt.Sprintf("%d/%d", sh.Index, sh.Count)
}
