// Command sweep runs hyperparameter sweeps of attention CTR models and keeps
// every trial in SQLite. Each verb lives in its own file; this one wires them.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// exitError carries a specific exit code (e.g. 130 after Ctrl-C).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit code; errors print as
// one line on stderr.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRoot()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return 0
	}
	msg := err.Error()
	if first, _, ok := strings.Cut(msg, "\n"); ok {
		msg = first
	}
	fmt.Fprintln(stderr, "sweep: "+msg)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

// globals are the flags every verb takes.
type globals struct {
	db string
}

func newRoot() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "sweep",
		Short: "Hyperparameter sweeps of attention CTR models, results in SQLite",
		Long: `sweep trains many variants of click-through-rate models (logistic regression,
target attention, ...) on Parquet click logs, keeps every trial, its curve and
its metrics in a SQLite file, and writes markdown reports.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.db, "db", "results/sweeps.db", "results database (SQLite)")
	root.AddCommand(
		newRunCmd(g), newResumeCmd(g), newDatagenCmd(g), newListCmd(g), newQueryCmd(g), newReportCmd(g),
		newPredictCmd(g), newExportModelCmd(g), newServeCmd(g),
		newMergeCmd(g), newExportCmd(g), newInspectCmd(g), newShowCmd(g),
	)
	return root
}
