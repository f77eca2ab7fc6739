package search

import (
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
)

// This file writes the Kubernetes side of ClusterJob: the Indexed Job that
// runs the shards and the pod that collects their databases. The manifests
// are Go values encoded by the YAML encoder, never text with values pasted in.

// quoted is a string the YAML encoder writes double-quoted. Go's escapes
// (\n, \t, \", \\, \xNN, \uNNNN) are all YAML escapes, so a reader gets the
// string back exactly; the encoder's own choice of plain style misses cases
// (a tab, a leading "? ", ".inf") that a reader would take for something else.
type quoted string

// MarshalYAML implements goccy/go-yaml's BytesMarshaler.
func (q quoted) MarshalYAML() ([]byte, error) { return []byte(strconv.Quote(string(q))), nil }

// The parts of the batch/v1 and core/v1 API types the manifests use, with
// the API's field names; cmd/sweep's tests decode the output strictly into
// the real types.
type (
	k8sMeta struct {
		Name   quoted            `yaml:"name,omitempty"`
		Labels map[string]quoted `yaml:"labels"`
	}
	k8sJob struct {
		APIVersion quoted     `yaml:"apiVersion"`
		Kind       quoted     `yaml:"kind"`
		Metadata   k8sMeta    `yaml:"metadata"`
		Spec       k8sJobSpec `yaml:"spec"`
	}
	k8sJobSpec struct {
		CompletionMode       quoted         `yaml:"completionMode"`
		Completions          int            `yaml:"completions"`
		Parallelism          int            `yaml:"parallelism"`
		BackoffLimitPerIndex int            `yaml:"backoffLimitPerIndex"`
		Template             k8sPodTemplate `yaml:"template"`
	}
	k8sPodTemplate struct {
		Metadata k8sMeta    `yaml:"metadata"`
		Spec     k8sPodSpec `yaml:"spec"`
	}
	k8sPod struct {
		APIVersion quoted     `yaml:"apiVersion"`
		Kind       quoted     `yaml:"kind"`
		Metadata   k8sMeta    `yaml:"metadata"`
		Spec       k8sPodSpec `yaml:"spec"`
	}
	k8sPodSpec struct {
		RestartPolicy quoted         `yaml:"restartPolicy"`
		Containers    []k8sContainer `yaml:"containers"`
		Volumes       []k8sVolume    `yaml:"volumes"`
	}
	k8sContainer struct {
		Name         quoted        `yaml:"name"`
		Image        quoted        `yaml:"image"`
		Command      []quoted      `yaml:"command,omitempty"`
		Args         []quoted      `yaml:"args,omitempty"`
		Env          []k8sEnv      `yaml:"env,omitempty"`
		Resources    *k8sResources `yaml:"resources,omitempty"`
		VolumeMounts []k8sMount    `yaml:"volumeMounts"`
	}
	k8sEnv struct {
		Name      quoted `yaml:"name"`
		ValueFrom struct {
			FieldRef struct {
				FieldPath quoted `yaml:"fieldPath"`
			} `yaml:"fieldRef"`
		} `yaml:"valueFrom"`
	}
	k8sResources struct {
		Requests map[string]quoted `yaml:"requests"`
		Limits   map[string]quoted `yaml:"limits"`
	}
	k8sMount struct {
		Name      quoted `yaml:"name"`
		MountPath quoted `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly,omitempty"`
	}
	k8sVolume struct {
		Name                  quoted `yaml:"name"`
		PersistentVolumeClaim struct {
			ClaimName quoted `yaml:"claimName"`
			ReadOnly  bool   `yaml:"readOnly,omitempty"`
		} `yaml:"persistentVolumeClaim"`
	}
)

// ResultsClaim is the PersistentVolumeClaim the shards write to; it must
// exist before the job runs, shared by all pods (ReadWriteMany when they
// may land on different nodes).
const ResultsClaim = "attnsweep-results"

// ShardEnv is the variable holding a pod's completion index, the shard it runs.
const ShardEnv = "SHARD"

// dnsLabelRe is a Kubernetes object name that may also be a pod's host name.
var dnsLabelRe = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// jobName is the sweep name made valid for Kubernetes (lowercase, dashes).
func (j *ClusterJob) jobName() string {
	name := strings.ToLower(strings.ReplaceAll(j.Spec.Name, "_", "-"))
	return "sweep-" + name
}

// kubeChecks adds what Kubernetes needs to the common checks.
func (j *ClusterJob) kubeChecks() error {
	if err := j.defaults(); err != nil {
		return err
	}
	if j.Image == "" {
		return fmt.Errorf("--image is required for a Kubernetes job")
	}
	// Room for "-collect" and an Indexed Job pod's "-<index>" host name suffix.
	if name := j.jobName(); !dnsLabelRe.MatchString(name) || len(name) > 50 {
		return fmt.Errorf("sweep name %q gives the Kubernetes name %q: want at most 50 lowercase letters, digits and '-', ending with a letter or digit", j.Spec.Name, name)
	}
	if !path.IsAbs(j.Results) {
		return fmt.Errorf("--results %q: a Kubernetes mount path must be absolute", j.Results)
	}
	return nil
}

// kubeArg keeps s literal in a container's args: Kubernetes expands $(VAR)
// there and reads $$ as $.
func kubeArg(s string) quoted { return quoted(strings.ReplaceAll(s, "$", "$$")) }

// resultsVolume is the claim and its mount at --results.
func (j *ClusterJob) resultsVolume(readOnly bool) (k8sVolume, k8sMount) {
	v := k8sVolume{Name: "results"}
	v.PersistentVolumeClaim.ClaimName = ResultsClaim
	v.PersistentVolumeClaim.ReadOnly = readOnly
	return v, k8sMount{Name: "results", MountPath: quoted(j.Results), ReadOnly: readOnly}
}

func (j *ClusterJob) labels() map[string]quoted {
	return map[string]quoted{"app": "attnsweep", "sweep": quoted(j.jobName())}
}

// WriteKubernetes prints an Indexed Job: one pod per shard, each reading
// its index from JOB_COMPLETION_INDEX, retried per index.
func (j *ClusterJob) WriteKubernetes(w io.Writer) error {
	if err := j.kubeChecks(); err != nil {
		return err
	}
	if err := j.checkShards(); err != nil {
		return err
	}
	vol, mount := j.resultsVolume(false)
	res := map[string]quoted{"cpu": quoted(strconv.Itoa(j.CPUs)), "memory": quoted(j.Memory)}
	c := k8sContainer{Name: "sweep", Image: quoted(j.Image),
		// $(SHARD) is the one reference Kubernetes expands; --shard auto reads JOB_COMPLETION_INDEX itself.
		Args: []quoted{"run", kubeArg(j.Path), "--shard", quoted(fmt.Sprintf("auto/%d", j.Shards)),
			"--workers", quoted(strconv.Itoa(j.Workers)),
			"--db", kubeArg(j.shardDir()+"/shard-") + "$(" + ShardEnv + ").db"},
		Env:          []k8sEnv{{Name: ShardEnv}},
		Resources:    &k8sResources{Requests: res, Limits: res},
		VolumeMounts: []k8sMount{mount}}
	c.Env[0].ValueFrom.FieldRef.FieldPath = "metadata.annotations['batch.kubernetes.io/job-completion-index']"
	job := k8sJob{APIVersion: "batch/v1", Kind: "Job",
		Metadata: k8sMeta{Name: quoted(j.jobName()), Labels: j.labels()},
		Spec: k8sJobSpec{CompletionMode: "Indexed", Completions: j.Shards, Parallelism: j.Shards,
			// A failed pod is retried and resumes its shard's database.
			BackoffLimitPerIndex: 2,
			Template: k8sPodTemplate{Metadata: k8sMeta{Labels: j.labels()},
				Spec: k8sPodSpec{RestartPolicy: "Never", Containers: []k8sContainer{c}, Volumes: []k8sVolume{vol}}}}}
	return writeManifest(w, job, fmt.Sprintf(`# Kubernetes Indexed Job for sweep %[1]s: %[2]d shards, one pod each, writing
# shard-<index>.db to the claim %[3]s (which must exist first).
# Apply: kubectl apply -f job.yaml
# Wait:  kubectl wait --for=condition=complete job/%[4]s --timeout=24h
# Then collect the databases with the pod of "sweep export k8s --collector" (README).
`, j.Spec.Name, j.Shards, ResultsClaim, j.jobName()))
}

// WriteKubernetesCollector prints a pod that mounts the shards' volume
// read-only and sleeps for an hour, so that `kubectl cp` can copy the shard
// databases out of it.
func (j *ClusterJob) WriteKubernetesCollector(w io.Writer) error {
	if err := j.kubeChecks(); err != nil {
		return err
	}
	vol, mount := j.resultsVolume(true)
	name := j.jobName() + "-collect"
	pod := k8sPod{APIVersion: "v1", Kind: "Pod",
		Metadata: k8sMeta{Name: quoted(name), Labels: j.labels()},
		Spec: k8sPodSpec{RestartPolicy: "Never", Volumes: []k8sVolume{vol},
			Containers: []k8sContainer{{Name: "collect", Image: quoted(j.Image),
				Command: []quoted{"sleep", "3600"}, VolumeMounts: []k8sMount{mount}}}}}
	return writeManifest(w, pod, fmt.Sprintf(`# Collector pod for sweep %[1]s: the claim %[2]s read-only, for an hour.
# After the job has completed:
#   kubectl apply -f collect.yaml
#   kubectl wait --for=condition=Ready pod/%[3]s
#   kubectl cp %[3]s:<mountPath below>/%[1]s shards
#   kubectl delete -f collect.yaml
#   sweep merge --db sweeps.db shards/shard-*.db
`, j.Spec.Name, ResultsClaim, name))
}

// writeManifest prints the comment (which holds only checked names and
// numbers), then v encoded.
func writeManifest(w io.Writer, v any, comment string) error {
	b, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, comment+string(b))
	return err
}
