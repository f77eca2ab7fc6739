package search

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// hostile are values that would break out of a naively generated file: YAML
// structure (newlines, ": ", "- ", "#", flow brackets, a leading "? "), YAML
// scalars that are not strings, shell expansions that run commands, quotes
// and backticks, and Kubernetes' $(VAR) references.
var hostile = []string{
	"a\nb: c",
	"x: y",
	"- item",
	"#comment",
	"{a: 1}",
	"? key",
	"a\tb",
	"yes",
	".inf",
	"0x10",
	"null",
	"$(touch canary)",
	"`touch canary`",
	"'; touch canary; '",
	`"; touch canary; "`,
	"it's \"quoted\"",
	"$HOME ${PATH} $$ $(SHARD) $$(SHARD)",
	"~/x *.db [a] %A_%a",
	"line\n#SBATCH --wrap=touch canary\nexit",
	"\u2028sep\r\n",
}

// TestKubernetesCarriesHostileValuesLiterally decodes the manifests back:
// every value is there exactly, in its field, and nothing else is.
func TestKubernetesCarriesHostileValuesLiterally(t *testing.T) {
	for _, v := range hostile {
		j := &ClusterJob{Spec: &Spec{Name: "hostile_1"}, Path: v, Shards: 3, Image: v, Results: "/r/" + v}
		var out bytes.Buffer
		if err := j.WriteKubernetes(&out); err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		var job k8sJob
		if err := yaml.UnmarshalWithOptions(out.Bytes(), &job, yaml.DisallowUnknownField()); err != nil {
			t.Fatalf("%q: the manifest does not decode: %v\n%s", v, err, out.String())
		}
		c := job.Spec.Template.Spec.Containers[0]
		if string(c.Image) != v || string(c.VolumeMounts[0].MountPath) != "/r/"+v {
			t.Errorf("%q: image %q, mountPath %q", v, c.Image, c.VolumeMounts[0].MountPath)
		}
		// What the container runs, after Kubernetes has expanded its args.
		var args []string
		for _, a := range c.Args {
			args = append(args, expandKube(string(a), map[string]string{"SHARD": "2", "HOME": "/h", "PATH": "/p"}))
		}
		want := []string{"run", v, "--shard", "auto/3", "--workers", "2", "--db", "/r/" + v + "/hostile_1/shard-2.db"}
		if !reflect.DeepEqual(args, want) {
			t.Errorf("%q: args expand to %q, want %q", v, args, want)
		}
		out.Reset()
		if err := j.WriteKubernetesCollector(&out); err != nil {
			t.Fatal(err)
		}
		var pod k8sPod
		if err := yaml.UnmarshalWithOptions(out.Bytes(), &pod, yaml.DisallowUnknownField()); err != nil {
			t.Fatalf("%q: the collector does not decode: %v\n%s", v, err, out.String())
		}
		if pc := pod.Spec.Containers[0]; string(pc.Image) != v || string(pc.VolumeMounts[0].MountPath) != "/r/"+v {
			t.Errorf("%q: collector image %q, mountPath %q", v, pc.Image, pc.VolumeMounts[0].MountPath)
		}
	}
}

// expandKube expands a container argument as the API documents it:
// $(VAR) becomes VAR's value when VAR is defined and stays as it is
// otherwise; $$ is a literal $, so $$(VAR) is the text "$(VAR)".
func expandKube(s string, env map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch next := s[i+1]; {
		case next == '$':
			b.WriteByte('$')
			i++
		case next == '(':
			end := strings.IndexByte(s[i:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+end]
			if val, ok := env[name]; ok {
				b.WriteString(val)
			} else {
				b.WriteString(s[i : i+end+1])
			}
			i += end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

func TestExpandKube(t *testing.T) {
	env := map[string]string{"A": "1"}
	for in, want := range map[string]string{
		"$(A)": "1", "$$(A)": "$(A)", "$(B)": "$(B)", "$$": "$", "a$b": "a$b", "$(A": "$(A", "x$": "x$", "$$$(A)": "$1",
	} {
		if got := expandKube(in, env); got != want {
			t.Errorf("expandKube(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSlurmCarriesHostileValuesLiterally runs the generated script with a
// stand-in `sweep` that records its arguments: each hostile value arrives
// as one argument exactly, the folder is made under its exact name, the
// #SBATCH lines are only the four written, and no canary file appears.
func TestSlurmCarriesHostileValuesLiterally(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	bin := t.TempDir()
	fake := "#!/bin/sh\nprintf '%s\\0' \"$@\" > \"$ARGS_OUT\"\n"
	if err := os.WriteFile(filepath.Join(bin, "sweep"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, v := range hostile {
		dir := t.TempDir()
		results := filepath.Join(dir, v)
		j := &ClusterJob{Spec: &Spec{Name: "hostile_1"}, Path: v, Shards: 3, Results: results, Memory: "2Gi"}
		var out bytes.Buffer
		if err := j.WriteSlurm(&out); err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		script := filepath.Join(dir, "job.sbatch")
		os.WriteFile(script, out.Bytes(), 0o644)
		if b, err := exec.Command("bash", "-n", script).CombinedOutput(); err != nil {
			t.Fatalf("%q: bash -n: %v\n%s\n%s", v, err, b, out.String())
		}
		if got, want := sbatchLines(out.String()), []string{
			"#SBATCH --job-name=sweep-hostile-1", "#SBATCH --array=0-2", "#SBATCH --cpus-per-task=2", "#SBATCH --mem=2G",
		}; !reflect.DeepEqual(got, want) {
			t.Errorf("%q: #SBATCH lines %q, want %q", v, got, want)
		}
		cmd := exec.Command("bash", script)
		cmd.Dir = dir
		argsOut := filepath.Join(bin, "args")
		cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "ARGS_OUT="+argsOut,
			"SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_JOB_ID=77")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%q: the script failed: %v\n%s", v, err, b)
		}
		b, _ := os.ReadFile(argsOut)
		args := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
		want := []string{"run", v, "--shard", "auto/3", "--workers", "2", "--db", results + "/hostile_1/shard-1.db"}
		if !reflect.DeepEqual(args, want) {
			t.Errorf("%q: sweep got %q, want %q", v, args, want)
		}
		if _, err := os.Stat(filepath.Join(results, "hostile_1", "slurm-77_1.out")); err != nil {
			t.Errorf("%q: the task log is not in the shard folder: %v", v, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "canary")); err == nil {
			t.Fatalf("%q: the script ran a command from a value", v)
		}
	}
}

// sbatchLines are the directives sbatch reads: #SBATCH lines before the
// first command.
func sbatchLines(script string) []string {
	var out []string
	for _, line := range strings.Split(script, "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			break
		}
		if strings.HasPrefix(line, "#SBATCH") {
			out = append(out, line)
		}
	}
	return out
}

func TestClusterJobRejects(t *testing.T) {
	for _, c := range []struct {
		job  ClusterJob
		k8s  bool
		want string
	}{
		{ClusterJob{Spec: &Spec{Name: "a\nb"}, Shards: 2}, false, `sweep name "a\nb"`},
		{ClusterJob{Spec: &Spec{Name: "ok"}, Shards: 0}, false, "--shards must be at least 1"},
		{ClusterJob{Spec: &Spec{Name: "ok"}, Shards: 2, Memory: "1.5G"}, false, `--memory "1.5G"`},
		{ClusterJob{Spec: &Spec{Name: "ok"}, Shards: 2, Memory: "8Gi\n#SBATCH"}, false, "--memory"},
		{ClusterJob{Spec: &Spec{Name: "ok"}, Shards: 2, Results: "/r/\xff"}, false, "not valid UTF-8"},
		{ClusterJob{Spec: &Spec{Name: "ok"}, Shards: 2}, true, "--image is required"},
		{ClusterJob{Spec: &Spec{Name: "ok"}, Shards: 2, Image: "i", Results: "rel"}, true, "must be absolute"},
		{ClusterJob{Spec: &Spec{Name: "ends_"}, Shards: 2, Image: "i"}, true, `Kubernetes name "sweep-ends-"`},
		{ClusterJob{Spec: &Spec{Name: strings.Repeat("x", 45)}, Shards: 2, Image: "i"}, true, "at most 50"},
	} {
		write := c.job.WriteSlurm
		if c.k8s {
			write = c.job.WriteKubernetes
		}
		err := write(&bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: error %v, want one line containing %q", c.job, err, c.want)
		}
	}
}
