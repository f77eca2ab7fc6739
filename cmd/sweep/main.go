// Command sweep runs hyperparameter sweeps of attention CTR models and keeps
// every trial in SQLite. Each verb lives in its own file; this one wires them.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
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

// defaultDB is --db's default.
const defaultDB = "results/sweeps.db"

// checkFlags refuses flag values that no verb can use, naming the flag,
// before the verb runs: an empty or folder --db, and a --workers given
// below 1 (left out, it means one per core).
func checkFlags(cmd *cobra.Command, g *globals) error {
	if g.db == "" {
		return fmt.Errorf("--db is empty: give the results database file (default %s)", defaultDB)
	}
	if fi, err := os.Stat(g.db); err == nil && fi.IsDir() {
		return fmt.Errorf("--db %s is a folder: give a database file, such as %s", g.db, filepath.Join(g.db, "sweeps.db"))
	}
	if f := cmd.Flags().Lookup("workers"); f != nil && f.Changed {
		if n, err := strconv.Atoi(f.Value.String()); err != nil || n < 1 {
			return fmt.Errorf("--workers %s: want 1 or more (leave it out to use one per core)", f.Value)
		}
	}
	return nil
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
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return checkFlags(cmd, g)
		},
	}
	root.PersistentFlags().StringVar(&g.db, "db", defaultDB, "results database (SQLite)")
	root.AddCommand(
		newRunCmd(g), newResumeCmd(g), newDatagenCmd(g), newListCmd(g), newQueryCmd(g), newReportCmd(g),
		newPredictCmd(g), newExportModelCmd(g), newServeCmd(g),
		newMergeCmd(g), newExportCmd(g), newInspectCmd(g), newShowCmd(g), newUICmd(g),
	)
	return root
}
