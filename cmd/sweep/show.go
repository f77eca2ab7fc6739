package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/attnsweep/attnsweep/pkg/report"
	"github.com/attnsweep/attnsweep/pkg/store"
)

func newShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show TRIAL",
		Short: "Show one trial whole: parameters, status, learning curve and metrics (TRIAL: id, key or key prefix)",
		Example: `  sweep show 12
  sweep show 51589b6e`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := store.OpenReadOnly(g.db)
			if err != nil {
				return err
			}
			defer db.Close()
			t, sweep, err := db.TrialByRef(args[0])
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "trial %d  key %s  sweep %s\nmodel %s  seed %d  repeat %d  status %s  best epoch %d  %.1f s\n",
				t.ID, t.Key, sweep, t.Model, t.Seed, t.Repeat, t.Status, t.BestEpoch, t.Seconds)
			if t.Error != "" {
				fmt.Fprintf(w, "error: %s\n", strings.TrimSpace(t.Error))
			}
			params := &report.Table{Header: []string{"parameter", "value"}}
			for _, n := range sortedNames(t.Params) {
				params.Rows = append(params.Rows, []string{n, report.Cell(t.Params[n])})
			}
			fmt.Fprintln(w)
			params.WriteText(w)

			curve, err := db.Curve(t.ID)
			if err != nil {
				return err
			}
			if len(curve) > 0 {
				var cols []string
				seen := map[string]bool{}
				byEpoch := map[int]map[string]float64{}
				var epochs []int
				for _, p := range curve {
					c := p.Split + " " + p.Metric
					if !seen[c] {
						seen[c] = true
						cols = append(cols, c)
					}
					if byEpoch[p.Epoch] == nil {
						byEpoch[p.Epoch] = map[string]float64{}
						epochs = append(epochs, p.Epoch)
					}
					byEpoch[p.Epoch][c] = p.Value
				}
				sort.Strings(cols)
				curveT := &report.Table{Header: append([]string{"epoch"}, cols...)}
				for _, e := range epochs {
					row := []string{fmt.Sprint(e)}
					for _, c := range cols {
						v, ok := byEpoch[e][c]
						cell := ""
						if ok {
							cell = fmt.Sprintf("%.5g", v)
						}
						row = append(row, cell)
					}
					curveT.Rows = append(curveT.Rows, row)
				}
				fmt.Fprintln(w, "\nlearning curve")
				curveT.WriteText(w)
			}
			if len(t.Best) > 0 {
				fmt.Fprintln(w, "\nmetrics at the best epoch (before training in brackets)")
				metricsTable(t).WriteText(w)
			}
			return nil
		},
	}
}

// metricsTable lays out a trial's final metrics: a row per split.
func metricsTable(t *store.Trial) *report.Table {
	names := []string{"auc", "gauc", "logloss", "accuracy", "precision", "recall", "f1", "mean_pred", "mean_label", "n"}
	tab := &report.Table{Header: append([]string{"split"}, names...)}
	for _, split := range []string{"train", "valid", "test"} {
		row := []string{split}
		for _, m := range names {
			cell := ""
			if v, ok := t.Best[split+"/"+m]; ok {
				cell = fmt.Sprintf("%.4f", v)
				if m == "n" {
					cell = fmt.Sprintf("%.0f", v)
				}
				if b, ok := t.Before[split+"/"+m]; ok && (m == "auc" || m == "logloss") {
					cell += fmt.Sprintf(" (%.4f)", b)
				}
			}
			row = append(row, cell)
		}
		tab.Rows = append(tab.Rows, row)
	}
	return tab
}

func sortedNames(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
