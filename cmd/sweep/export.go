package main

import (
	"github.com/spf13/cobra"

	"github.com/attnsweep/attnsweep/pkg/search"
)

func newExportCmd(g *globals) *cobra.Command {
	job := &search.ClusterJob{}
	export := &cobra.Command{
		Use:   "export k8s|slurm SPEC.yaml --shards N",
		Short: "Print a Kubernetes Indexed Job or a Slurm array script that runs a sweep in shards",
	}
	flags := func(c *cobra.Command) {
		c.Flags().IntVar(&job.Shards, "shards", 0, "number of shards (pods or array tasks)")
		c.Flags().IntVar(&job.CPUs, "cpus", 2, "cores per shard")
		c.Flags().StringVar(&job.Memory, "memory", "8Gi", "memory per shard")
		c.Flags().IntVar(&job.Workers, "workers", 0, "trials side by side per shard (default: --cpus)")
		c.Flags().StringVar(&job.Results, "results", "/results", "shared folder for the shard databases")
	}
	load := func(path string) error {
		spec, err := search.LoadSpec(path)
		if err != nil {
			return err
		}
		job.Spec, job.Path = spec, path
		return nil
	}
	var collector bool
	k8s := &cobra.Command{
		Use:   "k8s SPEC.yaml --shards N --image IMAGE [--collector]",
		Short: "Print a Kubernetes Indexed Job manifest, or with --collector the pod that collects its shard databases",
		Example: `  sweep export k8s experiments/quickstart.yaml --shards 4 --image registry.example/attnsweep:1 > job.yaml
  sweep export k8s experiments/quickstart.yaml --image registry.example/attnsweep:1 --collector > collect.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := load(args[0]); err != nil {
				return err
			}
			if collector {
				return job.WriteKubernetesCollector(cmd.OutOrStdout())
			}
			return job.WriteKubernetes(cmd.OutOrStdout())
		},
	}
	k8s.Flags().StringVar(&job.Image, "image", "", "container image holding the sweep binary and the spec")
	k8s.Flags().BoolVar(&collector, "collector", false, "print a pod that mounts the shard databases read-only for `kubectl cp` (--shards not needed)")
	slurm := &cobra.Command{
		Use:     "slurm SPEC.yaml --shards N",
		Short:   "Print an sbatch array script",
		Example: `  sweep export slurm experiments/quickstart.yaml --shards 4 --results $SCRATCH/sweeps > sweep.sbatch`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := load(args[0]); err != nil {
				return err
			}
			return job.WriteSlurm(cmd.OutOrStdout())
		},
	}
	flags(k8s)
	flags(slurm)
	export.AddCommand(k8s, slurm)
	return export
}
