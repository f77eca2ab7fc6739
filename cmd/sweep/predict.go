package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/parquet-go/parquet-go"
	"github.com/spf13/cobra"

	"github.com/attnsweep/attnsweep/pkg/dataset"
	"github.com/attnsweep/attnsweep/pkg/model"
	"github.com/attnsweep/attnsweep/pkg/search"
	"github.com/attnsweep/attnsweep/pkg/store"
)

func newPredictCmd(g *globals) *cobra.Command {
	var sweepName, trialArg, data, out string
	cmd := &cobra.Command{
		Use:   "predict --sweep NAME --trial ID|best --data F.parquet --out G.parquet",
		Short: "Score data with a trial's saved model and write the scores as Parquet",
		Long: `predict restores a trial's best checkpoint and scores rows with it. The output
has the rows' label (when the input has one), their group (when the sweep has
one: group ids numbered within the input) and a column "score", in input row
order.

The sweep's data is re-loaded from its stored spec to rebuild the vocabularies
and dense statistics the model was trained with, and --data is encoded with
them (values never seen in training become "unknown"). --data may also name a
split of the sweep itself: train, valid or test.`,
		Example: `  sweep predict --sweep quickstart --trial best --data new.parquet --out scores.parquet
  sweep predict --sweep frappe-bars --trial 3 --data ../shared/data/frappe_x1/test.parquet --out /tmp/dnn.parquet
  sweep predict --sweep quickstart --trial c0aafd28d5b5fd54 --data test --out test.parquet --db results/sweeps.db`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, f := range []struct{ name, v string }{{"--sweep", sweepName}, {"--trial", trialArg}, {"--data", data}, {"--out", out}} {
				if f.v == "" {
					return fmt.Errorf("predict: %s is required", f.name)
				}
			}
			if err := checkOut(out, [2]string{"--data", data}, [2]string{"--db", g.db}); err != nil {
				return err
			}
			db, err := store.OpenReadOnly(g.db)
			if err != nil {
				return err
			}
			defer db.Close()
			sw, err := db.SweepByName(sweepName)
			if err != nil {
				return err
			}
			trials, err := db.Trials(sw.ID)
			if err != nil {
				return err
			}
			tr, err := store.FindTrial(trials, trialArg, sw.Objective())
			if err != nil {
				return fmt.Errorf("predict: sweep %s: %w", sw.Name, err)
			}
			ckpt, err := db.Checkpoint(tr.ID)
			if err != nil {
				return err
			}
			if len(ckpt) == 0 {
				return fmt.Errorf("predict: trial %d (%s) has no checkpoint (status %s)", tr.ID, tr.Key, tr.Status)
			}
			spec, err := search.ParseSpec("sweep "+sw.Name+" (spec stored in "+g.db+")", []byte(sw.Spec))
			if err != nil {
				return err
			}
			train, err := spec.LoadData(filepath.Join(filepath.Dir(g.db), "data"))
			if err != nil {
				return fmt.Errorf("predict: load the sweep's data: %w", err)
			}
			pr, err := model.Load(ckpt, train)
			if err != nil {
				return fmt.Errorf("predict: trial %d: %w", tr.ID, err)
			}
			ds, rows, what := train, train.Split(data), data+" split"
			hasLabel := true
			if !slices.Contains(dataset.SplitNames, data) {
				ds, err = train.Encode([]string{data})
				if err != nil {
					return fmt.Errorf("predict: %w", err)
				}
				rows, what, hasLabel = ds.Test, data, ds.HasLabel
			}
			scores := make([]float32, len(rows))
			pr.Predict(ds, rows, scores)
			if err := writeScores(out, ds, rows, scores, hasLabel); err != nil {
				return err
			}
			msg := fmt.Sprintf("predict: trial %d (%s %s) scored %d rows of %s", tr.ID, tr.Model, tr.Key, len(rows), what)
			if hasLabel {
				labels := make([]float32, len(rows))
				for i, r := range rows {
					labels[i] = ds.Label[r]
				}
				msg += fmt.Sprintf(": auc %.4f logloss %.4f", model.AUC(scores, labels), model.LogLoss(scores, labels))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s → %s\n", msg, out)
			return nil
		},
	}
	cmd.Flags().StringVar(&sweepName, "sweep", "", "the sweep's name")
	cmd.Flags().StringVar(&trialArg, "trial", "", `trial id, trial key, or "best" (the done trial with the best valid value of the sweep's objective)`)
	cmd.Flags().StringVar(&data, "data", "", "Parquet file to score (the sweep's columns), or a split of the sweep: train, valid, test")
	cmd.Flags().StringVar(&out, "out", "", "output Parquet file")
	return cmd
}

// checkOut refuses an --out that would destroy something: a folder, or
// the file of another flag (--data, --db) by path or by file identity (a
// link to it is the same file).
func checkOut(out string, others ...[2]string) error {
	fo, errO := os.Stat(out)
	if errO == nil && fo.IsDir() {
		return fmt.Errorf("predict: --out %s is a folder: give a file, such as %s", out, filepath.Join(out, "scores.parquet"))
	}
	a, errA := filepath.Abs(out)
	for _, o := range others {
		flag, path := o[0], o[1]
		b, errB := filepath.Abs(path)
		same := errA == nil && errB == nil && a == b
		if fp, err := os.Stat(path); err == nil && errO == nil && os.SameFile(fo, fp) {
			same = true
		}
		if same {
			return fmt.Errorf("predict: --out %s is the %s file: the scores would overwrite it; give another --out", out, flag)
		}
	}
	return nil
}

// writeScores writes per row, in order: the label (under the data's label
// column name, when hasLabel), the group id (encoded, when the data has
// groups) and the score.
func writeScores(path string, ds *dataset.Dataset, rows []int32, scores []float32, hasLabel bool) (err error) {
	label := ds.Schema.Label
	if label == "" || label == "score" {
		label = "label"
	}
	fields := parquet.Group{"score": parquet.Leaf(parquet.FloatType)}
	if hasLabel {
		fields[label] = parquet.Leaf(parquet.FloatType)
	}
	group := ""
	if ds.Group != nil && ds.Schema.Group != "" && ds.Schema.Group != label && ds.Schema.Group != "score" {
		group = ds.Schema.Group
		fields[group] = parquet.Leaf(parquet.Int32Type)
	}
	schema := parquet.NewSchema("scores", fields)
	col := map[string]int{}
	for i, c := range schema.Columns() {
		col[c[0]] = i
	}
	// A temporary file beside path, renamed over it once complete: a failed
	// write leaves no half file, and an existing path stays whole until then.
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("predict: %w", err)
	}
	if err := f.Chmod(0o644); err != nil { // CreateTemp makes it private
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("predict: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("predict: %s: %w", path, cerr)
		}
		if err == nil {
			if rerr := os.Rename(f.Name(), path); rerr != nil {
				err = fmt.Errorf("predict: %w", rerr)
			}
		}
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	w := parquet.NewWriter(f, schema)
	batch := make([]parquet.Row, 0, 1024)
	flush := func() error {
		_, err := w.WriteRows(batch)
		batch = batch[:0]
		return err
	}
	for i, r := range rows {
		row := make(parquet.Row, len(col))
		if hasLabel {
			row[col[label]] = parquet.ValueOf(ds.Label[r]).Level(0, 0, col[label])
		}
		row[col["score"]] = parquet.ValueOf(scores[i]).Level(0, 0, col["score"])
		if group != "" {
			row[col[group]] = parquet.ValueOf(ds.Group[r]).Level(0, 0, col[group])
		}
		batch = append(batch, row)
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return fmt.Errorf("predict: write %s: %w", path, err)
			}
		}
	}
	if err := flush(); err != nil {
		return fmt.Errorf("predict: write %s: %w", path, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("predict: write %s: %w", path, err)
	}
	return nil
}
