// Command search is the Go side of the search benchmark (bench/search/run.sh,
// BENCHMARKS.md "Search"): it replays samplers against a table of trained
// grid points, and prints the comparison table.
//
//	search replay -table T.csv -space S.json -sampler tpe|random [-seeds N -budget B -batch K] > traces.csv
//	search table -table T.csv traces.csv...
//	search importance -table T.csv
//
// The table is `sweep query --format csv` of a grid sweep: one column per
// searched hyperparameter, then status and valid_auc. A sampler's draw is
// looked up at the nearest grid point (in the log scale for log-uniform
// axes; categories exactly). Traces are CSV lines sampler,seed,trial,auc.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: search replay|table|importance [flags]; see bench/search/run.sh")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "replay":
		err = runReplay(os.Args[2:], os.Stdout)
	case "table":
		err = runTable(os.Args[2:], os.Stdout)
	case "importance":
		err = runImportance(os.Args[2:], os.Stdout)
	default:
		err = fmt.Errorf("unknown verb %q (want replay, table or importance)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "search:", err)
		os.Exit(1)
	}
}
